"""Every Kubernetes object the plans record, written out as a manifest and validated:
built-in kinds with ``kubernetes-validate --strict`` against the Kubernetes version the
platform pins, custom resources for apiVersion, kind and their CRDs' required fields."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.graph import ResourceGraph
from infra.plan.manifests import REDACTED_ANNOTATION, check_custom, manifests, to_yaml, write
from infra.stackfile import load
from tests.k8s.kplan import by_object_name

ROOT = Path(__file__).resolve().parents[2]
VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
STACKS = ["platform-prod", "vision-prod", "analytics-prod", "insights-prod"]
SPARK_APP = "kubernetes:sparkoperator.k8s.io/v1beta2:ScheduledSparkApplication"


def pinned_version() -> str:
    return load(ROOT / "stacks" / "Pulumi.platform-prod.yaml").stack.platform.cluster \
        .kubernetes_version


def kubernetes_validate(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VALIDATE), "--strict", "--kubernetes-version", pinned_version(),
         *map(str, paths)], capture_output=True, text=True, check=False)


def assert_all_pass(paths: list[Path], result: subprocess.CompletedProcess[str]) -> None:
    """Every file passed; a kind without a schema only warns (exit 0), so warnings fail too."""
    lines = result.stdout.splitlines()
    bad = [line for line in lines if not line.startswith("INFO ")]
    assert result.returncode == 0 and not bad, "\n".join(bad) + result.stderr
    passed = [line for line in lines if re.match(r"INFO .* passed for resource .* against "
                                                 rf"version {re.escape(pinned_version())}$",
                                                 line)]
    assert len(passed) == len(paths)


@pytest.mark.parametrize("stack", STACKS)
def test_builtin_objects_validate_strictly(example_plans: dict[str, ResourceGraph],
                                           stack: str, tmp_path: Path) -> None:
    items = [m for m in manifests(example_plans[stack]) if m.builtin]
    assert items, "every stack records Kubernetes objects"
    paths = write(items, tmp_path)
    assert_all_pass(paths, kubernetes_validate(paths))


def test_the_validator_is_strict(example_plans: dict[str, ResourceGraph],
                                 tmp_path: Path) -> None:
    """Negative control: one misspelt field in a real manifest is an error."""
    [quota] = [m for m in manifests(example_plans["vision-prod"]) if m.kind == "ResourceQuota"
               and m.name == "team-quota"]
    body = {**quota.body, "spec": {**quota.body["spec"], "hardd": {"pods": "1"}}}
    path = tmp_path / "quota.yaml"
    path.write_text(to_yaml(body), encoding="utf-8")
    result = kubernetes_validate([path])
    assert result.returncode == 1 and "hardd" in result.stdout


def test_every_recorded_kubernetes_object_is_exported(
        example_plans: dict[str, ResourceGraph]) -> None:
    for stack in STACKS:
        graph = example_plans[stack]
        objects = [r for r in graph.custom() if r.type.startswith("kubernetes:")
                   and not r.type.startswith("kubernetes:helm.sh")]
        assert len(manifests(graph)) == len(objects)


@pytest.mark.parametrize("stack", STACKS)
def test_custom_resources_have_their_required_fields(
        example_plans: dict[str, ResourceGraph], stack: str) -> None:
    custom = [m for m in manifests(example_plans[stack]) if not m.builtin]
    for item in custom:
        assert check_custom(item.body) == [], item.resource
    kinds = {m.kind for m in custom}
    expected = {"platform-prod": {"EC2NodeClass", "NodePool"}, "vision-prod": {"NodePool"},
                "analytics-prod": {"NodePool", "ScheduledSparkApplication"},
                "insights-prod": set()}[stack]
    assert kinds == expected


def test_spark_application_template_is_a_valid_application(
        example_plans: dict[str, ResourceGraph]) -> None:
    from ruamel.yaml import YAML

    maps = by_object_name(example_plans["analytics-prod"], "kubernetes:core/v1:ConfigMap")
    template = YAML(typ="safe").load(
        maps["spark-application-template"]["data"]["sparkapplication.yaml"])
    assert (template["apiVersion"], template["kind"]) == ("sparkoperator.k8s.io/v1beta2",
                                                          "SparkApplication")
    assert check_custom(template) == []
    [scheduled] = by_object_name(example_plans["analytics-prod"], SPARK_APP).values()
    assert scheduled["spec"]["template"] == template["spec"]


def test_runner_sets_render_from_values_with_required_fields(
        example_plans: dict[str, ResourceGraph]) -> None:
    """ARC's AutoscalingRunnerSet is rendered by its chart in the cluster; the plan holds the
    values it is rendered from, which carry the set's required spec fields."""
    for stack in ("vision-prod", "analytics-prod"):
        for release in example_plans[stack].of_type("kubernetes:helm.sh/v3:Release"):
            values = release.inputs["values"]
            spec = {"githubConfigUrl": values["githubConfigUrl"],
                    "githubConfigSecret": values["githubConfigSecret"],
                    "template": values["template"]}
            body = {"apiVersion": "actions.github.com/v1alpha1", "kind": "AutoscalingRunnerSet",
                    "metadata": {"name": values["runnerScaleSetName"]}, "spec": spec}
            assert check_custom(body) == []


def test_custom_checks_catch_missing_fields_and_unknown_kinds(
        example_plans: dict[str, ResourceGraph]) -> None:
    [pool] = [m for m in manifests(example_plans["vision-prod"]) if m.kind == "NodePool"]
    broken = {**pool.body, "spec": {**pool.body["spec"], "template": {"spec": {
        "requirements": pool.body["spec"]["template"]["spec"]["requirements"]}}}}
    problems = check_custom(broken)
    assert problems == [f"NodePool vision-gpu: spec.template.spec.nodeClassRef.{f} is missing"
                        for f in ("group", "kind", "name")]
    [node_class] = [m for m in manifests(example_plans["platform-prod"])
                    if m.kind == "EC2NodeClass" and m.name == "gpu"]
    no_role = {**node_class.body, "spec": {k: v for k, v in node_class.body["spec"].items()
                                           if k != "role"}}
    assert check_custom(no_role) == [
        "EC2NodeClass gpu: spec.role or spec.instanceProfile is missing"]
    wrong_version = {**pool.body, "apiVersion": "karpenter.sh/v1beta1"}
    assert check_custom(wrong_version) == [
        "NodePool vision-gpu: unknown custom resource karpenter.sh/v1beta1/NodePool"]


def test_secrets_are_withheld_from_manifests(example_plans: dict[str, ResourceGraph],
                                             tmp_path: Path) -> None:
    secrets = [m for s in STACKS for m in manifests(example_plans[s]) if m.kind == "Secret"]
    assert {m.name for m in secrets} == {"hub-oauth", "github-app"}
    for item in secrets:
        assert "stringData" not in item.body and "data" not in item.body
        assert item.body["metadata"]["annotations"][REDACTED_ANNOTATION] == "stringData"
    text = "".join(p.read_text() for p in write(secrets[:1], tmp_path))
    assert "[secret]" not in text


def test_manifest_api_versions(example_plans: dict[str, ResourceGraph]) -> None:
    by_kind = {m.kind: m.api_version for s in STACKS for m in manifests(example_plans[s])}
    assert by_kind["Namespace"] == "v1"
    assert by_kind["CronJob"] == "batch/v1"
    assert by_kind["NetworkPolicy"] == "networking.k8s.io/v1"
    assert by_kind["RoleBinding"] == "rbac.authorization.k8s.io/v1"
    assert by_kind["NodePool"] == "karpenter.sh/v1"
    assert by_kind["EC2NodeClass"] == "karpenter.k8s.aws/v1"
