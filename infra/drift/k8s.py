"""Kubernetes drift from ``metadata.managedFields``: who last wrote each field decides.

A field declared in state whose live value differs is ``expected`` when its last writer is a
controller that owns it at run time (the HPA through the ``scale`` subresource, Karpenter, the
runner scale-set controller, teamstack's own schedules) and the field is runtime-owned for that
resource (the profile's markers or ignoreChanges); it is ``drift`` when the last writer is a
person's tool (``kubectl-edit``, ``kubectl-patch``, a client-side apply) or anything else.
``managedFields`` is the documented FieldsV1 shape: ``{"f:spec": {"f:replicas": {}}}``, list
items keyed ``k:{...}`` or ``v:...``.

Reading the objects (``read_live``) uses the official client's dynamic API, one LIST per kind
and namespace, when a kubeconfig is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra.drift.model import Finding
from infra.drift.normalize import same
from infra.drift.owners import owner_of
from infra.drift.state import contains_secret

# Field managers of the controllers that move fields at run time.
CONTROLLERS: dict[str, str] = {
    "kube-controller-manager": "autoscaler",  # the HPA writes replicas through /scale
    "karpenter": "autoscaler",
    "gha-runner-scale-set-controller": "autoscaler",
    "teamstack-schedule": "schedule",  # infra/components/k8s/scheduled.py
}
HUMAN_MANAGERS = ("kubectl-edit", "kubectl-patch", "kubectl-client-side-apply", "kubectl",
                  "kubectl-scale", "kubectl-label", "kubectl-annotate")


def _walk(fields: dict[str, Any], prefix: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    for key, child in fields.items():
        if key == ".":
            continue
        part = key[2:] if key.startswith("f:") else key
        path = (*prefix, part)
        if isinstance(child, dict) and any(k != "." for k in child):
            yield from _walk(child, path)
        else:
            yield path


def field_writers(obj: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Dotted field path -> {manager, operation, subresource} of its last writer."""
    writers: dict[str, dict[str, str]] = {}
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    for entry in sorted(entries, key=lambda e: str(e.get("time", ""))):
        for path in _walk(entry.get("fieldsV1") or {}, ()):
            writers[".".join(path)] = {"manager": str(entry.get("manager", "")),
                                       "operation": str(entry.get("operation", "")),
                                       "subresource": str(entry.get("subresource", ""))}
    return writers


def _leaves(value: Any, prefix: str) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict) and value and not contains_secret(value):
        for key, child in value.items():
            yield from _leaves(child, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def classify_object(urn: str, type_: str, declared: dict[str, Any], live: dict[str, Any] | None,
                    ignore_changes: tuple[str, ...] = ()) -> list[Finding]:
    """Findings for one object: ``declared`` is its state inputs, ``live`` the API's answer."""
    if live is None:
        return [Finding(urn, type_, "", "missing", note="in state, gone from the cluster")]
    writers = field_writers(live)
    findings = []
    for section in ("spec", "data", "rules", "subjects", "roleRef"):
        for path, state_value in _leaves(declared.get(section), section):
            if state_value is None:
                continue
            if contains_secret(state_value):
                findings.append(Finding(urn, type_, path, "unverifiable", "[secret]", "[secret]"))
                continue
            live_value = _get(live, path)
            if same(state_value, live_value):
                continue
            writer = writers.get(path, {})
            manager = writer.get("manager", "")
            owned = owner_of(type_, path, ignore_changes)
            klass = "expected" if owned and manager in CONTROLLERS else "drift"
            who = manager + (f" ({writer['subresource']})" if writer.get("subresource") else "")
            findings.append(Finding(urn, type_, path, klass, state_value, live_value,
                                    owner=owned, note=f"last written by {who or 'unknown'}"))
    return findings


def _plural(kind: str) -> str:
    lower = kind.lower()
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    if lower.endswith(("s", "x")):
        return lower + "es"
    return lower + "s"


def _address(type_: str) -> tuple[str, str] | None:
    """``kubernetes:apps/v1:Deployment`` -> (``/apis/apps/v1``, ``Deployment``)."""
    parts = type_.split(":")
    if len(parts) != 3 or parts[0] != "kubernetes" or "/" not in parts[1]:
        return None
    group, version = parts[1].rsplit("/", 1)
    if group == "helm.sh":
        return None  # a Helm release is not an API object
    base = f"/api/{version}" if group == "core" else f"/apis/{group}/{version}"
    return base, parts[2]


class ClusterReader:
    """Reads a stack's Kubernetes objects through the official client: one LIST per kind and
    namespace (``GET /apis/<group>/<version>/namespaces/<ns>/<plural>``), whatever the number
    of objects."""

    def __init__(self, api_client: Any) -> None:
        self.api = api_client
        self.calls = 0

    @classmethod
    def from_kubeconfig(cls, path: str, context: str | None = None) -> ClusterReader:
        from kubernetes import config

        return cls(config.new_client_from_config(config_file=path, context=context))

    def covers(self, type_: str) -> bool:
        return _address(type_) is not None

    def _list(self, path: str) -> dict[str, dict[str, Any]]:
        self.calls += 1
        answer = self.api.call_api(path, "GET", response_type="object",
                                   auth_settings=["BearerToken"], _return_http_data_only=True)
        return {str(i["metadata"]["name"]): i for i in (answer or {}).get("items", [])}

    def read(self, resources: list[Any], ignores: dict[str, tuple[str, ...]],
             ) -> dict[str, list[Finding]]:
        """URN -> findings; a LIST that fails makes its objects ``unknown``."""
        groups: dict[str, list[Any]] = {}
        for r in resources:
            address = _address(r.type)
            if address is None:
                continue
            meta = r.outputs.get("metadata") or r.inputs.get("metadata") or {}
            namespace = meta.get("namespace")
            scope = f"/namespaces/{namespace}" if namespace else ""
            groups.setdefault(f"{address[0]}{scope}/{_plural(address[1])}", []).append(r)
        result: dict[str, list[Finding]] = {}
        for path, members in sorted(groups.items()):
            try:
                items = self._list(path)
            except Exception as exc:
                reason = str(getattr(exc, "reason", "") or exc).splitlines()[0]
                for r in members:
                    result[r.urn] = [Finding(r.urn, r.type, "", "unknown", note=reason)]
                continue
            for r in members:
                meta = r.outputs.get("metadata") or r.inputs.get("metadata") or {}
                live = items.get(str(meta.get("name")))
                result[r.urn] = classify_object(r.urn, r.type, r.inputs, live,
                                                ignores.get(r.urn, r.ignore_changes))
        return result
