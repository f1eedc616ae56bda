"""The ``teamstack`` command line: parse, call, render, exit code.

Each sub-command lives in its own module under ``infra.commands`` and exposes
``register(subparsers)``; this module only wires them together and maps errors to exit codes
(``infra.cliutil.ExitCode``: 0 success, 1 bad input or failed check, bad usage included,
2 the tool could not run). No traceback reaches a user for bad input, and a reader that
closes the pipe early (``| head``) ends the command quietly.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from infra.cliutil import ExitCode, Parser, quiet_broken_pipe
from infra.errors import ToolError, UserError

# Sub-command modules, in the order `teamstack --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "infra.commands.validate",
    "infra.commands.plan",
    "infra.commands.schema",
    "infra.commands.profiles",
    "infra.commands.simulate",
    "infra.commands.prices",
    "infra.commands.trace",
    "infra.commands.changed",
    "infra.commands.review",
    "infra.commands.codeowners",
    "infra.commands.new",
    "infra.commands.drift",
)


def build_parser() -> Parser:
    parser = Parser(
        prog="teamstack",
        description="Provision and review data-science team environments (offline unless stated).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(argv)
    except BrokenPipeError:
        quiet_broken_pipe()
        return ExitCode.OK


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter shutdown
        return code
    except UserError as exc:
        for line in exc.lines:
            print(line, file=sys.stderr)
        return ExitCode.INPUT
    except ToolError as exc:
        print(f"teamstack: error: {exc}", file=sys.stderr)
        return ExitCode.CANNOT_RUN
    except KeyboardInterrupt:
        print("teamstack: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":  # pragma: no cover - exercised through the console script
    sys.exit(main())
