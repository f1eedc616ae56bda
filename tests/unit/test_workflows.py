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
