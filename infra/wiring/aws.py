"""AWS foundations of a stack: network, identity, desktops, budget (team and platform).

Platform builders export what team stacks read through their StackReference (``vpc_id``,
``private_subnet_ids``, ``private_subnet_azs``, ``public_subnet_ids``, ``log_bucket``,
``access_cidrs``, ``flow_log_group``, ``people_idp_*``). Team builders run in dependency order:
hosts (the security group others admit), storage, identity (needs the ARNs of storage),
desktops (need the instance profile and key), budget.

Counts that decide how many resources exist (zones, access ranges) come from the platform's
stack file in this repository, not from its outputs: a program cannot branch on an Output, and
the file is the reviewed source of the platform anyway. Values come from the outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pulumi

from infra.components.budget import BudgetArgs, TeamBudget, budget_name
from infra.components.desktops import DesktopArgs, TeamDesktops
from infra.components.hosts import HostsArgs, TeamHosts
from infra.components.identity import (
    IdentityArgs,
    IdentityProviderArgs,
    PeopleIdentityProvider,
    TeamIdentity,
)
from infra.components.k8s.names import cluster_name
from infra.components.network import NetworkArgs, NetworkPlatform
from infra.components.storage import HomeMember, StorageArgs, TeamStorage
from infra.profiles import resolve
from infra.request import PlatformRequest
from infra.stackfile import load


@lru_cache(maxsize=16)
def _platform_request(path: Path, mtime: float) -> PlatformRequest:
    result = load(path)
    if result.stack is None or result.stack.kind != "platform":
        raise ValueError(f"{path} is not a valid platform stack: "
                         + "; ".join(str(p) for p in result.problems))
    return result.stack.platform


def platform_request(ctx: Any) -> PlatformRequest:
    """The request of the team's platform stack, from its file beside the team's."""
    path = ctx.loaded.path.parent / f"Pulumi.{ctx.request.platform_stack}.yaml"
    return _platform_request(path.resolve(), path.stat().st_mtime)


# -- platform ------------------------------------------------------------------------------------

def platform_network(ctx: Any) -> None:
    req: PlatformRequest = ctx.request
    network = NetworkPlatform("network", NetworkArgs(
        naming=ctx.naming, region=ctx.region, cidr=req.network.cidr,
        zones=req.network.availability_zones, nat=req.network.nat,
        flow_log_retention_days=req.network.flow_log_retention_days,
        log_retention_days=req.log_retention_days))
    ctx.vpc_id = network.vpc.id
    ctx.private_subnet_ids = pulumi.Output.all(*[s.id for s in network.private_subnets])
    ctx.public_subnet_ids = pulumi.Output.all(*[s.id for s in network.public_subnets])
    ctx.log_bucket = network.log_bucket.bucket
    pulumi.export("vpc_id", ctx.vpc_id)
    pulumi.export("vpc_cidr", req.network.cidr)
    pulumi.export("private_subnet_ids", ctx.private_subnet_ids)
    pulumi.export("private_subnet_azs", network.zones)
    pulumi.export("public_subnet_ids", ctx.public_subnet_ids)
    pulumi.export("log_bucket", ctx.log_bucket)
    pulumi.export("access_cidrs", list(req.access_cidrs))
    pulumi.export("flow_log_group", network.flow_log_group.name)
    pulumi.export("endpoint_security_group_id", network.endpoint_security_group.id)


def platform_identity(ctx: Any) -> None:
    idp = ctx.request.identity
    provider = PeopleIdentityProvider("people-idp", IdentityProviderArgs(
        naming=ctx.naming, provider=idp.provider, saml_provider_name=idp.saml_provider_name,
        oidc_issuer_url=idp.oidc_issuer_url, oidc_client_id=idp.oidc_client_id))
    pulumi.export("people_idp_arn", provider.arn)
    pulumi.export("people_idp_type", provider.type)
    pulumi.export("people_idp_issuer", provider.issuer)
    pulumi.export("people_idp_audience", provider.audience)


# -- team ----------------------------------------------------------------------------------------

def pod_clusters(ctx: Any) -> list[str]:
    """The clusters the team's pods run on: the platform's, and its own with a dedicated pool."""
    req = ctx.request
    clusters = [cluster_name(f"platform-{platform_request(ctx).environment}")]
    if req.gpu is not None and req.gpu.isolation == "dedicated":
        clusters.append(cluster_name(ctx.naming.prefix))
    return clusters


def team_hosts(ctx: Any) -> None:
    hosts = TeamHosts("hosts", HostsArgs(naming=ctx.naming,
                                         vpc_id=ctx.platform_output("vpc_id")))
    ctx.hosts_security_group = hosts.security_group
    pulumi.export("hosts_security_group_id", hosts.security_group.id)


def team_storage(ctx: Any) -> None:
    req = ctx.request
    if req.storage is None:
        return
    members = [HomeMember(m.name, req.member_uid(i)) for i, m in enumerate(req.members)]
    ctx.storage = TeamStorage("storage", StorageArgs(
        naming=ctx.naming, buckets=list(req.storage.buckets),
        shared_home_gib=req.storage.shared_home_gib,
        log_bucket=ctx.platform_output("log_bucket"), members=members,
        vpc_id=ctx.platform_output("vpc_id"),
        private_subnet_ids=ctx.platform_output("private_subnet_ids"),
        zones=platform_request(ctx).network.availability_zones,
        hosts_security_group_id=ctx.hosts_security_group.id))
    pulumi.export("bucket_names", {name: b.bucket for name, b in ctx.storage.buckets.items()})
    pulumi.export("key_arn", ctx.storage.key.arn)
    if ctx.storage.file_system is not None:
        pulumi.export("file_system_id", ctx.storage.file_system.id)
    if ctx.storage.nfs_security_group is not None:
        pulumi.export("nfs_security_group_id", ctx.storage.nfs_security_group.id)
        pulumi.export("access_point_ids",
                      {name: ap.id for name, ap in ctx.storage.access_points.items()})


def team_identity(ctx: Any) -> None:
    storage = ctx.storage
    identity = TeamIdentity("identity", IdentityArgs(
        naming=ctx.naming, team=ctx.request.team, region=ctx.region,
        bucket_arns=[b.arn for b in storage.buckets.values()] if storage else [],
        key_arn=storage.key.arn if storage else None,
        file_system_arn=storage.file_system.arn if storage and storage.file_system else None,
        budget_name=budget_name(ctx.naming),
        idp_arn=ctx.platform_output("people_idp_arn"),
        idp_type=ctx.platform_output("people_idp_type"),
        idp_issuer=ctx.platform_output("people_idp_issuer"),
        idp_audience=ctx.platform_output("people_idp_audience"),
        pod_clusters=pod_clusters(ctx)))
    if storage is not None:
        storage.restrict_mounts([identity.workload_role.arn], csi_clusters=pod_clusters(ctx))
    ctx.people_role = identity.people_role
    ctx.workload_role = identity.workload_role
    ctx.instance_profile = identity.instance_profile
    ctx.permissions_boundary = identity.boundary.arn
    pulumi.export("people_role_arn", identity.people_role.arn)
    pulumi.export("workload_role_arn", identity.workload_role.arn)
    pulumi.export("permissions_boundary_arn", identity.boundary.arn)


def team_desktops(ctx: Any) -> None:
    req = ctx.request
    wanted = [(i, m) for i, m in enumerate(req.members) if m.desktop]
    if not wanted:
        return
    desktops = req.desktops
    profile = desktops.profile if desktops else "interactive"
    bundle = resolve(profile, req)
    platform = platform_request(ctx)
    result = TeamDesktops("desktops", DesktopArgs(
        naming=ctx.naming, region=ctx.region, team=req.team,
        members=[(m.name, m.desktop, req.member_uid(i)) for i, m in wanted],
        policy=bundle.desktops,
        ignore_changes=bundle.ignore_changes("aws:ec2/instance:Instance"),
        vpc_id=ctx.platform_output("vpc_id"),
        private_subnet_ids=ctx.platform_output("private_subnet_ids"),
        private_subnet_azs=ctx.platform_output("private_subnet_azs"),
        zones=platform.network.availability_zones,
        access_cidrs=ctx.platform_output("access_cidrs"),
        access_cidr_count=len(platform.access_cidrs),
        hosts_security_group_id=ctx.hosts_security_group.id,
        instance_profile=ctx.instance_profile.name,
        key_arn=ctx.storage.key.arn if ctx.storage else None,
        permissions_boundary=ctx.permissions_boundary,
        home_file_system_id=ctx.storage.file_system.id
        if ctx.storage and ctx.storage.file_system else None,
        home_access_points={n: ap.id for n, ap in ctx.storage.access_points.items()}
        if ctx.storage else {}))
    pulumi.export("desktop_instance_ids",
                  {name: d.id for name, d in result.instances.items()})


def team_budget(ctx: Any) -> None:
    req = ctx.request
    recipients = list(req.budget.notify) or [m.email for m in req.members]
    TeamBudget("budget", BudgetArgs(
        naming=ctx.naming, cost_center=req.cost_center, monthly_usd=req.budget.monthly_usd,
        alert_at_percent=list(req.budget.alert_at_percent), recipients=recipients))


TEAM_BUILDERS: list[Callable[[Any], None]] = [
    team_hosts, team_storage, team_identity, team_desktops, team_budget]
PLATFORM_BUILDERS: list[Callable[[Any], None]] = [platform_network, platform_identity]
