"""``teamstack schema``: the JSON Schema of a stack file (the reference docs come from it)."""

from __future__ import annotations

import argparse
import json

from infra.cliutil import ExitCode
from infra.request import default_schema


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schema", help="print the JSON Schema of a stack file",
                            description="Print the JSON Schema of a stack file; point an editor's "
                                        "YAML language server at it for completion.")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(default_schema(), indent=2, sort_keys=False))
    return ExitCode.OK
