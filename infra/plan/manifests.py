"""Kubernetes manifests from a resource graph: what the plan would apply, as YAML documents.

Each Kubernetes object the program registers is recorded with the inputs the provider sends
to the API server (apiVersion, kind, metadata and the body), so a manifest is those inputs
minus nothing: no second description of the objects exists. Helm releases are not objects
(the chart renders them in the cluster) and are left out. Secret values never appear: a
Secret's data is replaced by an empty map and an annotation naming what was withheld.

Built-in objects are validated against the Kubernetes OpenAPI schemas (kubernetes-validate);
custom resources have no schema offline, so ``check_custom`` checks their apiVersion, kind and
the fields their CRDs require. Pure: no Pulumi.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from infra.graph import SECRET_MARKER, Resource, ResourceGraph

REDACTED_ANNOTATION = "teamstack.io/redacted"
BUILTIN_GROUPS = frozenset({
    "core", "apps", "batch", "autoscaling", "policy", "networking.k8s.io",
    "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "node.k8s.io",
    "apiextensions.k8s.io", "admissionregistration.k8s.io", "coordination.k8s.io",
    "discovery.k8s.io", "certificates.k8s.io", "events.k8s.io",
    "flowcontrol.apiserver.k8s.io"})
NOT_OBJECTS = frozenset({"helm.sh"})
_TYPE = re.compile(r"^kubernetes:(?P<group>[^/]+)/(?P<version>[^:]+):(?P<kind>\w+)$")


@dataclass(frozen=True)
class Manifest:
    resource: str  # the URN it came from
    builtin: bool
    body: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.body.get("apiVersion"))

    @property
    def kind(self) -> str:
        return str(self.body.get("kind"))

    @property
    def name(self) -> str:
        return str(self.body.get("metadata", {}).get("name"))

    @property
    def namespace(self) -> str | None:
        namespace = self.body.get("metadata", {}).get("namespace")
        return None if namespace is None else str(namespace)

    def file_name(self) -> str:
        parts = [self.kind.lower(), self.namespace or "cluster", self.name]
        return "-".join(re.sub(r"[^a-z0-9.-]", "-", p.lower()) for p in parts) + ".yaml"


def _withhold_secrets(body: dict[str, Any]) -> dict[str, Any]:
    withheld = [key for key in ("data", "stringData") if body.get(key) == SECRET_MARKER]
    if not withheld:
        return body
    body = {k: v for k, v in body.items() if k not in withheld}
    metadata = dict(body.get("metadata") or {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}),
                               REDACTED_ANNOTATION: ",".join(withheld)}
    body["metadata"] = metadata
    return body


def manifest_of(resource: Resource) -> Manifest | None:
    """The manifest of one recorded Kubernetes object; None for anything else."""
    match = _TYPE.match(resource.type)
    if not match or match["group"] in NOT_OBJECTS or not resource.custom:
        return None
    group = match["group"]
    api_version = match["version"] if group == "core" else f"{group}/{match['version']}"
    body = {"apiVersion": api_version, "kind": match["kind"],
            **{k: v for k, v in resource.inputs.items() if k not in ("apiVersion", "kind")}}
    return Manifest(resource.urn, group in BUILTIN_GROUPS, _withhold_secrets(body))


def manifests(graph: ResourceGraph) -> list[Manifest]:
    return [m for m in (manifest_of(r) for r in graph.resources) if m is not None]


def to_yaml(body: dict[str, Any]) -> str:
    out = StringIO()
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.dump(body, out)
    return out.getvalue()


def write(items: Iterable[Manifest], directory: Path) -> list[Path]:
    """One YAML file per object (``<kind>-<namespace>-<name>.yaml``); returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in items:
        path = directory / item.file_name()
        if path in paths:
            raise ValueError(f"two objects map to {path.name}")
        path.write_text(to_yaml(item.body), encoding="utf-8")
        paths.append(path)
    return paths


# --- custom resources ------------------------------------------------------------------------

_SPARK_APP = ("spec.type", "spec.sparkVersion", "spec.driver", "spec.executor")
# (apiVersion, kind) -> required paths; "a|b" means one of them.
CUSTOM_REQUIRED: dict[tuple[str, str], tuple[str, ...]] = {
    ("karpenter.sh/v1", "NodePool"): (
        "spec.template.spec.nodeClassRef.group", "spec.template.spec.nodeClassRef.kind",
        "spec.template.spec.nodeClassRef.name", "spec.template.spec.requirements"),
    ("karpenter.k8s.aws/v1", "EC2NodeClass"): (
        "spec.role|spec.instanceProfile", "spec.amiSelectorTerms", "spec.subnetSelectorTerms",
        "spec.securityGroupSelectorTerms"),
    ("sparkoperator.k8s.io/v1beta2", "SparkApplication"): _SPARK_APP,
    ("sparkoperator.k8s.io/v1beta2", "ScheduledSparkApplication"): (
        "spec.schedule", *(p.replace("spec.", "spec.template.", 1) for p in _SPARK_APP)),
    ("actions.github.com/v1alpha1", "AutoscalingRunnerSet"): (
        "spec.githubConfigUrl", "spec.githubConfigSecret", "spec.template.spec.containers"),
}


def _present(body: dict[str, Any], path: str) -> bool:
    node: Any = body
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return node not in (None, "", [], {})


def check_custom(body: dict[str, Any]) -> list[str]:
    """Problems of a custom resource: an unknown apiVersion/kind or a missing required field."""
    key = (str(body.get("apiVersion")), str(body.get("kind")))
    name = (body.get("metadata") or {}).get("name")
    required = CUSTOM_REQUIRED.get(key)
    if required is None:
        return [f"{key[1]} {name}: unknown custom resource {key[0]}/{key[1]}"]
    if not name:
        return [f"{key[1]}: metadata.name is missing"]
    return [f"{key[1]} {name}: {path.replace('|', ' or ')} is missing"
            for path in required if not any(_present(body, p) for p in path.split("|"))]
