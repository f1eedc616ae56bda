"""Confused-deputy guardrail: a service acting for us must prove it acts for us.

A trust policy or resource policy that names an AWS service principal lets that service act
for *any* account's resources unless it also states the source (``aws:SourceAccount`` or
``aws:SourceArn``): another account's EMR cluster, schedule or EventBridge rule could then
assume our role or write to our queue. Every such statement must carry a source condition.

Two kinds of trust are exempt because AWS sends no source keys for them: EC2 instance roles
and EKS cluster roles. Only principals of this account holding ``iam:PassRole`` can attach
those roles, which is the guard there. A KMS key policy for CloudWatch Logs may scope by the
log group encryption context instead (the documented guard for that service).

Team roles trusted by EKS Pod Identity must also name the clusters and namespaces whose pods
may assume them (the agent's session tags ``eks-cluster-name`` and ``kubernetes-namespace``):
the account condition alone admits any pod of any team in the account.
"""

from __future__ import annotations

from typing import Any

from infra.graph import Resource, ResourceGraph
from infra.policy.inputs import get, items, json_document, statements
from infra.policy.violation import Violation

RULE = "iam.confused-deputy"
POD_RULE = "iam.pod-identity-scope"

ROLE = "aws:iam/role:Role"
# Resource policies (type -> input holding the document).
RESOURCE_POLICIES: dict[str, str] = {
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:lambda/permission:Permission": "",  # judged by its own fields, see below
}
# Services that send no source keys when assuming a role (PassRole is their guard).
NO_SOURCE_KEYS = frozenset({"ec2.amazonaws.com", "eks.amazonaws.com"})
SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceowner"})
LOGS_CONTEXT_KEY = "kms:encryptioncontext:aws:logs:arn"
POD_IDENTITY = "pods.eks.amazonaws.com"
POD_TAGS = ("aws:requesttag/eks-cluster-name", "aws:requesttag/kubernetes-namespace")


def _services(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return []
    return [str(s) for s in items(principal.get("Service"))]


def condition_keys(statement: dict[str, Any]) -> set[str]:
    """Every condition key of a statement, lower-cased (IAM keys are case-insensitive)."""
    keys: set[str] = set()
    condition = statement.get("Condition")
    if isinstance(condition, dict):
        for block in condition.values():
            if isinstance(block, dict):
                keys |= {str(k).lower() for k in block}
    return keys


def unguarded(document: dict[str, Any] | None, *, trust: bool) -> list[tuple[int, list[str]]]:
    """(statement index, services) of Allow statements naming a service without a source
    condition. ``trust``: the document is a role's trust policy (EC2/EKS are exempt there)."""
    found = []
    for index, statement in enumerate(statements(document)):
        if statement.get("Effect") != "Allow":
            continue
        services = _services(statement)
        if trust:
            services = [s for s in services if s not in NO_SOURCE_KEYS]
        if not services:
            continue
        keys = condition_keys(statement)
        if keys & SOURCE_KEYS:
            continue
        if LOGS_CONTEXT_KEY in keys and all(s.startswith("logs.") for s in services):
            continue
        found.append((index, services))
    return found


def _documents(resource: Resource) -> list[tuple[str, Any, bool]]:
    if resource.type == ROLE:
        return [("assumeRolePolicy", resource.inputs.get("assumeRolePolicy"), True)]
    field = RESOURCE_POLICIES.get(resource.type)
    if field:
        return [(field, resource.inputs.get(field), False)]
    return []


def check_source_conditions(graph: ResourceGraph) -> list[Violation]:
    out = []
    for resource in graph.custom():
        if resource.type == "aws:lambda/permission:Permission":
            if str(resource.inputs.get("principal", "")).endswith(".amazonaws.com") and not (
                    resource.inputs.get("sourceAccount") or resource.inputs.get("sourceArn")):
                out.append(Violation(RULE, resource.urn, f"{resource.name}: lets "
                                     f"{resource.inputs.get('principal')} invoke without "
                                     "source_account or source_arn"))
            continue
        for where, raw, trust in _documents(resource):
            for index, services in unguarded(json_document(raw), trust=trust):
                out.append(Violation(
                    RULE, resource.urn,
                    f"{resource.name}: {where} Statement[{index}] trusts "
                    f"{', '.join(services)} with no aws:SourceAccount or aws:SourceArn "
                    "condition; any account's resources could use it (confused deputy)"))
    return out


def check_pod_identity_scope(graph: ResourceGraph) -> list[Violation]:
    """Team roles trusted by Pod Identity name the clusters and namespaces of their pods."""
    out = []
    for role in graph.of_type(ROLE):
        team = get(role.inputs, "tags", "teamstack:team")
        if team in (None, "platform"):
            continue
        for index, statement in enumerate(statements(json_document(
                role.inputs.get("assumeRolePolicy")))):
            if statement.get("Effect") != "Allow" or POD_IDENTITY not in _services(statement):
                continue
            missing = [k for k in POD_TAGS if k not in condition_keys(statement)]
            if missing:
                out.append(Violation(
                    POD_RULE, role.urn,
                    f"{role.name}: team {team}'s Pod Identity trust Statement[{index}] does not "
                    f"check {', '.join(missing)}; any pod in the account could assume it"))
    return out
