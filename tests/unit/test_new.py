"""`teamstack new`: a first stack file that validates, never overwrites, and explains itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli import main
from infra.profiles import PROFILE_NAMES
from infra.stackfile import load

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_the_file_validates_for_every_profile(repo: Path, profile: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "nlp", "--environment", "prod", "--profile", profile,
                 "--members", "alice:alice@example.com", "bob@example.com"]) == 0
    path = repo / "stacks" / "Pulumi.nlp-prod.yaml"
    result = load(path, repo / "stacks")
    assert result.problems == []
    request = result.stack.team
    assert request.notebooks.profile == profile and request.desktops.profile == profile
    assert [(m.name, m.email) for m in request.members] == [
        ("alice", "alice@example.com"), ("bob", "bob@example.com")]
    assert request.owners == ["@acme/nlp"]  # the platform owners' organisation
    out = capsys.readouterr().out
    assert "Next steps" in out and "git switch -c request/nlp-prod" in out
    assert "pull request" in out


def test_the_file_is_commented_and_passes_yamllint(repo: Path) -> None:
    assert main(["new", "nlp", "-e", "prod", "--notify", "nlp-leads@example.com"]) == 0
    path = repo / "stacks" / "Pulumi.nlp-prod.yaml"
    text = path.read_text()
    assert text.count("#") >= 10 and "docs/request-reference.md" in text
    assert load(path, repo / "stacks").stack.team.members == []
    done = subprocess.run([str(Path(sys.executable).parent / "yamllint"), "-s", "-c",
                           str(ROOT / ".yamllint"), str(path)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout


def test_refuses_to_overwrite(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = repo / "stacks" / "Pulumi.insights-prod.yaml"
    before = path.read_bytes()
    assert main(["new", "insights", "-e", "prod", "--members", "a@example.com"]) == 1
    assert path.read_bytes() == before
    assert capsys.readouterr().err.strip() == (
        "stacks/Pulumi.insights-prod.yaml already exists; edit it instead (nothing written)")


def _validator_message(repo: Path, team: str) -> str:
    """What `teamstack validate` says about this team name in a stack file."""
    probe = repo / "probe" / "Pulumi.x-prod.yaml"
    probe.parent.mkdir(exist_ok=True)
    text = (repo / "stacks" / "Pulumi.insights-prod.yaml").read_text()
    probe.write_text(text.replace("team: insights", f"team: '{team}'"))
    found = [p for p in load(probe, repo / "stacks").problems if p.path == "team"]
    assert found, team
    return found[0].message


@pytest.mark.parametrize("team", ["NLP", "n", "nlp_team", "nlp-", "nlp--x", "../etc",
                                  "a-very-long-team-name-indeed"])
def test_refuses_bad_team_names_with_the_validators_message(
        repo: Path, team: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(p.name for p in (repo / "stacks").iterdir())
    assert main(["new", team, "-e", "prod", "--members", "a@example.com"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"team {team!r}: {_validator_message(repo, team)}"
    assert "Traceback" not in err
    assert sorted(p.name for p in (repo / "stacks").iterdir()) == before


def test_needs_a_budget_recipient(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "nlp", "-e", "prod"]) == 1
    assert "--members" in capsys.readouterr().err
    assert not (repo / "stacks" / "Pulumi.nlp-prod.yaml").exists()


def test_needs_the_environments_platform(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "nlp", "-e", "dev", "--members", "a@example.com"]) == 1
    assert "stacks/Pulumi.platform-dev.yaml does not exist" in capsys.readouterr().err


def test_a_bad_member_is_one_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "nlp", "-e", "prod", "--members", "alice"]) == 1
    assert capsys.readouterr().err.strip().startswith("--members 'alice': expected NAME:EMAIL")


def test_a_value_the_schema_refuses_writes_nothing(repo: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "nlp", "-e", "prod", "--members", "Alice:alice@example.com"]) == 1
    err = capsys.readouterr().err
    assert "Pulumi.nlp-prod.yaml:" in err and "members[0].name" in err
    assert err.strip().endswith("nothing written")
    assert not (repo / "stacks" / "Pulumi.nlp-prod.yaml").exists()
