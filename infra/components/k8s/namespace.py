"""A team's namespace on a cluster, with what keeps it the team's own.

- ResourceQuota (``quota.py``): GPUs equal to ``gpu.max_gpus``, CPU and memory sized from the
  request, no LoadBalancer or NodePort services; a LimitRange gives unstated containers
  defaults so they count against it.
- RBAC: the team's group (``teamstack-<team>``, carried by the people role's EKS access entry)
  gets the built-in ``edit`` ClusterRole through a RoleBinding in this namespace only. ``edit``
  cannot change the quota, the RoleBinding or the namespace itself.
- NetworkPolicies: ingress is denied by default and admitted only from pods of the same
  namespace, so no other team's pod (nor any platform pod) reaches the team's pods. Egress is
  open but for NFS (2049): jobs read data and pull images, and no pod reaches a mount target.
  (``edit`` lets the team add policies in its own namespace, which can only open its own
  namespace, never another team's; so the egress policy is depth, and the boundary around
  another team's home is its file-system policy, which refuses this team's credentials.)
- Pod Security admission ``baseline`` enforced, ``restricted`` warned and audited.
- The ``<team>-workload`` service account, bound by Pod Identity to the team's workload role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import TeamstackComponent
from infra.components.k8s import names, quota


@dataclass(frozen=True)
class NamespaceArgs:
    """The team's namespace and what keeps it the team's own."""

    team: str
    """Names the namespace (``team-<team>``) and the team's group.
    Changing it replaces the namespace, which deletes everything in it."""
    cluster_name: pulumi.Input[str]
    """The EKS cluster, for the access entry and Pod Identity association."""
    provider: k8s.Provider
    """The cluster the namespace is on."""
    quota: quota.QuotaSize
    """GPU, CPU and memory the namespace may request. In place; running pods are not
    evicted when it shrinks, new ones are refused."""
    workload_role: aws.iam.Role | None = None
    """The team's workload role (with a Pod Identity trust), bound to its service account."""
    people_role: aws.iam.Role | None = None
    """The role people assume, given an access entry in the team's group."""


NFS_PORT = 2049
# Every port but NFS, as ranges (a NetworkPolicy can only allow, so "all but 2049" is spelt
# as the ports around it). UDP and TCP both: EFS speaks TCP only, but nothing here needs 2049.
ALL_BUT_NFS = [{"protocol": protocol, "port": low, "endPort": high}
               for protocol in ("TCP", "UDP")
               for low, high in ((1, NFS_PORT - 1), (NFS_PORT + 1, 65535))]


def compute_scope() -> k8s.core.v1.ScopeSelectorArgs:
    """The compute quota's scope: every pod but the warm-capacity placeholders."""
    return k8s.core.v1.ScopeSelectorArgs(match_expressions=[
        k8s.core.v1.ScopedResourceSelectorRequirementArgs(
            scope_name="PriorityClass", operator="NotIn",
            values=list(quota.UNQUOTED_PRIORITY_CLASSES))])


def network_policies(namespace: str) -> list[dict[str, Any]]:
    """The namespace's policies as (name, spec): deny all ingress, then admit the namespace;
    egress anywhere except NFS. No pod of a team reaches any EFS mount target (its own home
    is mounted by the CSI node daemon on the node, never by a pod), so a pod's user-space NFS
    client cannot try another team's file system."""
    return [
        {"name": "default-deny-ingress",
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"name": "allow-same-namespace",
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"podSelector": {}}]}]}},
        {"name": "egress-all-but-nfs",
         "spec": {"podSelector": {}, "policyTypes": ["Egress"],
                  "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}},
                                     {"namespaceSelector": {}}],
                              "ports": ALL_BUT_NFS}]}},
    ]


def pod_identity(owner: TeamstackComponent, logical: str, *, cluster_name: pulumi.Input[str],
                 namespace: pulumi.Input[str], service_account: str,
                 role: aws.iam.Role | None,
                 depends_on: list[pulumi.Resource]) -> aws.eks.PodIdentityAssociation | None:
    """Bind a service account to a role; nothing when the role does not exist (yet)."""
    if role is None:
        return None
    return aws.eks.PodIdentityAssociation(
        logical, cluster_name=cluster_name, namespace=namespace, service_account=service_account,
        role_arn=role.arn, opts=owner.child(depends_on=depends_on))


class TeamNamespace(TeamstackComponent):
    TYPE = "teamstack:k8s:TeamNamespace"
    COMPONENT = "namespace"

    def __init__(self, name: str, args: NamespaceArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        team = args.team
        self.name = names.team_namespace(team)
        ns = self.name
        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=ns, labels={
                names.LABEL_ROLE: "team", names.LABEL_TEAM: team,
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted"}),
            opts=self.child(provider=args.provider))
        kopts = self.child(provider=args.provider, depends_on=[self.namespace])

        def meta(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns)

        k8s.core.v1.ResourceQuota(
            f"{name}-quota", metadata=meta("team-quota"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(
                hard=quota.compute_hard(args.quota),
                scope_selector=compute_scope()),
            opts=kopts)
        k8s.core.v1.ResourceQuota(
            f"{name}-object-quota", metadata=meta("team-objects"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=quota.OBJECT_HARD), opts=kopts)
        k8s.core.v1.LimitRange(
            f"{name}-limits", metadata=meta("team-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(limits=[k8s.core.v1.LimitRangeItemArgs(
                type="Container", default_request=quota.LIMIT_DEFAULT_REQUEST,
                default=quota.LIMIT_DEFAULT)]),
            opts=kopts)
        k8s.rbac.v1.RoleBinding(
            f"{name}-editors", metadata=meta("team-editors"),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io",
                                             kind="ClusterRole", name="edit"),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="Group", name=names.team_group(team),
                                              api_group="rbac.authorization.k8s.io")],
            opts=kopts)
        for policy in network_policies(ns):
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy['name']}", metadata=meta(policy["name"]),
                spec=policy["spec"], opts=kopts)
        self.workload_service_account = names.workload_service_account(team)
        sa = k8s.core.v1.ServiceAccount(
            f"{name}-workload-sa", metadata=meta(self.workload_service_account),
            automount_service_account_token=False, opts=kopts)
        pod_identity(self, f"{name}-workload-identity", cluster_name=args.cluster_name,
                     namespace=ns, service_account=self.workload_service_account,
                     role=args.workload_role, depends_on=[sa])
        if args.people_role is not None:
            aws.eks.AccessEntry(
                f"{name}-people-access", cluster_name=args.cluster_name,
                principal_arn=args.people_role.arn, type="STANDARD",
                kubernetes_groups=[names.team_group(team)], opts=self.child())
        self.register_outputs({"namespace": ns})
