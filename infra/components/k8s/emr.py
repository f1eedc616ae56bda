"""Spark on EMR for one team: a cluster with managed scaling and idle auto-termination, or, for
a scheduled job, an EventBridge Scheduler schedule that starts a transient cluster per run.

A scheduled retraining profile terminates idle clusters within minutes, so a standing cluster
would be gone by the next run; the schedule therefore launches its own cluster (RunJobFlow,
with the same instance groups, scaling limits and auto-termination) that runs the job as a
step and terminates when it is done. Without a schedule the team gets a standing cluster,
whose core group size EMR managed scaling owns (ignored by deploys).

The instances' role may read and write the team's buckets under its key and nothing else; the
cluster encrypts local disks and S3 output under the team key; nodes sit in the platform's
private subnets with EMR-managed security groups.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import iam, spark_specs
from infra.profiles.model import LayerPolicy, SparkPolicy

RELEASE_LABEL = "emr-7.5.0"
PRIMARY_TYPE = "m6i.xlarge"
CORE_TYPE = "m6i.2xlarge"
VOLUME_GIB = 64
CLUSTER_TYPE = "aws:emr/cluster:Cluster"


@dataclass(frozen=True)
class EmrArgs:
    """Spark on EMR for one team. A standing cluster is replaced by most changes (EMR cannot
    change a running cluster's settings), which ends the jobs running on it; a scheduled run
    reads the new settings at its next start."""

    naming: Naming
    """Team and environment: names of the cluster, roles and schedule."""
    team: str
    """The team, for the default job file and tags."""
    bucket: pulumi.Input[str]
    """Physical name of the bucket for logs and event logs (``s3://<bucket>/emr/``)."""
    bucket_arns: list[pulumi.Input[str]]
    """The team's buckets: the only ones the instances may read and write. In place."""
    key_arn: pulumi.Input[str]
    """The team key: local disks and S3 output are encrypted under it. Changing it replaces
    the security configuration and the cluster."""
    subnet_id: pulumi.Input[str]
    """A private subnet of the platform for the nodes. Changing it replaces the cluster."""
    policy: LayerPolicy[SparkPolicy]
    """The profile's Spark layer: dynamic allocation, managed scaling limits, idle
    auto-termination. The core group's size is owned by managed scaling and ignored by
    deploys; new scaling limits re-create the managed scaling policy, not the cluster."""
    schedule: str | None
    """Cron of a scheduled job: a schedule starts a transient cluster per run instead of a
    standing cluster. Adding or removing it swaps one for the other."""
    main_file: str | None
    """The job's main file (None: the team's default job file in ``bucket``)."""
    run_tags: dict[str, str] = field(default_factory=dict)
    """Tags of scheduled clusters (the stack transform cannot reach what a schedule starts)."""
    permissions_boundary: pulumi.Input[str] | None = None
    """The team's permissions boundary, put on the instance role. In place."""


def instance_policy(bucket_arns: list[str], key_arn: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "TeamBuckets", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket",
                    "s3:GetBucketLocation", "s3:AbortMultipartUpload"],
         "Resource": [*bucket_arns, *[f"{arn}/*" for arn in bucket_arns]]},
        {"Sid": "TeamKey", "Effect": "Allow",
         "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
         "Resource": key_arn},
    ]}, sort_keys=True)


def security_configuration(key_arn: str) -> str:
    return json.dumps({"EncryptionConfiguration": {
        "EnableAtRestEncryption": True, "EnableInTransitEncryption": False,
        "AtRestEncryptionConfiguration": {
            "S3EncryptionConfiguration": {"EncryptionMode": "SSE-KMS", "AwsKmsKey": key_arn},
            "LocalDiskEncryptionConfiguration": {"EncryptionKeyProviderType": "AwsKms",
                                                 "AwsKmsKey": key_arn, "EnableEbsEncryption": True},
        }}}, sort_keys=True)


def spark_step(main_file: str, policy: SparkPolicy) -> dict[str, Any]:
    return {"Name": "retrain", "ActionOnFailure": "TERMINATE_CLUSTER",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": [
                "spark-submit", "--deploy-mode", "cluster",
                "--conf", "spark.dynamicAllocation.enabled=true",
                "--conf", f"spark.dynamicAllocation.minExecutors="
                          f"{policy.dynamic_allocation_min_executors}",
                "--conf", f"spark.dynamicAllocation.maxExecutors="
                          f"{policy.dynamic_allocation_max_executors}",
                "--conf", f"spark.dynamicAllocation.executorIdleTimeout="
                          f"{policy.executor_idle_timeout_s}s",
                main_file.replace("s3a://", "s3://", 1)]}}


def run_job_flow(*, name: str, log_uri: str, subnet_id: str, instance_profile: str,
                 service_role: str, security_configuration_name: str, policy: SparkPolicy,
                 main_file: str, tags: dict[str, str]) -> dict[str, Any]:
    """The RunJobFlow request a scheduled run sends: a transient cluster running one step."""
    request: dict[str, Any] = {
        "Name": name, "ReleaseLabel": RELEASE_LABEL, "LogUri": log_uri,
        "Applications": [{"Name": "Spark"}],
        "Instances": {
            "Ec2SubnetId": subnet_id, "KeepJobFlowAliveWhenNoSteps": False,
            "InstanceGroups": [
                {"Name": "primary", "InstanceRole": "MASTER", "InstanceType": PRIMARY_TYPE,
                 "InstanceCount": 1},
                {"Name": "core", "InstanceRole": "CORE", "InstanceType": CORE_TYPE,
                 "InstanceCount": policy.emr_managed_scaling_min_units},
            ]},
        "Steps": [spark_step(main_file, policy)],
        "JobFlowRole": instance_profile, "ServiceRole": service_role,
        "SecurityConfiguration": security_configuration_name,
        "ManagedScalingPolicy": {"ComputeLimits": {
            "UnitType": "Instances",
            "MinimumCapacityUnits": policy.emr_managed_scaling_min_units,
            "MaximumCapacityUnits": policy.emr_managed_scaling_max_units}},
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        "VisibleToAllUsers": True,
    }
    if policy.emr_idle_timeout_s is not None:
        request["AutoTerminationPolicy"] = {"IdleTimeout": policy.emr_idle_timeout_s}
    return request


class EmrSpark(TeamstackComponent):
    TYPE = "teamstack:spark:EmrSpark"
    COMPONENT = "spark"

    def __init__(self, name: str, args: EmrArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        naming = args.naming
        partition = aws.get_partition().partition
        account = aws.get_caller_identity().account_id
        self._account = account
        boundary: dict[str, Any] = {"permissions_boundary": args.permissions_boundary} \
            if args.permissions_boundary is not None else {}
        # EMR's service role needs EC2 rights no team role has: its ceiling is its own
        # managed policy, so nothing attached later can widen it.
        service_policy = f"arn:{partition}:iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"
        service_role = aws.iam.Role(
            f"{name}-service", name=naming.physical("emr-service"),
            assume_role_policy=iam.service_trust(
                "elasticmapreduce.amazonaws.com", account=account,
                source_arn=f"arn:{partition}:elasticmapreduce:*:{account}:*"),
            permissions_boundary=service_policy, opts=self.child())
        aws.iam.RolePolicyAttachment(f"{name}-service-policy", role=service_role.name,
                                     policy_arn=service_policy, opts=self.child())
        instance_role = aws.iam.Role(
            f"{name}-instance", name=naming.physical("emr-instance"),
            assume_role_policy=iam.service_trust("ec2.amazonaws.com"), opts=self.child(),
            **boundary)
        aws.iam.RolePolicy(
            f"{name}-instance-policy", role=instance_role.id,
            policy=pulumi.Output.all(pulumi.Output.all(*args.bucket_arns), args.key_arn).apply(
                lambda v: instance_policy(list(v[0]), v[1])),
            opts=self.child())
        profile = aws.iam.InstanceProfile(f"{name}-instance", name=naming.physical("emr"),
                                          role=instance_role.name, opts=self.child())
        security = aws.emr.SecurityConfiguration(
            f"{name}-security", name=naming.physical("emr"),
            configuration=pulumi.Output.from_input(args.key_arn).apply(security_configuration),
            opts=self.child())
        bucket = pulumi.Output.from_input(args.bucket)
        log_uri = bucket.apply(lambda b: f"s3://{b}/emr-logs/")
        main_file = bucket.apply(lambda b: args.main_file or spark_specs.default_job_file(b))
        policy = args.policy.settings
        if args.schedule is not None:
            self._schedule(name, args, service_role, instance_role, profile, security, log_uri,
                           main_file)
            self.register_outputs({})
            return
        self.cluster = aws.emr.Cluster(
            f"{name}-cluster", name=naming.physical("spark"), release_label=RELEASE_LABEL,
            applications=["Spark"], service_role=service_role.arn, log_uri=log_uri,
            security_configuration=security.name,
            ec2_attributes=aws.emr.ClusterEc2AttributesArgs(
                subnet_id=args.subnet_id, instance_profile=profile.arn),
            master_instance_group=aws.emr.ClusterMasterInstanceGroupArgs(
                instance_type=PRIMARY_TYPE, instance_count=1),
            core_instance_group=aws.emr.ClusterCoreInstanceGroupArgs(
                instance_type=CORE_TYPE, instance_count=policy.emr_managed_scaling_min_units,
                ebs_configs=[aws.emr.ClusterCoreInstanceGroupEbsConfigArgs(
                    size=VOLUME_GIB, type="gp3", volumes_per_instance=1)]),
            auto_termination_policy=aws.emr.ClusterAutoTerminationPolicyArgs(
                idle_timeout=policy.emr_idle_timeout_s)
            if policy.emr_idle_timeout_s is not None else None,
            keep_job_flow_alive_when_no_steps=True, termination_protection=False,
            tags={"Name": naming.physical("spark")},
            opts=self.child(ignore_changes=args.policy.ignore_changes(CLUSTER_TYPE)))
        aws.emr.ManagedScalingPolicy(
            f"{name}-scaling", cluster_id=self.cluster.id,
            compute_limits=[aws.emr.ManagedScalingPolicyComputeLimitArgs(
                unit_type="Instances",
                minimum_capacity_units=policy.emr_managed_scaling_min_units,
                maximum_capacity_units=policy.emr_managed_scaling_max_units)],
            opts=self.child())
        self.register_outputs({"cluster_id": self.cluster.id})

    def _schedule(self, name: str, args: EmrArgs, service_role: aws.iam.Role,
                  instance_role: aws.iam.Role, profile: aws.iam.InstanceProfile,
                  security: aws.emr.SecurityConfiguration,
                  log_uri: pulumi.Output[str], main_file: pulumi.Output[str]) -> None:
        naming = args.naming
        # Its one permission is also its ceiling.
        scheduler_policy = aws.iam.Policy(
            f"{name}-scheduler-policy", name=naming.physical("emr-scheduler"),
            policy=pulumi.Output.all(instance_role.arn, service_role.arn).apply(
                lambda v: iam.scheduler_run_emr(job_flow_role_arn=v[0], service_role_arn=v[1])),
            opts=self.child())
        scheduler_role = aws.iam.Role(
            f"{name}-scheduler", name=naming.physical("emr-scheduler"),
            assume_role_policy=iam.service_trust(
                "scheduler.amazonaws.com", account=self._account,
                source_arn=f"arn:{aws.get_partition().partition}:scheduler:*:{self._account}"
                           f":schedule/default/{naming.physical('spark-retrain')}"),
            permissions_boundary=scheduler_policy.arn, opts=self.child())
        aws.iam.RolePolicyAttachment(f"{name}-scheduler-policy", role=scheduler_role.name,
                                     policy_arn=scheduler_policy.arn, opts=self.child())
        request = pulumi.Output.all(log_uri, args.subnet_id, profile.name, service_role.name,
                                    security.name, main_file).apply(
            lambda v: json.dumps(run_job_flow(
                name=naming.physical("spark-retrain"), log_uri=v[0], subnet_id=v[1],
                instance_profile=v[2], service_role=v[3], security_configuration_name=v[4],
                policy=args.policy.settings, main_file=v[5],
                tags={**args.run_tags, "Name": naming.physical("spark-retrain")}),
                sort_keys=True))
        partition = aws.get_partition().partition
        self.schedule = aws.scheduler.Schedule(
            f"{name}-schedule", name=naming.physical("spark-retrain"),
            schedule_expression=spark_specs.eventbridge_cron(args.schedule or ""),
            schedule_expression_timezone="UTC",
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=f"arn:{partition}:scheduler:::aws-sdk:emr:runJobFlow",
                role_arn=scheduler_role.arn, input=request),
            opts=self.child())
