"""Issue 11, finding 6: the roles and policies the real program writes carry confused-deputy
conditions, the team's Pod Identity trust names its clusters and namespaces, and no cluster
grants its creator an invisible admin. Plans from the real program under the offline mocks.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.graph import ResourceGraph
from infra.policy import check
from tests.k8s.kplan import plan_variant


def trust_of(graph: ResourceGraph, role_name: str) -> list[dict[str, Any]]:
    [role] = [r for r in graph.of_type("aws:iam/role:Role") if r.inputs.get("name") == role_name]
    return json.loads(role.inputs["assumeRolePolicy"])["Statement"]


@pytest.fixture(scope="module")
def emr_scheduled(tmp_path_factory: pytest.TempPathFactory) -> ResourceGraph:
    def edit(request: dict[str, Any]) -> None:
        request["spark"]["engine"] = "emr"
    return plan_variant(tmp_path_factory.mktemp("emr-trust"), "analytics-prod",
                        edit)["analytics-prod"]


def test_emr_service_and_scheduler_roles_trust_only_this_account(
        emr_scheduled: ResourceGraph) -> None:
    for name, arn in (("analytics-prod-emr-service",
                       "arn:aws:elasticmapreduce:*:123456789012:*"),
                      ("analytics-prod-emr-scheduler", "arn:aws:scheduler:*:123456789012:"
                       "schedule/default/analytics-prod-spark-retrain")):
        [statement] = trust_of(emr_scheduled, name)
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": "123456789012"},
            "ArnLike": {"aws:SourceArn": arn}}, name
    assert [v for v in check(emr_scheduled) if v.rule.startswith("iam.")] == []


def test_karpenter_queue_accepts_only_the_clusters_rules(
        example_plans: dict[str, ResourceGraph]) -> None:
    [queue] = example_plans["platform-prod"].of_type("aws:sqs/queuePolicy:QueuePolicy")
    [send] = [s for s in json.loads(queue.inputs["policy"])["Statement"]
              if s["Sid"] == "EventBridgeSends"]
    assert send["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert send["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:events:eu-west-1:123456789012:rule/platform-prod-eks-karpenter-*"}


def test_workload_role_trusts_only_the_teams_pods(
        example_plans: dict[str, ResourceGraph]) -> None:
    [pods, _hosts] = trust_of(example_plans["vision-prod"], "vision-prod-workload")
    assert pods["Condition"]["StringEquals"] == {
        "aws:SourceAccount": "123456789012",
        "aws:RequestTag/eks-cluster-name": ["platform-prod-eks"],
        "aws:RequestTag/kubernetes-namespace": ["jupyterhub", "team-vision"]}


def test_no_cluster_admin_for_its_creator_but_an_explicit_entry(
        example_plans: dict[str, ResourceGraph]) -> None:
    platform = example_plans["platform-prod"]
    [cluster] = platform.of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["accessConfig"] == {
        "authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}
    [admin] = [a for a in platform.of_type("aws:eks/accessPolicyAssociation:"
                                           "AccessPolicyAssociation")
               if a.inputs["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")]
    assert admin.inputs["principalArn"] == "arn:aws:iam::123456789012:user/teamstack-plan"
    assert admin.inputs["accessScope"] == {"type": "cluster"}
    entries = {e.inputs["principalArn"]
               for e in platform.of_type("aws:eks/accessEntry:AccessEntry")}
    assert admin.inputs["principalArn"] in entries


def test_dedicated_cluster_is_in_the_workload_trust(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    def edit(request: dict[str, Any]) -> None:
        request["gpu"]["isolation"] = "dedicated"
    graph = plan_variant(tmp_path_factory.mktemp("dedicated-trust"), "vision-prod",
                         edit)["vision-prod"]
    [pods, _hosts] = trust_of(graph, "vision-prod-workload")
    assert pods["Condition"]["StringEquals"]["aws:RequestTag/eks-cluster-name"] == [
        "platform-prod-eks", "vision-prod-eks"]
    [cluster] = graph.of_type("aws:eks/cluster:Cluster")
    assert cluster.inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False
