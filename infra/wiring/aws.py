"""AWS foundations of a stack: network, identity, desktops, budget (team and platform).

Platform builders export what team stacks read through their StackReference (``vpc_id``,
``private_subnet_ids``, ``private_subnet_azs``, ``public_subnet_ids``, ``log_bucket``,
``access_cidrs``, ``flow_log_group``, ``people_idp_*``; ``context.PlatformOutputs`` reads
them). Team builders take what they use and return what later ones need: hosts (the security
group others admit), storage (its ARNs scope identity), identity (the instance profile and
boundary desktops need), desktops, budget.

Counts that decide how many resources exist (zones, access ranges) come from the platform's
stack file in this repository, not from its outputs: a program cannot branch on an Output, and
the file is the reviewed source of the platform anyway. Values come from the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

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
from infra.wiring.context import PlatformStack, TeamStack


@dataclass(frozen=True)
class PlatformNetwork:
    """What the platform's cluster builder needs from its network."""

    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]


# -- platform ------------------------------------------------------------------------------------

def platform_network(stack: PlatformStack) -> PlatformNetwork:
    req = stack.request
    network = NetworkPlatform("network", NetworkArgs(
        naming=stack.naming, region=stack.region, cidr=req.network.cidr,
        zones=req.network.availability_zones, nat=req.network.nat,
        flow_log_retention_days=req.network.flow_log_retention_days,
        log_retention_days=req.log_retention_days))
    vpc_id = network.vpc.id
    private_subnet_ids = pulumi.Output.all(*[s.id for s in network.private_subnets])
    public_subnet_ids = pulumi.Output.all(*[s.id for s in network.public_subnets])
    pulumi.export("vpc_id", vpc_id)
    pulumi.export("vpc_cidr", req.network.cidr)
    pulumi.export("private_subnet_ids", private_subnet_ids)
    pulumi.export("private_subnet_azs", network.zones)
    pulumi.export("public_subnet_ids", public_subnet_ids)
    pulumi.export("log_bucket", network.log_bucket.bucket)
    pulumi.export("access_cidrs", list(req.access_cidrs))
    pulumi.export("flow_log_group", network.flow_log_group.name)
    pulumi.export("endpoint_security_group_id", network.endpoint_security_group.id)
    return PlatformNetwork(vpc_id=vpc_id, private_subnet_ids=private_subnet_ids)


def platform_identity(stack: PlatformStack) -> PeopleIdentityProvider:
    idp = stack.request.identity
    provider = PeopleIdentityProvider("people-idp", IdentityProviderArgs(
        naming=stack.naming, provider=idp.provider, saml_provider_name=idp.saml_provider_name,
        oidc_issuer_url=idp.oidc_issuer_url, oidc_client_id=idp.oidc_client_id))
    pulumi.export("people_idp_arn", provider.arn)
    pulumi.export("people_idp_type", provider.type)
    pulumi.export("people_idp_issuer", provider.issuer)
    pulumi.export("people_idp_audience", provider.audience)
    return provider


# -- team ----------------------------------------------------------------------------------------

def pod_clusters(stack: TeamStack) -> list[str]:
    """The clusters the team's pods run on: the platform's, and its own with a dedicated pool."""
    req = stack.request
    clusters = [cluster_name(f"platform-{stack.platform_request.environment}")]
    if req.gpu is not None and req.gpu.isolation == "dedicated":
        clusters.append(cluster_name(stack.naming.prefix))
    return clusters


def team_hosts(stack: TeamStack) -> TeamHosts:
    hosts = TeamHosts("hosts", HostsArgs(naming=stack.naming, vpc_id=stack.platform.vpc_id))
    pulumi.export("hosts_security_group_id", hosts.security_group.id)
    return hosts


def team_storage(stack: TeamStack, hosts: TeamHosts) -> TeamStorage | None:
    """Buckets, the key and the shared home; None when the request has no storage section."""
    req = stack.request
    if req.storage is None:
        return None
    members = [HomeMember(m.name, req.member_uid(i)) for i, m in enumerate(req.members)]
    storage = TeamStorage("storage", StorageArgs(
        naming=stack.naming, buckets=list(req.storage.buckets),
        shared_home_gib=req.storage.shared_home_gib,
        log_bucket=stack.platform.log_bucket, members=members,
        vpc_id=stack.platform.vpc_id,
        private_subnet_ids=stack.platform.private_subnet_ids,
        zones=stack.platform_request.network.availability_zones,
        hosts_security_group_id=hosts.security_group.id))
    pulumi.export("bucket_names", {name: b.bucket for name, b in storage.buckets.items()})
    pulumi.export("key_arn", storage.key.arn)
    if storage.file_system is not None:
        pulumi.export("file_system_id", storage.file_system.id)
    if storage.nfs_security_group is not None:
        pulumi.export("nfs_security_group_id", storage.nfs_security_group.id)
        pulumi.export("access_point_ids",
                      {name: ap.id for name, ap in storage.access_points.items()})
    return storage


def team_identity(stack: TeamStack, storage: TeamStorage | None) -> TeamIdentity:
    """The people and workload roles, scoped to the team's storage (if any)."""
    platform = stack.platform
    identity = TeamIdentity("identity", IdentityArgs(
        naming=stack.naming, team=stack.request.team, region=stack.region,
        bucket_arns=[b.arn for b in storage.buckets.values()] if storage else [],
        key_arn=storage.key.arn if storage else None,
        file_system_arn=storage.file_system.arn if storage and storage.file_system else None,
        budget_name=budget_name(stack.naming),
        idp_arn=platform.people_idp_arn, idp_type=platform.people_idp_type,
        idp_issuer=platform.people_idp_issuer, idp_audience=platform.people_idp_audience,
        pod_clusters=pod_clusters(stack)))
    if storage is not None:
        storage.restrict_mounts([identity.workload_role.arn], csi_clusters=pod_clusters(stack))
    pulumi.export("people_role_arn", identity.people_role.arn)
    pulumi.export("workload_role_arn", identity.workload_role.arn)
    pulumi.export("permissions_boundary_arn", identity.boundary.arn)
    return identity


def team_desktops(stack: TeamStack, hosts: TeamHosts, storage: TeamStorage | None,
                  identity: TeamIdentity) -> TeamDesktops | None:
    """A desktop per member who asks for one; None when nobody does."""
    req = stack.request
    wanted = [(i, m) for i, m in enumerate(req.members) if m.desktop]
    if not wanted:
        return None
    desktops = req.desktops
    profile = desktops.profile if desktops else "interactive"
    bundle = resolve(profile, req)
    platform = stack.platform_request
    result = TeamDesktops("desktops", DesktopArgs(
        naming=stack.naming, region=stack.region, team=req.team,
        members=[(m.name, m.desktop, req.member_uid(i)) for i, m in wanted if m.desktop],
        policy=bundle.for_layer("desktops"),
        vpc_id=stack.platform.vpc_id,
        private_subnet_ids=stack.platform.private_subnet_ids,
        private_subnet_azs=stack.platform.private_subnet_azs,
        zones=platform.network.availability_zones,
        access_cidrs=stack.platform.access_cidrs,
        access_cidr_count=len(platform.access_cidrs),
        hosts_security_group_id=hosts.security_group.id,
        instance_profile=identity.instance_profile.name,
        key_arn=storage.key.arn if storage else None,
        permissions_boundary=identity.boundary.arn,
        home_file_system_id=storage.file_system.id
        if storage and storage.file_system else None,
        home_access_points={n: ap.id for n, ap in storage.access_points.items()}
        if storage else {}))
    pulumi.export("desktop_instance_ids",
                  {name: d.id for name, d in result.instances.items()})
    return result


def team_budget(stack: TeamStack) -> TeamBudget:
    req = stack.request
    recipients = list(req.budget.notify) or [m.email for m in req.members]
    return TeamBudget("budget", BudgetArgs(
        naming=stack.naming, cost_center=req.cost_center, monthly_usd=req.budget.monthly_usd,
        alert_at_percent=list(req.budget.alert_at_percent), recipients=recipients))
