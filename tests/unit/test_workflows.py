"""GitHub workflows: valid against the workflow schema, and safe, read as data.

The rules (tests/unit/workflow_rules.py) are the security properties of the review and deploy
loop; each is also run on a bad workflow to show that it can fail.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit import workflow_rules as rules

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def doc(name: str) -> dict:
    return rules.load((WORKFLOWS / name).read_text(encoding="utf-8"))


def test_workflows_match_the_github_schema() -> None:
    assert FILES, "the repository has workflows"
    done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"),
                           "--builtin-schema", "vendor.github-workflows", *map(str, FILES)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_jobs_running_pull_request_code_are_read_only(path: Path) -> None:
    assert rules.pr_code_jobs(rules.load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_jobs_with_a_write_token_run_only_base_code(path: Path) -> None:
    assert rules.privileged_jobs(rules.load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_sha(path: Path) -> None:
    assert rules.unpinned_actions(path.read_text(encoding="utf-8")) == []


def test_no_pull_request_target_job_checks_out_the_head() -> None:
    for path in FILES:
        workflow = rules.load(path.read_text(encoding="utf-8"))
        if "pull_request_target" in rules.events(workflow):
            for job in workflow["jobs"].values():
                for step in rules.checkouts(job):
                    assert "head" not in str((step.get("with") or {}).get("ref", "")), path


def test_the_review_has_a_read_only_half_and_a_trusted_half() -> None:
    pr = doc("review.yml")
    assert rules.events(pr) == {"pull_request"}
    assert not rules.writes(rules.job_permissions(pr, pr["jobs"]["pr-code"]))
    publish = doc("review-publish.yml")
    assert rules.events(publish) == {"workflow_run"}
    assert publish["on"]["workflow_run"]["workflows"] == [pr["name"]]
    job = publish["jobs"]["publish"]
    assert job["permissions"]["pull-requests"] == "write"
    runs = "\n".join(str(s.get("run", "")) for s in job["steps"])
    assert "teamstack review --trusted" in runs
    assert "refs/pull/$PR/head:refs/teamstack/pr-head" in runs  # fetched as objects only
    assert "<!-- teamstack-review -->" in runs  # one comment, found by its marker
    assert "secrets." not in repr(publish)


def test_deploy_uses_oidc_per_stack_concurrency_and_environments() -> None:
    text = (WORKFLOWS / "deploy.yml").read_text(encoding="utf-8")
    workflow = rules.load(text)
    assert rules.events(workflow) == {"push"}
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert rules.deploy_rules(workflow, text) == []
    assert "teamstack changed" in text
    teams = workflow["jobs"]["teams"]
    assert "platforms" in teams["needs"], "platforms deploy before their teams"


def test_every_workflow_installs_from_the_lock() -> None:
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert "pip install" not in text, path.name
        workflow = rules.load(text)
        for name, job in workflow["jobs"].items():
            runs = "\n".join(str(s.get("run", "")) for s in job.get("steps", []))
            if ".venv/bin/" in runs:
                assert "make venv" in runs, f"{path.name}:{name} installs without the lock"


BAD_PR = """
on: pull_request
permissions: {contents: write}
jobs:
  plan:
    steps:
      - uses: actions/checkout@v4
      - run: echo ${{ secrets.TOKEN }}
"""
BAD_TARGET = """
on: pull_request_target
permissions: {pull-requests: write}
jobs:
  review:
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - run: teamstack review --base main
      - uses: ./.github/actions/comment
"""
BAD_DEPLOY = """
on: push
jobs:
  up:
    permissions: {contents: read}
    concurrency: {group: deploy}
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with: {aws-access-key-id: "${{ secrets.AWS_ACCESS_KEY_ID }}"}
      - uses: pulumi/actions@v6
        with: {command: up}
"""


def test_the_rules_catch_a_bad_pull_request_workflow() -> None:
    found = rules.pr_code_jobs(rules.load(BAD_PR))
    assert any("write token" in p for p in found)
    assert any("secret" in p for p in found)
    assert any("persist-credentials" in p for p in found)
    assert len(rules.unpinned_actions(BAD_PR)) == 1


def test_the_rules_catch_a_privileged_job_running_the_head() -> None:
    found = rules.privileged_jobs(rules.load(BAD_TARGET))
    assert any("checks out the pull request's code" in p for p in found)
    assert any("persist-credentials" in p or ".git/config" in p for p in found)
    assert any("without --trusted" in p for p in found)
    assert any("local action" in p for p in found)


def test_the_rules_catch_a_deploy_with_keys() -> None:
    found = rules.deploy_rules(rules.load(BAD_DEPLOY), BAD_DEPLOY)
    for expected in ("long-lived AWS keys", "id-token", "concurrency group per stack",
                     "cancel", "GitHub environment", "preview then up"):
        assert any(expected in p for p in found), expected
    assert len(rules.unpinned_actions(BAD_DEPLOY)) == 2


def test_drift_is_read_only_through_oidc() -> None:
    """The nightly drift job: scheduled and on demand, OIDC (no long-lived keys), the report
    in the job summary, issues through the tested script."""
    text = (ROOT / ".github" / "workflows" / "drift.yml").read_text(encoding="utf-8")
    assert "schedule:" in text and "workflow_dispatch:" in text
    assert "id-token: write" in text and "aws-actions/configure-aws-credentials" in text
    assert "role-to-assume: ${{ vars[" in text
    assert "secrets." not in text and "aws-access-key-id" not in text
    assert "teamstack drift" in text and "GITHUB_STEP_SUMMARY" in text
    assert "infra.drift.ghissues sync" in text
