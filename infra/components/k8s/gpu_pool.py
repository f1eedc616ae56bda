"""A team's GPU capacity: a Karpenter NodePool of its own, and warm capacity if the profile
keeps some.

The NodePool takes its instance types and GPU limit from the request and its capacity types,
consolidation, disruption budgets and expiry from the profile (``karpenter_specs``). It is
tainted for GPUs and for the team, so only the team's GPU pods land there.

Warm capacity (the profile's ``warm_floor``) is a Deployment of placeholder pods, one GPU and
one node each (pod anti-affinity), at the lowest priority: Karpenter keeps their nodes up, and
any real pod of the team preempts a placeholder and takes its GPU at once. Scheduled windows
set the Deployment's replicas through ``ScheduledPatch``; replicas are therefore owned by the
schedule and ignored by deploys (the profile's runtime-owned marker).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from infra.components.base import TeamstackComponent
from infra.components.k8s import karpenter_specs, names
from infra.components.k8s.cronwindow import window_end
from infra.components.k8s.scheduled import Patch, ScheduledPatch, ScheduledPatchArgs
from infra.profiles.model import KarpenterPolicy, LayerPolicy

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment"


@dataclass(frozen=True)
class GpuPoolArgs:
    """What a team's GPU pool is made from; a NodePool change makes Karpenter replace the
    nodes that no longer match it (drift), which disrupts running pods unless they are
    annotated ``do-not-disrupt``."""

    team: str
    """Names the NodePool (``<team>-gpu``), its taint and labels. Changing it replaces the
    pool: Karpenter drains and removes every node of the old one."""
    namespace: str
    """The team's namespace, where the warm-capacity placeholders run."""
    policy: LayerPolicy[KarpenterPolicy]
    """The profile's Karpenter layer: instance and capacity types, GPU limit, consolidation,
    budgets, expiry and warm floor. The NodePool updates in place; nodes that no longer match
    are replaced within the disruption budgets. The placeholders' replicas are owned by the
    warm-floor schedule and ignored by deploys."""
    node_class: pulumi.Input[str]
    """The EC2NodeClass for GPU nodes (the platform's, or the team's own cluster's). Changing
    it replaces every node of the pool (drift)."""
    provider: k8s.Provider
    """The cluster the pool is on."""
    depends_on: list[pulumi.Resource]
    """What must exist first: the namespace, and a dedicated cluster's Karpenter."""


def warm_replicas(policy: KarpenterPolicy) -> int:
    """Placeholders outside any window: the always-on floor, if the profile has one."""
    return max((w.nodes for w in policy.warm_floor if w.schedule is None), default=0)


class GpuPool(TeamstackComponent):
    TYPE = "teamstack:k8s:GpuPool"
    COMPONENT = "gpu"

    def __init__(self, name: str, args: GpuPoolArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        team, policy = args.team, args.policy.settings
        self.pool_name = names.gpu_node_pool(team)
        spec = pulumi.Output.from_input(args.node_class).apply(
            lambda node_class: karpenter_specs.gpu_node_pool_spec(team, policy, node_class))
        self.node_pool = k8s.apiextensions.CustomResource(
            f"{name}-node-pool", api_version=karpenter_specs.NODE_POOL_API, kind="NodePool",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=self.pool_name),
            spec=spec, opts=self.child(provider=args.provider))
        if policy.warm_floor:
            self._warm(name, args, policy)
        self.register_outputs({"pool_name": self.pool_name})

    def _warm(self, name: str, args: GpuPoolArgs, policy: KarpenterPolicy) -> None:
        team, ns = args.team, args.namespace
        deployment_name = f"{self.pool_name}-warm"
        labels = {"app.kubernetes.io/name": deployment_name, names.LABEL_TEAM: team}
        gpu = {names.GPU_RESOURCE: "1"}
        pod = k8s.core.v1.PodSpecArgs(
            priority_class_name=names.PLACEHOLDER_PRIORITY_CLASS,
            termination_grace_period_seconds=0,
            automount_service_account_token=False,
            node_selector=karpenter_specs.gpu_pod_node_selector(team),
            tolerations=[k8s.core.v1.TolerationArgs(**t)
                         for t in karpenter_specs.gpu_pod_tolerations(team)],
            affinity=k8s.core.v1.AffinityArgs(pod_anti_affinity=k8s.core.v1.PodAntiAffinityArgs(
                required_during_scheduling_ignored_during_execution=[
                    k8s.core.v1.PodAffinityTermArgs(
                        label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                        topology_key="kubernetes.io/hostname")])),
            containers=[k8s.core.v1.ContainerArgs(
                name="placeholder", image=PAUSE_IMAGE,
                resources=k8s.core.v1.ResourceRequirementsArgs(
                    requests={"cpu": "10m", "memory": "16Mi", **gpu},
                    limits={"memory": "16Mi", **gpu}),
                security_context=k8s.core.v1.SecurityContextArgs(
                    run_as_non_root=True, run_as_user=65535, allow_privilege_escalation=False,
                    read_only_root_filesystem=True,
                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")))])
        deployment = k8s.apps.v1.Deployment(
            f"{name}-warm", metadata=k8s.meta.v1.ObjectMetaArgs(name=deployment_name,
                                                                namespace=ns),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=warm_replicas(policy),
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels), spec=pod)),
            opts=self.child(provider=args.provider, depends_on=[self.node_pool,
                                                                *args.depends_on],
                            ignore_changes=args.policy.ignore_changes(DEPLOYMENT_TYPE)))
        patches = []
        scheduled = [(w.schedule, w) for w in policy.warm_floor if w.schedule is not None]
        for i, (schedule, window) in enumerate(scheduled):
            patches += [
                Patch(f"start-{i}", schedule,
                      {"spec": {"replicas": window.nodes}}),
                Patch(f"end-{i}", window_end(schedule, window.duration or "0s"),
                      {"spec": {"replicas": warm_replicas(policy)}}),
            ]
        if patches:
            ScheduledPatch(f"{name}-warm-schedule", ScheduledPatchArgs(
                namespace=ns, api_group="apps", resource="deployments", target=deployment_name,
                patches=patches, timezone=policy.timezone, provider=args.provider,
                depends_on=[deployment]), opts=self.child())
