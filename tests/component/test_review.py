"""`teamstack review` on real temporary git repositories: what it plans and what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.cli import main
from infra.review.comment import CODE_BANNER, MARKER
from tests.gitrepo import commit_all, git, make_repo

TEAM = "stacks/Pulumi.insights-prod.yaml"


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_repo(tmp_path / "repo")
    git(path, "checkout", "-q", "-b", "pr")
    monkeypatch.chdir(path)
    return path


def run(repo: Path, *args: str) -> tuple[int, str]:
    out = repo.parent / "comment.md"
    code = main(["review", "--base", "main", "--trusted", "--output", str(out), *args])
    return code, out.read_text(encoding="utf-8")


def test_an_invalid_stack_file_fails_with_its_lines_and_plans_nothing(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / TEAM
    path.write_text(path.read_text().replace("profile: interactive", "profile: interactiv"))
    commit_all(repo, "typo")
    code, text = run(repo)
    assert code == 1
    assert text.startswith(MARKER)
    assert f"{TEAM}:" in text and "unknown profile 'interactiv'" in text
    assert "/tmp" not in text and "teamstack-change-" not in text
    assert "### Stacks" not in text  # nothing planned
    assert f"{TEAM}:" in capsys.readouterr().err


def test_a_documentation_change_plans_nothing_and_says_it_changes_code(repo: Path) -> None:
    (repo / "README.md").write_text("better docs\n")
    commit_all(repo, "docs")
    code, text = run(repo)
    assert code == 0
    assert CODE_BANNER in text and "`README.md`" in text
    assert "No stack is affected by this change." in text


def test_a_stack_only_change_has_no_code_banner(repo: Path) -> None:
    path = repo / TEAM
    path.write_text(path.read_text().replace("monthly_usd: 3000", "monthly_usd: 3100"))
    commit_all(repo, "budget")
    code, text = run(repo)
    assert code == 0
    assert CODE_BANNER not in text
    assert "| insights-prod | team | edited |" in text
    assert "`limitAmount`" in text  # the diff against the base names the changed input
    assert "platform-prod" not in text.split("### Stacks")[1]  # only the team is shown


def test_a_deleted_stack_is_shown_for_destroy_review(repo: Path) -> None:
    (repo / TEAM).unlink()
    commit_all(repo, "delete")
    code, text = run(repo)
    assert code == 0
    assert "**deleted**: listed for `pulumi destroy` review" in text
    assert re.search(r"^\| insights-prod \| 0 \| [1-9]\d* \| 0 \|$", text, re.MULTILINE)


def test_a_bad_revision_is_one_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--base", "nope"]) == 1
    assert capsys.readouterr().err.strip().endswith("'nope' is not a commit in "
                                                    f"{repo.resolve()}")


def test_a_new_team_from_teamstack_new_gets_a_passing_review(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The self-service path end to end: `new` writes the file, the review plans it."""
    assert main(["new", "nlp", "--environment", "prod", "--profile", "experiment",
                 "--members", "alice:alice@example.com"]) == 0
    commit_all(repo, "Ask for nlp's prod environment")
    code, text = run(repo)
    assert code == 0, text
    assert "| nlp-prod | team | added |" in text
    assert re.search(r"^\| nlp-prod \| [1-9]\d* \| 0 \| 0 \|$", text, re.MULTILINE)
    assert "**Guardrails:** ✅ all passed" in text
