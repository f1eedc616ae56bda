"""Cluster add-ons: platform namespaces, the gp3 StorageClass, the placeholder PriorityClass,
the EFS CSI driver, the NVIDIA device plugin, the Spark operator and the ARC controller.

Every release runs on the system node group (toleration plus node selector), except the
device plugin and the EFS node daemon, which must run on the nodes they serve. Chart versions
come from the platform request, where upgrading one is a reviewed one-line change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import TeamstackComponent
from infra.components.k8s import admission, iam, names
from infra.components.k8s.cluster import EksCluster
from infra.helm import arc, efs_csi, nvidia, spark_operator
from infra.helm.base import (
    SYSTEM_NODE_SELECTOR,
    SYSTEM_TOLERATION,
    ChartRef,
    Resources,
    Toleration,
    require_labels,
)
from infra.request import Charts

PLACEHOLDER_PRIORITY = -10  # below every real pod: any of them preempts a placeholder


@dataclass(frozen=True)
class AddonsArgs:
    """The cluster's Helm add-ons, each a pinned chart (a new version upgrades it in place)."""

    cluster: EksCluster
    """The cluster the add-ons go on."""
    charts: Charts
    """The pinned chart versions."""
    jupyterhub: bool = True
    """Create the hub's namespace (the platform's cluster; a team's dedicated one has none)."""
    spark_operator: bool = True
    """Install the Spark operator. Turning it off removes it and stops Spark applications."""
    arc_controller: bool = True
    """Install the actions-runner-controller. Turning it off removes every runner set's
    controller."""
    efs_node_boundary: pulumi.Input[str] | None = None
    """Boundary of the EFS CSI node role: a team's dedicated cluster gives the team's (which
    allows mounting the team's home); the platform's role has none (see ``_efs_csi``)."""


def helm_release(owner: TeamstackComponent, logical: str, *, release: str, chart: ChartRef,
                 version: str, namespace: str, values: pulumi.Input[dict[str, Any]],
                 provider: k8s.Provider, **opts: object) -> k8s.helm.v3.Release:
    """A Helm release from a pinned chart; atomic so a failed upgrade rolls back."""
    repository = None if chart.is_oci else k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo)
    return k8s.helm.v3.Release(
        logical, name=release, chart=chart.chart, version=version, namespace=namespace,
        repository_opts=repository, values=values, atomic=True, cleanup_on_fail=True,
        opts=owner.child(provider=provider, **opts))


class ClusterAddons(TeamstackComponent):
    TYPE = "teamstack:k8s:ClusterAddons"
    COMPONENT = "cluster-addons"

    def __init__(self, name: str, args: AddonsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        cluster, charts = args.cluster, args.charts
        provider = cluster.provider
        kopts = self.child(provider=provider)
        self.namespaces: dict[str, k8s.core.v1.Namespace] = {}
        wanted = [names.JUPYTERHUB_NAMESPACE] if args.jupyterhub else []
        if args.spark_operator:
            wanted.append(names.SPARK_OPERATOR_NAMESPACE)
        if args.arc_controller:
            wanted.append(names.ARC_NAMESPACE)
        for namespace in wanted:
            self.namespaces[namespace] = k8s.core.v1.Namespace(
                f"{name}-ns-{namespace}", metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=namespace, labels={names.LABEL_ROLE: "platform"}),
                opts=kopts)
        k8s.storage.v1.StorageClass(
            f"{name}-gp3", metadata=k8s.meta.v1.ObjectMetaArgs(
                name=names.GP3_STORAGE_CLASS,
                annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
            provisioner="ebs.csi.aws.com", volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True, reclaim_policy="Delete",
            parameters={"type": "gp3", "encrypted": "true"}, opts=kopts)
        k8s.scheduling.v1.PriorityClass(
            f"{name}-placeholder-priority",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=names.PLACEHOLDER_PRIORITY_CLASS),
            value=PLACEHOLDER_PRIORITY, preemption_policy="Never", global_default=False,
            description="Warm-capacity placeholders: preempted by any real pod", opts=kopts)

        # Team pools are kept to their teams at admission, not by taints alone (admission.py).
        # The specs are plain data there (the CEL tests evaluate them); the SDK takes them as
        # its TypedDicts.
        admission_v1 = k8s.admissionregistration.v1
        pool_policy = admission_v1.ValidatingAdmissionPolicy(
            f"{name}-team-pools", metadata=k8s.meta.v1.ObjectMetaArgs(
                name=admission.POLICY_NAME),
            spec=cast(admission_v1.ValidatingAdmissionPolicySpecArgsDict,
                      admission.policy_spec()), opts=kopts)
        admission_v1.ValidatingAdmissionPolicyBinding(
            f"{name}-team-pools-binding", metadata=k8s.meta.v1.ObjectMetaArgs(
                name=admission.POLICY_NAME),
            spec=cast(admission_v1.ValidatingAdmissionPolicyBindingSpecArgsDict,
                      admission.binding_spec()),
            opts=self.child(provider=provider, depends_on=[pool_policy]))

        self._efs_csi(name, cluster, charts.aws_efs_csi_driver, args)
        helm_release(
            self, f"{name}-nvidia-device-plugin", release="nvidia-device-plugin",
            chart=nvidia.CHART, version=charts.nvidia_device_plugin,
            namespace=names.KARPENTER_NAMESPACE, provider=provider,
            values=nvidia.DevicePluginValues(
                affinity=require_labels({names.GPU_MANUFACTURER_LABEL: ["nvidia"]}),
                tolerations=[Toleration(key=names.GPU_TAINT_KEY, operator="Exists",
                                        effect="NoSchedule"),
                             Toleration(key=names.TEAM_TAINT_KEY, operator="Exists",
                                        effect="NoSchedule")],
            ).dump())
        self.spark_operator = None
        if args.spark_operator:
            self.spark_operator = helm_release(
                self, f"{name}-spark-operator", release="spark-operator",
                chart=spark_operator.CHART, version=charts.spark_operator,
                namespace=names.SPARK_OPERATOR_NAMESPACE, provider=provider,
                depends_on=[self.namespaces[names.SPARK_OPERATOR_NAMESPACE]],
                values=spark_operator.SparkOperatorValues(
                    controller=spark_operator.Controller(
                        node_selector=SYSTEM_NODE_SELECTOR, tolerations=[SYSTEM_TOLERATION],
                        resources=Resources(requests={"cpu": "200m", "memory": "512Mi"},
                                            limits={"memory": "1Gi"})),
                    webhook=spark_operator.Webhook(node_selector=SYSTEM_NODE_SELECTOR,
                                                   tolerations=[SYSTEM_TOLERATION]),
                    # Team stacks create each namespace's Spark service account and Role.
                    spark=spark_operator.Spark(job_namespaces=[""],
                                               service_account=spark_operator.Create(create=False),
                                               rbac=spark_operator.Create(create=False)),
                ).dump())
        self.arc_controller = None
        if args.arc_controller:
            self.arc_controller = helm_release(
                self, f"{name}-arc-controller", release="arc",
                chart=arc.CONTROLLER_CHART, version=charts.arc_controller,
                namespace=names.ARC_NAMESPACE, provider=provider,
                depends_on=[self.namespaces[names.ARC_NAMESPACE]],
                values=arc.ControllerValues(
                    service_account=arc.ServiceAccount(
                        name=names.ARC_CONTROLLER_SERVICE_ACCOUNT),
                    node_selector=SYSTEM_NODE_SELECTOR, tolerations=[SYSTEM_TOLERATION],
                    resources=Resources(requests={"cpu": "100m", "memory": "256Mi"},
                                        limits={"memory": "512Mi"}),
                ).dump())
        self.register_outputs({})

    def _efs_csi(self, name: str, cluster: EksCluster, version: str,
                 args: AddonsArgs) -> None:
        """The EFS CSI driver, its controller on Pod Identity, its node daemon everywhere."""
        account = aws.get_caller_identity().account_id
        partition = aws.get_partition().partition
        role = aws.iam.Role(f"{name}-efs-csi", name=f"{cluster.name}-efs-csi",
                            assume_role_policy=iam.pod_identity_trust(
                                account, cluster=cluster.name,
                                namespace=names.EFS_CSI_NAMESPACE),
                            permissions_boundary=cluster.boundary.arn, opts=self.child())
        aws.iam.RolePolicyAttachment(
            f"{name}-efs-csi-policy", role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy",
            opts=self.child())
        association = aws.eks.PodIdentityAssociation(
            f"{name}-efs-csi-identity", cluster_name=cluster.cluster.name,
            namespace=names.EFS_CSI_NAMESPACE,
            service_account=names.EFS_CSI_CONTROLLER_SERVICE_ACCOUNT, role_arn=role.arn,
            opts=self.child(depends_on=cluster.addons))
        # The node daemon mounts notebook homes with IAM authorization (mount option ``iam``)
        # under a role that holds no permission itself: each team's file-system policy names
        # it and admits it through that team's access points only. On the platform it has no
        # boundary on purpose: IAM limits a grant to a role's ARN by the role's boundary, the
        # cluster boundary excludes EFS clients, and with no policy attached there is nothing
        # to bound. On a team's dedicated cluster it gets the team's boundary (its home only).
        node_role = aws.iam.Role(f"{name}-efs-csi-node",
                                 name=names.efs_csi_node_role(cluster.name),
                                 assume_role_policy=iam.pod_identity_trust(
                                     account, cluster=cluster.name,
                                     namespace=names.EFS_CSI_NAMESPACE),
                                 permissions_boundary=args.efs_node_boundary, opts=self.child())
        node_association = aws.eks.PodIdentityAssociation(
            f"{name}-efs-csi-node-identity", cluster_name=cluster.cluster.name,
            namespace=names.EFS_CSI_NAMESPACE,
            service_account=names.EFS_CSI_NODE_SERVICE_ACCOUNT, role_arn=node_role.arn,
            opts=self.child(depends_on=cluster.addons))
        helm_release(
            self, f"{name}-efs-csi", release="aws-efs-csi-driver", chart=efs_csi.CHART,
            version=version, namespace=names.EFS_CSI_NAMESPACE, provider=cluster.provider,
            depends_on=[association, node_association],
            values=efs_csi.EfsCsiValues(
                controller=efs_csi.Controller(
                    service_account=efs_csi.ServiceAccount(
                        name=names.EFS_CSI_CONTROLLER_SERVICE_ACCOUNT),
                    node_selector=SYSTEM_NODE_SELECTOR, tolerations=[SYSTEM_TOLERATION]),
                node=efs_csi.Node(
                    service_account=efs_csi.ServiceAccount(
                        name=names.EFS_CSI_NODE_SERVICE_ACCOUNT),
                    tolerations=[Toleration(operator="Exists")]),
            ).dump())
