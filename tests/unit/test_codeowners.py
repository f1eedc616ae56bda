"""CODEOWNERS is generated from the stacks' owners, and the committed file is never stale."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

import pytest

from infra.cli import main

ROOT = Path(__file__).resolve().parents[2]


def owners_of(codeowners: str, path: str) -> list[str]:
    """GitHub's rule for the patterns used here: the last matching line wins."""
    found: list[str] = []
    for line in codeowners.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        if pattern == "*" or fnmatch.fnmatch("/" + path, pattern):
            found = owners
    return found


def test_committed_codeowners_is_up_to_date(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["codeowners", "--check"]) == 0, (
        "stale .github/CODEOWNERS: run `teamstack codeowners` (make codeowners) and commit it")


def test_each_file_goes_to_its_owners() -> None:
    text = (ROOT / ".github" / "CODEOWNERS").read_text()
    assert owners_of(text, "stacks/Pulumi.vision-prod.yaml") == ["@acme/vision-leads"]
    assert owners_of(text, "stacks/Pulumi.insights-prod.yaml") == ["@acme/insights"]
    for path in ("stacks/Pulumi.platform-prod.yaml", "infra/program.py",
                 ".github/workflows/review.yml", ".github/CODEOWNERS", "pyproject.toml",
                 "stacks/Pulumi.newteam-prod.yaml"):
        assert owners_of(text, path) == ["@acme/platform"], path


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_changed_owner_makes_the_file_stale_until_regenerated(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = repo / "stacks" / "Pulumi.insights-prod.yaml"
    stack.write_text(stack.read_text().replace('["@acme/insights"]',
                                               '["@acme/insights", "@carol"]'))
    assert main(["codeowners", "--check"]) == 1
    assert "CODEOWNERS is stale" in capsys.readouterr().err
    assert main(["codeowners"]) == 0
    text = (repo / ".github" / "CODEOWNERS").read_text()
    assert owners_of(text, "stacks/Pulumi.insights-prod.yaml") == ["@acme/insights", "@carol"]
    assert main(["codeowners", "--check"]) == 0


def test_an_invalid_stack_file_writes_nothing(repo: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    before = (repo / ".github" / "CODEOWNERS").read_text()
    stack = repo / "stacks" / "Pulumi.insights-prod.yaml"
    stack.write_text(stack.read_text().replace('["@acme/insights"]', '["acme insights"]'))
    assert main(["codeowners"]) == 1
    assert "Pulumi.insights-prod.yaml:" in capsys.readouterr().err
    assert (repo / ".github" / "CODEOWNERS").read_text() == before
