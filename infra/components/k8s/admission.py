"""Admission policy keeping a team's pods off other teams' node pools (CEL, no webhook).

A team's GPU pool is tainted ``teamstack.io/team=<team>:NoSchedule`` and labelled for the team,
but a taint only keeps out pods that do not tolerate it, and the ``edit`` role lets a member
write any toleration. This ``ValidatingAdmissionPolicy`` (admissionregistration.k8s.io/v1, GA
in Kubernetes 1.30) refuses, in every namespace labelled with a team, a pod that

- tolerates the team taint with another value, with ``Exists``, or tolerates every taint (a
  toleration without a key);
- selects (``nodeSelector`` or required node affinity) another team's label or pool: only the
  team's own ``<team>-gpu`` pool and the platform's ``general`` pool may be named;
- names a node directly (``spec.nodeName`` on create bypasses the scheduler and the taints).

The expressions are plain strings here so that tests evaluate them with a CEL library against
sample pods. Pure: no Pulumi.
"""

from __future__ import annotations

from typing import Any

from infra.components.k8s import names

POLICY_NAME = "teamstack-team-node-pools"
TEAM = "variables.team"

_TOLERATIONS = (
    "!has(object.spec.tolerations) || object.spec.tolerations.all(t, "
    "has(t.key) && t.key != '' && (t.key != '{taint}' || "
    "((has(t.operator) ? t.operator : 'Equal') == 'Equal' && "
    "(has(t.value) ? t.value : '') == {team})))")
_NODE_SELECTOR = (
    "!has(object.spec.nodeSelector) || ("
    "(!('{team_key}' in object.spec.nodeSelector) || "
    "object.spec.nodeSelector['{team_key}'] == {team}) && "
    "(!('{pool_key}' in object.spec.nodeSelector) || "
    "object.spec.nodeSelector['{pool_key}'] in variables.pools))")
_AFFINITY = (
    "!has(object.spec.affinity) || !has(object.spec.affinity.nodeAffinity) || "
    "!has(object.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution) || "
    "object.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    ".nodeSelectorTerms.all(term, !has(term.matchExpressions) || "
    "term.matchExpressions.all(e, "
    "(e.key != '{team_key}' || (e.operator == 'In' && e.values.all(v, v == {team}))) && "
    "(e.key != '{pool_key}' || (e.operator == 'In' && e.values.all(v, v in variables.pools)))"
    "))")
_NODE_NAME = "request.operation != 'CREATE' || !has(object.spec.nodeName)"


def variables() -> list[dict[str, str]]:
    """The namespace's team (from its label) and the pools its pods may name."""
    return [
        {"name": "team",
         "expression": f"namespaceObject.metadata.labels['{names.LABEL_TEAM}']"},
        {"name": "pools",
         "expression": f"[{TEAM} + '-gpu', '{names.GENERAL_NODE_POOL}']"},
    ]


def validations() -> list[dict[str, str]]:
    keys = {"taint": names.TEAM_TAINT_KEY, "team_key": names.TEAM_TAINT_KEY,
            "pool_key": names.LABEL_NODE_POOL, "team": TEAM}
    return [
        {"expression": _TOLERATIONS.format(**keys),
         "message": "a pod may tolerate only its own team's taint (teamstack.io/team with "
                    "operator Equal and the namespace's team), never every taint",
         "reason": "Forbidden"},
        {"expression": _NODE_SELECTOR.format(**keys),
         "message": "a pod's nodeSelector may name only its own team and its team's or the "
                    "general node pool", "reason": "Forbidden"},
        {"expression": _AFFINITY.format(**keys),
         "message": "a pod's required node affinity may name only its own team and its team's "
                    "or the general node pool", "reason": "Forbidden"},
        {"expression": _NODE_NAME,
         "message": "a pod may not name its node (spec.nodeName skips the scheduler and the "
                    "pools' taints)", "reason": "Forbidden"},
    ]


TEAM_NAMESPACES = {"matchExpressions": [{"key": names.LABEL_TEAM, "operator": "Exists"}]}


def policy_spec() -> dict[str, Any]:
    return {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "namespaceSelector": TEAM_NAMESPACES,
            "resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                               "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}]},
        "variables": variables(),
        "validations": validations(),
    }


def binding_spec() -> dict[str, Any]:
    return {"policyName": POLICY_NAME, "validationActions": ["Deny"],
            "matchResources": {"namespaceSelector": TEAM_NAMESPACES}}
