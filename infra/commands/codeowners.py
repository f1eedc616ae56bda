"""``teamstack codeowners``: write .github/CODEOWNERS from every stack's owners."""

from __future__ import annotations

import argparse
import sys

from infra.errors import CheckFailed, UserError
from infra.repo import find_root
from infra.review.owners import render
from infra.stackfile import load, stack_files


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "codeowners", help="write .github/CODEOWNERS from the stacks' owners",
        description="Write .github/CODEOWNERS: each stack file to its owners, platform stacks "
                    "and everything outside stacks/ to the platform owners.")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the committed file is stale")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    results = [load(p) for p in stack_files(root / "stacks")]
    problems = [str(p) for r in results for p in r.problems]
    if problems:
        raise CheckFailed("stack files do not validate", problems)
    try:
        text = render(r.stack for r in results if r.stack is not None)
    except ValueError as exc:
        raise UserError(f"stacks/: {exc}") from None
    target = root / ".github" / "CODEOWNERS"
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if args.check:
        if current != text:
            raise CheckFailed("stale", [f"{target.relative_to(root)} is stale: run "
                                        "`teamstack codeowners` and commit the result"])
        print(f"{target.relative_to(root)} is up to date", file=sys.stderr)
        return 0
    if current == text:
        print(f"{target.relative_to(root)} is up to date", file=sys.stderr)
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.relative_to(root)}", file=sys.stderr)
    return 0
