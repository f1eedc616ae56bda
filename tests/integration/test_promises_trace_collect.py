"""The collector's paging against a real Prometheus (the session fixture of
``test_trace_collect.py``): however ``[start, end]`` is cut into query windows, the trace is
the same, the pods first seen in the last minute before ``--until`` included.

A window boundary that falls one step before ``--until`` used to leave the last step
unread, so a pod created in that minute was missing from a paged read only.
"""

from __future__ import annotations

import csv
import io

import pytest

from infra.cli import main
from infra.simulate import collect

from .test_trace_collect import NAMESPACE, prometheus  # noqa: F401 - the session fixture

pytestmark = pytest.mark.integration

SINCE_S = 3 * 86400


@pytest.mark.parametrize("window_s", [
    5 * 86400.0,               # one window
    SINCE_S / 3 - 60,          # three windows, the last ending one step before --until
    7 * 3600.0,                # windows that do not divide the span
])
def test_paging_never_changes_the_trace(prometheus, tmp_path, monkeypatch,  # noqa: F811
                                        window_s):
    late = next(p for p in prometheus.pods if p.name == "still-running")
    until = late.created + 30  # its first sample is the only one before --until
    monkeypatch.setattr(collect, "WINDOW_S", window_s)
    out = tmp_path / "trace.csv"
    assert main(["trace", "collect", "--prometheus", prometheus.url, "--namespace", NAMESPACE,
                 "--since", f"{SINCE_S}s", "--until", str(until), "--output", str(out)]) == 0
    mine = [p for p in prometheus.pods
            if p.namespace == NAMESPACE and p.gpus and p.created <= until]
    origin = min(p.created for p in mine)
    expected = [
        {"job_id": p.name, "submit_time_s": str(p.created - origin),
         "start_time_s": "" if p.started is None or p.started > until
         else str(p.started - origin),
         "duration_s": "" if p.completed is None or p.completed > until
         else str(p.completed - p.started),
         "num_gpus": str(sum(p.gpus))}
        for p in sorted(mine, key=lambda p: (p.created, p.name))]
    assert list(csv.DictReader(io.StringIO(out.read_text()))) == expected
    assert expected[-1]["job_id"] == "still-running"
