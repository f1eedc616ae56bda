"""Pulumi entry point (`main: infra/` in Pulumi.yaml): deploy the selected stack.

The stack's file is validated exactly as `teamstack validate` does; a stack that does not
validate stops here with its problems listed, before anything is created or changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pulumi

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infra.errors import CheckFailed  # noqa: E402
from infra.program import build  # noqa: E402
from infra.stackfile import load_or_raise  # noqa: E402

try:
    loaded = load_or_raise(ROOT / "stacks" / f"Pulumi.{pulumi.get_stack()}.yaml")
except CheckFailed as exc:
    raise pulumi.RunError("\n".join(exc.lines)) from None
build(loaded)
