"""The promise, continued: a guardrail reports *every* bad resource and statement (a fine or
exempt one before it hides nothing), names the resource in each violation and says what to
change, and understands each way of writing a principal, a source or a block device.

Complements test_promises_guardrails.py (one row per rule and type) with the rules added by
issue 11 (confused deputy, Pod Identity scope, EFS policies) and with graphs holding several
resources of a type, in the order that would expose a rule stopping at the first one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.graph import Resource, ResourceGraph
from infra.policy import check

# The same well-formed bucket parts as the guardrail promise table.
from tests.unit.test_promises_guardrails import KMS_RULE, PAB, TAGS

SSE_S3 = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
ROLE = "aws:iam/role:Role"
BUCKET = "aws:s3/bucket:Bucket"
PAB_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
SSE_TYPE = ("aws:s3/bucketServerSideEncryptionConfiguration:"
            "BucketServerSideEncryptionConfiguration")
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
FS = "aws:efs/fileSystem:FileSystem"
FS_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
PERMISSION = "aws:lambda/permission:Permission"
AP_ARN = "arn:aws:elasticfilesystem:eu-west-1:1:access-point/fsap-1"
TEAM_ROLE_ARN = "arn:aws:iam::1:role/teamstack/nlp-dev-workload"
POD_KEYS = {"aws:RequestTag/eks-cluster-name": "c", "aws:RequestTag/kubernetes-namespace": "n"}


def res(type_token: str, name: str, inputs: dict[str, Any], deps: tuple[str, ...] = ()) \
        -> Resource:
    """A resource carrying the required tags, so that only the rule under test fires."""
    return Resource(f"urn:pulumi:s::p::{type_token}::{name}", type_token, name, None,
                    {"tags": TAGS, **inputs}, deps)


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def found(resources: list[Resource], rule: str) -> list[tuple[str, str]]:
    """(resource name, message) of each violation of ``rule``, sorted by name, checking that
    it names the resource it is about."""
    by_urn = {r.urn: r for r in resources}
    out = []
    for v in check(ResourceGraph("s", list(resources))):
        if v.rule != rule:
            continue
        assert v.urn in by_urn, f"{v} does not name a resource of the graph"
        assert str(v) == f"{rule}: {v.urn}: {v.message}"
        out.append((by_urn[v.urn].name, v.message))
    return sorted(out)


def bucket(name: str, *, pab: dict[str, Any] | None = PAB, rules: list[Any] | None = None,
           policy: str | None = None) -> list[Resource]:
    out = [res(BUCKET, name, {"bucket": name})]
    if pab is not None:
        out.append(res(PAB_TYPE, f"{name}-pab", {"bucket": name, **pab}))
    out.append(res(SSE_TYPE, f"{name}-sse", {"bucket": name,
                                             "rules": [KMS_RULE] if rules is None else rules}))
    if policy is not None:
        out.append(res(BUCKET_POLICY, f"{name}-policy", {"bucket": name, "policy": policy}))
    return out


def team_role(name: str, trust: dict[str, Any], team: str = "nlp") -> Resource:
    return res(ROLE, name, {"tags": {**TAGS, "teamstack:team": team},
                            "permissionsBoundary": "arn:b", "assumeRolePolicy": doc(trust)})


def service(name: Any, condition: dict[str, Any] | None = None,
            effect: str = "Allow") -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": effect, "Principal": {"Service": name},
                                 "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return statement


# --- every bad resource is reported, whatever comes before it ------------------------------


def test_every_bucket_is_judged_not_only_those_before_the_first_finding() -> None:
    """A bucket with no public access block, a fine bucket and a log-delivery bucket come
    first; the buckets after them are still judged."""
    logs_policy = doc({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
                       "Principal": {"Service": "logging.s3.amazonaws.com"}})
    resources = [*bucket("a-no-pab", pab=None), *bucket("b-fine"),
                 *bucket("c-logs", rules=[SSE_S3], policy=logs_policy),
                 *bucket("d-weak", pab={**PAB, "blockPublicAcls": False,
                                        "restrictPublicBuckets": False}, rules=[SSE_S3])]
    assert found(resources, "s3.public-access-block") == [
        ("a-no-pab", "bucket a-no-pab has no public access block; all four flags must be true "
                     "so it can never be made public"),
        ("d-weak-pab", "bucket d-weak: blockPublicAcls, restrictPublicBuckets must be true")]
    assert found(resources, "s3.encryption") == [
        ("d-weak", "bucket d-weak is encrypted with AES256, not SSE-KMS; only a log-delivery "
                   "bucket may use SSE-S3")]


def test_every_untagged_resource_is_reported_after_exempt_ones() -> None:
    """Non-AWS resources and AWS types without a tags property are exempt; the resources
    after them are not, and every missing tag is named."""
    resources = [Resource("urn:k::cm", "kubernetes:core/v1:ConfigMap", "cm", None, {}),
                 Resource("urn:a::att", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                          "att", None, {}),
                 Resource("urn:a::q", "aws:sqs/queue:Queue", "q", None,
                          {"tags": {"teamstack:team": "nlp", "teamstack:component": "x"}})]
    assert found(resources, "tags.required") == [
        ("q", "q: missing tags teamstack:stack, cost-center")]


def test_every_team_role_needs_a_boundary_after_the_platform_role() -> None:
    platform = res(ROLE, "platform", {"tags": {**TAGS, "teamstack:team": "platform"}})
    team = res(ROLE, "team", {})
    assert found([platform, team], "iam.permissions-boundary") == [
        ("team", "team: team nlp's role has no permissions boundary")]


# --- confused deputy: every statement, every resource, every way of stating the source -----


def test_a_services_trust_is_reported_after_statements_that_are_fine() -> None:
    """Deny statements, EC2's exempt trust, guarded statements and a Logs statement scoped by
    its encryption context come first in the document; the unguarded one after them is
    reported with its index, its services and the field it is in."""
    guarded = {"StringEquals": {"aws:SourceAccount": "1"}}
    logs_context = {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}
    role = res(ROLE, "r", {"permissionsBoundary": "arn:b", "assumeRolePolicy": doc(
        service("events.amazonaws.com", effect="Deny"),
        service("ec2.amazonaws.com"),
        service("scheduler.amazonaws.com", guarded),
        service(["events.amazonaws.com", "scheduler.amazonaws.com"]))})
    key = res("aws:kms/key:Key", "k", {"policy": doc(
        service("logs.eu-west-1.amazonaws.com", logs_context),
        service("sns.amazonaws.com"))})
    message = ("with no aws:SourceAccount or aws:SourceArn condition; any account's resources "
               "could use it (confused deputy)")
    assert found([role, key], "iam.confused-deputy") == [
        ("k", f"k: policy Statement[1] trusts sns.amazonaws.com {message}"),
        ("r", f"r: assumeRolePolicy Statement[3] trusts events.amazonaws.com, "
              f"scheduler.amazonaws.com {message}")]


def test_only_the_logs_service_may_use_the_encryption_context_instead_of_a_source() -> None:
    """The encryption-context exemption needs both the key and the Logs service: Logs without
    any condition is reported, and so is another service with the Logs context key."""
    logs_context = {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:*"}}
    for statement in (service("logs.eu-west-1.amazonaws.com"),
                      service("sns.amazonaws.com", logs_context)):
        key = res("aws:kms/key:Key", "k", {"policy": doc(statement)})
        assert [name for name, _ in found([key], "iam.confused-deputy")] == ["k"], statement


def test_every_lambda_permission_is_judged_and_either_source_field_guards_it() -> None:
    """A Lambda permission names its principal and source in fields, not a document: a
    service principal needs ``source_account`` or ``source_arn``; an account principal needs
    neither. Resources after a permission are still judged."""
    perms = [res(PERMISSION, "bare", {"principal": "events.amazonaws.com"}),
             res(PERMISSION, "account", {"principal": "sns.amazonaws.com",
                                         "sourceAccount": "123456789012"}),
             res(PERMISSION, "arn", {"principal": "s3.amazonaws.com",
                                     "sourceArn": "arn:aws:s3:::b"}),
             res(PERMISSION, "other-account", {"principal": "123456789012"}),
             res(PERMISSION, "no-principal", {})]
    role = res(ROLE, "z-role", {"permissionsBoundary": "arn:b",
                                "assumeRolePolicy": doc(service("sns.amazonaws.com"))})
    result = found([*perms, role], "iam.confused-deputy")
    assert result[0] == ("bare", "bare: lets events.amazonaws.com invoke without "
                                 "source_account or source_arn")
    assert [name for name, _ in result] == ["bare", "z-role"]


# --- Pod Identity scope --------------------------------------------------------------------


def test_every_team_roles_pod_identity_trust_names_cluster_and_namespace() -> None:
    """The platform role comes first and is exempt; in the team role a Deny and another
    service's statement come before the Pod Identity statement, which is still judged, and
    each missing key is named."""
    pods = {"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}
    platform = team_role("a-platform", pods, team="platform")
    team = res(ROLE, "b-team", {"tags": TAGS, "permissionsBoundary": "arn:b",
                                "assumeRolePolicy": doc(
                                    {**pods, "Effect": "Deny"},
                                    service("ec2.amazonaws.com"),
                                    pods)})
    scoped = team_role("c-scoped", {**pods, "Condition": {"StringEquals": POD_KEYS}})
    assert found([platform, team, scoped], "iam.pod-identity-scope") == [
        ("b-team", "b-team: team nlp's Pod Identity trust Statement[2] does not check "
                   "aws:requesttag/eks-cluster-name, aws:requesttag/kubernetes-namespace; any "
                   "pod in the account could assume it")]


# --- EFS: every principal form, every statement, every file system --------------------------


def efs(policy: dict[str, Any] | None, *more: dict[str, Any]) -> list[Resource]:
    fs = res(FS, "home", {"encrypted": True})
    if policy is None:
        return [fs]
    return [fs, res(FS_POLICY, "home-policy", {"policy": doc(policy, *more)}, (fs.urn,))]


def mount(principal: Any, *, access_point: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "elasticfilesystem:ClientMount",
                                 "Resource": "*"}
    if principal is not None:
        statement["Principal"] = principal
    if access_point:
        statement["Condition"] = {"StringEquals": {
            "elasticfilesystem:AccessPointArn": AP_ARN}}
    return statement


@pytest.mark.parametrize("principal", [
    {"AWS": TEAM_ROLE_ARN},
    {"AWS": [TEAM_ROLE_ARN]},
    {"Federated": "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X"},
    {"Service": "elasticfilesystem.amazonaws.com"},
])
def test_a_named_principal_of_any_kind_may_mount_through_an_access_point(
        principal: dict[str, Any]) -> None:
    assert found(efs(mount(principal)), "efs.file-system-policy") == []


@pytest.mark.parametrize(("principal", "shown"), [
    ("*", "['*']"),
    (None, "['*']"),
    ({"AWS": "*"}, "['*']"),
    ({"Federated": "*"}, "['*']"),
    ({"Service": ["elasticfilesystem.amazonaws.com", "*"]},
     "['elasticfilesystem.amazonaws.com', '*']"),
    ({"AWS": "arn:aws:iam::1:root"}, "['arn:aws:iam::1:root']"),
    ({}, "no one named"),
])
def test_a_policy_that_names_no_one_in_particular_is_reported(principal: Any,
                                                              shown: str) -> None:
    """Any principal, a whole account, an absent or an empty principal: each says who it
    allows."""
    assert found(efs(mount(principal)), "efs.file-system-policy") == [
        ("home-policy", f"home-policy: Statement[0] allows {shown}: name the team's roles")]


def test_every_allow_statement_of_a_file_system_policy_is_judged() -> None:
    """A Deny and a fine Allow come first; the Allow without an access point after them is
    reported, and a file system without any policy is reported too."""
    deny = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"}
    resources = [*efs(deny, mount({"AWS": TEAM_ROLE_ARN}),
                      mount({"AWS": TEAM_ROLE_ARN}, access_point=False)),
                 res(FS, "bare", {"encrypted": True})]
    assert found(resources, "efs.file-system-policy") == [
        ("bare", "bare: no file-system policy; every NFS client that reaches a mount target "
                 "could mount its root"),
        ("home-policy", "home-policy: Statement[2] does not require "
                        "elasticfilesystem:AccessPointArn: a client could mount the root and "
                        "claim any uid")]


# --- the other ways of writing a setting ---------------------------------------------------


def test_every_open_ingress_is_reported_in_each_of_the_three_ways_of_writing_it() -> None:
    """An open rule followed by a closed one, in each form: the open one is still reported."""
    sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {"ingress": [
        {"cidrBlocks": ["0.0.0.0/0"]}, {"cidrBlocks": ["10.0.0.0/8"]}]})
    sg_rules = [res("aws:ec2/securityGroupRule:SecurityGroupRule", name,
                    {"type": "ingress", "cidrBlocks": [cidr]})
                for name, cidr in (("rule-open", "0.0.0.0/0"), ("rule-closed", "10.0.0.0/8"))]
    ingress = [res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name,
                   {"cidrIpv6": cidr})
               for name, cidr in (("in-open", "::/0"), ("in-closed", "fd00::/8"))]
    tail = "; use the platform's access ranges or a security group"
    assert found([sg, *sg_rules, *ingress], "network.open-ingress") == [
        ("in-open", f"in-open: the rule allows ingress from ::/0{tail}"),
        ("rule-open", f"rule-open: the rule allows ingress from 0.0.0.0/0{tail}"),
        ("sg", f"sg: ingress[0] allows ingress from 0.0.0.0/0{tail}")]


def test_instance_store_mappings_are_not_ebs_volumes() -> None:
    """A launch template's instance-store mapping (``virtualName``, no ``ebs``) is not a
    volume to encrypt, and does not declare the root volume either."""
    ephemeral = {"deviceName": "/dev/sdb", "virtualName": "ephemeral0"}
    root = {"deviceName": "/dev/xvda", "ebs": {"encrypted": True}}
    imds = {"metadataOptions": {"httpTokens": "required"}}
    lt = "aws:ec2/launchTemplate:LaunchTemplate"
    with_root = res(lt, "with-root", {**imds, "blockDeviceMappings": [ephemeral, root]})
    store_only = res(lt, "store-only", {**imds, "blockDeviceMappings": [ephemeral]})
    assert found([with_root, store_only], "ec2.volume-encryption") == [
        ("store-only", "store-only: the root volume (no blockDeviceMappings declare it) is not "
                       "encrypted at rest")]


@pytest.mark.parametrize(("actions", "shown"), [
    (["s3:GetObject", "s3:PutObject", "kms:Decrypt"], "s3:GetObject, s3:PutObject, kms:Decrypt"),
    (["s3:GetObject", "s3:PutObject", "kms:Decrypt", "kms:Encrypt"],
     "s3:GetObject, s3:PutObject, kms:Decrypt, ..."),
])
def test_a_wildcard_data_message_lists_three_actions_then_says_there_are_more(
        actions: list[str], shown: str) -> None:
    policy = res("aws:iam/policy:Policy", "p", {"policy": doc(
        {"Effect": "Allow", "Action": actions, "Resource": "*"})})
    assert found([policy], "iam.wildcard-data-access") == [
        ("p", f"p: policy Statement[0] allows {shown} on every resource; name the team's "
              "bucket, key or file system ARNs")]
