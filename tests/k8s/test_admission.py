"""Issue 11, finding 7: the ValidatingAdmissionPolicy keeping team pods off other teams' pools.

Its CEL expressions are compiled and evaluated with cel-python (``celpy``) against sample pods
in team A's namespace, the way the API server binds ``object``, ``namespaceObject``,
``request`` and ``variables``; the recorded policy and binding are validated with
``kubernetes-validate --strict`` like every other manifest."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import celpy
import pytest

from infra.components.k8s import admission, karpenter_specs, names
from infra.graph import ResourceGraph
from infra.plan.manifests import manifests, to_yaml, write
from tests.k8s.test_manifests import assert_all_pass, kubernetes_validate

NAMESPACE = {"metadata": {"name": "team-a", "labels": {names.LABEL_TEAM: "a",
                                                        names.LABEL_ROLE: "team"}}}
ENV = celpy.Environment()


def evaluate(expression: str, activation: dict[str, Any]) -> Any:
    program = ENV.program(ENV.compile(expression))
    return program.evaluate({k: celpy.json_to_cel(v) for k, v in activation.items()})


def admitted(pod: dict[str, Any], operation: str = "CREATE") -> list[str]:
    """The messages of the validations that refuse ``pod`` ([] = admitted)."""
    base = {"object": pod, "namespaceObject": NAMESPACE, "request": {"operation": operation}}
    values: dict[str, Any] = {}
    for variable in admission.variables():
        result = evaluate(variable["expression"], {**base, "variables": values})
        values[variable["name"]] = (list(result) if isinstance(result, list) else str(result))
    refused = []
    for validation in admission.validations():
        result = evaluate(validation["expression"], {**base, "variables": values})
        assert isinstance(result, celpy.celtypes.BoolType), (validation["expression"], result)
        if not result:
            refused.append(validation["message"])
    return refused


def pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team-a"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec}}


def gpu_pod(team: str) -> dict[str, Any]:
    return pod(tolerations=karpenter_specs.gpu_pod_tolerations(team),
               nodeSelector=karpenter_specs.gpu_pod_node_selector(team))


def affinity(key: str, *values: str, operator: str = "In") -> dict[str, Any]:
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": key, "operator": operator, "values": list(values)}]}]}}}


ADMITTED = {
    "plain pod": pod(),
    "own GPU pool, as the components write it": gpu_pod("a"),
    "general pool": pod(nodeSelector={names.LABEL_NODE_POOL: "general"}),
    "GPU taint alone": pod(tolerations=[{"key": names.GPU_TAINT_KEY, "operator": "Exists"}]),
    "own team by affinity": pod(affinity=affinity(names.TEAM_TAINT_KEY, "a")),
    "own pool by affinity": pod(affinity=affinity(names.LABEL_NODE_POOL, "a-gpu", "general")),
    "unrelated affinity": pod(affinity=affinity("kubernetes.io/arch", "amd64")),
}
REFUSED = {
    "team B's GPU pool": gpu_pod("b"),
    "team B's taint value": pod(tolerations=[{"key": names.TEAM_TAINT_KEY, "operator": "Equal",
                                              "value": "b", "effect": "NoSchedule"}]),
    "team taint with Exists": pod(tolerations=[{"key": names.TEAM_TAINT_KEY,
                                                "operator": "Exists"}]),
    "every taint": pod(tolerations=[{"operator": "Exists"}]),
    "team B's pool by selector": pod(nodeSelector={names.LABEL_NODE_POOL: "b-gpu"}),
    "team B's label by selector": pod(nodeSelector={names.TEAM_TAINT_KEY: "b"}),
    "team B by affinity": pod(affinity=affinity(names.TEAM_TAINT_KEY, "a", "b")),
    "team B's pool by affinity": pod(affinity=affinity(names.LABEL_NODE_POOL, "b-gpu")),
    "any pool but ours by NotIn": pod(affinity=affinity(names.LABEL_NODE_POOL, "a-gpu",
                                                        operator="NotIn")),
    "a named node": pod(nodeName="ip-10-40-1-7.eu-west-1.compute.internal"),
}


@pytest.mark.parametrize("case", sorted(ADMITTED))
def test_pods_within_the_team_are_admitted(case: str) -> None:
    assert admitted(ADMITTED[case]) == []


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_pods_reaching_for_another_team_are_refused(case: str) -> None:
    refused = admitted(REFUSED[case])
    assert len(refused) == (2 if case == "team B's GPU pool" else 1), refused


def test_updating_a_bound_pod_is_not_refused_for_its_node_name() -> None:
    bound = pod(nodeName="ip-10-40-1-7.eu-west-1.compute.internal")
    assert admitted(bound, operation="UPDATE") == []
    stolen = copy.deepcopy(bound)
    stolen["spec"]["tolerations"] = [{"key": names.TEAM_TAINT_KEY, "operator": "Exists"}]
    assert len(admitted(stolen, operation="UPDATE")) == 1


def test_the_cluster_records_policy_and_binding(example_plans: dict[str, ResourceGraph],
                                               tmp_path: Path) -> None:
    platform = example_plans["platform-prod"]
    [policy] = platform.of_type(
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy")
    [binding] = platform.of_type(
        "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding")
    assert policy.inputs["spec"]["validations"] == admission.validations()
    assert policy.inputs["spec"]["failurePolicy"] == "Fail"
    assert binding.inputs["spec"]["policyName"] == policy.inputs["metadata"]["name"]
    assert binding.inputs["spec"]["validationActions"] == ["Deny"]
    # it selects every namespace carrying a team, the runners' ci-<team> ones included
    selector = binding.inputs["spec"]["matchResources"]["namespaceSelector"]
    for graph in example_plans.values():
        for ns in graph.of_type("kubernetes:core/v1:Namespace"):
            labels = ns.inputs["metadata"].get("labels") or {}
            if labels.get(names.LABEL_ROLE) == "team":
                assert selector["matchExpressions"][0]["key"] in labels
    items = [m for m in manifests(platform) if m.kind.startswith("ValidatingAdmissionPolicy")]
    assert len(items) == 2
    paths = write(items, tmp_path)
    assert_all_pass(paths, kubernetes_validate(paths))


def test_a_misspelt_policy_field_fails_validation(example_plans: dict[str, ResourceGraph],
                                                  tmp_path: Path) -> None:
    [item] = [m for m in manifests(example_plans["platform-prod"])
              if m.kind == "ValidatingAdmissionPolicy"]
    broken = copy.deepcopy(item.body)
    broken["spec"]["validations"][0]["expresion"] = broken["spec"]["validations"][0].pop(
        "expression")
    path = tmp_path / "broken.yaml"
    path.write_text(to_yaml(broken), encoding="utf-8")
    assert kubernetes_validate([path]).returncode != 0
