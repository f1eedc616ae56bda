"""Stack cost on hand-built resource graphs, with every figure worked out from the catalog."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from infra.cost.prices import MissingPrice, load_catalog
from infra.cost.reference import expected_monthly, reference_trace
from infra.cost.stack import (
    Totals,
    diff_costs,
    estimate_stack_cost,
    k8s_quantity,
)
from infra.graph import Resource, ResourceGraph
from infra.profiles import resolve
from infra.simulate.engine import NodeType

H = 730.0
CAT = load_catalog()


def res(kind: str, name: str, inputs: dict | None = None, *, component: str | None = None,
        parent: str | None = None, deps: tuple[str, ...] = ()) -> Resource:
    inputs = dict(inputs or {})
    if component is not None:
        inputs["tags"] = {"teamstack:component": component}
    return Resource(urn=f"urn:pulumi:t::p::{kind}::{name}", type=kind, name=name,
                    parent=parent, inputs=inputs, dependencies=deps)


def graph(*resources: Resource) -> ResourceGraph:
    return ResourceGraph(stack="nlp-dev", resources=list(resources))


def line(cost, name):
    [found] = [x for x in cost.lines if x.resource == name]
    return found


def test_always_on_network_pieces():
    cost = estimate_stack_cost(graph(
        res("aws:ec2/natGateway:NatGateway", "nat-a", component="network"),
        res("aws:eks/cluster:Cluster", "eks", component="cluster"),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "ecr-api", {
            "vpcEndpointType": "Interface", "subnetIds": ["s1", "s2", "s3"]}, component="network"),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", {"vpcEndpointType": "Gateway"},
            component="network"),
        res("aws:ec2/eip:Eip", "nat-a-ip", component="network"),
        res("aws:lb/loadBalancer:LoadBalancer", "hub", {"loadBalancerType": "network"},
            component="notebooks"),
    ), "us-east-1")
    assert line(cost, "nat-a").totals == Totals(0.045 * H, 0.045 * H, 0.045 * H)
    assert line(cost, "eks").floor == pytest.approx(73.0)
    assert line(cost, "ecr-api").expected == pytest.approx(0.01 * H * 3)
    assert line(cost, "nat-a-ip").ceiling == pytest.approx(0.005 * H)
    assert line(cost, "hub").floor == pytest.approx(0.0225 * H)
    assert [x.resource for x in cost.lines if x.resource == "s3"] == []  # gateway: free
    assert cost.by_component()["network"].floor == pytest.approx(0.045 * H + 0.03 * H + 0.005 * H)


def test_desktop_follows_its_schedule_and_keeps_its_volume():
    desktop = res("aws:ec2/instance:Instance", "alice", {
        "instanceType": "g5.xlarge", "rootBlockDevice": {"volumeSize": 200, "volumeType": "gp3"}},
        component="desktops")
    cost = estimate_stack_cost(graph(desktop), "us-east-1",
                               bundles={"desktops": resolve("interactive")})
    # interactive: start 07:45, stop 20:00 on weekdays = 12.25 h x 5 per week.
    hours = 12.25 * 5 * H / 168
    volume = 200 * 0.08
    got = line(cost, "alice")
    assert got.floor == pytest.approx(volume)
    assert got.expected == pytest.approx(1.006 * hours + volume)
    assert got.ceiling == pytest.approx(1.006 * H + volume)
    always = resolve("interactive", SimpleNamespace(
        desktops=SimpleNamespace(schedule="always-on", timezone="UTC")))
    on = line(estimate_stack_cost(graph(desktop), "us-east-1", bundles={"desktops": always}),
              "alice")
    assert on.floor == on.expected == on.ceiling == pytest.approx(1.006 * H + volume)


def test_other_instances_and_volumes_are_always_on():
    cost = estimate_stack_cost(graph(
        res("aws:ec2/instance:Instance", "bastion", {"instanceType": "t3.medium"}),
        res("aws:ebs/volume:Volume", "data", {"size": 500, "type": "gp3"}, component="storage"),
    ), "us-east-1")
    assert line(cost, "bastion").expected == pytest.approx(0.0416 * H + 8 * 0.08)
    assert line(cost, "data").totals == Totals(40.0, 40.0, 40.0)
    assert line(cost, "bastion").component == "stack"


def test_node_group_min_desired_max():
    cost = estimate_stack_cost(graph(res("aws:eks/nodeGroup:NodeGroup", "system", {
        "instanceTypes": ["m6i.large"], "capacityType": "ON_DEMAND",
        "scalingConfig": {"minSize": 2, "maxSize": 4, "desiredSize": 3}})), "us-east-1")
    node = 0.096 * H + 20 * 0.08  # 20 GiB default disk
    assert line(cost, "system").totals == Totals(2 * node, 3 * node, 4 * node)


def test_autoscaling_group_with_scheduled_floor():
    template = res("aws:ec2/launchTemplate:LaunchTemplate", "workers-lt", {
        "instanceType": "c6i.large",
        "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50}}]})
    group = res("aws:autoscaling/group:Group", "workers", {
        "minSize": 0, "maxSize": 10, "desiredCapacity": 0}, deps=(template.urn,))
    cost = estimate_stack_cost(graph(template, group), "us-east-1",
                               bundles={"asg": resolve("experiment")})
    node = 0.085 * H + 50 * 0.08
    # experiment: min 1 from 07:45 to 19:00 on weekdays -> 56.25 of 168 hours.
    assert line(cost, "workers").floor == 0
    assert line(cost, "workers").expected == pytest.approx(56.25 / 168 * node)
    assert line(cost, "workers").ceiling == pytest.approx(10 * node)


def _gpu_pool(profile_limit: int = 16, capacity=("spot", "on-demand")) -> list[Resource]:
    node_class = res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "gpu-class", {
        "metadata": {"name": "gpu"},
        "spec": {"blockDeviceMappings": [{"deviceName": "/dev/xvda",
                                          "ebs": {"volumeSize": "200Gi"}}]}})
    pool = res("kubernetes:karpenter.sh/v1:NodePool", "nlp-gpu-pool", {
        "metadata": {"name": "nlp-gpu"},
        "spec": {"template": {"spec": {
            "nodeClassRef": {"name": "gpu"},
            "requirements": [
                {"key": "node.kubernetes.io/instance-type", "operator": "In",
                 "values": ["g5.xlarge", "g5.12xlarge"]},
                {"key": "karpenter.sh/capacity-type", "operator": "In", "values": list(capacity)},
                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}},
            "limits": {"nvidia.com/gpu": profile_limit}}})
    return [node_class, pool]


def test_gpu_node_pool_floor_expected_ceiling():
    cost = estimate_stack_cost(graph(*_gpu_pool()), "us-east-1",
                               bundles={"gpu": resolve("experiment")})
    got = line(cost, "nlp-gpu-pool")
    disk = 200 * 0.08
    # Ceiling: 16 GPUs at the priciest per-GPU type (g5.12xlarge: 4 GPUs), on-demand.
    assert got.ceiling == pytest.approx(16 * (5.672 * H + disk) / 4)
    assert got.floor == 0  # experiment keeps warm nodes only in working hours
    # Expected: the experiment reference workload replayed on the cheapest GPU (g5.xlarge).
    node = NodeType("g5.xlarge", 1, 1.006, CAT.instance_hourly("g5.xlarge", "us-east-1", "spot"))
    usd, node_hours = expected_monthly("experiment", 16, node)
    assert got.expected == pytest.approx(usd + node_hours * disk / H)
    assert 0 < got.expected < got.ceiling


def test_service_gpu_pool_has_an_always_on_floor_and_pool_name_picks_the_bundle():
    cost = estimate_stack_cost(graph(*_gpu_pool(capacity=("on-demand",))), "us-east-1",
                               bundles={"gpu": resolve("experiment"),
                                        "nlp-gpu": resolve("service")})
    got = line(cost, "nlp-gpu-pool")
    assert got.floor == pytest.approx(1.006 * H + 200 * 0.08)  # one warm g5.xlarge
    assert "service on its reference workload" in got.basis


def test_cpu_node_pool_ceiling_from_requirements():
    pool = res("kubernetes:karpenter.sh/v1:NodePool", "general", {
        "metadata": {"name": "general"},
        "spec": {"template": {"spec": {"requirements": [
            {"key": "karpenter.k8s.aws/instance-category", "operator": "In",
             "values": ["c", "m", "r"]},
            {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt", "values": ["5"]},
            {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]}]}},
            "limits": {"cpu": 512}}})
    got = line(estimate_stack_cost(graph(pool), "us-east-1"), "general")
    # Priciest per vCPU among c6i/m6i/m7i/r6i is r6i at $0.063 per vCPU-hour.
    assert got.ceiling == pytest.approx(512 * 0.063 * H)
    assert got.floor == got.expected == 0


def test_emr_standing_cluster_and_scheduled_runs():
    cluster = res("aws:emr/cluster:Cluster", "spark", {
        "masterInstanceGroup": {"instanceType": "m6i.xlarge", "instanceCount": 1},
        "coreInstanceGroup": {"instanceType": "m6i.2xlarge", "instanceCount": 2,
                              "ebsConfigs": [{"size": 64, "type": "gp3",
                                              "volumesPerInstance": 1}]}}, component="spark")
    scaling = res("aws:emr/managedScalingPolicy:ManagedScalingPolicy", "spark-scaling", {
        "computeLimits": [{"unitType": "Instances", "minimumCapacityUnits": 2,
                           "maximumCapacityUnits": 10}]}, deps=(cluster.urn,))
    request = {"Instances": {"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m6i.xlarge", "InstanceCount": 1},
        {"InstanceRole": "CORE", "InstanceType": "m6i.2xlarge", "InstanceCount": 1}]},
        "ManagedScalingPolicy": {"ComputeLimits": {"MinimumCapacityUnits": 1,
                                                   "MaximumCapacityUnits": 5}}}
    schedule = res("aws:scheduler/schedule:Schedule", "retrain", {
        "scheduleExpression": "cron(0 2 * * ? *)",
        "target": {"arn": "arn:aws:scheduler:::aws-sdk:emr:runJobFlow",
                   "input": json.dumps(request)}}, component="spark")
    cost = estimate_stack_cost(graph(cluster, scaling, schedule), "us-east-1")
    primary = 0.192 + 0.048
    core = 0.384 + 0.096
    core_with_disk = core + 64 * 0.08 / H
    standing = line(cost, "spark")
    assert standing.floor == pytest.approx((primary + 2 * core_with_disk) * H)
    assert standing.ceiling == pytest.approx((primary + 10 * core_with_disk) * H)
    runs = 28 * H / (28 * 24)  # daily
    nightly = line(cost, "retrain")
    assert nightly.floor == 0
    assert nightly.expected == pytest.approx(runs * 2 * (primary + core))
    assert nightly.ceiling == pytest.approx(H * (primary + 5 * core))


def test_efs_priced_from_the_request_or_listed_as_usage():
    fs = res("aws:efs/fileSystem:FileSystem", "home", component="storage")
    sized = estimate_stack_cost(graph(fs), "eu-west-1",
                                request=SimpleNamespace(storage=SimpleNamespace(
                                    shared_home_gib=500)))
    assert line(sized, "home").expected == pytest.approx(500 * 0.33)
    unsized = estimate_stack_cost(graph(fs), "eu-west-1")
    assert unsized.lines == () and "shared_home_gib" in unsized.usage_based[0].why


def test_unpriced_usage_free_and_missing_are_kept_apart():
    cost = estimate_stack_cost(graph(
        res("aws:kms/key:Key", "team-key"),
        res("aws:s3/bucket:Bucket", "datasets"),
        res("aws:iam/role:Role", "people"),
        res("kubernetes:core/v1:Namespace", "nlp"),
        res("aws:ec2/instance:Instance", "odd", {"instanceType": "x9.huge"}),
    ), "us-east-1")
    assert [u.resource for u in cost.unpriced] == ["team-key"]
    assert [u.resource for u in cost.usage_based] == ["datasets"]
    assert len(cost.missing_prices) == 1 and "x9.huge" in cost.missing_prices[0]
    assert cost.lines == ()  # never priced at 0
    with pytest.raises(MissingPrice, match=r"x9\.huge"):
        estimate_stack_cost(graph(res("aws:ec2/instance:Instance", "odd",
                                      {"instanceType": "x9.huge"})), "us-east-1", strict=True)


def test_components_from_tags_or_owning_component_and_json():
    owner = Resource(urn="urn:pulumi:t::p::teamstack:k8s:GpuPool::nlp-gpu",
                     type="teamstack:k8s:GpuPool", name="nlp-gpu", parent=None, inputs={},
                     custom=False)
    node_class, pool = _gpu_pool()
    pool = Resource(**{**pool.__dict__, "parent": owner.urn})
    cost = estimate_stack_cost(graph(owner, node_class, pool,
                                     res("aws:ec2/natGateway:NatGateway", "nat",
                                         component="network")), "us-east-1")
    assert set(cost.by_component()) == {"nlp-gpu", "network"}
    total = cost.total()
    assert total.floor == pytest.approx(sum(t.floor for t in cost.by_component().values()))
    data = json.loads(json.dumps(cost.to_json()))
    assert data["total"]["ceiling"] == pytest.approx(total.ceiling)
    assert data["prices_taken_on"] == CAT.taken_on.isoformat()


def test_diff_against_base():
    base = estimate_stack_cost(graph(
        res("aws:ebs/volume:Volume", "scratch", {"size": 100}),
        res("aws:eks/nodeGroup:NodeGroup", "system", {
            "instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 2, "maxSize": 4}}),
    ), "us-east-1")
    head = estimate_stack_cost(graph(
        res("aws:ec2/natGateway:NatGateway", "nat"),
        res("aws:eks/nodeGroup:NodeGroup", "system", {
            "instanceTypes": ["m6i.large"], "scalingConfig": {"minSize": 3, "maxSize": 4}}),
    ), "us-east-1")
    diff = diff_costs(base, head)
    node = 0.096 * H + 1.6
    assert [x.resource for x in diff.added] == ["nat"]
    assert [x.resource for x in diff.removed] == ["scratch"]
    assert [(b.floor, h.floor) for b, h in diff.changed] == [(2 * node, 3 * node)]
    assert diff.delta.floor == pytest.approx(0.045 * H + node - 8.0)
    assert diff.components["stack"][1] == head.by_component()["stack"]
    assert diff_costs(None, head).delta == head.total()
    assert json.loads(json.dumps(diff.to_json()))["delta"]["ceiling"] == pytest.approx(
        diff.delta.ceiling)


@pytest.mark.parametrize(("text", "value"), [
    ("16", 16.0), (16, 16.0), ("500m", 0.5), ("2k", 2000.0), ("1Gi", 1024.0**3), ("x", None)])
def test_k8s_quantity(text, value):
    assert k8s_quantity(text) == value


def test_reference_traces_are_deterministic_and_sized_to_the_quota():
    for profile in ("interactive", "experiment", "scheduled-retrain", "adhoc-training",
                    "service"):
        first, again = reference_trace(profile, 8), reference_trace(profile, 8)
        assert first.submit == again.submit and first.gpus == again.gpus
        assert max(first.gpus) <= 8
    # The nightly retrain uses half the quota.
    assert set(reference_trace("scheduled-retrain", 16).gpus) == {8.0}


def test_markdown_and_terminal_rendering_show_components_totals_and_change():
    from rich.console import Console

    from infra.cost.render import markdown, rich_table, usd

    base = estimate_stack_cost(graph(res("aws:ebs/volume:Volume", "scratch", {"size": 100},
                                         component="storage")), "us-east-1")
    head = estimate_stack_cost(graph(
        res("aws:ebs/volume:Volume", "scratch", {"size": 100}, component="storage"),
        res("aws:ec2/natGateway:NatGateway", "nat", component="network"),
        res("aws:kms/key:Key", "key", component="storage"),
        res("aws:ec2/instance:Instance", "odd", {"instanceType": "x9.huge"})), "us-east-1")
    text = markdown(head, diff_costs(base, head))
    assert "| network | $33 | $33 | $33 | +$33 / +$33 / +$33 |" in text
    assert "| storage | $8 | $8 | $8 | $0 / $0 / $0 |" in text
    assert "| **total** | **$41** |" in text
    assert "MISSING PRICE (not counted): odd" in text and "unpriced: key" in text
    console = Console(width=200, record=True)
    console.print(rich_table(head))
    shown = console.export_text()  # exporting clears the record
    assert "network" in shown and "$41" in shown
    assert usd(12_345) == "$12.3k" and usd(-5, signed=True) == "-$5"
