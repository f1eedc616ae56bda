"""``teamstack trace collect``: a team's GPU job trace from Prometheus (kube-state-metrics).

The CSV it writes is what ``teamstack simulate`` and ``recommend`` read. Reading Prometheus
is the only network access; exit 2 if it cannot be reached, exit 1 if the series are absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from infra.errors import UserError
from infra.simulate.collect import Prometheus, collect_pods, parse_since, to_csv


def register(subparsers: argparse._SubParsersAction) -> None:
    trace = subparsers.add_parser("trace", help="build job traces for the replay")
    sub = trace.add_subparsers(dest="trace_command", required=True, metavar="COMMAND")
    collect = sub.add_parser(
        "collect", help="build a trace CSV from kube-state-metrics series in Prometheus",
        description="Read pod creation, start and completion times and nvidia.com/gpu "
                    "requests of one namespace from Prometheus (kube-state-metrics) and "
                    "write the job trace CSV that simulate and recommend read.")
    collect.add_argument("--prometheus", required=True, metavar="URL",
                         help="Prometheus base URL, e.g. http://prometheus:9090")
    collect.add_argument("--namespace", required=True, metavar="NS")
    collect.add_argument("--since", default="30d", metavar="DURATION",
                         help="how far back to read (e.g. 30d, 12h; default 30d)")
    collect.add_argument("--until", type=float, default=None, metavar="UNIX_S",
                         help="end of the window, unix seconds (default: now)")
    collect.add_argument("--output", "-o", default=None, metavar="FILE",
                         help="write the CSV here (default: standard output)")
    collect.set_defaults(func=run_collect)


def run_collect(args: argparse.Namespace) -> int:
    span = parse_since(args.since)
    end = time.time() if args.until is None else args.until
    prom = Prometheus(args.prometheus)
    pods = collect_pods(prom, args.namespace, end - span, end)
    text = to_csv(pods)
    finished = sum(1 for p in pods if p.completed is not None and p.started is not None)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"--output {args.output}: {exc.strerror}") from None
    print(f"{len(pods)} GPU pods from namespace {args.namespace} ({finished} completed; the "
          "others have no duration and are skipped by the replay)", file=sys.stderr)
    return 0
