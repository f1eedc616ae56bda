"""``teamstack profiles``: the workload-profile catalog (placeholder until the catalog lands)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("profiles", help="show the workload profiles")
    parser.add_argument("name", nargs="?")
    parser.set_defaults(func=lambda args: 0)
