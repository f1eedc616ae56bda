"""The one pull-request comment: found by a hidden marker, rewritten on every push.

The trusted run writes the top of the comment itself: the "changes code" banner cannot be
removed by a pull request, and figures computed by a pull request's own code are quoted under
a heading that says so, never presented as the verdict.
"""

from __future__ import annotations

from pathlib import Path

from infra.plan.render import to_markdown
from infra.review.engine import Review

MARKER = "<!-- teamstack-review -->"
CODE_BANNER = "changes code: needs the platform owners' review"
# GitHub refuses comments over 65,536 characters; leave room for the trusted part.
MAX_UNTRUSTED = 40_000


def _affected_table(outcome: Review) -> list[str]:
    changes = outcome.sides.changes
    if not changes.deploy and not changes.destroy:
        return ["No stack is affected by this change.", ""]
    lines = ["| stack | kind | why |", "|---|---|---|"]
    lines += [f"| {a.stack} | {a.kind} | {a.reason} |" for a in changes.deploy]
    lines += [f"| {a.stack} | {a.kind} | **deleted**: listed for `pulumi destroy` review; "
              "never destroyed automatically |" for a in changes.destroy]
    return [*lines, ""]


def render(outcome: Review, *, untrusted: str | None = None, head_label: str = "") -> str:
    """The comment body. ``untrusted``: the Markdown a pull request's own code produced."""
    changes = outcome.sides.changes
    head = head_label or outcome.sides.head_commit[:12]
    lines = [MARKER, "## teamstack review", ""]
    if changes.other_files:
        shown = ", ".join(f"`{p}`" for p in changes.other_files[:8])
        more = f" and {len(changes.other_files) - 8} more" if len(changes.other_files) > 8 else ""
        lines += [f"> [!WARNING]\n> **{CODE_BANNER}.** This pull request changes {shown}{more}.",
                  ""]
    if outcome.trusted:
        lines += [f"Verdict computed by the **base branch's code** from the stack files of "
                  f"`{head}`, read as data (base `{outcome.sides.base_commit[:12]}`).", ""]
    else:
        lines += [f"Computed by the code of `{head}` itself.", ""]
    lines += ["### Affected stacks", "", *_affected_table(outcome)]
    lines += ["### Validation", ""]
    if outcome.problems:
        lines += [f"❌ {len(outcome.problems)} problem(s):", "", "```"]
        lines += [str(p) for p in outcome.problems]
        lines += ["```", ""]
    else:
        lines += [f"✅ {len(outcome.planned)} affected stack file(s) valid.", ""]
    if outcome.report is not None:
        body = to_markdown(outcome.report).split("\n", 2)[-1]
        lines += [body.rstrip(), ""]
    if untrusted is not None:
        lines += ["---", "", "### Figures computed by the pull request's own code", "",
                  "> Not a verdict: this part was produced by the code this pull request "
                  "changes, in a read-only job. The platform owners review that code.", "",
                  _quote_untrusted(untrusted), ""]
    return "\n".join(lines)


def _quote_untrusted(text: str) -> str:
    """The untrusted Markdown without our marker (it must not capture the comment) and cut."""
    text = text.replace(MARKER, "")
    if len(text) > MAX_UNTRUSTED:
        text = text[:MAX_UNTRUSTED] + "\n\n… (cut: too long for a comment)"
    return text


def read_untrusted(path: Path | None) -> str | None:
    if path is None:
        return None
    if not path.is_file():
        return "_The read-only run produced no report (it failed or was cancelled)._"
    return path.read_text(encoding="utf-8", errors="replace")
