"""The sizing search behind ``teamstack recommend``: profiles x instance sets x GPU caps.

Replays are the cost, so the search is staged rather than a full grid:

1. every profile on the whole allowed pool without a cap, and every baseline on the pool's
   largest type alone (the comparison a team would otherwise make);
2. for the cheapest profile that meets the wait (and budget): each instance family of the
   pool alone, the largest type alone, and GPU caps at 50%, 70% and 85% of its peak;
3. the answer is the cheapest candidate meeting the wait target and the budget; an uncapped
   winner gets ``max_gpus`` = the peak GPUs it used (the quota it needs).

Every candidate keeps why it lost. Replays run in a process pool, the trace sent once per
worker. All costs share one floor: the trace's GPU-seconds at the cheapest per-GPU rate of
any allowed type and capacity type.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from infra.cost.prices import HOURS_PER_MONTH
from infra.profiles import PROFILE_NAMES
from infra.simulate.engine import NodeType, SimResult, simulate
from infra.simulate.policy import BASELINE_NAMES
from infra.simulate.recommend import Replay, build_policy
from infra.simulate.summary import floor_gpu_hourly
from infra.simulate.trace import Trace

CAP_FRACTIONS = (0.5, 0.7, 0.85)


@dataclass(frozen=True)
class Candidate:
    """One configuration to replay."""

    policy: str
    instance_types: tuple[str, ...]
    max_gpus: int | None = None


@dataclass
class Outcome:
    """A replayed candidate and its verdict."""

    candidate: Candidate
    result: SimResult
    rejected_because: str | None = None

    @property
    def monthly_usd(self) -> float:
        span = self.result.span_hours
        return self.result.cost_usd / span * HOURS_PER_MONTH if span > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        r = self.result
        return {"profile": self.candidate.policy,
                "instance_types": list(self.candidate.instance_types),
                "max_gpus": self.candidate.max_gpus if self.candidate.max_gpus is not None
                else r.peak_gpus,
                "cost_usd": r.cost_usd, "monthly_usd": self.monthly_usd,
                "cost_ratio": r.cost_ratio, "cost_vs_floor": r.cost_vs_floor,
                "wait_p50_s": r.wait_p50_s, "wait_p95_s": r.wait_p95_s,
                "lost_gpu_hours": r.lost_gpu_hours}


_STATE: dict[str, Any] = {}


def _init(trace: Trace, replay: Replay) -> None:
    _STATE["trace"], _STATE["replay"] = trace, replay


def _run(candidate: Candidate) -> SimResult:
    trace: Trace = _STATE["trace"]
    replay: Replay = _STATE["replay"]
    pool = tuple(t for t in replay.pool if t.instance_type in candidate.instance_types)
    sized = replace(replay, node=pool, max_gpus=candidate.max_gpus)
    return simulate(trace, build_policy(candidate.policy, trace, sized), pool, replay.options)


class Search:
    """Run candidates, in parallel when ``jobs`` > 1."""

    def __init__(self, trace: Trace, replay: Replay, jobs: int,
                 progress: Callable[[int], None] | None = None) -> None:
        rate = floor_gpu_hourly(replay.pool)  # one floor for every candidate
        self.replay = replace(replay, options=replace(replay.options, floor_gpu_hourly=rate))
        self.trace = trace
        self.jobs = max(1, jobs)
        self.progress = progress
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Search:
        if self.jobs > 1:
            self.pool = ProcessPoolExecutor(self.jobs, initializer=_init,
                                            initargs=(self.trace, self.replay))
        else:
            _init(self.trace, self.replay)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def run(self, candidates: list[Candidate]) -> list[SimResult]:
        results = []
        if self.pool is None:
            for c in candidates:
                results.append(_run(c))
                if self.progress:
                    self.progress(1)
            return results
        for result in self.pool.map(_run, candidates):
            results.append(result)
            if self.progress:
                self.progress(1)
        return results


def _verdict(outcome: Outcome, target_s: float, budget_monthly: float | None) -> str | None:
    r = outcome.result
    if r.unschedulable:
        return f"{r.unschedulable} jobs can never start under the cap"
    if r.wait_p95_s > target_s:
        return f"p95 wait {r.wait_p95_s / 60:.1f} min > target {target_s / 60:g} min"
    if budget_monthly is not None and outcome.monthly_usd > budget_monthly:
        return f"${outcome.monthly_usd:,.0f}/month > budget ${budget_monthly:,.0f}"
    return None


def estimated_replays(pool: tuple[NodeType, ...]) -> int:
    families = {t.instance_type.split(".", 1)[0] for t in pool}
    return len(PROFILE_NAMES) + len(BASELINE_NAMES) + len(CAP_FRACTIONS) + 1 + \
        (len(families) if len(families) > 1 else 0)


def search(trace: Trace, replay: Replay, target_s: float, *, budget_monthly: float | None,
           jobs: int, progress: Callable[[int], None] | None = None) -> \
        tuple[Outcome | None, list[Outcome], list[Outcome]]:
    """(recommended, profile candidates, baselines)."""
    every = tuple(t.instance_type for t in replay.pool)
    big = (replay.largest.instance_type,)
    first = [Candidate(p, every, replay.max_gpus) for p in PROFILE_NAMES]
    bases = [Candidate(b, big, replay.max_gpus) for b in BASELINE_NAMES]
    with Search(trace, replay, jobs, progress) as runner:
        results = runner.run(first + bases)
        outcomes = [Outcome(c, r) for c, r in zip(first, results[:len(first)], strict=True)]
        baselines = [Outcome(c, r) for c, r in zip(bases, results[len(first):], strict=True)]
        for o in outcomes + baselines:
            o.rejected_because = _verdict(o, target_s, budget_monthly)
        ok = [o for o in outcomes if o.rejected_because is None]
        if ok:
            best = min(ok, key=lambda o: o.result.cost_usd)
            second = _second_round(best, replay)
            more = [Outcome(c, r) for c, r in zip(second, runner.run(second), strict=True)]
            for o in more:
                o.rejected_because = _verdict(o, target_s, budget_monthly)
            outcomes += more
    ok = [o for o in outcomes if o.rejected_because is None]
    chosen = None
    if ok:
        chosen = min(ok, key=lambda o: (round(o.result.cost_usd, 2), o.summary()["max_gpus"],
                                        len(o.candidate.instance_types),
                                        o.result.wait_p95_s))
        for o in ok:
            if o is not chosen:
                o.rejected_because = (f"costs more: ${o.monthly_usd:,.0f}/month vs "
                                      f"${chosen.monthly_usd:,.0f}" if
                                      o.result.cost_usd > chosen.result.cost_usd + 0.005
                                      else "same cost; larger cap, more types or longer wait")
    return chosen, outcomes, baselines


def _second_round(best: Outcome, replay: Replay) -> list[Candidate]:
    profile = best.candidate.policy
    every = best.candidate.instance_types
    sets: list[tuple[str, ...]] = []
    families = sorted({name.split(".", 1)[0] for name in every})
    if len(families) > 1:
        sets += [tuple(n for n in every if n.split(".", 1)[0] == f) for f in families]
    sets.append((replay.largest.instance_type,))
    sets = [s for s in dict.fromkeys(sets) if s != every]
    peak = best.result.peak_gpus
    step = replay.largest.gpus
    caps = sorted({max(step, math.ceil(peak * f / step) * step) for f in CAP_FRACTIONS})
    caps = [c for c in caps if c < peak and (replay.max_gpus is None or c < replay.max_gpus)]
    return [Candidate(profile, s, replay.max_gpus) for s in sets] + \
        [Candidate(profile, every, c) for c in caps]
