"""``teamstack validate [FILE|DIR...]``: check stack files, one line per problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.cliutil import ExitCode
from infra.errors import CheckFailed, UserError
from infra.problems import shown_path, summary
from infra.repo import stacks_dir
from infra.stackfile import load, stack_files


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate", help="check stack files (default: every file under stacks/)",
        description="Check stack files against the request schema and cross-field rules. "
                    "Each problem is one line FILE:LINE:COL: error: field.path: message.")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE|DIR",
                        help="stack files, or folders whose stack files to check "
                             "(default: stacks/)")
    parser.set_defaults(func=run)


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the stack files in it (``validate stacks/``)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.name.endswith((".yaml", ".yml")):
            found = stack_files(path)
            if not found:
                raise UserError(f"{shown_path(path)}: no stack files (Pulumi.<stack>.yaml) in "
                                "this folder")
            out.extend(found)
        else:
            out.append(path)
    return out


def run(args: argparse.Namespace) -> int:
    files: list[Path] = expand(args.files) if args.files else stack_files(stacks_dir())
    problems = []
    for path in files:
        problems.extend(load(path).problems)
    if problems:
        line = summary(len(problems), len({p.file for p in problems}), len(files))
        raise CheckFailed(line, [str(p) for p in problems] + [line])
    print(f"{len(files)} stack file{'s' if len(files) != 1 else ''} valid", file=sys.stderr)
    return ExitCode.OK
