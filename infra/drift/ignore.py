"""``.teamstack/driftignore.yaml``: findings a team has decided to live with, for a while.

Each entry names a stack (glob), a resource (its URN, or ``TYPE::NAME`` with globs) and a field
(glob), with a reason and an expiry date. A matching finding is reported as ``ignored`` (it
does not fail the run); an expired entry is itself reported and fails the run, so nothing is
ignored forever by accident::

    ignore:
      - stack: vision-prod
        resource: "aws:s3/bucketLogging:BucketLogging::storage-*"
        field: targetPrefix
        reason: log prefix moved by the security team, INC-4711
        expires: 2027-01-31
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from infra.drift.model import Finding
from infra.errors import UserError

FIELDS = {"stack", "resource", "field", "reason", "expires"}


@dataclass(frozen=True)
class IgnoreEntry:
    stack: str
    resource: str
    field: str
    reason: str
    expires: dt.date
    line: int

    def matches(self, stack: str, finding: Finding) -> bool:
        if not fnmatchcase(stack, self.stack) or not fnmatchcase(finding.field, self.field):
            return False
        name = finding.urn.rsplit("::", 1)[-1]
        return (fnmatchcase(finding.urn, self.resource)
                or fnmatchcase(f"{finding.type}::{name}", self.resource))


def _problem(path: Path, line: int, field: str, message: str) -> UserError:
    return UserError(f"{path}:{line}: error: {field}: {message}")


def load(path: Path) -> list[IgnoreEntry]:
    """The entries of ``path`` (none if it does not exist); UserError naming file, line, field."""
    if not path.exists():
        return []
    try:
        data = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise _problem(path, line, "ignore", f"not valid YAML ({getattr(exc, 'problem', exc)})") \
            from exc
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("ignore", []), list):
        raise _problem(path, 1, "ignore", "expected a mapping with a list under 'ignore'")
    entries = []
    for index, item in enumerate(data.get("ignore") or []):
        line = data["ignore"].lc.item(index)[0] + 1
        where = f"ignore[{index}]"
        if not isinstance(item, dict):
            raise _problem(path, line, where, "expected a mapping")
        unknown = sorted(set(item) - FIELDS)
        if unknown:
            raise _problem(path, line, f"{where}.{unknown[0]}",
                           f"unknown field; expected: {', '.join(sorted(FIELDS))}")
        for required in ("resource", "reason", "expires"):
            if not item.get(required):
                raise _problem(path, line, f"{where}.{required}", "required")
        expires: Any = item["expires"]
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                expires = None
        if not isinstance(expires, dt.date):
            raise _problem(path, line, f"{where}.expires", "expected a date YYYY-MM-DD")
        entries.append(IgnoreEntry(str(item.get("stack") or "*"), str(item["resource"]),
                                   str(item.get("field") or "*"), str(item["reason"]),
                                   expires, line))
    return entries


def apply(stack: str, findings: list[Finding], entries: list[IgnoreEntry],
          today: dt.date, source: str) -> list[Finding]:
    """Findings with ignored ones re-classed, plus one finding per expired entry of ``stack``."""
    live = [e for e in entries if e.expires >= today]
    result = []
    for finding in findings:
        entry = next((e for e in live if e.matches(stack, finding)), None)
        if entry is not None and finding.klass not in ("expected", "unverifiable"):
            finding = Finding(finding.urn, finding.type, finding.field, "ignored",
                              finding.state, finding.live, finding.code, finding.owner,
                              f"{finding.klass}, ignored until {entry.expires}: {entry.reason}")
        result.append(finding)
    for entry in entries:
        if entry.expires < today and fnmatchcase(stack, entry.stack):
            result.append(Finding(f"{source}:{entry.line}", "driftignore", entry.field,
                                  "expired-ignore", note=f"expired {entry.expires}: "
                                  f"{entry.resource} ({entry.reason}); renew or remove it"))
    return result
