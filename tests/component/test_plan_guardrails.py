"""Guardrails in the plan: a violating resource is shown in every format and fails the plan."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi_aws as aws
import pytest

from infra.cli import main
from infra.commands import plan as plan_command
from infra.graph import ResourceGraph
from infra.plan.consumers import attach_guardrails
from infra.plan.mocks import PlanMocks
from infra.plan.orchestrate import PlanResult
from infra.plan.render import PlanReport, to_json, to_markdown, to_text
from infra.plan.runner import run_program

ROOT = Path(__file__).resolve().parents[2]


def insecure_graph() -> ResourceGraph:
    """A real program (SDK classes under mocks) with a bucket nobody protected."""

    def program() -> None:
        aws.s3.Bucket("leaky", bucket="leaky-bucket", tags={"teamstack:team": "x"})

    return run_program("leaky-prod", program, PlanMocks("eu-west-1"))


def test_violations_are_reported_in_every_format() -> None:
    report = PlanReport([insecure_graph()])
    attach_guardrails(report)
    rules = {v["rule"] for v in report.violations["leaky-prod"]}
    assert {"s3.public-access-block", "s3.encryption", "tags.required"} <= rules
    count = len(report.violations["leaky-prod"])
    assert f"guardrails: {count} violation(s)" in to_text(report)
    assert "s3.public-access-block" in to_markdown(report)
    doc = json.loads(to_json(report))
    assert {g["rule"] for g in doc["stacks"][0]["guardrails"]} == rules


def test_a_violating_plan_exits_1(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    graph = insecure_graph()
    monkeypatch.setattr(plan_command, "plan_loaded",
                        lambda loaded, **kw: PlanResult([graph]))
    monkeypatch.chdir(ROOT)
    assert main(["plan", "insights-prod"]) == 1
    captured = capsys.readouterr()
    assert "violation(s)" in captured.err
    assert "leaky-prod" in captured.out
    assert main(["plan", "insights-prod", "--no-checks"]) == 0


def test_example_plans_pass_every_guardrail(example_plans: dict[str, ResourceGraph]) -> None:
    report = PlanReport(list(example_plans.values()))
    attach_guardrails(report)
    assert report.violation_count == 0, report.violations
    assert set(report.violations) == set(example_plans)

