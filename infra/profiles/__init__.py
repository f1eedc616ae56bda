"""Workload profiles: one word that sets coherent autoscaling and idle policies on every layer.

Interface (pure Python; nothing here imports Pulumi)::

    from infra.profiles import PROFILE_NAMES, resolve, PolicyBundle

    bundle = resolve("experiment", request)   # request may be None: catalog defaults
    bundle.karpenter.consolidate_after         # "10m"  -- plain values, frozen dataclasses
    bundle.reason("karpenter", "consolidate_after")   # its one-line reason
    bundle.runtime_owned_fields()              # {"asg": ["desired_capacity"], ...}
    bundle.ignore_changes("aws:autoscaling/group:Group")  # ["desiredCapacity", ...]
    bundle.for_layer("karpenter")              # LayerPolicy: what a component receives

Layers: ``karpenter`` (GPU NodePool), ``asg`` (EC2 Auto Scaling groups), ``spark`` (dynamic
allocation, EMR managed scaling and auto-termination), ``notebooks`` (JupyterHub culling),
``desktops`` (idle stop, start/stop schedule) and ``ci_runners`` (runner scale-set bounds and
warm floor). Each layer's fields are documented on its dataclass in ``model.py``.

From the request, ``resolve`` reads only these optional attributes (with ``getattr``):
``desktops.timezone``, ``desktops.schedule``, ``gpu.max_gpus``, ``gpu.instance_types``,
``spark.max_executors``, ``spark.schedule``, ``ci_runners.max_runners``. A value taken from
the request says so in its reason.

Fields that an autoscaler or a schedule owns at run time are listed by
``bundle.runtime_owned()`` (layer, field, owner, resource type token, resource property, why):
components put the properties in ``ignore_changes``; drift reports their movement as expected.
A component receives one layer as a ``LayerPolicy`` (``bundle.for_layer(name)``): the layer's
settings and its runtime-owned fields, so every component reads policy the same way.
"""

from infra.profiles.catalog import CATALOG
from infra.profiles.model import (
    LAYERS,
    LayerPolicy,
    PolicyBundle,
    RuntimeOwned,
    duration_seconds,
)
from infra.profiles.resolve import resolve

PROFILE_NAMES: tuple[str, ...] = (
    "interactive",
    "experiment",
    "scheduled-retrain",
    "adhoc-training",
    "service",
)

__all__ = [
    "CATALOG",
    "LAYERS",
    "PROFILE_NAMES",
    "LayerPolicy",
    "PolicyBundle",
    "RuntimeOwned",
    "duration_seconds",
    "resolve",
]
