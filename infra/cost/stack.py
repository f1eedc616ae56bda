"""Monthly cost of a stack from its offline resource graph: floor, expected and ceiling.

Interface::

    from infra.cost.stack import estimate_stack_cost, diff_costs, StackCost
    cost = estimate_stack_cost(graph, "eu-west-1", bundles={"gpu": bundle, ...}, request=req)
    cost.total()                 # Totals(floor, expected, ceiling), USD per month
    cost.by_component()          # {"gpu": Totals(...), ...}
    cost.lines / cost.unpriced / cost.missing_prices / cost.to_json()
    diff_costs(base_cost, cost)  # CostDiff: per component and total, added / removed lines

* **floor**: what runs whatever the load (always-on resources, autoscaling minimums, EBS of
  stopped desktops);
* **expected**: the profile's behaviour on its reference workload (GPU NodePools, see
  ``reference.py``), the desktop schedule's hours, desired sizes of groups;
* **ceiling**: every autoscaling limit reached, at the priciest allowed instance type and
  capacity type, all month.

Assumptions: 730 hours a month; list prices from the catalog (no Savings Plans, credits or
free tiers); usage charges (data processed by NAT gateways and load balancers, S3 and
CloudWatch usage, requests) are not estimated, and the resources that incur them are listed
under ``usage_based``. Resource types that are likely billable but not modelled are listed
under ``unpriced``; free ones (IAM, security groups, routes, Kubernetes objects...) are not
listed. A price missing from the catalog is never taken as 0: the line is left out and named
in ``missing_prices`` (or ``MissingPrice`` is raised with ``strict=True``).

``bundles`` maps request sections ("gpu", "spark", "desktops", "asg", or a NodePool's name) to
policy bundles; a missing one falls back to the request's default profile for that section.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from infra.cost.model import CostDiff, CostLine, StackCost, Totals, Unpriced, diff_costs
from infra.cost.prices import PriceCatalog, load_catalog
from infra.cost.rules import Estimator, k8s_quantity
from infra.graph import ResourceGraph
from infra.profiles import PolicyBundle


def estimate_stack_cost(graph: ResourceGraph, region: str,
                        bundles: Mapping[str, PolicyBundle] | None = None, *,
                        request: object | None = None, catalog: PriceCatalog | None = None,
                        strict: bool = False) -> StackCost:
    """Floor / expected / ceiling monthly USD of every priced resource in ``graph``."""
    catalog = catalog or load_catalog()
    estimator = Estimator(graph, region, catalog, bundles or {}, request, strict)
    estimator.run()
    lines = tuple(sorted(estimator.lines, key=lambda x: (x.component, x.type, x.resource)))
    for line in lines:
        if not (0 <= line.floor <= line.expected <= line.ceiling) or \
                not math.isfinite(line.ceiling):
            raise AssertionError(f"cost line out of order: {line}")
    return StackCost(stack=graph.stack, region=region,
                     prices_taken_on=catalog.taken_on.isoformat(), lines=lines,
                     unpriced=tuple(estimator.unpriced), usage_based=tuple(estimator.usage),
                     missing_prices=tuple(estimator.missing))


__all__ = ["CostDiff", "CostLine", "StackCost", "Totals", "Unpriced", "diff_costs",
           "estimate_stack_cost", "k8s_quantity"]
