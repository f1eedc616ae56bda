"""Trace replay of GPU-pool scaling policies (pure Python; nothing here imports Pulumi).

``load_trace`` / ``expand_counts`` read a job trace; ``simulate(trace, policy, node)`` replays
it under one ``SimPolicy`` (a profile via ``profile_policy`` or a baseline via
``baseline_policy``); ``recommend`` runs every profile and baseline and picks the cheapest
profile that meets a queue-wait target. See ``engine.py`` for the model's assumptions.
"""

from infra.simulate.engine import NodeType, SimOptions, SimResult, simulate
from infra.simulate.policy import (
    BASELINE_NAMES,
    SimPolicy,
    baseline_policy,
    policy_names,
    profile_policy,
)
from infra.simulate.trace import Trace, expand_counts, load_trace

__all__ = [
    "BASELINE_NAMES",
    "NodeType",
    "SimOptions",
    "SimPolicy",
    "SimResult",
    "Trace",
    "baseline_policy",
    "expand_counts",
    "load_trace",
    "policy_names",
    "profile_policy",
    "simulate",
]
