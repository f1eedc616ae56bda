"""The promise: `plan --base` reports every change Pulumi would act on.

A resource present on one side only is added or removed; a resource on both sides is changed
when any input differs (at any depth, by a dotted path that leads to the difference), when
its dependencies differ, or when its parent differs; and a resource that did not change is
never reported. Checked on generated input trees, not on one hand-picked example.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.plan.diff import changed_keys, diff_plans, diff_stack

URN = "urn:pulumi:team-dev::teamstack::teamstack:storage:Storage$aws:s3/bucket:Bucket::data"

KEYS = st.sampled_from(["a", "b", "c", "tags", "spec", "minSize", "rules"])
SCALARS = st.one_of(st.integers(-3, 3), st.booleans(), st.text(max_size=3), st.none())
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=12)
INPUTS = st.dictionaries(KEYS, TREES, min_size=1, max_size=4)


def resource(inputs: dict[str, Any], dependencies: list[str] | None = None,
             parent: str | None = "urn:parent") -> dict[str, Any]:
    return {"urn": URN, "type": "aws:s3/bucket:Bucket", "name": "data", "parent": parent,
            "inputs": inputs, "dependencies": dependencies or []}


def paths(tree: Any, prefix: str = "") -> list[tuple[str, list[Any]]]:
    """Every (dotted path, access path) to a value inside an input tree."""
    found = []
    if isinstance(tree, dict):
        for key, value in tree.items():
            path = f"{prefix}.{key}" if prefix else key
            found.append((path, [key]))
            found += [(p, [key, *a]) for p, a in paths(value, path)]
    elif isinstance(tree, list):
        for i, value in enumerate(tree):
            path = f"{prefix}[{i}]"
            found.append((path, [i]))
            found += [(p, [i, *a]) for p, a in paths(value, path)]
    return found


def without_nulls(tree: Any) -> Any:
    """Pulumi sends no input whose value is null: ``{"a": None}`` and ``{}`` are the same."""
    if isinstance(tree, dict):
        return {k: without_nulls(v) for k, v in tree.items() if v is not None}
    if isinstance(tree, list):
        return [without_nulls(v) for v in tree]
    return tree


def under(path: str, ancestor: str) -> bool:
    return path == ancestor or path.startswith(ancestor + ".") or path.startswith(ancestor + "[")


def leads_to(reported: str, changed: str) -> bool:
    """A reported path names the change, an ancestor of it (the diff stops at a depth), or a
    key inside a replaced value."""
    return under(changed, reported) or under(reported, changed)


@settings(max_examples=150, deadline=None)
@given(INPUTS, st.data())
def test_every_input_change_is_reported_at_its_path(inputs: dict[str, Any],
                                                    data: st.DataObject) -> None:
    path, access = data.draw(st.sampled_from(paths(inputs)))
    changed = copy.deepcopy(inputs)
    holder = changed
    for step in access[:-1]:
        holder = holder[step]
    old_value = holder[access[-1]]
    holder[access[-1]] = data.draw(TREES.filter(lambda v: v != old_value))
    if without_nulls(changed) == without_nulls(inputs):
        return  # e.g. 0 replaced by False, or a key added as null: no change to Pulumi either
    result = diff_stack("s", [resource(inputs)], [resource(changed)])
    assert [c.urn for c in result.changed] == [URN]
    keys = result.changed[0].keys
    assert keys, "a changed resource names what changed"
    assert all(leads_to(key, path) for key in keys), (path, keys)
    assert not result.added and not result.removed


@settings(max_examples=100, deadline=None)
@given(INPUTS)
def test_an_unchanged_resource_is_never_reported(inputs: dict[str, Any]) -> None:
    same = copy.deepcopy(inputs)
    result = diff_stack("s", [resource(inputs, ["urn:x"])], [resource(same, ["urn:x"])])
    assert result.empty
    assert changed_keys(inputs, same) == []


def test_an_added_and_a_removed_key_are_both_reported() -> None:
    keys = changed_keys({"a": 1, "tags": {"x": "1"}}, {"a": 1, "tags": {"y": "1"}})
    assert keys == ["tags.x", "tags.y"]


def test_a_dependency_change_is_reported() -> None:
    for before, after in ((["urn:a"], ["urn:a", "urn:b"]), (["urn:a"], []),
                          (["urn:a"], ["urn:b"])):
        result = diff_stack("s", [resource({"a": 1}, before)], [resource({"a": 1}, after)])
        assert [c.keys for c in result.changed] == [("(dependencies)",)], (before, after)


def test_a_parent_change_is_reported() -> None:
    """The URN names the parent's type only: moving a resource under another component of the
    same type keeps its URN, and Pulumi still sees (and acts on) the new parent."""
    result = diff_stack("s", [resource({"a": 1}, parent="urn:one")],
                        [resource({"a": 1}, parent="urn:two")])
    assert [c.keys for c in result.changed] == [("(parent)",)]


def test_input_dependency_and_parent_changes_are_reported_together() -> None:
    result = diff_stack("s", [resource({"a": 1}, ["urn:a"], "urn:one")],
                        [resource({"a": 2}, ["urn:b"], "urn:two")])
    assert [c.keys for c in result.changed] == [("a", "(dependencies)", "(parent)")]


def test_added_and_removed_resources_and_stacks() -> None:
    other = {**resource({"a": 1}), "urn": URN + "2", "name": "data2"}
    result = diff_stack("s", [resource({"a": 1})], [resource({"a": 1}), other])
    assert [(c.urn, c.name) for c in result.added] == [(URN + "2", "data2")]
    assert not result.removed and not result.changed
    result = diff_stack("s", [resource({"a": 1}), other], [other])
    assert [c.urn for c in result.removed] == [URN]
    stacks = diff_plans({"old": [other], "both": []}, {"both": [], "new": [other]})
    by_stack = {d.stack: d for d in stacks}
    assert by_stack["new"].new_stack and [c.urn for c in by_stack["new"].added] == [other["urn"]]
    assert by_stack["old"].deleted_stack and [c.urn for c in by_stack["old"].removed] \
        == [other["urn"]]
    assert by_stack["both"].empty and not by_stack["both"].new_stack
    assert [d.stack for d in stacks] == ["both", "new", "old"]


def test_the_json_form_carries_every_change() -> None:
    """`plan --base --format json` shows the same changes, with the changed keys."""
    other = {**resource({"a": 1}), "urn": URN + "2", "name": "data2"}
    gone = {**resource({"a": 1}), "urn": URN + "3", "name": "data3"}
    result = diff_stack("s", [resource({"a": 1}), gone], [resource({"a": 2}), other])
    assert result.to_json() == {
        "stack": "s", "new_stack": False, "deleted_stack": False,
        "added": [{"urn": URN + "2", "type": "aws:s3/bucket:Bucket", "name": "data2"}],
        "removed": [{"urn": URN + "3", "type": "aws:s3/bucket:Bucket", "name": "data3"}],
        "changed": [{"urn": URN, "type": "aws:s3/bucket:Bucket", "name": "data",
                     "keys": ["a"]}]}
    assert not result.empty and diff_stack("s", [gone], [gone]).empty


def test_changes_deep_in_lists_and_maps_are_named_down_to_the_reported_depth() -> None:
    old = {"spec": {"rules": [{"ports": [80, 443]}, {"ports": [22]}]}}
    new = {"spec": {"rules": [{"ports": [80, 8443]}, {"ports": [22]}]}}
    assert changed_keys(old, new) == ["spec.rules[0].ports"]
    assert changed_keys({"a": [1, 2]}, {"a": [1, 2, 3]}) == ["a"]
    assert changed_keys({"a": {"b": 1}}, {"a": 5}) == ["a"]
    assert changed_keys([1], [2]) == ["[0]"]
    assert changed_keys(1, 2) == ["(value)"]


def test_maps_are_named_down_to_the_reported_depth_too() -> None:
    old = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    new = {"a": {"b": {"c": {"d": {"e": 2}}}}}
    assert changed_keys(old, new) == ["a.b.c.d"]
    assert changed_keys({"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 2}}}) == ["a.b.c"]


def test_a_resource_without_recorded_inputs_reads_as_empty_inputs() -> None:
    """Plans written by other versions may leave out an empty ``inputs``: no change."""
    bare = {k: v for k, v in resource({}).items() if k != "inputs"}
    assert diff_stack("s", [bare], [resource({})]).empty
    assert diff_stack("s", [resource({})], [bare]).empty
    assert [c.keys for c in diff_stack("s", [bare], [resource({"a": 1})]).changed] == [("a",)]
