"""AWS foundations of a stack: network, identity, desktops, budget (team and platform)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TEAM_BUILDERS: list[Callable[[Any], None]] = []
PLATFORM_BUILDERS: list[Callable[[Any], None]] = []
