"""The Pulumi program: wire a stack's components together from its validated request.

``pulumi up`` reaches this through ``infra/__main__.py``; the offline plan calls ``build``
directly under the SDK's mocks. Only wiring happens here: every resource is made by a
component, and what a request does not ask for creates nothing.
"""

from __future__ import annotations

import pulumi

from infra.components.tagging import register_tagging, stack_tags
from infra.stackfile import LoadedStack
from infra.wiring import aws as aws_wiring
from infra.wiring import kubernetes as k8s_wiring
from infra.wiring.context import PlatformStack, TeamStack


def build_team(stack: TeamStack) -> None:
    """A team stack: AWS foundations first, then the Kubernetes objects that use them.

    Each builder gets what it uses and returns what later builders need; a section the
    request leaves out makes its builder return None and create nothing.
    """
    hosts = aws_wiring.team_hosts(stack)
    storage = aws_wiring.team_storage(stack, hosts)
    identity = aws_wiring.team_identity(stack, storage)
    aws_wiring.team_desktops(stack, hosts, storage, identity)
    aws_wiring.team_budget(stack)
    cluster = k8s_wiring.team_kubernetes(stack, identity)
    if cluster is not None:
        k8s_wiring.team_gpu(stack, cluster)
    k8s_wiring.team_spark(stack, cluster, storage, identity)  # EMR needs no cluster
    if cluster is not None:
        k8s_wiring.team_notebooks(stack, cluster, storage, identity)
        k8s_wiring.team_runners(stack, cluster)


def build_platform(stack: PlatformStack) -> None:
    """A platform stack: the network and people's identity provider, then the cluster."""
    network = aws_wiring.platform_network(stack)
    aws_wiring.platform_identity(stack)
    k8s_wiring.platform_cluster(stack, network)


def build(loaded: LoadedStack) -> None:
    """Create every resource of one stack (call inside a Pulumi program run)."""
    if loaded.kind == "team":
        req = loaded.team
        register_tagging(stack_tags(req.team, loaded.stack, req.cost_center))
        build_team(TeamStack.of(loaded))
        pulumi.export("team", req.team)
    else:
        req_p = loaded.platform
        register_tagging(stack_tags("platform", loaded.stack, req_p.cost_center))
        build_platform(PlatformStack.of(loaded))
        pulumi.export("environment", req_p.environment)
