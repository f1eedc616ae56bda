"""The promise of the cost figures (README, docs/profiles.md "Stack cost"):

- **ceiling**: every autoscaling limit reached at the *priciest* allowed instance type (and
  capacity type), all month; **floor**: the minimum at the cheapest; floor <= expected <=
  ceiling on every line;
- the figures do not depend on the order types are listed in; allowing one more type never
  lowers the ceiling nor raises the floor;
- a price the catalog lacks is never taken as 0.

Checked on hand-built graphs for each autoscaled kind (EKS node group, Auto Scaling group,
Karpenter GPU NodePool), against prices read from the same catalog.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

import pytest

from infra.cost.prices import HOURS_PER_MONTH, MissingPrice, load_catalog
from infra.cost.stack import estimate_stack_cost
from infra.graph import Resource, ResourceGraph

REGION = "eu-west-1"
CATALOG = load_catalog()
GP3 = CATALOG.storage_gb_month("ebs-gp3", REGION)
CPU_TYPES = ("m6i.large", "m6i.xlarge", "m6i.2xlarge")
GPU_TYPES = ("g5.xlarge", "g5.12xlarge", "g6.xlarge")


def hourly(instance_type: str, capacity: str = "on-demand") -> float:
    return CATALOG.instance_hourly(instance_type, REGION, capacity)


def line_of(resources: list[Resource], name: str) -> Any:
    cost = estimate_stack_cost(ResourceGraph("s", resources), REGION)
    [line] = [line for line in cost.lines if line.resource == name]
    return line


def node_group(types: tuple[str, ...], low: int = 1, desired: int = 2, high: int = 5,
               capacity: str = "ON_DEMAND") -> Resource:
    return Resource("urn:ng", "aws:eks/nodeGroup:NodeGroup", "ng", None, {
        "scalingConfig": {"minSize": low, "desiredSize": desired, "maxSize": high},
        "instanceTypes": list(types), "capacityType": capacity, "diskSize": 50})


@pytest.mark.parametrize("types", list(permutations(CPU_TYPES)))
def test_node_group_ceiling_is_the_max_at_the_dearest_type(types: tuple[str, ...]) -> None:
    line = line_of([node_group(types)], "ng")
    dear = max(hourly(t) for t in types) * HOURS_PER_MONTH + 50 * GP3
    cheap = min(hourly(t) for t in types) * HOURS_PER_MONTH + 50 * GP3
    assert line.ceiling == pytest.approx(5 * dear)
    assert line.floor == pytest.approx(1 * cheap)
    assert line.expected == pytest.approx(2 * cheap)


def test_node_group_on_spot_is_priced_at_spot() -> None:
    line = line_of([node_group(CPU_TYPES, capacity="SPOT")], "ng")
    dear = max(hourly(t, "spot") for t in CPU_TYPES) * HOURS_PER_MONTH + 50 * GP3
    assert line.ceiling == pytest.approx(5 * dear)


def asg(types: tuple[str, ...]) -> list[Resource]:
    template = Resource("urn:lt", "aws:ec2/launchTemplate:LaunchTemplate", "lt", None, {
        "instanceType": types[0],
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 30}}]})
    group = Resource("urn:asg", "aws:autoscaling/group:Group", "asg", None, {
        "minSize": 1, "maxSize": 4, "desiredCapacity": 1, "mixedInstancesPolicy": {
            "launchTemplate": {"overrides": [{"instanceType": t} for t in types]}}},
        dependencies=("urn:lt",))
    return [template, group]


@pytest.mark.parametrize("types", list(permutations(CPU_TYPES)))
def test_asg_ceiling_is_the_max_at_the_dearest_override(types: tuple[str, ...]) -> None:
    line = line_of(asg(types), "asg")
    dear = max(hourly(t) for t in types) * HOURS_PER_MONTH + 30 * GP3
    cheap = min(hourly(t) for t in types) * HOURS_PER_MONTH + 30 * GP3
    assert line.ceiling == pytest.approx(4 * dear)
    assert line.floor == pytest.approx(1 * cheap)


def node_pool(types: tuple[str, ...], capacity: tuple[str, ...] = ("on-demand",),
              gpus: int = 16) -> Resource:
    return Resource("urn:np", "kubernetes:karpenter.sh/v1:NodePool", "np", None, {
        "metadata": {"name": "team-gpu"},
        "spec": {"limits": {"nvidia.com/gpu": gpus}, "template": {"spec": {"requirements": [
            {"key": "node.kubernetes.io/instance-type", "operator": "In", "values": list(types)},
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": list(capacity)},
        ]}}}})


@pytest.mark.parametrize("types", list(permutations(GPU_TYPES)))
def test_gpu_pool_ceiling_is_the_limit_at_the_dearest_gpu(types: tuple[str, ...]) -> None:
    line = line_of([node_pool(types)], "np")
    per_gpu = max(hourly(t) * HOURS_PER_MONTH / CATALOG.instance(t).gpus for t in types)
    assert line.ceiling == pytest.approx(16 * per_gpu)
    assert 0 <= line.floor <= line.expected <= line.ceiling


def test_gpu_pool_ceiling_takes_on_demand_when_it_is_allowed() -> None:
    both = line_of([node_pool(GPU_TYPES, ("spot", "on-demand"))], "np")
    spot = line_of([node_pool(GPU_TYPES, ("spot",))], "np")
    per_gpu_od = max(hourly(t) * HOURS_PER_MONTH / CATALOG.instance(t).gpus for t in GPU_TYPES)
    per_gpu_spot = max(hourly(t, "spot") * HOURS_PER_MONTH / CATALOG.instance(t).gpus
                       for t in GPU_TYPES)
    assert both.ceiling == pytest.approx(16 * per_gpu_od)
    assert spot.ceiling == pytest.approx(16 * per_gpu_spot)
    assert spot.ceiling < both.ceiling


@pytest.mark.parametrize("make", [
    lambda types: ([node_group(types)], "ng"),
    lambda types: (asg(types), "asg"),
    lambda types: ([node_pool(tuple(t for t in types))], "np"),
])
def test_allowing_one_more_type_never_lowers_the_ceiling_or_raises_the_floor(make) -> None:
    for family in (CPU_TYPES, GPU_TYPES):
        try:
            resources, name = make(family[:2])
            fewer = line_of(resources, name)
        except ValueError:
            continue  # a CPU node pool has no GPU line
        resources, name = make(family)
        more = line_of(resources, name)
        assert more.ceiling >= fewer.ceiling - 1e-9
        assert more.floor <= fewer.floor + 1e-9


def test_a_missing_price_is_never_zero() -> None:
    unknown = node_group(("m6i.large", "x99.huge"))
    cost = estimate_stack_cost(ResourceGraph("s", [unknown]), REGION)
    assert not [line for line in cost.lines if line.resource == "ng"]
    assert any("x99.huge" in m for m in cost.missing_prices)
    with pytest.raises(MissingPrice):
        estimate_stack_cost(ResourceGraph("s", [unknown]), REGION, strict=True)
