"""Values of the kubeflow ``spark-operator`` chart (2.x, https://kubeflow.github.io/spark-operator)."""

from __future__ import annotations

from pydantic import Field

from infra.helm.base import ChartRef, Resources, Toleration, Values

CHART = ChartRef("spark-operator", "https://kubeflow.github.io/spark-operator")


class Create(Values):
    create: bool


class Controller(Values):
    replicas: int = Field(default=1, ge=1)
    workers: int = Field(default=10, ge=1)
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    resources: Resources | None = None


class Webhook(Values):
    enable: bool = True
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None


class Spark(Values):
    job_namespaces: list[str] = Field(
        description='Namespaces to watch; [""] watches all (team namespaces come and go).')
    service_account: Create
    rbac: Create


class Metrics(Values):
    enable: bool


class Prometheus(Values):
    metrics: Metrics


class SparkOperatorValues(Values):
    controller: Controller
    webhook: Webhook
    spark: Spark
    prometheus: Prometheus | None = None
