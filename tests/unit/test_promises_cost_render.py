"""The promise of how cost is shown (README "Command reference", docs/profiles.md "Stack cost"):

- the JSON plan's ``cost`` has a fixed shape (stack, region, price date, hours a month, total,
  per component, every line, unpriced, billed by use, missing prices) and a base comparison
  gives base, head and their difference, in total and per component;
- the Markdown comment is a well-formed table (one header, one separator, as many cells on
  every row), one row per component and a bold total, components removed since the base
  still shown, then the notes as a list; the terminal table has the same columns, figures
  right-aligned, the total in bold and the same notes under it;
- amounts: whole dollars under $10k, then thousands with one decimal; a change carries its
  sign, and half a cent or less is no change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rich.console import Console

from infra.cost.model import CostDiff, StackCost, Totals
from infra.cost.render import markdown, rich_table, usd
from infra.cost.stack import diff_costs, estimate_stack_cost
from infra.graph import Resource, ResourceGraph

REGION = "us-east-1"
LINE_KEYS = {"component", "resource", "type", "floor", "expected", "ceiling", "basis"}
TOTAL_KEYS = {"floor", "expected", "ceiling"}


def res(kind: str, name: str, component: str, inputs: dict[str, Any] | None = None) -> Resource:
    return Resource(urn=f"urn:{name}", type=kind, name=name, parent=None,
                    inputs={**(inputs or {}), "tags": {"teamstack:component": component}})


def plan(*resources: Resource) -> StackCost:
    return estimate_stack_cost(ResourceGraph("team-dev", list(resources)), REGION)


def plans() -> tuple[StackCost, StackCost, CostDiff]:
    """Base and head plans of one stack and their diff (built in each test, so that mutation
    testing sees which tests run the estimate)."""
    base = plan(
        res("aws:ebs/volume:Volume", "scratch", "storage", {"size": 100}),
        res("aws:ebs/volume:Volume", "old", "archive", {"size": 50}),
        res("aws:eks/nodeGroup:NodeGroup", "system", "cluster", {
            "instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 2, "maxSize": 4}}),
    )
    head = plan(
        res("aws:ebs/volume:Volume", "scratch", "storage", {"size": 100}),
        res("aws:eks/nodeGroup:NodeGroup", "system", "cluster", {
            "instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 3, "maxSize": 4}}),
        res("aws:ec2/natGateway:NatGateway", "nat", "network"),
        res("aws:kms/key:Key", "key", "storage"),
        res("aws:s3/bucket:Bucket", "logs", "storage"),
        res("aws:s3/bucket:Bucket", "data", "storage"),
        res("aws:sqs/queue:Queue", "data", "events"),
        res("aws:ec2/instance:Instance", "odd", "stack", {"instanceType": "x9.huge"}),
    )
    return base, head, diff_costs(base, head)


def as_dict(totals: Totals) -> dict[str, float]:
    return {"floor": totals.floor, "expected": totals.expected, "ceiling": totals.ceiling}


# -- JSON -------------------------------------------------------------------------------------

def test_cost_json_has_its_documented_shape_and_the_estimate_s_figures() -> None:
    _base, head, _changes = plans()
    data = json.loads(json.dumps(head.to_json()))
    assert set(data) == {"stack", "region", "prices_taken_on", "hours_per_month", "total",
                         "components", "lines", "unpriced", "usage_based", "missing_prices"}
    assert (data["stack"], data["region"]) == ("team-dev", REGION)
    assert data["prices_taken_on"] == head.prices_taken_on
    assert data["hours_per_month"] == 730.0
    assert data["total"] == pytest.approx(as_dict(head.total()))
    assert data["components"] == {name: pytest.approx(as_dict(totals))
                                  for name, totals in head.by_component().items()}
    assert [set(line) for line in data["lines"]] == [LINE_KEYS] * len(head.lines)
    assert [line["resource"] for line in data["lines"]] == [x.resource for x in head.lines]
    # Sorted by (component, resource, type) whatever order the resources registered in.
    assert [(u["component"], u["resource"], u["type"]) for u in data["usage_based"]] == [
        ("events", "data", "aws:sqs/queue:Queue"), ("storage", "data", "aws:s3/bucket:Bucket"),
        ("storage", "logs", "aws:s3/bucket:Bucket")]
    assert [u["resource"] for u in data["unpriced"]] == ["key"]
    assert set(data["unpriced"][0]) == {"component", "resource", "type", "why"}
    assert len(data["missing_prices"]) == 1 and "x9.huge" in data["missing_prices"][0]


def test_cost_json_totals_are_sums_of_lines() -> None:
    _base, head, _changes = plans()
    data = head.to_json()
    for key in TOTAL_KEYS:
        assert data["total"][key] == pytest.approx(sum(line[key] for line in data["lines"]))
        for name, totals in data["components"].items():
            assert totals[key] == pytest.approx(sum(
                line[key] for line in data["lines"] if line["component"] == name))


def test_diff_json_gives_base_head_and_their_difference_everywhere() -> None:
    base, head, changes = plans()
    data = json.loads(json.dumps(changes.to_json()))
    assert set(data) == {"base", "head", "delta", "components", "added", "removed", "changed"}
    assert data["base"] == pytest.approx(as_dict(base.total()))
    assert data["head"] == pytest.approx(as_dict(head.total()))
    for key in TOTAL_KEYS:
        assert data["delta"][key] == pytest.approx(data["head"][key] - data["base"][key])
    assert set(data["components"]) == {"archive", "cluster", "network", "storage"}
    for entry in data["components"].values():
        assert set(entry) == {"base", "head", "delta"}
        for key in TOTAL_KEYS:
            assert entry["delta"][key] == pytest.approx(entry["head"][key] - entry["base"][key])
    assert data["components"]["archive"]["head"] == as_dict(Totals())
    assert [x["resource"] for x in data["added"]] == ["nat"]
    assert [x["resource"] for x in data["removed"]] == ["old"]
    [changed] = data["changed"]
    assert set(changed) == {"base", "head"}
    assert changed["base"]["floor"] < changed["head"]["floor"]
    assert set(changed["head"]) == LINE_KEYS


# -- Markdown ---------------------------------------------------------------------------------

def table_rows(text: str) -> list[list[str]]:
    rows = []
    for row in text.split("\n"):
        if not row.startswith("|"):
            break
        assert row.endswith("|"), row
        rows.append([cell.strip() for cell in row.strip("|").split("|")])
    return rows


@pytest.mark.parametrize("with_base", [False, True])
def test_markdown_is_a_well_formed_table_then_the_notes(with_base: bool) -> None:
    _base, head, changes = plans()
    diff = changes if with_base else None
    text = markdown(head, diff)
    rows = table_rows(text)
    columns = ["component", "floor", "expected", "ceiling"] + (["change"] if diff else [])
    assert text.startswith("| " + " | ".join(columns) + " |\n")
    assert rows[0] == columns
    assert rows[1] == ["---"] * len(columns)
    assert all(len(row) == len(columns) for row in rows)
    names = [row[0] for row in rows[2:]]
    assert names[-1] == "**total**"
    assert all(cell.startswith("**") and cell.endswith("**") for cell in rows[-1])
    assert not any(cell.startswith("**") for row in rows[2:-1] for cell in row)
    # After the table: one blank line, then every note as a list item, one newline at the end.
    after = text.split("\n")[len(rows):]
    assert after[0] == "" and after[-1] == ""
    notes = after[1:-1]
    assert notes and all(note.startswith("- ") for note in notes)
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_markdown_rows_follow_components_removed_ones_and_the_change() -> None:
    base, head, changes = plans()
    rows = {row[0]: row[1:] for row in table_rows(markdown(head, changes))[2:]}
    assert list(rows) == [*head.by_component(), "archive (removed)", "**total**"]
    old = base.by_component()["archive"]
    assert rows["archive (removed)"] == ["$0", "$0", "$0",
                                         f"{usd(-old.floor)} / {usd(-old.expected)} / "
                                         f"{usd(-old.ceiling)}"]
    network = head.by_component()["network"]
    assert rows["network"][3] == " / ".join([usd(network.floor, True)] * 3)
    delta = changes.delta
    assert rows["**total**"] == [f"**{usd(head.total().floor)}**",
                                 f"**{usd(head.total().expected)}**",
                                 f"**{usd(head.total().ceiling)}**",
                                 f"**{usd(delta.floor, True)} / {usd(delta.expected, True)} / "
                                 f"{usd(delta.ceiling, True)}**"]


def test_markdown_notes_name_prices_assumptions_and_what_is_not_counted() -> None:
    _base, head, _changes = plans()
    notes = [line for line in markdown(head).split("\n") if line.startswith("- ")]
    assert notes[0] == (f"- Monthly USD, 730 h/month, {REGION} list prices taken on "
                        f"{head.prices_taken_on}; usage charges not included.")
    assert any(n.startswith("- MISSING PRICE (not counted): odd ") for n in notes)
    assert "- unpriced: key (aws:kms/key:Key): " + head.unpriced[0].why in notes
    # Each resource billed by use once, sorted.
    assert notes[-1] == "- billed by use, not estimated: data, logs"


def test_without_usage_based_resources_there_is_no_such_note() -> None:
    base, _head, _changes = plans()
    assert "billed by use" not in markdown(base)


# -- terminal ---------------------------------------------------------------------------------

@pytest.mark.parametrize("with_base", [False, True])
def test_terminal_table_has_the_same_columns_figures_right_and_total_bold(
        with_base: bool) -> None:
    _base, head, changes = plans()
    diff = changes if with_base else None
    table = rich_table(head, diff)
    columns = ["component", "floor", "expected", "ceiling"] + (["change"] if diff else [])
    assert [column.header for column in table.columns] == columns
    assert [column.justify for column in table.columns] == ["left"] + ["right"] * (
        len(columns) - 1)
    assert table.title == "Monthly cost of team-dev"
    assert (table.title_justify, table.caption_justify) == ("left", "left")
    notes = [line[2:] for line in markdown(head).split("\n") if line.startswith("- ")]
    assert str(table.caption).split("\n") == notes
    assert [row.style for row in table.rows] == [None] * (len(table.rows) - 1) + ["bold"]
    console = Console(width=250, record=True)
    console.print(table)
    shown = console.export_text()
    cells = table_rows(markdown(head, diff))[-1]
    assert all(cell.strip("*") in shown for cell in cells)


# -- amounts ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "signed", "text"), [
    (0, False, "$0"), (41.4, False, "$41"), (9_999.4, False, "$9,999"),
    (10_000, False, "$10.0k"), (12_345, False, "$12.3k"), (1_000_000, False, "$1,000.0k"),
    (1, True, "+$1"), (33, True, "+$33"), (-1, True, "-$1"), (-1, False, "-$1"),
    (-12_345, True, "-$12.3k"), (0.4, True, "+$0"),
    # half a cent or less either way is float noise, not a change
    (0.005, True, "$0"), (-0.005, True, "$0"), (0.0, True, "$0"), (5, False, "$5"),
])
def test_usd(value: float, signed: bool, text: str) -> None:
    assert usd(value, signed) == text
