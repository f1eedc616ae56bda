"""The options `teamstack simulate` and `recommend` share, and the bounds of their values.

Kept apart from the commands so the bounds read in one place: wide enough for any real pool,
narrow enough that a typo (an extra zero, `inf`) or a combination no job survives is refused
before a replay that would run for hours or for ever.
"""

from __future__ import annotations

import argparse
import math

from infra.errors import UserError
from infra.simulate.engine import SimOptions
from infra.simulate.policy import DEFAULT_BOOT_DELAY_S
from infra.simulate.recommend import Replay
from infra.simulate.trace import Trace

# Instance type used for a pool of N-GPU nodes unless --instance-type says otherwise.
DEFAULT_INSTANCE_BY_GPUS: dict[int, str] = {1: "g5.xlarge", 4: "g5.12xlarge", 8: "g5.48xlarge"}

# Bounds of the replay's knobs: wide enough for any real pool, narrow enough that a typo
# (an extra zero, `inf`) is refused instead of running for hours.
MAX_QUOTA_GPUS = 1_000_000
MAX_BOOT_DELAY_S = 86_400.0
MAX_INTERRUPTIONS_PER_HOUR = 1.0  # AWS reports under 5% a month for most pools
MAX_CHECKPOINT_S = 365.25 * 86_400
MAX_WAIT_TARGET_MIN = 365.25 * 24 * 60
TRACE_START_YEARS = (1970, 2200)


def add_replay_options(parser: argparse.ArgumentParser) -> None:
    """The options `simulate` and `recommend` share: the trace, the pool and the replay's knobs."""
    parser.add_argument("--trace", required=True, metavar="CSV", help="job trace to replay")
    parser.add_argument("--expand-counts", action="store_true",
                        help="the file holds 10-minute counts (Helios throughput); rebuild "
                             "jobs from them (see docs/profiles.md for the assumption)")
    parser.add_argument("--node-gpus", type=int, default=None, metavar="N",
                        help="GPUs per node (default 8, or the --instance-type's)")
    parser.add_argument("--instance-type", default=None,
                        help="one node instance type for the whole pool (by GPUs: "
                             + ", ".join(f"{g}: {t}" for g, t in
                                         DEFAULT_INSTANCE_BY_GPUS.items()) + ")")
    parser.add_argument("--instance-types", default=None, metavar="LIST",
                        help="comma-separated instance types the pool may launch (default: "
                             "the --stack file's gpu.instance_types, else every g5 and g6 "
                             "type in the price catalog)")
    parser.add_argument("--stack", default=None, metavar="FILE",
                        help="a team stack file: its gpu section and time zone are the "
                             "defaults")
    parser.add_argument("--region", default=None,
                        help="region for prices (default: the stack's aws:region, else "
                             "us-east-1)")
    parser.add_argument("--max-gpus", type=int, default=None, metavar="N",
                        help="replay under this GPU quota (default: no limit)")
    parser.add_argument("--boot-delay", type=float, default=DEFAULT_BOOT_DELAY_S,
                        metavar="SECONDS", help="launch-to-usable time of a node")
    parser.add_argument("--spot-interruptions-per-hour", type=float, default=None,
                        metavar="RATE", help="spot interruptions per node-hour for every type "
                                             "(default: each type's Spot Advisor band)")
    parser.add_argument("--spot-unavailable", type=float, default=None, metavar="P",
                        help="chance a spot launch finds no capacity (default: the spot "
                             "table's assumption)")
    parser.add_argument("--checkpoint-interval", type=float,
                        default=SimOptions.checkpoint_interval_s, metavar="SECONDS",
                        help="jobs checkpoint this often (0: continuously)")
    parser.add_argument("--timezone", default=None,
                        help="time zone of the profiles' working hours (default: the stack's "
                             "desktops.timezone, else UTC)")
    parser.add_argument("--trace-start", default="2024-01-01T00:00:00+00:00",
                        metavar="ISO", help="wall-clock time of trace time 0 (a Monday)")
    parser.add_argument("--seed", type=int, default=1, help="seed for spot interruptions")
    parser.add_argument("--format", choices=("text", "json"), default="text")


# A run between checkpoints must get through without an interruption. At r interruptions per
# node-hour, a job on n nodes with h hours between checkpoints needs about e^(r*n*h) attempts,
# so past e^7 (about 1,100) the replay would restart it practically for ever.
MAX_RESTART_EXPONENT = 7.0


def check_restarts(trace: Trace, replay: Replay, args: argparse.Namespace) -> None:
    """Refuse a spot rate and checkpoint interval under which some job never finishes."""
    rate = args.spot_interruptions_per_hour
    interval = args.checkpoint_interval
    if not rate or interval <= 0 or not len(trace):
        return
    widest = max(node.gpus for node in replay.pool)
    worst, job = max((rate * math.ceil(gpus / widest) * min(duration, interval) / 3600.0, i)
                     for i, (duration, gpus) in enumerate(zip(trace.duration, trace.gpus,
                                                              strict=True)))
    if worst > MAX_RESTART_EXPONENT:
        raise UserError(
            f"--spot-interruptions-per-hour {rate:g} with --checkpoint-interval {interval:,.0f} "
            f"s: job {job + 1} of the trace expects {worst:,.1f} interruptions in each stretch "
            "between checkpoints, so no run of it would ever get through; lower the rate or "
            "the checkpoint interval")
