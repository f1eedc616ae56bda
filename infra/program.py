"""The Pulumi program: wire a stack's components together from its validated request.

``pulumi up`` reaches this through ``infra/__main__.py``; the offline plan calls ``build``
directly under the SDK's mocks. Only wiring happens here: every resource is made by a
component, and what a request does not ask for creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from infra.components.base import Naming
from infra.components.storage import TeamStorage
from infra.components.tagging import register_tagging, stack_tags
from infra.stackfile import LoadedStack
from infra.wiring import aws as aws_wiring
from infra.wiring import kubernetes as k8s_wiring

# Extension points: later components register builders here instead of editing `build`.
TeamBuilder = Callable[["TeamContext"], None]
PlatformBuilder = Callable[["PlatformContext"], None]


class TeamContext:
    """What every team component may need: the request, names, the platform's outputs.

    Builders run in order and leave what later builders need on the context:
    ``storage`` (TeamStorage), ``workload_role`` / ``people_role`` (aws.iam.Role, identity),
    ``instance_profile`` (aws.iam.InstanceProfile), ``permissions_boundary`` (the ARN every
    team role must carry), ``hosts_security_group`` (aws.ec2.SecurityGroup of the team's
    hosts, which the shared home admits for NFS), ``kubernetes_provider``
    (pulumi_kubernetes.Provider for the team's cluster), ``namespace`` (str). Each is None
    until its builder ran; a builder that needs one which the request did not ask for skips.
    """

    def __init__(self, loaded: LoadedStack) -> None:
        self.loaded = loaded
        self.request = loaded.team
        self.region = loaded.region
        self.naming = Naming(self.request.team, self.request.environment)
        self.platform = pulumi.StackReference(
            f"{pulumi.get_organization()}/{pulumi.get_project()}/{self.request.platform_stack}")
        self.storage: TeamStorage | None = None
        self.workload_role: Any = None
        self.people_role: Any = None
        self.instance_profile: Any = None
        self.permissions_boundary: Any = None
        self.hosts_security_group: Any = None
        self.kubernetes_provider: Any = None
        self.namespace: str | None = None
        # Set by the Kubernetes builders: the EKS cluster the team's namespace is on (the
        # platform's, or its own with gpu.isolation dedicated) and a provider for the
        # platform's cluster, where the shared JupyterHub is, whichever cluster that is.
        self.kubernetes_cluster_name: Any = None
        self.platform_kubernetes_provider: Any = None

    def platform_output(self, name: str) -> pulumi.Output:
        return self.platform.require_output(name)


class PlatformContext:
    """The platform stack's context. The network builder sets ``vpc_id``,
    ``private_subnet_ids``, ``public_subnet_ids`` and ``log_bucket`` (Outputs) for the cluster
    builder; the cluster builder sets ``cluster`` and ``kubernetes_provider``."""

    def __init__(self, loaded: LoadedStack) -> None:
        self.loaded = loaded
        self.request = loaded.platform
        self.region = loaded.region
        self.naming = Naming("platform", self.request.environment)
        self.vpc_id: Any = None
        self.private_subnet_ids: Any = None
        self.public_subnet_ids: Any = None
        self.log_bucket: Any = None
        self.cluster: Any = None
        self.kubernetes_provider: Any = None


def team_builders() -> list[TeamBuilder]:
    """AWS foundations (hosts, storage, identity, desktops, budget), then the Kubernetes objects
    that use them."""
    return [*aws_wiring.TEAM_BUILDERS, *k8s_wiring.TEAM_BUILDERS]


def platform_builders() -> list[PlatformBuilder]:
    return [*aws_wiring.PLATFORM_BUILDERS, *k8s_wiring.PLATFORM_BUILDERS]


def build(loaded: LoadedStack) -> None:
    """Create every resource of one stack (call inside a Pulumi program run)."""
    if loaded.kind == "team":
        req = loaded.team
        register_tagging(stack_tags(req.team, loaded.stack, req.cost_center))
        ctx = TeamContext(loaded)
        for builder in team_builders():
            builder(ctx)
        pulumi.export("team", req.team)
    else:
        req_p = loaded.platform
        register_tagging(stack_tags("platform", loaded.stack, req_p.cost_center))
        pctx = PlatformContext(loaded)
        for pbuilder in platform_builders():
            pbuilder(pctx)
        pulumi.export("environment", req_p.environment)
