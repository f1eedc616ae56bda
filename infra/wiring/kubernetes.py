"""Kubernetes compute of a stack: the platform cluster and add-ons, team namespaces and pools.

Platform: the EKS cluster in the platform's private subnets, Karpenter with its node classes,
the add-ons and JupyterHub; it exports what team stacks need to reach the cluster (name,
endpoint, CA, a credential-free kubeconfig) and the names they refer to.

Team: a provider for the platform's cluster from those outputs, the team's namespace, and then
what the request asks for: a GPU NodePool (on a cluster of the team's own with
``gpu.isolation: dedicated``), Spark (operator or EMR), notebook profiles on the platform's hub,
CI runner scale sets. Policies come from each section's profile (``profiles.resolve``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import Naming
from infra.components.identity import TeamIdentity
from infra.components.k8s import names
from infra.components.k8s.addons import AddonsArgs, ClusterAddons
from infra.components.k8s.cluster import ClusterArgs, EksCluster
from infra.components.k8s.emr import EmrArgs, EmrSpark
from infra.components.k8s.gpu_pool import GpuPool, GpuPoolArgs
from infra.components.k8s.jupyterhub import JupyterHub, JupyterHubArgs
from infra.components.k8s.karpenter import Karpenter, KarpenterArgs
from infra.components.k8s.namespace import NamespaceArgs, TeamNamespace
from infra.components.k8s.notebooks import HomeVolume, NotebooksArgs, TeamNotebooks
from infra.components.k8s.quota import quota_size
from infra.components.k8s.runners import CiRunners, RunnersArgs
from infra.components.k8s.spark import SparkArgs, SparkOperatorTeam
from infra.components.storage import TeamStorage
from infra.components.tagging import TAG_COMPONENT, stack_tags
from infra.profiles import resolve
from infra.request import PlatformRequest, TeamRequest
from infra.wiring.aws import PlatformNetwork, pod_clusters
from infra.wiring.context import PlatformStack, TeamStack


@dataclass(frozen=True)
class TeamCluster:
    """Where the team's Kubernetes objects go, from ``team_kubernetes``.

    ``provider`` and ``cluster_name`` are the cluster the team's namespace is on: the
    platform's, or the team's own with ``gpu.isolation: dedicated`` (then ``dedicated`` is
    that cluster's Karpenter, which the GPU pool waits for). ``platform_provider`` reaches the
    platform's cluster, where the shared JupyterHub is, whichever cluster the namespace is on.
    """

    namespace: str
    namespace_resource: k8s.core.v1.Namespace
    provider: k8s.Provider
    cluster_name: pulumi.Output[str]
    platform_provider: k8s.Provider
    dedicated: Karpenter | None


def _node_tags(team: str, stack: str, cost_center: str) -> dict[str, str]:
    """Tags Karpenter puts on the instances it launches (the stack transform cannot)."""
    return {**stack_tags(team, stack, cost_center), TAG_COMPONENT: "karpenter-nodes"}


def _cluster(naming: Naming, region: str, platform: PlatformRequest,
             vpc_id: pulumi.Input[str], subnet_ids: pulumi.Input[list[str]]) -> EksCluster:
    c = platform.cluster
    return EksCluster("cluster", ClusterArgs(
        naming=naming, region=region, kubernetes_version=c.kubernetes_version, vpc_id=vpc_id,
        subnet_ids=subnet_ids, public_endpoint=c.public_endpoint,
        public_access_cidrs=list(platform.access_cidrs),
        system_instance_type=c.system_instance_type, system_nodes_min=c.system_nodes_min,
        system_nodes_max=c.system_nodes_max,
        addons=c.addons))


# -- platform ------------------------------------------------------------------------------------

def platform_cluster(stack: PlatformStack, network: PlatformNetwork) -> EksCluster:
    """The EKS cluster in the network's private subnets, Karpenter, add-ons and JupyterHub."""
    req = stack.request
    cluster = _cluster(stack.naming, stack.region, req, network.vpc_id,
                       network.private_subnet_ids)
    karpenter = Karpenter("karpenter", KarpenterArgs(
        cluster=cluster, region=stack.region, kubernetes_version=req.cluster.kubernetes_version,
        chart_version=req.charts.karpenter, subnet_ids=network.private_subnet_ids,
        node_tags=_node_tags("platform", stack.stack, req.cost_center)))
    addons = ClusterAddons("addons", AddonsArgs(cluster=cluster, charts=req.charts),
                           opts=pulumi.ResourceOptions(depends_on=[karpenter]))
    JupyterHub("jupyterhub", JupyterHubArgs(
        naming=stack.naming, chart_version=req.charts.jupyterhub, provider=cluster.provider,
        namespace=addons.namespaces[names.JUPYTERHUB_NAMESPACE]))
    pulumi.export("cluster_name", cluster.cluster.name)
    pulumi.export("cluster_endpoint", cluster.cluster.endpoint)
    pulumi.export("cluster_ca", cluster.ca_data)
    pulumi.export("kubeconfig", cluster.kubeconfig)
    pulumi.export("kubernetes_version", req.cluster.kubernetes_version)
    pulumi.export("cluster_node_security_group_id", cluster.node_security_group.id)
    pulumi.export("karpenter_node_role_name", karpenter.node_role.name)
    pulumi.export("gpu_node_class", names.GPU_NODE_CLASS)
    pulumi.export("jupyterhub_namespace", names.JUPYTERHUB_NAMESPACE)
    return cluster


# -- team ----------------------------------------------------------------------------------------

def uses_kubernetes(req: TeamRequest) -> bool:
    """Whether any section of the request puts something on a cluster."""
    return any((req.gpu, req.spark and req.spark.engine == "operator", req.notebooks,
                req.ci_runners))


def team_kubernetes(stack: TeamStack, identity: TeamIdentity) -> TeamCluster | None:
    """Providers and the team's namespace; a dedicated cluster when the GPU section asks.
    None when no section of the request uses Kubernetes."""
    req = stack.request
    if not uses_kubernetes(req):
        return None
    platform_provider = k8s.Provider(
        "platform-k8s", kubeconfig=stack.platform.kubeconfig, enable_server_side_apply=True)
    dedicated: Karpenter | None = None
    if req.gpu is not None and req.gpu.isolation == "dedicated":
        platform = stack.platform_request
        cluster = _cluster(stack.naming, stack.region, platform, stack.platform.vpc_id,
                           stack.platform.private_subnet_ids)
        dedicated = Karpenter("karpenter", KarpenterArgs(
            cluster=cluster, region=stack.region,
            kubernetes_version=platform.cluster.kubernetes_version,
            chart_version=platform.charts.karpenter,
            subnet_ids=stack.platform.private_subnet_ids,
            node_tags=_node_tags(req.team, stack.stack, req.cost_center)))
        ClusterAddons("addons", AddonsArgs(
            cluster=cluster, charts=platform.charts, jupyterhub=False,
            spark_operator=bool(req.spark and req.spark.engine == "operator"),
            arc_controller=req.ci_runners is not None,
            efs_node_boundary=identity.boundary.arn),
            opts=pulumi.ResourceOptions(depends_on=[dedicated]))
        provider = cluster.provider
        cluster_name: pulumi.Output[str] = cluster.cluster.name
    else:
        provider = platform_provider
        cluster_name = stack.platform.cluster_name
    namespace = TeamNamespace("namespace", NamespaceArgs(
        team=req.team, cluster_name=cluster_name, provider=provider, quota=quota_size(req),
        workload_role=identity.workload_role, people_role=identity.people_role))
    pulumi.export("namespace", namespace.name)
    return TeamCluster(namespace=namespace.name, namespace_resource=namespace.namespace,
                       provider=provider, cluster_name=cluster_name,
                       platform_provider=platform_provider, dedicated=dedicated)


def team_gpu(stack: TeamStack, cluster: TeamCluster) -> GpuPool | None:
    req = stack.request
    if req.gpu is None:
        return None
    bundle = resolve(req.gpu.profile, req)
    dedicated = cluster.dedicated
    pool = GpuPool("gpu", GpuPoolArgs(
        team=req.team, namespace=cluster.namespace, policy=bundle.for_layer("karpenter"),
        node_class=names.GPU_NODE_CLASS if dedicated else stack.platform.gpu_node_class,
        provider=cluster.provider,
        depends_on=[cluster.namespace_resource, *([dedicated] if dedicated else [])]))
    pulumi.export("gpu_node_pool", pool.pool_name)
    return pool


def team_spark(stack: TeamStack, cluster: TeamCluster | None, storage: TeamStorage | None,
               identity: TeamIdentity) -> SparkOperatorTeam | EmrSpark | None:
    """Spark on the operator (in the team's namespace) or on EMR; its event logs and data in
    the team's buckets (the request model requires a storage section for Spark)."""
    req = stack.request
    spark = req.spark
    if spark is None:
        return None
    if storage is None or req.storage is None:
        raise ValueError("spark needs the team's storage section (its event-log bucket)")
    bundle = resolve(spark.profile, req)
    bucket_name = spark.event_log_bucket or req.storage.buckets[0].name
    bucket = storage.buckets[bucket_name].bucket
    if spark.engine == "operator":
        if cluster is None:
            raise ValueError("spark.engine operator needs the team's namespace")
        return SparkOperatorTeam("spark", SparkArgs(
            team=req.team, namespace=cluster.namespace, image=spark.image, bucket=bucket,
            main_file=spark.main_application_file, schedule=spark.schedule,
            policy=bundle.for_layer("spark"), cluster_name=cluster.cluster_name,
            workload_role=identity.workload_role, provider=cluster.provider,
            depends_on=[cluster.namespace_resource],
            bucket_arn=storage.buckets[bucket_name].arn, key_arn=storage.key.arn,
            role_name=stack.naming.physical("spark-history"),
            permissions_boundary=identity.boundary.arn,
            pod_clusters=pod_clusters(stack)))
    return EmrSpark("spark", EmrArgs(
        naming=stack.naming, team=req.team, bucket=bucket,
        bucket_arns=[b.arn for b in storage.buckets.values()], key_arn=storage.key.arn,
        subnet_id=stack.platform.private_subnet_ids.apply(lambda ids: ids[0]),
        policy=bundle.for_layer("spark"), schedule=spark.schedule,
        main_file=spark.main_application_file,
        run_tags={**stack_tags(req.team, stack.stack, req.cost_center),
                  TAG_COMPONENT: "spark"},
        permissions_boundary=identity.boundary.arn))


def _homes(req: TeamRequest, storage: TeamStorage | None) -> list[HomeVolume]:
    """Each member's access point on the shared home, for the member's notebook volume."""
    if storage is None or storage.file_system is None:
        return []
    homes = []
    for member in req.members:
        point = storage.access_points.get(member.name)
        if point is not None:
            homes.append(HomeVolume(member.name, member.email, point.id))
    return homes


def team_notebooks(stack: TeamStack, cluster: TeamCluster, storage: TeamStorage | None,
                   identity: TeamIdentity) -> TeamNotebooks | None:
    req = stack.request
    if req.notebooks is None:
        return None
    bundle = resolve(req.notebooks.profile, req)
    shared_gpu = req.notebooks.gpu and req.gpu is not None and req.gpu.isolation == "shared"
    if req.notebooks.gpu and not shared_gpu:
        pulumi.log.warn("notebooks.gpu: the team's GPU pool is on its dedicated cluster, the "
                        "hub on the platform's; only CPU notebooks are offered")
    fs = storage.file_system if storage is not None else None
    nfs: aws.ec2.SecurityGroup | None = storage.nfs_security_group if storage else None
    return TeamNotebooks("notebooks", NotebooksArgs(
        team=req.team, naming=stack.naming, policy=bundle.for_layer("notebooks"),
        storage_gib=req.notebooks.storage_gib,
        gpu_policy=resolve(req.gpu.profile, req).karpenter
        if shared_gpu and req.gpu is not None else None,
        cluster_name=stack.platform.cluster_name,
        hub_namespace=stack.platform.jupyterhub_namespace,
        provider=cluster.platform_provider, workload_role=identity.workload_role,
        file_system_id=fs.id if fs is not None else None,
        home_gib=req.storage.shared_home_gib if req.storage else None,
        homes=_homes(req, storage),
        nfs_security_group_id=nfs.id if nfs is not None else None,
        node_security_group_id=stack.platform.cluster_node_security_group_id))


def team_runners(stack: TeamStack, cluster: TeamCluster) -> CiRunners | None:
    req = stack.request
    runners = req.ci_runners
    if runners is None:
        return None
    bundle = resolve(runners.profile, req)
    gpu_runners = min(runners.max_runners, req.gpu.max_gpus) if runners.gpu and req.gpu else 0
    return CiRunners("ci-runners", RunnersArgs(
        team=req.team, naming=stack.naming, namespace=cluster.namespace,
        github_org=runners.github_org, app_secret=runners.app_secret,
        repositories=list(runners.repositories),
        max_runners=runners.max_runners, gpu_runners=gpu_runners,
        policy=bundle.for_layer("ci_runners"), gpu_policy=bundle.karpenter,
        chart_version=stack.platform_request.charts.arc_runner_set,
        provider=cluster.provider, depends_on=[cluster.namespace_resource]))
