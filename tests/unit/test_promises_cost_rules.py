"""The promise of each pricing rule (docs/profiles.md "Stack cost", the table by resource):

- scheduled work is counted by its calendar: a cron or ``rate()`` schedule runs as many times a
  month as the calendar says (730 h a month), wherever in the day it fires;
- an EMR cluster costs its primary plus its core instances (EC2 price and EMR fee, their EBS
  volumes), from the instance counts the plan gives (1 when it gives none); an auto-terminating
  one has a floor of 0 and an expected share of the month set by the Spark profile;
- load balancers and interface endpoints are always on; gateway endpoints are free;
- what the plan does not say enough about is listed as unpriced, never priced at 0.

Checked on hand-built graphs against prices read from the catalog, so a refreshed catalog
does not break them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from infra.cost.prices import HOURS_PER_MONTH, load_catalog
from infra.cost.rules.emr import SCHEDULED_RUN_HOURS, SPARK_DUTY, runs_per_month
from infra.cost.stack import StackCost, estimate_stack_cost
from infra.graph import Resource, ResourceGraph
from infra.profiles import resolve

REGION = "us-east-1"
CATALOG = load_catalog()
H = HOURS_PER_MONTH
GP3 = CATALOG.storage_gb_month("ebs-gp3", REGION)
DAYS_A_MONTH = H / 24


def res(kind: str, name: str, inputs: dict[str, Any] | None = None,
        deps: tuple[str, ...] = ()) -> Resource:
    return Resource(urn=f"urn:{name}", type=kind, name=name, parent=None,
                    inputs=dict(inputs or {}), dependencies=deps)


def cost_of(*resources: Resource, **kwargs: Any) -> StackCost:
    return estimate_stack_cost(ResourceGraph("s", list(resources)), REGION, **kwargs)


def line(cost: StackCost, name: str) -> Any:
    [found] = [x for x in cost.lines if x.resource == name]
    return found


def unpriced(cost: StackCost) -> list[str]:
    return [u.resource for u in cost.unpriced]


def emr_hourly(instance_type: str) -> float:
    """EC2 plus the EMR fee: what an EMR instance hour costs."""
    return (CATALOG.instance_hourly(instance_type, REGION)
            + CATALOG.emr_hourly(instance_type, REGION))


# -- schedules: runs a month ---------------------------------------------------------------

@pytest.mark.parametrize(("expression", "per_day"), [
    ("cron(0 2 * * ? *)", 1.0),      # daily at 02:00
    ("cron(0 0 * * ? *)", 1.0),      # daily at midnight: the first day's run counts too
    ("cron(30 23 * * ? *)", 1.0),    # daily, late
    ("cron(0 */6 * * ? *)", 4.0),    # every six hours
    ("cron(0 2 ? * MON-FRI *)", 5 / 7),  # weekdays: day-of-month is '?'
    ("cron(0 0 ? * MON *)", 1 / 7),  # weekly, Monday midnight
    ("rate(1 day)", 1.0),
    ("rate(2 days)", 0.5),
    ("rate(1 hour)", 24.0),
    ("rate(6 hours)", 4.0),
    ("rate(30 minutes)", 48.0),
    ("rate(1 minute)", 24.0 * 60),
])
def test_a_schedule_runs_as_often_as_its_calendar_says(expression: str, per_day: float) -> None:
    assert runs_per_month(expression) == pytest.approx(per_day * DAYS_A_MONTH)


@pytest.mark.parametrize(("expression", "per_month"), [
    ("cron(0 2 1 * ? *)", 1.0),              # the 1st of every month
    ("cron(0 2 15 * ? *)", 1.0),             # mid-month
    ("cron(0 2 31 * ? *)", 7 / 12),          # only months with a 31st
    ("cron(0 2 29 * ? *)", (11 * 3 + 12) / 48),  # every month but February, and leap Februaries
    ("cron(0 2 1 1,4,7,10 ? *)", 1 / 3),     # quarterly
    ("cron(0 2 1 1 ? *)", 1 / 12),           # yearly
    ("cron(0 */12 1,15 * ? *)", 4.0),        # twice a day on two days of every month
])
def test_a_calendar_schedule_runs_as_often_as_the_calendar_has_its_days(
        expression: str, per_month: float) -> None:
    # Days of the month and months are counted over whole calendar years, not four weeks
    # (a run on the 29th-31st would fall outside them and count as never).
    assert runs_per_month(expression) == pytest.approx(per_month)


@pytest.mark.parametrize("expression", [
    "cron(0 2 * * ?)",           # five fields: EventBridge has six
    "cron(0 99 * * ? *)",        # no such hour
    "rate(1 fortnight)", "rate(day)", "at(2025-01-01T00:00:00)", "",
])
def test_an_unreadable_schedule_is_not_guessed(expression: str) -> None:
    assert runs_per_month(expression) is None


# -- EMR clusters -----------------------------------------------------------------------------

def emr(master: dict[str, Any] | None = None, core: dict[str, Any] | None = None,
        **inputs: Any) -> Resource:
    groups: dict[str, Any] = {}
    if master is not None:
        groups["masterInstanceGroup"] = master
    if core is not None:
        groups["coreInstanceGroup"] = core
    return res("aws:emr/cluster:Cluster", "spark", {**groups, **inputs})


def test_emr_cluster_counts_every_primary_and_core_instance_with_its_volumes() -> None:
    cluster = emr({"instanceType": "m6i.xlarge", "instanceCount": 3},
                  {"instanceType": "m6i.2xlarge", "instanceCount": 4,
                   "ebsConfigs": [{"size": 100, "volumesPerInstance": 2},
                                  {"size": 10}]})
    got = line(cost_of(cluster), "spark")
    core = emr_hourly("m6i.2xlarge") + (100 * 2 + 10) * GP3 / H
    monthly = (3 * emr_hourly("m6i.xlarge") + 4 * core) * H
    assert got.floor == got.expected == got.ceiling == pytest.approx(monthly)


def test_emr_cluster_without_counts_has_one_primary_and_one_core() -> None:
    got = line(cost_of(emr({"instanceType": "m6i.xlarge"},
                           {"instanceType": "m6i.2xlarge",
                            "ebsConfigs": [{"volumesPerInstance": 2}]})), "spark")
    # No size: no EBS counted for it (not a guessed size).
    monthly = (emr_hourly("m6i.xlarge") + emr_hourly("m6i.2xlarge")) * H
    assert got.floor == pytest.approx(monthly)


def test_emr_managed_scaling_sets_the_core_range() -> None:
    cluster = emr({"instanceType": "m6i.xlarge"},
                  {"instanceType": "m6i.2xlarge", "instanceCount": 2})
    policy = res("aws:emr/managedScalingPolicy:ManagedScalingPolicy", "scaling", {
        "computeLimits": [{"maximumCapacityUnits": 8}]}, deps=(cluster.urn,))
    unrelated = res("aws:emr/managedScalingPolicy:ManagedScalingPolicy", "other", {
        "computeLimits": [{"minimumCapacityUnits": 5, "maximumCapacityUnits": 50}]})
    got = line(cost_of(cluster, policy, unrelated), "spark")
    primary, core = emr_hourly("m6i.xlarge"), emr_hourly("m6i.2xlarge")
    # No minimum in the policy: the group's own count stays the floor.
    assert got.floor == pytest.approx((primary + 2 * core) * H)
    assert got.ceiling == pytest.approx((primary + 8 * core) * H)


@pytest.mark.parametrize(("profile", "duty"), sorted(SPARK_DUTY.items()))
def test_auto_terminating_emr_cluster_floor_is_zero_and_expected_follows_the_profile(
        profile: str, duty: float) -> None:
    cluster = emr({"instanceType": "m6i.xlarge"}, {"instanceType": "m6i.2xlarge"},
                  autoTerminationPolicy={"idleTimeout": 3600})
    got = line(cost_of(cluster, bundles={"spark": resolve(profile)}), "spark")
    running = (emr_hourly("m6i.xlarge") + emr_hourly("m6i.2xlarge")) * H
    assert got.floor == 0
    assert got.expected == pytest.approx(duty * running)
    assert got.ceiling == pytest.approx(running)
    assert f"{duty:.0%} of the month" in got.basis


def test_auto_terminating_emr_cluster_defaults_to_the_scheduled_retrain_share() -> None:
    cluster = emr({"instanceType": "m6i.xlarge"}, {"instanceType": "m6i.2xlarge"},
                  autoTerminationPolicy={"idleTimeout": 600})
    got = line(cost_of(cluster), "spark")
    running = (emr_hourly("m6i.xlarge") + emr_hourly("m6i.2xlarge")) * H
    assert got.expected == pytest.approx(SPARK_DUTY["scheduled-retrain"] * running)


@pytest.mark.parametrize("groups", [
    {"master": {"instanceType": "m6i.xlarge"}},
    {"core": {"instanceType": "m6i.xlarge"}},
    {"master": {"instanceType": "m6i.xlarge"}, "core": {"instanceCount": 2}},
    {},
])
def test_emr_cluster_without_both_groups_is_unpriced_not_zero(groups: dict[str, Any]) -> None:
    cost = cost_of(emr(**groups))
    assert cost.lines == ()
    assert unpriced(cost) == ["spark"]
    assert "instance groups" in cost.unpriced[0].why


def scheduled_emr(expression: str, request: dict[str, Any] | str) -> Resource:
    return res("aws:scheduler/schedule:Schedule", "nightly", {
        "scheduleExpression": expression,
        "target": {"arn": "arn:aws:scheduler:::aws-sdk:emr:runJobFlow",
                   "input": request if isinstance(request, str) else json.dumps(request)}})


def test_scheduled_emr_runs_at_their_rate_and_default_to_one_instance_per_group() -> None:
    request = {"Instances": {"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m6i.xlarge"},
        {"InstanceRole": "CORE", "InstanceType": "m6i.2xlarge"}]}}
    got = line(cost_of(scheduled_emr("rate(12 hours)", request)), "nightly")
    hourly = emr_hourly("m6i.xlarge") + emr_hourly("m6i.2xlarge")
    assert got.floor == 0
    assert got.expected == pytest.approx(2 * DAYS_A_MONTH * SCHEDULED_RUN_HOURS * hourly)
    assert got.ceiling == pytest.approx(H * hourly)


@pytest.mark.parametrize(("expression", "request_"), [
    ("rate(1 day)", "{not json"),
    ("rate(1 day)", {"Instances": {"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m6i.xlarge"}]}}),
    ("every night", {"Instances": {"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m6i.xlarge"},
        {"InstanceRole": "CORE", "InstanceType": "m6i.xlarge"}]}}),
])
def test_scheduled_emr_that_cannot_be_read_is_unpriced(expression: str,
                                                        request_: Any) -> None:
    cost = cost_of(scheduled_emr(expression, request_))
    assert cost.lines == () and unpriced(cost) == ["nightly"]


def test_a_schedule_that_starts_no_cluster_is_billed_by_use() -> None:
    other = res("aws:scheduler/schedule:Schedule", "ping", {
        "scheduleExpression": "rate(1 hour)",
        "target": {"arn": "arn:aws:lambda:us-east-1:1:function:f"}})
    cost = cost_of(other)
    assert cost.lines == () and [u.resource for u in cost.usage_based] == ["ping"]
    assert cost.usage_based[0].why == "schedule invocations are billed by use"


# -- network ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("inputs", "kind"), [
    ({}, "alb"),  # the provider's default type is application
    ({"loadBalancerType": "application"}, "alb"),
    ({"loadBalancerType": "network"}, "nlb"),
])
def test_load_balancers_are_always_on_at_their_kind_hourly_price(inputs: dict[str, Any],
                                                                  kind: str) -> None:
    for token in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
        got = line(cost_of(res(token, "lb", inputs)), "lb")
        monthly = CATALOG.hourly(kind, REGION) * H
        assert got.totals.floor == got.totals.ceiling == pytest.approx(monthly)
        assert got.basis.startswith(kind)


def test_a_load_balancer_of_another_type_is_unpriced_and_named() -> None:
    cost = cost_of(res("aws:lb/loadBalancer:LoadBalancer", "gw",
                       {"loadBalancerType": "gateway"}))
    assert cost.lines == () and unpriced(cost) == ["gw"]
    assert "'gateway'" in cost.unpriced[0].why


@pytest.mark.parametrize(("subnets", "zones"), [(None, 1), ([], 1), (["a"], 1),
                                                (["a", "b"], 2), (["a", "b", "c"], 3)])
def test_interface_endpoint_is_priced_per_zone(subnets: list[str] | None, zones: int) -> None:
    got = line(cost_of(res("aws:ec2/vpcEndpoint:VpcEndpoint", "ep", {
        "vpcEndpointType": "Interface", "subnetIds": subnets})), "ep")
    monthly = zones * CATALOG.hourly("vpc-interface-endpoint", REGION) * H
    assert (got.floor, got.expected, got.ceiling) == pytest.approx((monthly,) * 3)
    assert f"in {zones} zone(s)" in got.basis


@pytest.mark.parametrize("inputs", [{}, {"vpcEndpointType": "Gateway"}])
def test_gateway_endpoints_are_free(inputs: dict[str, Any]) -> None:
    cost = cost_of(res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", inputs))
    assert cost.lines == () and cost.unpriced == () and cost.usage_based == ()


# -- Auto Scaling groups ----------------------------------------------------------------------

def template(instance_type: str | None = "c6i.large") -> Resource:
    inputs = {"instanceType": instance_type} if instance_type else {}
    return res("aws:ec2/launchTemplate:LaunchTemplate", "lt", inputs)


def test_asg_expected_is_its_desired_capacity_else_its_minimum() -> None:
    node = CATALOG.instance_hourly("c6i.large", REGION) * H
    lt = template()
    with_desired = res("aws:autoscaling/group:Group", "asg", {
        "minSize": 1, "maxSize": 6, "desiredCapacity": 3}, deps=(lt.urn,))
    without = res("aws:autoscaling/group:Group", "asg", {"minSize": 2, "maxSize": 6},
                  deps=(lt.urn,))
    plain = resolve("experiment")
    no_schedule = replace(plain, asg=replace(plain.asg, scheduled_actions=()))
    got = line(cost_of(lt, with_desired, bundles={"asg": no_schedule}), "asg")
    assert (got.floor, got.expected, got.ceiling) == pytest.approx((node, 3 * node, 6 * node))
    got = line(cost_of(lt, without, bundles={"asg": no_schedule}), "asg")
    assert got.expected == pytest.approx(2 * node)
    assert got.basis == "c6i.large: min 2, max 6"


@pytest.mark.parametrize(("inputs", "with_template"), [
    ({"minSize": 1}, True),
    ({"maxSize": 4}, True),
    ({"minSize": 1, "maxSize": 4}, False),
])
def test_asg_without_size_or_type_is_unpriced(inputs: dict[str, Any],
                                              with_template: bool) -> None:
    lt = template() if with_template else template(None)
    group = res("aws:autoscaling/group:Group", "asg", inputs, deps=(lt.urn,))
    cost = cost_of(lt, group)
    assert cost.lines == () and unpriced(cost) == ["asg"]
    assert cost.unpriced[0].why == "group size or instance type unknown in the plan"


def test_asg_basis_names_every_override_and_the_scheduled_floor() -> None:
    lt = template()
    group = res("aws:autoscaling/group:Group", "asg", {
        "minSize": 0, "maxSize": 4, "mixedInstancesPolicy": {"launchTemplate": {
            "overrides": [{"instanceType": "c6i.large"}, {"instanceType": "m6i.large"}]}}},
        deps=(lt.urn,))
    got = line(cost_of(lt, group, bundles={"asg": resolve("experiment")}), "asg")
    assert got.basis.startswith("c6i.large/m6i.large: min 0, max 4, scheduled floor averages")


# -- weekly schedules: desktops and scheduled group minimums ----------------------------------

def desktop_hours(start: str | None, stop: str | None, idle: int = 0,
                  timezone: str = "UTC") -> Any:
    """The desktop line of a g5.xlarge with an 8 GiB root volume on that schedule."""
    plain = resolve("interactive")
    bundle = replace(plain, desktops=replace(plain.desktops, start_schedule=start,
                                             stop_schedule=stop, idle_stop_minutes=idle,
                                             timezone=timezone))
    desktop = res("aws:ec2/instance:Instance", "alice", {
        "instanceType": "g5.xlarge", "tags": {"teamstack:component": "desktops"}})
    return line(cost_of(desktop, bundles={"desktops": bundle}), "alice")


@pytest.mark.parametrize(("start", "stop", "hours_a_week"), [
    ("0 8 * * 1-5", "0 18 * * 1-5", 50.0),
    ("0 0 * * 1", "0 12 * * 1", 12.0),       # starting at Monday 00:00
    ("0 22 * * 0", "0 6 * * 1", 8.0),        # across the turn of the week
    ("0 20 * * 5", "0 8 * * 1", 60.0),       # all weekend
])
@pytest.mark.parametrize("timezone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_a_desktop_on_a_schedule_is_billed_its_hours_a_week_in_any_time_zone(
        start: str, stop: str, hours_a_week: float, timezone: str) -> None:
    got = desktop_hours(start, stop, timezone=timezone)
    hourly = CATALOG.instance_hourly("g5.xlarge", REGION)
    volume = 8 * GP3
    assert got.floor == pytest.approx(volume)  # stopped: only its volume
    assert got.expected == pytest.approx(hourly * hours_a_week * H / 168 + volume)
    assert got.ceiling == pytest.approx(hourly * H + volume)


def test_a_desktop_stopped_when_idle_is_expected_for_working_days_only() -> None:
    got = desktop_hours(None, None, idle=30)
    hourly = CATALOG.instance_hourly("g5.xlarge", REGION)
    assert got.floor == pytest.approx(8 * GP3)
    assert got.expected == pytest.approx(hourly * 40 * H / 168 + 8 * GP3)


def asg_bundle(*actions: tuple[str, int], timezone: str = "UTC") -> Any:
    from infra.profiles.model import ScheduledAction

    plain = resolve("experiment")
    return replace(plain, asg=replace(plain.asg, timezone=timezone, scheduled_actions=tuple(
        ScheduledAction(f"a{i}", cron, size, 10, size) for i, (cron, size) in enumerate(actions))))


@pytest.mark.parametrize(("actions", "average"), [
    ((), 0.0),
    ((("0 8 * * 1-5", 2), ("0 18 * * 1-5", 0)), 2 * 50 / 168),
    ((("0 12 * * 0", 4), ("0 12 * * 2", 0)), 4 * 48 / 168),   # across the turn of the week
    ((("0 0 * * 1", 3), ("0 0 * * 3", 1)), (3 * 48 + 1 * 120) / 168),  # Monday 00:00
])
@pytest.mark.parametrize("timezone", ["UTC", "Asia/Tokyo"])
def test_asg_expected_is_the_weekly_average_of_its_scheduled_minimum(
        actions: tuple[tuple[str, int], ...], average: float, timezone: str) -> None:
    lt = template()
    group = res("aws:autoscaling/group:Group", "asg", {"minSize": 0, "maxSize": 10,
                                                       "desiredCapacity": 0}, deps=(lt.urn,))
    got = line(cost_of(lt, group, bundles={"asg": asg_bundle(*actions, timezone=timezone)}),
               "asg")
    node = CATALOG.instance_hourly("c6i.large", REGION) * H
    assert got.floor == 0
    assert got.expected == pytest.approx(average * node)
    assert got.ceiling == pytest.approx(10 * node)


# -- instances and volumes --------------------------------------------------------------------

def test_an_instance_pays_for_every_volume_at_its_own_type() -> None:
    got = line(cost_of(res("aws:ec2/instance:Instance", "box", {
        "instanceType": "t3.medium",
        "rootBlockDevice": {"volumeSize": 30, "volumeType": "gp2"},
        "ebsBlockDevices": [{"volumeSize": 100, "volumeType": "gp2"}, {"volumeSize": 50},
                            {"deviceName": "/dev/sdz"}]})), "box")
    gp2 = CATALOG.storage_gb_month("ebs-gp2", REGION)
    monthly = CATALOG.instance_hourly("t3.medium", REGION) * H + 30 * gp2 + 100 * gp2 + 50 * GP3
    assert (got.floor, got.expected, got.ceiling) == pytest.approx((monthly,) * 3)
    assert got.basis == "t3.medium always on + 30 GiB"


def test_an_instance_without_a_type_is_a_missing_price_not_zero() -> None:
    cost = cost_of(res("aws:ec2/instance:Instance", "box", {}))
    assert cost.lines == () and len(cost.missing_prices) == 1
    assert cost.missing_prices[0].startswith("box (aws:ec2/instance:Instance): ")


@pytest.mark.parametrize(("inputs", "kind"), [({"size": 100}, "ebs-gp3"),
                                              ({"size": "100", "type": "gp2"}, "ebs-gp2")])
def test_a_volume_is_its_size_at_its_type_price(inputs: dict[str, Any], kind: str) -> None:
    for token in ("aws:ebs/volume:Volume", "aws:ec2/volume:Volume"):
        got = line(cost_of(res(token, "data", inputs)), "data")
        monthly = 100 * CATALOG.storage_gb_month(kind, REGION)
        assert (got.floor, got.expected, got.ceiling) == pytest.approx((monthly,) * 3)
        assert got.basis == f"100 GiB {kind}"


def test_a_volume_of_unknown_size_is_unpriced() -> None:
    cost = cost_of(res("aws:ebs/volume:Volume", "data", {"type": "gp3"}))
    assert cost.lines == () and unpriced(cost) == ["data"]
    assert cost.unpriced[0].why == "volume size unknown in the plan"


def test_a_desktop_with_neither_schedule_nor_idle_stop_is_always_on() -> None:
    got = desktop_hours(None, None)
    monthly = CATALOG.instance_hourly("g5.xlarge", REGION) * H + 8 * GP3
    assert (got.floor, got.expected, got.ceiling) == pytest.approx((monthly,) * 3)
    assert got.basis.startswith("g5.xlarge always on; ")


def test_a_desktop_with_only_a_stop_schedule_still_stops() -> None:
    got = desktop_hours(None, "0 20 * * 1-5", idle=0)
    assert got.floor == pytest.approx(8 * GP3)  # stopped every evening: only its volume


# -- EKS node groups --------------------------------------------------------------------------

@pytest.mark.parametrize("inputs", [
    {"scalingConfig": {"minSize": 1}, "instanceTypes": ["m6i.large"]},
    {"scalingConfig": {"maxSize": 3}, "instanceTypes": ["m6i.large"]},
    {"scalingConfig": {"minSize": 1, "maxSize": 3}},
])
def test_a_node_group_without_size_or_types_is_unpriced(inputs: dict[str, Any]) -> None:
    cost = cost_of(res("aws:eks/nodeGroup:NodeGroup", "ng", inputs))
    assert cost.lines == () and unpriced(cost) == ["ng"]
    assert cost.unpriced[0].why == "node group size or instance types unknown in the plan"


def test_a_node_group_is_on_demand_unless_it_says_spot() -> None:
    got = line(cost_of(res("aws:eks/nodeGroup:NodeGroup", "ng", {
        "scalingConfig": {"minSize": 1, "maxSize": 3}, "diskSize": 40,
        "instanceTypes": ["m6i.large", "m6i.xlarge"]})), "ng")
    node = CATALOG.instance_hourly("m6i.large", REGION) * H + 40 * GP3
    assert got.floor == got.expected == pytest.approx(node)
    assert got.basis == "m6i.large/m6i.xlarge on-demand: min 1, desired 1, max 3 nodes"


# -- what is listed, and where ----------------------------------------------------------------

def test_unpriced_and_usage_entries_name_component_type_and_reason() -> None:
    key = res("aws:kms/key:Key", "key", {"tags": {"teamstack:component": "storage"}})
    logs = res("aws:cloudwatch/logGroup:LogGroup", "logs",
               {"tags": {"teamstack:component": "audit"}})
    cost = cost_of(key, logs)
    [(component, kind, why)] = [(u.component, u.type, u.why) for u in cost.unpriced]
    assert (component, kind) == ("storage", "aws:kms/key:Key") and "KMS" in why
    [(component, kind, why)] = [(u.component, u.type, u.why) for u in cost.usage_based]
    assert (component, kind) == ("audit", "aws:cloudwatch/logGroup:LogGroup")
    assert why == "log ingestion and storage are billed by use"


def test_an_unknown_dependency_does_not_hide_the_launch_template() -> None:
    lt = template()
    group = res("aws:autoscaling/group:Group", "asg", {"minSize": 1, "maxSize": 2},
                deps=("urn:not-in-the-graph", lt.urn))
    got = line(cost_of(lt, group, bundles={"asg": resolve("service")}), "asg")
    assert got.ceiling == pytest.approx(2 * CATALOG.instance_hourly("c6i.large", REGION) * H)


def test_always_on_items_say_their_hours() -> None:
    got = line(cost_of(res("aws:ec2/natGateway:NatGateway", "nat")), "nat")
    assert got.basis == "nat-gateway x 730 h"


def test_a_type_without_a_generation_number_matches_no_generation() -> None:
    from infra.cost.prices import PriceCatalog

    shape = {"gpus": 0, "vcpus": 4, "memory_gib": 16}
    catalog = PriceCatalog({"taken_on": "2025-06-01", "instances": {
        "m6i.xlarge": shape, "u-6tb1.metal": shape}, "regions": {REGION: {"instances": {
            "m6i.xlarge": {"on_demand": 0.2}, "u-6tb1.metal": {"on_demand": 50.0}},
            "storage_gb_month": {"ebs-gp3": 0.08}}}})
    pool = res("kubernetes:karpenter.sh/v1:NodePool", "cpu", {"spec": {
        "limits": {"cpu": 8}, "template": {"spec": {"requirements": [
            {"key": "karpenter.k8s.aws/instance-generation", "operator": "In",
             "values": ["1", "6"]}]}}}})
    got = line(cost_of(pool, catalog=catalog), "cpu")
    assert got.ceiling == pytest.approx(8 * 0.2 * H / 4)  # m6i only: u-6tb1 has no generation


# -- what the plan says about each line: why unpriced, how priced ------------------------------

def cpu_pool(requirements: list[dict[str, Any]], limits: dict[str, Any] | None = None,
             node_class: str | None = None) -> Resource:
    spec: dict[str, Any] = {"requirements": requirements}
    if node_class:
        spec["nodeClassRef"] = {"name": node_class}
    return res("kubernetes:karpenter.sh/v1:NodePool", "pool", {
        "metadata": {"name": "pool"},
        "spec": {"limits": {"cpu": 64} if limits is None else limits,
                 "template": {"spec": spec}}})


def per_vcpu_month(types: list[str], capacity: str = "on-demand", disk_gib: float = 0.0) -> float:
    """The dearest monthly price per vCPU among ``types`` (the CPU pool's ceiling rate)."""
    return max((CATALOG.instance_hourly(t, REGION, capacity) * H + disk_gib * GP3)  # type: ignore[arg-type]
               / CATALOG.instance(t).vcpus for t in types)


def family(prefix: str) -> list[str]:
    return [t for t in CATALOG.instance_types() if t.split(".")[0] == prefix]


@pytest.mark.parametrize(("requirement", "types"), [
    ({"key": "karpenter.k8s.aws/instance-family", "operator": "In", "values": ["m6i", "c6i"]},
     family("m6i") + family("c6i")),
    ({"key": "karpenter.k8s.aws/instance-family", "values": ["r6i"]}, family("r6i")),  # In
    ({"key": "node.kubernetes.io/instance-type", "values": ["m6i.large", "t3.small"]},
     ["m6i.large", "t3.small"]),
])
def test_a_cpu_pool_ceiling_is_its_cpu_limit_at_the_dearest_allowed_type(
        requirement: dict[str, Any], types: list[str]) -> None:
    got = line(cost_of(cpu_pool([requirement])), "pool")
    assert got.ceiling == pytest.approx(64 * per_vcpu_month(types))
    assert got.floor == got.expected == 0
    assert got.basis == ("CPU pool: 0 nodes at rest, ceiling 64 vCPU at the priciest allowed "
                         "type; expected is usage-driven and not estimated")


def test_generation_gt_is_strictly_greater() -> None:
    # r6i is the dearest per vCPU of these families: "Gt 6" must leave it (and m6i) out.
    requirements = [{"key": "karpenter.k8s.aws/instance-category", "values": ["m", "r"]},
                    {"key": "karpenter.k8s.aws/instance-generation", "operator": "Gt",
                     "values": ["6"]}]
    got = line(cost_of(cpu_pool(requirements)), "pool")
    assert got.ceiling == pytest.approx(64 * per_vcpu_month(family("m7i")))
    assert per_vcpu_month(family("r6i")) > per_vcpu_month(family("m7i"))


def test_capacity_types_come_only_from_an_in_requirement() -> None:
    requirements = [{"key": "node.kubernetes.io/instance-type", "values": ["m6i.large"]}]
    not_spot = [*requirements, {"key": "karpenter.sh/capacity-type", "operator": "NotIn",
                                "values": ["spot"]}]
    spot = [*requirements, {"key": "karpenter.sh/capacity-type", "values": ["spot"]}]
    # NotIn is not read as a list of allowed types: the pool stays priced at on-demand.
    assert line(cost_of(cpu_pool(not_spot)), "pool").ceiling == pytest.approx(
        64 * per_vcpu_month(["m6i.large"]))
    assert line(cost_of(cpu_pool(spot)), "pool").ceiling == pytest.approx(
        64 * per_vcpu_month(["m6i.large"], "spot"))


def test_a_cpu_pool_pays_for_its_node_class_volumes_per_node() -> None:
    node_class = res("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "cls", {
        "metadata": {"name": "general"}, "spec": {"blockDeviceMappings": [
            {"ebs": {"volumeSize": 100}}, {"ebs": {}}, {"deviceName": "/dev/xvdb"}]}})
    pool = cpu_pool([{"key": "node.kubernetes.io/instance-type", "values": ["m6i.large"]}],
                    node_class="general")
    got = line(cost_of(node_class, pool), "pool")
    assert got.ceiling == pytest.approx(64 * per_vcpu_month(["m6i.large"], disk_gib=100))


@pytest.mark.parametrize(("pool", "why"), [
    (cpu_pool([{"key": "node.kubernetes.io/instance-type", "values": ["x9.huge"]}]),
     "no instance type in the price catalog matches the NodePool's requirements"),
    (cpu_pool([], limits={"memory": "1000Gi"}),
     "NodePool without a cpu or GPU limit has no ceiling"),
    (cpu_pool([{"key": "karpenter.k8s.aws/instance-family", "values": ["m6i"]}],
              limits={"nvidia.com/gpu": 4}),
     "GPU limit but no GPU instance type allowed"),
])
def test_a_node_pool_that_cannot_be_priced_says_why(pool: Resource, why: str) -> None:
    cost = cost_of(pool)
    assert cost.lines == ()
    assert [(u.resource, u.type, u.why) for u in cost.unpriced] == [
        ("pool", "kubernetes:karpenter.sh/v1:NodePool", why)]


def test_unpriced_reasons_of_emr_and_schedules() -> None:
    cluster = cost_of(emr({"instanceType": "m6i.xlarge"}))
    assert cluster.unpriced[0].why == "EMR instance groups unknown in the plan"
    groups = {"Instances": {"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m6i.xlarge"},
        {"InstanceRole": "CORE", "InstanceType": "m6i.xlarge"}]}}
    assert [u.why for u in cost_of(scheduled_emr("every night", groups)).unpriced] == [
        "schedule 'every night' not read"]
    assert [u.why for u in cost_of(scheduled_emr("rate(1 day)", "{x")).unpriced] == [
        "scheduled EMR request not readable in the plan"]
    assert [u.why for u in cost_of(scheduled_emr("rate(1 day)", {})).unpriced] == [
        "scheduled EMR request has no primary/core groups"]


def test_scheduled_emr_counts_its_instances_and_managed_scaling_minimum() -> None:
    request = {"Instances": {"InstanceGroups": [
        {"InstanceRole": "MASTER", "InstanceType": "m6i.xlarge", "InstanceCount": 2},
        {"InstanceRole": "CORE", "InstanceType": "m6i.2xlarge", "InstanceCount": 3}]}}
    got = line(cost_of(scheduled_emr("rate(1 day)", request)), "nightly")
    primary, core = 2 * emr_hourly("m6i.xlarge"), emr_hourly("m6i.2xlarge")
    assert got.expected == pytest.approx(DAYS_A_MONTH * SCHEDULED_RUN_HOURS * (primary + 3 * core))
    assert got.ceiling == pytest.approx(H * (primary + 3 * core))
    assert got.basis == ("30 transient clusters a month x 2 h at min size; ceiling: runs back "
                         "to back at max size")
    request["ManagedScalingPolicy"] = {"ComputeLimits": {"MinimumCapacityUnits": 1}}
    got = line(cost_of(scheduled_emr("rate(1 day)", request)), "nightly")
    assert got.expected == pytest.approx(DAYS_A_MONTH * SCHEDULED_RUN_HOURS * (primary + core))


def test_emr_managed_scaling_minimum_replaces_the_group_count() -> None:
    cluster = emr({"instanceType": "m6i.xlarge"},
                  {"instanceType": "m6i.2xlarge", "instanceCount": 2})
    policy = res("aws:emr/managedScalingPolicy:ManagedScalingPolicy", "scaling", {
        "computeLimits": [{"minimumCapacityUnits": 3, "maximumCapacityUnits": 6}]},
        deps=(cluster.urn,))
    got = line(cost_of(cluster, policy), "spark")
    primary, core = emr_hourly("m6i.xlarge"), emr_hourly("m6i.2xlarge")
    assert got.floor == pytest.approx((primary + 3 * core) * H)
    assert got.basis == "standing cluster: core 3-6 instances (EMR fee included)"


def test_desktop_bases_say_how_its_hours_were_reached() -> None:
    assert desktop_hours("0 8 * * 1-5", "0 18 * * 1-5").basis.startswith(
        "g5.xlarge 217 h/month on its schedule; floor is its 8 GiB volume while stopped")
    assert desktop_hours(None, None, idle=30).basis.startswith(
        "g5.xlarge started on demand, ~8 h per working day; ")


def test_node_group_basis_gives_its_desired_size() -> None:
    got = line(cost_of(res("aws:eks/nodeGroup:NodeGroup", "ng", {
        "scalingConfig": {"minSize": 1, "desiredSize": 2, "maxSize": 3},
        "instanceTypes": ["m6i.large"], "capacityType": "SPOT"})), "ng")
    assert got.basis == "m6i.large spot: min 1, desired 2, max 3 nodes"


def test_efs_line_and_usage_entry_say_what_they_are() -> None:
    fs = res("aws:efs/fileSystem:FileSystem", "home")
    from types import SimpleNamespace
    sized = cost_of(fs, request=SimpleNamespace(storage=SimpleNamespace(shared_home_gib=50)))
    assert line(sized, "home").basis == (
        "50 GB EFS Standard (storage.shared_home_gib; IA tiering not counted)")
    assert cost_of(fs).usage_based[0].why == (
        "EFS is billed by stored GB; set storage.shared_home_gib to estimate it")


def test_interface_endpoint_basis_says_data_is_not_included() -> None:
    got = line(cost_of(res("aws:ec2/vpcEndpoint:VpcEndpoint", "ep", {
        "vpcEndpointType": "Interface", "subnetIds": ["a"]})), "ep")
    assert got.basis == "interface endpoint in 1 zone(s) x 730 h (data processed not included)"


def test_lines_carry_their_resource_type() -> None:
    got = line(cost_of(res("aws:ec2/natGateway:NatGateway", "nat")), "nat")
    assert got.type == "aws:ec2/natGateway:NatGateway"


# -- groups without a template, templates with several disks, actions outside the week ---------

def test_a_group_without_a_launch_template_is_priced_from_its_overrides() -> None:
    group = res("aws:autoscaling/group:Group", "asg", {
        "minSize": 1, "maxSize": 2, "mixedInstancesPolicy": {"launchTemplate": {
            "overrides": [{"instanceType": "c6i.large"}]}}})
    got = line(cost_of(group, bundles={"asg": asg_bundle()}), "asg")
    assert got.ceiling == pytest.approx(2 * CATALOG.instance_hourly("c6i.large", REGION) * H)


def test_every_disk_of_a_launch_template_counts_and_a_sizeless_one_adds_nothing() -> None:
    lt = res("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
        "instanceType": "c6i.large", "blockDeviceMappings": [
            {"ebs": {"volumeSize": 30}}, {"ebs": {"volumeSize": 70}}, {"ebs": {}}]})
    group = res("aws:autoscaling/group:Group", "asg", {"minSize": 1, "maxSize": 1},
                deps=(lt.urn,))
    got = line(cost_of(lt, group, bundles={"asg": asg_bundle()}), "asg")
    assert got.floor == pytest.approx(CATALOG.instance_hourly("c6i.large", REGION) * H
                                      + 100 * GP3)


@pytest.mark.parametrize(("actions", "average"), [
    ((("0 0 1 6 *", 5),), 0.0),  # fires in June only: not in the sampled week, min size stays
    # three actions: the week starts at what the last one (Saturday) set
    ((("0 8 * * 1-5", 3), ("0 18 * * 1-5", 1), ("0 12 * * 6", 0)), (3 * 50 + 1 * 74) / 168),
])
def test_asg_weekly_average_starts_from_the_last_action_of_the_week(
        actions: tuple[tuple[str, int], ...], average: float) -> None:
    lt = template()
    group = res("aws:autoscaling/group:Group", "asg", {"minSize": 0, "maxSize": 10},
                deps=(lt.urn,))
    got = line(cost_of(lt, group, bundles={"asg": asg_bundle(*actions)}), "asg")
    assert got.expected == pytest.approx(average * CATALOG.instance_hourly("c6i.large", REGION)
                                         * H)


def test_a_line_out_of_order_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.cost.rules import estimator

    def broken(est: Any, r: Resource) -> None:
        est.lines.append(line_of_numbers(r, 5.0, 1.0, 9.0))

    def line_of_numbers(r: Resource, floor: float, expected: float, ceiling: float) -> Any:
        from infra.cost.model import CostLine
        return CostLine("stack", r.name, r.type, floor, expected, ceiling, "broken rule")

    monkeypatch.setitem(estimator.HANDLERS, "aws:ec2/natGateway:NatGateway", broken)
    with pytest.raises(AssertionError, match=r"cost line out of order: .*resource='nat'"):
        cost_of(res("aws:ec2/natGateway:NatGateway", "nat"))

    def endless(est: Any, r: Resource) -> None:
        est.lines.append(line_of_numbers(r, 0.0, 0.0, float("inf")))

    monkeypatch.setitem(estimator.HANDLERS, "aws:ec2/natGateway:NatGateway", endless)
    with pytest.raises(AssertionError, match="out of order"):
        cost_of(res("aws:ec2/natGateway:NatGateway", "nat"))



def tiny_catalog(instances: dict[str, tuple[int, int, float, float]]) -> Any:
    """A catalog of ``name: (gpus, vcpus, on-demand, spot)`` in REGION, with gp3 storage."""
    from infra.cost.prices import PriceCatalog

    return PriceCatalog({"taken_on": "2025-06-01", "instances": {
        name: {"gpus": g, "vcpus": v, "memory_gib": 16} for name, (g, v, _, _) in
        instances.items()}, "regions": {REGION: {
            "instances": {name: {"on_demand": od, "spot": sp}
                          for name, (_, _, od, sp) in instances.items()},
            "storage_gb_month": {"ebs-gp3": 0.08}}}})


def test_cheapest_compares_the_price_per_gpu_at_the_asked_capacity() -> None:
    # one GPU at $2 against four at $4 ($1 a GPU); at spot the order reverses.
    catalog = tiny_catalog({"a1.xlarge": (1, 4, 2.0, 0.2), "b4.12xlarge": (4, 48, 4.0, 1.6)})
    for types in (["a1.xlarge", "b4.12xlarge"], ["b4.12xlarge", "a1.xlarge"]):
        assert catalog.cheapest(types, REGION) == "b4.12xlarge"
        assert catalog.cheapest(types, REGION, "spot") == "a1.xlarge"


def test_a_cpu_pool_ceiling_divides_by_each_type_s_own_vcpus() -> None:
    catalog = tiny_catalog({"t9.nano": (0, 1, 0.5, 0.1), "m9.large": (0, 2, 0.6, 0.2)})
    got = line(cost_of(cpu_pool([], limits={"cpu": 10}), catalog=catalog), "pool")
    assert got.ceiling == pytest.approx(10 * 0.5 * H)  # $0.50 per vCPU-hour beats $0.30


def gpu_pool(capacity: list[str], profile: str) -> tuple[Resource, dict[str, Any]]:
    pool = res("kubernetes:karpenter.sh/v1:NodePool", "gpu", {
        "metadata": {"name": "gpu"},
        "spec": {"limits": {"nvidia.com/gpu": 4}, "template": {"spec": {"requirements": [
            {"key": "node.kubernetes.io/instance-type", "values": ["g5.xlarge"]},
            {"key": "karpenter.sh/capacity-type", "values": capacity}]}}}})
    return pool, {"gpu": resolve(profile)}


def test_a_gpu_pool_without_spot_replays_at_on_demand_even_for_a_spot_profile() -> None:
    from infra.cost.reference import expected_monthly
    from infra.simulate.engine import NodeType

    pool, bundles = gpu_pool(["on-demand"], "experiment")  # experiment would use spot
    got = line(cost_of(pool, bundles=bundles), "gpu")
    on_demand = CATALOG.instance_hourly("g5.xlarge", REGION)
    usd, _ = expected_monthly("experiment", 4, NodeType("g5.xlarge", 1, on_demand, on_demand))
    assert got.expected == pytest.approx(usd)


def test_a_service_pool_s_warm_floor_runs_on_spot_when_spot_is_allowed() -> None:
    pool, bundles = gpu_pool(["spot", "on-demand"], "service")
    got = line(cost_of(pool, bundles=bundles), "gpu")
    warm = max((w.nodes for w in bundles["gpu"].karpenter.warm_floor if w.schedule is None),
               default=0)
    assert warm > 0
    assert got.floor == pytest.approx(warm * CATALOG.instance_hourly("g5.xlarge", REGION,
                                                                     "spot") * H)
    assert "(spot/on-demand)" in got.basis
