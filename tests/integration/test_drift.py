"""teamstack drift end to end: a moto server plays AWS, its S3 holds the Pulumi backend.

Two example team stacks (and the parts of their platform they refer to) are deployed into moto
by ``drift_world`` with real boto3 calls, and genuine v3 checkpoints are written to the backend
bucket. An untouched deployment must be clean; then the cloud and a stack file are edited by
hand, and each edit must be classified exactly, with nothing else reported.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.drift.backend import BackendUrl
from infra.drift.codemap import mock_tokens
from infra.drift.model import DriftReport
from infra.drift.render import RENDERERS
from infra.drift.run import DriftRun, StackInput
from infra.graph import Resource, ResourceGraph
from infra.plan.orchestrate import load_all, plan_loaded
from tests.integration import drift_world
from tests.integration.conftest import REGION, Credentials, MotoServer

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ("analytics-prod", "insights-prod")
PLATFORM = "platform-prod"
# What of the platform the teams' resources refer to (its VPC, subnets, groups, log bucket).
PLATFORM_TYPES = {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet",
                  "aws:ec2/securityGroup:SecurityGroup", "aws:s3/bucket:Bucket"}
SECRET_TEXT = "goran's desktop: CPU below"
CIPHERTEXT = "v1:Qm9ndXNDaXBoZXJ0ZXh0OnRlYW1zdGFjaw=="


def plan(stacks_dir: Path) -> dict[str, ResourceGraph]:
    files = sorted(stacks_dir.glob("Pulumi.*.yaml"))
    return plan_loaded(load_all(files, stacks_dir), jobs=1).by_stack()


def asg(stack: str, name: str, subnet: str) -> Resource:
    """An Auto Scaling group as a component registers one; the example stacks have none
    today, so the scenario adds two to a team's code and state (runtime marker: desired)."""
    return Resource(
        urn=f"urn:pulumi:{stack}::teamstack::aws:autoscaling/group:Group::{name}",
        type="aws:autoscaling/group:Group", name=name, parent=None,
        inputs={"name": f"{stack}-{name}", "minSize": 1, "maxSize": 4, "desiredCapacity": 1,
                "vpcZoneIdentifiers": [subnet], "launchConfiguration": f"{stack}-lc"},
        ignore_changes=("desiredCapacity",))


def first_subnet(platform: ResourceGraph) -> str:
    """The made-up id of the platform's first subnet by name (registration order varies)."""
    subnet = min(platform.of_type("aws:ec2/subnet:Subnet"), key=lambda r: r.name)
    return mock_tokens(subnet, REGION)["id"]


def with_asgs(graph: ResourceGraph, subnet: str) -> ResourceGraph:
    extra = [asg(graph.stack, "workers-a", subnet), asg(graph.stack, "workers-b", subnet)]
    return ResourceGraph(graph.stack, [*graph.resources, *extra], graph.outputs)


def make_secret(resources: list[dict[str, Any]], name: str, field: str) -> None:
    """As Pulumi stores a secret input: the signature envelope around a ciphertext."""
    envelope = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                "ciphertext": CIPHERTEXT}
    for entry in resources:
        if entry["urn"].endswith(f"::{name}"):
            entry["inputs"][field] = envelope
            entry["outputs"][field] = envelope
            return
    raise AssertionError(f"no resource {name}")


@dataclass
class Scenario:
    server: MotoServer
    bucket: str
    graphs: dict[str, ResourceGraph]

    def session(self, creds: Credentials | None = None) -> Any:
        creds = creds or self.server.admin
        return boto3.session.Session(aws_access_key_id=creds.access_key_id,
                                     aws_secret_access_key=creds.secret_access_key,
                                     region_name=REGION)

    def run(self, session: Any = None, graphs: dict[str, ResourceGraph] | None = None,
            bucket: str | None = None) -> tuple[DriftReport, DriftRun]:
        graphs = graphs or self.graphs
        drift = DriftRun(
            BackendUrl.parse(f"s3://{bucket or self.bucket}"), session or self.session(),
            [StackInput(s, REGION, graphs[s]) for s in TEAMS],
            extra_code=[StackInput(PLATFORM, REGION, graphs[PLATFORM], shared=True)])
        return drift.execute(), drift


@pytest.fixture(scope="module")
def endpoint(moto_open: MotoServer) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", moto_open.endpoint)
        for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def scenario(moto_open: MotoServer, endpoint: None,
             example_plans: dict[str, ResourceGraph]) -> Scenario:
    moto_server = moto_open
    platform_world = drift_world.World(client=moto_server.client)
    ec2 = moto_server.client("ec2")
    platform_world.ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    s3 = moto_server.client("s3")
    bucket = f"pulumi-state-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    example_plans = {s: drift_world.hostable(g) for s, g in example_plans.items()}
    platform = drift_world.deploy(platform_world, example_plans[PLATFORM], PLATFORM_TYPES)
    drift_world.allow_access_logs(platform_world, "platform-prod-access-logs")
    drift_world.write(s3, bucket, PLATFORM, drift_world.checkpoint(PLATFORM, platform))
    graphs = dict(example_plans)
    graphs["insights-prod"] = with_asgs(example_plans["insights-prod"],
                                        first_subnet(example_plans[PLATFORM]))
    for stack in TEAMS:
        moto_server.client("autoscaling").create_launch_configuration(
            LaunchConfigurationName=f"{stack}-lc", ImageId=platform_world.ami,
            InstanceType="t3.micro")
        world = drift_world.World(client=moto_server.client, replace=dict(platform_world.replace),
                                  vpc_id=platform_world.vpc_id, ami=platform_world.ami)
        resources = drift_world.deploy(world, graphs[stack])
        if stack == "insights-prod":
            make_secret(resources, "desktops-goran-idle-cpu", "alarmDescription")
        drift_world.write(s3, bucket, stack, drift_world.checkpoint(stack, resources))
    return Scenario(moto_server, bucket, graphs)


@pytest.fixture(scope="module")
def baseline(scenario: Scenario) -> DriftReport:
    """The deployment as it was left, before any hand edit (module order: first)."""
    report, _ = scenario.run()
    return report


def _edit_cloud(server: MotoServer, graphs: dict[str, ResourceGraph]) -> None:
    s3, ec2 = server.client("s3"), server.client("ec2")
    s3.put_bucket_encryption(Bucket="insights-prod-reports", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    group = ec2.describe_security_groups(Filters=[
        {"Name": "group-name", "Values": ["insights-prod-desktop-display"]}])["SecurityGroups"][0]
    ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
        "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "debugging, by hand"}]}])
    server.client("cloudwatch").delete_alarms(AlarmNames=["insights-prod-desktop-farah-idle-cpu"])
    autoscaling = server.client("autoscaling")
    autoscaling.set_desired_capacity(AutoScalingGroupName="insights-prod-workers-a",
                                     DesiredCapacity=3)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="insights-prod-workers-b",
                                          MaxSize=10, DesiredCapacity=8)
    s3.create_bucket(Bucket="insights-prod-handmade",
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket="insights-prod-handmade", Tagging={"TagSet": [
        {"Key": "teamstack:stack", "Value": "insights-prod"},
        {"Key": "teamstack:team", "Value": "insights"}]})


@pytest.fixture(scope="module")
def edited(scenario: Scenario, baseline: DriftReport, tmp_path_factory: pytest.TempPathFactory,
           ) -> tuple[DriftReport, list[str], dict[str, ResourceGraph]]:
    """After the hand edits and a changed stack file; every operation of the run recorded."""
    _edit_cloud(scenario.server, scenario.graphs)
    stacks = tmp_path_factory.mktemp("stacks")
    for path in (ROOT / "stacks").glob("Pulumi.*.yaml"):
        shutil.copy(path, stacks / path.name)
    changed = stacks / "Pulumi.insights-prod.yaml"
    text = changed.read_text()
    assert "monthly_usd: 3000}" in text
    changed.write_text(text.replace("monthly_usd: 3000}", "monthly_usd: 3500}"))
    code = {s: drift_world.hostable(g) for s, g in plan(stacks).items()}
    code["insights-prod"] = with_asgs(code["insights-prod"], first_subnet(code[PLATFORM]))
    session = scenario.session()
    operations: list[str] = []
    session.events.register("before-call", lambda model, **_: operations.append(
        f"{model.service_model.service_name}:{model.name}"))
    report, _ = scenario.run(session=session, graphs=code)
    return report, operations, code


def summary(report: DriftReport) -> set[tuple[str, str, str, str]]:
    return {(s.stack, f.urn.rsplit("::", 1)[-1], f.field, f.klass)
            for s in report.stacks for f in s.findings}


def test_an_untouched_deployment_is_clean(baseline: DriftReport) -> None:
    # The secret input is reported as unverifiable; nothing else at all.
    assert summary(baseline) == {
        ("insights-prod", "desktops-goran-idle-cpu", "alarmDescription", "unverifiable")}
    assert {s.stack: s.status for s in baseline.stacks} == {
        "analytics-prod": "clean", "insights-prod": "clean"}
    assert baseline.exit_code == 0


def test_each_hand_edit_is_classified_exactly(edited: Any) -> None:
    report, _, _ = edited
    assert summary(report) == {
        ("insights-prod", "storage-reports-encryption", "rules", "drift"),
        ("insights-prod", "desktops-display", "ingress", "drift"),
        ("insights-prod", "desktops-farah-idle-cpu", "", "missing"),
        ("insights-prod", "workers-a", "desiredCapacity", "expected"),
        ("insights-prod", "workers-b", "desiredCapacity", "drift"),
        ("insights-prod", "workers-b", "maxSize", "drift"),
        ("insights-prod", "insights-prod-handmade", "", "unmanaged"),
        # One stack-file edit (the monthly budget), two fields it moves: the budget's limit
        # and the anomaly alert threshold derived from it.
        ("insights-prod", "budget-monthly", "limitAmount", "pending"),
        ("insights-prod", "budget-anomalies", "thresholdExpression", "pending"),
        ("insights-prod", "desktops-goran-idle-cpu", "alarmDescription", "unverifiable"),
    }
    by_stack = {s.stack: s for s in report.stacks}
    assert by_stack["insights-prod"].status == "drift"
    assert by_stack["analytics-prod"].status == "clean"
    assert report.exit_code == 1
    finding = {(f.urn.rsplit("::", 1)[-1], f.field): f for f in by_stack["insights-prod"].findings}
    assert finding[("workers-a", "desiredCapacity")].owner == "autoscaler"
    assert (finding[("workers-a", "desiredCapacity")].state,
            finding[("workers-a", "desiredCapacity")].live) == (1, 3)
    sse = finding[("storage-reports-encryption", "rules")]
    assert sse.live == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"},
                         "bucketKeyEnabled": False}]
    ingress = finding[("desktops-display", "ingress")].live
    assert ingress == [{"cidrIpv4": "10.0.0.0/8", "description": "debugging, by hand",
                        "fromPort": 22, "ipProtocol": "tcp", "toPort": 22}]
    budget = finding[("budget-monthly", "limitAmount")]
    assert (budget.state, budget.code) == ("3000.00", "3500.00")


def test_the_run_makes_no_mutating_call(edited: Any) -> None:
    _, operations, _ = edited
    assert operations, "no API call was recorded"
    mutating = ("Create", "Put", "Update", "Modify", "Delete", "Tag", "Untag", "Attach",
                "Detach", "Authorize", "Revoke", "Run", "Start", "Stop", "Terminate", "Set",
                "Enable", "Disable", "Associate", "Disassociate", "Add", "Remove", "Copy")
    names = {op.split(":", 1)[1] for op in operations}
    assert not {n for n in names if n.startswith(mutating)}
    assert all(n.startswith(("Get", "Describe", "List")) for n in names), names


def test_every_operation_is_in_the_printed_policy(edited: Any) -> None:
    from infra.drift.policy import OPERATIONS, is_read_only

    _, operations, _ = edited
    service_alias = {"elasticfilesystem": "efs", "monitoring": "cloudwatch",
                     "tagging": "resourcegroupstaggingapi"}
    for op in set(operations):
        service, name = op.split(":", 1)
        key = f"{service_alias.get(service, service)}:{name}"
        assert key in OPERATIONS, f"{key} is not in the drift policy"
        assert is_read_only(OPERATIONS[key])


def test_secrets_never_appear_in_any_format(edited: Any) -> None:
    report, _, _ = edited
    for render in RENDERERS.values():
        text = render(report)
        assert CIPHERTEXT not in text
        assert SECRET_TEXT not in text
        assert "[secret]" in text


def test_json_shape_is_sorted_and_stable(edited: Any) -> None:
    report, _, _ = edited
    first = RENDERERS["json"](report)
    doc = json.loads(first)
    stack = doc["stacks"][1]
    assert set(stack) == {"stack", "status", "reason", "findings", "coverage", "api_calls"}
    assert set(stack["findings"][0]) >= {"urn", "type", "field", "class", "state", "live",
                                         "code", "owner"}
    assert stack["coverage"]["compared"] > 0
    assert "aws:costexplorer/anomalyMonitor:AnomalyMonitor" in stack["coverage"]["not_compared"]
    assert [s["stack"] for s in doc["stacks"]] == sorted(TEAMS)
    assert first == RENDERERS["json"](report)


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class Throttle:
    """A botocore ``before-send`` hook: the first ``times`` calls of a service are answered
    with ``ThrottlingException`` without reaching the server."""

    def __init__(self, times: int) -> None:
        self.left = times
        self.sent = 0

    def __call__(self, request: Any, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        if self.left <= 0:
            return None
        self.left -= 1
        self.sent += 1
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"})
        return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "ThrottlingException",
                                              "Content-Type": "application/x-amz-json-1.1"},
                           _Body(body.encode()))


def test_throttling_is_retried_and_the_report_is_complete(scenario: Scenario,
                                                          edited: Any) -> None:
    plain, _ = scenario.run()
    session = scenario.session()
    throttle = Throttle(times=3)
    session.events.register("before-send.kms", throttle)
    throttled, _ = scenario.run(session=session)
    assert throttle.sent == 3
    assert summary(throttled) == summary(plain)
    assert not any(f.klass == "unknown" for s in throttled.stacks for f in s.findings)


def test_throttled_past_retries_is_unknown_never_clean(scenario: Scenario, edited: Any) -> None:
    session = scenario.session()
    session.events.register("before-send.kms.DescribeKey", Throttle(times=10_000))
    report, _ = scenario.run(session=session)
    unknown = {(s.stack, f.type) for s in report.stacks for f in s.findings
               if f.klass == "unknown"}
    assert unknown == {("analytics-prod", "aws:kms/key:Key"), ("insights-prod", "aws:kms/key:Key")}
    assert all(s.status == "drift" for s in report.stacks)



def test_a_corrupt_state_fails_only_its_stack(scenario: Scenario, edited: Any) -> None:
    s3 = scenario.server.client("s3")
    bucket = f"pulumi-state-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    good = s3.get_object(Bucket=scenario.bucket,
                         Key=".pulumi/stacks/teamstack/insights-prod.json")["Body"].read()
    drift_world.write(s3, bucket, "insights-prod", good)
    drift_world.write(s3, bucket, "analytics-prod", b'{"version": 3, "checkpoint": {"lat')
    report, _ = scenario.run(bucket=bucket)
    by_stack = {s.stack: s for s in report.stacks}
    assert by_stack["analytics-prod"].status == "error"
    assert "not a readable checkpoint" in by_stack["analytics-prod"].reason
    assert by_stack["insights-prod"].status == "drift"
    assert ("insights-prod", "desktops-farah-idle-cpu", "", "missing") in summary(report)
    assert report.exit_code == 1


def test_access_denied_on_one_stack_with_the_printed_policy(moto_server: MotoServer) -> None:
    """On the IAM-enforcing server: a user holding exactly ``--print-policy``'s document,
    denied one stack's state object; that stack is ``error``, the other is checked."""
    from infra.drift.policy import policy_document

    bucket = f"pulumi-state-{uuid.uuid4().hex[:12]}"
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for stack in TEAMS:
        stack_urn = f"urn:pulumi:{stack}::teamstack::pulumi:pulumi:Stack::teamstack-{stack}"
        drift_world.write(s3, bucket, stack, drift_world.checkpoint(stack, [
            {"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack", "outputs": {}}]))
    iam = moto_server.client("iam")
    user = f"drift-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    document = policy_document(bucket)
    # moto authorises the Tagging API under the prefix "tagging:"; AWS's prefix is "tag:".
    document["Statement"].append({"Effect": "Allow", "Action": "tagging:GetResources",
                                  "Resource": "*"})
    document["Statement"].append({
        "Effect": "Deny", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/.pulumi/stacks/teamstack/analytics-prod.json"})
    iam.put_user_policy(UserName=user, PolicyName="drift", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    session = boto3.session.Session(aws_access_key_id=key["AccessKeyId"],
                                    aws_secret_access_key=key["SecretAccessKey"],
                                    region_name=REGION)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
        drift = DriftRun(BackendUrl.parse(f"s3://{bucket}"), session,
                         [StackInput(s, REGION, None) for s in TEAMS])
        report = drift.execute()
    by_stack = {s.stack: s for s in report.stacks}
    assert by_stack["analytics-prod"].status == "error"
    assert "AccessDenied" in by_stack["analytics-prod"].reason
    assert by_stack["insights-prod"].status == "clean", by_stack["insights-prod"].findings
