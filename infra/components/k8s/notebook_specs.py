"""What a team's notebook servers look like, as the hub's profile entry; and the hub's own
culling backstop. Pure: no Pulumi.

The idle timeout of a team's servers is its notebook profile's ``cull_idle_timeout_s``,
enforced by each server (jupyter-server shuts itself down after that long without activity and
culls idle kernels); the hub-wide culler runs at the most lenient profile's timeout, so it
only catches servers whose own culling failed and never cuts a team's server short.

Not applied: the profile's stricter off-hours timeout (``cull_idle_timeout_off_hours_s``); a
server's own culling has one timeout, so the working-hours one is used all day.
"""

from __future__ import annotations

from typing import Any

from infra.components.k8s import karpenter_specs, names
from infra.helm.base import Toleration
from infra.helm.jupyterhub import KubeSpawnerOverride, Profile, TeamProfiles
from infra.profiles import PROFILE_NAMES, resolve
from infra.profiles.model import KarpenterPolicy, NotebookPolicy

CULL_CHECK_SECONDS = 300


def hub_cull_timeout() -> int:
    """The longest culling timeout any profile asks for."""
    return max(resolve(name).notebooks.cull_idle_timeout_s for name in PROFILE_NAMES)


def cull_args(timeout_s: int) -> list[str]:
    """Single-user server options that make it cull idle kernels and then stop itself."""
    interval = min(CULL_CHECK_SECONDS, max(60, timeout_s // 4))
    return [f"--ServerApp.shutdown_no_activity_timeout={timeout_s}",
            f"--MappingKernelManager.cull_idle_timeout={timeout_s}",
            f"--MappingKernelManager.cull_interval={interval}",
            "--MappingKernelManager.cull_connected=True"]


def team_profiles(*, team: str, policy: NotebookPolicy, storage_gib: int,
                  gpu_policy: KarpenterPolicy | None,
                  homes: dict[str, str]) -> TeamProfiles:
    """The team's entry: a CPU server, and a GPU server on the team's pool if asked for."""
    timeout = policy.cull_idle_timeout_s
    common: dict[str, Any] = {
        "service_account": names.notebook_service_account(team),
        "extra_labels": {names.LABEL_TEAM: team},
        "storage_capacity": f"{storage_gib}Gi",
        "args": cull_args(timeout),
    }
    # A running kernel holds unsaved state: Karpenter must not move it to repack nodes.
    keep = {karpenter_specs.DO_NOT_DISRUPT: "true"}
    profiles = [Profile(
        display_name=f"{team}: CPU (up to 2 cores, 8 GiB)", slug=f"{team}-cpu",
        description=f"Idle servers stop after {timeout // 60} minutes.",
        kubespawner_override=KubeSpawnerOverride(
            **common, extra_annotations=keep, cpu_guarantee=0.5, cpu_limit=2.0,
            mem_guarantee="2G", mem_limit="8G"))]
    if gpu_policy is not None:
        profiles.append(Profile(
            display_name=f"{team}: 1 GPU (up to 4 cores, 14 GiB)", slug=f"{team}-gpu",
            description=f"On the {team} GPU pool; idle servers stop after {timeout // 60} "
                        "minutes.",
            kubespawner_override=KubeSpawnerOverride(
                **common, extra_annotations=keep,
                node_selector=karpenter_specs.gpu_pod_node_selector(team),
                tolerations=[Toleration(**t) for t in karpenter_specs.gpu_pod_tolerations(team)],
                cpu_guarantee=2.0, cpu_limit=4.0, mem_guarantee="8G", mem_limit="14G",
                extra_resource_guarantees={names.GPU_RESOURCE: "1"},
                extra_resource_limits={names.GPU_RESOURCE: "1"})))
    return TeamProfiles(team=team, group=names.team_group(team), cull_idle_timeout_s=timeout,
                        profiles=profiles, homes=dict(homes))
