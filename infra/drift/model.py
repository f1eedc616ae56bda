"""Plain data of a drift run: state resources, findings, per-stack reports.

Kept free of boto3 and Pulumi so that classification, rendering and the ignore file are pure
and fast to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Klass = Literal["expected", "drift", "pending", "missing", "unmanaged", "unknown",
                "unverifiable", "ignored", "expired-ignore"]
# Classes that make a stack not clean (exit 1). ``expected`` and ``ignored`` do not; an
# unverifiable secret is reported but cannot be judged either way, so it is not counted.
FAILING: frozenset[str] = frozenset(
    {"drift", "pending", "missing", "unmanaged", "unknown", "expired-ignore"})
REDACTED = "[secret]"


@dataclass(frozen=True)
class StateResource:
    """One resource of a checkpoint (``checkpoint.latest.resources[]``)."""

    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    custom: bool = True
    ignore_changes: tuple[str, ...] = ()
    parent: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def arn(self) -> str:
        return str(self.outputs.get("arn") or "")


@dataclass(frozen=True)
class Finding:
    urn: str
    type: str
    field: str
    klass: str
    state: Any = None
    live: Any = None
    code: Any = None
    owner: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        data = {"urn": self.urn, "type": self.type, "field": self.field, "class": self.klass,
                "state": self.state, "live": self.live, "code": self.code, "owner": self.owner}
        if self.note:
            data["note"] = self.note
        return data

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.urn, self.field, self.klass, self.type)


@dataclass
class StackReport:
    stack: str
    status: str = "clean"  # clean | drift | skipped | error
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)
    compared: int = 0
    not_compared: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0

    def settle(self) -> None:
        """Status from the findings, unless the stack was skipped or failed."""
        if self.status in ("skipped", "error"):
            return
        self.status = "drift" if any(f.klass in FAILING for f in self.findings) else "clean"

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "status": self.status,
            "reason": self.reason,
            "findings": [f.to_json() for f in sorted(self.findings, key=Finding.sort_key)],
            "coverage": {"compared": self.compared,
                         "not_compared": dict(sorted(self.not_compared.items()))},
            "api_calls": self.api_calls,
        }


@dataclass
class DriftReport:
    stacks: list[StackReport] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if all(s.status == "clean" for s in self.stacks) else 1

    def to_json(self) -> dict[str, Any]:
        return {"stacks": [s.to_json() for s in sorted(self.stacks, key=lambda s: s.stack)]}
