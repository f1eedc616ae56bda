"""Kubernetes compute of a stack: the platform cluster and add-ons, team namespaces and pools."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TEAM_BUILDERS: list[Callable[[Any], None]] = []
PLATFORM_BUILDERS: list[Callable[[Any], None]] = []
