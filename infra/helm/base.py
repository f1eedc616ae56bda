"""The base of every chart's values model and the reference to a chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from infra.components.k8s import names


class Values(BaseModel):
    """Strict, camelCase-on-the-wire values: an unknown or misspelt key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              alias_generator=to_camel)

    def dump(self) -> dict[str, Any]:
        """The values tree as Helm reads it (unset keys omitted: the chart's default applies)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


@dataclass(frozen=True)
class ChartRef:
    """Where a chart comes from. ``repo`` is an HTTP repository; ``oci`` a full OCI reference
    (then ``chart`` holds it and ``repo`` is None)."""

    chart: str
    repo: str | None = None

    @property
    def is_oci(self) -> bool:
        return self.chart.startswith("oci://")


# --- pieces of pod specs that several charts take ---------------------------------------------


class Toleration(Values):
    key: str | None = None
    operator: Literal["Exists", "Equal"] = "Exists"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None


class Resources(Values):
    requests: dict[str, str] | None = None
    limits: dict[str, str] | None = None


class MatchExpression(Values):
    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
    values: list[str] | None = None


class NodeSelectorTerm(Values):
    match_expressions: list[MatchExpression]


class RequiredNodeSelector(Values):
    node_selector_terms: list[NodeSelectorTerm] = Field(min_length=1)


class NodeAffinity(Values):
    required_during_scheduling_ignored_during_execution: RequiredNodeSelector


class Affinity(Values):
    node_affinity: NodeAffinity


def require_labels(labels: dict[str, list[str]]) -> Affinity:
    """Node affinity requiring each label to have one of the given values."""
    return Affinity(node_affinity=NodeAffinity(
        required_during_scheduling_ignored_during_execution=RequiredNodeSelector(
            node_selector_terms=[NodeSelectorTerm(match_expressions=[
                MatchExpression(key=key, operator="In", values=values)
                for key, values in labels.items()])])))


# Add-ons run on the system node group, which is tainted so that team work never lands there.
SYSTEM_TOLERATION = Toleration(key=names.SYSTEM_TAINT_KEY, operator="Exists")
SYSTEM_NODE_SELECTOR = {names.NODE_ROLE_LABEL: names.NODE_ROLE_SYSTEM}
