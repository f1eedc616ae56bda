"""What every builder of a stack starts from, typed: the request, names, the platform's outputs.

Builders take these and the typed results of earlier builders as arguments and return what
later builders need, so ``infra/program.py`` shows the order of wiring and a type checker
follows every value from the builder that made it to the builders that use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pulumi

from infra.components.base import Naming
from infra.request import PlatformRequest, TeamRequest
from infra.stackfile import LoadedStack, load


@lru_cache(maxsize=16)
def _platform_request(path: Path, mtime: float) -> PlatformRequest:
    result = load(path)
    if result.stack is None or result.stack.kind != "platform":
        raise ValueError(f"{path} is not a valid platform stack: "
                         + "; ".join(str(p) for p in result.problems))
    return result.stack.platform


class PlatformOutputs:
    """The outputs a team stack reads from its platform stack (``StackReference``), by name.

    One typed accessor per output the platform builders export, so that the contract between
    the two kinds of stack is written down once and a misspelt name fails type checking
    instead of at ``pulumi up``.
    """

    def __init__(self, stack_name: str) -> None:
        self.stack_name = stack_name
        self._reference = pulumi.StackReference(
            f"{pulumi.get_organization()}/{pulumi.get_project()}/{stack_name}")

    def _get(self, name: str) -> pulumi.Output[Any]:
        return self._reference.require_output(name)

    # network (infra.wiring.aws.platform_network)
    @property
    def vpc_id(self) -> pulumi.Output[str]:
        return self._get("vpc_id")

    @property
    def private_subnet_ids(self) -> pulumi.Output[list[str]]:
        return self._get("private_subnet_ids")

    @property
    def private_subnet_azs(self) -> pulumi.Output[list[str]]:
        return self._get("private_subnet_azs")

    @property
    def log_bucket(self) -> pulumi.Output[str]:
        return self._get("log_bucket")

    @property
    def access_cidrs(self) -> pulumi.Output[list[str]]:
        return self._get("access_cidrs")

    # people's identity provider (infra.wiring.aws.platform_identity)
    @property
    def people_idp_arn(self) -> pulumi.Output[str]:
        return self._get("people_idp_arn")

    @property
    def people_idp_type(self) -> pulumi.Output[str]:
        return self._get("people_idp_type")

    @property
    def people_idp_issuer(self) -> pulumi.Output[str]:
        return self._get("people_idp_issuer")

    @property
    def people_idp_audience(self) -> pulumi.Output[str]:
        return self._get("people_idp_audience")

    # cluster (infra.wiring.kubernetes.platform_cluster)
    @property
    def kubeconfig(self) -> pulumi.Output[str]:
        return self._get("kubeconfig")

    @property
    def cluster_name(self) -> pulumi.Output[str]:
        return self._get("cluster_name")

    @property
    def cluster_node_security_group_id(self) -> pulumi.Output[str]:
        return self._get("cluster_node_security_group_id")

    @property
    def gpu_node_class(self) -> pulumi.Output[str]:
        return self._get("gpu_node_class")

    @property
    def jupyterhub_namespace(self) -> pulumi.Output[str]:
        return self._get("jupyterhub_namespace")


@dataclass(frozen=True)
class TeamStack:
    """A team stack being built: its validated request, names, and its platform.

    ``platform`` holds the platform stack's outputs (values, known at deploy time);
    ``platform_request`` is the platform's stack file in this repository, read for what
    decides how many resources exist (zones, access ranges), since a program cannot branch on
    an output and the file is the reviewed source of the platform anyway.
    """

    loaded: LoadedStack
    request: TeamRequest
    region: str
    naming: Naming
    platform: PlatformOutputs

    @classmethod
    def of(cls, loaded: LoadedStack) -> TeamStack:
        request = loaded.team
        return cls(loaded=loaded, request=request, region=loaded.region,
                   naming=Naming(request.team, request.environment),
                   platform=PlatformOutputs(request.platform_stack))

    @property
    def stack(self) -> str:
        return self.loaded.stack

    @property
    def platform_request(self) -> PlatformRequest:
        """The request of the team's platform stack, from its file beside the team's."""
        path = self.loaded.path.parent / f"Pulumi.{self.request.platform_stack}.yaml"
        return _platform_request(path.resolve(), path.stat().st_mtime)


@dataclass(frozen=True)
class PlatformStack:
    """A platform stack being built: its validated request and names."""

    loaded: LoadedStack
    request: PlatformRequest
    region: str
    naming: Naming

    @classmethod
    def of(cls, loaded: LoadedStack) -> PlatformStack:
        request = loaded.platform
        return cls(loaded=loaded, request=request, region=loaded.region,
                   naming=Naming("platform", request.environment))

    @property
    def stack(self) -> str:
        return self.loaded.stack
