"""The promise of the reference workloads behind a GPU pool's expected cost (docs/profiles.md
"Stack cost", infra/cost/reference.py): four weeks starting on a Monday, each profile's work
where and when the documentation says, sized to the pool's quota.
"""

from __future__ import annotations

import pytest

from infra.cost.reference import DAYS, reference_trace
from infra.cost.rules.values import gib

DAY = 86400.0
HOUR = 3600.0
WEEKDAYS = [d for d in range(DAYS) if d % 7 < 5]  # day 0 is Monday 2024-01-01


def days_and_hours(profile: str, quota: int) -> list[tuple[int, float, float, float]]:
    """(day, hour of day, hours long, GPUs) of every job."""
    trace = reference_trace(profile, quota)
    return [(int(s // DAY), (s % DAY) / HOUR, d / HOUR, g)
            for s, d, g in zip(trace.submit, trace.duration, trace.gpus, strict=True)]


@pytest.mark.parametrize("quota", [1, 3, 8])
def test_interactive_sessions_are_weekday_working_hours_of_one_to_three_hours(
        quota: int) -> None:
    jobs = days_and_hours("interactive", quota)
    assert sorted({day for day, *_ in jobs}) == WEEKDAYS
    assert all(9 <= hour <= 17 and 1 <= length <= 3 and gpus == 1
               for _, hour, length, gpus in jobs)
    assert len(jobs) == len(WEEKDAYS) * 2 * quota
    # spread over the working day, not bunched at one end of it
    starts = sorted(hour for _, hour, _, _ in jobs)
    assert starts[0] < 10 and starts[-1] > 16


def test_experiment_runs_are_weekday_bursts_and_a_few_evening_runs() -> None:
    jobs = days_and_hours("experiment", 4)
    assert sorted({day for day, *_ in jobs}) == WEEKDAYS
    assert all(10 / 60 <= length <= 1 and gpus == 1 for _, _, length, gpus in jobs)
    evening = [hour for _, hour, _, _ in jobs if hour >= 19]
    assert 0 < len(evening) < len(jobs) / 5
    assert min(hour for _, hour, _, _ in jobs) >= 9.5


def test_the_nightly_retrain_runs_every_day_at_two_on_half_the_quota() -> None:
    jobs = days_and_hours("scheduled-retrain", 16)
    assert [day for day, *_ in jobs] == list(range(DAYS))
    assert all(hour == 2 and 2.5 <= length <= 3.5 and gpus == 8
               for _, hour, length, gpus in jobs)
    assert {gpus for *_, gpus in days_and_hours("scheduled-retrain", 1)} == {1}


def test_adhoc_training_is_two_large_runs_each_after_short_debug_runs() -> None:
    jobs = days_and_hours("adhoc-training", 8)
    large = [(day, hour, length, gpus) for day, hour, length, gpus in jobs if gpus > 1]
    assert large == [(3, 9.0, 72.0, 8), (15, 9.0, 48.0, 4)]
    debug = [job for job in jobs if job[3] == 1]
    assert len(debug) == 20 and all(length == pytest.approx(1 / 3) for _, _, length, _ in debug)


def test_a_service_keeps_a_quarter_always_busy_and_another_quarter_by_day() -> None:
    jobs = days_and_hours("service", 8)
    always = [job for job in jobs if job[2] == DAYS * 24]
    assert len(always) == 2 and all(day == 0 and hour == 0 for day, hour, _, _ in always)
    daytime = [job for job in jobs if job[2] == 12]
    assert sorted({day for day, *_ in daytime}) == WEEKDAYS
    assert len(daytime) == 2 * len(WEEKDAYS)
    assert all(8 <= hour <= 8 + 10 / 60 for _, hour, _, _ in daytime)


def test_an_unknown_profile_has_no_reference_workload() -> None:
    with pytest.raises(KeyError, match="batch"):
        reference_trace("batch", 4)


@pytest.mark.parametrize(("value", "gib_"), [
    (200, 200.0), ("200", 200.0), (12.5, 12.5), ("200Gi", 200.0), ("1Ti", 1024.0),
    ("x", None), (None, None)])
def test_volume_sizes_are_gib_numbers_or_quantities(value: object, gib_: float | None) -> None:
    assert gib(value) == gib_


def test_paths_into_engine_inputs_stop_at_anything_missing() -> None:
    from infra.cost.rules.values import dig

    data = {"a": [{"b": 1}], "m": {"x": 1}}
    assert dig(data, "a", 0, "b") == 1
    assert dig(data, "a", 1, "b") is None  # past the end of the list
    assert dig(data, "m", 0) is None  # an index into a mapping
    assert dig(data, "a", "b") is None  # a key into a list


def test_a_boolean_is_not_a_quantity() -> None:
    from infra.cost.rules.values import k8s_quantity

    assert k8s_quantity(True) is None and k8s_quantity(False) is None
    assert k8s_quantity(1e20) == 1e20
