"""Workload profiles: one word that sets coherent autoscaling and idle policies on every layer.

(Placeholder exports so the request model can validate profile names; the full catalog and
``resolve()`` are built in this package.)
"""

PROFILE_NAMES: tuple[str, ...] = (
    "interactive",
    "experiment",
    "scheduled-retrain",
    "adhoc-training",
    "service",
)
