"""``teamstack changed --base REV``: the stacks a change affects, in deploy order."""

from __future__ import annotations

import argparse
import json
import sys

from infra.cliutil import add_change_range
from infra.repo import find_root
from infra.review.workspace import ChangeWorkspace


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "changed", help="stacks a change affects, in deploy order (for the deploy workflow)",
        description="List the stacks that differ between two commits, platforms before their "
                    "teams. A changed platform pulls in its teams; a change to the program "
                    "(infra/, Pulumi.yaml, dependencies) affects every stack; a deleted stack "
                    "file is listed for `pulumi destroy` review only, never destroyed.")
    add_change_range(parser, base="the earlier commit", head="the later commit")
    parser.add_argument("--merge-base", action="store_true",
                        help="diff against the merge base of BASE and HEAD, as a pull request")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with ChangeWorkspace(find_root(), args.base, args.head, merge=args.merge_base) as sides:
        changes = sides.changes
    if args.format == "json":
        sys.stdout.write(json.dumps(changes.to_json(), indent=2, sort_keys=True) + "\n")
        return 0
    for item in changes.deploy:
        print(f"deploy   {item.stack:<24} {item.kind:<8} {item.reason}")
    for item in changes.destroy:
        print(f"destroy? {item.stack:<24} {item.kind:<8} stack file deleted: review and run "
              f"`pulumi destroy --stack {item.stack}` by hand")
    if not changes.deploy and not changes.destroy:
        print("no stack affected", file=sys.stderr)
    return 0
