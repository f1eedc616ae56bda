"""Finding resources in a planned graph, with failures that say what was looked for and what
exists, in the style of Pulumi's own mock-test examples.

A bare ``[cluster] = graph.of_type(T)`` fails with "not enough values to unpack", and
``by_name(graph, T)["desktops-alice"]`` with a lone ``KeyError``; these helpers fail with the
stack, the type, the name or condition, and the names that are there instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from infra.graph import Resource, ResourceGraph

T = TypeVar("T")
MAX_LISTED = 12


def _listed(names: Iterable[str]) -> str:
    names = sorted(names)
    if not names:
        return "none"
    more = f", ... ({len(names) - MAX_LISTED} more)" if len(names) > MAX_LISTED else ""
    return ", ".join(names[:MAX_LISTED]) + more


class Found(dict[str, Any]):
    """Resources (or their inputs) by name; a missing name fails naming what exists."""

    def __init__(self, items: dict[str, Any], what: str) -> None:
        super().__init__(items)
        self.what = what

    def __missing__(self, key: str) -> Any:
        raise AssertionError(f"no {self.what} named {key!r}; there are: {_listed(self)}")


def by_name(graph: ResourceGraph, type_token: str) -> Found:
    """Inputs of every resource of ``type_token``, by logical name."""
    return Found({r.name: r.inputs for r in graph.of_type(type_token)},
                 f"{type_token} in {graph.stack}")


def one(graph: ResourceGraph, type_token: str, name: str) -> Resource:
    """The resource of ``type_token`` with logical name ``name``."""
    return only(graph, type_token, lambda r: r.name == name, f"named {name!r}")


def only(graph: ResourceGraph, type_token: str,
         where: Callable[[Resource], bool] | None = None, how: str = "") -> Resource:
    """The one resource of ``type_token`` (that ``where`` accepts, described by ``how``)."""
    candidates = graph.of_type(type_token)
    found = [r for r in candidates if where is None or where(r)]
    if len(found) != 1:
        wanted = f"{type_token}{' ' + how if how else ''} in {graph.stack}"
        raise AssertionError(
            f"expected exactly one {wanted}, found {len(found)}"
            + (f" ({_listed(r.name for r in found)})" if found else "")
            + f"; of that type there are: {_listed(r.name for r in candidates)}")
    return found[0]


def single(items: Iterable[T], what: str) -> T:
    """The one item of ``items`` (``what`` names them in the failure)."""
    found = list(items)
    if len(found) != 1:
        raise AssertionError(f"expected exactly one {what}, found {len(found)}: {found!r}"[:2000])
    return found[0]


def where(field: str, **values: Any) -> str:
    """An assert message naming the resource (loop variables) and the field that failed:
    ``where("inputs['instanceType']", name="alice")`` -> "name='alice': inputs['instanceType']".
    Resources show as their type and name, long values are cut."""
    parts = []
    for key, value in values.items():
        if isinstance(value, Resource):
            shown = f"{value.type} {value.name}"
        else:
            shown = repr(value)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
        parts.append(f"{key}={shown}")
    return f"{', '.join(parts)}: {field}" if parts else field
