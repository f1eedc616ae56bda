"""The recorded NetworkPolicies of every example stack, analysed together as one cluster:
no team namespace admits another team's pods; each admits its own."""

from __future__ import annotations

import dataclasses

from infra.components.k8s import names
from infra.graph import Resource, ResourceGraph
from infra.plan.reachability import OTHER, POLICY_TYPE, from_graphs

STACKS = ["platform-prod", "vision-prod", "analytics-prod", "insights-prod"]


def test_no_team_namespace_admits_another_teams_pods(
        example_plans: dict[str, ResourceGraph]) -> None:
    result = from_graphs(example_plans[s] for s in STACKS)
    teams = {n for n, ns in result.namespaces.items() if ns.team}
    assert teams == {names.team_namespace(t) for t in ("vision", "analytics", "insights")} | {
        names.ci_namespace(t) for t in ("vision", "analytics")}  # runners' own namespaces
    assert result.cross_team() == []
    for team in teams:
        assert result.admitted_into(team) == {team}  # its own pods still talk to each other
        assert not result.reaches(OTHER, team)
        assert not result.reaches(names.JUPYTERHUB_NAMESPACE, team)


def test_a_permissive_policy_added_to_a_stack_is_detected(
        example_plans: dict[str, ResourceGraph]) -> None:
    vision = example_plans["vision-prod"]
    [template] = [r for r in vision.of_type(POLICY_TYPE)
                  if r.inputs["metadata"]["name"] == "allow-same-namespace"]
    permissive = dataclasses.replace(template, urn=template.urn + "-open", inputs={
        **template.inputs,
        "metadata": {**template.inputs["metadata"], "name": "allow-monitoring"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                 "ingress": [{"from": [{"namespaceSelector": {}}]}]}})
    changed = ResourceGraph(vision.stack, [*vision.resources, permissive], vision.outputs)
    result = from_graphs([example_plans[s] for s in STACKS if s != "vision-prod"] + [changed])
    bad = result.cross_team()
    assert ("team-analytics", "team-vision") in bad and ("team-insights", "team-vision") in bad
    assert all(destination == "team-vision" for _, destination in bad)


def test_dropping_the_default_deny_is_detected(example_plans: dict[str, ResourceGraph]) -> None:
    analytics = example_plans["analytics-prod"]
    kept: list[Resource] = [r for r in analytics.resources if not (
        r.type == POLICY_TYPE and r.inputs["metadata"]["name"] == "default-deny-ingress")]
    # the same-namespace policy alone still isolates every pod (it selects them all) ...
    result = from_graphs([ResourceGraph(analytics.stack, kept, analytics.outputs)])
    assert result.cross_team() == []
    # ... but without any policy selecting every pod, the namespace is open
    none = [r for r in kept if r.type != POLICY_TYPE]
    result = from_graphs([example_plans["vision-prod"],
                          ResourceGraph(analytics.stack, none, analytics.outputs)])
    assert ("team-vision", "team-analytics") in result.cross_team()
