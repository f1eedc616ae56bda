"""`teamstack drift` on the command line: the policy, and bad input as one line, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli import main
from infra.drift.policy import is_read_only

ROOT = Path(__file__).resolve().parents[2]


def test_print_policy_is_read_only_and_scoped_to_the_backend(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--print-policy", "--backend", "s3://acme-state/prod"]) == 0
    document = json.loads(capsys.readouterr().out)
    actions = [a for s in document["Statement"] for a in s["Action"]]
    assert all(is_read_only(a) for a in actions)
    assert "arn:aws:s3:::acme-state/*" in document["Statement"][-1]["Resource"]


def test_no_backend_is_a_user_error(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PULUMI_BACKEND_URL", raising=False)
    monkeypatch.chdir(ROOT)
    assert main(["drift"]) == 1
    assert "no backend" in capsys.readouterr().err


def test_an_unknown_stack_and_a_bad_ignore_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["drift", "--backend", f"file://{tmp_path}", "--stack", "nope-prod"]) == 1
    assert "--stack nope-prod: no stack file" in capsys.readouterr().err
    bad = tmp_path / "driftignore.yaml"
    bad.write_text("ignore:\n  - resource: x\n    expires: 2027-01-01\n")
    assert main(["drift", "--backend", f"file://{tmp_path}", "--ignore-file", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{bad}:2: error: ignore[0].reason: required"]


def test_a_bad_backend_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drift", "--backend", "gs://bucket"]) == 1
    assert "expected s3://BUCKET" in capsys.readouterr().err


def test_a_stack_without_state_is_an_error_and_the_report_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The whole command (plan, file:// backend, report) without touching AWS: no state was
    read, so there is nothing to look up live."""
    monkeypatch.chdir(ROOT)
    out = tmp_path / "drift.json"
    code = main(["drift", "--backend", f"file://{tmp_path}", "--stack", "insights-prod",
                 "--format", "json", "--output", str(out)])
    assert code == 1
    (stack,) = json.loads(out.read_text())["stacks"]
    assert (stack["stack"], stack["status"]) == ("insights-prod", "error")
    assert "no state for stack insights-prod" in stack["reason"]
