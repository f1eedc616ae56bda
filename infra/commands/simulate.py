"""``teamstack simulate`` and ``recommend`` (placeholder until the simulator lands)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("simulate", help="replay a job trace").set_defaults(func=lambda a: 0)
    subparsers.add_parser("recommend", help="pick a profile").set_defaults(func=lambda a: 0)
