"""Terminal rendering shared by teamstack-profiles/simulate/prices commands."""

from __future__ import annotations

from rich.console import Console


def wide_console() -> Console:
    """A console that does not squeeze tables to 80 columns when output is piped or logged."""
    console = Console()
    return console if console.is_terminal else Console(width=160)
