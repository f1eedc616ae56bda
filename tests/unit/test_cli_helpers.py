"""The shared CLI helpers: exit codes by name, usage errors, output checks, numbers, JSON,
progress for one stack, where `prices refresh` writes."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest

import infra.cli
from infra.cliutil import (
    ExitCode,
    Parser,
    Progress,
    check_number,
    check_output_dir,
    check_output_file,
    finite_json,
    wide_console,
)
from infra.commands.prices import CATALOG_IN_REPO, refresh_target
from infra.errors import UserError
from infra.problems import Problem, shorten, shown_path

ROOT = Path(__file__).resolve().parents[2]


def test_exit_codes_are_the_readmes() -> None:
    assert (ExitCode.OK, ExitCode.INPUT, ExitCode.CANNOT_RUN) == (0, 1, 2)


def test_usage_error_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    parser = Parser(prog="t")
    parser.add_argument("--n", type=int, required=True)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--n", "x"])
    assert stop.value.code == ExitCode.INPUT
    assert "t: error: argument --n: invalid int value: 'x'" in capsys.readouterr().err


def test_every_command_parses_usage_errors_as_input_errors(
        capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["validate", "--nope"], ["plan", "--jobs", "0"], ["simulate"],
                 ["profiles", "--format", "xml"], ["prices"], []):
        with pytest.raises(SystemExit) as stop:
            infra.cli.main(argv)
        assert stop.value.code == ExitCode.INPUT, argv
    assert "Traceback" not in capsys.readouterr().err


def test_output_checks_refuse_before_work(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserError, match="is a directory"):
        check_output_file("--output", tmp_path)
    with pytest.raises(UserError, match="is not a directory"):
        check_output_file("--output", tmp_path / "file" / "plan.txt")
    with pytest.raises(UserError, match="is a file, not a directory"):
        check_output_dir("--manifests", tmp_path / "file")
    check_output_file("--output", tmp_path / "new" / "deeper" / "plan.txt")  # created later
    check_output_dir("--manifests", tmp_path / "out")
    assert not (tmp_path / "new").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("value", "message"), [
    (math.nan, "--x NaN: not a number"), (math.inf, "--x infinity: must be at most 10"),
    (-1.0, "--x -1: must be 0 or more"), (11.0, "--x 11: must be at most 10")])
def test_numbers_are_bounded_and_nan_is_named(value: float, message: str) -> None:
    with pytest.raises(UserError) as caught:
        check_number("--x", value, low=0, high=10)
    assert str(caught.value) == message
    assert check_number("--x", 10.0, low=0, high=10) == 10.0


def test_json_never_holds_infinity_or_nan() -> None:
    data = finite_json({"a": math.inf, "b": [1.0, math.nan, {"c": -math.inf}], "d": "x"})
    assert json.dumps(data, allow_nan=False) == \
        '{"a": null, "b": [1.0, null, {"c": null}], "d": "x"}'


def test_problem_is_one_escaped_short_line() -> None:
    line = str(Problem("a\nb.yaml", 3, 4, "x.y", "bad \x1b[31m value " + "v" * 5000))
    assert "\n" not in line and "\x1b" not in line and len(line) < 400
    assert line.startswith("a\\nb.yaml:3:4: error: x.y: bad \\x1b[31m value ")
    assert shorten("abcdefghij", 8) == "abc...ij"


def test_paths_are_shown_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert shown_path(tmp_path / "stacks" / "x.yaml") == "stacks/x.yaml"
    assert shown_path("/dev/zero") == "/dev/zero"
    assert shown_path("rel/x") == "rel/x"


def test_piped_console_is_wide() -> None:
    assert wide_console().width >= 160  # pytest captures stdout: not a terminal


def test_progress_shows_for_a_single_stack_on_a_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with Progress("planning", 1) as progress:  # as `plan` makes it
        assert progress.bar is not None
        progress.tick("insights-prod")
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)
    assert Progress("planning", 1).bar is None


def test_plan_json_redirected_from_a_terminal_holds_only_json(tmp_path: Path) -> None:
    """The bar goes to stderr: run under a pseudo-terminal with stdout redirected to a file,
    the file is the JSON plan from its first byte (it once began with the bar's blank line)."""
    import pty
    import subprocess
    import sys as _sys
    import threading

    out = tmp_path / "plan.json"
    primary, secondary = pty.openpty()
    terminal: list[bytes] = []

    def drain() -> None:  # the terminal's side: read what the bar draws, so it never blocks
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:
                return
            if not chunk:
                return
            terminal.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        with out.open("wb") as stdout:
            done = subprocess.run([_sys.executable, "-m", "infra.cli", "plan", "insights-prod",
                                   "--format", "json"], stdout=stdout, stderr=secondary,
                                  stdin=secondary, cwd=ROOT, timeout=300, check=False)
    finally:
        os.close(secondary)
        reader.join(timeout=10)
        os.close(primary)
    assert done.returncode == 0, b"".join(terminal).decode(errors="replace")[-2000:]
    assert out.read_bytes()[:1] == b"{"
    assert b"planning" in b"".join(terminal), "the bar is drawn on the terminal (stderr)"


def test_progress_without_a_known_total_pulses_and_counts_ticks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # drift cannot know its steps in advance (batched live reads): no total, no "n/total",
    # and a bar even before the first stack; no bar at all for zero known steps.
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    with Progress("drift", None, description="0 stack(s)") as progress:
        assert progress.bar is not None
        progress.tick("state insights-prod")
        progress.tick("ec2")
        task = progress.bar.tasks[0]
        assert (task.total, task.completed, task.description) == (None, 2, "ec2")
    assert Progress("planning", 0).bar is None


def test_prices_refresh_writes_into_the_repository_it_runs_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", repo)
    monkeypatch.chdir(repo / "stacks")
    assert refresh_target(None) == repo.resolve() / CATALOG_IN_REPO
    assert refresh_target(tmp_path / "x.json") == tmp_path / "x.json"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError, match="pass --output"):
        refresh_target(None)
