"""GitHub workflows are valid against the workflow schema (vendored, checked offline)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_workflows_match_the_github_schema() -> None:
    files = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert files, "the repository has workflows"
    done = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"),
                           "--builtin-schema", "vendor.github-workflows", *map(str, files)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_review_needs_no_secrets() -> None:
    text = (ROOT / ".github" / "workflows" / "review.yml").read_text(encoding="utf-8")
    assert "secrets." not in text, "the review must work for pull requests from forks"
    assert "teamstack plan" in text and "--base" in text


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
