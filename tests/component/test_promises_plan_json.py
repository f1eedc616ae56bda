"""The promise: the JSON plan is canonical -- keys sorted at every depth, resources sorted by
URN, and the same text whatever order the program registered things in.

Checked on the example stacks' real plans with everything a plan carries (cost, guardrails,
a diff and a cost diff against a base), not only by comparing two runs (which would also
agree if both were unsorted in the same way).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.graph import Resource, ResourceGraph
from infra.plan import consumers
from infra.plan.diff import diff_plans
from infra.plan.render import PlanReport, to_json
from infra.stackfile import load_or_raise, stack_files

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"


def reversed_tree(value: Any) -> Any:
    """The same data with every mapping's keys inserted in reverse order."""
    if isinstance(value, dict):
        return {k: reversed_tree(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_tree(v) for v in value]
    return value


def unsorted_objects(text: str) -> list[list[str]]:
    """Key lists of every JSON object in ``text`` whose keys are not in sorted order."""
    bad: list[list[str]] = []

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if keys != sorted(keys):
            bad.append(keys)
        return dict(pairs)

    json.loads(text, object_pairs_hook=hook)
    return bad


def full_report(graphs: list[ResourceGraph]) -> PlanReport:
    stacks = {path.name[len("Pulumi."):-len(".yaml")]: load_or_raise(path, STACKS)
              for path in stack_files(STACKS)}
    report = PlanReport(graphs=graphs)
    consumers.attach(report, stacks)
    head = {g.stack: g.to_json()["resources"] for g in graphs}
    base = {stack: resources[1:] for stack, resources in head.items()}  # one resource "new"
    report.diffs = diff_plans(base, head)
    report.base = "HEAD~1"
    consumers.attach_cost_diff(report, {"stacks": []})
    return report


def test_plan_json_keys_are_sorted_at_every_depth(
        example_plans: dict[str, ResourceGraph]) -> None:
    report = full_report([example_plans[name] for name in sorted(example_plans)])
    text = to_json(report)
    doc = json.loads(text)
    # The report really carries every part, so that every part's keys were checked.
    assert {"stacks", "base", "diff", "cost_diff"} <= doc.keys()
    assert all({"cost", "guardrails", "resources"} <= s.keys() for s in doc["stacks"])
    assert unsorted_objects(text) == []
    for stack in doc["stacks"]:
        urns = [r["urn"] for r in stack["resources"]]
        assert urns == sorted(urns), stack["stack"]


def test_plan_json_does_not_depend_on_registration_order(
        example_plans: dict[str, ResourceGraph]) -> None:
    graphs = [example_plans[name] for name in sorted(example_plans)]
    shuffled = [
        ResourceGraph(g.stack, [
            Resource(r.urn, r.type, r.name, r.parent, reversed_tree(r.inputs), r.dependencies,
                     r.provider, r.custom, r.ignore_changes)
            for r in reversed(g.resources)])
        for g in graphs]
    assert to_json(PlanReport(graphs=shuffled)) == to_json(PlanReport(graphs=graphs))


def test_the_sortedness_check_can_fail() -> None:
    """The helper above does find an unsorted object, however deep."""
    assert unsorted_objects('{"a": {"b": [{"d": 1, "c": 2}]}}') == [["d", "c"]]


TEAMS = ("vision-prod", "analytics-prod", "insights-prod")


def runtime_owned_in_plan(stack: str, graph: ResourceGraph) -> list[tuple[str, str]]:
    """(resource URN, property) the request's profiles say something else owns at run time,
    for the resources of this stack that carry those fields."""
    from infra.components.k8s.runners import RUNTIME_PROPERTY_MAP
    from infra.profiles import resolve

    request = load_or_raise(STACKS / f"Pulumi.{stack}.yaml", STACKS).team
    expected: list[tuple[str, str]] = []
    if request.desktops is not None:
        bundle = resolve(request.desktops.profile, request)
        for resource in graph.of_type("aws:ec2/instance:Instance"):
            if resource.name.startswith("desktops-"):
                expected += [(resource.urn, p)
                             for p in bundle.ignore_changes("aws:ec2/instance:Instance")]
    if request.gpu is not None and resolve(request.gpu.profile, request).karpenter.warm_floor:
        [warm] = [r for r in graph.of_type("kubernetes:apps/v1:Deployment")
                  if r.name.endswith("gpu-warm")]
        expected.append((warm.urn, "spec.replicas"))
    if request.ci_runners is not None:
        bundle = resolve(request.ci_runners.profile, request)
        owned = bundle.ignore_changes(
            "kubernetes:actions.github.com/v1alpha1:AutoscalingRunnerSet")
        # One CPU runner set per repository (issue 11): each carries the runtime-owned fields.
        releases = [r for r in graph.of_type("kubernetes:helm.sh/v3:Release")
                    if str(r.inputs.get("name", "")).startswith(f"{request.team}-")
                    and str(r.inputs.get("name", "")).endswith("-cpu")]
        assert len(releases) == len(request.ci_runners.repositories), (
            stack, [r.inputs.get("name") for r in releases])
        expected += [(release.urn, RUNTIME_PROPERTY_MAP[p])
                     for release in releases for p in owned]
    return expected


def test_runtime_owned_fields_are_marked_in_the_plan(
        example_plans: dict[str, ResourceGraph]) -> None:
    """README: a resource whose fields an autoscaler or a schedule owns lists them under
    ``ignoreChanges`` in the plan, so ``pulumi up`` leaves them alone."""
    checked = 0
    for stack in TEAMS:
        graph = example_plans[stack]
        listed = {r["urn"]: r.get("ignoreChanges", []) for r in graph.to_json()["resources"]}
        for urn, prop in runtime_owned_in_plan(stack, graph):
            assert prop in listed[urn], (stack, urn, prop)
            checked += 1
    assert checked >= 8  # desktops of three teams, a warm GPU pool, a runner floor
