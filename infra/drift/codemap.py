"""The code side: the offline plan's inputs, with the plan's made-up ids replaced by real ones.

The offline plan answers for the cloud with deterministic ids and ARNs (``infra.plan.mocks``);
state holds the ids AWS gave. To compare code with state, every mock id or ARN that a stack's
state can name (the same URN in plan and state) is replaced by the state's value, in every
string of the plan's inputs (policies embed ARNs in JSON text). A value that still holds a mock
token afterwards refers to something no state read here holds: it cannot be compared and is
skipped, never reported as a difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from infra.drift.model import StateResource
from infra.graph import Resource
from infra.plan.mocks import COMPUTED, PlanMocks


def mock_tokens(resource: Resource, region: str) -> dict[str, str]:
    """Attribute -> the value the plan's mocks gave this resource (id, arn, computed ids)."""
    mocks = PlanMocks(region)
    inputs = resource.inputs
    physical = str(inputs.get("name") or inputs.get("bucket") or resource.name)
    id_ = mocks.make_id(resource.type, resource.name, physical)
    # An id that is the physical name (IAM, buckets) is not a made-up token: replacing it
    # would rewrite every name that merely equals it.
    tokens = {"id": id_} if id_ != physical else {}
    arn = mocks.make_arn(resource.type, physical, id_, inputs)
    if arn:
        tokens["arn"] = arn
    computed = COMPUTED.get(resource.type)
    if computed:
        try:
            for key, value in computed(inputs, physical, id_).items():
                if isinstance(value, str) and value != physical:
                    tokens[key] = value
        except (ValueError, IndexError):
            pass
    return tokens


@dataclass
class CodeMap:
    """Mock token -> real value, learned from every stack's plan and state."""

    replace: dict[str, str] = field(default_factory=dict)
    unresolved: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None

    def learn(self, graph_resources: Iterable[Resource], state: Iterable[StateResource],
              region: str) -> None:
        by_urn = {s.urn: s for s in state}
        for resource in graph_resources:
            if not resource.custom or not resource.type.startswith("aws:"):
                continue
            tokens = mock_tokens(resource, region)
            real = by_urn.get(resource.urn)
            for attr, token in tokens.items():
                if len(token) < 8:
                    continue
                value = None
                if real is not None:
                    value = real.id if attr == "id" else real.outputs.get(attr)
                if isinstance(value, str) and value:
                    self.replace[token] = value
                    self.unresolved.discard(token)
                elif token not in self.replace:
                    self.unresolved.add(token)
        self._pattern = None

    def copy(self) -> CodeMap:
        """Mock ids are unique within a stack, not across stacks (two teams' ``storage-home``
        have the same made-up id): each stack gets its own map over the shared platform's."""
        return CodeMap(dict(self.replace), set(self.unresolved))

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None:
            tokens = sorted(set(self.replace) | self.unresolved, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, tokens))) if tokens else None
        return self._pattern

    def resolve(self, value: Any) -> tuple[Any, bool]:
        """(value with mock tokens replaced, whether every token could be replaced)."""
        regex = self._regex()
        if regex is None:
            return value, True
        complete = True

        def walk(item: Any) -> Any:
            nonlocal complete
            if isinstance(item, str):
                def sub(match: re.Match[str]) -> str:
                    nonlocal complete
                    token = match.group(0)
                    if token in self.replace:
                        return self.replace[token]
                    complete = False
                    return token
                return regex.sub(sub, item)
            if isinstance(item, dict):
                return {k: walk(v) for k, v in item.items()}
            if isinstance(item, list):
                return [walk(v) for v in item]
            return item

        return walk(value), complete
