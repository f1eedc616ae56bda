"""The pricing rules: one handler per billable resource type of the resource graph.

Each handler reads the resource's engine inputs (camelCase) and adds a ``CostLine`` with its
monthly floor, expected figure and ceiling, plus a one-line basis saying how it got them.
Assumptions are documented in ``infra.cost.stack``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter

from infra.cost.model import CostLine, Unpriced
from infra.cost.prices import HOURS_PER_MONTH, MissingPrice, PriceCatalog
from infra.cost.reference import expected_monthly
from infra.graph import Resource, ResourceGraph
from infra.profiles import PolicyBundle, resolve
from infra.simulate.engine import NodeType

GPU_RESOURCE = "nvidia.com/gpu"
NODE_POOL_TYPE = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS_TYPE = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"
DEFAULT_PROFILES = {"gpu": "experiment", "spark": "scheduled-retrain", "desktops": "interactive",
                    "asg": "experiment"}
DEFAULT_ROOT_GIB = 8.0  # the AMI default when an instance does not say
# A run of a scheduled EMR job: hours per run assumed for "expected" (the ceiling assumes a
# run lasts until the next one starts).
SCHEDULED_RUN_HOURS = 2.0

# Billed by use; listed so a reviewer sees them, not estimated.
USAGE_BASED: dict[str, str] = {
    "aws:s3/bucket:Bucket": "S3 storage and requests are billed by use",
    "aws:s3/bucketV2:BucketV2": "S3 storage and requests are billed by use",
    "aws:cloudwatch/logGroup:LogGroup": "log ingestion and storage are billed by use",
    "aws:ec2/flowLog:FlowLog": "flow log delivery is billed by volume",
    "aws:sqs/queue:Queue": "SQS requests are billed by use",
    "aws:ecr/repository:Repository": "image storage is billed by use",
    "aws:scheduler/schedule:Schedule": "schedule invocations are billed by use",
}
# Likely billable, not modelled yet: always listed.
UNPRICED: dict[str, str] = {
    "aws:kms/key:Key": "KMS keys cost about $1 a month each plus requests",
    "aws:secretsmanager/secret:Secret": "secrets cost about $0.40 a month each",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "alarms cost about $0.10 a month each",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm": "composite alarms cost $0.50 a month each",
    "aws:route53/zone:Zone": "hosted zones cost $0.50 a month each",
    "aws:ec2/transitGateway:TransitGateway": "transit gateway attachments are billed hourly",
    "aws:rds/instance:Instance": "databases are not in teamstack's cost model",
    "aws:elasticache/cluster:Cluster": "caches are not in teamstack's cost model",
    "aws:fsx/lustreFileSystem:LustreFileSystem": "FSx is not in teamstack's cost model",
    "aws:sagemaker/notebookInstance:NotebookInstance": "SageMaker is not in the cost model",
}



def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)(m|k|M|G|Ki|Mi|Gi|Ti)?$")
_QUANTITY_SCALE = {None: 1.0, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 1024.0,
                   "Mi": 1024.0**2, "Gi": 1024.0**3, "Ti": 1024.0**4}


def k8s_quantity(value: Any) -> float | None:
    """A Kubernetes quantity ("16", 16, "500m", "200Gi") as a number (bytes for Gi etc.)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    return float(match.group(1)) * _QUANTITY_SCALE[match.group(2)]


def _gib(value: Any) -> float | None:
    """Volume size: a number of GiB, or a quantity string such as "200Gi"."""
    number = _num(value)
    if number is not None:
        return number
    quantity = k8s_quantity(value)
    return None if quantity is None else quantity / 1024.0**3


def _dig(data: Any, *path: str | int) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(data, list) or len(data) <= key:
                return None
            data = data[key]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def _week_hours(start_cron: str, stop_cron: str, timezone: str) -> float:
    """Hours a week between each start and the next stop (cron in ``timezone``)."""
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(timezone)
    origin = datetime(2024, 1, 1, tzinfo=UTC).astimezone(zone)
    end = origin + timedelta(days=7)
    starts = croniter(start_cron, origin)
    total = 0.0
    start = starts.get_next(datetime)
    while start < end:
        stop = croniter(stop_cron, start).get_next(datetime)
        total += (min(stop, end) - start).total_seconds() / 3600.0
        start = starts.get_next(datetime)
    return total


class Estimator:
    """Walks the graph once and prices what it knows."""

    def __init__(self, graph: ResourceGraph, region: str, catalog: PriceCatalog,
                 bundles: Mapping[str, PolicyBundle], request: object | None,
                 strict: bool) -> None:
        self.graph = graph
        self.region = region
        self.catalog = catalog
        self.bundles = dict(bundles)
        self.request = request
        self.strict = strict
        self.index = graph.by_urn()
        self.lines: list[CostLine] = []
        self.unpriced: list[Unpriced] = []
        self.usage: list[Unpriced] = []
        self.missing: list[str] = []

    # -- plumbing
    def bundle(self, section: str, name: str | None = None) -> PolicyBundle:
        if name is not None and name in self.bundles:
            return self.bundles[name]
        if section in self.bundles:
            return self.bundles[section]
        return resolve(DEFAULT_PROFILES[section])

    def component(self, resource: Resource) -> str:
        if resource.component:
            return resource.component
        owner = self.graph.owning_component(resource)
        return owner.name if owner is not None else "stack"

    def add(self, r: Resource, floor: float, expected: float, ceiling: float,
            basis: str) -> None:
        expected = min(max(expected, floor), ceiling)
        self.lines.append(CostLine(self.component(r), r.name, r.type, floor, expected, ceiling,
                                   basis))

    def note_unpriced(self, r: Resource, why: str) -> None:
        self.unpriced.append(Unpriced(self.component(r), r.name, r.type, why))

    def instance_hourly(self, instance_type: str, capacity: str = "on-demand") -> float:
        return self.catalog.instance_hourly(instance_type, self.region, capacity)  # type: ignore[arg-type]

    def depends(self, r: Resource, type_token: str) -> Resource | None:
        for urn in r.dependencies:
            found = self.index.get(urn)
            if found is not None and found.type == type_token:
                return found
        return None

    def run(self) -> None:
        handlers = {
            "aws:ec2/instance:Instance": self.instance,
            "aws:ebs/volume:Volume": self.volume,
            "aws:ec2/volume:Volume": self.volume,
            "aws:ec2/natGateway:NatGateway": self.fixed_hourly("nat-gateway"),
            "aws:eks/cluster:Cluster": self.fixed_hourly("eks-cluster"),
            "aws:ec2/eip:Eip": self.fixed_hourly("public-ipv4"),
            "aws:ec2/vpcEndpoint:VpcEndpoint": self.vpc_endpoint,
            "aws:lb/loadBalancer:LoadBalancer": self.load_balancer,
            "aws:alb/loadBalancer:LoadBalancer": self.load_balancer,
            "aws:efs/fileSystem:FileSystem": self.file_system,
            "aws:eks/nodeGroup:NodeGroup": self.node_group,
            "aws:autoscaling/group:Group": self.autoscaling_group,
            "aws:emr/cluster:Cluster": self.emr_cluster,
            "aws:scheduler/schedule:Schedule": self.schedule,
            NODE_POOL_TYPE: self.node_pool,
        }
        for r in self.graph.custom():
            handler = handlers.get(r.type)
            try:
                if handler is not None:
                    handler(r)
                elif r.type in USAGE_BASED:
                    self.usage.append(Unpriced(self.component(r), r.name, r.type,
                                               USAGE_BASED[r.type]))
                elif r.type in UNPRICED:
                    self.note_unpriced(r, UNPRICED[r.type])
            except MissingPrice as exc:
                if self.strict:
                    raise
                self.missing.append(f"{r.name} ({r.type}): {exc}")

    # -- always-on things
    def fixed_hourly(self, kind: str):
        def price(r: Resource) -> None:
            monthly = self.catalog.hourly(kind, self.region) * HOURS_PER_MONTH
            self.add(r, monthly, monthly, monthly, f"{kind} x {HOURS_PER_MONTH:g} h")
        return price

    def vpc_endpoint(self, r: Resource) -> None:
        if str(r.inputs.get("vpcEndpointType", "Gateway")) != "Interface":
            return  # gateway endpoints (S3, DynamoDB) are free
        zones = len(r.inputs.get("subnetIds") or []) or 1
        monthly = self.catalog.hourly("vpc-interface-endpoint", self.region) * HOURS_PER_MONTH
        self.add(r, monthly * zones, monthly * zones, monthly * zones,
                 f"interface endpoint in {zones} zone(s) x {HOURS_PER_MONTH:g} h "
                 "(data processed not included)")

    def load_balancer(self, r: Resource) -> None:
        kind = {"application": "alb", "network": "nlb"}.get(
            str(r.inputs.get("loadBalancerType", "application")))
        if kind is None:
            self.note_unpriced(r, f"load balancer type {r.inputs.get('loadBalancerType')!r}")
            return
        monthly = self.catalog.hourly(kind, self.region) * HOURS_PER_MONTH
        self.add(r, monthly, monthly, monthly, f"{kind} hours (capacity units not included)")

    def volume(self, r: Resource) -> None:
        size = _num(r.inputs.get("size"))
        if size is None:
            self.note_unpriced(r, "volume size unknown in the plan")
            return
        kind = f"ebs-{r.inputs.get('type', 'gp3')}"
        monthly = size * self.catalog.storage_gb_month(kind, self.region)
        self.add(r, monthly, monthly, monthly, f"{size:g} GiB {kind}")

    def file_system(self, r: Resource) -> None:
        size = _num(getattr(getattr(self.request, "storage", None), "shared_home_gib", None))
        if size is None:
            self.usage.append(Unpriced(self.component(r), r.name, r.type,
                                       "EFS is billed by stored GB; set storage.shared_home_gib "
                                       "to estimate it"))
            return
        monthly = size * self.catalog.storage_gb_month("efs-standard", self.region)
        self.add(r, monthly, monthly, monthly,
                 f"{size:g} GB EFS Standard (storage.shared_home_gib; IA tiering not counted)")

    # -- instances and groups
    def _root_gib(self, r: Resource) -> tuple[float, str]:
        root = r.inputs.get("rootBlockDevice") or {}
        size = _num(root.get("volumeSize")) or DEFAULT_ROOT_GIB
        kind = f"ebs-{root.get('volumeType', 'gp3')}"
        return size, kind

    def instance(self, r: Resource) -> None:
        instance_type = str(r.inputs.get("instanceType", ""))
        hourly = self.instance_hourly(instance_type)
        size, kind = self._root_gib(r)
        disks = size * self.catalog.storage_gb_month(kind, self.region)
        for extra in r.inputs.get("ebsBlockDevices") or []:
            gib = _num(extra.get("volumeSize"))
            if gib is not None:
                disks += gib * self.catalog.storage_gb_month(
                    f"ebs-{extra.get('volumeType', 'gp3')}", self.region)
        always = hourly * HOURS_PER_MONTH + disks
        if self.component(r) != "desktops":
            self.add(r, always, always, always, f"{instance_type} always on + {size:g} GiB")
            return
        desktops = self.bundle("desktops").desktops
        if desktops.start_schedule and desktops.stop_schedule:
            hours = _week_hours(desktops.start_schedule, desktops.stop_schedule,
                                desktops.timezone) * HOURS_PER_MONTH / 168.0
            basis = f"{instance_type} {hours:.0f} h/month on its schedule"
        elif desktops.idle_stop_minutes:
            hours = 8 * 5 * HOURS_PER_MONTH / 168.0
            basis = f"{instance_type} started on demand, ~8 h per working day"
        else:
            hours = HOURS_PER_MONTH
            basis = f"{instance_type} always on"
        floor = disks if desktops.idle_stop_minutes or desktops.stop_schedule else always
        self.add(r, floor, hourly * hours + disks, always,
                 f"{basis}; floor is its {size:g} GiB volume while stopped")

    def _template_disk_gib(self, r: Resource) -> float:
        template = self.depends(r, "aws:ec2/launchTemplate:LaunchTemplate")
        total = 0.0
        for mapping in (template.inputs.get("blockDeviceMappings") or []) if template else []:
            gib = _num(_dig(mapping, "ebs", "volumeSize"))
            total += gib or 0.0
        return total

    def node_group(self, r: Resource) -> None:
        scaling = r.inputs.get("scalingConfig") or {}
        low, high = _num(scaling.get("minSize")), _num(scaling.get("maxSize"))
        desired = _num(scaling.get("desiredSize"))
        types = list(r.inputs.get("instanceTypes") or [])
        if low is None or high is None or not types:
            self.note_unpriced(r, "node group size or instance types unknown in the plan")
            return
        capacity = "spot" if str(r.inputs.get("capacityType", "ON_DEMAND")) == "SPOT" \
            else "on-demand"
        prices = [self.instance_hourly(t, capacity) for t in types]
        disk = (self._template_disk_gib(r) or _num(r.inputs.get("diskSize")) or 20.0) * \
            self.catalog.storage_gb_month("ebs-gp3", self.region)
        per_node_low = min(prices) * HOURS_PER_MONTH + disk
        per_node_high = max(prices) * HOURS_PER_MONTH + disk
        self.add(r, low * per_node_low, (desired if desired is not None else low) * per_node_low,
                 high * per_node_high,
                 f"{'/'.join(types)} {capacity}: min {low:g}, desired "
                 f"{desired if desired is not None else low:g}, max {high:g} nodes")

    def autoscaling_group(self, r: Resource) -> None:
        low, high = _num(r.inputs.get("minSize")), _num(r.inputs.get("maxSize"))
        desired = _num(r.inputs.get("desiredCapacity"))
        template = self.depends(r, "aws:ec2/launchTemplate:LaunchTemplate")
        instance_type = template.inputs.get("instanceType") if template else None
        overrides = _dig(r.inputs, "mixedInstancesPolicy", "launchTemplate", "overrides") or []
        types = [o.get("instanceType") for o in overrides if o.get("instanceType")] or \
            ([instance_type] if instance_type else [])
        if low is None or high is None or not types:
            self.note_unpriced(r, "group size or instance type unknown in the plan")
            return
        prices = [self.instance_hourly(str(t)) for t in types]
        disk = self._template_disk_gib(r) * self.catalog.storage_gb_month("ebs-gp3", self.region)
        node_low = min(prices) * HOURS_PER_MONTH + disk
        node_high = max(prices) * HOURS_PER_MONTH + disk
        expected_nodes = desired if desired is not None else low
        asg = self.bundle("asg").asg
        basis = f"{'/'.join(map(str, types))}: min {low:g}, max {high:g}"
        if asg.scheduled_actions:
            weekly = _scheduled_average(asg.scheduled_actions, asg.timezone, base=low)
            expected_nodes = max(expected_nodes, weekly)
            basis += f", scheduled floor averages {weekly:.2f}"
        self.add(r, low * node_low, expected_nodes * node_low, high * node_high, basis)

    # -- Spark
    def _emr_hourly(self, instance_type: str) -> float:
        return self.instance_hourly(instance_type) + self.catalog.emr_hourly(instance_type,
                                                                              self.region)

    def emr_cluster(self, r: Resource) -> None:
        master = r.inputs.get("masterInstanceGroup") or {}
        core = r.inputs.get("coreInstanceGroup") or {}
        if not master.get("instanceType") or not core.get("instanceType"):
            self.note_unpriced(r, "EMR instance groups unknown in the plan")
            return
        primary = self._emr_hourly(str(master["instanceType"])) * \
            (_num(master.get("instanceCount")) or 1)
        core_hourly = self._emr_hourly(str(core["instanceType"]))
        ebs = sum((_num(c.get("size")) or 0) * (_num(c.get("volumesPerInstance")) or 1)
                  for c in core.get("ebsConfigs") or [])
        core_hourly += ebs * self.catalog.storage_gb_month("ebs-gp3", self.region) / \
            HOURS_PER_MONTH
        core_min = _num(core.get("instanceCount")) or 1
        core_max = core_min
        for other in self.graph.of_type("aws:emr/managedScalingPolicy:ManagedScalingPolicy"):
            if r.urn in other.dependencies:
                limits = _dig(other.inputs, "computeLimits", 0) or {}
                core_max = max(core_max, _num(limits.get("maximumCapacityUnits")) or core_min)
                core_min = _num(limits.get("minimumCapacityUnits")) or core_min
        idle = _dig(r.inputs, "autoTerminationPolicy", "idleTimeout")
        running = (primary + core_min * core_hourly) * HOURS_PER_MONTH
        ceiling = (primary + core_max * core_hourly) * HOURS_PER_MONTH
        if idle is None:
            self.add(r, running, running, ceiling,
                     f"standing cluster: core {core_min:g}-{core_max:g} instances (EMR fee "
                     "included)")
            return
        profile = self.bundle("spark").profile
        expected = running * _SPARK_DUTY.get(profile, 0.25)
        self.add(r, 0.0, expected, ceiling,
                 f"auto-terminates after {idle} s idle: expected busy "
                 f"{expected / running:.0%} of the month at min size")

    def schedule(self, r: Resource) -> None:
        target = r.inputs.get("target") or {}
        if not str(target.get("arn", "")).endswith(":emr:runJobFlow"):
            self.usage.append(Unpriced(self.component(r), r.name, r.type,
                                       USAGE_BASED[r.type]))
            return
        try:
            request = json.loads(str(target.get("input", "")))
        except json.JSONDecodeError:
            self.note_unpriced(r, "scheduled EMR request not readable in the plan")
            return
        groups = {g.get("InstanceRole"): g for g in _dig(request, "Instances",
                                                         "InstanceGroups") or []}
        if "MASTER" not in groups or "CORE" not in groups:
            self.note_unpriced(r, "scheduled EMR request has no primary/core groups")
            return
        primary = self._emr_hourly(groups["MASTER"]["InstanceType"]) * \
            groups["MASTER"].get("InstanceCount", 1)
        core_hourly = self._emr_hourly(groups["CORE"]["InstanceType"])
        limits = _dig(request, "ManagedScalingPolicy", "ComputeLimits") or {}
        core_min = limits.get("MinimumCapacityUnits", groups["CORE"].get("InstanceCount", 1))
        core_max = limits.get("MaximumCapacityUnits", core_min)
        runs = _runs_per_month(str(r.inputs.get("scheduleExpression", "")))
        if runs is None:
            self.note_unpriced(r, f"schedule {r.inputs.get('scheduleExpression')!r} not read")
            return
        expected = runs * SCHEDULED_RUN_HOURS * (primary + core_min * core_hourly)
        ceiling = HOURS_PER_MONTH * (primary + core_max * core_hourly)
        self.add(r, 0.0, expected, ceiling,
                 f"{runs:.0f} transient clusters a month x {SCHEDULED_RUN_HOURS:g} h at min size;"
                 " ceiling: runs back to back at max size")

    # -- Karpenter
    def _allowed(self, requirements: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
        types = self.catalog.instance_types()
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
                def generation(name: str) -> int:
                    digits = re.match(r"^[a-z]+(\d+)", name)
                    return int(digits.group(1)) if digits else 0
                if op == "Gt":
                    types = [t for t in types if generation(t) > int(values[0])]
                elif op == "In":
                    types = [t for t in types if str(generation(t)) in values]
        return types, capacity

    def _node_class_gib(self, pool: Resource) -> float:
        name = _dig(pool.inputs, "spec", "template", "spec", "nodeClassRef", "name")
        for node_class in self.graph.of_type(NODE_CLASS_TYPE):
            if _dig(node_class.inputs, "metadata", "name") == name:
                return sum(_gib(_dig(m, "ebs", "volumeSize")) or 0.0
                           for m in _dig(node_class.inputs, "spec", "blockDeviceMappings") or [])
        return 0.0

    def node_pool(self, r: Resource) -> None:
        spec = r.inputs.get("spec") or {}
        requirements = _dig(spec, "template", "spec", "requirements") or []
        limits = spec.get("limits") or {}
        types, capacity = self._allowed(requirements)
        if not types:
            self.note_unpriced(r, "no instance type in the price catalog matches the "
                                  "NodePool's requirements")
            return
        disk_month = self._node_class_gib(r) * self.catalog.storage_gb_month("ebs-gp3",
                                                                           self.region)
        pricey = "on-demand" if "on-demand" in capacity else capacity[0]
        gpus = k8s_quantity(limits.get(GPU_RESOURCE)) if GPU_RESOURCE in limits else None
        if gpus is None:
            cpu = k8s_quantity(limits.get("cpu")) if "cpu" in limits else None
            if cpu is None:
                self.note_unpriced(r, "NodePool without a cpu or GPU limit has no ceiling")
                return
            per_cpu = max((self.instance_hourly(t, pricey) * HOURS_PER_MONTH + disk_month)
                          / max(self.catalog.instance(t).vcpus, 1) for t in types)
            self.add(r, 0.0, 0.0, cpu * per_cpu,
                     f"CPU pool: 0 nodes at rest, ceiling {cpu:g} vCPU at the priciest allowed "
                     "type; expected is usage-driven and not estimated")
            return
        gpu_types = [t for t in types if self.catalog.instance(t).gpus > 0]
        if not gpu_types:
            self.note_unpriced(r, "GPU limit but no GPU instance type allowed")
            return
        per_gpu = max((self.instance_hourly(t, pricey) * HOURS_PER_MONTH + disk_month)
                      / self.catalog.instance(t).gpus for t in gpu_types)
        ceiling = gpus * per_gpu
        name = str(_dig(r.inputs, "metadata", "name") or r.name)
        bundle = self.bundle("gpu", name)
        cheapest = self.catalog.cheapest(gpu_types, self.region)
        info = self.catalog.instance(cheapest)
        node = NodeType(cheapest, info.gpus, self.instance_hourly(cheapest, "on-demand"),
                        self.instance_hourly(cheapest, "spot") if "spot" in capacity
                        else self.instance_hourly(cheapest, "on-demand"))
        always = max((w.nodes for w in bundle.karpenter.warm_floor if w.schedule is None),
                     default=0)
        floor_price = node.spot_hourly if "spot" in capacity else node.on_demand_hourly
        floor = min(always * (floor_price * HOURS_PER_MONTH + disk_month), ceiling)
        expected, node_hours = expected_monthly(bundle.profile, int(gpus), node)
        expected += node_hours * disk_month / HOURS_PER_MONTH
        self.add(r, floor, expected, ceiling,
                 f"{bundle.profile} on its reference workload with {gpus:g} GPUs of {cheapest}"
                 f" ({'/'.join(capacity)}); ceiling {gpus:g} GPUs at the priciest allowed type")


# Share of the month an auto-terminating EMR cluster is expected to be up, by the Spark
# profile (an assumption, shown in the line's basis): working hours for interactive use
# (55 of 168 h), bursts for experiments, a few hours a night for retraining.
_SPARK_DUTY = {"interactive": 0.33, "experiment": 0.25, "scheduled-retrain": 0.15,
               "adhoc-training": 0.2, "service": 1.0}


def _scheduled_average(actions: tuple[Any, ...], timezone: str, base: float) -> float:
    """Time-weighted average of the minimum size that scheduled actions set over a week."""
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(timezone)
    origin = datetime(2024, 1, 1, tzinfo=UTC).astimezone(zone)
    end = origin + timedelta(days=7)
    changes: list[tuple[datetime, float]] = []
    for action in actions:
        it = croniter(action.recurrence, origin)
        moment = it.get_next(datetime)
        while moment < end:
            changes.append((moment, float(action.min_size)))
            moment = it.get_next(datetime)
    changes.sort()
    level, last, area = base, origin, 0.0
    for moment, size in changes:
        area += level * (moment - last).total_seconds()
        level, last = size, moment
    area += level * (end - last).total_seconds()
    return area / (end - origin).total_seconds()


def _runs_per_month(expression: str) -> float | None:
    """Runs a month of an EventBridge ``cron(m h dom mon dow year)`` or ``rate(n unit)``."""
    match = re.match(r"^cron\((.+)\)$", expression.strip())
    if match:
        fields = match.group(1).split()
        if len(fields) != 6:
            return None
        minute, hour, dom, month, dow, _year = fields
        dom = "*" if dom == "?" else dom
        dow = "*" if dow == "?" else dow
        try:
            it = croniter(f"{minute} {hour} {dom} {month} {dow}", datetime(2024, 1, 1))
        except (ValueError, KeyError):
            return None
        end = datetime(2024, 1, 1) + timedelta(days=28)
        count = 0
        while it.get_next(datetime) < end:
            count += 1
        return count * HOURS_PER_MONTH / (28 * 24)
    match = re.match(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$",
                     expression.strip())
    if match:
        unit = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}[match.group(2).rstrip("s")]
        return HOURS_PER_MONTH / (int(match.group(1)) * unit)
    return None
