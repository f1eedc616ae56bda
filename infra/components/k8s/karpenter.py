"""Karpenter on a cluster: its roles, the interruption queue and rules, the Helm release, the
CPU and GPU EC2NodeClasses and the general CPU NodePool.

Karpenter owns node counts: nothing here sets how many nodes exist, only which kinds may be
launched, their limits and how they are disrupted, so a deploy never fights the autoscaler.
The controller's AWS permissions come through Pod Identity and are scoped to instances, launch
templates and instance profiles tagged as owned by this cluster (see ``iam.karpenter_controller``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import TeamstackComponent
from infra.components.k8s import iam, karpenter_specs, names
from infra.components.k8s.cluster import EksCluster, node_role
from infra.helm import karpenter as chart
from infra.helm.base import SYSTEM_NODE_SELECTOR, SYSTEM_TOLERATION, Resources

QUEUE_RETENTION_SECONDS = 300  # interruption notices are useless after a few minutes


@dataclass(frozen=True)
class KarpenterArgs:
    """Karpenter on a cluster, with its node classes and general-purpose pool."""

    cluster: EksCluster
    """The cluster Karpenter provisions nodes for."""
    region: str
    """The region of the interruption queue and the node AMI parameters."""
    kubernetes_version: str
    """Picks the node AMIs. A new version changes the node classes: Karpenter replaces every
    node it launched (drift), within the pools' disruption budgets."""
    chart_version: str
    """The pinned Karpenter chart. Changing it upgrades the controller in place."""
    subnet_ids: pulumi.Input[list[str]]
    """The private subnets nodes launch into (node class selector terms)."""
    node_tags: dict[str, str]
    """Tags on the instances Karpenter launches (the stack transform cannot reach them).
    Changing them makes nodes drift and be replaced."""


def release_opts(owner: TeamstackComponent, provider: k8s.Provider,
                 **kwargs: object) -> pulumi.ResourceOptions:
    return owner.child(provider=provider, **kwargs)


class Karpenter(TeamstackComponent):
    TYPE = "teamstack:k8s:Karpenter"
    COMPONENT = "karpenter"

    def __init__(self, name: str, args: KarpenterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        cluster = args.cluster
        account = aws.get_caller_identity().account_id
        partition = aws.get_partition().partition

        self.node_role = node_role(self, f"{name}-node-role", f"{cluster.name}-karpenter-node",
                                   cluster.boundary.arn)
        aws.eks.AccessEntry(f"{name}-node-access", cluster_name=cluster.cluster.name,
                            principal_arn=self.node_role.arn, type="EC2_LINUX",
                            opts=self.child())

        self.queue = aws.sqs.Queue(
            f"{name}-interruptions", name=f"{cluster.name}-karpenter",
            message_retention_seconds=QUEUE_RETENTION_SECONDS, sqs_managed_sse_enabled=True,
            opts=self.child())
        aws.sqs.QueuePolicy(f"{name}-interruptions-policy", queue_url=self.queue.url,
                            policy=self.queue.arn.apply(lambda arn: iam.interruption_queue_policy(
                                arn, iam.karpenter_rule_prefix(arn, cluster.name))),
                            opts=self.child())
        for rule_name, pattern in iam.INTERRUPTION_EVENTS.items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{rule_name}", name=f"{cluster.name}-karpenter-{rule_name}",
                description=f"{rule_name} events for Karpenter on {cluster.name}",
                event_pattern=json.dumps(pattern, sort_keys=True), opts=self.child())
            aws.cloudwatch.EventTarget(f"{name}-{rule_name}-target", rule=rule.name,
                                       target_id="karpenter-interruption-queue",
                                       arn=self.queue.arn, opts=self.child())

        controller_role = aws.iam.Role(
            f"{name}-controller", name=f"{cluster.name}-karpenter-controller",
            assume_role_policy=iam.pod_identity_trust(account, cluster=cluster.name,
                                                      namespace=names.KARPENTER_NAMESPACE),
            permissions_boundary=cluster.boundary.arn, opts=self.child())
        controller_policy = aws.iam.RolePolicy(
            f"{name}-controller-policy", role=controller_role.id,
            policy=pulumi.Output.all(cluster.cluster.name, cluster.cluster.arn,
                                     self.node_role.arn, self.queue.arn).apply(
                lambda v: iam.karpenter_controller(
                    cluster_name=v[0], cluster_arn=v[1], node_role_arn=v[2], queue_arn=v[3],
                    region=args.region, account=account, partition=partition)),
            opts=self.child())
        association = aws.eks.PodIdentityAssociation(
            f"{name}-controller-identity", cluster_name=cluster.cluster.name,
            namespace=names.KARPENTER_NAMESPACE,
            service_account=names.KARPENTER_SERVICE_ACCOUNT, role_arn=controller_role.arn,
            opts=self.child(depends_on=cluster.addons))

        values = pulumi.Output.all(cluster.cluster.name, cluster.cluster.endpoint,
                                   self.queue.name).apply(
            lambda v: chart.KarpenterValues(
                settings=chart.Settings(cluster_name=v[0], cluster_endpoint=v[1],
                                        interruption_queue=v[2]),
                service_account=chart.ServiceAccount(name=names.KARPENTER_SERVICE_ACCOUNT),
                controller=chart.Controller(resources=Resources(
                    requests={"cpu": "500m", "memory": "512Mi"}, limits={"memory": "1Gi"})),
                node_selector=SYSTEM_NODE_SELECTOR, tolerations=[SYSTEM_TOLERATION],
            ).dump())
        self.release = k8s.helm.v3.Release(
            f"{name}-release", name="karpenter", chart=chart.CHART.chart,
            version=args.chart_version, namespace=names.KARPENTER_NAMESPACE, values=values,
            atomic=True, cleanup_on_fail=True,
            opts=release_opts(self, cluster.provider,
                              depends_on=[association, controller_policy]))

        gpu_ami = aws.ssm.get_parameter_output(
            name=karpenter_specs.gpu_ami_parameter(args.kubernetes_version)).value
        crd_opts = release_opts(self, cluster.provider, depends_on=[self.release])
        sg_ids = cluster.node_security_group.id.apply(lambda i: [i])
        self.node_classes = {}
        for class_name, ami in ((names.CPU_NODE_CLASS, None), (names.GPU_NODE_CLASS, gpu_ami)):
            spec = pulumi.Output.all(self.node_role.name, args.subnet_ids, sg_ids, ami).apply(
                lambda v: karpenter_specs.ec2_node_class_spec(
                    role=v[0], subnet_ids=list(v[1]), security_group_ids=v[2], gpu_ami_id=v[3],
                    tags=args.node_tags))
            self.node_classes[class_name] = k8s.apiextensions.CustomResource(
                f"{name}-{class_name}-class", api_version=karpenter_specs.NODE_CLASS_API,
                kind="EC2NodeClass", metadata=k8s.meta.v1.ObjectMetaArgs(name=class_name),
                spec=spec, opts=crd_opts)
        self.general_pool = k8s.apiextensions.CustomResource(
            f"{name}-general-pool", api_version=karpenter_specs.NODE_POOL_API, kind="NodePool",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=names.GENERAL_NODE_POOL),
            spec=karpenter_specs.general_node_pool_spec(),
            opts=release_opts(self, cluster.provider,
                              depends_on=[self.node_classes[names.CPU_NODE_CLASS]]))
        self.register_outputs({"node_role": self.node_role.name, "queue": self.queue.name})
