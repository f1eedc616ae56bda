"""The drift report as JSON (sorted, stable), plain text, or Markdown (job summary, issues).

Values are shown as state and code and live hold them, except secrets, which are replaced
before anything is rendered (see ``classify``).
"""

from __future__ import annotations

import json
from typing import Any

from infra.drift.model import DriftReport, StackReport

ORDER = ("drift", "missing", "unmanaged", "pending", "unknown", "expired-ignore",
         "unverifiable", "expected", "ignored")


def render_json(report: DriftReport) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=True, default=str) + "\n"


def _short(value: Any, width: int = 60) -> str:
    if value is None:
        return "-"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= width else text[:width - 1] + "…"


def _counts(stack: StackReport) -> str:
    counts: dict[str, int] = {}
    for f in stack.findings:
        counts[f.klass] = counts.get(f.klass, 0) + 1
    return ", ".join(f"{counts[k]} {k}" for k in ORDER if k in counts) or "no findings"


def _coverage(stack: StackReport) -> str:
    skipped = sum(stack.not_compared.values())
    return f"{stack.compared} compared, {skipped} not compared"


def _sorted(stack: StackReport) -> list[Any]:
    return sorted(stack.findings, key=lambda f: (ORDER.index(f.klass) if f.klass in ORDER
                                                 else 99, f.urn, f.field))


def render_text(report: DriftReport) -> str:
    lines = []
    for stack in sorted(report.stacks, key=lambda s: s.stack):
        head = f"{stack.stack}: {stack.status}"
        if stack.reason:
            head += f" ({stack.reason})"
        lines.append(head)
        if stack.status in ("skipped", "error"):
            continue
        lines.append(f"  {_counts(stack)}; {_coverage(stack)}; {stack.api_calls} API calls")
        for f in _sorted(stack):
            name = f.urn.rsplit("::", 1)[-1]
            what = f"  {f.klass:<14} {f.type.rsplit(':', 1)[-1]} {name}"
            if f.field:
                what += f" .{f.field}"
            detail = []
            if f.klass in ("drift", "expected", "unverifiable"):
                detail.append(f"state {_short(f.state)} -> live {_short(f.live)}")
            if f.klass == "pending" and f.field:
                detail.append(f"state {_short(f.state)} -> code {_short(f.code)}")
            if f.owner:
                detail.append(f"owner {f.owner}")
            if f.note:
                detail.append(f.note)
            lines.append(what + (": " + "; ".join(detail) if detail else ""))
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return "`" + _short(value, 80).replace("|", "\\|").replace("`", "'") + "`" \
        if value is not None else ""


def render_markdown_stack(stack: StackReport) -> str:
    lines = [f"### {stack.stack}: {stack.status}", ""]
    if stack.reason:
        lines += [stack.reason, ""]
    if stack.status in ("skipped", "error"):
        return "\n".join(lines)
    lines += [f"{_counts(stack)}; {_coverage(stack)}; {stack.api_calls} API calls", ""]
    if stack.not_compared:
        types = ", ".join(f"`{t}` ({n})" for t, n in sorted(stack.not_compared.items()))
        lines += [f"Not compared: {types}", ""]
    if stack.findings:
        lines += ["| class | resource | field | state | live | code | owner / note |",
                  "|---|---|---|---|---|---|---|"]
        for f in _sorted(stack):
            name = f.urn.rsplit("::", 1)[-1]
            note = "; ".join(x for x in (f.owner, f.note) if x).replace("|", "\\|")
            lines.append(f"| {f.klass} | `{f.type.rsplit(':', 1)[-1]}` {name} | {f.field} | "
                         f"{_cell(f.state)} | {_cell(f.live)} | {_cell(f.code)} | {note} |")
        lines.append("")
    return "\n".join(lines)


def render_markdown(report: DriftReport) -> str:
    stacks = sorted(report.stacks, key=lambda s: s.stack)
    lines = ["## Drift report", "", "| stack | status | findings |", "|---|---|---|"]
    for s in stacks:
        lines.append(f"| {s.stack} | {s.status} | "
                     f"{s.reason if s.status in ('skipped', 'error') else _counts(s)} |")
    lines.append("")
    return "\n".join(lines + [render_markdown_stack(s) for s in stacks])


RENDERERS = {"json": render_json, "text": render_text, "markdown": render_markdown}
