"""Values of the ``karpenter`` chart (v1.x, oci://public.ecr.aws/karpenter/karpenter)."""

from __future__ import annotations

from pydantic import Field

from infra.helm.base import ChartRef, Resources, Toleration, Values

CHART = ChartRef("oci://public.ecr.aws/karpenter/karpenter")


class Settings(Values):
    cluster_name: str
    cluster_endpoint: str | None = None
    interruption_queue: str = Field(description="SQS queue of spot/health/state events.")


class ServiceAccount(Values):
    create: bool = True
    name: str


class Controller(Values):
    resources: Resources


class KarpenterValues(Values):
    settings: Settings
    service_account: ServiceAccount
    replicas: int = Field(default=2, ge=1)
    controller: Controller
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    log_level: str = "info"
