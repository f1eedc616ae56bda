"""Who owns each field at run time: the profiles' markers and the resources' ignoreChanges.

A field an autoscaler or a schedule owns is expected to move; if it has bounds (a desired size
between a minimum and a maximum) it is expected only inside them.
"""

from __future__ import annotations

from functools import lru_cache

# Owned field -> (minimum field, maximum field) on the same live resource.
BOUNDS: dict[str, tuple[str, str]] = {
    "desiredCapacity": ("minSize", "maxSize"),
    "scalingConfig.desiredSize": ("scalingConfig.minSize", "scalingConfig.maxSize"),
    "spec.replicas": ("spec.minReplicas", "spec.maxReplicas"),
}


@lru_cache(maxsize=1)
def profile_markers() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """(every marker, the markers every profile sets): resource type -> {property: owner}.

    A marker that every profile sets (an ASG's desired capacity) holds for any resource of
    that type; the others hold where the resource's ignoreChanges lists them, and then only
    name the owner.
    """
    from infra.profiles import PROFILE_NAMES, resolve

    every: dict[str, dict[str, str]] = {}
    counts: dict[tuple[str, str], int] = {}
    for name in PROFILE_NAMES:
        for owned in resolve(name, None).runtime_owned():
            every.setdefault(owned.resource, {})[owned.property] = owned.owner
            key = (owned.resource, owned.property)
            counts[key] = counts.get(key, 0) + 1
    always: dict[str, dict[str, str]] = {}
    for (resource, prop), count in counts.items():
        if count == len(PROFILE_NAMES):
            always.setdefault(resource, {})[prop] = every[resource][prop]
    return every, always


def owner_of(type_: str, field: str, ignore_changes: tuple[str, ...]) -> str:
    """``autoscaler``/``schedule`` (profile marker), ``ignoreChanges``, or ``""`` (nobody)."""
    every, always = profile_markers()
    top = field.split(".")[0]
    for key in (field, top):
        if key in always.get(type_, {}):
            return always[type_][key]
    for ignored in ignore_changes:
        if field == ignored or field.startswith(ignored + ".") or ignored == top:
            return every.get(type_, {}).get(ignored, "ignoreChanges")
    return ""
