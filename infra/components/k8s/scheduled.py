"""Scheduled patches: CronJobs that set one field of one object at set times.

Neither actions-runner-controller nor Karpenter has schedules, and the profiles' warm floors
(more idle runners, a warm GPU node in working hours) are time-dependent. Each window becomes
two CronJobs in the team's namespace, one at its start that raises the value and one at its end
(``cronwindow.window_end``) that lowers it, in the profile's time zone (CronJob ``timeZone``).

The CronJobs' service account may ``get`` and ``patch`` only the named object (RBAC
``resourceNames``), and the pod runs as non-root with a read-only root file system and no
capabilities. The patched field is then owned by the schedule: the object's own resource
ignores changes to it (``ignore_changes`` from the profile's runtime-owned markers), so a deploy
inside a window does not undo the floor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from infra.components.base import TeamstackComponent

# kubectl from the Kubernetes release images, pinned near the clusters' minor version.
KUBECTL_IMAGE = "registry.k8s.io/kubectl:v1.31.4"
# The field manager of the schedules' patches (``metadata.managedFields[].manager``).
FIELD_MANAGER = "teamstack-schedule"
CACHE_DIR = "/tmp/kube-cache"


@dataclass(frozen=True)
class Patch:
    """Set ``patch`` (a JSON merge patch) on the target at ``schedule``."""

    name: str
    schedule: str
    patch: dict[str, Any]


@dataclass(frozen=True)
class ScheduledPatchArgs:
    """CronJobs that patch one object on a schedule (the fields they patch are owned by the
    schedule and ignored by the object's deploys)."""

    namespace: str
    """Namespace of the target and of the CronJobs, their service account and Role."""
    api_group: str
    """The target's API group ("" for the core group), for the Role's one rule."""
    resource: str
    """The target's resource, plural (e.g. "autoscalingrunnersets")."""
    target: str
    """The target object's name: the Role allows patching that object only."""
    patches: list[Patch]
    """One CronJob per patch (window starts and ends)."""
    timezone: str
    """Time zone of the patches' cron schedules."""
    provider: k8s.Provider
    """The cluster of the namespace."""
    depends_on: list[pulumi.Resource]
    """What must exist first (the target)."""


def kubectl_args(resource: str, api_group: str, target: str, namespace: str,
                 patch: dict[str, Any]) -> list[str]:
    """Arguments of the image's ``kubectl`` entrypoint; its discovery cache goes to /tmp, the
    only writable path. The field manager names the schedule in ``managedFields``, so that
    drift tells the schedule's writes from a person's ``kubectl patch``."""
    kind = f"{resource}.{api_group}" if api_group else resource
    return ["patch", kind, target, "--namespace", namespace, "--type=merge",
            "--patch", json.dumps(patch, sort_keys=True), f"--cache-dir={CACHE_DIR}",
            f"--field-manager={FIELD_MANAGER}"]


class ScheduledPatch(TeamstackComponent):
    TYPE = "teamstack:k8s:ScheduledPatch"
    COMPONENT = "schedules"

    def __init__(self, name: str, args: ScheduledPatchArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        ns = args.namespace
        account = f"{args.target}-scheduler"
        kopts = self.child(provider=args.provider, depends_on=args.depends_on)

        def meta(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns)

        sa = k8s.core.v1.ServiceAccount(f"{name}-sa", metadata=meta(account), opts=kopts)
        role = k8s.rbac.v1.Role(
            f"{name}-role", metadata=meta(account),
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=[args.api_group],
                                              resources=[args.resource],
                                              resource_names=[args.target],
                                              verbs=["get", "patch"])],
            opts=kopts)
        binding = k8s.rbac.v1.RoleBinding(
            f"{name}-binding", metadata=meta(account),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io",
                                             kind="Role", name=account),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=account,
                                              namespace=ns)],
            opts=kopts)
        deps = [sa, role, binding, *args.depends_on]
        for patch in args.patches:
            container = k8s.core.v1.ContainerArgs(
                name="patch", image=KUBECTL_IMAGE,
                args=kubectl_args(args.resource, args.api_group, args.target, ns,
                                  patch.patch),
                volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")],
                resources=k8s.core.v1.ResourceRequirementsArgs(
                    requests={"cpu": "50m", "memory": "64Mi"}, limits={"memory": "128Mi"}),
                security_context=k8s.core.v1.SecurityContextArgs(
                    run_as_non_root=True, run_as_user=65532, allow_privilege_escalation=False,
                    read_only_root_filesystem=True,
                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                    seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")))
            k8s.batch.v1.CronJob(
                f"{name}-{patch.name}", metadata=meta(f"{args.target}-{patch.name}"),
                spec=k8s.batch.v1.CronJobSpecArgs(
                    schedule=patch.schedule, time_zone=args.timezone,
                    concurrency_policy="Forbid", starting_deadline_seconds=3600,
                    successful_jobs_history_limit=1, failed_jobs_history_limit=3,
                    job_template=k8s.batch.v1.JobTemplateSpecArgs(
                        spec=k8s.batch.v1.JobSpecArgs(
                            backoff_limit=3, ttl_seconds_after_finished=86400,
                            template=k8s.core.v1.PodTemplateSpecArgs(
                                spec=k8s.core.v1.PodSpecArgs(
                                    service_account_name=account,
                                    restart_policy="OnFailure",
                                    volumes=[k8s.core.v1.VolumeArgs(
                                        name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(
                                            size_limit="64Mi"))],
                                    containers=[container]))))),
                opts=self.child(provider=args.provider, depends_on=deps))
        self.register_outputs({})
