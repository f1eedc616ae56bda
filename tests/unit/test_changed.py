"""`teamstack changed` against real git repositories built in temporary directories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.cli import main
from tests.gitrepo import commit_all, git, make_repo

TEAM = "stacks/Pulumi.insights-prod.yaml"


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = make_repo(tmp_path / "repo")
    monkeypatch.chdir(path)
    return path


def changed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["changed", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def deploy(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["stack"], d["reason"]) for d in doc["deploy"]]


def test_nothing_changed_lists_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = commit_all(repo, "empty")
    doc = changed(capsys, "--base", base)
    assert doc == {"code_changed": False, "deploy": [], "destroy": [], "other_files": []}


def test_edited_team_stack_is_the_only_one(repo: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    path = repo / TEAM
    path.write_text(path.read_text().replace("3000", "3500"))
    commit_all(repo, "edit")
    doc = changed(capsys, "--base", base)
    assert deploy(doc) == [("insights-prod", "edited")]
    assert doc["deploy"][0]["environment"] == "prod"
    assert doc["deploy"][0]["kind"] == "team"
    assert doc["destroy"] == [] and doc["code_changed"] is False


def test_added_stack_is_listed_as_added(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    text = (repo / TEAM).read_text().replace("team: insights", "team: reports")
    (repo / "stacks/Pulumi.reports-prod.yaml").write_text(text)
    commit_all(repo, "add")
    assert deploy(changed(capsys, "--base", base)) == [("reports-prod", "added")]


def test_renamed_stack_is_an_add_and_a_destroy_review(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    text = (repo / TEAM).read_text().replace("team: insights", "team: research")
    (repo / "stacks/Pulumi.research-prod.yaml").write_text(text)
    (repo / TEAM).unlink()
    commit_all(repo, "rename")
    doc = changed(capsys, "--base", base)
    assert deploy(doc) == [("research-prod", "added")]
    assert [(d["stack"], d["reason"]) for d in doc["destroy"]] == [("insights-prod", "deleted")]


def test_deleted_stack_is_only_listed_for_destroy_review(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / TEAM).unlink()
    commit_all(repo, "delete")
    doc = changed(capsys, "--base", base)
    assert doc["deploy"] == []
    assert doc["destroy"] == [{"stack": "insights-prod", "kind": "team", "environment": "prod",
                               "file": TEAM, "reason": "deleted", "region": "eu-west-1"}]
    capsys.readouterr()
    assert main(["changed", "--base", base]) == 0
    assert "destroy? insights-prod" in capsys.readouterr().out


def test_platform_change_pulls_in_its_teams_after_it(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    # A team on another platform must not be pulled in.
    (repo / "stacks/Pulumi.platform-dev.yaml").write_text(
        (repo / "stacks/Pulumi.platform-prod.yaml").read_text().replace(
            "environment: prod", "environment: dev"))
    (repo / "stacks/Pulumi.insights-dev.yaml").write_text(
        (repo / TEAM).read_text().replace("environment: prod", "environment: dev"))
    commit_all(repo, "dev environment")
    base = git(repo, "rev-parse", "HEAD")
    platform = repo / "stacks/Pulumi.platform-prod.yaml"
    platform.write_text(platform.read_text().replace("CC-0001", "CC-0002"))
    commit_all(repo, "platform")
    assert deploy(changed(capsys, "--base", base)) == [
        ("platform-prod", "edited"),
        ("analytics-prod", "platform platform-prod changed"),
        ("insights-prod", "platform platform-prod changed"),
        ("vision-prod", "platform platform-prod changed")]


def test_team_and_new_platform_in_one_change_deploy_platform_first(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "stacks/Pulumi.platform-dev.yaml").write_text(
        (repo / "stacks/Pulumi.platform-prod.yaml").read_text().replace(
            "environment: prod", "environment: dev"))
    (repo / "stacks/Pulumi.insights-dev.yaml").write_text(
        (repo / TEAM).read_text().replace("environment: prod", "environment: dev"))
    commit_all(repo, "dev")
    assert [d["stack"] for d in changed(capsys, "--base", base)["deploy"]] == [
        "platform-dev", "insights-dev"]


def test_code_change_affects_every_stack(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "infra").mkdir()
    (repo / "infra" / "program.py").write_text("# changed\n")
    (repo / "README.md").write_text("changed\n")
    commit_all(repo, "code")
    doc = changed(capsys, "--base", base)
    assert doc["code_changed"] is True
    assert [d["stack"] for d in doc["deploy"]] == [
        "platform-prod", "analytics-prod", "insights-prod", "vision-prod"]
    assert {d["reason"] for d in doc["deploy"]} == {"code changed"}
    assert doc["other_files"] == ["README.md", "infra/program.py"]


def test_documentation_change_deploys_nothing_but_is_not_stack_only(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("changed\n")
    commit_all(repo, "docs")
    doc = changed(capsys, "--base", base)
    assert doc["deploy"] == [] and doc["code_changed"] is False
    assert doc["other_files"] == ["README.md"]


def test_merge_base_ignores_what_main_did_since(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "checkout", "-q", "-b", "pr")
    path = repo / TEAM
    path.write_text(path.read_text().replace("3000", "3500"))
    commit_all(repo, "pr edit")
    git(repo, "checkout", "-q", "main")
    other = repo / "stacks/Pulumi.vision-prod.yaml"
    other.write_text(other.read_text() + "\n")
    commit_all(repo, "main moves on")
    assert deploy(changed(capsys, "--base", "main", "--head", "pr", "--merge-base")) == [
        ("insights-prod", "edited")]


def test_bad_revision_is_one_line_and_exit_1(repo: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["changed", "--base", "no-such-rev"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["'no-such-rev' is not a commit in " + str(repo.resolve())]


def test_gitattributes_cannot_hide_a_stack_file_from_review(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Stack files are read from the object store, not through `git archive`, whose
    export-ignore / export-subst a pull request could use to hide or rewrite them."""
    base = git(repo, "rev-parse", "HEAD")
    (repo / ".gitattributes").write_text("stacks/* export-ignore\nstacks/* export-subst\n")
    text = (repo / TEAM).read_text().replace("team: insights", "team: hidden")
    (repo / "stacks/Pulumi.hidden-prod.yaml").write_text(text + "# $Format:%H$\n")
    (repo / "stacks/link.yaml").symlink_to("/etc/passwd")
    commit_all(repo, "hide")
    doc = changed(capsys, "--base", base)
    assert deploy(doc) == [("hidden-prod", "added")]
    assert doc["destroy"] == []
    from infra.review.gitrev import extract_stacks

    out = extract_stacks(repo, "HEAD", repo.parent / "extracted")
    assert (out / "Pulumi.hidden-prod.yaml").read_text().endswith("# $Format:%H$\n")
    assert not (out / "link.yaml").exists()
