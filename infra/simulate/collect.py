"""Build a job trace from kube-state-metrics series through the Prometheus HTTP API.

A team's GPU job history already sits in Prometheus when kube-state-metrics is scraped:

* ``kube_pod_created``         pod creation time (unix seconds): the submit time;
* ``kube_pod_start_time``      when the pod was scheduled and started;
* ``kube_pod_completion_time`` when it completed (only for pods that finished);
* ``kube_pod_container_resource_requests{resource="nvidia_com_gpu"}``: GPUs per container,
  summed per pod (kube-state-metrics writes ``nvidia.com/gpu`` as ``nvidia_com_gpu``).

Each is read with ``query_range`` over ``--since``, cut into windows of at most
``WINDOW_S`` so no response exceeds Prometheus's 11,000 points per series; each query is
``last_over_time(metric[step])`` so a pod that lived between two steps is still seen. The
values are timestamps, so the last value seen for a pod is its figure. Pods without a GPU
request are left out (CPU pods); pods that have not completed get an empty ``duration_s``,
which ``load_trace`` skips and counts. Times are seconds from the earliest creation.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from infra.errors import ToolError, UserError

WINDOW_S = 86400.0 * 5  # 5 days at 60 s steps: 7,200 points per series per request
STEP_S = 60.0
GPU_RESOURCE = "nvidia_com_gpu"
_SINCE = re.compile(r"^(\d+(?:\.\d+)?)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def parse_since(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``2w`` or ``3600s`` in seconds."""
    match = _SINCE.match(text.strip())
    if not match or float(match.group(1)) <= 0:
        raise UserError(f"--since {text!r}: expected a positive duration such as 30d, 12h "
                        "or 90m")
    return float(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Pod:
    name: str
    created: float
    started: float | None
    completed: float | None
    gpus: float


class Prometheus:
    """The few HTTP API calls the collector needs (``/api/v1/query_range``)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlparse(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UserError(f"--prometheus {url!r}: expected an http(s) URL such as "
                            "http://prometheus:9090")
        self.url = url.rstrip("/")
        self.timeout = timeout

    def query_range(self, query: str, start: float, end: float, step: float) -> list[dict]:
        params = urllib.parse.urlencode({"query": query, "start": f"{start:.3f}",
                                         "end": f"{end:.3f}", "step": f"{step:g}"})
        request = urllib.request.Request(f"{self.url}/api/v1/query_range?{params}",
                                         headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise ToolError(f"Prometheus at {self.url} answered HTTP {exc.code} to "
                            f"{query!r}: {detail}") from None
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ToolError(f"cannot reach Prometheus at {self.url}: {reason}") from None
        except ValueError:  # not UTF-8, or not JSON
            body = None
        if not isinstance(body, dict):
            raise ToolError(f"{self.url} did not answer with Prometheus API JSON")
        if body.get("status") != "success":
            raise ToolError(f"Prometheus at {self.url}: {body.get('errorType', 'error')}: "
                            f"{body.get('error', 'query failed')}")
        data = body.get("data")
        result = data.get("result", []) if isinstance(data, dict) else None
        if not isinstance(result, list):
            raise ToolError(f"{self.url} did not answer with Prometheus API JSON")
        return result

    def last_values(self, metric: str, selector: str, start: float, end: float,
                    step: float = STEP_S, by: str = "pod") -> dict[str, float]:
        """The last value of ``metric{selector}`` per ``by`` label, paginated over time."""
        query = f"max by ({by}) (last_over_time({metric}{{{selector}}}[{step:g}s]))"
        found: dict[str, float] = {}
        for t, window_end in _windows(start, end, step):
            for series in self.query_range(query, t, window_end, step):
                key = series.get("metric", {}).get(by)
                values = series.get("values") or []
                if key is not None and values:
                    found[key] = float(values[-1][1])
        return found


def _windows(start: float, end: float, step: float) -> Iterator[tuple[float, float]]:
    """``[start, end]`` cut into query windows of at most ``WINDOW_S``, each starting one step
    after the previous one ends, so every step from ``start`` to ``end`` is evaluated once
    (``end`` included: the pods of the last minute count too)."""
    t = start
    while t <= end:
        window_end = min(end, t + WINDOW_S)
        yield t, window_end
        t = window_end + step


def collect_pods(prom: Prometheus, namespace: str, start: float, end: float) -> list[Pod]:
    """Every pod of ``namespace`` that requested a GPU between ``start`` and ``end``."""
    if not _NAMESPACE.match(namespace):
        raise UserError(f"--namespace {namespace!r}: not a Kubernetes namespace name")
    selector = f'namespace="{namespace}"'
    created = prom.last_values("kube_pod_created", selector, start, end)
    if not created:
        raise UserError(f"no kube_pod_created series for namespace {namespace!r} at "
                        f"{prom.url} in the window asked: is kube-state-metrics scraped, "
                        "and is the namespace right?")
    gpus = _sum_gpus(prom, selector, start, end)
    if not gpus:
        raise UserError(f"no kube_pod_container_resource_requests series with resource="
                        f"{GPU_RESOURCE!r} for namespace {namespace!r} at {prom.url}: no "
                        "pod there asked for nvidia.com/gpu in the window")
    started = prom.last_values("kube_pod_start_time", selector, start, end)
    completed = prom.last_values("kube_pod_completion_time", selector, start, end)
    pods = [Pod(name, created[name], started.get(name), completed.get(name), gpus[name])
            for name in sorted(created) if gpus.get(name, 0) > 0]
    return sorted(pods, key=lambda p: (p.created, p.name))


def _sum_gpus(prom: Prometheus, selector: str, start: float, end: float) -> dict[str, float]:
    """GPUs per pod: the containers' requests summed (the last value seen per container)."""
    query_selector = f'{selector},resource="{GPU_RESOURCE}"'
    found: dict[str, float] = {}
    query = (f"sum by (pod) (max by (pod, container) (last_over_time("
             f"kube_pod_container_resource_requests{{{query_selector}}}[{STEP_S:g}s])))")
    for t, window_end in _windows(start, end, STEP_S):
        for series in prom.query_range(query, t, window_end, STEP_S):
            pod = series.get("metric", {}).get("pod")
            values = series.get("values") or []
            if pod is not None and values:
                found[pod] = max(found.get(pod, 0.0), float(values[-1][1]))
    return found


def to_csv(pods: list[Pod]) -> str:
    """The trace CSV ``teamstack simulate`` reads (times from the earliest creation)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["job_id", "submit_time_s", "start_time_s", "duration_s", "num_gpus"])
    origin = min((p.created for p in pods), default=0.0)
    for p in pods:
        start = "" if p.started is None else f"{p.started - origin:g}"
        duration = "" if p.started is None or p.completed is None \
            else f"{max(0.0, p.completed - p.started):g}"
        writer.writerow([p.name, f"{p.created - origin:g}", start, duration, f"{p.gpus:g}"])
    return out.getvalue()
