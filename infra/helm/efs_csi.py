"""Values of the ``aws-efs-csi-driver`` chart (https://kubernetes-sigs.github.io/aws-efs-csi-driver)."""

from __future__ import annotations

from infra.helm.base import ChartRef, Toleration, Values

CHART = ChartRef("aws-efs-csi-driver", "https://kubernetes-sigs.github.io/aws-efs-csi-driver/")


class ServiceAccount(Values):
    create: bool = True
    name: str


class Controller(Values):
    service_account: ServiceAccount
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None


class Node(Values):
    service_account: ServiceAccount | None = None
    tolerations: list[Toleration]


class EfsCsiValues(Values):
    controller: Controller
    node: Node
