"""Make a state value and a live value comparable without hiding real differences.

AWS answers in its own spelling: policies as parsed documents or re-serialised JSON, numbers
as strings ("3000.0" for "3000.00"), lists in its own order, ``aws:`` system tags beside ours.
Only those spellings are normalised; any other difference is a difference.
"""

from __future__ import annotations

import json
from typing import Any


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def canonical(value: Any) -> Any:
    """A value reduced to a comparable form (JSON text parsed, lists of scalars sorted)."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return canonical(json.loads(text))
            except ValueError:
                return value
        number = _number(text) if text[:1].isdigit() or text[:1] == "-" else None
        return number if number is not None and text not in ("-1",) else value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items())
                if v is not None and not str(k).startswith("aws:")}
    if isinstance(value, list | tuple):
        items = [canonical(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def same(state: Any, live: Any) -> bool:
    return bool(canonical(state) == canonical(live))


def get_path(data: Any, path: str) -> Any:
    """``a.b`` in nested dicts; ``None`` if any step is absent."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
