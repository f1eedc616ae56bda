"""``teamstack validate [FILE...]``: check stack files, one line per problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.errors import CheckFailed
from infra.repo import stacks_dir
from infra.stackfile import load, stack_files


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate", help="check stack files (default: every file under stacks/)",
        description="Check stack files against the request schema and cross-field rules. "
                    "Each problem is one line FILE:LINE:COL: error: field.path: message.")
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files: list[Path] = args.files or stack_files(stacks_dir())
    problems = []
    for path in files:
        problems.extend(load(path).problems)
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        raise CheckFailed(f"{len(problems)} {noun}",
                          [str(p) for p in problems] + [f"{len(problems)} {noun} in "
                                                        f"{len({p.file for p in problems})} of "
                                                        f"{len(files)} files"])
    print(f"{len(files)} stack file{'s' if len(files) != 1 else ''} valid", file=sys.stderr)
    return 0
