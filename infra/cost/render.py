"""Cost as text: Markdown for pull-request comments, rich tables for terminals.

The plan's renderers call these so that every format shows the same figures the same way:
per component and in total, floor / expected / ceiling, and with a base, the change.
"""

from __future__ import annotations

from rich.table import Table

from infra.cost.model import CostDiff, StackCost, Totals


def usd(value: float, signed: bool = False) -> str:
    """Whole dollars below $10k, else thousands with one decimal ($12.3k)."""
    sign = "+" if signed and value > 0.005 else ("-" if value < -0.005 else "")
    amount = abs(value)
    text = f"${amount:,.0f}" if amount < 10_000 else f"${amount / 1000:,.1f}k"
    return f"{sign}{text}"


def _row(name: str, totals: Totals, delta: Totals | None) -> list[str]:
    row = [name, usd(totals.floor), usd(totals.expected), usd(totals.ceiling)]
    if delta is not None:
        row.append(f"{usd(delta.floor, True)} / {usd(delta.expected, True)} / "
                   f"{usd(delta.ceiling, True)}")
    return row


def _rows(cost: StackCost, diff: CostDiff | None) -> list[list[str]]:
    rows = []
    for name, totals in cost.by_component().items():
        delta = None
        if diff is not None:
            base, head = diff.components.get(name, (Totals(), totals))
            delta = head - base
        rows.append(_row(name, totals, delta))
    if diff is not None:
        for name, (base, head) in diff.components.items():
            if name not in cost.by_component():
                rows.append(_row(f"{name} (removed)", head, head - base))
    rows.append(_row("total", cost.total(), diff.delta if diff is not None else None))
    return rows


def _notes(cost: StackCost) -> list[str]:
    notes = [f"Monthly USD, {cost.hours_per_month:g} h/month, {cost.region} list prices taken "
             f"on {cost.prices_taken_on}; usage charges not included."]
    for missing in cost.missing_prices:
        notes.append(f"MISSING PRICE (not counted): {missing}")
    for item in cost.unpriced:
        notes.append(f"unpriced: {item.resource} ({item.type}): {item.why}")
    if cost.usage_based:
        names = ", ".join(sorted({u.resource for u in cost.usage_based}))
        notes.append(f"billed by use, not estimated: {names}")
    return notes


def markdown(cost: StackCost, diff: CostDiff | None = None) -> str:
    """A Markdown table (and notes) for a pull-request comment."""
    header = ["component", "floor", "expected", "ceiling"] + (["change"] if diff else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in _rows(cost, diff):
        if row[0] == "total":
            row = [f"**{cell}**" for cell in row]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.extend(f"- {note}" for note in _notes(cost))
    return "\n".join(lines) + "\n"


def rich_table(cost: StackCost, diff: CostDiff | None = None) -> Table:
    """A terminal table; notes go in its caption."""
    table = Table(title=f"Monthly cost of {cost.stack}", title_justify="left",
                  caption="\n".join(_notes(cost)), caption_justify="left")
    table.add_column("component")
    for name in ("floor", "expected", "ceiling") + (("change",) if diff else ()):
        table.add_column(name, justify="right")
    for row in _rows(cost, diff):
        table.add_row(*row, style="bold" if row[0] == "total" else None)
    return table
