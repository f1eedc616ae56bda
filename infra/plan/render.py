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

from infra.cost.model import CostDiff, StackCost
from infra.cost.render import markdown as cost_markdown
from infra.cost.render import rich_table, usd
from infra.graph import ResourceGraph
from infra.plan.diff import StackDiff


@dataclass
class PlanReport:
    """Everything a plan command shows: graphs plus what consumers computed from them."""

    graphs: list[ResourceGraph]
    diffs: list[StackDiff] | None = None
    base: str | None = None
    costs: dict[str, StackCost] = field(default_factory=dict)
    cost_diffs: dict[str, CostDiff] = field(default_factory=dict)
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
            entry["cost"] = report.costs[graph.stack].to_json()
        if report.violations:
            entry["guardrails"] = report.violations.get(graph.stack, [])
        stacks.append(entry)
    doc: dict[str, Any] = {"stacks": stacks}
    if report.diffs is not None:
        doc["base"] = report.base
        doc["diff"] = [d.to_json() for d in report.diffs]
        if report.cost_diffs:
            doc["cost_diff"] = {k: v.to_json() for k, v in sorted(report.cost_diffs.items())}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _short_caption(cost: StackCost) -> str:
    """One line for terminals; the full notes are in the Markdown and JSON formats."""
    parts = [f"USD/month, {cost.region} prices of {cost.prices_taken_on}, usage not included"]
    if cost.unpriced:
        parts.append(f"{len(cost.unpriced)} small items unpriced")
    if cost.missing_prices:
        parts.append(f"MISSING PRICES: {', '.join(cost.missing_prices)}")
    return "; ".join(parts)


def _cost_line(cost: StackCost) -> str:
    total = cost.total()
    return (f"monthly cost: floor {usd(total.floor)} / expected {usd(total.expected)} / "
            f"ceiling {usd(total.ceiling)}")


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
        if graph.stack in report.costs:
            cost = report.costs[graph.stack]
            table = rich_table(cost, report.cost_diffs.get(graph.stack))
            table.caption = _short_caption(cost)
            console.print(table)
            console.print()
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
            lines += ["Monthly cost change:", "",
                      "| stack | floor | expected | ceiling |", "|---|---:|---:|---:|"]
            for stack, diff in sorted(report.cost_diffs.items()):
                delta = diff.delta
                cells = [usd(v, signed=True) for v in (delta.floor, delta.expected,
                                                       delta.ceiling)]
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
        cost = report.costs.get(graph.stack)
        if report.costs:
            row += (" - | - | - |" if cost is None else
                    f" {usd(cost.total().floor)} | {usd(cost.total().expected)} | "
                    f"{usd(cost.total().ceiling)} |")
        lines.append(row)
    lines.append("")
    for graph in report.graphs:
        lines += [f"<details><summary>{graph.stack}: resources and cost by component</summary>", "",
                  "| component | type | count |", "|---|---|---:|"]
        for label, counts in summarize(graph).items():
            for type_token, count in sorted(counts.items()):
                lines.append(f"| {label} | `{type_token}` | {count} |")
        if graph.stack in report.costs:
            lines += ["", cost_markdown(report.costs[graph.stack],
                                        report.cost_diffs.get(graph.stack)).rstrip()]
        found = report.violations.get(graph.stack, [])
        if found:
            lines += ["", "Guardrail violations:", ""]
            lines += [f"- **{v['rule']}** `{v['urn'].rsplit('::', 1)[-1]}`: {v['message']}"
                      for v in found]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


RENDERERS = {"text": to_text, "json": to_json, "markdown": to_markdown}
