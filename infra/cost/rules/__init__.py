"""The pricing rules: one handler per billable resource type of the resource graph, by service.

Each handler reads the resource's engine inputs (camelCase) and adds a ``CostLine`` with its
monthly floor, expected figure and ceiling, plus a one-line basis saying how it got them.
Assumptions are documented in ``infra.cost.stack``.

Layout, as ``infra/policy/`` is laid out: ``estimator`` walks the graph and holds what every
handler shares (prices, policy bundles, the owning component); ``ec2`` (instances, volumes,
Auto Scaling groups), ``network`` (NAT, public addresses, endpoints, load balancers),
``storage`` (EFS), ``eks`` (clusters, managed node groups, Karpenter NodePools) and ``emr``
(clusters and scheduled runs) each contribute a ``HANDLERS`` table; ``values`` reads numbers
and quantities out of engine inputs.
"""

from infra.cost.rules.estimator import Estimator
from infra.cost.rules.values import k8s_quantity

__all__ = ["Estimator", "k8s_quantity"]
