"""IAM guardrails: data access is scoped to named resources; team roles carry a boundary.

A statement that allows reading objects, decrypting or mounting file systems on ``"*"`` hands
one team's data to another (every team shares the account), so data actions on S3, KMS and EFS
must name ARNs. Team roles also need a permissions boundary, the ceiling that holds even if
someone later attaches a broader policy.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from infra.graph import Resource, ResourceGraph
from infra.policy.inputs import get, items, json_document, statements
from infra.policy.violation import Violation

# Identity-policy resources and where their documents sit (resource policies such as bucket or
# key policies are judged by other rules: a key policy's "*" means "this key").
POLICY_DOCUMENTS: dict[str, str] = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
ROLE = "aws:iam/role:Role"

DATA_ACTIONS: tuple[str, ...] = (
    "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
    "s3:DeleteObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "s3:RestoreObject",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts",
    "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom", "kms:ReEncryptTo",
    "elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
    "elasticfilesystem:ClientRootAccess",
)

# "*", or an ARN of the data services whose resource part is only a wildcard.
_UNSCOPED_ARN = re.compile(
    r"arn:[^:]*:(s3:::\*(/\*)?"
    r"|(kms|elasticfilesystem):[^:]*:[^:]*:(\*|(key|alias|file-system|access-point)/\*))")


def is_unscoped(resource: Any) -> bool:
    return resource == "*" or (isinstance(resource, str) and bool(_UNSCOPED_ARN.fullmatch(
        resource)))


def data_actions_of(statement: dict[str, Any]) -> list[str]:
    """The data actions a statement covers (IAM action matching is case-insensitive)."""
    if "NotAction" in statement:
        excluded = [str(a).lower() for a in items(statement["NotAction"])]
        return [d for d in DATA_ACTIONS if not any(fnmatchcase(d.lower(), p) for p in excluded)]
    patterns = [str(a).lower() for a in items(statement.get("Action"))]
    return [d for d in DATA_ACTIONS if any(fnmatchcase(d.lower(), p) for p in patterns)]


def unscoped_data_access(document: dict[str, Any] | None) -> list[tuple[int, list[str]]]:
    """(statement index, data actions) of Allow statements granting data actions on any
    resource."""
    found = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        actions = data_actions_of(statement)
        if not actions:
            continue
        if "NotResource" in statement or any(is_unscoped(r) for r in
                                             items(statement.get("Resource"))):
            found.append((index, actions))
    return found


def _documents(resource: Resource) -> list[tuple[str, Any]]:
    if resource.type in POLICY_DOCUMENTS:
        return [("policy", resource.inputs.get(POLICY_DOCUMENTS[resource.type]))]
    if resource.type == ROLE:
        return [(f"inlinePolicies[{i}]", get(p, "policy"))
                for i, p in enumerate(items(resource.inputs.get("inlinePolicies")))]
    return []


def check_wildcard_data_access(graph: ResourceGraph) -> list[Violation]:
    out = []
    for resource in graph.custom():
        for where, raw in _documents(resource):
            for index, actions in unscoped_data_access(json_document(raw)):
                shown = ", ".join(actions[:3]) + (", ..." if len(actions) > 3 else "")
                out.append(Violation(
                    "iam.wildcard-data-access", resource.urn,
                    f"{resource.name}: {where} Statement[{index}] allows {shown} on every "
                    "resource; name the team's bucket, key or file system ARNs"))
    return out


def check_team_role_boundary(graph: ResourceGraph) -> list[Violation]:
    out = []
    for role in graph.of_type(ROLE):
        team = get(role.inputs, "tags", "teamstack:team")
        if team in (None, "platform"):
            continue
        if not role.inputs.get("permissionsBoundary"):
            out.append(Violation("iam.permissions-boundary", role.urn,
                                 f"{role.name}: team {team}'s role has no permissions boundary"))
    return out
