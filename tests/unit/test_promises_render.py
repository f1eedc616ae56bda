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
from infra.plan.render import PlanReport, summarize, to_markdown, to_text

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
