"""The promises of ``teamstack trace collect`` (``infra/simulate/collect.py``) that need a
server to answer in ways a healthy Prometheus does not: a real HTTP server on 127.0.0.1
stands in for Prometheus's ``/api/v1/query_range`` and answers what each test sets. (The
round trip against a real Prometheus is ``tests/integration/test_trace_collect.py``.)

* ``--since`` is a positive duration; anything else is refused with one exact message.
* Every failure of the server is one line naming the server and what went wrong: the
  connection error, the HTTP status with the query and the server's text, the API's error
  type and text, or that the answer was not API JSON. An answer with no series is "no
  series", never a traceback; series that name no pod are left out.
* The window is read in pages of at most ``WINDOW_S`` that evaluate every step from start
  to end once, ``end`` included.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from infra.cli import main
from infra.errors import UserError
from infra.simulate import collect
from infra.simulate.collect import parse_since

NAMESPACE = "ml"
UNTIL = 1_000_000
CREATED_QUERY = 'max by (pod) (last_over_time(kube_pod_created{namespace="ml"}[60s]))'


@dataclass
class StandIn:
    """What the stand-in answers: ``answer(query) -> (HTTP status, body bytes)``."""

    url: str
    answer: Callable[[str], tuple[int, bytes]]
    windows: list[tuple[str, float, float]] = field(default_factory=list)


def _series(pod: str | None, value: float, *, metric: bool = True) -> dict[str, Any]:
    series: dict[str, Any] = {"values": [[UNTIL - 60, "0"], [UNTIL, str(value)]]}
    if metric:
        series["metric"] = {} if pod is None else {"pod": pod}
    return series


def _ok(result: list[dict[str, Any]]) -> tuple[int, bytes]:
    return 200, json.dumps({"status": "success", "data": {"resultType": "matrix",
                                                          "result": result}}).encode()


# A namespace's history as Prometheus would sum it: pod a (2 GPUs) ran 90 s, pod b (1 GPU)
# is still running, pod cpu asked for no GPU. Series that name no pod are noise.
NO_POD = [_series(None, 7.0), _series(None, 7.0, metric=False),
          {"metric": {"pod": "empty"}, "values": []}]
WORLD = {
    "kube_pod_created": [_series("a", 1000), _series("b", 1005), _series("cpu", 1003)],
    "kube_pod_container_resource_requests": [_series("a", 2), _series("b", 1)],
    "kube_pod_start_time": [_series("a", 1010), _series("b", 1020), _series("cpu", 1004)],
    "kube_pod_completion_time": [_series("a", 1100), _series("cpu", 1050)],
}


def _world(query: str) -> tuple[int, bytes]:
    metric = next(name for name in WORLD if name + "{" in query)
    return _ok(WORLD[metric] + NO_POD)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    state = StandIn(url="", answer=_world)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            params = dict(urllib.parse.parse_qsl(parts.query))
            assert parts.path == "/api/v1/query_range"
            state.windows.append((params["query"], float(params["start"]),
                                  float(params["end"])))
            status, body = state.answer(params["query"])
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _collect(url: str, since: str = "1h", *extra: str) -> list[str]:
    return ["trace", "collect", "--prometheus", url, "--namespace", NAMESPACE, "--since", since,
            "--until", str(UNTIL), *extra]


@pytest.mark.parametrize(("text", "seconds"), [
    ("30d", 2_592_000.0), ("12h", 43_200.0), ("90m", 5_400.0), ("2w", 1_209_600.0),
    ("3600s", 3_600.0), ("1.5h", 5_400.0), (" 2d ", 172_800.0), ("0.5s", 0.5),
])
def test_since_is_a_duration_in_seconds(text, seconds):
    assert parse_since(text) == seconds


@pytest.mark.parametrize("text", ["0d", "0.0h", "0s", "-1d", "soon", "30", "30y", "", "1d2h"])
def test_since_refuses_what_is_not_a_positive_duration(text):
    with pytest.raises(UserError) as error:
        parse_since(text)
    assert str(error.value) == (f"--since {text!r}: expected a positive duration such as "
                                "30d, 12h or 90m")


def test_the_trace_is_the_gpu_pods_with_times_from_the_first_creation(stand_in, tmp_path,
                                                                      capsys):
    out = tmp_path / "trace.csv"
    assert main([*_collect(stand_in.url), "--output", str(out)]) == 0
    assert out.read_text() == ("job_id,submit_time_s,start_time_s,duration_s,num_gpus\n"
                               "a,0,10,90,2\nb,5,20,,1\n")
    assert capsys.readouterr().err == (
        "2 GPU pods from namespace ml (1 completed; the others have no duration and are "
        "skipped by the replay)\n")


# (HTTP status and body the stand-in answers, exit code, stderr after "URL")
FAILURES = [
    pytest.param(
        200, b'{"status": "error", "errorType": "bad_data", "error": "parse error at 5"}', 2,
        "teamstack: error: Prometheus at {url}: bad_data: parse error at 5\n",
        id="api-error-type-and-text"),
    pytest.param(200, b'{"hello": "world"}', 2,
                 "teamstack: error: Prometheus at {url}: error: query failed\n",
                 id="json-that-is-not-the-api"),
    pytest.param(200, b"<html>login</html>", 2,
                 "teamstack: error: {url} did not answer with Prometheus API JSON\n",
                 id="not-json"),
    pytest.param(200, b"[]", 2,
                 "teamstack: error: {url} did not answer with Prometheus API JSON\n",
                 id="json-but-not-an-object"),
    pytest.param(200, b"\xff\xfe{}", 2,
                 "teamstack: error: {url} did not answer with Prometheus API JSON\n",
                 id="not-utf-8"),
    pytest.param(400, b'{"status":"error","error":"bad query"}', 2,
                 "teamstack: error: Prometheus at {url} answered HTTP 400 to "
                 + repr(CREATED_QUERY) + ': {"status":"error","error":"bad query"}\n',
                 id="http-status-names-the-query-and-the-servers-text"),
    pytest.param(200, b'{"status": "success", "data": {}}', 1,
                 "no kube_pod_created series for namespace 'ml' at {url} in the window "
                 "asked: is kube-state-metrics scraped, and is the namespace right?\n",
                 id="success-without-result-is-no-series"),
    pytest.param(200, b'{"status": "success", "data": []}', 2,
                 "teamstack: error: {url} did not answer with Prometheus API JSON\n",
                 id="success-with-data-not-an-object"),
    pytest.param(200, b'{"status": "success", "data": {"result": 3}}', 2,
                 "teamstack: error: {url} did not answer with Prometheus API JSON\n",
                 id="success-with-result-not-a-list"),
]


@pytest.mark.parametrize(("status", "body", "code", "message"), FAILURES)
def test_a_server_failure_is_one_line_naming_it(stand_in, capsys, status, body, code,
                                                message):
    stand_in.answer = lambda query: (status, body)
    assert main(_collect(stand_in.url)) == code
    captured = capsys.readouterr()
    assert captured.err == message.replace("{url}", stand_in.url)
    assert captured.out == ""


def test_an_unreachable_server_is_named_with_the_reason(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, not listening: refused
        assert main(_collect(url)) == 2
    assert capsys.readouterr().err == (f"teamstack: error: cannot reach Prometheus at {url}: "
                                       "[Errno 111] Connection refused\n")


@pytest.mark.parametrize(("since", "window_s", "expected"), [
    # One window when the span fits.
    ("1h", 5 * 86400.0, [(UNTIL - 3600, UNTIL)]),
    # Pages ending exactly one step before the end: the end is a window of its own.
    ("2h", 3540.0, [(UNTIL - 7200, UNTIL - 3660), (UNTIL - 3600, UNTIL - 60),
                    (UNTIL, UNTIL)]),
    # Otherwise the last page ends at the end.
    ("100m", 3540.0, [(UNTIL - 6000, UNTIL - 2460), (UNTIL - 2400, UNTIL)]),
])
def test_pages_evaluate_every_step_from_start_to_end_once(stand_in, monkeypatch, since,
                                                          window_s, expected):
    monkeypatch.setattr(collect, "WINDOW_S", window_s)
    assert main(_collect(stand_in.url, since, "--output", "/dev/null")) == 0
    by_metric: dict[str, list[tuple[float, float]]] = {}
    for query, start, end in stand_in.windows:
        metric = next(name for name in WORLD if name + "{" in query)
        by_metric.setdefault(metric, []).append((start, end))
    assert by_metric == {metric: expected for metric in WORLD}
