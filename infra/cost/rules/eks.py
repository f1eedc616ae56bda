"""EKS pricing: the control plane, managed node groups (min / desired / max) and Karpenter
NodePools (ceiling from their limits; GPU pools expected from the profile's replay on its
reference workload, floor from the profile's always-on warm capacity)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from infra.cost.prices import HOURS_PER_MONTH
from infra.cost.reference import expected_monthly
from infra.cost.rules.ec2 import template_disk_gib
from infra.cost.rules.values import dig, gib, k8s_quantity, num
from infra.graph import Resource
from infra.simulate.engine import NodeType

if TYPE_CHECKING:
    from infra.cost.rules.estimator import Estimator, Handler

GPU_RESOURCE = "nvidia.com/gpu"
NODE_POOL_TYPE = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS_TYPE = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"


def node_group(est: Estimator, r: Resource) -> None:
    scaling = r.inputs.get("scalingConfig") or {}
    low, high = num(scaling.get("minSize")), num(scaling.get("maxSize"))
    desired = num(scaling.get("desiredSize"))
    types = list(r.inputs.get("instanceTypes") or [])
    if low is None or high is None or not types:
        est.note_unpriced(r, "node group size or instance types unknown in the plan")
        return
    capacity = "spot" if str(r.inputs.get("capacityType", "ON_DEMAND")) == "SPOT" \
        else "on-demand"
    prices = [est.instance_hourly(t, capacity) for t in types]
    disk = (template_disk_gib(est, r) or num(r.inputs.get("diskSize")) or 20.0) * \
        est.catalog.storage_gb_month("ebs-gp3", est.region)
    per_node_low = min(prices) * HOURS_PER_MONTH + disk
    per_node_high = max(prices) * HOURS_PER_MONTH + disk
    est.add(r, low * per_node_low, (desired if desired is not None else low) * per_node_low,
            high * per_node_high,
            f"{'/'.join(types)} {capacity}: min {low:g}, desired "
            f"{desired if desired is not None else low:g}, max {high:g} nodes")


def _generation(name: str) -> int:
    digits = re.match(r"^[a-z]+(\d+)", name)
    return int(digits.group(1)) if digits else 0


def allowed(est: Estimator, requirements: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Instance types of the catalog and capacity types a NodePool's requirements allow."""
    types = est.catalog.instance_types()
    capacity = ["on-demand"]
    for req in requirements:
        key, op = req.get("key"), req.get("operator", "In")
        values = [str(v) for v in req.get("values") or []]
        if key == "karpenter.sh/capacity-type":
            capacity = values if op == "In" else capacity
        elif key == "node.kubernetes.io/instance-type" and op == "In":
            types = [t for t in types if t in values]
        elif key == "karpenter.k8s.aws/instance-family" and op == "In":
            types = [t for t in types if t.split(".")[0] in values]
        elif key == "karpenter.k8s.aws/instance-category" and op == "In":
            types = [t for t in types if t[0] in values]
        elif key == "karpenter.k8s.aws/instance-generation" and values:
            if op == "Gt":
                types = [t for t in types if _generation(t) > int(values[0])]
            elif op == "In":
                types = [t for t in types if str(_generation(t)) in values]
    return types, capacity


def _node_class_gib(est: Estimator, pool: Resource) -> float:
    name = dig(pool.inputs, "spec", "template", "spec", "nodeClassRef", "name")
    for node_class in est.graph.of_type(NODE_CLASS_TYPE):
        if dig(node_class.inputs, "metadata", "name") == name:
            return sum(gib(dig(m, "ebs", "volumeSize")) or 0.0
                       for m in dig(node_class.inputs, "spec", "blockDeviceMappings") or [])
    return 0.0


def node_pool(est: Estimator, r: Resource) -> None:
    spec = r.inputs.get("spec") or {}
    requirements = dig(spec, "template", "spec", "requirements") or []
    limits = spec.get("limits") or {}
    types, capacity = allowed(est, requirements)
    if not types:
        est.note_unpriced(r, "no instance type in the price catalog matches the "
                             "NodePool's requirements")
        return
    disk_month = _node_class_gib(est, r) * est.catalog.storage_gb_month("ebs-gp3", est.region)
    pricey = "on-demand" if "on-demand" in capacity else capacity[0]
    gpus = k8s_quantity(limits.get(GPU_RESOURCE)) if GPU_RESOURCE in limits else None
    if gpus is None:
        cpu = k8s_quantity(limits.get("cpu")) if "cpu" in limits else None
        if cpu is None:
            est.note_unpriced(r, "NodePool without a cpu or GPU limit has no ceiling")
            return
        per_cpu = max((est.instance_hourly(t, pricey) * HOURS_PER_MONTH + disk_month)
                      / max(est.catalog.instance(t).vcpus, 1) for t in types)
        est.add(r, 0.0, 0.0, cpu * per_cpu,
                f"CPU pool: 0 nodes at rest, ceiling {cpu:g} vCPU at the priciest allowed "
                "type; expected is usage-driven and not estimated")
        return
    gpu_types = [t for t in types if est.catalog.instance(t).gpus > 0]
    if not gpu_types:
        est.note_unpriced(r, "GPU limit but no GPU instance type allowed")
        return
    per_gpu = max((est.instance_hourly(t, pricey) * HOURS_PER_MONTH + disk_month)
                  / est.catalog.instance(t).gpus for t in gpu_types)
    ceiling = gpus * per_gpu
    name = str(dig(r.inputs, "metadata", "name") or r.name)
    bundle = est.bundle("gpu", name)
    cheapest = est.catalog.cheapest(gpu_types, est.region)
    info = est.catalog.instance(cheapest)
    node = NodeType(cheapest, info.gpus, est.instance_hourly(cheapest, "on-demand"),
                    est.instance_hourly(cheapest, "spot") if "spot" in capacity
                    else est.instance_hourly(cheapest, "on-demand"))
    always = max((w.nodes for w in bundle.karpenter.warm_floor if w.schedule is None),
                 default=0)
    floor_price = node.spot_hourly if "spot" in capacity else node.on_demand_hourly
    floor = min(always * (floor_price * HOURS_PER_MONTH + disk_month), ceiling)
    expected, node_hours = expected_monthly(bundle.profile, int(gpus), node)
    expected += node_hours * disk_month / HOURS_PER_MONTH
    est.add(r, floor, expected, ceiling,
            f"{bundle.profile} on its reference workload with {gpus:g} GPUs of {cheapest}"
            f" ({'/'.join(capacity)}); ceiling {gpus:g} GPUs at the priciest allowed type")


HANDLERS: dict[str, Handler] = {
    "aws:eks/cluster:Cluster": lambda est, r: est.fixed_hourly(r, "eks-cluster"),
    "aws:eks/nodeGroup:NodeGroup": node_group,
    NODE_POOL_TYPE: node_pool,
}
