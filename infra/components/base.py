"""The shared base of teamstack components and deterministic physical names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi


@dataclass(frozen=True)
class Naming:
    """Physical names are ``<team>-<env>-<purpose>``: predictable for humans, drift reports
    and IAM policies that must name a team's resources before they exist."""

    team: str
    environment: str

    @property
    def prefix(self) -> str:
        return f"{self.team}-{self.environment}"

    def physical(self, purpose: str) -> str:
        return f"{self.prefix}-{purpose}"


class TeamstackComponent(pulumi.ComponentResource):
    """Base of every teamstack component.

    ``COMPONENT`` is the value of the ``teamstack:component`` tag that the stack transform puts
    on every resource beneath this component, so cost and drift can be grouped by it.
    """

    COMPONENT: ClassVar[str] = ""
    TYPE: ClassVar[str] = ""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        if not self.TYPE.startswith("teamstack:") or not self.COMPONENT:
            raise TypeError(f"{type(self).__name__} must set TYPE (teamstack:...) and COMPONENT")
        super().__init__(self.TYPE, name, None, opts)

    def child(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for a child resource: always parented to this component."""
        return pulumi.ResourceOptions(parent=self, **kwargs)


def pick(index: int, what: str) -> Callable[[Sequence[str]], str]:
    """``values[index]`` with a message naming the platform output when it is too short (the
    platform stack file and its last deployment disagree)."""

    def choose(values: Sequence[str]) -> str:
        if index >= len(values):
            raise ValueError(f"the platform exports {len(values)} {what}, but its stack file asks "
                             f"for more; deploy the platform stack first")
        return values[index]

    return choose
