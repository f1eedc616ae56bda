"""Spark on the operator, for one team: what makes its namespace a Spark namespace.

The platform's Spark operator watches every namespace; a team's namespace becomes usable by
getting the driver's service account (bound by Pod Identity to the team's workload role, so
drivers and executors read and write the team's buckets), the Role the driver needs to run its
executors, the ``spark-defaults`` every application mounts, a SparkApplication template to
start from, a history server over the event logs, and, for a scheduled profile, the
ScheduledSparkApplication that runs the retraining job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from ruamel.yaml import YAML

from infra.components.base import TeamstackComponent
from infra.components.k8s import names, spark_specs
from infra.components.k8s.namespace import pod_identity
from infra.components.policies import workload_trust_pods
from infra.profiles.model import LayerPolicy, SparkPolicy

HISTORY_SERVER = "spark-history"


def to_yaml(document: dict[str, Any]) -> str:
    out = StringIO()
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.dump(document, out)
    return out.getvalue()


@dataclass(frozen=True)
class SparkArgs:
    """Spark on the operator in the team's namespace. Everything here is a Kubernetes object
    or a Pod Identity binding and changes in place; running applications keep the settings
    they started with."""

    team: str
    """The team, for labels and the scheduled application's name."""
    namespace: str
    """The team's namespace, where drivers and executors run."""
    image: str
    """The Spark image (pinned tag) of the template and the scheduled job."""
    bucket: pulumi.Input[str]
    """Physical name of the event-log bucket, which the history server reads."""
    main_file: str | None
    """The job's main file (None: ``default_job_file(bucket)``)."""
    schedule: str | None
    """Cron of the ScheduledSparkApplication; None: no scheduled job (removing it deletes
    the schedule, not past runs' logs)."""
    policy: LayerPolicy[SparkPolicy]
    """The profile's Spark layer: dynamic allocation bounds and executor idle timeout, in
    ``spark-defaults`` and the templates."""
    cluster_name: pulumi.Input[str]
    """The EKS cluster of the namespace, for the Pod Identity association."""
    workload_role: aws.iam.Role | None
    """The team's workload role, bound to the driver's service account (None: no binding)."""
    provider: k8s.Provider
    """The cluster of the team's namespace."""
    depends_on: list[pulumi.Resource]
    """What must exist first (the namespace)."""
    bucket_arn: pulumi.Input[str] | None = None
    """The event-log bucket's ARN, for the history server's own read-only role (event logs
    only); None: the history server gets no AWS identity at all."""
    key_arn: pulumi.Input[str] | None = None
    """The team key the event logs are encrypted under (the history server decrypts)."""
    role_name: str = ""
    """Name of the history server's role (``<team>-<env>-spark-history``)."""
    permissions_boundary: pulumi.Input[str] | None = None
    """The team's permissions boundary, put on the history server's role. In place."""
    pod_clusters: Sequence[str] = ()
    """The clusters whose Pod Identity the history server's role trusts."""


class SparkOperatorTeam(TeamstackComponent):
    TYPE = "teamstack:k8s:SparkOperatorTeam"
    COMPONENT = "spark"

    def __init__(self, name: str, args: SparkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        ns, team = args.namespace, args.team
        kopts = self.child(provider=args.provider, depends_on=args.depends_on)
        labels = {names.LABEL_TEAM: team}

        def meta(object_name: str, **extra: Any) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns, **extra)

        sa = k8s.core.v1.ServiceAccount(f"{name}-sa", metadata=meta(
            spark_specs.SPARK_SERVICE_ACCOUNT), opts=kopts)
        role = k8s.rbac.v1.Role(
            f"{name}-driver-role", metadata=meta("spark-driver"),
            rules=[k8s.rbac.v1.PolicyRuleArgs(
                api_groups=[""], resources=["pods", "services", "configmaps",
                                            "persistentvolumeclaims"],
                verbs=["create", "get", "list", "watch", "update", "patch", "delete",
                       "deletecollection"])],
            opts=kopts)
        k8s.rbac.v1.RoleBinding(
            f"{name}-driver-binding", metadata=meta("spark-driver"),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io",
                                             kind="Role", name="spark-driver"),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", namespace=ns,
                                              name=spark_specs.SPARK_SERVICE_ACCOUNT)],
            opts=self.child(provider=args.provider, depends_on=[role, sa]))
        pod_identity(self, f"{name}-identity", cluster_name=args.cluster_name, namespace=ns,
                     service_account=spark_specs.SPARK_SERVICE_ACCOUNT, role=args.workload_role,
                     depends_on=[sa])

        bucket = pulumi.Output.from_input(args.bucket)
        event_dir = bucket.apply(spark_specs.event_log_dir)
        defaults = k8s.core.v1.ConfigMap(
            f"{name}-defaults", metadata=meta(spark_specs.DEFAULTS_CONFIGMAP),
            data=event_dir.apply(lambda d: {"spark-defaults.conf": spark_specs.spark_defaults_conf(
                spark_specs.spark_defaults(args.policy.settings, d))}),
            opts=kopts)
        spec = bucket.apply(lambda b: spark_specs.application_spec(
            team=team, image=args.image,
            main_file=args.main_file or spark_specs.default_job_file(b),
            policy=args.policy.settings, pod_labels=labels))
        self.template = spec.apply(lambda s: spark_specs.application_template(
            team=team, namespace=ns, spec=s))
        k8s.core.v1.ConfigMap(
            f"{name}-template", metadata=meta(spark_specs.TEMPLATE_CONFIGMAP),
            data=self.template.apply(lambda t: {"sparkapplication.yaml": to_yaml(t)}),
            opts=kopts)
        schedule = args.schedule
        if schedule is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-scheduled", api_version=spark_specs.SPARK_APP_API,
                kind="ScheduledSparkApplication", metadata=meta(f"{team}-retrain"),
                spec=spec.apply(lambda s: spark_specs.scheduled_spec(schedule, s)),
                opts=self.child(provider=args.provider, depends_on=[defaults, sa, role]))
        self._history_server(name, args, event_dir, meta, kopts)
        self.register_outputs({})

    def _history_server(self, name: str, args: SparkArgs, event_dir: pulumi.Output[str],
                        meta: Any, kopts: pulumi.ResourceOptions) -> None:
        labels = {"app.kubernetes.io/name": HISTORY_SERVER, names.LABEL_TEAM: args.team}
        container = k8s.core.v1.ContainerArgs(
            name="history-server", image=args.image,
            command=event_dir.apply(spark_specs.history_server_command),
            ports=[k8s.core.v1.ContainerPortArgs(name="http",
                                                 container_port=spark_specs.HISTORY_PORT)],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": "250m", "memory": "1Gi"}, limits={"memory": "2Gi"}),
            readiness_probe=k8s.core.v1.ProbeArgs(
                http_get=k8s.core.v1.HTTPGetActionArgs(path="/", port="http"),
                initial_delay_seconds=30, period_seconds=15),
            security_context=k8s.core.v1.SecurityContextArgs(
                run_as_non_root=True, run_as_user=185, allow_privilege_escalation=False,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")))
        # Its own service account: no Kubernetes API token (it reads files, it manages no
        # pods) and, through Pod Identity, a role that can only read the event logs.
        account = k8s.core.v1.ServiceAccount(
            f"{name}-history-sa", metadata=meta(HISTORY_SERVER),
            automount_service_account_token=False, opts=kopts)
        pod_identity(self, f"{name}-history-identity", cluster_name=args.cluster_name,
                     namespace=args.namespace, service_account=HISTORY_SERVER,
                     role=self._history_role(name, args), depends_on=[account])
        k8s.apps.v1.Deployment(
            f"{name}-history", metadata=meta(HISTORY_SERVER),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=HISTORY_SERVER,
                        automount_service_account_token=False,
                        containers=[container]))),
            opts=kopts)
        k8s.core.v1.Service(
            f"{name}-history", metadata=meta(HISTORY_SERVER),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP", selector=labels,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=spark_specs.HISTORY_PORT,
                                                   target_port="http")]),
            opts=kopts)

    def _history_role(self, name: str, args: SparkArgs) -> aws.iam.Role | None:
        """Read the event logs, decrypt them; nothing else (the team's workload role would let a
        compromised UI write and delete every object of the team)."""
        if args.bucket_arn is None or args.key_arn is None:
            return None
        account = aws.get_caller_identity().account_id
        role = aws.iam.Role(
            f"{name}-history-role", name=args.role_name, path="/teamstack/",
            assume_role_policy=workload_trust_pods(account, args.pod_clusters, [args.namespace]),
            permissions_boundary=args.permissions_boundary, opts=self.child())
        aws.iam.RolePolicy(
            f"{name}-history-role", name="read-event-logs", role=role.id,
            policy=pulumi.Output.all(args.bucket_arn, args.key_arn).apply(
                lambda v: json.dumps({"Version": "2012-10-17", "Statement": [
                    {"Sid": "ListEventLogs", "Effect": "Allow", "Action": "s3:ListBucket",
                     "Resource": v[0],
                     "Condition": {"StringLike": {"s3:prefix": ["spark-events/*",
                                                                "spark-events"]}}},
                    {"Sid": "ReadEventLogs", "Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": f"{v[0]}/spark-events/*"},
                    {"Sid": "DecryptEventLogs", "Effect": "Allow", "Action": "kms:Decrypt",
                     "Resource": [v[1]], "Condition": {"StringEquals": {
                         "aws:ResourceTag/teamstack:team": args.team}}}]}, sort_keys=True)),
            opts=self.child())
        return role
