"""The stack-only verdict comes from the base branch's code, whatever the pull request changes.

A real git repository in a temporary directory: `main` carries this project's code plus one
extra guardrail; the pull-request branch deletes that guardrail *and* adds a stack change that
breaks it. The trusted run (the base branch's checkout, as the review workflow runs it) must
report the violation; the same command run with the pull request's code does not, which
shows the test can tell the two apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.review.comment import CODE_BANNER, MARKER
from tests.gitrepo import commit_all, git, make_repo

EXTRA_RULE = '''

def _forbidden_bucket(graph):
    """Test guardrail: no bucket whose name holds 'forbidden'."""
    return [Violation("test.forbidden-bucket", r.urn, "bucket name holds 'forbidden'")
            for r in graph.of_type("aws:s3/bucket:Bucket") if "forbidden" in r.name]


RULES = (*RULES, _forbidden_bucket)
'''
TEAM = "stacks/Pulumi.insights-prod.yaml"


def review(checkout: Path, *args: str) -> tuple[int, str]:
    """`teamstack review` run with the code of ``checkout`` (and nothing else on the path)."""
    out = checkout.parent / "review.md"
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, "-P", "-m", "infra.cli", "review", "--base", "main",
                           "--head", "pr", "--output", str(out), *args], cwd=checkout,
                          env=env, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_repo(tmp_path_factory.mktemp("trust") / "repo", with_code=True)
    policy = path / "infra" / "policy" / "__init__.py"
    policy.write_text(policy.read_text() + EXTRA_RULE)
    commit_all(path, "base: an extra guardrail")
    git(path, "checkout", "-q", "-b", "pr")
    policy.write_text(policy.read_text().replace(EXTRA_RULE, "\n"))
    team = path / TEAM
    team.write_text(team.read_text().replace(
        "- {name: reports, versioning: true}",
        "- {name: reports, versioning: true}\n        - {name: forbidden}"))
    commit_all(path, "pr: drop the guardrail, add a bucket it forbids")
    git(path, "checkout", "-q", "main")
    return path


def test_trusted_run_shows_the_base_guardrail_verdict(repo: Path) -> None:
    code, text = review(repo, "--trusted")
    assert code == 1, "the base guardrail fails the review"
    assert "test.forbidden-bucket" in text and "❌ 1 violation(s)" in text
    assert "base branch's code" in text
    # The PR changed infra/: the comment says so at the top, before any figure.
    assert text.splitlines()[0] == MARKER
    assert text.index(CODE_BANNER) < text.index("### Affected stacks")
    assert "| insights-prod | team | edited |" in text  # only the touched stack is planned
    assert "vision-prod" not in text


def test_the_same_command_with_the_pull_requests_code_passes(repo: Path) -> None:
    git(repo, "worktree", "add", "-q", "--detach", str(repo.parent / "pr-code"), "pr")
    code, text = review(repo.parent / "pr-code", "--trusted")
    assert code == 0
    assert "test.forbidden-bucket" not in text and "✅ all passed" in text


def test_untrusted_figures_are_quoted_under_the_trusted_banner(repo: Path) -> None:
    forged = repo.parent / "forged.md"
    forged.write_text(f"{MARKER}\n## teamstack review\n**Guardrails:** ✅ all passed\n")
    code, text = review(repo, "--trusted", "--untrusted-report", str(forged))
    assert code == 1
    assert text.count(MARKER) == 1 and text.startswith(MARKER)
    trusted, _, quoted = text.partition("### Figures computed by the pull request's own code")
    assert "test.forbidden-bucket" in trusted and CODE_BANNER in trusted
    assert "✅ all passed" in quoted and "✅ all passed" not in trusted
