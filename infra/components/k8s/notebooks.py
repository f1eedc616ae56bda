"""A team's notebooks on the platform's JupyterHub: its profile entry and what it mounts.

The team stack writes, in the hub's namespace (the hub reads them there; see
``hub_profiles`` for the design): the ConfigMap with the team's profiles, the team's notebook
service account (bound by Pod Identity to the workload role, so notebooks read the team's
buckets as the team), and one volume per member of the team's shared EFS home, each through
the member's access point (pinned to the member's uid) and mounted for that member only. NFS is
opened from the cluster's node security group to the home's mount targets, port 2049 only; the
mount itself is made by the EFS CSI node daemon with IAM authorization, which the home's
file-system policy requires (a pod's own NFS client is anonymous and refused; notebook pods
reach no private address at all, see the hub's single-user network policy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import names, notebook_specs
from infra.components.k8s.namespace import pod_identity
from infra.profiles.model import KarpenterPolicy, LayerPolicy, NotebookPolicy

NFS_PORT = 2049


@dataclass(frozen=True)
class HomeVolume:
    """A member's slice of the shared home: EFS access point, hub user name (e-mail)."""

    member: str
    hub_user: str
    access_point_id: pulumi.Input[str]


@dataclass(frozen=True)
class NotebooksArgs:
    """A team's entry on the platform's JupyterHub. The hub reads the profiles ConfigMap at
    each spawn, so profile changes apply to servers started afterwards; running servers keep
    theirs."""

    team: str
    """The team, whose group sees these profiles."""
    naming: Naming
    """Team and environment, for the home volumes' names."""
    policy: LayerPolicy[NotebookPolicy]
    """The profile's notebook layer: each server's idle culling timeout."""
    storage_gib: int
    """Size of each user's own notebook volume. A new size applies to new volumes only."""
    gpu_policy: KarpenterPolicy | None
    """The GPU pool's settings if the team offers GPU notebooks on it (same cluster); None:
    CPU profiles only."""
    cluster_name: pulumi.Input[str]
    """The platform's cluster, for the Pod Identity association."""
    hub_namespace: pulumi.Input[str]
    """The hub's namespace, where the team's profiles, service account and volumes go."""
    provider: k8s.Provider
    """The platform's cluster (the hub's), whichever cluster the team's namespace is on."""
    workload_role: aws.iam.Role | None = None
    """The team's workload role, bound to the notebooks' service account."""
    file_system_id: pulumi.Input[str] | None = None
    """The shared EFS home; None: no home volumes."""
    home_gib: int | None = None
    """The nominal size of each home volume (EFS is elastic)."""
    homes: list[HomeVolume] = field(default_factory=list)
    """Each member's access point and hub user name: one volume each, mounted for that member
    only. Removing a member deletes the volume objects, not the files."""
    nfs_security_group_id: pulumi.Input[str] | None = None
    """The home's NFS group, which gets a rule admitting the cluster's nodes."""
    node_security_group_id: pulumi.Input[str] | None = None
    """The cluster's node group, admitted to NFS (port 2049 only)."""


def home_claim(team: str, member: str) -> str:
    return f"{team}-home-{member}"


class TeamNotebooks(TeamstackComponent):
    TYPE = "teamstack:k8s:TeamNotebooks"
    COMPONENT = "notebooks"

    def __init__(self, name: str, args: NotebooksArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        team, ns = args.team, args.hub_namespace
        kopts = self.child(provider=args.provider)
        account = names.notebook_service_account(team)
        sa = k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=k8s.meta.v1.ObjectMetaArgs(name=account, namespace=ns),
            opts=kopts)
        pod_identity(self, f"{name}-identity", cluster_name=args.cluster_name, namespace=ns,
                     service_account=account, role=args.workload_role, depends_on=[sa])
        homes = self._homes(name, args) if args.file_system_id is not None else {}
        self.profiles = notebook_specs.team_profiles(
            team=team, policy=args.policy.settings, storage_gib=args.storage_gib,
            gpu_policy=args.gpu_policy, homes=homes)
        k8s.core.v1.ConfigMap(
            f"{name}-profiles", metadata=k8s.meta.v1.ObjectMetaArgs(
                name=names.hub_profiles_configmap(team), namespace=ns,
                labels={names.LABEL_HUB_PROFILES: "true"}),
            data={"profiles.json": json.dumps(self.profiles.dump(), sort_keys=True)},
            opts=self.child(provider=args.provider, depends_on=[sa]))
        self.register_outputs({"cull_idle_timeout_s": args.policy.settings.cull_idle_timeout_s})

    def _homes(self, name: str, args: NotebooksArgs) -> dict[str, str]:
        """Static PV/PVC per member (EFS access point), keyed by hub user name."""
        if args.nfs_security_group_id is not None and args.node_security_group_id is not None:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-nfs-from-cluster", security_group_id=args.nfs_security_group_id,
                referenced_security_group_id=args.node_security_group_id, ip_protocol="tcp",
                from_port=NFS_PORT, to_port=NFS_PORT,
                description="NFS from the cluster's nodes (notebook home volumes)",
                opts=self.child())
        claims: dict[str, str] = {}
        for home in args.homes:
            volume = f"{args.naming.prefix}-home-{home.member}"
            claim = home_claim(args.team, home.member)
            handle = pulumi.Output.all(args.file_system_id, home.access_point_id).apply(
                lambda v: f"{v[0]}::{v[1]}")
            pv = k8s.core.v1.PersistentVolume(
                f"{name}-home-{home.member}", metadata=k8s.meta.v1.ObjectMetaArgs(name=volume),
                spec=k8s.core.v1.PersistentVolumeSpecArgs(
                    capacity={"storage": f"{args.home_gib or 1}Gi"},
                    access_modes=["ReadWriteMany"],
                    persistent_volume_reclaim_policy="Retain", storage_class_name="",
                    # TLS, and IAM authorization as the CSI node role: the file-system policy
                    # refuses anonymous clients and wants this access point.
                    mount_options=["tls", "iam"],
                    csi=k8s.core.v1.CSIPersistentVolumeSourceArgs(driver="efs.csi.aws.com",
                                                                  volume_handle=handle)),
                opts=self.child(provider=args.provider))
            k8s.core.v1.PersistentVolumeClaim(
                f"{name}-home-{home.member}", metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=claim, namespace=args.hub_namespace),
                spec=k8s.core.v1.PersistentVolumeClaimSpecArgs(
                    access_modes=["ReadWriteMany"], storage_class_name="", volume_name=volume,
                    resources=k8s.core.v1.VolumeResourceRequirementsArgs(
                        requests={"storage": f"{args.home_gib or 1}Gi"})),
                opts=self.child(provider=args.provider, depends_on=[pv]))
            claims[home.hub_user] = claim
        return claims
