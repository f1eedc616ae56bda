"""Parse a Pulumi checkpoint (versions 3 and 4) into plain ``StateResource`` records.

Shape (pulumi sdk/go/common/apitype): ``{"version": 3|4, "features": [...] (v4),
"checkpoint": {"stack", "config", "latest": {"manifest", "secrets_providers", "resources":
[ResourceV3...], "pending_operations": [...]}}}``. Secret values keep their envelope
``{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": ...}``;
they are never decrypted here, only recognised.
"""

from __future__ import annotations

from typing import Any

from infra.drift.backend import StateUnavailable
from infra.drift.model import StateResource

SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270"
SUPPORTED_VERSIONS = (3, 4)


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG_VALUE


def contains_secret(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def parse_checkpoint(document: dict[str, Any], stack: str) -> list[StateResource]:
    """Custom resources of the latest deployment; StateUnavailable if it cannot be trusted."""
    version = document.get("version")
    if version not in SUPPORTED_VERSIONS:
        raise StateUnavailable(f"checkpoint version {version!r} is not supported "
                               f"(expected one of {SUPPORTED_VERSIONS})")
    checkpoint = document.get("checkpoint")
    if not isinstance(checkpoint, dict):
        raise StateUnavailable("checkpoint: missing or not an object")
    latest = checkpoint.get("latest") or {}
    if not isinstance(latest, dict):
        raise StateUnavailable("checkpoint.latest: not an object")
    pending = latest.get("pending_operations") or []
    if pending:
        kinds = sorted({str(op.get("type", "?")) for op in pending if isinstance(op, dict)})
        raise StateUnavailable(f"{len(pending)} pending operation(s) ({', '.join(kinds)}): "
                               "an update was interrupted; run `pulumi refresh` or "
                               "`pulumi cancel` first", skipped=True)
    resources = latest.get("resources") or []
    if not isinstance(resources, list):
        raise StateUnavailable("checkpoint.latest.resources: not a list")
    result = []
    for index, item in enumerate(resources):
        if not isinstance(item, dict) or "urn" not in item or "type" not in item:
            raise StateUnavailable(f"checkpoint.latest.resources[{index}]: no urn or type")
        if item.get("delete"):  # pending deletion of a replaced resource
            continue
        result.append(StateResource(
            urn=str(item["urn"]), type=str(item["type"]), id=str(item.get("id") or ""),
            inputs=dict(item.get("inputs") or {}), outputs=dict(item.get("outputs") or {}),
            custom=bool(item.get("custom", False)),
            ignore_changes=tuple(item.get("ignoreChanges") or ()),
            parent=item.get("parent")))
    return result
