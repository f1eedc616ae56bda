"""Guardrails: each rule fails a hand-built bad graph and passes its corrected twin; the
example stacks (planned by the real program) have no violations at all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.graph import Resource, ResourceGraph
from infra.policy import RULES, check
from infra.policy.iam import is_unscoped

TAGS = {"teamstack:team": "vision", "teamstack:stack": "vision-prod",
        "teamstack:component": "storage", "cost-center": "CC-1"}


def res(type_: str, name: str, inputs: dict[str, Any], deps: tuple[str, ...] = ()) -> Resource:
    return Resource(urn=f"urn:pulumi:s::p::{type_}::{name}", type=type_, name=name, parent=None,
                    inputs=inputs, dependencies=deps)


def graph(*resources: Resource) -> ResourceGraph:
    return ResourceGraph("s", list(resources))


def rules_of(g: ResourceGraph) -> list[str]:
    return [v.rule for v in check(g)]


def bucket(name: str = "b", **extra: Any) -> Resource:
    return res("aws:s3/bucket:Bucket", name, {"bucket": name, "tags": TAGS, **extra})


def pab(bucket_name: str = "b", **flags: bool) -> Resource:
    values = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
              "restrictPublicBuckets": True, **flags}
    return res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", f"{bucket_name}-pab",
               {"bucket": bucket_name, **values})


def sse(bucket_name: str = "b", algorithm: str = "aws:kms", key: str | None = "arn:k") -> Resource:
    default: dict[str, Any] = {"sseAlgorithm": algorithm}
    if key:
        default["kmsMasterKeyId"] = key
    return res("aws:s3/bucketServerSideEncryptionConfiguration:"
               "BucketServerSideEncryptionConfiguration", f"{bucket_name}-sse",
               {"bucket": bucket_name, "rules": [{"applyServerSideEncryptionByDefault": default}]})


def bucket_policy(bucket_name: str, principal: Any) -> Resource:
    doc = {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:PutObject",
                          "Resource": f"arn:aws:s3:::{bucket_name}/*",
                          "Condition": {"StringEquals": {"aws:SourceAccount": "1"}}}]}
    return res("aws:s3/bucketPolicy:BucketPolicy", f"{bucket_name}-policy",
               {"bucket": bucket_name, "policy": json.dumps(doc)})


# -- S3 ------------------------------------------------------------------------------------------

def test_a_complete_bucket_passes() -> None:
    assert check(graph(bucket(), pab(), sse())) == []


def test_bucket_without_public_access_block() -> None:
    violations = check(graph(bucket(), sse()))
    assert [v.rule for v in violations] == ["s3.public-access-block"]
    assert violations[0].urn.endswith("::b")


@pytest.mark.parametrize("flag", ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                  "restrictPublicBuckets"])
def test_each_public_access_flag_is_required(flag: str) -> None:
    violations = check(graph(bucket(), pab(**{flag: False}), sse()))
    assert [v.rule for v in violations] == ["s3.public-access-block"]
    assert flag in violations[0].message


def test_a_block_for_another_bucket_does_not_count() -> None:
    assert rules_of(graph(bucket("a"), bucket("c"), pab("c"), sse("a"), sse("c"))) == [
        "s3.public-access-block"]


def test_bucket_matched_by_dependency_when_name_unknown() -> None:
    b = bucket()
    block = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "x",
                {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
                 "restrictPublicBuckets": True}, deps=(b.urn,))
    assert check(graph(b, block, sse())) == []


@pytest.mark.parametrize("encryption, why", [
    ((), "no SSE-KMS"),
    (("AES256", None), "AES256"),
    (("aws:kms", None), "without a key id"),
])
def test_bucket_encryption_must_be_sse_kms_with_a_key(encryption: tuple, why: str) -> None:
    resources = [bucket(), pab()]
    if encryption:
        resources.append(sse("b", *encryption))
    violations = check(graph(*resources))
    assert [v.rule for v in violations] == ["s3.encryption"]
    assert why in violations[0].message


def test_log_delivery_bucket_may_use_sse_s3_and_nothing_else_may() -> None:
    logs = [bucket("logs"), pab("logs"), sse("logs", "AES256", None)]
    only_logging = bucket_policy("logs", {"Service": "logging.s3.amazonaws.com"})
    assert check(graph(*logs, only_logging)) == []
    also_someone = bucket_policy("logs", {"Service": "logging.s3.amazonaws.com",
                                          "AWS": "arn:aws:iam::1:root"})
    assert rules_of(graph(*logs, also_someone)) == ["s3.encryption"]
    assert rules_of(graph(*logs, bucket_policy("logs", "*"))) == ["s3.encryption"]


# -- EC2 -----------------------------------------------------------------------------------------

def instance(tokens: str | None = "required", root_encrypted: bool | None = True,
             extra: list[dict] | None = None) -> Resource:
    inputs: dict[str, Any] = {"tags": TAGS, "ebsBlockDevices": extra or []}
    if tokens is not None:
        inputs["metadataOptions"] = {"httpTokens": tokens}
    if root_encrypted is not None:
        inputs["rootBlockDevice"] = {"encrypted": root_encrypted}
    return res("aws:ec2/instance:Instance", "desk", inputs)


def template(tokens: str | None = "required", encrypted: str | None = "true") -> Resource:
    inputs: dict[str, Any] = {"tags": TAGS}
    if tokens is not None:
        inputs["metadataOptions"] = {"httpTokens": tokens}
    if encrypted is not None:
        inputs["blockDeviceMappings"] = [{"deviceName": "/dev/xvda",
                                          "ebs": {"encrypted": encrypted}}]
    return res("aws:ec2/launchTemplate:LaunchTemplate", "lt", inputs)


def test_instance_and_template_with_imdsv2_and_encryption_pass() -> None:
    assert check(graph(instance(), template())) == []


@pytest.mark.parametrize("tokens", ["optional", None])
def test_imdsv2_is_required(tokens: str | None) -> None:
    assert rules_of(graph(instance(tokens=tokens))) == ["ec2.imdsv2"]
    assert rules_of(graph(template(tokens=tokens))) == ["ec2.imdsv2"]


def test_karpenter_node_class_only_fails_on_an_explicit_downgrade() -> None:
    type_ = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
    default = res(type_, "nc", {"spec": {}})
    downgraded = res(type_, "nc2", {"spec": {"metadataOptions": {"httpTokens": "optional"}}})
    assert rules_of(graph(default)) == []
    assert rules_of(graph(downgraded)) == ["ec2.imdsv2"]


def test_unencrypted_volumes_are_reported() -> None:
    assert rules_of(graph(instance(root_encrypted=None))) == ["ec2.volume-encryption"]
    assert rules_of(graph(instance(root_encrypted=False))) == ["ec2.volume-encryption"]
    assert rules_of(graph(instance(extra=[{"deviceName": "/dev/sdf", "encrypted": False}]))) \
        == ["ec2.volume-encryption"]
    assert rules_of(graph(template(encrypted="false"))) == ["ec2.volume-encryption"]
    assert rules_of(graph(template(encrypted=None))) == ["ec2.volume-encryption"]
    volume = res("aws:ebs/volume:Volume", "v", {"tags": TAGS, "encrypted": False})
    assert rules_of(graph(volume)) == ["ec2.volume-encryption"]
    assert rules_of(graph(res("aws:ebs/volume:Volume", "v", {"tags": TAGS,
                                                             "encrypted": True}))) == []
    fs = res("aws:efs/fileSystem:FileSystem", "fs", {"tags": TAGS})
    # (a file system without a file-system policy also breaks efs.file-system-policy)
    assert rules_of(graph(fs)) == ["ec2.volume-encryption", "efs.file-system-policy"]
    assert rules_of(graph(res("aws:efs/fileSystem:FileSystem", "fs",
                              {"tags": TAGS, "encrypted": True}))) == ["efs.file-system-policy"]


def test_node_group_needs_a_launch_template() -> None:
    bare = res("aws:eks/nodeGroup:NodeGroup", "ng", {"tags": TAGS})
    with_lt = res("aws:eks/nodeGroup:NodeGroup", "ng", {"tags": TAGS,
                                                        "launchTemplate": {"id": "lt-1"}})
    assert rules_of(graph(bare)) == ["ec2.volume-encryption"]
    assert rules_of(graph(with_lt)) == []


# -- network -------------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", [
    res("aws:ec2/securityGroup:SecurityGroup", "sg", {"tags": TAGS, "ingress": [
        {"fromPort": 22, "toPort": 22, "protocol": "tcp", "cidrBlocks": ["0.0.0.0/0"]}]}),
    res("aws:ec2/securityGroup:SecurityGroup", "sg", {"tags": TAGS, "ingress": [
        {"fromPort": 22, "toPort": 22, "protocol": "tcp", "ipv6CidrBlocks": ["::/0"]}]}),
    res("aws:ec2/securityGroupRule:SecurityGroupRule", "r", {
        "type": "ingress", "cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]}),
    res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", {
        "tags": TAGS, "cidrIpv4": "0.0.0.0/0"}),
    res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", {
        "tags": TAGS, "cidrIpv6": "::/0"}),
])
def test_ingress_from_the_whole_internet_is_refused(resource: Resource) -> None:
    assert rules_of(graph(resource)) == ["network.open-ingress"]


@pytest.mark.parametrize("resource", [
    res("aws:ec2/securityGroup:SecurityGroup", "sg", {"tags": TAGS, "ingress": [
        {"fromPort": 8443, "toPort": 8443, "protocol": "tcp", "cidrBlocks": ["203.0.113.0/24"]}],
        "egress": [{"fromPort": 0, "toPort": 0, "protocol": "-1", "cidrBlocks": ["0.0.0.0/0"]}]}),
    res("aws:ec2/securityGroupRule:SecurityGroupRule", "r", {
        "type": "egress", "cidrBlocks": ["0.0.0.0/0"]}),
    res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", {
        "tags": TAGS, "referencedSecurityGroupId": "sg-1"}),
])
def test_named_ranges_and_egress_are_fine(resource: Resource) -> None:
    assert rules_of(graph(resource)) == []


# -- tags ----------------------------------------------------------------------------------------

def test_missing_tags_are_reported_by_name() -> None:
    partial = {k: v for k, v in TAGS.items() if k != "cost-center"}
    violations = check(graph(res("aws:kms/key:Key", "k", {"tags": partial})))
    assert [v.rule for v in violations] == ["tags.required"]
    assert "cost-center" in violations[0].message
    assert rules_of(graph(res("aws:kms/key:Key", "k", {}))) == ["tags.required"]
    assert rules_of(graph(res("aws:kms/key:Key", "k", {"tags": {**TAGS,
                                                                 "teamstack:team": ""}}))) == [
        "tags.required"]


def test_untaggable_and_kubernetes_resources_are_not_tag_checked() -> None:
    assert rules_of(graph(res("aws:kms/alias:Alias", "a", {"name": "alias/x"}),
                          res("kubernetes:core/v1:Namespace", "ns", {}))) == []
    assert rules_of(graph(res("aws:kms/key:Key", "k", {"tags": TAGS}))) == []


# -- IAM -----------------------------------------------------------------------------------------

def role_policy(statement: dict[str, Any]) -> Resource:
    return res("aws:iam/rolePolicy:RolePolicy", "p", {
        "policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})})


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]},
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::*/*"},
    {"Effect": "Allow", "Action": "kms:decrypt", "Resource": "*"},
    {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:*:key/*"},
    {"Effect": "Allow", "Action": "elasticfilesystem:Client*", "Resource": "*"},
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "NotResource": "arn:aws:s3:::other/*"},
])
def test_data_actions_on_every_resource_are_refused(statement: dict[str, Any]) -> None:
    assert rules_of(graph(role_policy(statement))) == ["iam.wildcard-data-access"]


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::vision-prod-x/*"},
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:1:key/abc"},
    {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
    {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    {"Effect": "Allow", "NotAction": ["s3:*", "kms:*", "elasticfilesystem:*"], "Resource": "*"},
])
def test_scoped_or_non_data_statements_pass(statement: dict[str, Any]) -> None:
    assert rules_of(graph(role_policy(statement))) == []


def test_managed_policies_and_inline_role_policies_are_read() -> None:
    doc = json.dumps({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})
    managed = res("aws:iam/policy:Policy", "m", {"tags": TAGS, "policy": doc})
    inline = res("aws:iam/role:Role", "r", {"tags": {**TAGS, "teamstack:team": "platform"},
                                            "inlinePolicies": [{"name": "x", "policy": doc}]})
    assert rules_of(graph(managed)) == ["iam.wildcard-data-access"]
    assert rules_of(graph(inline)) == ["iam.wildcard-data-access"]


def test_unscoped_resource_patterns() -> None:
    assert is_unscoped("*") and is_unscoped("arn:aws:s3:::*/*")
    assert is_unscoped("arn:aws:elasticfilesystem:eu-west-1:1:file-system/*")
    assert not is_unscoped("arn:aws:s3:::vision-prod-*")
    assert not is_unscoped("arn:aws:kms:eu-west-1:1:key/abc")


def test_team_roles_need_a_permissions_boundary() -> None:
    team_role = res("aws:iam/role:Role", "r", {"tags": TAGS})
    bounded = res("aws:iam/role:Role", "r", {"tags": TAGS, "permissionsBoundary": "arn:b"})
    platform_role = res("aws:iam/role:Role", "r", {
        "tags": {**TAGS, "teamstack:team": "platform"}})
    assert rules_of(graph(team_role)) == ["iam.permissions-boundary"]
    assert rules_of(graph(bounded)) == []
    assert rules_of(graph(platform_role)) == []


# -- the whole thing -----------------------------------------------------------------------------

def test_every_rule_is_registered_and_a_rule_never_crashes_on_odd_inputs() -> None:
    odd = graph(*[res(t, "odd", {"tags": "nope", "ingress": "x", "rules": 3, "policy": "{",
                                 "metadataOptions": [], "rootBlockDevice": "x",
                                 "blockDeviceMappings": [None]})
                  for t in ("aws:s3/bucket:Bucket", "aws:ec2/instance:Instance",
                            "aws:ec2/launchTemplate:LaunchTemplate",
                            "aws:ec2/securityGroup:SecurityGroup", "aws:iam/policy:Policy")])
    assert {v.rule for v in check(odd)} >= {"s3.public-access-block", "ec2.imdsv2",
                                           "tags.required"}
    assert len(RULES) == 11


def test_example_stacks_have_no_violations(example_plans: dict[str, ResourceGraph]) -> None:
    assert example_plans, "no example stacks were planned"
    for stack, plan in example_plans.items():
        assert check(plan) == [], stack
