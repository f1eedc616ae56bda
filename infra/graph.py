"""The resource graph: plain data recorded from one offline run of the Pulumi program.

Every consumer (diff, cost, policy, drift's desired state, renderers) reads this and nothing
else, so none of them needs the Pulumi SDK. Inputs are kept as the engine receives them
(camelCase keys, secrets unwrapped to a marker) so that a diff here is a diff Pulumi would see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SECRET_MARKER = "[secret]"


@dataclass(frozen=True)
class Resource:
    """One registered resource (custom or component)."""

    urn: str
    type: str
    name: str
    parent: str | None
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    provider: str | None = None
    custom: bool = True
    # Input properties the program tells `pulumi up` to leave alone because an autoscaler, a
    # schedule or a policy owns them at run time; drift reports their movement as expected.
    ignore_changes: tuple[str, ...] = ()

    @property
    def component(self) -> str:
        """The ``teamstack:component`` tag if the transform set one, else ``""``."""
        tags = self.inputs.get("tags")
        if isinstance(tags, dict):
            return str(tags.get("teamstack:component", ""))
        return ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "inputs": self.inputs,
            "dependencies": list(self.dependencies),
        }
        if self.ignore_changes:
            data["ignoreChanges"] = list(self.ignore_changes)
        return data


@dataclass
class ResourceGraph:
    """All resources of one stack, in registration order."""

    stack: str
    resources: list[Resource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)

    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def custom(self) -> list[Resource]:
        return [r for r in self.resources if r.custom]

    def children(self, urn: str) -> list[Resource]:
        return [r for r in self.resources if r.parent == urn]

    def owning_component(self, resource: Resource) -> Resource | None:
        """The nearest ancestor whose type is a teamstack component, for grouping."""
        index = self.by_urn()
        parent = resource.parent
        while parent:
            node = index.get(parent)
            if node is None:
                return None
            if node.type.startswith("teamstack:"):
                return node
            parent = node.parent
        return None

    def counts_by_type(self) -> Counter[str]:
        return Counter(r.type for r in self.custom())

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "resources": [r.to_json() for r in sorted(self.resources, key=lambda r: r.urn)],
        }
