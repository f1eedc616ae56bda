"""A first stack request, written for a data scientist: commented, minimal, and valid.

The text is a template rather than a YAML dump so that every line can carry the comment a
first-time reader needs; the caller validates the result with the ordinary loader before
writing it, so a template that drifted from the schema can never be handed out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.errors import UserError

MEMBER = re.compile(r"^(?:(?P<name>[^:@\s]+):)?(?P<email>[^@\s:]+@[^@\s]+\.[^@\s]+)$")


@dataclass(frozen=True)
class NewTeam:
    team: str
    environment: str
    region: str
    platform_owners_org: str | None
    profile: str
    members: tuple[tuple[str, str], ...]  # (name, email)
    owners: tuple[str, ...]
    cost_center: str
    notify: tuple[str, ...]


def parse_member(text: str) -> tuple[str, str]:
    """``alice:alice@example.com`` or ``alice@example.com`` (user name from the address)."""
    match = MEMBER.match(text.strip())
    if not match:
        raise UserError(f"--members {text!r}: expected NAME:EMAIL or EMAIL, e.g. "
                        "alice:alice@example.com")
    email = match.group("email")
    name = match.group("name") or re.sub(r"[^a-z0-9_-]", "", email.split("@")[0].lower())
    return name, email


def _flow(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def render(req: NewTeam) -> str:
    """The stack file's text."""
    p = req.profile
    lines = [
        f"# The {req.environment} environment of team {req.team}, written by `teamstack new`.",
        "# Every field, its default and meaning: docs/request-reference.md. A section you leave",
        "# out creates nothing. Check your edits with `teamstack validate` before you commit.",
        "config:",
        f"  aws:region: {req.region}                # the region of your platform; keep it",
        "  teamstack:request:",
        f"    team: {req.team}",
        f"    environment: {req.environment}",
        f"    owners: {_flow(req.owners)}   # who approves changes to this file (CODEOWNERS)",
        f"    cost_center: {req.cost_center}   # tags every resource for the cost report",
        "    budget:",
        "      monthly_usd: 2000            # alerts at 50, 80 and 100 % of this, actual and "
        "forecast",
    ]
    if req.notify:
        lines.append(f"      notify: {_flow(req.notify)}")
    else:
        lines.append("      # notify: [\"lead@example.com\"]   # default: the members below")
    if req.members:
        lines += ["    members:                     # one desktop each; remove `desktop` for none"]
        lines += [f"      - {{name: {n}, email: {e}, desktop: cpu-small}}" for n, e in req.members]
        lines += [
            "    desktops:",
            "      schedule: business-hours     # or always-on, on-demand",
            "      timezone: UTC                # IANA name, e.g. Europe/Berlin",
            f"      profile: {p}",
        ]
    lines += [
        "    storage:",
        "      buckets:                     # encrypted, private; physical name "
        f"{req.team}-{req.environment}-<name>",
        "        - {name: datasets, versioning: true, archive_after_days: 180}",
        "        - {name: scratch, expire_after_days: 14}",
        "      shared_home_gib: 100         # the members' home directories (EFS)",
        "    notebooks:",
        f"      profile: {p}             # JupyterHub; the profile sets idle culling",
        "    # GPU capacity, scaled by the profile (see `teamstack profiles`):",
        f"    # gpu: {{profile: {p}, instance_types: [g5.xlarge], max_gpus: 4}}",
        "    # Spark through the Kubernetes operator, e.g. a nightly job:",
        "    # spark: {engine: operator, profile: scheduled-retrain, schedule: \"0 2 * * *\", "
        "max_executors: 20}",
        "    # Self-hosted GitHub Actions runners for your repositories:",
        f"    # ci_runners: {{github_org: {req.platform_owners_org or 'acme'}, repositories: "
        f"[{req.platform_owners_org or 'acme'}/{req.team}-models], profile: {p}, "
        "max_runners: 4}",
        "    toolchain:",
        "      python: \"3.12\"               # quoted: unquoted 3.10 would read as 3.1",
    ]
    return "\n".join(_align(line) for line in lines) + "\n"


def _align(line: str, column: int = 40) -> str:
    """Trailing comments start in one column, so the file reads as a form."""
    match = re.match(r"^(\s*[^\s#].*?)\s+(# .*)$", line)
    if not match or '"' in match.group(2):
        return line
    return f"{match.group(1):<{column - 1}} {match.group(2)}"
