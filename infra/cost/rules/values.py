"""Reading numbers out of engine inputs: plain numbers, Kubernetes quantities, nested paths.

Inputs in the plan are as the engine receives them, so a size may be a number, a numeric
string or a quantity such as "200Gi"; anything unreadable is ``None`` and the caller says the
resource is unpriced rather than guessing.
"""

from __future__ import annotations

import re
from typing import Any


def num(value: Any) -> float | None:
    """A number from an int, float or numeric string; ``None`` otherwise (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi|Ti)?$")
_QUANTITY_SCALE = {None: 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024.0,
                   "Mi": 1024.0**2, "Gi": 1024.0**3, "Ti": 1024.0**4}


def k8s_quantity(value: Any) -> float | None:
    """A Kubernetes quantity ("16", 16, "500m", "200Gi") as a number (bytes for Gi etc.)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    return float(match.group(1)) * _QUANTITY_SCALE[match.group(2)]


def gib(value: Any) -> float | None:
    """Volume size: a number of GiB, or a quantity string such as "200Gi"."""
    number = num(value)
    if number is not None:
        return number
    quantity = k8s_quantity(value)
    return None if quantity is None else quantity / 1024.0**3


def dig(data: Any, *path: str | int) -> Any:
    """``data[path[0]][path[1]]...``, or ``None`` as soon as a step is missing."""
    for key in path:
        if isinstance(key, int):
            if not isinstance(data, list) or len(data) <= key:
                return None
            data = data[key]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data
