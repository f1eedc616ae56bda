"""The shape of a policy bundle: one frozen record per layer, plain values, reasons beside them.

Components read values as plain attributes (``bundle.karpenter.consolidate_after``) so that
they never unwrap anything; the one-line reason for every value sits in ``bundle.reasons``
(and ``bundle.reason(layer, field)``) where ``teamstack profiles`` and reviews can show it.

Some values are only the *starting point* of a field that something else owns at run time (an
autoscaler moves an ASG's desired capacity; a CronJob patches a runner set's minimum). Those
are declared here, once, as ``RuntimeOwned`` entries, so that components build their Pulumi
``ignore_changes`` lists from the same facts that the drift report uses to call the movement
expected. Which fields are runtime-owned depends on the values (a runner set has a scheduled
floor only if the profile gives it one), hence a method rather than static metadata.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

LAYERS: tuple[str, ...] = ("karpenter", "asg", "spark", "notebooks", "desktops", "ci_runners")

# Karpenter duration strings: "0s", "30s", "5m", "720h", "1h30m", or "Never".
_DURATION = re.compile(r"^(?:Never|(?:\d+h)?(?:\d+m)?(?:\d+s)?)$")


def duration_seconds(text: str) -> float:
    """Seconds in a Karpenter-style duration ("5m", "1h30m", "0s"); ``inf`` for "Never"."""
    if text == "Never":
        return float("inf")
    if not text or not _DURATION.match(text):
        raise ValueError(f"not a duration: {text!r} (expected e.g. '30s', '5m', '720h', 'Never')")
    total = 0
    for amount, unit in re.findall(r"(\d+)([hms])", text):
        total += int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
    return float(total)


@dataclass(frozen=True)
class Budget:
    """A Karpenter disruption budget; ``schedule`` is UTC cron (Karpenter has no time zone)."""

    nodes: str
    schedule: str | None = None
    duration: str | None = None
    reasons: tuple[str, ...] | None = None


@dataclass(frozen=True)
class NodeWindow:
    """Warm GPU capacity: keep ``nodes`` nodes up from each ``schedule`` start for ``duration``.

    ``schedule`` is cron in ``timezone`` (it is enforced by a Kubernetes CronJob, which has a
    time zone); ``schedule=None`` means always.
    """

    nodes: int
    schedule: str | None = None
    duration: str | None = None


@dataclass(frozen=True)
class RunnerWindow:
    """A scheduled floor of idle CI runners (cron in the layer's time zone)."""

    min_runners: int
    schedule: str | None = None
    duration: str | None = None


@dataclass(frozen=True)
class ScheduledAction:
    """An EC2 Auto Scaling scheduled action (recurrence is cron in the layer's time zone)."""

    name: str
    recurrence: str
    min_size: int
    max_size: int
    desired_capacity: int


@dataclass(frozen=True)
class KarpenterPolicy:
    """A Karpenter v1 NodePool for the team's GPU work."""

    instance_types: tuple[str, ...]
    capacity_types: tuple[str, ...]
    consolidation_policy: Literal["WhenEmpty", "WhenEmptyOrUnderutilized"]
    consolidate_after: str
    budgets: tuple[Budget, ...]
    expire_after: str
    do_not_disrupt_training: bool
    max_gpus: int
    warm_floor: tuple[NodeWindow, ...]
    timezone: str


@dataclass(frozen=True)
class AsgPolicy:
    """An EC2 Auto Scaling group (CPU hosts such as build or batch workers)."""

    min_size: int
    max_size: int
    desired_capacity: int
    target_cpu_percent: float
    scheduled_actions: tuple[ScheduledAction, ...]
    warm_pool_min_size: int | None
    warm_pool_state: Literal["Stopped", "Hibernated", "Running"] | None
    timezone: str


@dataclass(frozen=True)
class SparkPolicy:
    """Spark dynamic allocation (operator or EMR) and EMR managed scaling / auto-termination."""

    dynamic_allocation_min_executors: int
    dynamic_allocation_max_executors: int
    executor_idle_timeout_s: int
    emr_managed_scaling_min_units: int
    emr_managed_scaling_max_units: int
    emr_idle_timeout_s: int | None


@dataclass(frozen=True)
class NotebookPolicy:
    """JupyterHub idle culling, stricter outside working hours."""

    cull_idle_timeout_s: int
    cull_idle_timeout_off_hours_s: int
    working_days: str
    working_hours_start: int
    working_hours_end: int
    timezone: str


@dataclass(frozen=True)
class DesktopPolicy:
    """Virtual desktops: idle stop and the start/stop schedule."""

    idle_stop_minutes: int
    start_schedule: str | None
    stop_schedule: str | None
    working_days: str
    working_hours_start: int
    working_hours_end: int
    timezone: str


@dataclass(frozen=True)
class CiRunnerPolicy:
    """GitHub Actions runner scale set bounds and its scheduled warm floor."""

    min_runners: int
    max_runners: int
    warm_floor: tuple[RunnerWindow, ...]
    timezone: str


@dataclass(frozen=True)
class RuntimeOwned:
    """A field whose live value something other than ``pulumi up`` owns.

    ``field`` names the bundle field; ``property`` is the resource property (engine name) to put
    in ``ignore_changes`` and that the drift report treats as expected to move.
    """

    layer: str
    field: str
    owner: Literal["autoscaler", "schedule"]
    resource: str
    property: str
    reason: str


Settings = TypeVar("Settings")


@dataclass(frozen=True)
class LayerPolicy(Generic[Settings]):
    """What a component receives from a profile: its layer's settings, and the fields of its
    resources that an autoscaler or a schedule owns at run time.

    Every component takes this one shape (``GpuPool`` the ``karpenter`` layer, ``TeamDesktops``
    the ``desktops`` layer, ...), so none computes runtime ownership itself or gets it as a
    separate list from the wiring: ``ignore_changes`` is the same fact the drift report uses.
    """

    profile: str
    layer: str
    settings: Settings
    runtime_owned: tuple[RuntimeOwned, ...] = ()

    def ignore_changes(self, resource_type: str) -> list[str]:
        """Properties of ``resource_type`` that ``pulumi up`` must leave alone."""
        return sorted({o.property for o in self.runtime_owned if o.resource == resource_type})


@dataclass(frozen=True)
class PolicyBundle:
    """What one workload profile sets on every layer, with a reason for every value."""

    profile: str
    summary: str
    karpenter: KarpenterPolicy
    asg: AsgPolicy
    spark: SparkPolicy
    notebooks: NotebookPolicy
    desktops: DesktopPolicy
    ci_runners: CiRunnerPolicy
    reasons: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    def layer(self, name: str) -> Any:
        if name not in LAYERS:
            raise KeyError(f"unknown layer {name!r}; expected one of: {', '.join(LAYERS)}")
        return getattr(self, name)

    def reason(self, layer: str, name: str) -> str:
        """The one-line reason for ``layer.name``."""
        return self.reasons[layer][name]

    def runtime_owned(self) -> tuple[RuntimeOwned, ...]:
        """Every field that an autoscaler or a schedule moves after deployment."""
        owned = [
            RuntimeOwned("asg", "desired_capacity", "autoscaler", "aws:autoscaling/group:Group",
                         "desiredCapacity", "target tracking moves the desired size"),
        ]
        if self.asg.scheduled_actions:
            owned.append(RuntimeOwned(
                "asg", "min_size", "schedule", "aws:autoscaling/group:Group", "minSize",
                "scheduled actions raise and lower the minimum"))
        if self.karpenter.warm_floor:
            owned.append(RuntimeOwned(
                "karpenter", "warm_floor", "schedule", "kubernetes:apps/v1:Deployment",
                "spec.replicas", "a CronJob scales the warm-capacity placeholder pods"))
        if self.spark.emr_managed_scaling_max_units > self.spark.emr_managed_scaling_min_units:
            owned.append(RuntimeOwned(
                "spark", "emr_managed_scaling_min_units", "autoscaler", "aws:emr/cluster:Cluster",
                "coreInstanceGroup.instanceCount", "EMR managed scaling resizes the core group"))
        if self.desktops.start_schedule or self.desktops.stop_schedule:
            owned.append(RuntimeOwned(
                "desktops", "start_schedule", "schedule", "aws:ec2/instance:Instance",
                "instanceState", "the schedule (and idle stop) starts and stops desktops"))
        elif self.desktops.idle_stop_minutes:
            owned.append(RuntimeOwned(
                "desktops", "idle_stop_minutes", "schedule", "aws:ec2/instance:Instance",
                "instanceState", "idle stop stops desktops"))
        if self.ci_runners.warm_floor:
            owned.append(RuntimeOwned(
                "ci_runners", "min_runners", "schedule",
                "kubernetes:actions.github.com/v1alpha1:AutoscalingRunnerSet",
                "spec.minRunners", "a CronJob patches the runner floor in working hours"))
        return tuple(owned)

    def runtime_owned_fields(self) -> dict[str, list[str]]:
        """Layer -> bundle fields owned at run time (every layer present, maybe empty)."""
        result: dict[str, list[str]] = {name: [] for name in LAYERS}
        for item in self.runtime_owned():
            result[item.layer].append(item.field)
        return result

    def ignore_changes(self, resource_type: str) -> list[str]:
        """Properties a component should pass to ``ignore_changes`` for this resource type."""
        return sorted({o.property for o in self.runtime_owned() if o.resource == resource_type})

    @overload
    def for_layer(self, name: Literal["karpenter"]) -> LayerPolicy[KarpenterPolicy]: ...
    @overload
    def for_layer(self, name: Literal["asg"]) -> LayerPolicy[AsgPolicy]: ...
    @overload
    def for_layer(self, name: Literal["spark"]) -> LayerPolicy[SparkPolicy]: ...
    @overload
    def for_layer(self, name: Literal["notebooks"]) -> LayerPolicy[NotebookPolicy]: ...
    @overload
    def for_layer(self, name: Literal["desktops"]) -> LayerPolicy[DesktopPolicy]: ...
    @overload
    def for_layer(self, name: Literal["ci_runners"]) -> LayerPolicy[CiRunnerPolicy]: ...

    def for_layer(self, name: str) -> LayerPolicy[Any]:
        """One layer as a component receives it, with that layer's runtime-owned fields."""
        return LayerPolicy(profile=self.profile, layer=name, settings=self.layer(name),
                           runtime_owned=tuple(o for o in self.runtime_owned()
                                               if o.layer == name))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: each layer's values, reasons and runtime-owned fields."""
        owned = self.runtime_owned_fields()
        layers = {}
        for name in LAYERS:
            values = dataclasses.asdict(self.layer(name))
            layers[name] = {
                "settings": {
                    key: {"value": value, "reason": self.reasons[name][key],
                          "runtime_owned": key in owned[name]}
                    for key, value in values.items()
                },
            }
        return {"profile": self.profile, "summary": self.summary, "layers": layers}
