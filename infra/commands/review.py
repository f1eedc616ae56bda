"""``teamstack review --base REV``: the pull-request review of the stacks a change touches."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.cliutil import add_change_range
from infra.repo import find_root
from infra.review.comment import read_untrusted, render
from infra.review.engine import raise_if_failed, review
from infra.review.workspace import ChangeWorkspace


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "review", help="validate, plan and diff only the stacks a change touches (PR comment)",
        description="Review the change from the merge base of BASE to HEAD: validate the "
                    "affected stack files, plan them and their base versions, and write the "
                    "pull-request comment (Markdown with a hidden marker). Exit 1 when a file "
                    "does not validate or a guardrail fails.")
    add_change_range(parser, base="the branch merged into", head="the pull request's commit")
    parser.add_argument("--trusted", action="store_true",
                        help="this checkout is the base branch's code: judge the head's stack "
                             "files as data; code changes are left to the platform owners")
    parser.add_argument("--untrusted-report", type=Path, metavar="FILE",
                        help="with --trusted: Markdown from the pull request's own code, "
                             "quoted under a heading that says so when the PR changes code")
    parser.add_argument("--output", "-o", type=Path, help="write the comment to FILE")
    parser.add_argument("--no-checks", action="store_true",
                        help="exit 0 even when validation or guardrails fail")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    with ChangeWorkspace(root, args.base, args.head, merge=True,
                         program_affects_all=not args.trusted) as sides:
        outcome = review(sides, root=root, trusted=args.trusted)
    untrusted = None
    if args.trusted and sides.changes.other_files and args.untrusted_report is not None:
        untrusted = read_untrusted(args.untrusted_report)
    text = render(outcome, untrusted=untrusted) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if not args.no_checks:
        raise_if_failed(outcome)
    return 0
