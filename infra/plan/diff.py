"""What changes between two plans: resources added, removed and changed (with the input keys).

Resources are matched by URN, which is what Pulumi itself matches on: a renamed logical name
shows as one removed and one added resource, exactly the replacement `pulumi up` would do.
A resource that keeps its URN changes by its inputs (reported as dotted paths), by its
dependencies or by its parent (a URN names the parent's type, not which parent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 4


@dataclass(frozen=True)
class Change:
    urn: str
    type: str
    name: str
    keys: tuple[str, ...] = ()


@dataclass
class StackDiff:
    stack: str
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    new_stack: bool = False
    deleted_stack: bool = False

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_json(self) -> dict[str, Any]:
        def rows(items: list[Change], with_keys: bool = False) -> list[dict[str, Any]]:
            out = []
            for c in items:
                row: dict[str, Any] = {"urn": c.urn, "type": c.type, "name": c.name}
                if with_keys:
                    row["keys"] = list(c.keys)
                out.append(row)
            return out

        return {"stack": self.stack, "new_stack": self.new_stack,
                "deleted_stack": self.deleted_stack, "added": rows(self.added),
                "removed": rows(self.removed), "changed": rows(self.changed, True)}


def changed_keys(old: Any, new: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """Dotted paths where two input trees differ, down to MAX_DEPTH levels."""
    if old == new:
        return []
    if depth >= MAX_DEPTH or not (isinstance(old, dict) and isinstance(new, dict)):
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new) \
                and depth < MAX_DEPTH:
            out = []
            for i, (a, b) in enumerate(zip(old, new, strict=True)):
                out.extend(changed_keys(a, b, f"{prefix}[{i}]", depth + 1))
            return out
        return [prefix or "(value)"]
    out = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}.{key}" if prefix else str(key)
        out.extend(changed_keys(old.get(key), new.get(key), path, depth + 1))
    return out


def diff_stack(stack: str, base: list[dict[str, Any]] | None,
               head: list[dict[str, Any]] | None) -> StackDiff:
    """Diff two lists of resources in the JSON form of the plan (urn, type, name, inputs...)."""
    result = StackDiff(stack, new_stack=base is None, deleted_stack=head is None)
    old = {r["urn"]: r for r in base or []}
    new = {r["urn"]: r for r in head or []}
    for urn in sorted(new.keys() - old.keys()):
        result.added.append(Change(urn, new[urn]["type"], new[urn]["name"]))
    for urn in sorted(old.keys() - new.keys()):
        result.removed.append(Change(urn, old[urn]["type"], old[urn]["name"]))
    for urn in sorted(old.keys() & new.keys()):
        a, b = old[urn], new[urn]
        keys = changed_keys(a.get("inputs", {}), b.get("inputs", {}))
        if a.get("dependencies") != b.get("dependencies"):
            keys.append("(dependencies)")
        if a.get("parent") != b.get("parent"):
            keys.append("(parent)")
        if keys:
            result.changed.append(Change(urn, b["type"], b["name"], tuple(keys)))
    return result


def diff_plans(base: dict[str, list[dict[str, Any]]],
               head: dict[str, list[dict[str, Any]]]) -> list[StackDiff]:
    """Diff by stack name; stacks only on one side are wholly added or removed."""
    return [diff_stack(stack, base.get(stack), head.get(stack))
            for stack in sorted(set(base) | set(head))]
