"""Plain-data results of a cost estimate, and the diff of two estimates.

Kept apart from the pricing rules so that renderers and the plan's ``--base`` comparison
depend only on these records.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from infra.cost.prices import HOURS_PER_MONTH


@dataclass(frozen=True)
class Totals:
    """Monthly USD."""

    floor: float = 0.0
    expected: float = 0.0
    ceiling: float = 0.0

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.floor + other.floor, self.expected + other.expected,
                      self.ceiling + other.ceiling)

    def __sub__(self, other: Totals) -> Totals:
        return Totals(self.floor - other.floor, self.expected - other.expected,
                      self.ceiling - other.ceiling)


@dataclass(frozen=True)
class CostLine:
    """One priced resource: its component, monthly figures and how they were reached."""

    component: str
    resource: str
    type: str
    floor: float
    expected: float
    ceiling: float
    basis: str

    @property
    def totals(self) -> Totals:
        return Totals(self.floor, self.expected, self.ceiling)


@dataclass(frozen=True)
class Unpriced:
    component: str
    resource: str
    type: str
    why: str


def _unpriced_key(item: Unpriced) -> tuple[str, str, str]:
    return (item.component, item.resource, item.type)


@dataclass(frozen=True)
class StackCost:
    """Plain data: everything a renderer or a diff needs."""

    stack: str
    region: str
    prices_taken_on: str
    lines: tuple[CostLine, ...]
    unpriced: tuple[Unpriced, ...] = ()
    usage_based: tuple[Unpriced, ...] = ()
    missing_prices: tuple[str, ...] = ()
    hours_per_month: float = HOURS_PER_MONTH

    def total(self) -> Totals:
        total = Totals()
        for line in self.lines:
            total = total + line.totals
        return total

    def by_component(self) -> dict[str, Totals]:
        out: dict[str, Totals] = {}
        for line in self.lines:
            out[line.component] = out.get(line.component, Totals()) + line.totals
        return dict(sorted(out.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "region": self.region, "prices_taken_on": self.prices_taken_on,
            "hours_per_month": self.hours_per_month,
            "total": asdict(self.total()),
            "components": {k: asdict(v) for k, v in self.by_component().items()},
            "lines": [asdict(line) for line in self.lines],
            # Sorted: resources register in a nondeterministic order, plans must not.
            "unpriced": [asdict(u) for u in sorted(self.unpriced, key=_unpriced_key)],
            "usage_based": [asdict(u) for u in sorted(self.usage_based, key=_unpriced_key)],
            "missing_prices": sorted(self.missing_prices),
        }


@dataclass(frozen=True)
class CostDiff:
    """Head minus base, per component and in total."""

    base_total: Totals
    head_total: Totals
    components: dict[str, tuple[Totals, Totals]]  # component -> (base, head)
    added: tuple[CostLine, ...] = ()
    removed: tuple[CostLine, ...] = ()
    changed: tuple[tuple[CostLine, CostLine], ...] = ()

    @property
    def delta(self) -> Totals:
        return self.head_total - self.base_total

    def to_json(self) -> dict[str, Any]:
        return {
            "base": asdict(self.base_total), "head": asdict(self.head_total),
            "delta": asdict(self.delta),
            "components": {k: {"base": asdict(b), "head": asdict(h), "delta": asdict(h - b)}
                           for k, (b, h) in self.components.items()},
            "added": [asdict(x) for x in self.added],
            "removed": [asdict(x) for x in self.removed],
            "changed": [{"base": asdict(b), "head": asdict(h)} for b, h in self.changed],
        }


def diff_costs(base: StackCost | None, head: StackCost) -> CostDiff:
    """Compare two estimates (``base=None``: everything is added)."""
    base_lines = {(x.type, x.resource): x for x in (base.lines if base else ())}
    head_lines = {(x.type, x.resource): x for x in head.lines}
    base_components = base.by_component() if base else {}
    head_components = head.by_component()
    components = {name: (base_components.get(name, Totals()), head_components.get(name, Totals()))
                  for name in sorted(set(base_components) | set(head_components))}
    both = sorted(set(base_lines) & set(head_lines))
    changed = tuple((base_lines[k], head_lines[k]) for k in both
                    if base_lines[k].totals != head_lines[k].totals)
    return CostDiff(
        base_total=base.total() if base else Totals(), head_total=head.total(),
        components=components,
        added=tuple(head_lines[k] for k in sorted(set(head_lines) - set(base_lines))),
        removed=tuple(base_lines[k] for k in sorted(set(base_lines) - set(head_lines))),
        changed=changed)
