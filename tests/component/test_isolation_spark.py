"""Issue 11, finding 8: the Spark history server holds no Kubernetes token that can manage
pods and reads the event logs through its own read-only role, not the team's read-write one."""

from __future__ import annotations

import json

from infra.graph import ResourceGraph
from infra.policy import check
from tests.k8s.kplan import by_object_name


def test_history_server_has_no_pod_managing_token(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["analytics-prod"]
    history = by_object_name(graph, "kubernetes:apps/v1:Deployment")["spark-history"]
    pod = history["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "spark-history"
    assert pod["automountServiceAccountToken"] is False
    account = by_object_name(graph, "kubernetes:core/v1:ServiceAccount")["spark-history"]
    assert account["automountServiceAccountToken"] is False
    bindings = by_object_name(graph, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    assert not [b for b in bindings.values()
                if any(s.get("name") == "spark-history" for s in b.get("subjects") or [])]


def test_history_server_role_only_reads_event_logs(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["analytics-prod"]
    [association] = [a.inputs for a in graph.of_type("aws:eks/podIdentityAssociation:"
                                                       "PodIdentityAssociation")
                     if a.inputs["serviceAccount"] == "spark-history"]
    [role] = [r for r in graph.of_type("aws:iam/role:Role")
              if r.inputs["name"] == "analytics-prod-spark-history"]
    assert association["roleArn"].endswith("/analytics-prod-spark-history")
    assert role.inputs["permissionsBoundary"].endswith("/analytics-prod-boundary")
    [trust] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-namespace"] == [
        "team-analytics"]
    [policy] = [p for p in graph.of_type("aws:iam/rolePolicy:RolePolicy")
                if p.inputs.get("name") == "read-event-logs"]
    actions = {a for s in json.loads(policy.inputs["policy"])["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:ListBucket", "s3:GetObject", "kms:Decrypt"}
    resources = [s["Resource"] for s in json.loads(policy.inputs["policy"])["Statement"]
                 if s["Action"] == "s3:GetObject"]
    assert resources == ["arn:aws:s3:::analytics-prod-raw/spark-events/*"]
    assert check(graph) == []
