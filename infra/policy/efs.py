"""EFS guardrail: a file system is mounted only by named principals through access points.

Without a file-system policy EFS lets every NFS client that reaches a mount target mount the
root; a policy allowing ``AWS: *`` does the same for any principal of any team, and a user-space
NFS client in any pod can then claim any uid. So every file system needs a policy, and each of
its Allow statements must name principals (no wildcard) and require an access point
(``elasticfilesystem:AccessPointArn``), which pins the uid and the directory.
"""

from __future__ import annotations

from typing import Any

from infra.graph import Resource, ResourceGraph
from infra.policy.inputs import items, json_document, statements
from infra.policy.trust import condition_keys
from infra.policy.violation import Violation

RULE = "efs.file-system-policy"
FILE_SYSTEM = "aws:efs/fileSystem:FileSystem"
FILE_SYSTEM_POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"
ACCESS_POINT_KEY = "elasticfilesystem:accesspointarn"


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*" or not isinstance(principal, dict):
        return ["*"]
    return [str(p) for kind in ("AWS", "Federated", "Service") for p in items(principal.get(kind))]


def policy_problems(document: dict[str, Any] | None) -> list[str]:
    """Why a file-system policy is too open ([] when it is fine)."""
    if document is None:
        return ["the policy is not a JSON document"]
    out = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        principals = _principals(statement)
        if not principals or any(p == "*" or p.endswith(":root") for p in principals):
            out.append(f"Statement[{index}] allows {principals or 'no one named'}: name the "
                       "team's roles")
        if ACCESS_POINT_KEY not in condition_keys(statement):
            out.append(f"Statement[{index}] does not require elasticfilesystem:AccessPointArn: "
                       "a client could mount the root and claim any uid")
    return out


def _policies_of(graph: ResourceGraph, fs: Resource) -> list[Resource]:
    return [p for p in graph.of_type(FILE_SYSTEM_POLICY) if fs.urn in p.dependencies]


def check_file_system_policies(graph: ResourceGraph) -> list[Violation]:
    out = []
    for policy in graph.of_type(FILE_SYSTEM_POLICY):
        for problem in policy_problems(json_document(policy.inputs.get("policy"))):
            out.append(Violation(RULE, policy.urn, f"{policy.name}: {problem}"))
    for fs in graph.of_type(FILE_SYSTEM):
        if not _policies_of(graph, fs):
            out.append(Violation(RULE, fs.urn, f"{fs.name}: no file-system policy; every NFS "
                                 "client that reaches a mount target could mount its root"))
    return out
