"""Typed Helm values, one module per chart.

A chart's values are a free-form YAML tree, and Helm ignores keys it does not know: a misspelt
``minRunner`` would install fine and do nothing. Each chart here gets pydantic models of the
keys teamstack sets, with ``extra="forbid"``, so a misspelling fails when the plan runs, not
after the deploy. Field names are Python snake_case; ``dump()`` writes the chart's camelCase
(or an explicit alias where the chart uses another spelling). Only keys teamstack sets are
modelled: a key left out keeps the chart's default. Pure: no Pulumi.
"""

from infra.helm.base import ChartRef, Values

__all__ = ["ChartRef", "Values"]
