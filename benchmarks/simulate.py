"""Replay speed and memory of the simulator on real traces.

Usage: .venv/bin/python benchmarks/simulate.py TRACE.csv [TRACE.csv ...] [--policy NAME ...]

For each trace (a per-job CSV, or a 10-minute throughput file, which is expanded as
``--expand-counts`` does), prints the jobs replayed, wall time, jobs per second and the peak
memory the replay allocated (tracemalloc, measured in a second run so that tracing does not
slow the timed one). CI passes the files in ../shared/data/traces; the project ships none.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc

from infra.errors import UserError
from infra.simulate.engine import NodeType, SimOptions, simulate
from infra.simulate.recommend import Replay, build_policy
from infra.simulate.trace import Trace, expand_counts, load_trace

NODE = NodeType("g5.48xlarge", 8, on_demand_hourly=16.288, spot_hourly=6.5152)


def _load(path: str) -> Trace:
    try:
        return load_trace(path)
    except UserError as exc:
        if "--expand-counts" in str(exc):
            return expand_counts(path)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+")
    parser.add_argument("--policy", action="append",
                        help="policies to replay (default: experiment, karpenter-defaults)")
    args = parser.parse_args(argv)
    policies = args.policy or ["experiment", "karpenter-defaults"]
    replay = Replay(node=NODE, options=SimOptions())
    print(f"{'trace':44s} {'policy':28s} {'jobs':>8s} {'load s':>7s} {'replay s':>8s} "
          f"{'jobs/s':>9s} {'peak MiB':>9s}")
    for path in args.traces:
        try:
            started = time.perf_counter()
            trace = _load(path)
            load_s = time.perf_counter() - started
        except UserError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
        for name in policies:
            policy = build_policy(name, trace, replay)
            started = time.perf_counter()
            simulate(trace, policy, NODE, replay.options)
            elapsed = time.perf_counter() - started
            tracemalloc.start()
            simulate(trace, policy, NODE, replay.options)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"{trace.name:44s} {name:28s} {len(trace):8d} {load_s:7.2f} {elapsed:8.2f} "
                  f"{len(trace) / elapsed:9.0f} {peak / 2**20:9.1f}")
        for note in trace.notes:
            print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
