"""The stack-wide tagging transform: four teamstack tags on every taggable resource.

Set once here rather than in each component, so no component can forget them: cost allocation
(``cost-center``), IAM conditions (``teamstack:team``), drift grouping (``teamstack:component``)
and the inventory (``teamstack:stack``) all rely on them. Kubernetes objects get the same facts
as labels (``teamstack.io/...``), since ``:`` is not allowed in label names.

This uses ``register_stack_transformation``, which runs inside the Python SDK: the same code
path applies under ``pulumi up`` and under the offline plan's mocks, so the plan shows the tags
that will really be set (engine-side transforms are not run by the SDK's mock monitor).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi import _types

from infra.components.base import TeamstackComponent

TAG_TEAM = "teamstack:team"
TAG_STACK = "teamstack:stack"
TAG_COMPONENT = "teamstack:component"
TAG_COST_CENTER = "cost-center"
LABEL_PREFIX = "teamstack.io/"


def stack_tags(team: str, stack: str, cost_center: str) -> dict[str, str]:
    return {TAG_TEAM: team, TAG_STACK: stack, TAG_COST_CENTER: cost_center}


def _component_of(args: pulumi.ResourceTransformationArgs) -> str:
    resource = args.resource
    if isinstance(resource, TeamstackComponent):
        name = type(resource).COMPONENT
    else:
        parent = args.opts.parent if args.opts else None
        if isinstance(parent, TeamstackComponent):
            name = type(parent).COMPONENT
        else:
            name = getattr(parent, "_teamstack_component", "") if parent else ""
    resource._teamstack_component = name  # type: ignore[attr-defined]  # read by children
    return name


def _with_labels(metadata: Any, labels: Mapping[str, str]) -> Any:
    if metadata is not None and _types.is_input_type(type(metadata)):
        metadata = _types.input_type_to_untranslated_dict(metadata)
    if metadata is None:
        return {"labels": dict(labels)}
    if isinstance(metadata, Mapping):
        merged = dict(metadata)
        merged["labels"] = {**labels, **(merged.get("labels") or {})}
        return merged
    return metadata  # an Output or typed args: leave untouched rather than guess


def make_transformation(base_tags: Mapping[str, str]) -> pulumi.ResourceTransformation:
    """A transformation adding the teamstack tags; explicit tags on a resource win."""

    def transform(args: pulumi.ResourceTransformationArgs,
                  ) -> pulumi.ResourceTransformationResult | None:
        component = _component_of(args)
        props = args.props
        if args.type_.startswith("aws:") and "tags" in props:
            tags = {**base_tags, TAG_COMPONENT: component or "stack"}
            explicit = props.get("tags")
            if isinstance(explicit, Mapping):
                tags.update(explicit)
            return pulumi.ResourceTransformationResult({**props, "tags": tags}, args.opts)
        if args.type_.startswith("kubernetes:") and "metadata" in props \
                and not args.type_.startswith("kubernetes:helm"):
            labels = {LABEL_PREFIX + key.split(":", 1)[-1]: value.lower()
                      for key, value in {**base_tags, TAG_COMPONENT: component or "stack"}.items()}
            metadata = _with_labels(props.get("metadata"), labels)
            return pulumi.ResourceTransformationResult({**props, "metadata": metadata}, args.opts)
        return None

    return transform


def register_tagging(base_tags: Mapping[str, str]) -> None:
    pulumi.runtime.register_stack_transformation(make_transformation(dict(base_tags)))
