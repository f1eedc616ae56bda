"""The promise: each guardrail looks at every resource type its docstring names, and at every
way of writing the setting it checks.

Table-driven: for each (rule, resource type, way of writing it) one minimal bad resource that
must be reported by that rule, and its fixed twin that must not be. A guardrail that stops
looking at one type (or one of the three ways of writing a security group rule, or one of
the four flags) fails exactly one row, named after it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.graph import Resource, ResourceGraph
from infra.policy import RULES, check

TAGS = {"teamstack:team": "nlp", "teamstack:stack": "nlp-dev", "teamstack:component": "x",
        "cost-center": "CC-1"}
KEY = "arn:aws:kms:eu-west-1:123456789012:key/abc"
PAB = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
       "restrictPublicBuckets": True}
KMS_RULE = {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                   "kmsMasterKeyId": KEY}}


def res(type_token: str, name: str, inputs: dict[str, Any], deps: tuple[str, ...] = ()) \
        -> Resource:
    return Resource(f"urn:pulumi:s::p::{type_token}::{name}", type_token, name, None,
                    {"tags": TAGS, **inputs} if type_token.startswith("aws:") else inputs,
                    deps)


def bucket(pab: dict[str, Any] | None = None, rules: list[Any] | None = None,
           inline: list[Any] | None = None) -> list[Resource]:
    """A bucket with its companions (missing ones left out)."""
    inputs: dict[str, Any] = {"bucket": "b1"}
    if inline is not None:
        inputs["serverSideEncryptionConfiguration"] = {"rule": inline}
    out = [res("aws:s3/bucket:Bucket", "b1", inputs)]
    if pab is not None:
        out.append(res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "b1-pab",
                       {"bucket": "b1", **pab}))
    if rules is not None:
        out.append(res("aws:s3/bucketServerSideEncryptionConfiguration:"
                       "BucketServerSideEncryptionConfiguration", "b1-sse",
                       {"bucket": "b1", "rules": rules}))
    return out


def policy_doc(action: Any, resource: Any = "*", effect: str = "Allow",
               key: str = "Action") -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, key: action, "Resource": resource}]})


GOOD_LT = {"metadataOptions": {"httpTokens": "required"},
           "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}}]}
GOOD_INSTANCE = {"metadataOptions": {"httpTokens": "required"},
                 "rootBlockDevice": {"encrypted": True}}
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ROLE = "aws:iam/role:Role"

# (row id, rule, bad resources, good resources)
CASES: list[tuple[str, str, list[Resource], list[Resource]]] = [
    ("bucket without public access block", "s3.public-access-block",
     bucket(None, [KMS_RULE]), bucket(PAB, [KMS_RULE])),
    *[(f"public access block without {flag}", "s3.public-access-block",
       bucket({**PAB, flag: False}, [KMS_RULE]), bucket(PAB, [KMS_RULE])) for flag in PAB],
    ("bucket without encryption", "s3.encryption", bucket(PAB), bucket(PAB, [KMS_RULE])),
    ("bucket with SSE-S3", "s3.encryption",
     bucket(PAB, [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]),
     bucket(PAB, [KMS_RULE])),
    ("bucket with the AWS-managed KMS key", "s3.encryption",
     bucket(PAB, [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]),
     bucket(PAB, [KMS_RULE])),
    ("bucket with inline SSE-S3", "s3.encryption",
     bucket(PAB, inline=[{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]),
     bucket(PAB, inline=[KMS_RULE])),
    ("instance with IMDSv1", "ec2.imdsv2",
     [res("aws:ec2/instance:Instance", "i", {**GOOD_INSTANCE,
                                              "metadataOptions": {"httpTokens": "optional"}})],
     [res("aws:ec2/instance:Instance", "i", GOOD_INSTANCE)]),
    ("instance without metadata options", "ec2.imdsv2",
     [res("aws:ec2/instance:Instance", "i", {"rootBlockDevice": {"encrypted": True}})],
     [res("aws:ec2/instance:Instance", "i", GOOD_INSTANCE)]),
    ("launch template with IMDSv1", "ec2.imdsv2",
     [res("aws:ec2/launchTemplate:LaunchTemplate", "lt",
          {**GOOD_LT, "metadataOptions": {"httpTokens": "optional"}})],
     [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", GOOD_LT)]),
    ("EC2NodeClass downgraded to IMDSv1", "ec2.imdsv2",
     [res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nc",
          {"spec": {"metadataOptions": {"httpTokens": "optional"}}})],
     [res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nc", {"spec": {}})]),
    ("unencrypted EBS volume (ebs module)", "ec2.volume-encryption",
     [res("aws:ebs/volume:Volume", "v", {"size": 10})],
     [res("aws:ebs/volume:Volume", "v", {"size": 10, "encrypted": True})]),
    ("unencrypted EBS volume (ec2 module)", "ec2.volume-encryption",
     [res("aws:ec2/volume:Volume", "v", {"size": 10, "encrypted": False})],
     [res("aws:ec2/volume:Volume", "v", {"size": 10, "encrypted": True})]),
    ("unencrypted EFS", "ec2.volume-encryption",
     [res("aws:efs/fileSystem:FileSystem", "fs", {})],
     [res("aws:efs/fileSystem:FileSystem", "fs", {"encrypted": True})]),
    ("instance with unencrypted root volume", "ec2.volume-encryption",
     [res("aws:ec2/instance:Instance", "i", {**GOOD_INSTANCE, "rootBlockDevice": {}})],
     [res("aws:ec2/instance:Instance", "i", GOOD_INSTANCE)]),
    ("instance with an unencrypted extra volume", "ec2.volume-encryption",
     [res("aws:ec2/instance:Instance", "i", {**GOOD_INSTANCE, "ebsBlockDevices": [
         {"deviceName": "/dev/sdb", "encrypted": True}, {"deviceName": "/dev/sdc"}]})],
     [res("aws:ec2/instance:Instance", "i", {**GOOD_INSTANCE, "ebsBlockDevices": [
         {"deviceName": "/dev/sdb", "encrypted": True}]})]),
    ("launch template declaring no root volume", "ec2.volume-encryption",
     [res("aws:ec2/launchTemplate:LaunchTemplate", "lt",
          {"metadataOptions": {"httpTokens": "required"}})],
     [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", GOOD_LT)]),
    ("launch template with an unencrypted volume", "ec2.volume-encryption",
     [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {**GOOD_LT, "blockDeviceMappings": [
         {"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]})],
     [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", GOOD_LT)]),
    ("node group without launch template", "ec2.volume-encryption",
     [res("aws:eks/nodeGroup:NodeGroup", "ng", {})],
     [res("aws:eks/nodeGroup:NodeGroup", "ng", {"launchTemplate": {"id": "lt-1"}})]),
    ("security group ingress from 0.0.0.0/0", "network.open-ingress",
     [res(SG, "sg", {"ingress": [{"cidrBlocks": ["10.0.0.0/8", "0.0.0.0/0"]}]})],
     [res(SG, "sg", {"ingress": [{"cidrBlocks": ["10.0.0.0/8"]}]})]),
    ("security group ingress from ::/0", "network.open-ingress",
     [res(SG, "sg", {"ingress": [{"ipv6CidrBlocks": ["::/0"]}]})],
     [res(SG, "sg", {"ingress": [{"ipv6CidrBlocks": ["fd00::/8"]}]})]),
    ("security group ingress from another /0", "network.open-ingress",
     [res(SG, "sg", {"ingress": [{"cidrBlocks": ["10.1.2.3/0"]}]})],
     [res(SG, "sg", {"ingress": [{"cidrBlocks": ["10.1.2.3/32"]}]})]),
    ("security group rule ingress from 0.0.0.0/0", "network.open-ingress",
     [res(SG_RULE, "r", {"type": "ingress", "cidrBlocks": ["0.0.0.0/0"]})],
     [res(SG_RULE, "r", {"type": "egress", "cidrBlocks": ["0.0.0.0/0"]})]),
    ("security group rule ingress from ::/0", "network.open-ingress",
     [res(SG_RULE, "r", {"type": "ingress", "ipv6CidrBlocks": ["::/0"]})],
     [res(SG_RULE, "r", {"type": "ingress", "ipv6CidrBlocks": ["fd00::/8"]})]),
    ("ingress rule from 0.0.0.0/0", "network.open-ingress",
     [res(INGRESS, "r", {"cidrIpv4": "0.0.0.0/0"})],
     [res(INGRESS, "r", {"cidrIpv4": "10.0.0.0/16"})]),
    ("ingress rule from ::/0", "network.open-ingress",
     [res(INGRESS, "r", {"cidrIpv6": "::/0"})],
     [res(INGRESS, "r", {"referencedSecurityGroupId": "sg-1"})]),
    *[(f"{verb} on every resource in a {type_token.split(':')[-1]}", "iam.wildcard-data-access",
       [res(type_token, "p", {"policy": policy_doc(verb)})],
       [res(type_token, "p", {"policy": policy_doc(verb, "arn:aws:s3:::nlp-dev-data/*")})])
      for type_token in ("aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy",
                         "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy")
      for verb in ("s3:GetObject",)],
    *[(f"{action} on every resource", "iam.wildcard-data-access",
       [res("aws:iam/policy:Policy", "p", {"policy": policy_doc(action)})],
       [res("aws:iam/policy:Policy", "p", {"policy": policy_doc(action, "arn:aws:s3:::nlp/x")})])
      for action in ("s3:PutObject", "s3:ListBucket", "kms:Decrypt", "kms:GenerateDataKey",
                     "elasticfilesystem:ClientMount", "S3:GETOBJECT", "s3:*", "s3:Get*", "*")],
    ("data action on an unscoped S3 ARN", "iam.wildcard-data-access",
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc("s3:GetObject",
                                                               "arn:aws:s3:::*/*")})],
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc("s3:GetObject",
                                                               "arn:aws:s3:::nlp-*/*")})]),
    ("data action on any KMS key", "iam.wildcard-data-access",
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc(
         "kms:Decrypt", "arn:aws:kms:eu-west-1:123456789012:key/*")})],
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc("kms:Decrypt", KEY)})]),
    ("NotResource with a data action", "iam.wildcard-data-access",
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc(
         "s3:GetObject", "arn:aws:s3:::other/*").replace('"Resource"', '"NotResource"')})],
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc(
         "s3:GetObject", "arn:aws:s3:::nlp/*")})]),
    ("NotAction leaving data actions", "iam.wildcard-data-access",
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc("iam:*", key="NotAction")})],
     [res("aws:iam/policy:Policy", "p", {"policy": policy_doc("iam:*")})]),
    ("role inline policy with a data action on *", "iam.wildcard-data-access",
     [res(ROLE, "r", {"permissionsBoundary": "arn:b", "inlinePolicies": [
         {"name": "x", "policy": policy_doc("s3:GetObject")}]})],
     [res(ROLE, "r", {"permissionsBoundary": "arn:b", "inlinePolicies": [
         {"name": "x", "policy": policy_doc("s3:GetObject", "arn:aws:s3:::nlp/*")}]})]),
    ("team role without a permissions boundary", "iam.permissions-boundary",
     [res(ROLE, "r", {})], [res(ROLE, "r", {"permissionsBoundary": "arn:b"})]),
    *[(f"{type_token} without tags", "tags.required",
       [Resource(f"urn:{type_token}::x", type_token, "x", None, {})],
       [Resource(f"urn:{type_token}::x", type_token, "x", None, {"tags": TAGS})])
      for type_token in ("aws:s3/bucket:Bucket", "aws:kms/key:Key",
                         "aws:efs/fileSystem:FileSystem", "aws:ec2/instance:Instance",
                         "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", SG,
                         "aws:ec2/launchTemplate:LaunchTemplate", "aws:ebs/volume:Volume", ROLE,
                         "aws:eks/cluster:Cluster", "aws:eks/nodeGroup:NodeGroup",
                         "aws:ec2/natGateway:NatGateway")],
    *[(f"tags without {tag}", "tags.required",
       [Resource("urn:t::x", "aws:sqs/queue:Queue", "x", None,
                 {"tags": {k: v for k, v in TAGS.items() if k != tag}})],
       [Resource("urn:t::x", "aws:sqs/queue:Queue", "x", None, {"tags": TAGS})])
      for tag in TAGS],
    ("a required tag left empty", "tags.required",
     [Resource("urn:t::x", "aws:sqs/queue:Queue", "x", None, {"tags": {**TAGS,
                                                                       "cost-center": ""}})],
     [Resource("urn:t::x", "aws:sqs/queue:Queue", "x", None, {"tags": TAGS})]),
]


def rules_hit(resources: list[Resource]) -> set[str]:
    return {v.rule for v in check(ResourceGraph("s", list(resources)))}


@pytest.mark.parametrize(("rule", "bad", "good"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_guardrail_sees_every_type_it_names(rule: str, bad: list[Resource],
                                                 good: list[Resource]) -> None:
    assert rule in rules_hit(bad), "the bad resource is not reported"
    assert rule not in rules_hit(good), "its fixed twin is reported"
    urns = {v.urn for v in check(ResourceGraph("s", list(bad))) if v.rule == rule}
    assert urns <= {r.urn for r in bad}, "a violation names the resource it is about"


def test_the_table_covers_every_rule_listed_in_the_policy_docstring() -> None:
    """Each rule id the package documents has rows above (a rule added later needs its own)."""
    import infra.policy

    documented = {rid for rid in ("s3.public-access-block", "s3.encryption", "ec2.imdsv2",
                                  "ec2.volume-encryption", "network.open-ingress",
                                  "tags.required", "iam.wildcard-data-access",
                                  "iam.permissions-boundary")
                  if f"``{rid}``" in (infra.policy.__doc__ or "")}
    assert documented == {c[1] for c in CASES}
    assert len(RULES) >= len(documented)


def test_the_platform_role_needs_no_boundary_but_every_team_role_does() -> None:
    platform = Resource("urn:r::p", ROLE, "p", None, {"tags": {**TAGS,
                                                               "teamstack:team": "platform"}})
    untagged = Resource("urn:r::u", ROLE, "u", None, {})
    assert check(ResourceGraph("s", [platform])) == []
    # Without a team tag the role is the tag rule's problem, not the boundary rule's.
    assert "iam.permissions-boundary" not in rules_hit([untagged])


def test_a_log_delivery_bucket_may_use_sse_s3_and_only_it() -> None:
    sse_s3 = [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    logs_policy = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                             "Principal": {"Service": "logging.s3.amazonaws.com"},
                                             "Resource": "arn:aws:s3:::b1/*"}]})
    shared_policy = json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b1/*",
         "Principal": {"Service": "logging.s3.amazonaws.com", "AWS": "arn:aws:iam::1:root"}}]})
    policy = "aws:s3/bucketPolicy:BucketPolicy"
    logs = [*bucket(PAB, sse_s3),
            res(policy, "b1-policy", {"bucket": "b1", "policy": logs_policy})]
    shared = [*bucket(PAB, sse_s3),
              res(policy, "b1-policy", {"bucket": "b1", "policy": shared_policy})]
    anyone = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                        "Resource": "arn:aws:s3:::b1/*", "Principal": "*"}]})
    no_principal = json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                              "Resource": "arn:aws:s3:::b1/*"}]})
    assert "s3.encryption" not in rules_hit(logs)
    assert "s3.encryption" in rules_hit(shared)
    for other in (anyone, no_principal):
        assert "s3.encryption" in rules_hit(
            [*bucket(PAB, sse_s3), res(policy, "b1-policy", {"bucket": "b1", "policy": other})])
    assert "s3.encryption" in rules_hit(bucket(PAB, sse_s3))


def test_companions_found_by_dependency_when_the_bucket_name_is_unknown() -> None:
    """In a preview a bucket's name may be unknown; its settings still count via the
    dependency, and only for that bucket."""
    b1 = res("aws:s3/bucket:Bucket", "b1", {"bucket": "b1"})
    b2 = res("aws:s3/bucket:Bucket", "b2", {"bucket": "b2"})
    pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab",
              {"bucket": None, **PAB}, (b1.urn,))
    violations = check(ResourceGraph("s", [b1, b2, pab]))
    assert [v.urn for v in violations if v.rule == "s3.public-access-block"] == [b2.urn]


# One line per violation, naming the resource and what to change: what reviewers read in the
# plan comment. One row per message template (exact text).
MESSAGES: dict[str, str] = {
    "bucket without public access block": "bucket b1 has no public access block; all four "
    "flags must be true so it can never be made public",
    "public access block without blockPublicAcls": "bucket b1: blockPublicAcls must be true",
    "bucket without encryption": "bucket b1 has no SSE-KMS default encryption",
    "bucket with SSE-S3": "bucket b1 is encrypted with AES256, not SSE-KMS; only a "
    "log-delivery bucket may use SSE-S3",
    "bucket with the AWS-managed KMS key": "bucket b1 uses SSE-KMS without a key id (the "
    "AWS-managed key); set the team's key so access is auditable and revocable",
    "instance with IMDSv1": "i: metadataOptions.httpTokens must be \"required\" (IMDSv2), not "
    "'optional'",
    "unencrypted EBS volume (ebs module)": "v: the EBS volume is not encrypted at rest",
    "unencrypted EFS": "fs: the EFS file system is not encrypted at rest",
    "instance with unencrypted root volume": "i: the root volume (rootBlockDevice.encrypted) "
    "is not encrypted at rest",
    "instance with an unencrypted extra volume": "i: block device /dev/sdc is not encrypted "
    "at rest",
    "launch template declaring no root volume": "lt: the root volume (no blockDeviceMappings "
    "declare it) is not encrypted at rest",
    "launch template with an unencrypted volume": "lt: block device /dev/xvda is not "
    "encrypted at rest",
    "node group without launch template": "ng: an EKS node group without a launch template "
    "leaves root volume encryption and IMDSv2 to defaults; give it a launch template",
    "security group ingress from 0.0.0.0/0": "sg: ingress[0] allows ingress from 0.0.0.0/0; "
    "use the platform's access ranges or a security group",
    "ingress rule from ::/0": "r: the rule allows ingress from ::/0; use the platform's access "
    "ranges or a security group",
    "s3:* on every resource": "p: policy Statement[0] allows s3:GetObject, s3:GetObjectVersion, "
    "s3:PutObject, ... on every resource; name the team's bucket, key or file system ARNs",
    "role inline policy with a data action on *": "r: inlinePolicies[0] Statement[0] allows "
    "s3:GetObject on every resource; name the team's bucket, key or file system ARNs",
    "team role without a permissions boundary": "r: team nlp's role has no permissions "
    "boundary",
    "tags without cost-center": "x: missing tags cost-center",
}


@pytest.mark.parametrize("case", sorted(MESSAGES))
def test_each_violation_says_which_resource_and_what_to_change(case: str) -> None:
    [(rule, bad)] = [(c[1], c[2]) for c in CASES if c[0] == case]
    messages = [v.message for v in check(ResourceGraph("s", list(bad))) if v.rule == rule]
    assert messages == [MESSAGES[case]]
    [violation] = [v for v in check(ResourceGraph("s", list(bad))) if v.rule == rule]
    assert str(violation) == f"{rule}: {violation.urn}: {MESSAGES[case]}"


def test_bucket_settings_are_matched_by_the_buckets_physical_name() -> None:
    """A bucket's companions name it by its physical name (``bucket``), which differs from
    the logical name: that is what the rules match, and what the message shows."""
    data = Resource("urn:b::data", "aws:s3/bucket:Bucket", "data", None,
                    {"tags": TAGS, "bucket": "nlp-dev-data"})
    pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "data-pab",
              {"bucket": "nlp-dev-data", **PAB})
    sse = res("aws:s3/bucketServerSideEncryptionConfiguration:"
              "BucketServerSideEncryptionConfiguration", "data-sse",
              {"bucket": "nlp-dev-data", "rules": [KMS_RULE]})
    assert check(ResourceGraph("s", [data, pab, sse])) == []
    [violation] = check(ResourceGraph("s", [data, sse]))
    assert violation.message.startswith("bucket nlp-dev-data has no public access block")


def test_an_address_that_is_not_a_cidr_is_not_the_whole_internet() -> None:
    """An unresolved or malformed value is not /0: only a real /0 range is reported."""
    for cidr in ("not-a-cidr", "10.0.0.0/33", "", None, 42):
        rule = Resource("urn:r", INGRESS, "r", None, {"tags": TAGS, "cidrIpv4": cidr})
        assert "network.open-ingress" not in rules_hit([rule]), cidr


def test_every_bad_resource_is_reported_not_only_the_last() -> None:
    weak = {"metadataOptions": {"httpTokens": "optional"}}
    resources = [res("aws:ec2/instance:Instance", f"i{n}", {**GOOD_INSTANCE, **weak})
                 for n in range(2)] + [
        res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {**GOOD_LT, **weak}),
        res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nc0",
            {"spec": {"metadataOptions": {"httpTokens": "optional"}}}),
        res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "nc1",
            {"spec": {"metadataOptions": {"httpTokens": "optional"}}})]
    found = [v.urn for v in check(ResourceGraph("s", resources)) if v.rule == "ec2.imdsv2"]
    assert sorted(found) == sorted(r.urn for r in resources)


@pytest.mark.parametrize("first", [
    {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"},
])
def test_an_earlier_statement_does_not_hide_the_allow_after_it(first: dict[str, Any]) -> None:
    document = json.dumps({"Statement": [
        first, {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    found = [v for v in check(ResourceGraph("s", [res("aws:iam/policy:Policy", "p",
                                                      {"policy": document})]))
             if v.rule == "iam.wildcard-data-access"]
    assert [v.message.split(" allows")[0] for v in found] == ["p: policy Statement[1]"]


@pytest.mark.parametrize("document", ["[1, 2]", '"text"', "{not json", "", None, 7])
def test_a_policy_document_that_is_not_a_mapping_is_read_as_empty(document: Any) -> None:
    resource = res("aws:iam/policy:Policy", "p", {"policy": document})
    assert "iam.wildcard-data-access" not in rules_hit([resource])


def test_reading_recorded_inputs_never_fails_on_their_shape() -> None:
    """infra.policy.inputs: a step that is missing or of the wrong shape gives None."""
    from infra.policy.inputs import get, items, truthy

    data = {"a": [{"b": 1}, {"b": 2}], "c": "x"}
    assert get(data, "a", 0, "b") == 1 and get(data, "a", -1, "b") == 2
    assert get(data, "a", -2, "b") == 1
    assert get(data, "a", 2, "b") is None and get(data, "a", -3) is None
    assert get(data, "c", 0) is None and get(data, "a", "b") is None
    assert get(data, "missing", "b") is None and get(None, "a") is None
    assert get(data) == data
    assert items(None) == [] and items({"x": 1}) == [{"x": 1}] and items([1, 2]) == [1, 2]
    assert truthy(True) and truthy("True") and truthy("true")
    assert not truthy("yes") and not truthy(1) and not truthy(None) and not truthy(False)
