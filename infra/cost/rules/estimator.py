"""The walk over a stack's resource graph, and what every pricing handler shares.

The ``Estimator`` visits each custom resource once and hands it to the handler for its type
(the service modules' ``HANDLERS``); types billed by use are listed, likely-billable types not
modelled yet are named as unpriced, free types are skipped. A price missing from the catalog
is never taken as 0: the resource is named in ``missing`` (or ``MissingPrice`` is raised when
``strict``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from infra.cost.model import CostLine, Unpriced
from infra.cost.prices import HOURS_PER_MONTH, MissingPrice, PriceCatalog
from infra.cost.rules import ec2, eks, emr, network, storage
from infra.graph import Resource, ResourceGraph
from infra.profiles import PolicyBundle, resolve

Handler = Callable[["Estimator", Resource], None]

# The profile a section's resources are priced with when the caller passes no bundle for it.
DEFAULT_PROFILES = {"gpu": "experiment", "spark": "scheduled-retrain", "desktops": "interactive",
                    "asg": "experiment"}

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

HANDLERS: dict[str, Handler] = {**ec2.HANDLERS, **network.HANDLERS, **storage.HANDLERS,
                                **eks.HANDLERS, **emr.HANDLERS}


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

    def note_usage(self, r: Resource, why: str | None = None) -> None:
        """List ``r`` as billed by use (``why`` defaults to its type's entry in USAGE_BASED)."""
        self.usage.append(Unpriced(self.component(r), r.name, r.type,
                                   why if why is not None else USAGE_BASED[r.type]))

    def fixed_hourly(self, r: Resource, kind: str) -> None:
        """Price ``r`` as always on at the catalog's hourly price of ``kind``."""
        monthly = self.catalog.hourly(kind, self.region) * HOURS_PER_MONTH
        self.add(r, monthly, monthly, monthly, f"{kind} x {HOURS_PER_MONTH:g} h")

    def instance_hourly(self, instance_type: str, capacity: str = "on-demand") -> float:
        return self.catalog.instance_hourly(instance_type, self.region, capacity)  # type: ignore[arg-type]

    def depends(self, r: Resource, type_token: str) -> Resource | None:
        for urn in r.dependencies:
            found = self.index.get(urn)
            if found is not None and found.type == type_token:
                return found
        return None

    def run(self) -> None:
        for r in self.graph.custom():
            handler = HANDLERS.get(r.type)
            try:
                if handler is not None:
                    handler(self, r)
                elif r.type in USAGE_BASED:
                    self.note_usage(r)
                elif r.type in UNPRICED:
                    self.note_unpriced(r, UNPRICED[r.type])
            except MissingPrice as exc:
                if self.strict:
                    raise
                self.missing.append(f"{r.name} ({r.type}): {exc}")
