"""What a guardrail reports: which rule, which resource, and why it matters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from infra.graph import ResourceGraph


@dataclass(frozen=True, order=True)
class Violation:
    """One resource breaking one rule. ``rule`` is a stable id (``s3.public-access-block``)
    so that reviews and suppressions can name it; ``message`` says what to change."""

    rule: str
    urn: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.urn}: {self.message}"


Rule = Callable[[ResourceGraph], list[Violation]]
