"""The promise of the review comment and the terminal plan (README, "Command reference"):
every stack shows its resources by component, its monthly cost (floor / expected / ceiling)
and its guardrail result; with ``--base``, every added, removed and changed resource with the
changed keys, and the cost change. Checked on a small hand-built report, line by line.
"""

from __future__ import annotations

import pytest

from infra.cost.model import CostLine, StackCost, diff_costs
from infra.graph import Resource, ResourceGraph
from infra.plan.diff import diff_stack
from infra.plan.render import PlanReport, summarize, to_json, to_markdown, to_text

COMP = "urn:pulumi:nlp-dev::teamstack::teamstack:storage:Storage::storage"
BUCKET = "urn:pulumi:nlp-dev::teamstack::teamstack:storage:Storage$aws:s3/bucket:Bucket::data"
KEY = "urn:pulumi:nlp-dev::teamstack::teamstack:storage:Storage$aws:kms/key:Key::key"
LOOSE = "urn:pulumi:nlp-dev::teamstack::aws:ec2/eip:Eip::ip"


def graph() -> ResourceGraph:
    return ResourceGraph("nlp-dev", [
        Resource(COMP, "teamstack:storage:Storage", "storage", None, {}, custom=False),
        Resource(BUCKET, "aws:s3/bucket:Bucket", "data", COMP, {"bucket": "nlp-dev-data"}),
        Resource(KEY, "aws:kms/key:Key", "key", COMP, {}),
        Resource(LOOSE, "aws:ec2/eip:Eip", "ip", None, {}),
    ])


def cost(expected: float) -> StackCost:
    return StackCost(stack="nlp-dev", region="eu-west-1", prices_taken_on="2025-05-01", lines=(
        CostLine("storage", "key", "aws:kms/key:Key", 1.0, 1.0, 1.0, "a key"),
        CostLine("stack", "ip", "aws:ec2/eip:Eip", 3.65, expected, 12_345.0, "one address"),
    ))


def report(violations: bool, with_diff: bool) -> PlanReport:
    g = graph()
    result = PlanReport(graphs=[g], costs={"nlp-dev": cost(3.65)})
    result.violations = {"nlp-dev": [{"rule": "s3.encryption", "urn": BUCKET,
                                      "message": "bucket data has no SSE-KMS"}]
                         if violations else []}
    if with_diff:
        head = [r.to_json() for r in g.resources]
        base = [{**r, "inputs": {"bucket": "old"}} if r["urn"] == BUCKET else r
                for r in head if r["urn"] != LOOSE]
        base.append({"urn": "urn:gone", "type": "aws:s3/bucket:Bucket", "name": "old",
                     "inputs": {}, "dependencies": [], "parent": None})
        result.diffs = [diff_stack("nlp-dev", base, head)]
        result.base = "main"
        result.cost_diffs = {"nlp-dev": diff_costs(cost(2.0), cost(3.65))}
    return result


def test_resources_are_grouped_by_their_owning_component() -> None:
    groups = summarize(graph())
    assert {label: dict(counts) for label, counts in groups.items()} == {
        "(stack)": {"aws:ec2/eip:Eip": 1},
        "storage (Storage)": {"aws:kms/key:Key": 1, "aws:s3/bucket:Bucket": 1}}


def test_markdown_shows_cost_guardrails_and_every_change() -> None:
    text = to_markdown(report(violations=True, with_diff=True))
    lines = text.splitlines()
    assert lines[0] == "## teamstack plan"
    assert "**Guardrails:** ❌ 1 violation(s)" in lines
    assert "### Changes against `main`" in lines
    assert "| nlp-dev | 1 | 1 | 1 |" in lines
    assert "- added `aws:ec2/eip:Eip` **ip**" in lines
    assert "- removed `aws:s3/bucket:Bucket` **old**" in lines
    assert "- changed `aws:s3/bucket:Bucket` **data**: `bucket`" in lines
    assert "| nlp-dev | $0 | +$2 | $0 |" in lines  # only the expected figure moved
    assert "| nlp-dev | 3 | $5 | $5 | $12.3k |" in lines  # 3 custom resources, totals
    assert "| storage (Storage) | `aws:kms/key:Key` | 1 |" in lines
    assert "- **s3.encryption** `data`: bucket data has no SSE-KMS" in lines


def test_markdown_says_when_everything_passed_and_nothing_changed() -> None:
    clean = report(violations=False, with_diff=False)
    clean.diffs, clean.base = [diff_stack("nlp-dev", [], [])], "main"
    lines = to_markdown(clean).splitlines()
    assert "**Guardrails:** ✅ all passed" in lines
    assert "No resource changes." in lines
    assert "Guardrail violations:" not in lines


@pytest.mark.parametrize("violations", [True, False])
def test_the_terminal_plan_shows_the_same(violations: bool) -> None:
    text = to_text(report(violations=violations, with_diff=True), width=200)
    assert "nlp-dev  3 resources" in text
    assert "monthly cost: floor $5 / expected $5 / ceiling $12.3k" in text
    if violations:
        assert "guardrails: 1 violation(s)" in text
        assert "s3.encryption: bucket data has no SSE-KMS  (data)" in text
    else:
        assert "guardrails: passed" in text
    assert "Changes against main" in text
    assert "nlp-dev: +1 -1 ~1" in text
    assert "  + aws:ec2/eip:Eip ip" in text
    assert "  - aws:s3/bucket:Bucket old" in text
    assert "  ~ aws:s3/bucket:Bucket data: bucket" in text


def test_the_terminal_plan_says_when_nothing_changed() -> None:
    quiet = report(violations=False, with_diff=False)
    quiet.diffs, quiet.base = [diff_stack("nlp-dev", [], [])], "main"
    assert "no changes" in to_text(quiet)


def _tables(lines: list[str]) -> list[tuple[int, list[list[str]]]]:
    """Every Markdown table: (index of its first line, its rows split into cells)."""
    found: list[tuple[int, list[list[str]]]] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("|"):
            start, rows = i, []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            found.append((start, rows))
        i += 1
    return found


@pytest.mark.parametrize(("violations", "with_diff"), [(True, True), (False, False)])
def test_markdown_blocks_render_on_github(violations: bool, with_diff: bool) -> None:
    """Tables and <details> need blank lines around them, or GitHub shows raw text."""
    lines = to_markdown(report(violations=violations, with_diff=with_diff)).split("\n")
    assert lines[:2] == ["## teamstack plan", ""]
    for start, rows in _tables(lines):
        assert lines[start - 1] == "", lines[start]
        assert all(cell.strip(":") == "---" for cell in rows[1]), rows[1]
        assert all(len(row) == len(rows[0]) for row in rows), rows[0]
    for i, line in enumerate(lines):
        if line.startswith("<details><summary>"):
            assert line.endswith("</summary>") and lines[i + 1] == ""
        if line == "</details>":
            assert lines[i - 1] == "" and lines[i + 1] == ""
        if line.startswith(("### ", "**Guardrails:**", "Monthly cost change:",
                            "No resource changes.")):
            assert lines[i + 1] == "", line
    assert sum(line.startswith("<details>") for line in lines) == sum(
        line == "</details>" for line in lines)


def test_markdown_change_tables_have_their_headers() -> None:
    lines = to_markdown(report(violations=True, with_diff=True)).split("\n")
    headers = [rows[0] for _, rows in _tables(lines)]
    assert ["stack", "added", "removed", "changed"] in headers
    assert ["stack", "floor", "expected", "ceiling"] in headers
    assert "Monthly cost change:" in lines


def test_markdown_lists_every_changed_key() -> None:
    g = graph()
    head = [r.to_json() for r in g.resources]
    base = [{**r, "inputs": {"bucket": "old", "acl": "x"}} if r["urn"] == BUCKET else r
            for r in head]
    plan = PlanReport(graphs=[g], diffs=[diff_stack("nlp-dev", base, head)], base="main")
    assert "- changed `aws:s3/bucket:Bucket` **data**: `acl`, `bucket`" in to_markdown(
        plan).split("\n")


def test_json_is_canonical_and_carries_cost_guardrails_and_the_diff() -> None:
    import json

    plan = report(violations=True, with_diff=True)
    plan.violations["nlp-dev"][0]["message"] = "bucket data — no SSE-KMS"
    other = ResourceGraph("nlp-prod", [])
    plan.graphs.append(other)
    text = to_json(plan)
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "—" in text  # kept as written, not escaped
    dev, prod = doc["stacks"]
    assert dev["cost"]["total"]["ceiling"] == plan.costs["nlp-dev"].total().ceiling
    assert dev["guardrails"] == plan.violations["nlp-dev"]
    assert prod["guardrails"] == [] and "cost" not in prod
    assert doc["base"] == "main"
    assert [d["stack"] for d in doc["diff"]] == ["nlp-dev"]
    assert doc["cost_diff"]["nlp-dev"]["delta"]["expected"] == pytest.approx(1.65)


def test_terminal_cost_caption_names_what_is_missing() -> None:
    from infra.cost.model import Unpriced

    plan = report(violations=False, with_diff=False)
    base = plan.costs["nlp-dev"]
    plan.costs["nlp-dev"] = StackCost(
        stack=base.stack, region=base.region, prices_taken_on=base.prices_taken_on,
        lines=base.lines, unpriced=(Unpriced("storage", "k", "aws:kms/key:Key", "small"),),
        missing_prices=("a (x)", "b (y)"))
    text = " ".join(to_text(plan, width=400).split())
    assert ("USD/month, eu-west-1 prices of 2025-05-01, usage not included; 1 small items "
            "unpriced; MISSING PRICES: a (x), b (y)") in text


def test_summary_counts_every_resource_of_a_type() -> None:
    g = graph()
    extra = Resource(KEY + "2", "aws:kms/key:Key", "key2", COMP, {})
    counts = summarize(ResourceGraph("nlp-dev", [*g.resources, extra]))
    assert counts["storage (Storage)"]["aws:kms/key:Key"] == 2


def test_markdown_stack_tables_and_a_stack_without_cost() -> None:
    plan = report(violations=True, with_diff=True)
    plan.graphs.append(ResourceGraph("nlp-prod", []))
    lines = to_markdown(plan).split("\n")
    tables = _tables(lines)
    headers = [rows[0] for _, rows in tables]
    assert ["stack", "resources", "floor / month", "expected / month",
            "ceiling / month"] in headers
    assert ["component", "type", "count"] in headers
    assert ["component", "floor", "expected", "ceiling", "change"] in headers  # cost vs base
    assert "### Stacks" in lines
    assert "| nlp-prod | 0 | - | - | - |" in lines
    for start, rows in tables:  # a blank line (or the end of a block) after every table
        assert lines[start + len(rows)] in ("", "</details>"), lines[start]
    i = lines.index("Guardrail violations:")
    assert lines[i - 1] == "" and lines[i + 1] == ""


def test_markdown_with_no_change_keeps_its_paragraphs_apart() -> None:
    clean = report(violations=False, with_diff=False)
    clean.diffs, clean.base = [diff_stack("nlp-dev", [], [])], "main"
    lines = to_markdown(clean).split("\n")
    i = lines.index("No resource changes.")
    assert lines[i + 1] == ""


def test_the_terminal_plan_lists_changes_of_every_stack_and_the_cost_change() -> None:
    plan = report(violations=False, with_diff=True)
    plan.diffs = [diff_stack("nlp-prod", [], []), *(plan.diffs or [])]
    text = to_text(plan, width=200)
    assert "nlp-dev: +1 -1 ~1" in text  # after a stack without changes
    assert "change" in text  # the cost table compares with the base
    lines = [line.strip(" │└├─") for line in text.splitlines()]
    assert "guardrails: passed" in lines
    quiet = report(violations=False, with_diff=False)
    quiet.diffs, quiet.base = [diff_stack("nlp-dev", [], [])], "main"
    assert "no changes" in [line.strip() for line in to_text(quiet).splitlines()]


def test_the_terminal_plan_lists_every_changed_key() -> None:
    g = graph()
    head = [r.to_json() for r in g.resources]
    base = [{**r, "inputs": {"bucket": "old", "acl": "x"}} if r["urn"] == BUCKET else r
            for r in head]
    plan = PlanReport(graphs=[g], diffs=[diff_stack("nlp-dev", base, head)], base="main")
    assert "  ~ aws:s3/bucket:Bucket data: acl, bucket" in to_text(plan)
