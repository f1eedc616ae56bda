"""``teamstack simulate`` and ``teamstack recommend``: replay a GPU job trace against policies.

``simulate`` replays one profile or baseline and prints its figures; ``recommend`` replays all
of them and names the cheapest profile whose p95 queue wait meets the target, with the table
of every candidate and baseline. Prices come from the price catalog; costs are also shown as a
ratio to the trace's oracle lower bound (see ``infra.simulate.oracle``).
"""

from __future__ import annotations

import argparse
import json
import os
import zoneinfo
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from infra.cliutil import ExitCode, check_number, finite_json, wide_console
from infra.commands.simulate_options import (
    DEFAULT_INSTANCE_BY_GPUS,
    MAX_BOOT_DELAY_S,
    MAX_CHECKPOINT_S,
    MAX_INTERRUPTIONS_PER_HOUR,
    MAX_QUOTA_GPUS,
    MAX_WAIT_TARGET_MIN,
    TRACE_START_YEARS,
    add_replay_options,
    check_restarts,
)
from infra.cost.prices import CatalogError, MissingPrice, load_catalog
from infra.errors import CheckFailed, UserError
from infra.simulate.engine import NodeType, SimOptions, SimResult, simulate
from infra.simulate.policy import policy_names
from infra.simulate.pool import PoolError, build_pool, family_types
from infra.simulate.recommend import Replay, build_policy
from infra.simulate.search import Outcome, estimated_replays, search
from infra.simulate.spot import load_spot_table
from infra.simulate.stackedit import read_gpu, write_gpu
from infra.simulate.trace import Trace, expand_counts, load_trace


def register(subparsers: argparse._SubParsersAction) -> None:
    sim = subparsers.add_parser(
        "simulate", help="replay a GPU job trace under one profile or baseline",
        description="Replay a job trace (CSV: submit_time_s, duration_s, num_gpus) on a GPU "
                    "node pool under one scaling policy and print cost, utilisation and "
                    "queue wait, with the cost's ratio to the oracle lower bound.")
    sim.add_argument("--policy", required=True, metavar="NAME",
                     help=f"one of: {', '.join(policy_names())}")
    add_replay_options(sim)
    sim.set_defaults(func=run_simulate)

    rec = subparsers.add_parser(
        "recommend", help="pick the cheapest profile that meets a queue-wait target",
        description="Replay a job trace under every profile and baseline; print the cheapest "
                    "profile whose p95 queue wait is within the target, and the full table.")
    rec.add_argument("--wait-p95", required=True, type=float, metavar="MINUTES",
                     help="target 95th-percentile queue wait, in minutes")
    rec.add_argument("--budget-usd", type=float, default=None, metavar="N",
                     help="monthly budget in USD: costlier candidates are rejected")
    rec.add_argument("--write", action="store_true",
                     help="write the recommended profile, instance types and max_gpus into "
                          "the --stack file's gpu section (comments and layout kept)")
    rec.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                     help="replays run in parallel (default: the machine's cores)")
    add_replay_options(rec)
    rec.set_defaults(func=run_recommend)


def _stack(args: argparse.Namespace) -> dict[str, object]:
    if args.stack is None:
        return {}
    path = Path(args.stack)
    if not path.is_file():
        raise UserError(f"--stack {args.stack}: no such file")
    return read_gpu(path)


def _pool(args: argparse.Namespace, stack: dict[str, object]) -> tuple[NodeType, ...]:
    """The instance types to replay on, in the order of precedence the help text gives."""
    try:
        catalog = load_catalog()
    except CatalogError as exc:
        raise UserError(f"teamstack: price catalog: {exc}") from None
    single = args.instance_type is not None or args.node_gpus is not None
    if single and args.instance_types is not None:
        raise UserError("--instance-types: give it or --instance-type/--node-gpus, not both")
    if single:
        types = [_single_type(args, catalog)]
    elif args.instance_types is not None:
        types = [t.strip() for t in args.instance_types.split(",") if t.strip()]
        if not types:
            raise UserError("--instance-types: empty list")
    elif "instance_types" in stack:
        types = list(stack["instance_types"])  # type: ignore[call-overload]
    else:
        types = family_types(catalog)
    spot = load_spot_table()
    try:
        return build_pool(catalog, types, args.region, spot,
                          interruptions_override=args.spot_interruptions_per_hour)
    except PoolError as exc:
        flag = "--instance-types" if args.instance_types else "--instance-type"
        raise UserError(f"{flag}: {exc}") from None


def _single_type(args: argparse.Namespace, catalog: object) -> str:
    if args.instance_type is None:
        gpus = args.node_gpus
        if gpus not in DEFAULT_INSTANCE_BY_GPUS:
            raise UserError(f"--node-gpus {gpus}: no default instance type has {gpus} GPUs "
                            f"(defaults: {sorted(DEFAULT_INSTANCE_BY_GPUS)}); pass "
                            "--instance-type")
        return DEFAULT_INSTANCE_BY_GPUS[gpus]
    try:
        info = catalog.instance(args.instance_type)  # type: ignore[attr-defined]
    except MissingPrice as exc:
        raise UserError(f"teamstack: {exc}") from None
    if info.gpus < 1:
        raise UserError(f"--instance-type {args.instance_type}: has no GPU")
    if args.node_gpus is not None and args.node_gpus != info.gpus:
        raise UserError(f"--node-gpus {args.node_gpus} contradicts --instance-type "
                        f"{args.instance_type}, which has {info.gpus} GPUs")
    return str(args.instance_type)


def _replay(args: argparse.Namespace, stack: dict[str, object] | None = None,
            use_stack_cap: bool = True) -> Replay:
    stack = stack if stack is not None else _stack(args)
    if args.timezone is None:
        args.timezone = str(stack.get("timezone", "UTC"))
    if args.region is None:
        args.region = str(stack.get("region") or "us-east-1")
    if args.max_gpus is None and use_stack_cap and "max_gpus" in stack:
        args.max_gpus = stack["max_gpus"]
    if args.max_gpus is not None:
        check_number("--max-gpus", args.max_gpus, low=1, high=MAX_QUOTA_GPUS)
    if args.node_gpus is not None:
        check_number("--node-gpus", args.node_gpus, low=1, high=64)
    check_number("--boot-delay", args.boot_delay, low=0, high=MAX_BOOT_DELAY_S, unit=" s")
    if args.spot_interruptions_per_hour is not None:
        check_number("--spot-interruptions-per-hour", args.spot_interruptions_per_hour, low=0,
                     high=MAX_INTERRUPTIONS_PER_HOUR)
    check_number("--checkpoint-interval", args.checkpoint_interval, low=0,
                 high=MAX_CHECKPOINT_S, unit=" s")
    unavailable = args.spot_unavailable
    if unavailable is None:
        unavailable = load_spot_table().unavailable_probability
    check_number("--spot-unavailable", unavailable, low=0, high=1)
    if unavailable >= 1:
        raise UserError(f"--spot-unavailable {unavailable:g}: must be below 1")
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
    rate = args.spot_interruptions_per_hour
    options = SimOptions(
        spot_interruptions_per_node_hour=SimOptions.spot_interruptions_per_node_hour
        if rate is None else rate,
        spot_unavailable_probability=unavailable,
        checkpoint_interval_s=args.checkpoint_interval, seed=args.seed, trace_start=start)
    return Replay(node=_pool(args, stack), options=options, max_gpus=args.max_gpus,
                  boot_delay_s=args.boot_delay, timezone=args.timezone)


def assumptions(replay: Replay, args: argparse.Namespace) -> list[str]:
    """Every assumption a figure rests on, printed with the result."""
    catalog = load_catalog()
    spot = load_spot_table()
    rate = args.spot_interruptions_per_hour
    return [
        f"prices: {args.region} list prices from the catalog taken on "
        f"{catalog.taken_on.isoformat()} ({catalog.source.split(';')[0]})",
        spot.assumption() if rate is None else
        f"spot interruptions: {rate:g} per node-hour for every type (--spot-interruptions-"
        f"per-hour); spot launch finds no capacity with probability "
        f"{replay.options.spot_unavailable_probability:g}",
        "spot falls back to on-demand only where the profile allows both capacity types",
        f"boot delay {replay.boot_delay_s:g} s (launch to usable), billed per second from "
        f"launch; jobs checkpoint every {replay.options.checkpoint_interval_s:g} s and lose "
        "the work since on interruption or consolidation",
        "cost_ratio: cost / the policy's own oracle (its cheapest allowed type and capacity); "
        "cost_vs_floor: cost / the trace's GPU-seconds at the cheapest per-GPU rate of any "
        "allowed type, spot or on-demand",
        f"working hours in {replay.timezone}; trace time 0 = {replay.options.trace_start}",
    ]


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
    check_restarts(trace, replay, args)
    policy = build_policy(args.policy, trace, replay)
    try:
        result = simulate(trace, policy, replay.pool, replay.options)
    except ValueError as exc:
        raise UserError(f"teamstack simulate: {exc}") from None
    notes = assumptions(replay, args)
    if args.format == "json":
        print(json.dumps(finite_json({**result.to_dict(), "description": policy.description,
                                      "trace": _trace_info(trace), "assumptions": notes}),
                         indent=2, allow_nan=False))
        return ExitCode.OK
    console = wide_console()
    table = Table(title=f"{result.policy} on {trace.name} ({len(trace)} jobs, "
                        f"{', '.join(result.instance_types)}, {result.capacity})",
                  title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("cost", f"${result.cost_usd:,.0f}"),
        ("oracle lower bound", f"${result.oracle_cost_usd:,.0f}"),
        ("cost / oracle", f"{result.cost_ratio:.3f}"),
        ("cost / floor", f"{result.cost_vs_floor:.3f}"),
        ("per month", f"${_monthly(result):,.0f}"),
        ("node-hours", f"{result.node_hours:,.0f}"),
        ("GPU utilisation", f"{result.gpu_utilisation:.1%}"),
        ("queue wait p50", _hours(result.wait_p50_s)),
        ("queue wait p95", _hours(result.wait_p95_s)),
        ("queue wait max", _hours(result.wait_max_s)),
        ("spot interruptions", f"{result.interruptions:,}"),
        ("consolidation moves", f"{result.disruptions:,}"),
        ("lost GPU-hours", f"{result.lost_gpu_hours:,.1f}"),
        ("peak nodes", f"{result.peak_nodes:,}"),
        ("peak GPUs", f"{result.peak_gpus:,}"),
        ("launches", ", ".join(f"{k} {v:,}" for k, v in (result.launches_by_type or {})
                               .items()) or "0"),
        ("replaced by a cheaper node", f"{result.replacements:,}"),
        ("spot launches without capacity", f"{result.spot_unavailable:,}"),
    ]
    if result.unschedulable:
        rows.append(("jobs larger than the quota (not run)", f"{result.unschedulable:,}"))
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(f"policy: {policy.description}")
    for note in [*trace.notes, *notes]:
        console.print(f"note: {note}")
    return ExitCode.OK


def _monthly(result: SimResult) -> float:
    return result.cost_usd / result.span_hours * 730.0 if result.span_hours > 0 else 0.0


def _table(outcomes: list[Outcome], target_s: float, chosen: Outcome | None) -> Table:
    table = Table(title=f"Sizing search (target p95 wait {_hours(target_s)})",
                  title_justify="left")
    for name, justify in (("policy", "left"), ("instance types", "left"), ("cap", "right"),
                          ("capacity", "left"), ("$/month", "right"), ("x oracle", "right"),
                          ("x floor", "right"), ("util", "right"), ("wait p50", "right"),
                          ("wait p95", "right"), ("lost GPU-h", "right"), ("verdict", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for o in sorted(outcomes, key=lambda o: o.result.cost_usd):
        r = o.result
        types = o.candidate.instance_types
        shown = ", ".join(types) if len(types) <= 3 else f"{len(types)} types"
        verdict = "recommended" if o is chosen else (o.rejected_because or "")
        table.add_row(r.policy, shown, str(o.summary()["max_gpus"]), r.capacity,
                      f"${o.monthly_usd:,.0f}", f"{r.cost_ratio:.2f}", f"{r.cost_vs_floor:.2f}",
                      f"{r.gpu_utilisation:.0%}", _hours(r.wait_p50_s), _hours(r.wait_p95_s),
                      f"{r.lost_gpu_hours:,.0f}", verdict)
    return table


def _candidate(o: Outcome) -> dict[str, object]:
    return {**o.result.to_dict(), **o.summary(), "rejected_because": o.rejected_because}


def run_recommend(args: argparse.Namespace) -> int:
    check_number("--wait-p95", args.wait_p95, low=0, high=MAX_WAIT_TARGET_MIN, unit=" minutes")
    if args.wait_p95 == 0:
        raise UserError(f"--wait-p95 {args.wait_p95}: must be more than 0 minutes")
    if args.budget_usd is not None:
        check_number("--budget-usd", args.budget_usd, low=0, high=1e12)
        if args.budget_usd == 0:
            raise UserError("--budget-usd 0: must be more than 0")
    if args.write and args.stack is None:
        raise UserError("--write needs --stack FILE (the stack file to edit)")
    if args.jobs < 1:
        raise UserError(f"--jobs {args.jobs}: must be 1 or more")
    target_s = args.wait_p95 * 60.0
    stack = _stack(args)
    replay = _replay(args, stack, use_stack_cap=False)
    trace = _trace(args)
    check_restarts(trace, replay, args)
    err = Console(stderr=True)
    with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("replaying", total=estimated_replays(replay.pool))
        chosen, outcomes, baselines = search(
            trace, replay, target_s, budget_monthly=args.budget_usd, jobs=args.jobs,
            progress=lambda n: bar.update(task, advance=n))
    notes = assumptions(replay, args)
    if args.format == "json":
        print(json.dumps(finite_json({
            "recommended": chosen.summary() if chosen else None,
            "target_wait_p95_s": target_s,
            "budget_usd": args.budget_usd,
            "trace": _trace_info(trace),
            "candidates": [_candidate(o) for o in outcomes],
            "baselines": [_candidate(o) for o in baselines],
            "assumptions": notes,
        }), indent=2, allow_nan=False))
    else:
        console = wide_console()
        console.print(_table(outcomes + baselines, target_s, chosen))
        for note in [*trace.notes, *notes]:
            console.print(f"note: {note}")
        if chosen is not None:
            s = chosen.summary()
            console.print(f"recommended: [bold]{s['profile']}[/bold] on "
                          f"{', '.join(s['instance_types'])}, max_gpus {s['max_gpus']} - "
                          f"${s['monthly_usd']:,.0f}/month ({s['cost_vs_floor']:.2f}x the "
                          f"floor), p95 wait {_hours(s['wait_p95_s'])}")
    if chosen is None:
        raise CheckFailed(f"teamstack recommend: no profile keeps the p95 queue wait within "
                          f"{args.wait_p95:g} min on {trace.name}"
                          + (" within the budget" if args.budget_usd else "")
                          + "; raise --wait-p95 or the quota (--max-gpus)")
    if args.write:
        s = chosen.summary()
        write_gpu(Path(args.stack), s["profile"], s["instance_types"], int(s["max_gpus"]))
        err.print(f"wrote gpu: profile {s['profile']}, instance_types "
                  f"{s['instance_types']}, max_gpus {s['max_gpus']} to {args.stack}")
    return ExitCode.OK
