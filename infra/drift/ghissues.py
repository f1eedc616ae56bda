"""One GitHub issue per drifting stack: opened, updated while it drifts, closed when clean.

The nightly workflow runs ``python -m infra.drift.ghissues sync drift.json`` with the job's
``GITHUB_TOKEN`` (issues: write) and ``python -m infra.drift.ghissues summary drift.json`` to
write the Markdown report to the job summary. ``plan_actions`` is the whole decision, pure;
``GitHub`` is a thin REST client (urllib, no extra dependency).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.drift.model import DriftReport, Finding, StackReport
from infra.drift.render import render_markdown, render_markdown_stack

LABEL = "drift"
TITLE_PREFIX = "Drift: "


@dataclass(frozen=True)
class Action:
    kind: str  # "open" | "update" | "close"
    stack: str
    number: int | None = None
    body: str = ""


def report_from_json(doc: dict[str, Any]) -> DriftReport:
    stacks = []
    for s in doc.get("stacks", []):
        findings = [Finding(f["urn"], f["type"], f["field"], f["class"], f.get("state"),
                            f.get("live"), f.get("code"), f.get("owner", ""), f.get("note", ""))
                    for f in s.get("findings", [])]
        stacks.append(StackReport(s["stack"], s["status"], s.get("reason", ""), findings,
                                  s.get("coverage", {}).get("compared", 0),
                                  s.get("coverage", {}).get("not_compared", {}),
                                  s.get("api_calls", 0)))
    return DriftReport(stacks)


def plan_actions(report: DriftReport, open_issues: dict[str, int], run_url: str = "",
                 ) -> list[Action]:
    """What to do with each stack's issue. A stack that could not be read (error, skipped)
    keeps its issue as it is: not knowing is not the same as clean."""
    actions = []
    for stack in sorted(report.stacks, key=lambda s: s.stack):
        number = open_issues.get(stack.stack)
        if stack.status == "drift":
            body = render_markdown_stack(stack)
            if run_url:
                body += f"\nFound by the nightly drift check: {run_url}\n"
            actions.append(Action("update" if number else "open", stack.stack, number, body))
        elif stack.status == "clean" and number:
            where = f": {run_url}" if run_url else ""
            actions.append(Action("close", stack.stack, number,
                                  f"{stack.stack} is clean again{where}."))
    return actions


class GitHub:
    """The few REST calls the sync needs, against ``api_url`` (GitHub or a test server)."""

    def __init__(self, token: str, repo: str, api_url: str = "https://api.github.com") -> None:
        self.token, self.repo, self.api_url = token, repo, api_url.rstrip("/")

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"{self.api_url}/repos/{self.repo}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}",
                     "Accept": "application/vnd.github+json",
                     "X-GitHub-Api-Version": "2022-11-28", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = answer.read()
        return json.loads(data) if data else None

    def open_issues(self) -> dict[str, int]:
        found: dict[str, int] = {}
        page = 1
        while True:
            items = self._call("GET", f"/issues?state=open&labels={LABEL}&per_page=100&page={page}")
            for item in items:
                title = item.get("title", "")
                if title.startswith(TITLE_PREFIX) and "pull_request" not in item:
                    found[title[len(TITLE_PREFIX):]] = int(item["number"])
            if len(items) < 100:
                return found
            page += 1

    def apply(self, action: Action) -> None:
        if action.kind == "open":
            self._call("POST", "/issues", {"title": TITLE_PREFIX + action.stack,
                                           "body": action.body, "labels": [LABEL]})
        elif action.kind == "update":
            self._call("PATCH", f"/issues/{action.number}", {"body": action.body})
        else:
            self._call("POST", f"/issues/{action.number}/comments", {"body": action.body})
            self._call("PATCH", f"/issues/{action.number}", {"state": "closed",
                                                             "state_reason": "completed"})


def sync(report: DriftReport, github: GitHub, run_url: str = "") -> list[Action]:
    actions = plan_actions(report, github.open_issues(), run_url)
    for action in actions:
        github.apply(action)
    return actions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.drift.ghissues")
    parser.add_argument("command", choices=("sync", "summary"))
    parser.add_argument("report", type=Path, help="the JSON report of `teamstack drift`")
    args = parser.parse_args(argv)
    try:
        report = report_from_json(json.loads(args.report.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        print(f"{args.report}: error: not a drift report ({exc})", file=sys.stderr)
        return 1
    if args.command == "summary":
        sys.stdout.write(render_markdown(report))
        return 0
    token, repo = os.environ.get("GITHUB_TOKEN"), os.environ.get("GITHUB_REPOSITORY")
    if not token or not repo:
        print("ghissues: error: GITHUB_TOKEN and GITHUB_REPOSITORY must be set", file=sys.stderr)
        return 2
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    run_id = os.environ.get("GITHUB_RUN_ID")
    run_url = f"{server}/{repo}/actions/runs/{run_id}" if run_id else ""
    github = GitHub(token, repo, os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    for action in sync(report, github, run_url):
        print(f"{action.kind} issue for {action.stack}"
              + (f" (#{action.number})" if action.number else ""))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
