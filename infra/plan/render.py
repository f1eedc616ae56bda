"""Render plans for people (terminal tree, Markdown for pull requests) and for tools (JSON).

JSON is canonical: keys sorted, resources sorted by URN, no timestamps, so the same
repository gives byte-identical output on any machine and a diff of two outputs is meaningful.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from rich.console import Console
from rich.tree import Tree

from infra.plan.diff import StackDiff
from infra.plan.graph import ResourceGraph


@dataclass
class PlanReport:
    """Everything a plan command shows: graphs plus what consumers computed from them."""

    graphs: list[ResourceGraph]
    diffs: list[StackDiff] | None = None
    base: str | None = None
    costs: dict[str, Any] = field(default_factory=dict)  # stack -> cost JSON (floor/exp/ceil)
    cost_diffs: dict[str, Any] = field(default_factory=dict)  # stack -> cost delta JSON
    violations: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def violation_count(self) -> int:
        return sum(len(v) for v in self.violations.values())


def component_label(graph: ResourceGraph, resource_urn: str) -> str:
    index = graph.by_urn()
    node = index[resource_urn]
    owner = graph.owning_component(node)
    if owner is None:
        return "(stack)"
    return f"{owner.name} ({owner.type.split(':')[-1]})"


def summarize(graph: ResourceGraph) -> dict[str, Counter[str]]:
    """Custom resources per owning component, counted by type."""
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for resource in graph.custom():
        groups[component_label(graph, resource.urn)][resource.type] += 1
    return dict(sorted(groups.items()))


def to_json(report: PlanReport) -> str:
    stacks = []
    for graph in report.graphs:
        entry = graph.to_json()
        if graph.stack in report.costs:
            entry["cost"] = report.costs[graph.stack]
        if report.violations:
            entry["guardrails"] = report.violations.get(graph.stack, [])
        stacks.append(entry)
    doc: dict[str, Any] = {"stacks": stacks}
    if report.diffs is not None:
        doc["base"] = report.base
        doc["diff"] = [d.to_json() for d in report.diffs]
        if report.cost_diffs:
            doc["cost_diff"] = report.cost_diffs
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.0f}"


def _cost_line(cost: dict[str, Any]) -> str:
    total = cost.get("total", {})
    return (f"monthly cost: floor {_money(total.get('floor'))} / expected "
            f"{_money(total.get('expected'))} / ceiling {_money(total.get('ceiling'))}")


def to_text(report: PlanReport, width: int = 100, color: bool = False) -> str:
    buffer = StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system=None
                      if not color else "auto", highlight=False)
    for graph in report.graphs:
        custom = graph.custom()
        tree = Tree(f"[bold]{graph.stack}[/bold]  {len(custom)} resources")
        for label, counts in summarize(graph).items():
            branch = tree.add(f"{label}  {sum(counts.values())}")
            for type_token, count in sorted(counts.items()):
                branch.add(f"{count:>3}  {type_token}")
        if graph.stack in report.costs:
            tree.add(_cost_line(report.costs[graph.stack]))
        if report.violations:
            found = report.violations.get(graph.stack, [])
            if found:
                guard = tree.add(f"[red]guardrails: {len(found)} violation(s)[/red]")
                for v in found:
                    guard.add(f"{v['rule']}: {v['message']}  ({v['urn'].rsplit('::', 1)[-1]})")
            else:
                tree.add("guardrails: passed")
        console.print(tree)
    if report.diffs is not None:
        console.print(f"\n[bold]Changes against {report.base}[/bold]")
        for d in report.diffs:
            if d.empty:
                continue
            console.print(f"{d.stack}: +{len(d.added)} -{len(d.removed)} ~{len(d.changed)}")
            for c in d.added:
                console.print(f"  + {c.type} {c.name}")
            for c in d.removed:
                console.print(f"  - {c.type} {c.name}")
            for c in d.changed:
                console.print(f"  ~ {c.type} {c.name}: {', '.join(c.keys)}")
        if all(d.empty for d in report.diffs):
            console.print("no changes")
    return buffer.getvalue()


def to_markdown(report: PlanReport) -> str:
    lines = ["## teamstack plan", ""]
    if report.violations:
        count = report.violation_count
        lines += [f"**Guardrails:** {'✅ all passed' if not count else f'❌ {count} violation(s)'}",
                  ""]
    if report.diffs is not None:
        lines += [f"### Changes against `{report.base}`", ""]
        changed = [d for d in report.diffs if not d.empty]
        if not changed:
            lines += ["No resource changes.", ""]
        else:
            lines += ["| stack | added | removed | changed |", "|---|---:|---:|---:|"]
            lines += [f"| {d.stack} | {len(d.added)} | {len(d.removed)} | {len(d.changed)} |"
                      for d in changed]
            lines.append("")
            for d in changed:
                lines += [f"<details><summary>{d.stack}</summary>", ""]
                lines += [f"- added `{c.type}` **{c.name}**" for c in d.added]
                lines += [f"- removed `{c.type}` **{c.name}**" for c in d.removed]
                lines += [f"- changed `{c.type}` **{c.name}**: "
                          + ", ".join(f"`{k}`" for k in c.keys) for c in d.changed]
                lines += ["", "</details>", ""]
        if report.cost_diffs:
            lines += ["| stack | floor Δ | expected Δ | ceiling Δ |", "|---|---:|---:|---:|"]
            for stack, delta in sorted(report.cost_diffs.items()):
                total = delta.get("total", delta)
                cells = [_signed(total.get(k)) for k in ("floor", "expected", "ceiling")]
                lines.append(f"| {stack} | {' | '.join(cells)} |")
            lines.append("")
    lines += ["### Stacks", ""]
    header = "| stack | resources |"
    rule = "|---|---:|"
    if report.costs:
        header += " floor / month | expected / month | ceiling / month |"
        rule += "---:|---:|---:|"
    lines += [header, rule]
    for graph in report.graphs:
        row = f"| {graph.stack} | {len(graph.custom())} |"
        if report.costs:
            total = report.costs.get(graph.stack, {}).get("total", {})
            row += (f" {_money(total.get('floor'))} | {_money(total.get('expected'))} | "
                    f"{_money(total.get('ceiling'))} |")
        lines.append(row)
    lines.append("")
    for graph in report.graphs:
        lines += [f"<details><summary>{graph.stack}: resources by component</summary>", "",
                  "| component | type | count |", "|---|---|---:|"]
        for label, counts in summarize(graph).items():
            for type_token, count in sorted(counts.items()):
                lines.append(f"| {label} | `{type_token}` | {count} |")
        found = report.violations.get(graph.stack, [])
        if found:
            lines += ["", "Guardrail violations:", ""]
            lines += [f"- **{v['rule']}** `{v['urn'].rsplit('::', 1)[-1]}`: {v['message']}"
                      for v in found]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


def _signed(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{'+' if value >= 0 else '-'}${abs(value):,.0f}"


RENDERERS = {"text": to_text, "json": to_json, "markdown": to_markdown}
