"""``teamstack simulate`` and ``teamstack recommend``: replay a GPU job trace against policies.

``simulate`` replays one profile or baseline and prints its figures; ``recommend`` replays all
of them and names the cheapest profile whose p95 queue wait meets the target, with the table
of every candidate and baseline. Prices come from the price catalog; costs are also shown as a
ratio to the trace's oracle lower bound (see ``infra.simulate.oracle``).
"""

from __future__ import annotations

import argparse
import json
import zoneinfo
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from infra.cliutil import ExitCode, check_number, finite_json, wide_console
from infra.cost.prices import CatalogError, MissingPrice, load_catalog
from infra.errors import CheckFailed, UserError
from infra.simulate.engine import NodeType, SimOptions, SimResult, simulate
from infra.simulate.policy import DEFAULT_BOOT_DELAY_S, policy_names
from infra.simulate.recommend import Replay, build_policy, compare, recommend
from infra.simulate.trace import Trace, expand_counts, load_trace

# Instance type used for a pool of N-GPU nodes unless --instance-type says otherwise.
DEFAULT_INSTANCE_BY_GPUS: dict[int, str] = {1: "g5.xlarge", 4: "g5.12xlarge", 8: "g5.48xlarge"}



def register(subparsers: argparse._SubParsersAction) -> None:
    sim = subparsers.add_parser(
        "simulate", help="replay a GPU job trace under one profile or baseline",
        description="Replay a job trace (CSV: submit_time_s, duration_s, num_gpus) on a GPU "
                    "node pool under one scaling policy and print cost, utilisation and "
                    "queue wait, with the cost's ratio to the oracle lower bound.")
    sim.add_argument("--policy", required=True, metavar="NAME",
                     help=f"one of: {', '.join(policy_names())}")
    _common(sim)
    sim.set_defaults(func=run_simulate)

    rec = subparsers.add_parser(
        "recommend", help="pick the cheapest profile that meets a queue-wait target",
        description="Replay a job trace under every profile and baseline; print the cheapest "
                    "profile whose p95 queue wait is within the target, and the full table.")
    rec.add_argument("--wait-p95", required=True, type=float, metavar="MINUTES",
                     help="target 95th-percentile queue wait, in minutes")
    _common(rec)
    rec.set_defaults(func=run_recommend)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trace", required=True, metavar="CSV", help="job trace to replay")
    parser.add_argument("--expand-counts", action="store_true",
                        help="the file holds 10-minute counts (Helios throughput); rebuild "
                             "jobs from them (see docs/profiles.md for the assumption)")
    parser.add_argument("--node-gpus", type=int, default=None, metavar="N",
                        help="GPUs per node (default 8, or the --instance-type's)")
    parser.add_argument("--instance-type", default=None,
                        help="node instance type (default by GPUs: "
                             + ", ".join(f"{g}: {t}" for g, t in
                                         DEFAULT_INSTANCE_BY_GPUS.items()) + ")")
    parser.add_argument("--region", default="us-east-1", help="region for prices")
    parser.add_argument("--max-gpus", type=int, default=None, metavar="N",
                        help="replay under this GPU quota (default: no limit)")
    parser.add_argument("--boot-delay", type=float, default=DEFAULT_BOOT_DELAY_S,
                        metavar="SECONDS", help="launch-to-usable time of a node")
    parser.add_argument("--spot-interruptions-per-hour", type=float,
                        default=SimOptions.spot_interruptions_per_node_hour, metavar="RATE",
                        help="spot interruptions per node-hour")
    parser.add_argument("--checkpoint-interval", type=float,
                        default=SimOptions.checkpoint_interval_s, metavar="SECONDS",
                        help="jobs checkpoint this often (0: continuously)")
    parser.add_argument("--timezone", default="UTC",
                        help="time zone of the profiles' working hours")
    parser.add_argument("--trace-start", default="2024-01-01T00:00:00+00:00",
                        metavar="ISO", help="wall-clock time of trace time 0 (a Monday)")
    parser.add_argument("--seed", type=int, default=1, help="seed for spot interruptions")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def _node(args: argparse.Namespace) -> NodeType:
    try:
        catalog = load_catalog()
    except CatalogError as exc:
        raise UserError(f"teamstack: price catalog: {exc}") from None
    if args.instance_type is None:
        gpus = 8 if args.node_gpus is None else args.node_gpus
        if gpus not in DEFAULT_INSTANCE_BY_GPUS:
            raise UserError(f"--node-gpus {gpus}: no default instance type has {gpus} GPUs "
                            f"(defaults: {sorted(DEFAULT_INSTANCE_BY_GPUS)}); pass "
                            "--instance-type")
        instance_type = DEFAULT_INSTANCE_BY_GPUS[gpus]
    else:
        instance_type = args.instance_type
    try:
        info = catalog.instance(instance_type)
        if info.gpus < 1:
            raise UserError(f"--instance-type {instance_type}: has no GPU")
        if args.node_gpus is not None and args.node_gpus != info.gpus:
            raise UserError(f"--node-gpus {args.node_gpus} contradicts --instance-type "
                            f"{instance_type}, which has {info.gpus} GPUs")
        return NodeType(instance_type, info.gpus,
                        catalog.instance_hourly(instance_type, args.region, "on-demand"),
                        catalog.instance_hourly(instance_type, args.region, "spot"))
    except MissingPrice as exc:
        raise UserError(f"teamstack: {exc}") from None


# Bounds of the replay's knobs: wide enough for any real pool, narrow enough that a typo
# (an extra zero, `inf`) is refused instead of running for hours.
MAX_QUOTA_GPUS = 1_000_000
MAX_BOOT_DELAY_S = 86_400.0
MAX_INTERRUPTIONS_PER_HOUR = 1.0  # AWS reports under 5% a month for most pools
MAX_CHECKPOINT_S = 365.25 * 86_400
MAX_WAIT_TARGET_MIN = 365.25 * 24 * 60
TRACE_START_YEARS = (1970, 2200)


def _replay(args: argparse.Namespace) -> Replay:
    if args.max_gpus is not None:
        check_number("--max-gpus", args.max_gpus, low=1, high=MAX_QUOTA_GPUS)
    if args.node_gpus is not None:
        check_number("--node-gpus", args.node_gpus, low=1, high=64)
    check_number("--boot-delay", args.boot_delay, low=0, high=MAX_BOOT_DELAY_S, unit=" s")
    check_number("--spot-interruptions-per-hour", args.spot_interruptions_per_hour, low=0,
                 high=MAX_INTERRUPTIONS_PER_HOUR)
    check_number("--checkpoint-interval", args.checkpoint_interval, low=0,
                 high=MAX_CHECKPOINT_S, unit=" s")
    try:
        zoneinfo.ZoneInfo(args.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--timezone {args.timezone!r}: not an IANA time zone "
                        "(e.g. Europe/Berlin)") from None
    try:
        start = datetime.fromisoformat(args.trace_start)
    except ValueError:
        raise UserError(f"--trace-start {args.trace_start!r}: not an ISO date and time "
                        "(e.g. 2024-01-01T00:00:00+00:00)") from None
    if start.tzinfo is None:
        raise UserError(f"--trace-start {args.trace_start!r}: give a UTC offset (e.g. +00:00)")
    if not TRACE_START_YEARS[0] <= start.year <= TRACE_START_YEARS[1]:
        raise UserError(f"--trace-start {args.trace_start!r}: give a time between "
                        f"{TRACE_START_YEARS[0]} and {TRACE_START_YEARS[1]}")
    options = SimOptions(spot_interruptions_per_node_hour=args.spot_interruptions_per_hour,
                         checkpoint_interval_s=args.checkpoint_interval, seed=args.seed,
                         trace_start=start)
    return Replay(node=_node(args), options=options, max_gpus=args.max_gpus,
                  boot_delay_s=args.boot_delay, timezone=args.timezone)


def _trace(args: argparse.Namespace) -> Trace:
    return expand_counts(args.trace) if args.expand_counts else load_trace(args.trace)


def _hours(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _trace_info(trace: Trace) -> dict[str, Any]:
    return {"name": trace.name, "jobs": len(trace), "gpu_hours": trace.gpu_seconds / 3600,
            "notes": trace.notes}


def run_simulate(args: argparse.Namespace) -> int:
    if args.policy not in policy_names():
        raise UserError(f"--policy {args.policy!r}: unknown; expected one of: "
                        f"{', '.join(policy_names())}")
    replay = _replay(args)
    trace = _trace(args)
    policy = build_policy(args.policy, trace, replay)
    result = simulate(trace, policy, replay.node, replay.options)
    if args.format == "json":
        print(json.dumps(finite_json({**result.to_dict(), "description": policy.description,
                                      "trace": _trace_info(trace)}), indent=2, allow_nan=False))
        return ExitCode.OK
    console = wide_console()
    table = Table(title=f"{result.policy} on {trace.name} ({len(trace)} jobs, "
                        f"{result.node_gpus}-GPU {result.instance_type}, {result.capacity})",
                  title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("cost", f"${result.cost_usd:,.0f}"),
        ("oracle lower bound", f"${result.oracle_cost_usd:,.0f}"),
        ("cost / oracle", f"{result.cost_ratio:.3f}"),
        ("node-hours", f"{result.node_hours:,.0f}"),
        ("GPU utilisation", f"{result.gpu_utilisation:.1%}"),
        ("queue wait p50", _hours(result.wait_p50_s)),
        ("queue wait p95", _hours(result.wait_p95_s)),
        ("queue wait max", _hours(result.wait_max_s)),
        ("spot interruptions", f"{result.interruptions:,}"),
        ("consolidation moves", f"{result.disruptions:,}"),
        ("lost GPU-hours", f"{result.lost_gpu_hours:,.1f}"),
        ("peak nodes", f"{result.peak_nodes:,}"),
    ]
    if result.unschedulable:
        rows.append(("jobs larger than the quota (not run)", f"{result.unschedulable:,}"))
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"policy: {policy.description}")
    for note in trace.notes:
        console.print(f"note: {note}")
    return ExitCode.OK


def _table(results: list[SimResult], target_s: float, chosen: SimResult | None) -> Table:
    table = Table(title=f"Replay of every profile and baseline (target p95 wait "
                        f"{_hours(target_s)})", title_justify="left")
    for name, justify in (("policy", "left"), ("kind", "left"), ("capacity", "left"),
                          ("cost", "right"), ("x oracle", "right"), ("node-h", "right"),
                          ("util", "right"), ("wait p50", "right"), ("wait p95", "right"),
                          ("wait max", "right"), ("interrupts", "right"), ("meets", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in sorted(results, key=lambda r: r.cost_usd):
        meets = r.wait_p95_s <= target_s and r.unschedulable == 0
        mark = "recommended" if chosen is not None and r.policy == chosen.policy else \
            ("yes" if meets else "no")
        table.add_row(r.policy, r.kind, r.capacity, f"${r.cost_usd:,.0f}",
                      f"{r.cost_ratio:.2f}", f"{r.node_hours:,.0f}",
                      f"{r.gpu_utilisation:.0%}", _hours(r.wait_p50_s),
                      _hours(r.wait_p95_s), _hours(r.wait_max_s), f"{r.interruptions:,}",
                      mark)
    return table


def run_recommend(args: argparse.Namespace) -> int:
    check_number("--wait-p95", args.wait_p95, low=0, high=MAX_WAIT_TARGET_MIN, unit=" minutes")
    if args.wait_p95 == 0:
        raise UserError(f"--wait-p95 {args.wait_p95}: must be more than 0 minutes")
    target_s = args.wait_p95 * 60.0
    replay = _replay(args)
    trace = _trace(args)
    err = Console(stderr=True)
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("replaying", total=8)

        def step(name: str) -> None:
            bar.update(task, description=f"replaying {name}", advance=1)

        results = compare(trace, replay, progress=step)
    chosen = recommend(results, target_s)
    if args.format == "json":
        print(json.dumps(finite_json({
            "recommended": chosen.policy if chosen else None,
            "target_wait_p95_s": target_s,
            "trace": _trace_info(trace),
            "candidates": [r.to_dict() for r in results if r.kind == "profile"],
            "baselines": [r.to_dict() for r in results if r.kind == "baseline"],
        }), indent=2, allow_nan=False))
    else:
        console = wide_console()
        console.print(_table(results, target_s, chosen))
        for note in trace.notes:
            console.print(f"note: {note}")
        if chosen is not None:
            console.print(f"recommended: [bold]{chosen.policy}[/bold] - ${chosen.cost_usd:,.0f} "
                          f"({chosen.cost_ratio:.2f}x the oracle), p95 wait "
                          f"{_hours(chosen.wait_p95_s)}")
    if chosen is None:
        raise CheckFailed(f"teamstack recommend: no profile keeps the p95 queue wait within "
                          f"{args.wait_p95:g} min on {trace.name}; raise --wait-p95 or the "
                          "quota (--max-gpus)")
    return ExitCode.OK
