"""Plan both sides of a change and put together what the pull-request comment shows.

Only the stacks a change affects are planned. When the code is the same on both sides (a
stack-only change, or the trusted run, which judges stack files with the base branch's code),
base and head are planned in this one process: the SDKs are imported once, and a platform
whose file did not change is planned once for both sides. When the program itself changed and
this process runs the head's code, the base is planned with the base's own code in a child
process (``infra.plan.base``), as ``teamstack plan --base`` does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra.errors import CheckFailed
from infra.plan import consumers
from infra.plan.diff import diff_plans
from infra.plan.render import PlanReport, to_json
from infra.problems import Problem
from infra.review.workspace import Sides
from infra.stackfile import LoadedStack, load


@dataclass
class Review:
    """The outcome of reviewing one change."""

    sides: Sides
    trusted: bool
    problems: list[Problem] = field(default_factory=list)
    report: PlanReport | None = None
    planned: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems) or bool(self.report and self.report.violation_count)


def _shown(problem: Problem, stacks: Path) -> Problem:
    """Problems name the file as it is in the repository, not the temporary copy."""
    file = Path(problem.file)
    shown = f"stacks/{file.name}" if file.parent == stacks else problem.file
    return replace(problem, file=shown, message=problem.message.replace(str(stacks), "stacks"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Planner:
    """Plans stacks in this process, remembering platform outputs by file content: identical
    platform files under identical code give identical outputs."""

    def __init__(self) -> None:
        self.outputs_by_digest: dict[str, dict[str, Any]] = {}

    def platform_outputs(self, stacks: Path, names: set[str]) -> dict[str, dict[str, Any]]:
        from infra.plan.runner import plan_stack

        found: dict[str, dict[str, Any]] = {}
        for name in sorted(names):
            path = stacks / f"Pulumi.{name}.yaml"
            if not path.exists():
                continue
            digest = _digest(path)
            if digest not in self.outputs_by_digest:
                loaded = load(path, stacks).stack
                if loaded is None:
                    continue  # the team's own validation names the broken platform
                self.outputs_by_digest[digest] = plan_stack(loaded, {}).outputs
            found[name] = self.outputs_by_digest[digest]
        return found

    def plan(self, stacks: Path, loaded: list[LoadedStack]) -> PlanReport:
        from infra.plan.orchestrate import plan_loaded

        asked = {s.stack for s in loaded}
        needed = {s.team.platform_stack for s in loaded if s.kind == "team"} - asked
        result = plan_loaded(loaded, extra_outputs=self.platform_outputs(stacks, needed))
        for graph in result.graphs:
            path = stacks / f"Pulumi.{graph.stack}.yaml"
            if graph.stack.startswith("platform-") and path.exists():
                self.outputs_by_digest.setdefault(_digest(path), graph.outputs)
        report = PlanReport(result.graphs)
        consumers.attach(report, {s.stack: s for s in loaded})
        return report


def _load_side(stacks: Path, names: list[str]) -> tuple[list[LoadedStack], list[Problem]]:
    loaded: list[LoadedStack] = []
    problems: list[Problem] = []
    for name in names:
        path = stacks / f"Pulumi.{name}.yaml"
        if not path.exists():
            continue
        result = load(path, stacks)
        problems.extend(_shown(p, stacks) for p in result.problems)
        if result.stack is not None:
            loaded.append(result.stack)
    return loaded, problems


def _by_stack(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {s["stack"]: s["resources"] for s in doc.get("stacks", [])}


def review(sides: Sides, *, root: Path, trusted: bool) -> Review:
    """Validate and plan the affected stacks of ``sides`` and diff them against the base.

    ``trusted``: this process runs the base branch's code and judges the head's stack files
    as data, so code changes are not evaluated (they are the platform owners' to review).
    """
    changes = sides.changes
    outcome = Review(sides, trusted)
    head_names = [a.stack for a in changes.deploy]
    base_names = head_names + [a.stack for a in changes.destroy]
    head_loaded, outcome.problems = _load_side(sides.head_stacks, head_names)
    if outcome.problems:
        return outcome
    outcome.planned = head_names
    if not base_names:
        return outcome
    planner = _Planner()
    report = planner.plan(sides.head_stacks, head_loaded) if head_loaded else PlanReport([])
    if changes.code_changed and not trusted:
        from infra.plan.base import plan_at_revision

        base_doc = plan_at_revision(root, sides.base_commit, base_names)
    else:
        # A base stack that no longer validates (e.g. the pull request fixes it) is absent.
        base_loaded, _ = _load_side(sides.base_stacks, base_names)
        base_report = planner.plan(sides.base_stacks, base_loaded) if base_loaded else \
            PlanReport([])
        base_doc = json.loads(to_json(base_report))
    head_doc = json.loads(to_json(PlanReport(report.graphs)))
    report.base = sides.base_commit[:12]
    report.diffs = diff_plans(_by_stack(base_doc), _by_stack(head_doc))
    consumers.attach_cost_diff(report, base_doc)
    outcome.report = report
    return outcome


def raise_if_failed(outcome: Review) -> None:
    if outcome.problems:
        raise CheckFailed("stack files do not validate", [str(p) for p in outcome.problems])
    if outcome.report and outcome.report.violation_count:
        raise CheckFailed("guardrails failed", [
            f"guardrails: {outcome.report.violation_count} violation(s); see the review"])
