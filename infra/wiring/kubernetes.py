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

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

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
from infra.components.tagging import TAG_COMPONENT, stack_tags
from infra.profiles import resolve
from infra.request import PlatformRequest, TeamRequest
from infra.wiring.aws import platform_request, pod_clusters


@dataclass(frozen=True)
class _TeamCluster:
    """What the team's later Kubernetes builders need from ``team_kubernetes``."""

    namespace: k8s.core.v1.Namespace
    dedicated: Karpenter | None  # Karpenter of the team's own cluster, if it has one


_TEAM: weakref.WeakKeyDictionary[Any, _TeamCluster] = weakref.WeakKeyDictionary()


def _node_tags(team: str, stack: str, cost_center: str) -> dict[str, str]:
    """Tags Karpenter puts on the instances it launches (the stack transform cannot)."""
    return {**stack_tags(team, stack, cost_center), TAG_COMPONENT: "karpenter-nodes"}


def _cluster(naming: Any, region: str, platform: PlatformRequest, vpc_id: Any,
             subnet_ids: Any) -> EksCluster:
    c = platform.cluster
    return EksCluster("cluster", ClusterArgs(
        naming=naming, region=region, kubernetes_version=c.kubernetes_version, vpc_id=vpc_id,
        subnet_ids=subnet_ids, public_endpoint=c.public_endpoint,
        public_access_cidrs=list(platform.access_cidrs),
        system_instance_type=c.system_instance_type, system_nodes_min=c.system_nodes_min,
        system_nodes_max=c.system_nodes_max,
        addons=c.addons))


# -- platform ------------------------------------------------------------------------------------

def platform_cluster(ctx: Any) -> None:
    req: PlatformRequest = ctx.request
    if ctx.private_subnet_ids is None or ctx.vpc_id is None:
        raise ValueError("the platform cluster needs the network builder's vpc_id and "
                         "private_subnet_ids")
    cluster = _cluster(ctx.naming, ctx.region, req, ctx.vpc_id, ctx.private_subnet_ids)
    ctx.cluster = cluster
    ctx.kubernetes_provider = cluster.provider
    karpenter = Karpenter("karpenter", KarpenterArgs(
        cluster=cluster, region=ctx.region, kubernetes_version=req.cluster.kubernetes_version,
        chart_version=req.charts.karpenter, subnet_ids=ctx.private_subnet_ids,
        node_tags=_node_tags("platform", ctx.loaded.stack, req.cost_center)))
    addons = ClusterAddons("addons", AddonsArgs(cluster=cluster, charts=req.charts),
                           opts=pulumi.ResourceOptions(depends_on=[karpenter]))
    JupyterHub("jupyterhub", JupyterHubArgs(
        naming=ctx.naming, chart_version=req.charts.jupyterhub, provider=cluster.provider,
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


# -- team ----------------------------------------------------------------------------------------

def _uses_kubernetes(req: TeamRequest) -> bool:
    return any((req.gpu, req.spark and req.spark.engine == "operator", req.notebooks,
                req.ci_runners))


def team_kubernetes(ctx: Any) -> None:
    """Providers and the team's namespace; a dedicated cluster when the GPU section asks."""
    req: TeamRequest = ctx.request
    if not _uses_kubernetes(req):
        return
    ctx.platform_kubernetes_provider = k8s.Provider(
        "platform-k8s", kubeconfig=ctx.platform_output("kubeconfig"),
        enable_server_side_apply=True)
    if req.gpu is not None and req.gpu.isolation == "dedicated":
        platform = platform_request(ctx)
        cluster = _cluster(ctx.naming, ctx.region, platform, ctx.platform_output("vpc_id"),
                           ctx.platform_output("private_subnet_ids"))
        karpenter = Karpenter("karpenter", KarpenterArgs(
            cluster=cluster, region=ctx.region,
            kubernetes_version=platform.cluster.kubernetes_version,
            chart_version=platform.charts.karpenter,
            subnet_ids=ctx.platform_output("private_subnet_ids"),
            node_tags=_node_tags(req.team, ctx.loaded.stack, req.cost_center)))
        ClusterAddons("addons", AddonsArgs(
            cluster=cluster, charts=platform.charts, jupyterhub=False,
            spark_operator=bool(req.spark and req.spark.engine == "operator"),
            arc_controller=req.ci_runners is not None,
            efs_node_boundary=getattr(ctx, "permissions_boundary", None)),
            opts=pulumi.ResourceOptions(depends_on=[karpenter]))
        ctx.kubernetes_provider = cluster.provider
        ctx.kubernetes_cluster_name = cluster.cluster.name
        dedicated: Karpenter | None = karpenter
    else:
        ctx.kubernetes_provider = ctx.platform_kubernetes_provider
        ctx.kubernetes_cluster_name = ctx.platform_output("cluster_name")
        dedicated = None
    namespace = TeamNamespace("namespace", NamespaceArgs(
        team=req.team, cluster_name=ctx.kubernetes_cluster_name,
        provider=ctx.kubernetes_provider, quota=quota_size(req),
        workload_role=ctx.workload_role, people_role=ctx.people_role))
    ctx.namespace = namespace.name
    _TEAM[ctx] = _TeamCluster(namespace.namespace, dedicated)
    pulumi.export("namespace", namespace.name)


def team_gpu(ctx: Any) -> None:
    req: TeamRequest = ctx.request
    if req.gpu is None:
        return
    bundle = resolve(req.gpu.profile, req)
    state = _TEAM[ctx]
    pool = GpuPool("gpu", GpuPoolArgs(
        team=req.team, namespace=ctx.namespace, bundle=bundle,
        node_class=names.GPU_NODE_CLASS if state.dedicated
        else ctx.platform_output("gpu_node_class"),
        provider=ctx.kubernetes_provider,
        depends_on=[state.namespace, *([state.dedicated] if state.dedicated else [])]))
    pulumi.export("gpu_node_pool", pool.pool_name)


def team_spark(ctx: Any) -> None:
    req: TeamRequest = ctx.request
    spark = req.spark
    if spark is None:
        return
    bundle = resolve(spark.profile, req)
    bucket_name = spark.event_log_bucket or req.storage.buckets[0].name
    bucket = ctx.storage.buckets[bucket_name].bucket
    if spark.engine == "operator":
        SparkOperatorTeam("spark", SparkArgs(
            team=req.team, namespace=ctx.namespace, image=spark.image, bucket=bucket,
            main_file=spark.main_application_file, schedule=spark.schedule,
            policy=bundle.spark, cluster_name=ctx.kubernetes_cluster_name,
            workload_role=ctx.workload_role, provider=ctx.kubernetes_provider,
            depends_on=[_TEAM[ctx].namespace],
            bucket_arn=ctx.storage.buckets[bucket_name].arn, key_arn=ctx.storage.key.arn,
            role_name=ctx.naming.physical("spark-history"),
            permissions_boundary=getattr(ctx, "permissions_boundary", None),
            pod_clusters=pod_clusters(ctx)))
        return
    EmrSpark("spark", EmrArgs(
        naming=ctx.naming, team=req.team, bucket=bucket,
        bucket_arns=[b.arn for b in ctx.storage.buckets.values()], key_arn=ctx.storage.key.arn,
        subnet_id=ctx.platform_output("private_subnet_ids").apply(lambda ids: ids[0]),
        policy=bundle.spark, schedule=spark.schedule,
        main_file=spark.main_application_file,
        run_tags={**stack_tags(req.team, ctx.loaded.stack, req.cost_center),
                  TAG_COMPONENT: "spark"},
        ignore_changes=bundle.ignore_changes("aws:emr/cluster:Cluster"),
        permissions_boundary=getattr(ctx, "permissions_boundary", None)))


def team_notebooks(ctx: Any) -> None:
    req: TeamRequest = ctx.request
    if req.notebooks is None:
        return
    bundle = resolve(req.notebooks.profile, req)
    shared_gpu = req.notebooks.gpu and req.gpu is not None and req.gpu.isolation == "shared"
    if req.notebooks.gpu and not shared_gpu:
        pulumi.log.warn("notebooks.gpu: the team's GPU pool is on its dedicated cluster, the "
                        "hub on the platform's; only CPU notebooks are offered")
    storage = ctx.storage
    fs = storage.file_system if storage is not None else None
    homes = []
    if fs is not None:
        for member in req.members:
            point = storage.access_points.get(member.name)
            if point is not None:
                homes.append(HomeVolume(member.name, member.email, point.id))
    TeamNotebooks("notebooks", NotebooksArgs(
        team=req.team, naming=ctx.naming, policy=bundle.notebooks,
        storage_gib=req.notebooks.storage_gib,
        gpu_policy=resolve(req.gpu.profile, req).karpenter if shared_gpu else None,
        cluster_name=ctx.platform_output("cluster_name"),
        hub_namespace=ctx.platform_output("jupyterhub_namespace"),
        provider=ctx.platform_kubernetes_provider, workload_role=ctx.workload_role,
        file_system_id=fs.id if fs is not None else None,
        home_gib=req.storage.shared_home_gib if req.storage else None, homes=homes,
        nfs_security_group_id=storage.nfs_security_group.id
        if storage is not None and storage.nfs_security_group is not None else None,
        node_security_group_id=ctx.platform_output("cluster_node_security_group_id")))


def team_runners(ctx: Any) -> None:
    req: TeamRequest = ctx.request
    runners = req.ci_runners
    if runners is None:
        return
    bundle = resolve(runners.profile, req)
    gpu_runners = min(runners.max_runners, req.gpu.max_gpus) if runners.gpu and req.gpu else 0
    CiRunners("ci-runners", RunnersArgs(
        team=req.team, naming=ctx.naming, namespace=ctx.namespace,
        github_org=runners.github_org, app_secret=runners.app_secret,
        repositories=list(runners.repositories),
        max_runners=runners.max_runners, gpu_runners=gpu_runners, bundle=bundle,
        chart_version=platform_request(ctx).charts.arc_runner_set,
        provider=ctx.kubernetes_provider, depends_on=[_TEAM[ctx].namespace]))


TEAM_BUILDERS: list[Callable[[Any], None]] = [
    team_kubernetes, team_gpu, team_spark, team_notebooks, team_runners]
PLATFORM_BUILDERS: list[Callable[[Any], None]] = [platform_cluster]
