"""Replay speed and memory of the simulator, and the time of the whole sizing search.

Usage: .venv/bin/python benchmarks/simulate.py TRACE.csv [TRACE.csv ...] [--policy NAME ...]
       [--search] [--jobs N] [--wait-p95 MIN]

For each trace (a per-job CSV, or a 10-minute throughput file, which is expanded as
``--expand-counts`` does), prints the jobs replayed, wall and CPU time, jobs per second and
the peak memory the replay allocated (tracemalloc, measured in a second run so that tracing
does not slow the timed one). Replays run on the default pool (every g5 and g6 type) and on
g5.48xlarge alone. With ``--search``, also times ``teamstack recommend``'s whole search
(``--jobs`` processes, default 2) and prints its wall time and the CPU seconds it used in
all processes: on a shared machine the wall time depends on the load, the CPU time much
less (CPU / jobs is the wall time on idle cores). CI passes the files in
../shared/data/traces; the project ships none.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

from infra.cost.prices import load_catalog
from infra.errors import UserError
from infra.simulate.engine import SimOptions, simulate
from infra.simulate.pool import build_pool, family_types
from infra.simulate.recommend import Replay, build_policy
from infra.simulate.search import search
from infra.simulate.spot import load_spot_table
from infra.simulate.trace import Trace, expand_counts, load_trace


def _load(path: str) -> Trace:
    try:
        return load_trace(path)
    except UserError as exc:
        if "--expand-counts" in str(exc):
            return expand_counts(path)
        raise


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+")
    parser.add_argument("--policy", action="append",
                        help="policies to replay (default: experiment, karpenter-defaults)")
    parser.add_argument("--search", action="store_true", help="also time the whole search")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--wait-p95", type=float, default=30.0, metavar="MIN")
    args = parser.parse_args(argv)
    policies = args.policy or ["experiment", "karpenter-defaults"]
    catalog = load_catalog()
    spot = load_spot_table()
    pools = {"g5+g6": build_pool(catalog, family_types(catalog), "us-east-1", spot),
             "g5.48xlarge": build_pool(catalog, ["g5.48xlarge"], "us-east-1", spot)}
    options = SimOptions(spot_unavailable_probability=spot.unavailable_probability)
    print(f"machine: {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (shared: wall times vary)")
    print(f"{'trace':36s} {'policy':28s} {'pool':12s} {'jobs':>7s} {'wall s':>7s} "
          f"{'cpu s':>6s} {'jobs/s':>8s} {'cpu jobs/s':>10s} {'peak MiB':>8s}")
    for path in args.traces:
        try:
            trace = _load(path)
        except UserError as exc:
            print(f"{path}: {exc}", file=sys.stderr)
            return 1
        for pool_name, pool in pools.items():
            replay = Replay(node=pool, options=options)
            for name in policies:
                policy = build_policy(name, trace, replay)
                wall, cpu = time.perf_counter(), time.process_time()
                simulate(trace, policy, pool, options)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                tracemalloc.start()
                simulate(trace, policy, pool, options)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"{trace.name[:36]:36s} {name:28s} {pool_name:12s} {len(trace):7d} "
                      f"{wall:7.2f} {cpu:6.2f} {len(trace) / wall:8.0f} "
                      f"{len(trace) / cpu:10.0f} {peak / 2**20:8.1f}")
        if args.search:
            replay = Replay(node=pools["g5+g6"], options=options)
            wall, cpu = time.perf_counter(), _cpu()
            chosen, outcomes, baselines = search(trace, replay, args.wait_p95 * 60,
                                                 budget_monthly=None, jobs=args.jobs)
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
            answer = "none" if chosen is None else \
                f"{chosen.candidate.policy} max_gpus {chosen.summary()['max_gpus']}"
            print(f"  search: {len(outcomes) + len(baselines)} replays, {args.jobs} processes, "
                  f"wall {wall:.1f} s, cpu {cpu:.1f} s (idle-core wall ~{cpu / args.jobs:.1f}"
                  f" s); recommended {answer}")
        for note in trace.notes:
            print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
