"""Turn what was read into findings, one per resource and field, by who owns the field.

live vs state decides ``drift``, ``expected`` (an owned field inside its bounds), ``missing``
and ``unknown``; code vs state decides ``pending``. A field whose state value is a Pulumi
secret is ``unverifiable`` and neither side's value is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from infra.drift.codemap import CodeMap
from infra.drift.live.base import MISSING, Compared, Result, Unknown
from infra.drift.model import REDACTED, Finding, StateResource
from infra.drift.normalize import canonical, get_path, same
from infra.drift.owners import BOUNDS, owner_of
from infra.drift.state import contains_secret
from infra.graph import SECRET_MARKER, Resource


def _shown(value: Any) -> Any:
    return REDACTED if contains_secret(value) else value


def _within(value: Any, low: Any, high: Any) -> bool:
    try:
        return float(low) <= float(value) <= float(high)
    except (TypeError, ValueError):
        return False


def live_findings(resource: StateResource, result: Result,
                  ignore_changes: tuple[str, ...]) -> list[Finding]:
    """Findings of one resource from its live read."""
    if result is MISSING:
        return [Finding(resource.urn, resource.type, "", "missing", state=resource.id,
                        note="in state, gone from the cloud")]
    if isinstance(result, Unknown):
        return [Finding(resource.urn, resource.type, "", "unknown", note=result.reason)]
    assert isinstance(result, Compared)
    findings = []
    for field, state, live in result.pairs:
        if contains_secret(state):
            findings.append(Finding(resource.urn, resource.type, field, "unverifiable",
                                    state=REDACTED, live=REDACTED,
                                    note="a secret in state is never decrypted"))
            continue
        if same(state, live):
            continue
        owner = owner_of(resource.type, field, ignore_changes)
        klass = "drift"
        if owner:
            klass = "expected"
            bounds = BOUNDS.get(field)
            if bounds:
                # The declared bounds: an autoscaler moves the size between the minimum
                # and maximum the code set, not between bounds someone raised by hand.
                low = get_path(resource.inputs, bounds[0])
                high = get_path(resource.inputs, bounds[1])
                if low is not None and high is not None and not _within(live, low, high):
                    klass = "drift"
        findings.append(Finding(resource.urn, resource.type, field, klass,
                                state=state, live=live, owner=owner))
    return findings


def _comparable_keys(inputs: dict[str, Any]) -> set[str]:
    return {k for k in inputs if not k.startswith("__")}


def pending_findings(state: Iterable[StateResource], code: Iterable[Resource],
                     codemap: CodeMap) -> list[Finding]:
    """code vs state: a change merged and not deployed (or a deploy that failed)."""
    state_by_urn = {s.urn: s for s in state if s.custom and not s.type.startswith("pulumi:")}
    code_by_urn = {c.urn: c for c in code if c.custom and not c.type.startswith("pulumi:")}
    findings = []
    for urn in sorted(set(code_by_urn) - set(state_by_urn)):
        c = code_by_urn[urn]
        findings.append(Finding(urn, c.type, "", "pending", note="in code, not deployed"))
    for urn in sorted(set(state_by_urn) - set(code_by_urn)):
        s = state_by_urn[urn]
        findings.append(Finding(urn, s.type, "", "pending", state=s.id,
                                note="removed from code, still deployed"))
    for urn in sorted(set(state_by_urn) & set(code_by_urn)):
        s, c = state_by_urn[urn], code_by_urn[urn]
        ignored = set(s.ignore_changes) | set(c.ignore_changes)
        defaults = set(s.inputs.get("__defaults") or [])
        for key in sorted(_comparable_keys(s.inputs) | _comparable_keys(c.inputs)):
            if key in ignored or (key not in c.inputs and key in defaults):
                continue
            code_value, complete = codemap.resolve(c.inputs.get(key))
            state_value = s.inputs.get(key)
            if not complete or _has_marker(code_value) or contains_secret(state_value):
                continue  # refers to what no state here holds, or a secret: not comparable
            if canonical(code_value) == canonical(state_value):
                continue
            findings.append(Finding(urn, s.type, key, "pending", state=_shown(state_value),
                                    code=code_value, note="code differs from state"))
    return findings


def _has_marker(value: Any) -> bool:
    if value == SECRET_MARKER:
        return True
    if isinstance(value, dict):
        return any(_has_marker(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_marker(v) for v in value)
    return False
