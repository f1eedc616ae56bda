"""Team isolation, for real: the IAM documents the offline plan recorded for two example teams
are created in a moto server that enforces identity policies; each team's roles are assumed
with STS and used with real boto3 over HTTP against both teams' buckets.

What is taken from the plan, unchanged: each role's inline permission policy (the thing under
test), the permissions boundary document and the role names and paths. What is not: the trust
policies. The real principals (a SAML identity provider, EKS Pod Identity, EC2) cannot present
credentials to moto, so each role here trusts the test's administrator instead; the trust
documents themselves are asserted in tests/component/test_identity.py.

moto evaluates identity policies only: it neither applies bucket policies nor permissions
boundaries (an assumed role's permissions are its inline and attached policies). The
boundaries are still created and attached here, and
``test_boundaries_are_attached_but_moto_does_not_evaluate_them`` keeps that limitation
visible; that every team role carries its boundary, and that the boundary admits what the
roles need, is asserted on the plan (tests/component/test_identity.py).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from botocore.exceptions import ClientError

from infra.graph import ResourceGraph
from tests.integration.conftest import REGION, Credentials, MotoServer

pytestmark = pytest.mark.integration

TEAMS = ("vision-prod", "analytics-prod")
ROLES = ("identity-people", "identity-workload")
DENIED = {"AccessDenied", "403"}


@dataclass(frozen=True)
class TeamSetup:
    stack: str
    buckets: tuple[str, ...]
    roles: dict[str, str]  # logical name in the plan -> role ARN in moto
    boundary_arn: str


def _only(graph: ResourceGraph, type_token: str, name: str) -> dict:
    [found] = [r.inputs for r in graph.of_type(type_token) if r.name == name]
    return found


def _trust(principal_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole"}]})


def _create_team(server: MotoServer, graph: ResourceGraph) -> TeamSetup:
    iam, s3 = server.client("iam"), server.client("s3")
    [boundary] = [r.inputs for r in graph.of_type("aws:iam/policy:Policy")]
    boundary_arn = iam.create_policy(
        PolicyName=boundary["name"], Path=boundary["path"],
        PolicyDocument=boundary["policy"])["Policy"]["Arn"]
    roles = {}
    for logical in ROLES:
        role = _only(graph, "aws:iam/role:Role", logical)
        assert role["permissionsBoundary"] == boundary_arn  # the plan's ARN is moto's ARN
        arn = iam.create_role(
            RoleName=role["name"], Path=role["path"],
            AssumeRolePolicyDocument=_trust(server.admin_arn),
            PermissionsBoundary=boundary_arn)["Role"]["Arn"]
        recorded = _only(graph, "aws:iam/rolePolicy:RolePolicy", logical)
        assert recorded["role"] == role["name"]
        iam.put_role_policy(RoleName=role["name"], PolicyName=recorded["name"],
                            PolicyDocument=recorded["policy"])
        roles[logical] = arn
    buckets = tuple(sorted(b.inputs["bucket"] for b in graph.of_type("aws:s3/bucket:Bucket")))
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=bucket, Key="seed.txt", Body=b"seed")
    return TeamSetup(graph.stack, buckets, roles, boundary_arn)


@pytest.fixture(scope="module")
def teams(moto_server: MotoServer,
          example_plans: dict[str, ResourceGraph]) -> Iterator[dict[str, TeamSetup]]:
    yield {stack: _create_team(moto_server, example_plans[stack]) for stack in TEAMS}


def _assume(server: MotoServer, role_arn: str) -> Credentials:
    answer = server.client("sts").assume_role(RoleArn=role_arn,
                                              RoleSessionName=f"t-{uuid.uuid4().hex[:8]}")
    return Credentials.from_sts(answer)


def _denied(call: object, *args: object, **kwargs: object) -> bool:
    try:
        call(*args, **kwargs)  # type: ignore[operator]
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        assert code in DENIED, f"expected AccessDenied, got {code}"
        return True
    return False


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stack", TEAMS)
def test_a_team_lists_reads_and_writes_its_own_buckets(
        moto_server: MotoServer, teams: dict[str, TeamSetup], stack: str, role: str) -> None:
    team = teams[stack]
    s3 = moto_server.client("s3", _assume(moto_server, team.roles[role]))
    for bucket in team.buckets:
        listed = s3.list_objects_v2(Bucket=bucket)
        assert "seed.txt" in [o["Key"] for o in listed.get("Contents", [])]
        assert s3.get_object(Bucket=bucket, Key="seed.txt")["Body"].read() == b"seed"
        s3.put_object(Bucket=bucket, Key=f"{role}.txt", Body=role.encode())
        assert s3.get_object(Bucket=bucket, Key=f"{role}.txt")["Body"].read() == role.encode()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("stack", TEAMS)
def test_a_team_is_denied_on_the_other_team_buckets(
        moto_server: MotoServer, teams: dict[str, TeamSetup], stack: str, role: str) -> None:
    team = teams[stack]
    [other] = [t for s, t in teams.items() if s != stack]
    s3 = moto_server.client("s3", _assume(moto_server, team.roles[role]))
    for bucket in other.buckets:
        assert _denied(s3.list_objects_v2, Bucket=bucket), bucket
        assert _denied(s3.get_object, Bucket=bucket, Key="seed.txt"), bucket
        assert _denied(s3.put_object, Bucket=bucket, Key="intruder.txt", Body=b"x"), bucket
    admin = moto_server.client("s3")
    for bucket in other.buckets:
        keys = [o["Key"] for o in admin.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert "intruder.txt" not in keys


def test_denials_come_from_the_policies_not_from_the_server(
        moto_server: MotoServer, teams: dict[str, TeamSetup]) -> None:
    """Controls: the same server lets a role with a broad policy into the other team's bucket,
    and refuses a role with no policy even on its own, so the results above are the recorded
    policies at work."""
    iam = moto_server.client("iam")
    target = teams["analytics-prod"].buckets[0]
    suffix = uuid.uuid4().hex[:8]
    broad = iam.create_role(RoleName=f"control-broad-{suffix}",
                            AssumeRolePolicyDocument=_trust(moto_server.admin_arn))["Role"]
    iam.put_role_policy(RoleName=broad["RoleName"], PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    bare = iam.create_role(RoleName=f"control-bare-{suffix}",
                           AssumeRolePolicyDocument=_trust(moto_server.admin_arn))["Role"]
    s3_broad = moto_server.client("s3", _assume(moto_server, broad["Arn"]))
    assert s3_broad.get_object(Bucket=target, Key="seed.txt")["Body"].read() == b"seed"
    s3_bare = moto_server.client("s3", _assume(moto_server, bare["Arn"]))
    assert _denied(s3_bare.list_objects_v2, Bucket=target)


def test_boundaries_are_attached_but_moto_does_not_evaluate_them(
        moto_server: MotoServer, teams: dict[str, TeamSetup]) -> None:
    """A tripwire for the documented limitation: a role under the vision boundary but with a
    broad inline policy still reaches analytics' bucket in moto (in AWS the boundary would stop
    it). If moto starts evaluating boundaries this fails; then assert the denial instead."""
    iam = moto_server.client("iam")
    vision = teams["vision-prod"]
    for arn in vision.roles.values():
        role = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == vision.boundary_arn
    name = f"control-bounded-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(moto_server.admin_arn),
                           PermissionsBoundary=vision.boundary_arn)["Role"]
    iam.put_role_policy(RoleName=name, PolicyName="s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    s3 = moto_server.client("s3", _assume(moto_server, role["Arn"]))
    target = teams["analytics-prod"].buckets[0]
    assert s3.get_object(Bucket=target, Key="seed.txt")["Body"].read() == b"seed"
