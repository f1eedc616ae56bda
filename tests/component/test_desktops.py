"""Desktops under mocks: one per member who asks, from the baked image, private, no SSH, IMDSv2,
encrypted volumes, stopped when the profile says they are idle, on the team's working hours."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from infra.catalog import DESKTOP_SIZES
from infra.components.awscron import aws_cron
from infra.components.desktops import DISPLAY_PORT, idle_periods
from infra.graph import ResourceGraph
from infra.plan.mocks import PlanMocks
from infra.plan.runner import run_program
from infra.profiles import resolve
from infra.program import build
from infra.stackfile import load
from tests.component.awsplan import (
    as_list,
    by_name,
    depends_on,
    one,
    plan_files,
    platform_text,
    policy,
    statements,
    team_text,
)
from tests.component.find import single, where

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = "aws:ec2/instance:Instance"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SCHEDULE = "aws:scheduler/schedule:Schedule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def request_of(stack: str) -> Any:
    return load(ROOT / "stacks" / f"Pulumi.{stack}.yaml").stack.team


class InvokeLog(PlanMocks):
    """The plan's mocks, also keeping every invoke the program made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def call(self, args: Any) -> Any:
        self.calls.append((args.token, dict(args.args)))
        return super().call(args)


def test_image_is_the_newest_baked_desktop_image_of_this_account(
        example_plans: dict[str, ResourceGraph]) -> None:
    loaded = load(ROOT / "stacks" / "Pulumi.vision-prod.yaml").stack
    mocks = InvokeLog("eu-west-1", {"platform-prod": example_plans["platform-prod"].outputs})
    graph = run_program("vision-prod", lambda: build(loaded), mocks)
    ami_args = single([a for token, a in mocks.calls if token == "aws:ec2/getAmi:getAmi"],
                      "getAmi invoke")
    assert ami_args["owners"] == ["self"] and ami_args["mostRecent"] is True
    assert {"name": "name", "values": ["teamstack-desktop-*"]} in ami_args["filters"]
    image = mocks.invokes["aws:ec2/getAmi:getAmi"](ami_args, mocks)["id"]
    assert {i["ami"] for i in by_name(graph, INSTANCE).values()} == {image}


@pytest.mark.parametrize("stack", ["vision-prod", "analytics-prod", "insights-prod"])
def test_one_desktop_per_member_who_asks_sized_from_the_catalog(
        example_plans: dict[str, ResourceGraph], stack: str) -> None:
    graph = example_plans[stack]
    request = request_of(stack)
    wanted = {m.name: m.desktop for m in request.members if m.desktop}
    instances = {n: i for n, i in by_name(graph, INSTANCE).items() if n.startswith("desktops-")}
    assert set(instances) == {f"desktops-{n}" for n in wanted}
    platform = example_plans["platform-prod"].outputs
    zone_of = dict(zip(platform["private_subnet_ids"], platform["private_subnet_azs"],
                       strict=True))
    for name, size in wanted.items():
        inputs = instances[f"desktops-{name}"]
        assert inputs["instanceType"] == DESKTOP_SIZES[size].instance_type, (
            where("inputs['instanceType']", name=name, size=size))
        assert inputs["subnetId"] in platform["private_subnet_ids"], (
            where("inputs['subnetId']", name=name, size=size))
        assert inputs["associatePublicIpAddress"] is False, (
            where("inputs['associatePublicIpAddress']", name=name, size=size))
        assert inputs["iamInstanceProfile"] == f"{stack}-workload", (
            where("inputs['iamInstanceProfile']", name=name, size=size))
        assert inputs["tags"]["teamstack:member"] == name, (
            where("inputs['tags']['teamstack:member']", name=name, size=size))
        assert inputs["tags"]["teamstack:home-file-system"] == graph.outputs["file_system_id"], (
            where("inputs['tags']['teamstack:home-file-system']", name=name, size=size))
        assert inputs["tags"]["teamstack:home-access-point"] == graph.outputs[
            "access_point_ids"][name], (
            where("inputs['tags']['teamstack:home-access-point']", name=name, size=size))
        assert inputs["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                             "httpPutResponseHopLimit": 1,
                                             "instanceMetadataTags": "enabled"}, (
            where("inputs['metadataOptions']", name=name, size=size))
        root = inputs["rootBlockDevice"]
        assert root["encrypted"] is True and root["kmsKeyId"] == graph.outputs["key_arn"], (
            where("root['encrypted'] is True and root['kmsKeyId'] == graph.o...",
                  name=name, size=size))
        home = by_name(graph, "aws:ebs/volume:Volume")[f"desktops-{name}-home"]
        assert home["encrypted"] is True and home["kmsKeyId"] == graph.outputs["key_arn"], (
            where("home['encrypted'] is True and home['kmsKeyId'] == graph.o...",
                  name=name, size=size))
        assert home["size"] == DESKTOP_SIZES[size].home_volume_gib, (
            where("home['size']", name=name, size=size))
        assert home["availabilityZone"] == zone_of[inputs["subnetId"]], (
            where("home['availabilityZone']", name=name, size=size))
        attachment = by_name(graph, "aws:ec2/volumeAttachment:VolumeAttachment")[
            f"desktops-{name}-home"]
        assert attachment["deviceName"] == "/dev/sdf", (
            where("attachment['deviceName']", name=name, size=size))
    assert set(graph.outputs.get("desktop_instance_ids", {})) == set(wanted)


def test_desktops_spread_across_zones(example_plans: dict[str, ResourceGraph]) -> None:
    subnets = {i["subnetId"] for i in by_name(example_plans["vision-prod"], INSTANCE).values()}
    assert len(subnets) == 3


def test_no_ssh_and_display_only_from_the_access_ranges(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    display = one(graph, "aws:ec2/securityGroup:SecurityGroup", "desktops-display")
    hosts = one(graph, "aws:ec2/securityGroup:SecurityGroup", "hosts-sg")
    for instance in graph.of_type(INSTANCE):
        assert sorted(depends_on(graph, instance, "aws:ec2/securityGroup:SecurityGroup"),
                      key=lambda r: r.name) == [display, hosts], (
            where("sorted(depends_on(graph, instance, 'aws:ec2/securityGroup...",
                  instance=instance))
    rules = [r for r in graph.of_type(INGRESS)
             if depends_on(graph, r, "aws:ec2/securityGroup:SecurityGroup") == [display]]
    access = example_plans["platform-prod"].outputs["access_cidrs"]
    assert sorted((r.inputs["cidrIpv4"], r.inputs["ipProtocol"]) for r in rules) == sorted(
        (c, p) for c in access for p in ("tcp", "udp"))
    assert all(r.inputs["fromPort"] == r.inputs["toPort"] == DISPLAY_PORT for r in rules), (
        f"display rules not on port {DISPLAY_PORT} only: "
        f"{[(r.name, r.inputs['fromPort'], r.inputs['toPort']) for r in rules]}")
    for rule in graph.of_type(INGRESS):
        low, high = rule.inputs.get("fromPort", 0), rule.inputs.get("toPort", 65535)
        assert rule.inputs["ipProtocol"] != "-1" and not low <= 22 <= high, rule.name
    for group in (display, hosts):
        assert not group.inputs.get("ingress"), group.name


def test_display_port_matches_the_dcv_role_default() -> None:
    defaults = YAML(typ="safe").load((ROOT / "roles/dcv_desktop/defaults/main.yml").read_text())
    assert defaults["dcv_desktop_port"] == DISPLAY_PORT


def alarms_of(graph: ResourceGraph, member: str) -> dict[str, dict[str, Any]]:
    return {n.rsplit("-", 1)[-1]: i for n, i in by_name(graph, ALARM).items()
            if n.startswith(f"desktops-{member}-idle-")}


def test_cpu_desktop_is_stopped_by_its_cpu_alarm_after_the_profile_idle_time(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    minutes = resolve("interactive", request_of("vision-prod")).desktops.idle_stop_minutes
    instance_id = graph.outputs["desktop_instance_ids"]["chen"]
    assert set(alarms_of(graph, "chen")) == {"cpu"}
    cpu = alarms_of(graph, "chen")["cpu"]
    assert (cpu["namespace"], cpu["metricName"]) == ("AWS/EC2", "CPUUtilization")
    assert cpu["dimensions"] == {"InstanceId": instance_id}
    assert cpu["comparisonOperator"] == "LessThanThreshold"
    assert cpu["period"] * cpu["evaluationPeriods"] == minutes * 60
    assert cpu["alarmActions"] == ["arn:aws:automate:eu-west-1:ec2:stop"]
    assert cpu["treatMissingData"] == "notBreaching"


def test_gpu_desktop_stops_only_when_cpu_and_gpu_are_both_idle(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    instance_id = graph.outputs["desktop_instance_ids"]["alice"]
    alarms = alarms_of(graph, "alice")
    assert set(alarms) == {"cpu", "gpu"}
    gpu = alarms["gpu"]
    assert (gpu["namespace"], gpu["metricName"]) == ("teamstack", "nvidia_smi_utilization_gpu")
    assert gpu["dimensions"] == {"InstanceId": instance_id}
    assert not alarms["cpu"].get("alarmActions") and not gpu.get("alarmActions")
    composite = by_name(graph, "aws:cloudwatch/compositeAlarm:CompositeAlarm")[
        "desktops-alice-idle"]
    assert composite["alarmRule"] == (f'ALARM("{alarms["cpu"]["name"]}") AND '
                                      f'ALARM("{alarms["gpu"]["name"]}")')
    rule = by_name(graph, "aws:cloudwatch/eventRule:EventRule")["desktops-alice-idle"]
    pattern = json.loads(rule["eventPattern"])
    assert pattern["detail"] == {"alarmName": [composite["alarmName"]],
                                 "state": {"value": ["ALARM"]}}
    target = by_name(graph, "aws:cloudwatch/eventTarget:EventTarget")["desktops-alice-idle"]
    assert target["arn"].endswith(":automation-definition/AWS-StopEC2Instance:$DEFAULT")
    assert json.loads(target["input"]) == {"InstanceId": [instance_id]}
    assert target["roleArn"].endswith("role/teamstack/vision-prod-desktop-automation")


def test_business_hours_schedules_in_the_team_time_zone(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    policy_ = resolve("interactive", request_of("vision-prod")).desktops
    schedules = by_name(graph, SCHEDULE)
    assert set(schedules) == {"desktops-start", "desktops-stop"}
    ids = sorted(graph.outputs["desktop_instance_ids"].values())
    for action, cron in (("start", policy_.start_schedule), ("stop", policy_.stop_schedule)):
        schedule = schedules[f"desktops-{action}"]
        assert schedule["scheduleExpression"] == aws_cron(cron), (
            where("schedule['scheduleExpression']", action=action, cron=cron))
        assert schedule["scheduleExpressionTimezone"] == "Europe/Berlin", (
            where("schedule['scheduleExpressionTimezone']", action=action, cron=cron))
        target = schedule["target"]
        assert target["arn"] == f"arn:aws:scheduler:::aws-sdk:ec2:{action}Instances", (
            where("target['arn']", action=action, cron=cron))
        assert sorted(json.loads(target["input"])["InstanceIds"]) == ids, (
            where("sorted(json.loads(target['input'])['InstanceIds'])", action=action, cron=cron))


def test_desktop_arns_follow_the_partition_the_account_is_in(
        example_plans: dict[str, ResourceGraph]) -> None:
    """In aws-cn or aws-us-gov the schedules and the stop runbook are in that partition: every
    ARN the component writes itself takes the partition from ``aws.get_partition``."""
    loaded = load(ROOT / "stacks" / "Pulumi.vision-prod.yaml").stack
    mocks = PlanMocks("eu-west-1", {"platform-prod": example_plans["platform-prod"].outputs})
    mocks.invokes["aws:index/getPartition:getPartition"] = lambda args, m: {
        "partition": "aws-cn", "dnsSuffix": "amazonaws.com.cn", "id": "aws-cn",
        "reverseDnsPrefix": "cn.com.amazonaws"}
    graph = run_program("vision-prod", lambda: build(loaded), mocks)
    for name, schedule in by_name(graph, SCHEDULE).items():
        assert schedule["target"]["arn"].startswith("arn:aws-cn:scheduler:::"), (
            f"{SCHEDULE} {name}: target.arn {schedule['target']['arn']!r} is not in aws-cn")
    target = by_name(graph, "aws:cloudwatch/eventTarget:EventTarget")["desktops-alice-idle"]
    assert target["arn"].startswith("arn:aws-cn:ssm:"), (
        f"EventTarget desktops-alice-idle: arn {target['arn']!r} is not in aws-cn")


def test_on_demand_desktops_have_idle_stop_but_no_schedules(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["insights-prod"]
    assert graph.of_type(SCHEDULE) == []
    assert {n for n in by_name(graph, ALARM)} == {"desktops-farah-idle-cpu",
                                                  "desktops-goran-idle-cpu"}


def test_always_on_desktops_are_never_stopped(tmp_path: Path) -> None:
    plans = plan_files(tmp_path, {
        "platform-dev": platform_text(zones=2),
        "ops-dev": team_text("ops", """
            budget: {monthly_usd: 900}
            members: [{name: ann, email: ann@example.com, desktop: gpu-small}]
            desktops: {schedule: always-on, timezone: Asia/Tokyo}
            storage: {shared_home_gib: 10}
        """),
    })
    graph = plans["ops-dev"]
    assert len(graph.of_type(INSTANCE)) == 1
    assert graph.of_type(SCHEDULE) == [] and graph.of_type(ALARM) == []


def test_automation_role_acts_only_on_the_team_desktops(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    doc = policy(by_name(graph, "aws:iam/rolePolicy:RolePolicy")["desktops-automation"])
    by_sid = {s["Sid"]: s for s in statements(doc)}
    arns = sorted(f"arn:aws:ec2:eu-west-1:123456789012:instance/{i}"
                  for i in graph.outputs["desktop_instance_ids"].values())
    start_stop = by_sid["StartStopOwnDesktops"]
    assert sorted(start_stop["Resource"]) == arns
    assert start_stop["Condition"] == {"StringEquals": {"aws:ResourceTag/teamstack:team":
                                                        "vision"}}
    assert by_sid["GrantKeyToEc2ForStart"]["Resource"] == [graph.outputs["key_arn"]]
    assert as_list(by_sid["RunStopRunbook"]["Resource"]) == [
        "arn:aws:ssm:eu-west-1:123456789012:automation-definition/AWS-StopEC2Instance:*"]
    role = one(graph, "aws:iam/role:Role", "desktops-automation")
    trust = single(statements(policy(role.inputs, "assumeRolePolicy")),
                   f"trust statement of {role.name}")
    assert sorted(trust["Principal"]["Service"]) == ["events.amazonaws.com",
                                                     "scheduler.amazonaws.com"]


@pytest.mark.parametrize("minutes, periods", [(60, 12), (45, 9), (1, 1), (7, 2)])
def test_idle_periods_cover_at_least_the_idle_time(minutes: int, periods: int) -> None:
    assert idle_periods(minutes) == periods == max(1, math.ceil(minutes / 5))


@pytest.mark.parametrize("cron, expected", [
    ("45 7 * * 1-5", "cron(45 7 ? * MON-FRI *)"),
    ("0 20 * * 0,6", "cron(0 20 ? * SUN,SAT *)"),
    ("0 8 * * 7", "cron(0 8 ? * SUN *)"),
    ("0 2 * * *", "cron(0 2 * * ? *)"),
    ("30 6 1 * *", "cron(30 6 1 * ? *)"),
    ("0 9 * * tue-thu", "cron(0 9 ? * TUE-THU *)"),
])
def test_aws_cron(cron: str, expected: str) -> None:
    assert aws_cron(cron) == expected


@pytest.mark.parametrize("cron", ["0 8 1 * 1", "0 8 * * */2", "0 8 * *", "0 8 * * 9"])
def test_aws_cron_refuses_what_eventbridge_cannot_express(cron: str) -> None:
    with pytest.raises(ValueError):
        aws_cron(cron)


def test_desktops_carry_the_tags_the_ansible_inventory_groups_by(
        example_plans: dict[str, ResourceGraph]) -> None:
    """inventory/aws_ec2.yml keys host groups on teamstack:host_kind and the DCV session owner
    on teamstack:member; a desktop without them would be configured as nothing."""
    inventory = YAML(typ="safe").load(
        (Path(__file__).resolve().parents[2] / "inventory" / "aws_ec2.yml").read_text())
    assert any("teamstack:host_kind" in str(group.get("key", ""))
               for group in inventory["keyed_groups"])
    instances = example_plans["vision-prod"].of_type("aws:ec2/instance:Instance")
    assert instances
    for instance in instances:
        tags = instance.inputs["tags"]
        assert tags["teamstack:host_kind"] == "desktop", (
            where("tags['teamstack:host_kind']", instance=instance))
        assert tags["teamstack:member"] in {"alice", "bruno", "chen"}, (
            where("tags['teamstack:member']", instance=instance))
