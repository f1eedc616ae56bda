"""Node pools from the price catalog: which instance types a replay may launch, at what price.

A pool is a tuple of ``NodeType`` (GPUs, on-demand and spot hourly price, spot interruption
rate from the Spot Advisor table). Without an explicit list, the pool is every GPU type of
the default families in the catalog (``DEFAULT_FAMILIES``), as a Karpenter NodePool that
allows whole instance families would be.
"""

from __future__ import annotations

from infra.cost.prices import MissingPrice, PriceCatalog
from infra.simulate.engine import NodeType
from infra.simulate.spot import SpotTable

DEFAULT_FAMILIES: tuple[str, ...] = ("g5", "g6")


class PoolError(ValueError):
    """An instance type the pool cannot use (unknown, unpriced, or without a GPU)."""


def family_types(catalog: PriceCatalog, families: tuple[str, ...] = DEFAULT_FAMILIES) -> \
        list[str]:
    """Every GPU instance type of ``families`` in the catalog."""
    return [name for family in families for name in catalog.instance_types(family)
            if catalog.instance(name).gpus >= 1]


def build_pool(catalog: PriceCatalog, instance_types: list[str] | tuple[str, ...],
               region: str, spot: SpotTable | None,
               interruptions_override: float | None = None) -> tuple[NodeType, ...]:
    """The pool of ``instance_types`` priced in ``region``.

    Spot interruption rates come from ``spot`` per type unless ``interruptions_override``
    sets one rate for every type (None in the node then means the replay's default).
    """
    pool = []
    for name in dict.fromkeys(instance_types):
        try:
            info = catalog.instance(name)
            if info.gpus < 1:
                raise PoolError(f"instance type {name} has no GPU")
            on_demand = catalog.instance_hourly(name, region, "on-demand")
            spot_price = catalog.instance_hourly(name, region, "spot")
        except MissingPrice as exc:
            raise PoolError(str(exc)) from None
        rate = None if spot is None or interruptions_override is not None \
            else spot.hourly_rate(name)
        pool.append(NodeType(name, info.gpus, on_demand, spot_price, rate))
    if not pool:
        raise PoolError("no instance type given")
    return tuple(pool)
