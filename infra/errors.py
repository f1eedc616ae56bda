"""Errors that the command line turns into exit codes instead of tracebacks.

Exit 1 means the user's input is wrong or a check failed; exit 2 means the tool itself could
not run (environment, credentials, a service down). Keeping the two apart lets CI tell a bad
pull request from a broken runner.
"""

from __future__ import annotations


class UserError(Exception):
    """The input is wrong: reported as one or more lines, exit code 1."""

    def __init__(self, message: str, lines: list[str] | None = None) -> None:
        super().__init__(message)
        self.lines = lines or [message]


class CheckFailed(UserError):
    """A check (validation, guardrail) found problems: exit code 1."""


class ToolError(Exception):
    """The tool could not run (missing binary, service down): exit code 2."""
