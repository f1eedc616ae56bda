"""``teamstack trace collect`` against a real Prometheus server holding a known history.

The session fixture writes a kube-state-metrics history (OpenMetrics text) for a set of pods
whose creation, start and completion times and GPU requests are known, backfills it with
``promtool tsdb create-blocks-from openmetrics`` into a fresh TSDB, and starts Debian's
``prometheus`` on 127.0.0.1 on a free port over that TSDB. The collector must give back
exactly the trace the history was made from. ``scripts/install-system-deps.sh`` installs
the package; the test fails (never skips) if the binaries are missing.
"""

from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from infra.cli import main
from infra.simulate.trace import load_trace

pytestmark = pytest.mark.integration

NAMESPACE = "ml-team"
SCRAPE_S = 30


@dataclass(frozen=True)
class PodHistory:
    name: str
    created: int
    started: int | None
    completed: int | None
    gpus: tuple[int, ...]  # per container; () = a CPU pod
    namespace: str = NAMESPACE


def _history(now: int) -> tuple[list[PodHistory], int]:
    base = (now - 2 * 86400) // 60 * 60
    end = base + 40 * 3600  # the history ends hours before now: all of it is in blocks
    pods = []
    for i in range(10):
        created = base + i * 3000 + 17
        started = created + 30 * (i % 4)
        pods.append(PodHistory(f"train-{i}", created, started, started + 600 + 900 * i,
                               ((1,), (2,), (8,), (1, 2))[i % 4]))
    pods.append(PodHistory("cpu-etl", base + 500, base + 560, base + 4000, ()))
    pods.append(PodHistory("still-running", base + 30 * 3600, base + 30 * 3600 + 90, None,
                           (4,)))
    pods.append(PodHistory("other-team", base + 100, base + 160, base + 900, (1,),
                           namespace="elsewhere"))
    return pods, end


def _openmetrics(pods: list[PodHistory], end: int) -> str:
    families: dict[str, list[str]] = {"kube_pod_created": [], "kube_pod_start_time": [],
                                      "kube_pod_completion_time": [],
                                      "kube_pod_container_resource_requests": []}
    for pod in pods:
        gone = min(end, (pod.completed or end) + 300)
        labels = f'namespace="{pod.namespace}",pod="{pod.name}",uid="u-{pod.name}"'
        times = range(pod.created, gone + 1, SCRAPE_S)
        families["kube_pod_created"] += [
            f"kube_pod_created{{{labels}}} {pod.created} {t}" for t in times]
        if pod.started is not None:
            families["kube_pod_start_time"] += [
                f"kube_pod_start_time{{{labels}}} {pod.started} {t}"
                for t in range(pod.started, gone + 1, SCRAPE_S)]
        if pod.completed is not None:
            families["kube_pod_completion_time"] += [
                f"kube_pod_completion_time{{{labels}}} {pod.completed} {t}"
                for t in range(pod.completed, gone + 1, SCRAPE_S)]
        for k, gpus in enumerate(pod.gpus):
            series = (f'{labels},container="c{k}",node="n1",resource="nvidia_com_gpu",'
                      f'unit="integer"')
            families["kube_pod_container_resource_requests"] += [
                f"kube_pod_container_resource_requests{{{series}}} {gpus} {t}"
                for t in times]
        if not pod.gpus:  # a CPU pod has CPU requests only
            series = f'{labels},container="c0",node="n1",resource="cpu",unit="core"'
            families["kube_pod_container_resource_requests"] += [
                f"kube_pod_container_resource_requests{{{series}}} 2 {t}" for t in times]
    lines = []
    for name, samples in families.items():
        lines.append(f"# TYPE {name} gauge")
        lines += samples
    return "\n".join([*lines, "# EOF", ""])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PrometheusServer:
    url: str
    pods: list[PodHistory]
    end: int


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    for binary in ("prometheus", "promtool"):
        assert shutil.which(binary), (f"{binary} is missing: run scripts/install-system-deps.sh "
                                      "(Debian package prometheus)")
    root = tmp_path_factory.mktemp("prometheus")
    pods, end = _history(int(time.time()))
    history = root / "history.om"
    history.write_text(_openmetrics(pods, end), encoding="utf-8")
    data = root / "data"
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", str(history),
                    str(data)], check=True, capture_output=True, timeout=300)
    config = root / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n", encoding="utf-8")
    port = _free_port()
    log = (root / "prometheus.log").open("w")
    process = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
         "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine starts it slowly
        while True:
            assert process.poll() is None, (root / "prometheus.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "prometheus did not become ready in 180 s"
            time.sleep(0.3)
        yield PrometheusServer(url, pods, end)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_collect_round_trips_a_known_trace(prometheus, tmp_path, capsys):
    out = tmp_path / "trace.csv"
    assert main(["trace", "collect", "--prometheus", prometheus.url, "--namespace", NAMESPACE,
                 "--since", "3d", "--until", str(prometheus.end + 600),
                 "--output", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    mine = [p for p in prometheus.pods if p.namespace == NAMESPACE and p.gpus]
    origin = min(p.created for p in mine)
    expected = sorted(
        ({"job_id": p.name, "submit_time_s": str(p.created - origin),
          "start_time_s": str(p.started - origin) if p.started is not None else "",
          "duration_s": str(p.completed - p.started) if p.completed is not None else "",
          "num_gpus": str(sum(p.gpus))} for p in mine),
        key=lambda r: (int(r["submit_time_s"]), r["job_id"]))
    assert rows == expected
    # The CPU pod and the other namespace's pod are not in the trace.
    assert capsys.readouterr().err.startswith("11 GPU pods from namespace ml-team (10 completed")
    trace = load_trace(out)  # what simulate reads: the running pod is skipped and noted
    assert len(trace) == 10
    assert sorted(trace.gpus) == sorted(float(sum(p.gpus)) for p in mine if p.completed)
    assert any("empty duration_s" in note for note in trace.notes)


def test_pagination_by_time_range_gives_the_same_trace(prometheus, tmp_path, monkeypatch):
    from infra.simulate import collect

    whole = tmp_path / "whole.csv"
    paged = tmp_path / "paged.csv"
    args = ["trace", "collect", "--prometheus", prometheus.url, "--namespace", NAMESPACE,
            "--since", "3d", "--until", str(prometheus.end + 600)]
    assert main([*args, "--output", str(whole)]) == 0
    calls = []
    real = collect.Prometheus.query_range

    def counting(self, query, start, end, step):
        calls.append((start, end))
        return real(self, query, start, end, step)

    monkeypatch.setattr(collect, "WINDOW_S", 7 * 3600.0)
    monkeypatch.setattr(collect.Prometheus, "query_range", counting)
    assert main([*args, "--output", str(paged)]) == 0
    assert paged.read_text() == whole.read_text()
    assert len(calls) >= 4 * 10  # four metrics, at least ten 7-hour windows over three days
    assert all(end - start <= 7 * 3600 for start, end in calls)


def test_absent_series_is_a_clear_error(prometheus, capsys):
    code = main(["trace", "collect", "--prometheus", prometheus.url, "--namespace", "nobody",
                 "--since", "3d", "--until", str(prometheus.end + 600)])
    err = capsys.readouterr().err
    assert code == 1
    assert "no kube_pod_created series for namespace 'nobody'" in err
    assert "Traceback" not in err


def test_unreachable_prometheus_is_exit_2(capsys):
    port = _free_port()  # nothing listens there
    code = main(["trace", "collect", "--prometheus", f"http://127.0.0.1:{port}",
                 "--namespace", NAMESPACE, "--since", "1d"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach Prometheus" in err and "Traceback" not in err


@pytest.mark.parametrize(("extra", "message"), [
    (["--since", "soon"], "--since 'soon'"),
    (["--namespace", "Bad_NS"], "not a Kubernetes namespace name"),
    (["--prometheus", "ftp://x"], "expected an http(s) URL"),
])
def test_bad_options_are_one_line_exit_1(prometheus, capsys, extra, message):
    args = {"--prometheus": prometheus.url, "--namespace": NAMESPACE, "--since": "3d"}
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        args[flag] = value
    code = main(["trace", "collect", *[x for kv in args.items() for x in kv]])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err
