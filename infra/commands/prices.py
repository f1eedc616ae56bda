"""``teamstack prices`` (placeholder until the price catalog lands)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    subparsers.add_parser("prices", help="the price catalog").set_defaults(func=lambda a: 0)
