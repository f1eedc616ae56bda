"""The NetworkPolicy reachability analysis on hand-written policies: each rule of the
Kubernetes semantics it relies on, and the permissive policies it must catch."""

from __future__ import annotations

from typing import Any

import pytest

from infra.plan.reachability import (
    OTHER,
    Namespace,
    Policy,
    analyse,
    selector_matches,
)

TEAM = {"teamstack.io/namespace-role": "team"}
DENY = {"podSelector": {}, "policyTypes": ["Ingress"]}
SAME = {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": [{"podSelector": {}}]}]}


def team_ns(team: str) -> Namespace:
    return Namespace(f"team-{team}", {**TEAM, "teamstack.io/team": team})


def isolated(team: str, *extra: dict[str, Any]) -> list[Policy]:
    ns = f"team-{team}"
    return [Policy(ns, "deny", DENY), Policy(ns, "same", SAME),
            *(Policy(ns, f"extra-{i}", spec) for i, spec in enumerate(extra))]


NAMESPACES = [team_ns("a"), team_ns("b"), Namespace("jupyterhub", {
    "teamstack.io/namespace-role": "platform"})]


def test_isolated_namespaces_admit_only_themselves() -> None:
    result = analyse(NAMESPACES, isolated("a") + isolated("b"))
    assert result.admitted_into("team-a") == {"team-a"}
    assert result.admitted_into("team-b") == {"team-b"}
    assert result.cross_team() == []
    # a namespace without policies admits everyone, the unknown ones included
    assert result.admitted_into("jupyterhub") == {"team-a", "team-b", "jupyterhub", OTHER}


def test_no_policy_means_open() -> None:
    result = analyse(NAMESPACES, isolated("a"))
    assert ("team-a", "team-b") in result.cross_team()
    assert (OTHER, "team-b") in result.cross_team()


@pytest.mark.parametrize("permissive", [
    {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]},
    {"podSelector": {}, "ingress": [{}]},
    {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]},
    {"podSelector": {"matchLabels": {"app": "web"}},
     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {
         "teamstack.io/team": "b"}}}]}]},
    {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {"matchExpressions": [
        {"key": "teamstack.io/team", "operator": "NotIn", "values": ["a"]}]},
        "podSelector": {"matchLabels": {"role": "client"}}}]}]},
], ids=["any-namespace", "from-anywhere", "ip-block", "other-team-by-label",
        "not-in-own-team"])
def test_permissive_policies_are_caught(permissive: dict[str, Any]) -> None:
    result = analyse(NAMESPACES, isolated("a", permissive) + isolated("b"))
    assert ("team-b", "team-a") in result.cross_team()


def test_pod_subset_policies_do_not_isolate() -> None:
    """Without a policy selecting every pod, some pod may be selected by none: open."""
    only_web = Policy("team-a", "web", {"podSelector": {"matchLabels": {"app": "web"}},
                                        "ingress": [{"from": [{"podSelector": {}}]}]})
    result = analyse(NAMESPACES, [only_web, *isolated("b")])
    assert ("team-b", "team-a") in result.cross_team()


def test_egress_deny_blocks_the_source_side() -> None:
    open_a = [Policy("team-a", "allow-all", {"podSelector": {}, "ingress": [{}]})]
    no_egress = Policy("team-b", "no-egress", {"podSelector": {}, "policyTypes": ["Egress"]})
    result = analyse(NAMESPACES, [*open_a, no_egress])
    assert not result.reaches("team-b", "team-a")
    assert result.reaches("jupyterhub", "team-a")


def test_shared_namespaces_count_as_other_teams() -> None:
    """Admitting a namespace that is not the team's (the hub's runs every team's notebooks)
    admits other teams' pods: reported, with exactly that source."""
    from_hub = {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
        "matchLabels": {"kubernetes.io/metadata.name": "jupyterhub"}}}]}]}
    result = analyse(NAMESPACES, isolated("a", from_hub) + isolated("b"))
    assert result.admitted_into("team-a") == {"team-a", "jupyterhub"}
    assert result.cross_team() == [("jupyterhub", "team-a")]


def test_a_teams_other_namespaces_are_its_own() -> None:
    """A second namespace labelled for the same team may be admitted."""
    extra = Namespace("team-a-batch", {**TEAM, "teamstack.io/team": "a"})
    from_own = {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
        "matchLabels": {"teamstack.io/team": "a"}}}]}]}
    result = analyse([*NAMESPACES, extra], isolated("a", from_own) + isolated("b")
                     + [Policy("team-a-batch", "deny", DENY)])
    assert result.admitted_into("team-a") == {"team-a", "team-a-batch"}
    assert result.cross_team() == []


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ({}, {}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
    ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]},
     {"a": "2"}, True),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
    ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False),
    ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": "x"}, False),
    (None, {"a": "1"}, False),
])
def test_label_selector_semantics(selector: dict[str, Any] | None, labels: dict[str, str],
                                  expected: bool) -> None:
    assert selector_matches(selector, labels) is expected
