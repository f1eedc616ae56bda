"""A team's GitHub Actions runners: actions-runner-controller scale sets in ``ci-<team>``.

One ``gha-runner-scale-set`` release per repository and kind of runner (CPU; GPU on the team's
GPU pool when asked for), each registered for that repository only (``ci_runners.repositories``),
so no other repository of the organisation can send jobs to the team's runners. The GitHub App
credentials come from Secrets Manager (``ci_runners.app_secret``, under the team's prefix) into
a Kubernetes Secret in the runners' own namespace, where no team member is bound; the stack file
never holds them. Bounds: ``minRunners`` from the profile, ``maxRunners`` from the request
(per repository; GPU runners also no more than the team's GPUs). Runner pods get no
Kubernetes API token and run as the runner user without privilege escalation.

The profile's warm floor (more idle runners in working hours) is applied by CronJobs that
patch the AutoscalingRunnerSet's ``spec.minRunners`` (``ScheduledPatch``), since ARC has no
schedules. That field is owned by the schedule: the release ignores changes to its
``minRunners`` value so a deploy does not reset it. A deploy that changes another value still
re-renders the runner set with the base minimum until the next window start; the end-of-window
CronJob always restores the base.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import karpenter_specs, names, quota
from infra.components.k8s.addons import helm_release
from infra.components.k8s.cronwindow import window_end
from infra.components.k8s.namespace import compute_scope, network_policies
from infra.components.k8s.scheduled import Patch, ScheduledPatch, ScheduledPatchArgs
from infra.components.k8s.secrets import synced_secret
from infra.helm import arc
from infra.helm.base import Resources, Toleration
from infra.profiles.model import CiRunnerPolicy, KarpenterPolicy, LayerPolicy

APP_KEYS = ("github_app_id", "github_app_installation_id", "github_app_private_key")
CREDENTIALS_SECRET = "github-app"
CPU_RUNNER = (1, 2)  # requests of a runner pod: CPUs, memory GiB
GPU_RUNNER = (2, 8)
RUNNER_SET_TYPE = "kubernetes:actions.github.com/v1alpha1:AutoscalingRunnerSet"
# The runner set is rendered by the chart from these values: its spec.minRunners is the
# release's values.minRunners.
RUNTIME_PROPERTY_MAP = {"spec.minRunners": "values.minRunners"}


@dataclass(frozen=True)
class RunnersArgs:
    """What a team's CI runners are made from. Runners are ephemeral: a change re-renders the
    runner sets (Helm upgrade); running jobs finish on their old runner pods."""

    team: str
    """Names the runner scale sets (``<team>-cpu``, ``<team>-gpu``), which workflows target
    with ``runs-on``. Changing it replaces the releases: workflows must use the new names."""
    naming: Naming
    """Team and environment, for the default credentials secret name."""
    namespace: str
    """The team's namespace, where runners and their credentials live."""
    github_org: str
    """The organisation runners register with. Changing it re-registers every runner."""
    app_secret: str | None
    """Secrets Manager name of the GitHub App credentials (None:
    ``teamstack/<team>-<env>/github-app``). Read at deploy time into a Kubernetes Secret."""
    repositories: Sequence[str]
    """The repositories runners register for, one scale set each (never the organisation:
    any of its repositories could then run jobs on the team's runners). Adding one adds its
    sets; removing one deletes them."""
    max_runners: int
    """Most CPU runners at once (and the cap on any warm floor). In place."""
    gpu_runners: int
    """Most GPU runners at once; 0: no GPU runner set (going to 0 deletes it)."""
    policy: LayerPolicy[CiRunnerPolicy]
    """The profile's CI-runner layer: minimum idle runners and the warm floor's windows. The
    release's ``minRunners`` is owned by the window CronJobs and ignored by deploys."""
    gpu_policy: KarpenterPolicy
    """The same profile's GPU pool settings, for the annotations of GPU runner pods."""
    chart_version: str
    """The pinned ``gha-runner-scale-set`` chart. Changing it upgrades the releases."""
    provider: k8s.Provider
    """The cluster of the team's namespace."""
    depends_on: list[pulumi.Resource]
    """What must exist first (the namespace)."""


def runner_set_name(team: str, kind: str, repository: str = "",
                    repositories: Sequence[str] = ()) -> str:
    """``<team>-<kind>`` (the ``runs-on`` label) with one repository; with several, each
    repository's set is ``<team>-<repo>-<kind>`` (slug of the name, a short hash when the slug
    would be ambiguous or too long)."""
    if len(repositories) <= 1:
        return f"{team}-{kind}"
    repo = repository.split("/")[-1]
    slug = re.sub(r"[^a-z0-9-]+", "-", repo.lower()).strip("-") or "repo"
    slug = slug.removeprefix(f"{team}-") or slug  # acme/vision-models -> vision-models-cpu
    name = f"{team}-{slug}-{kind}"
    if slug not in (repo, repo.removeprefix(f"{team}-")) or len(name) > 45:
        digest = hashlib.sha256(repository.lower().encode()).hexdigest()[:6]
        name = f"{team}-{slug[:45 - len(team) - len(kind) - 9]}-{digest}-{kind}"
    return name


def release_ignore_changes(policy: LayerPolicy[CiRunnerPolicy]) -> list[str]:
    """The release values owned at run time, from the profile's runtime-owned markers."""
    return [RUNTIME_PROPERTY_MAP[p] for p in policy.ignore_changes(RUNNER_SET_TYPE)
            if p in RUNTIME_PROPERTY_MAP]


def base_min_runners(policy: CiRunnerPolicy, max_runners: int) -> int:
    """Idle runners outside any window: the profile's minimum, or an always-on floor."""
    always = [w.min_runners for w in policy.warm_floor if w.schedule is None]
    return min(max([policy.min_runners, *always]), max_runners)


def runner_values(*, team: str, repository: str, repositories: Sequence[str], kind: str,
                  min_runners: int, max_runners: int, gpu: bool,
                  pod_annotations: dict[str, str]) -> arc.RunnerSetValues:
    """One scale set registered for one repository (never the whole organisation: any of its
    repositories could then run jobs on the team's runners, GPUs and namespace)."""
    if gpu:
        resources = Resources(requests={"cpu": str(GPU_RUNNER[0]),
                                        "memory": f"{GPU_RUNNER[1]}Gi", names.GPU_RESOURCE: "1"},
                              limits={"memory": "14Gi", names.GPU_RESOURCE: "1"})
        placement: dict[str, Any] = {"node_selector": karpenter_specs.gpu_pod_node_selector(team),
                     "tolerations": [Toleration(**t)
                                     for t in karpenter_specs.gpu_pod_tolerations(team)]}
    else:
        resources = Resources(requests={"cpu": str(CPU_RUNNER[0]),
                                        "memory": f"{CPU_RUNNER[1]}Gi"},
                              limits={"memory": "4Gi"})
        placement = {}
    return arc.RunnerSetValues(
        github_config_url=f"https://github.com/{repository}",
        github_config_secret=CREDENTIALS_SECRET,
        runner_scale_set_name=runner_set_name(team, kind, repository, repositories),
        min_runners=min_runners, max_runners=max_runners,
        controller_service_account=arc.ControllerServiceAccount(
            namespace=names.ARC_NAMESPACE, name=names.ARC_CONTROLLER_SERVICE_ACCOUNT),
        template=arc.RunnerTemplate(
            metadata=arc.PodMetadata(labels={names.LABEL_TEAM: team},
                                     annotations=pod_annotations or None),
            spec=arc.RunnerPodSpec(containers=[arc.RunnerContainer(resources=resources)],
                                   **placement)))


class CiRunners(TeamstackComponent):
    TYPE = "teamstack:k8s:CiRunners"
    COMPONENT = "ci-runners"

    def __init__(self, name: str, args: RunnersArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        team, policy = args.team, args.policy.settings
        base = base_min_runners(policy, args.max_runners)
        namespace = self._namespace(name, args)
        ns = names.ci_namespace(team)
        secret = synced_secret(
            self, f"{name}-credentials",
            secret_name=args.app_secret or f"teamstack/{args.naming.prefix}/github-app",
            namespace=ns, name=CREDENTIALS_SECRET, keys=APP_KEYS,
            provider=args.provider, depends_on=[namespace])
        deps = [secret, namespace, *args.depends_on]
        self.releases: dict[str, pulumi.Resource] = {}
        cpu_sets: list[str] = []
        for repository in args.repositories:
            cpu = runner_values(team=team, repository=repository, repositories=args.repositories,
                                kind="cpu", min_runners=base, max_runners=args.max_runners,
                                gpu=False, pod_annotations={})
            cpu_sets.append(cpu.runner_scale_set_name)
            logical = name if len(args.repositories) == 1 \
                else f"{name}-{repository.replace('/', '-')}"
            self.releases[cpu.runner_scale_set_name] = helm_release(
                self, f"{logical}-cpu", release=cpu.runner_scale_set_name,
                chart=arc.RUNNER_SET_CHART, version=args.chart_version, namespace=ns,
                values=cpu.dump(), provider=args.provider, depends_on=deps,
                ignore_changes=release_ignore_changes(args.policy))
            if args.gpu_runners:
                gpu = runner_values(
                    team=team, repository=repository, repositories=args.repositories,
                    kind="gpu", min_runners=0, max_runners=args.gpu_runners, gpu=True,
                    pod_annotations=karpenter_specs.training_pod_annotations(
                        args.gpu_policy))
                self.releases[gpu.runner_scale_set_name] = helm_release(
                    self, f"{logical}-gpu",
                    release=gpu.runner_scale_set_name, chart=arc.RUNNER_SET_CHART,
                    version=args.chart_version, namespace=ns, values=gpu.dump(),
                    provider=args.provider, depends_on=deps)
        patches = []
        scheduled = [(w.schedule, w) for w in policy.warm_floor if w.schedule is not None]
        for i, (schedule, window) in enumerate(scheduled):
            patches += [
                Patch(f"start-{i}", schedule,
                      {"spec": {"minRunners": min(window.min_runners, args.max_runners)}}),
                Patch(f"end-{i}", window_end(schedule, window.duration or "0s"),
                      {"spec": {"minRunners": base}}),
            ]
        for target in cpu_sets if patches else []:
            suffix = "" if len(cpu_sets) == 1 else f"-{target}"
            ScheduledPatch(f"{name}-floor{suffix}", ScheduledPatchArgs(
                namespace=ns, api_group="actions.github.com",
                resource="autoscalingrunnersets", target=target,
                patches=patches, timezone=policy.timezone, provider=args.provider,
                depends_on=[self.releases[target]]), opts=self.child())
        self.register_outputs({"namespace": ns})

    def _namespace(self, name: str, args: RunnersArgs) -> k8s.core.v1.Namespace:
        """``ci-<team>``: runner sets, the App key and runner pods, with the team namespace's
        pod security, quota shape and network policies but no member binding (a member who
        can create pods in a namespace can read every Secret there by mounting it)."""
        ns = names.ci_namespace(args.team)
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(name=ns, labels={
                names.LABEL_ROLE: "team", names.LABEL_TEAM: args.team,
                "pod-security.kubernetes.io/enforce": "baseline",
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted"}),
            opts=self.child(provider=args.provider))
        kopts = self.child(provider=args.provider, depends_on=[namespace])
        sets = len(args.repositories)
        size = quota.QuotaSize(
            cpu=sets * (args.max_runners * CPU_RUNNER[0] + args.gpu_runners * GPU_RUNNER[0]) + 1,
            memory_gib=sets * (args.max_runners * CPU_RUNNER[1]
                               + args.gpu_runners * GPU_RUNNER[1]) + 2,
            gpus=sets * args.gpu_runners)
        k8s.core.v1.ResourceQuota(
            f"{name}-quota", metadata=k8s.meta.v1.ObjectMetaArgs(name="ci-quota", namespace=ns),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=quota.compute_hard(size),
                                                   scope_selector=compute_scope()),
            opts=kopts)
        k8s.core.v1.ResourceQuota(
            f"{name}-object-quota",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="ci-objects", namespace=ns),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=quota.OBJECT_HARD), opts=kopts)
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="ci-defaults", namespace=ns),
            spec=k8s.core.v1.LimitRangeSpecArgs(limits=[k8s.core.v1.LimitRangeItemArgs(
                type="Container", default_request=quota.LIMIT_DEFAULT_REQUEST,
                default=quota.LIMIT_DEFAULT)]),
            opts=kopts)
        for policy in network_policies(ns):
            k8s.networking.v1.NetworkPolicy(
                f"{name}-{policy['name']}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=f"ci-{policy['name']}", namespace=ns),
                spec=policy["spec"], opts=kopts)
        return namespace
