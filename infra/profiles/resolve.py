"""Turn a profile name (and optionally a team's request) into a ``PolicyBundle``.

The request is read defensively, attribute by attribute with ``getattr``, so that this module
depends only on the few optional fields it uses and not on the request model's exact shape.
"""

from __future__ import annotations

from typing import Any

from infra.profiles.catalog import CATALOG, Context
from infra.profiles.model import (
    LAYERS,
    AsgPolicy,
    CiRunnerPolicy,
    DesktopPolicy,
    KarpenterPolicy,
    NotebookPolicy,
    PolicyBundle,
    SparkPolicy,
)

_LAYER_TYPES: dict[str, type] = {
    "karpenter": KarpenterPolicy,
    "asg": AsgPolicy,
    "spark": SparkPolicy,
    "notebooks": NotebookPolicy,
    "desktops": DesktopPolicy,
    "ci_runners": CiRunnerPolicy,
}


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


# Context field -> request attribute path it is read from.
_REQUEST_FIELDS: dict[str, str] = {
    "timezone": "desktops.timezone",
    "max_gpus": "gpu.max_gpus",
    "instance_types": "gpu.instance_types",
    "max_executors": "spark.max_executors",
    "max_runners": "ci_runners.max_runners",
    "desktop_schedule": "desktops.schedule",
    "retrain_schedule": "spark.schedule",
}


def context_from_request(request: object | None) -> Context:
    """The parts of a request that change a profile's settings."""
    values: dict[str, Any] = {}
    source: dict[str, str] = {}
    for name, path in _REQUEST_FIELDS.items():
        value = _get(request, path)
        if value is None:
            continue
        if name == "instance_types":
            value = tuple(value)
        values[name] = value
        source[name] = path
    return Context(**values, source=source)


def resolve(profile: str, request: object | None = None) -> PolicyBundle:
    """The policy bundle for ``profile``, adapted to ``request`` (catalog defaults if None)."""
    spec = CATALOG.get(profile)
    if spec is None:
        raise KeyError(f"unknown profile {profile!r}; expected one of: {', '.join(CATALOG)}")
    settings = spec.build(context_from_request(request))
    missing = [layer for layer in LAYERS if layer not in settings]
    if missing:  # a catalog bug, not user input: fail loudly
        raise AssertionError(f"profile {profile} does not set layers {missing}")
    layers = {
        layer: _LAYER_TYPES[layer](**{key: value for key, (value, _) in settings[layer].items()})
        for layer in LAYERS
    }
    reasons = {
        layer: {key: reason for key, (_, reason) in settings[layer].items()} for layer in LAYERS
    }
    return PolicyBundle(profile=profile, summary=spec.summary, reasons=reasons, **layers)
