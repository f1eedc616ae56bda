"""The promise: the reachability analysis reads label selectors exactly as Kubernetes does.

Kubernetes' documented semantics (Labels and Selectors; LabelSelectorRequirement):
- ``matchLabels`` {k: v} is ``k In (v)``; every requirement of ``matchLabels`` and
  ``matchExpressions`` must hold (AND); an empty selector ``{}`` selects everything;
- ``In``: the key is present and its value is one of ``values``;
- ``NotIn``: the key is absent, or its value is none of ``values``;
- ``Exists``: the key is present (any value, even empty); ``DoesNotExist``: it is absent.

Each operator is checked against the three label states that tell them apart: key absent,
present with a listed value, present with another value. A wrong operator (In read as NotIn,
absent keys passing In, NotIn failing absent keys) changes at least one row.
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.plan.reachability import OTHER, Namespace, Policy, analyse, selector_matches

ABSENT: dict[str, str] = {"other": "x"}
LISTED = {"env": "prod", "other": "x"}
UNLISTED = {"env": "dev", "other": "x"}
EMPTY_VALUE = {"env": ""}


def expr(operator: str, *values: str) -> dict[str, Any]:
    requirement: dict[str, Any] = {"key": "env", "operator": operator}
    if values:
        requirement["values"] = list(values)
    return {"matchExpressions": [requirement]}


# (selector, labels, selected?) -- straight from the Kubernetes definitions above.
TABLE: list[tuple[str, dict[str, Any], dict[str, str], bool]] = [
    ("In, key absent", expr("In", "prod", "staging"), ABSENT, False),
    ("In, value listed", expr("In", "prod", "staging"), LISTED, True),
    ("In, value not listed", expr("In", "prod", "staging"), UNLISTED, False),
    ("NotIn, key absent", expr("NotIn", "prod"), ABSENT, True),
    ("NotIn, value listed", expr("NotIn", "prod"), LISTED, False),
    ("NotIn, value not listed", expr("NotIn", "prod"), UNLISTED, True),
    ("Exists, key absent", expr("Exists"), ABSENT, False),
    ("Exists, key present", expr("Exists"), LISTED, True),
    ("Exists, empty value", expr("Exists"), EMPTY_VALUE, True),
    ("DoesNotExist, key absent", expr("DoesNotExist"), ABSENT, True),
    ("DoesNotExist, key present", expr("DoesNotExist"), UNLISTED, False),
    ("DoesNotExist, empty value", expr("DoesNotExist"), EMPTY_VALUE, False),
    ("matchLabels equal", {"matchLabels": {"env": "prod"}}, LISTED, True),
    ("matchLabels other value", {"matchLabels": {"env": "prod"}}, UNLISTED, False),
    ("matchLabels key absent", {"matchLabels": {"env": "prod"}}, ABSENT, False),
    ("empty selector selects all", {}, ABSENT, True),
    ("empty selector, no labels", {}, {}, True),
    ("empty matchExpressions", {"matchExpressions": []}, ABSENT, True),
    ("matchLabels AND matchExpressions, both hold",
     {"matchLabels": {"other": "x"}, **expr("In", "prod")}, LISTED, True),
    ("matchLabels AND matchExpressions, labels fail",
     {"matchLabels": {"other": "y"}, **expr("In", "prod")}, LISTED, False),
    ("matchLabels AND matchExpressions, expression fails",
     {"matchLabels": {"other": "x"}, **expr("In", "prod")}, UNLISTED, False),
    ("two expressions, second fails",
     {"matchExpressions": [{"key": "env", "operator": "Exists"},
                           {"key": "other", "operator": "DoesNotExist"}]}, LISTED, False),
    ("two expressions, both hold",
     {"matchExpressions": [{"key": "env", "operator": "Exists"},
                           {"key": "team", "operator": "DoesNotExist"}]}, LISTED, True),
    ("two matchLabels, one differs", {"matchLabels": {"env": "prod", "other": "y"}}, LISTED,
     False),
]


@pytest.mark.parametrize(("selector", "labels", "selected"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_selector_semantics_match_kubernetes(selector: dict[str, Any], labels: dict[str, str],
                                             selected: bool) -> None:
    assert selector_matches(selector, labels) is selected


@pytest.mark.parametrize(("selector", "labels", "selected"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_namespace_selectors_decide_reachability_the_same_way(
        selector: dict[str, Any], labels: dict[str, str], selected: bool) -> None:
    """A default-deny namespace with one rule admitting ``namespaceSelector: selector`` is
    reached from a namespace with ``labels`` exactly when Kubernetes would select it."""
    target = Namespace("target", {})
    source = Namespace("source", labels)
    policies = [
        Policy("target", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        Policy("target", "allow", {"podSelector": {}, "policyTypes": ["Ingress"],
                                   "ingress": [{"from": [{"namespaceSelector": selector}]}]}),
    ]
    result = analyse([target, source], policies)
    # Every namespace also carries its name label, which none of the rows uses.
    assert result.reaches("source", "target") is selected


def test_a_null_selector_selects_nothing() -> None:
    """A null (absent) selector is not the empty one: it selects nothing."""
    assert selector_matches(None, {}) is False
    assert selector_matches(None, LISTED) is False


def test_the_name_label_kubernetes_sets_is_matched() -> None:
    """Kubernetes labels every namespace with ``kubernetes.io/metadata.name``; a selector on it
    admits exactly that namespace."""
    target = Namespace("target", {})
    policies = [
        Policy("target", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        Policy("target", "allow", {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [
            {"from": [{"namespaceSelector": {"matchLabels": {
                "kubernetes.io/metadata.name": "friend"}}}]}]}),
    ]
    result = analyse([target, Namespace("friend", {}), Namespace("stranger", {})], policies)
    assert result.reaches("friend", "target")
    assert not result.reaches("stranger", "target")


# NetworkPolicy semantics the analysis relies on (Kubernetes "Network Policies"): a policy
# isolates the pods it selects for the directions in policyTypes (default: Ingress, plus
# Egress if it has an egress section); rules are ORed, peers in a rule are ORed; a rule with
# no peers admits everything; a podSelector-only peer means the policy's own namespace; an
# ipBlock admits any address (with the VPC CNI, pods of every namespace).
ALLOW_ALL_INGRESS: dict[str, Any] = {"podSelector": {}, "ingress": [{}]}
DENY_INGRESS: dict[str, Any] = {"podSelector": {}, "policyTypes": ["Ingress"]}
POLICIES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], bool]] = [
    # (case, policies in "target", policies in "source", source reaches target?)
    ("no policy: open", [], [], True),
    ("default deny ingress", [DENY_INGRESS], [], False),
    ("deny via empty ingress list", [{"podSelector": {}, "ingress": []}], [], False),
    ("a rule without peers admits all", [DENY_INGRESS, ALLOW_ALL_INGRESS], [], True),
    ("podSelector peer: own namespace only",
     [{"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]}], [], False),
    ("ipBlock peer admits every namespace",
     [{"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]}],
     [], True),
    ("peers are ORed",
     [{"podSelector": {}, "ingress": [{"from": [
         {"podSelector": {}},
         {"namespaceSelector": {"matchLabels": {"role": "client"}}}]}]}], [], True),
    ("rules are ORed",
     [{"podSelector": {}, "ingress": [
         {"from": [{"podSelector": {}}]},
         {"from": [{"namespaceSelector": {"matchLabels": {"role": "client"}}}]}]}], [], True),
    ("a policy selecting some pods does not isolate the namespace",
     [{"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Ingress"]}], [], True),
    ("nor does one selecting pods by expression",
     [{"podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
       "policyTypes": ["Ingress"]}], [], True),
    ("egress isolation on the source side",
     [], [{"podSelector": {}, "policyTypes": ["Egress"]}], False),
    ("egress section implies the Egress type",
     [], [{"podSelector": {}, "egress": [{"to": [{"podSelector": {}}]}]}], False),
    ("egress allowed to the target's labels",
     [], [{"podSelector": {}, "policyTypes": ["Egress"], "egress": [
         {"to": [{"namespaceSelector": {"matchLabels": {"role": "server"}}}]}]}], True),
    ("an ingress-only policy leaves egress open",
     [], [{"podSelector": {}, "policyTypes": ["Ingress"]}], True),
    ("both sides must allow",
     [ALLOW_ALL_INGRESS], [{"podSelector": {}, "policyTypes": ["Egress"]}], False),
]


@pytest.mark.parametrize(("target_policies", "source_policies", "reaches"),
                         [row[1:] for row in POLICIES], ids=[row[0] for row in POLICIES])
def test_network_policy_semantics(target_policies: list[dict[str, Any]],
                                  source_policies: list[dict[str, Any]], reaches: bool) -> None:
    target = Namespace("target", {"role": "server"})
    source = Namespace("source", {"role": "client"})
    policies = [Policy("target", f"t{i}", spec) for i, spec in enumerate(target_policies)] + \
        [Policy("source", f"s{i}", spec) for i, spec in enumerate(source_policies)]
    result = analyse([target, source], policies)
    assert result.reaches("source", "target") is reaches


def test_namespaces_the_plans_do_not_create_are_covered() -> None:
    """kube-system or a namespace made by hand has no labels but its name: only selectors
    that match such a namespace admit it, and it is always part of the analysis."""
    target = Namespace("target", {"role": "server"})
    by_label = [DENY_INGRESS, {"podSelector": {}, "ingress": [
        {"from": [{"namespaceSelector": {"matchLabels": {"role": "client"}}}]}]}]
    by_absence = [DENY_INGRESS, {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {
        "matchExpressions": [{"key": "role", "operator": "DoesNotExist"}]}}]}]}]
    labelled = analyse([target], [Policy("target", f"p{i}", s) for i, s in enumerate(by_label)])
    absent = analyse([target], [Policy("target", f"p{i}", s) for i, s in enumerate(by_absence)])
    assert not labelled.reaches(OTHER, "target")
    assert absent.reaches(OTHER, "target")
    assert OTHER in labelled.namespaces


def test_the_plans_namespaces_and_policies_are_what_is_analysed() -> None:
    """``from_graphs`` reads every Namespace (with its labels) and NetworkPolicy (in its
    namespace, ``default`` when none is set) of several stacks' plans as one cluster."""
    from infra.graph import Resource, ResourceGraph
    from infra.plan.reachability import NAMESPACE_TYPE, POLICY_TYPE, from_graphs

    def namespace(name: str, labels: dict[str, str]) -> Resource:
        return Resource(f"urn:ns:{name}", NAMESPACE_TYPE, name, None,
                        {"metadata": {"name": name, "labels": labels}})

    def policy(name: str, namespace: str | None, spec: dict[str, Any]) -> Resource:
        metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
        return Resource(f"urn:np:{name}", POLICY_TYPE, name, None,
                        {"metadata": metadata, "spec": spec})

    team = {"teamstack.io/namespace-role": "team"}
    platform = ResourceGraph("platform", [namespace("default", {}),
                                          namespace("hub", {"teamstack.io/namespace-role":
                                                            "platform"}),
                                          policy("deny", None, DENY_INGRESS)])
    a = ResourceGraph("a", [namespace("team-a", {**team, "teamstack.io/team": "a"}),
                            policy("deny", "team-a", DENY_INGRESS)])
    b = ResourceGraph("b", [namespace("team-b", {**team, "teamstack.io/team": "b"})])
    result = from_graphs([platform, a, b])
    assert set(result.namespaces) == {"default", "hub", "team-a", "team-b", OTHER}
    assert result.namespaces["team-a"].team == "a" and result.namespaces["hub"].team is None
    assert result.admitted_into("team-a") == set()  # denied, even to itself
    assert result.admitted_into("default") == set()  # the policy without namespace
    assert result.admitted_into("team-b") == {"default", "hub", "team-a", "team-b", OTHER}
    assert result.cross_team() == [(s, "team-b") for s in sorted(
        {"default", "hub", "team-a", OTHER})]


def test_egress_is_judged_for_every_destination_from_the_source_side() -> None:
    """A source whose egress admits its own namespace and one labelled namespace reaches
    exactly those, whatever order the namespaces come in."""
    egress = {"podSelector": {}, "policyTypes": ["Egress"], "egress": [
        {"to": [{"podSelector": {}}]},
        {"to": [{"namespaceSelector": {"matchLabels": {"role": "server"}}}]}]}
    for order in ([Namespace("source"), Namespace("blocked"), Namespace("allowed",
                                                                          {"role": "server"})],
                  [Namespace("allowed", {"role": "server"}), Namespace("blocked"),
                   Namespace("source")]):
        result = analyse(order, [Policy("source", "egress", egress)])
        assert {d for s, d in result.edges if s == "source"} == {"source", "allowed"}
        assert result.reaches("blocked", "source")  # ingress there is open
