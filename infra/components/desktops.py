"""Virtual desktops: one EC2 instance per member who asks for one, stopped when idle.

Each desktop runs the team's baked desktop image (``teamstack-desktop-*``, owned by this
account) in a private subnet. Nobody reaches it over SSH: there is no port 22 at all; shells go
through SSM Session Manager, and the remote display (NICE DCV, port 8443 TCP and its QUIC UDP
twin) is open only to the platform's access ranges. IMDSv2 is required with a hop limit of one,
so containers on the desktop cannot borrow the instance role. Root and home volumes are
encrypted with the team key.

Idle stop follows the team's workload profile. A CPU desktop is stopped by its CPU alarm
directly (the EC2 stop alarm action). A GPU desktop is idle only when both CPU and GPU are: a
training run can keep the GPU busy while the CPU idles, so the two alarms are combined in a
composite alarm and, since composite alarms cannot take EC2 actions, an EventBridge rule runs
the AWS stop runbook when it fires. Business-hours schedules start and stop desktops with
EventBridge Scheduler in the team's time zone.

The instance's AMI is ignored after creation: a new image is baked often, and replacing a
person's running desktop under them is never what a routine ``pulumi up`` should do. Roll a
desktop onto a new image deliberately with ``pulumi up --replace <urn>``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.catalog import DESKTOP_SIZES, DesktopSize
from infra.components.awscron import aws_cron
from infra.components.base import Naming, TeamstackComponent, pick
from infra.components.policies import (
    STOP_AUTOMATION,
    TeamResources,
    desktop_automation_statements,
    document,
)
from infra.profiles.model import DesktopPolicy, LayerPolicy

DISPLAY_PORT = 8443  # NICE DCV; the default of the dcv_desktop role (dcv_desktop_port)
DESKTOP_IMAGE = "teamstack-desktop-*"
ROOT_VOLUME_GIB = 100
HOME_DEVICE = "/dev/sdf"
ALARM_PERIOD_SECONDS = 300
IDLE_CPU_PERCENT = 5.0
IDLE_GPU_PERCENT = 5.0
GPU_METRIC = ("teamstack", "nvidia_smi_utilization_gpu")  # CloudWatch agent (monitoring_agent)
ROLE_PATH = "/teamstack/"
INSTANCE_TYPE = "aws:ec2/instance:Instance"


def idle_periods(minutes: int) -> int:
    """Alarm evaluation periods covering ``minutes`` of idleness (at least one)."""
    return max(1, math.ceil(minutes * 60 / ALARM_PERIOD_SECONDS))


def scheduler_trust(account: str) -> str:
    return document([{
        "Effect": "Allow",
        "Principal": {"Service": ["scheduler.amazonaws.com", "events.amazonaws.com"]},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
    }])


@dataclass(frozen=True)
class DesktopMember:
    name: str
    size: str
    uid: int


@dataclass(frozen=True)
class DesktopArgs:
    """What the team's desktops are made from. A desktop is a person's working machine: each
    field says whether changing it updates desktops in place or replaces them (a replaced
    desktop starts from the image again, and its home volume is a new, empty one)."""

    naming: Naming
    """Team and environment, the prefix of every physical name. Changing it renames (and so
    replaces) the security group, alarms, role and schedules."""
    region: str
    """The region, for the EC2 stop action and the stop runbook's ARNs."""
    team: str
    """The team, which scopes the automation role's permissions to its own desktops."""
    members: Sequence[tuple[str, str, int]]
    """(name, size, uid) of each member with a desktop, in request order. The size sets the
    instance type (changed in place, with a stop and start) and the home volume (grown in
    place; EBS cannot shrink). The uid is a tag the image reads at boot. Position decides the
    zone (``index % zones``): inserting or removing a member before others moves them to
    another zone, which replaces their instances and home volumes."""
    policy: LayerPolicy[DesktopPolicy]
    """The profile's desktop layer: idle stop (alarms), start and stop schedules; the instance
    state it owns at run time is ignored by deploys. Changes in place."""
    vpc_id: pulumi.Input[str]
    """VPC of the display security group; changing it replaces the group."""
    private_subnet_ids: pulumi.Input[Sequence[str]]
    """The platform's private subnets, one per zone: desktops get no public address."""
    private_subnet_azs: pulumi.Input[Sequence[str]]
    """The zone of each private subnet, where each desktop's home volume must be."""
    zones: int
    """How many zones desktops spread over (the platform's count). Changing it moves desktops
    between zones: those instances and their home volumes are replaced."""
    access_cidrs: pulumi.Input[Sequence[str]]
    """The platform's access ranges: the only sources of the remote display (TCP and UDP)."""
    access_cidr_count: int
    """How many access ranges there are (a count from the platform's file: a program cannot
    branch on an output). Adds or removes ingress rules in place."""
    hosts_security_group_id: pulumi.Input[str]
    """The team's host group, which others (the shared home's NFS) admit. In place."""
    instance_profile: pulumi.Input[str]
    """The team's workload instance profile. In place."""
    key_arn: pulumi.Input[str] | None = None
    """The team key for root and home volumes (None: the account's default EBS key). Changing
    it replaces every desktop and its home volume."""
    permissions_boundary: pulumi.Input[str] | None = None
    """The team's permissions boundary, put on the automation role. In place."""
    home_file_system_id: pulumi.Input[str] | None = None
    """The shared EFS home, tagged on each desktop for the image to mount at boot. Tags
    change in place and take effect at the next boot."""
    home_access_points: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Each member's access point on the shared home (tag, as above)."""


class TeamDesktops(TeamstackComponent):
    """The team's desktops, their display security group, idle stop and schedules."""

    TYPE = "teamstack:desktops:TeamDesktops"
    COMPONENT = "desktops"

    def __init__(self, name: str, args: DesktopArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        if args.zones < 1:
            raise ValueError("desktops need at least one private subnet")
        self.account = aws.get_caller_identity().account_id
        self.partition = aws.get_partition().partition
        image = aws.ec2.get_ami_output(
            owners=["self"], most_recent=True,
            filters=[aws.ec2.GetAmiFilterArgs(name="name", values=[DESKTOP_IMAGE]),
                     aws.ec2.GetAmiFilterArgs(name="state", values=["available"])])
        self.security_group = self._display_group(name, args)
        subnets = pulumi.Output.from_input(args.private_subnet_ids)
        zones = pulumi.Output.from_input(args.private_subnet_azs)
        self.instances: dict[str, aws.ec2.Instance] = {}
        self.alarms: dict[str, aws.cloudwatch.MetricAlarm] = {}
        members = [DesktopMember(*m) for m in args.members]
        for index, member in enumerate(members):
            if member.size not in DESKTOP_SIZES:
                raise ValueError(f"unknown desktop size {member.size!r}")
            size = DESKTOP_SIZES[member.size]
            zone = index % args.zones
            self.instances[member.name] = self._desktop(
                name, args, member, size, image.id, subnets.apply(pick(zone, "private subnets")),
                zones.apply(pick(zone, "private subnet zones")))
        self.role = self._automation_role(name, args)
        for member in members:
            if args.policy.settings.idle_stop_minutes > 0:
                self._idle_stop(name, args, member, DESKTOP_SIZES[member.size])
        self._schedules(name, args)
        # Outputs, as typed attributes registered under the same names.
        self.instance_ids: dict[str, pulumi.Output[str]] = {
            k: i.id for k, i in self.instances.items()}
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        self.register_outputs({
            "instance_ids": self.instance_ids,
            "security_group_id": self.security_group_id,
        })

    # -- network -----------------------------------------------------------------------------

    def _display_group(self, name: str, args: DesktopArgs) -> aws.ec2.SecurityGroup:
        naming = args.naming
        group = aws.ec2.SecurityGroup(
            f"{name}-display", name=naming.physical("desktop-display"),
            description=f"Remote display of {naming.prefix} desktops, from the access ranges",
            vpc_id=args.vpc_id, tags={"Name": naming.physical("desktop-display")},
            opts=self.child())
        cidrs = pulumi.Output.from_input(args.access_cidrs)
        for i in range(args.access_cidr_count):
            for protocol in ("tcp", "udp"):  # DCV over TLS and over QUIC
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-display-{protocol}-{i}", security_group_id=group.id,
                    cidr_ipv4=cidrs.apply(pick(i, "access ranges")), ip_protocol=protocol,
                    from_port=DISPLAY_PORT, to_port=DISPLAY_PORT,
                    description="remote display from a platform access range",
                    opts=self.child())
        return group

    # -- instances ---------------------------------------------------------------------------

    def _desktop(self, name: str, args: DesktopArgs, member: DesktopMember, size: DesktopSize,
                 image_id: pulumi.Input[str], subnet_id: pulumi.Input[str],
                 zone: pulumi.Input[str]) -> aws.ec2.Instance:
        naming = args.naming
        physical = naming.physical(f"desktop-{member.name}")
        logical = f"{name}-{member.name}"
        # Read by the desktop image at boot through instance metadata tags: who the desktop is
        # for, and where that person's slice of the shared home is (EFS access point).
        tags: dict[str, pulumi.Input[str]] = {
            "Name": physical, "teamstack:member": member.name, "teamstack:uid": str(member.uid),
            "teamstack:desktop-size": member.size,
            # The Ansible inventory (inventory/aws_ec2.yml) groups hosts by this tag.
            "teamstack:host_kind": "desktop"}
        if args.home_file_system_id is not None and member.name in args.home_access_points:
            tags["teamstack:home-file-system"] = args.home_file_system_id
            tags["teamstack:home-access-point"] = args.home_access_points[member.name]
        instance = aws.ec2.Instance(
            logical,
            ami=image_id,
            instance_type=size.instance_type,
            subnet_id=subnet_id,
            vpc_security_group_ids=[args.hosts_security_group_id, self.security_group.id],
            iam_instance_profile=args.instance_profile,
            associate_public_ip_address=False,
            ebs_optimized=True,
            metadata_options=aws.ec2.InstanceMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1,
                instance_metadata_tags="enabled"),
            root_block_device=aws.ec2.InstanceRootBlockDeviceArgs(
                encrypted=True, kms_key_id=args.key_arn, volume_type="gp3",
                volume_size=ROOT_VOLUME_GIB, delete_on_termination=True),
            tags=tags,
            opts=self.child(ignore_changes=sorted(
                {"ami", *args.policy.ignore_changes(INSTANCE_TYPE)})))
        home = aws.ebs.Volume(
            f"{logical}-home", availability_zone=zone, size=size.home_volume_gib, type="gp3",
            encrypted=True, kms_key_id=args.key_arn,
            tags={"Name": f"{physical}-home", "teamstack:member": member.name},
            opts=self.child())
        aws.ec2.VolumeAttachment(
            f"{logical}-home", device_name=HOME_DEVICE, volume_id=home.id,
            instance_id=instance.id, stop_instance_before_detaching=True, opts=self.child())
        return instance

    # -- idle stop ---------------------------------------------------------------------------

    def _idle_stop(self, name: str, args: DesktopArgs, member: DesktopMember,
                   size: DesktopSize) -> None:
        naming = args.naming
        instance = self.instances[member.name]
        minutes = args.policy.settings.idle_stop_minutes
        periods = idle_periods(minutes)
        alarm_name = naming.physical(f"desktop-{member.name}-idle")
        stop_action = f"arn:{self.partition}:automate:{args.region}:ec2:stop"
        gpu = size.gpus > 0
        cpu_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-{member.name}-idle-cpu", name=f"{alarm_name}-cpu",
            alarm_description=f"{member.name}'s desktop: CPU below {IDLE_CPU_PERCENT}% for "
                              f"{minutes} minutes (profile idle stop)",
            namespace="AWS/EC2", metric_name="CPUUtilization",
            dimensions={"InstanceId": instance.id}, statistic="Maximum",
            period=ALARM_PERIOD_SECONDS, evaluation_periods=periods, datapoints_to_alarm=periods,
            threshold=IDLE_CPU_PERCENT, comparison_operator="LessThanThreshold",
            # A stopped desktop sends no data; that must not count as idle again.
            treat_missing_data="notBreaching",
            alarm_actions=[] if gpu else [stop_action], opts=self.child())
        self.alarms[member.name] = cpu_alarm
        if not gpu:
            return
        gpu_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-{member.name}-idle-gpu", name=f"{alarm_name}-gpu",
            alarm_description=f"{member.name}'s desktop: GPU below {IDLE_GPU_PERCENT}% for "
                              f"{minutes} minutes",
            namespace=GPU_METRIC[0], metric_name=GPU_METRIC[1],
            dimensions={"InstanceId": instance.id}, statistic="Maximum",
            period=ALARM_PERIOD_SECONDS, evaluation_periods=periods, datapoints_to_alarm=periods,
            threshold=IDLE_GPU_PERCENT, comparison_operator="LessThanThreshold",
            # No GPU metric (agent down) counts as an idle GPU: the CPU alarm still decides.
            treat_missing_data="breaching", opts=self.child())
        aws.cloudwatch.CompositeAlarm(
            f"{name}-{member.name}-idle", alarm_name=alarm_name,
            alarm_description=f"{member.name}'s GPU desktop: CPU and GPU idle for {minutes} "
                              "minutes",
            alarm_rule=pulumi.Output.concat('ALARM("', cpu_alarm.name, '") AND ALARM("',
                                            gpu_alarm.name, '")'),
            opts=self.child(depends_on=[cpu_alarm, gpu_alarm]))
        rule = aws.cloudwatch.EventRule(
            f"{name}-{member.name}-idle", name=alarm_name,
            description=f"Stop {member.name}'s GPU desktop when its idle alarm fires",
            event_pattern=json.dumps({
                "source": ["aws.cloudwatch"], "detail-type": ["CloudWatch Alarm State Change"],
                "detail": {"alarmName": [alarm_name], "state": {"value": ["ALARM"]}}},
                sort_keys=True),
            tags={"Name": alarm_name},
            opts=self.child())
        aws.cloudwatch.EventTarget(
            f"{name}-{member.name}-idle", rule=rule.name, role_arn=self.role.arn,
            arn=(f"arn:{self.partition}:ssm:{args.region}:{self.account}:"
                 f"automation-definition/{STOP_AUTOMATION}:$DEFAULT"),
            input=instance.id.apply(lambda i: json.dumps({"InstanceId": [i]})),
            opts=self.child())

    # -- schedules and the role that acts for them -------------------------------------------

    def _automation_role(self, name: str, args: DesktopArgs) -> aws.iam.Role:
        naming = args.naming
        role = aws.iam.Role(
            f"{name}-automation", name=naming.physical("desktop-automation"), path=ROLE_PATH,
            description=f"Starts and stops {naming.prefix} desktops (schedules, idle stop)",
            assume_role_policy=scheduler_trust(self.account),
            permissions_boundary=args.permissions_boundary, opts=self.child())
        arns = [i.arn for i in self.instances.values()]
        policy = pulumi.Output.all(args.key_arn, *arns).apply(lambda v: document(
            desktop_automation_statements(TeamResources(
                team=args.team, prefix=naming.prefix, account=self.account, region=args.region,
                partition=self.partition, key_arn=v[0]), instance_arns=v[1:])))
        aws.iam.RolePolicy(f"{name}-automation", name="desktop-automation", role=role.id,
                           policy=policy, opts=self.child())
        return role

    def _schedules(self, name: str, args: DesktopArgs) -> None:
        ids = pulumi.Output.all(*[i.id for i in self.instances.values()])
        for action, cron in (("start", args.policy.settings.start_schedule),
                             ("stop", args.policy.settings.stop_schedule)):
            if cron is None:
                continue
            aws.scheduler.Schedule(
                f"{name}-{action}", name=args.naming.physical(f"desktops-{action}"),
                description=f"{action.capitalize()} the team's desktops ({cron} "
                            f"{args.policy.settings.timezone})",
                schedule_expression=aws_cron(cron),
                schedule_expression_timezone=args.policy.settings.timezone,
                flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
                target=aws.scheduler.ScheduleTargetArgs(
                    arn=f"arn:{self.partition}:scheduler:::aws-sdk:ec2:{action}Instances",
                    role_arn=self.role.arn,
                    input=ids.apply(lambda v: json.dumps({"InstanceIds": list(v)})),
                    retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                        maximum_retry_attempts=3, maximum_event_age_in_seconds=3600)),
                opts=self.child())
