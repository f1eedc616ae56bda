"""Reading recorded inputs defensively: the graph holds engine-shaped JSON, not typed args.

A rule must never crash on a resource it does not understand (a new provider field, a value
the mocks left unknown); a missing or odd value is treated as "not set", which for a security
property means the rule reports it.
"""

from __future__ import annotations

import json
from typing import Any


def get(data: Any, *path: str | int) -> Any:
    """``data[path[0]][path[1]]...`` or None when any step is missing or of the wrong shape."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not -len(data) <= step < len(data):
                return None
            data = data[step]
        else:
            if not isinstance(data, dict):
                return None
            data = data.get(step)
    return data


def items(value: Any) -> list[Any]:
    """A list input as a list (a single object counts as one; None as none)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def truthy(value: Any) -> bool:
    """True for ``True`` and for the string ``"true"`` (launch templates type some booleans as
    strings)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def json_document(value: Any) -> dict[str, Any] | None:
    """A policy document from a JSON string (or an already-parsed mapping)."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        return None
    try:
        doc = json.loads(value)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The statements of a policy document; ``Statement`` may be one object or a list."""
    if not document:
        return []
    return [s for s in items(document.get("Statement")) if isinstance(s, dict)]
