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

from infra.plan.reachability import Namespace, Policy, analyse, selector_matches

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
