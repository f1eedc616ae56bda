"""The oracle lower bound: what a trace would cost with perfect, instant, free elasticity.

It pays only for the GPU-seconds the jobs use, at the cheapest per-GPU rate the policy is
allowed (spot if it may use spot), with no idle node, no boot, no wait and no packing waste.
No real policy can cost less, so a policy's cost divided by this bound says how much its
elasticity (and its caution) costs: 1.0 is perfect.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infra.simulate.engine import NodeType


def cheapest_gpu_hourly(node: NodeType, *, spot_allowed: bool) -> float:
    """Per-GPU hourly rate of the cheapest capacity type allowed."""
    hourly = min(node.on_demand_hourly, node.spot_hourly) if spot_allowed \
        else node.on_demand_hourly
    return hourly / node.gpus


def oracle_cost(gpu_seconds: float, node: NodeType, *, spot_allowed: bool) -> float:
    """USD for ``gpu_seconds`` of GPU time at the cheapest allowed rate."""
    return gpu_seconds * cheapest_gpu_hourly(node, spot_allowed=spot_allowed) / 3600.0
