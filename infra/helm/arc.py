"""Values of the actions-runner-controller charts: the controller and a runner scale set.

gha-runner-scale-set renders an ``AutoscalingRunnerSet`` (actions.github.com/v1alpha1) whose
spec takes ``githubConfigUrl``, ``githubConfigSecret``, ``minRunners``, ``maxRunners`` and the
runner pod ``template`` from these values; the checks on the recorded release read them here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from infra.helm.base import ChartRef, Resources, Toleration, Values

CONTROLLER_CHART = ChartRef(
    "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set-controller")
RUNNER_SET_CHART = ChartRef(
    "oci://ghcr.io/actions/actions-runner-controller-charts/gha-runner-scale-set")
# The runner image, pinned: its version decides which workflow features runners support.
RUNNER_IMAGE = "ghcr.io/actions/actions-runner:2.321.0"


class ServiceAccount(Values):
    create: bool = True
    name: str


class Flags(Values):
    log_level: Literal["debug", "info", "warn", "error"] = "info"
    log_format: Literal["text", "json"] = "json"


class ControllerValues(Values):
    replica_count: int = Field(default=1, ge=1)
    service_account: ServiceAccount
    flags: Flags = Flags()
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    resources: Resources | None = None


class ControllerServiceAccount(Values):
    namespace: str
    name: str


class SecurityContext(Values):
    run_as_non_root: bool = True
    run_as_user: int = 1001
    allow_privilege_escalation: bool = False
    read_only_root_filesystem: bool = False  # the runner writes its work tree under $HOME


class RunnerContainer(Values):
    name: Literal["runner"] = "runner"  # the controller looks the runner container up by name
    image: str = RUNNER_IMAGE
    command: list[str] = ["/home/runner/run.sh"]
    resources: Resources
    security_context: SecurityContext = SecurityContext()


class PodMetadata(Values):
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None


class RunnerPodSpec(Values):
    containers: list[RunnerContainer] = Field(min_length=1, max_length=1)
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    automount_service_account_token: bool = False  # jobs get no Kubernetes API credential


class RunnerTemplate(Values):
    metadata: PodMetadata | None = None
    spec: RunnerPodSpec


class RunnerSetValues(Values):
    github_config_url: str = Field(
        pattern=r"^https://github\.com/[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$",
        description="A repository, never an organisation: registered at the organisation, a "
                    "set takes jobs from every repository of it.")
    github_config_secret: str = Field(description="Name of a Secret in the release namespace "
                                                  "with the GitHub App credentials.")
    runner_scale_set_name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,44}$")
    min_runners: int = Field(ge=0)
    max_runners: int = Field(ge=1)
    controller_service_account: ControllerServiceAccount
    template: RunnerTemplate

    @model_validator(mode="after")
    def _bounds(self) -> RunnerSetValues:
        if self.min_runners > self.max_runners:
            raise ValueError(f"minRunners {self.min_runners} exceeds maxRunners "
                             f"{self.max_runners}")
        return self
