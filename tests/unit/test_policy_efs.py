"""Guardrail efs.file-system-policy (issue 11, finding 1): a file system without a policy, a
policy allowing any principal, or one not requiring an access point fails; the policy the
storage component writes passes."""

from __future__ import annotations

import json
from typing import Any

from infra.components.storage import efs_policy
from infra.graph import Resource, ResourceGraph
from infra.policy.efs import check_file_system_policies, policy_problems

FS_URN = "urn:pulumi:s::p::aws:efs/fileSystem:FileSystem::home"
FS_ARN = "arn:aws:elasticfilesystem:eu-west-1:1:file-system/fs-1"
AP_ARN = "arn:aws:elasticfilesystem:eu-west-1:1:access-point/fsap-1"
ROLE = "arn:aws:iam::1:role/teamstack/vision-prod-workload"


def fs() -> Resource:
    return Resource(urn=FS_URN, type="aws:efs/fileSystem:FileSystem", name="home", parent=None,
                    inputs={}, dependencies=())


def policy(document: str) -> Resource:
    return Resource(urn="urn:pulumi:s::p::aws:efs/fileSystemPolicy:FileSystemPolicy::p",
                    type="aws:efs/fileSystemPolicy:FileSystemPolicy", name="p", parent=None,
                    inputs={"policy": document}, dependencies=(FS_URN,))


def old_policy() -> str:
    """The policy before issue 11: any principal, through a mount target, over TLS."""
    return json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"},
         "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
         "Resource": FS_ARN,
         "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}}]})


def test_a_file_system_without_a_policy_fails() -> None:
    [violation] = check_file_system_policies(ResourceGraph("s", [fs()]))
    assert violation.rule == "efs.file-system-policy" and "no file-system policy" in \
        violation.message


def test_any_principal_without_access_point_fails_twice() -> None:
    problems = policy_problems(json.loads(old_policy()))
    assert len(problems) == 2
    assert "name the team's roles" in problems[0] and "AccessPointArn" in problems[1]
    assert len(check_file_system_policies(ResourceGraph("s", [fs(), policy(old_policy())]))) == 2


def test_account_root_counts_as_anyone_and_a_missing_document_fails() -> None:
    doc: dict[str, Any] = json.loads(efs_policy(FS_ARN, [ROLE], [AP_ARN]))
    doc["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::1:root"}
    assert len(policy_problems(doc)) == 1
    assert policy_problems(None) == ["the policy is not a JSON document"]


def test_the_components_policy_passes_and_denies_mounts_without_access_point() -> None:
    document = efs_policy(FS_ARN, [ROLE], [AP_ARN])
    assert check_file_system_policies(ResourceGraph("s", [fs(), policy(document)])) == []
    statements = {s["Sid"]: s for s in json.loads(document)["Statement"]}
    allow = statements["TeamMountsThroughItsAccessPoints"]
    assert allow["Principal"] == {"AWS": [ROLE]}
    assert allow["Condition"]["ArnEquals"] == {"elasticfilesystem:AccessPointArn": [AP_ARN]}
    assert statements["DenyWithoutAccessPoint"]["Condition"] == {
        "Null": {"elasticfilesystem:AccessPointArn": "true"}}
