"""The issue sync: its pure decision, and its REST calls against a fake GitHub API served
over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from infra.drift.ghissues import GitHub, main, plan_actions, report_from_json, sync
from infra.drift.model import DriftReport, Finding, StackReport
from infra.drift.render import render_json


def report(**statuses: str) -> DriftReport:
    stacks = []
    for name, status in statuses.items():
        stack = name.replace("_", "-")
        findings = [Finding(f"urn:pulumi:{stack}::teamstack::aws:s3/bucket:Bucket::b",
                            "aws:s3/bucket:Bucket", "tags", "drift", {"a": 1}, {"a": 2})] \
            if status == "drift" else []
        stacks.append(StackReport(stack, status, "AccessDenied" if status == "error" else "",
                                  findings))
    return DriftReport(stacks)


def test_open_update_close_and_leave_alone() -> None:
    actions = plan_actions(report(nlp_prod="drift", cv_prod="drift", bi_prod="clean",
                                  ml_prod="error", ops_prod="clean"),
                           {"cv-prod": 7, "bi-prod": 9, "ml-prod": 11}, "https://run/1")
    assert [(a.kind, a.stack, a.number) for a in actions] == [
        ("close", "bi-prod", 9), ("update", "cv-prod", 7), ("open", "nlp-prod", None)]
    assert "https://run/1" in actions[2].body and "| drift |" in actions[2].body


class FakeGitHub(BaseHTTPRequestHandler):
    issues: dict[int, dict[str, Any]] = {}
    calls: list[tuple[str, str]] = []

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", 0))
        return json.loads(self.rfile.read(length)) if length else {}

    def do_GET(self) -> None:
        assert self.headers["Authorization"] == "Bearer t0ken"
        self.calls.append(("GET", self.path))
        self._answer(200, [{"number": n, **i} for n, i in self.issues.items()
                           if i["state"] == "open" and "drift" in i["labels"]])

    def do_POST(self) -> None:
        body = self._body()
        self.calls.append(("POST", self.path))
        if self.path.endswith("/issues"):
            number = max(self.issues, default=0) + 1
            self.issues[number] = {"title": body["title"], "body": body["body"],
                                   "labels": body["labels"], "state": "open"}
            self._answer(201, {"number": number})
        else:
            self._answer(201, {"id": 1})

    def do_PATCH(self) -> None:
        body = self._body()
        self.calls.append(("PATCH", self.path))
        number = int(self.path.rsplit("/", 1)[-1])
        self.issues[number].update(body)
        self._answer(200, {"number": number})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_github() -> Iterator[str]:
    FakeGitHub.issues = {1: {"title": "Drift: cv-prod", "body": "old", "labels": ["drift"],
                             "state": "open"},
                         2: {"title": "Drift: bi-prod", "body": "old", "labels": ["drift"],
                             "state": "open"}}
    FakeGitHub.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitHub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_sync_against_a_fake_github(fake_github: str) -> None:
    github = GitHub("t0ken", "acme/infra", fake_github)
    sync(report(nlp_prod="drift", cv_prod="drift", bi_prod="clean"), github)
    issues = FakeGitHub.issues
    assert issues[2]["state"] == "closed"
    assert issues[1]["state"] == "open" and "| drift |" in issues[1]["body"]
    assert issues[3]["title"] == "Drift: nlp-prod" and issues[3]["labels"] == ["drift"]
    # A second night with the same report changes bodies only: no duplicate issue.
    sync(report(nlp_prod="drift", cv_prod="drift", bi_prod="clean"), github)
    assert len(issues) == 3


def test_summary_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "drift.json"
    original = report(nlp_prod="drift", ml_prod="error")
    path.write_text(render_json(original))
    assert render_json(report_from_json(json.loads(path.read_text()))) == render_json(original)
    assert main(["summary", str(path)]) == 0
    assert "## Drift report" in capsys.readouterr().out
    path.write_text("[")
    assert main(["summary", str(path)]) == 1
    assert "not a drift report" in capsys.readouterr().err
