"""Unmanaged resources: everything tagged for a checked stack that no state holds.

One paginated Resource Groups Tagging API call per region finds every taggable resource with a
``teamstack:stack`` tag, whatever its service; each ARN is matched against the ids and ARNs of
every state read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from infra.drift.live.base import LiveContext, all_items
from infra.drift.model import StateResource

STACK_TAG = "teamstack:stack"
TEAM_TAG = "teamstack:team"


def known_names(states: Iterable[StateResource]) -> set[str]:
    known: set[str] = set()
    for s in states:
        for value in (s.id, s.arn, s.id.rsplit(":", 1)[-1]):
            if value:
                known.add(value)
    return known


def arn_type(arn: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return "unknown"
    kind = re.split(r"[/:]", parts[5], maxsplit=1)[0] if ("/" in parts[5] or ":" in parts[5]) \
        else ("bucket" if parts[2] == "s3" else parts[5])
    return f"{parts[2]}:{kind}"


def tagged(ctx: LiveContext, stacks: list[str]) -> list[dict[str, Any]]:
    """(arn, tags) of every resource tagged for one of ``stacks`` in this region."""
    items: list[dict[str, Any]] = []
    client = ctx.client("resourcegroupstaggingapi")
    for start in range(0, len(stacks), 20):  # at most 20 values per tag filter
        for mapping in all_items(client, "get_resources", "ResourceTagMappingList",
                                 TagFilters=[{"Key": STACK_TAG,
                                              "Values": stacks[start:start + 20]}]):
            tags = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
            items.append({"arn": mapping["ResourceARN"], "tags": tags})
    return items


def unmanaged(items: list[dict[str, Any]], known: set[str]) -> list[dict[str, Any]]:
    result = []
    for item in items:
        arn = item["arn"]
        tail = re.split(r"[/:]", arn)[-1]
        if arn in known or tail in known:
            continue
        result.append(item)
    return result
