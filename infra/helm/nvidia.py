"""Values of the ``nvidia-device-plugin`` chart (https://nvidia.github.io/k8s-device-plugin)."""

from __future__ import annotations

from infra.helm.base import Affinity, ChartRef, Toleration, Values

CHART = ChartRef("nvidia-device-plugin", "https://nvidia.github.io/k8s-device-plugin")


class Toggle(Values):
    enabled: bool


class DevicePluginValues(Values):
    affinity: Affinity
    tolerations: list[Toleration]
    priority_class_name: str = "system-node-critical"
    gfd: Toggle = Toggle(enabled=False)
    nfd: Toggle = Toggle(enabled=False)
