"""What every ``teamstack`` command shares: exit codes by name, consoles, progress bars, paths
as the user knows them, checks of output paths and numbers before any work starts.

One module so that the promise of the README (0 success, 1 the input is wrong or a check
failed, 2 the tool could not run; one line per problem, no traceback) is kept in one place.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console

from infra.errors import UserError
from infra.problems import shown_path

if TYPE_CHECKING:
    from rich.progress import TaskID

__all__ = ["ExitCode", "Parser", "Progress", "shown_path", "wide_console"]

# Piped or logged output is this wide, so tables and file names are not cut at 80 columns.
PIPE_WIDTH = 200


class ExitCode(IntEnum):
    """The exit codes the README promises."""

    OK = 0
    INPUT = 1        # the input is wrong or a check failed
    CANNOT_RUN = 2   # environment, credentials, a service down
    INTERRUPTED = 130


class _Console(Console):
    """rich's console, but a closed pipe is a normal end (rich itself exits 1 there)."""

    def on_broken_pipe(self) -> None:
        quiet_broken_pipe()
        raise BrokenPipeError


def wide_console(*, stderr: bool = False) -> Console:
    """A console that does not squeeze tables to 80 columns when output is piped or logged."""
    console = _Console(stderr=stderr)
    return console if console.is_terminal else _Console(stderr=stderr, width=PIPE_WIDTH)


class Progress:
    """A progress bar when stderr is a terminal; silent in CI logs and pipes.

    ``label`` stands before the bar. ``total`` is the number of ``tick`` calls to come, shown
    as done/total, and no bar is drawn for none; ``None`` when the count is not known in
    advance (drift's batched live reads), so the bar only pulses. ``description`` is the text
    after the bar until the first tick. The bar is drawn on stderr, always: stdout carries the
    result, and ``plan --format json > plan.json`` run from a terminal must get only JSON.
    """

    def __init__(self, label: str, total: int | None, *, description: str = "") -> None:
        self.bar = None
        if (total is None or total >= 1) and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn
            from rich.progress import Progress as Bar

            columns: list[ProgressColumn] = [TextColumn(label), BarColumn()]
            if total is not None:
                columns.append(MofNCompleteColumn())
            columns.append(TextColumn("{task.description}"))
            self.bar = Bar(*columns, transient=True, console=Console(stderr=True))
            self.task: TaskID = self.bar.add_task(description, total=total)

    def __enter__(self) -> Progress:
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()

    def tick(self, label: str) -> None:
        """One step done; ``label`` (the stack or group just finished) follows the bar."""
        if self.bar:
            self.bar.update(self.task, advance=1, description=label)


class Parser(argparse.ArgumentParser):
    """argparse, but bad usage is bad input: exit 1 with one line, not argparse's 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(ExitCode.INPUT)


def add_change_range(parser: argparse.ArgumentParser, *, base: str, head: str) -> None:
    """``--base REV`` (required) and ``--head REV`` (default HEAD): the two commits of a
    change, taken alike by every command that opens a ``ChangeWorkspace`` (``changed``,
    ``review``). ``base`` and ``head`` are the help texts: what each side is for that command.
    """
    parser.add_argument("--base", required=True, metavar="REV", help=base)
    parser.add_argument("--head", default="HEAD", metavar="REV", help=f"{head} (default HEAD)")


def check_output_file(flag: str, path: Path) -> None:
    """Refuse an output file that cannot be written, before any work is done."""
    if path.is_dir():
        raise UserError(f"{flag} {shown_path(path)}: is a directory; give a file name")
    parent = _existing_ancestor(path.parent)
    if not parent.is_dir():
        raise UserError(f"{flag} {shown_path(path)}: {shown_path(parent)} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{flag} {shown_path(path)}: cannot write in {shown_path(parent)}")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{flag} {shown_path(path)}: the file is not writable")


def check_output_dir(flag: str, path: Path) -> None:
    """Refuse an output directory that is a file or cannot be created, before any work."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{flag} {shown_path(path)}: is a file, not a directory")
    parent = _existing_ancestor(path)
    if not parent.is_dir():
        raise UserError(f"{flag} {shown_path(path)}: {shown_path(parent)} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"{flag} {shown_path(path)}: cannot write in {shown_path(parent)}")


def _existing_ancestor(path: Path) -> Path:
    probe = path if str(path) else Path(".")
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_number(flag: str, value: float, *, low: float, high: float,
                 unit: str = "") -> float:
    """A finite number in [low, high], or one line naming the flag (NaN named as NaN)."""
    if math.isnan(value):
        raise UserError(f"{flag} NaN: not a number")
    shown = ("infinity" if value > 0 else "-infinity") if math.isinf(value) else f"{value:g}"
    if value < low:
        raise UserError(f"{flag} {shown}: must be {low:g} or more")
    if value > high:
        raise UserError(f"{flag} {shown}: must be at most {high:g}{unit}")
    return value


def finite_json(value: object) -> object:
    """Data with every non-finite float replaced by null: JSON has no Infinity or NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value


def quiet_broken_pipe() -> None:
    """The reader of our output went away (``| head``): stop writing, exit quietly.

    Python flushes stdout again at shutdown and would print "Exception ignored" there, so
    stdout is pointed at /dev/null first.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
