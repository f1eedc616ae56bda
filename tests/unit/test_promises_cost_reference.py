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


def test_experiment_runs_start_after_the_four_bursts_and_last_ten_to_sixty_minutes() -> None:
    jobs = days_and_hours("experiment", 4)
    daytime = [(hour, length) for _, hour, length, _ in jobs if hour < 19]
    assert sorted({day for day, hour, _, _ in jobs if hour < 19}) == WEEKDAYS
    for burst in (9.5, 11, 14, 16.5):
        assert any(burst <= hour < burst + 0.25 for hour, _ in daytime), burst
    # Submissions spread after each burst (about half an hour on average), not all at once.
    assert sum(hour - max(b for b in (9.5, 11, 14, 16.5) if b <= hour)
               for hour, _ in daytime) / len(daytime) == pytest.approx(0.5, rel=0.2)
    assert min(length for _, length in daytime) < 11 / 60


def test_evening_experiment_runs_are_a_tenth_of_the_day_s_between_19_and_23() -> None:
    for quota, per_weekday in ((1, 1), (4, 2), (16, 11)):
        evening = [(day, hour, length) for day, hour, length, _ in
                   days_and_hours("experiment", quota) if hour >= 19]
        assert sorted({day for day, _, _ in evening}) == WEEKDAYS
        # (a late burst's run may also start after 19:00: allow a few)
        assert 0 <= len(evening) - per_weekday * len(WEEKDAYS) <= 3, quota
        assert all(19 <= hour <= 23 and 10 / 60 <= length <= 1 for _, hour, length in evening)
    assert min(hour for _, hour, _ in evening) < 20
    assert min(length for _, _, length in evening) < 11 / 60


def test_retrain_durations_vary_and_use_whole_gpus() -> None:
    jobs = days_and_hours("scheduled-retrain", 3)
    assert {gpus for *_, gpus in jobs} == {1}
    assert min(length for _, _, length, _ in jobs) < 3 < max(length for _, _, length, _ in jobs)
    assert min(length for _, _, length, _ in days_and_hours("interactive", 4)) < 1.5


@pytest.mark.parametrize(("quota", "sizes"), [(2, (2, 1)), (3, (3, 1)), (8, (8, 4))])
def test_adhoc_debug_runs_finish_in_the_five_hours_before_each_large_run(
        quota: int, sizes: tuple[int, int]) -> None:
    trace = reference_trace("adhoc-training", quota)
    jobs = list(zip(trace.submit, trace.duration, trace.gpus, strict=True))
    large = [(s, g) for s, d, g in jobs if d > 24 * HOUR]
    assert tuple(g for _, g in large) == sizes
    for start, _ in large:
        debug = [s for s, d, g in jobs if d < HOUR and start - 5 * HOUR <= s < start]
        assert len(debug) == 10
        assert all(s + 20 * 60 <= start for s in debug)  # done before the large run starts


def test_service_jobs_use_one_gpu_each_and_a_quarter_of_the_quota() -> None:
    for quota, base in ((4, 1), (8, 2), (16, 4)):
        trace = reference_trace("service", quota)
        assert set(trace.gpus) == {1}
        assert sum(1 for d in trace.duration if d == DAYS * DAY) == base
    assert reference_trace("service", 4).name == "reference-service"


def test_expected_is_the_four_week_replay_scaled_to_730_hours_and_to_the_quota() -> None:
    from infra.cost.reference import MAX_REFERENCE_GPUS, expected_monthly
    from infra.simulate.engine import NodeType, SimOptions, simulate
    from infra.simulate.policy import profile_policy

    node = NodeType("g5.xlarge", 1, 1.0, 0.4)
    trace = reference_trace("scheduled-retrain", 8)
    policy = profile_policy("scheduled-retrain", node_gpus=1, max_gpus=8, timezone="UTC")
    replay = simulate(trace, policy, node, SimOptions())
    usd, node_hours = expected_monthly("scheduled-retrain", 8, node)
    assert usd == pytest.approx(replay.cost_usd * 730 / (DAYS * 24))
    assert node_hours == pytest.approx(replay.node_hours * 730 / (DAYS * 24))
    big_usd, big_hours = expected_monthly("scheduled-retrain", 2 * MAX_REFERENCE_GPUS, node)
    at_max = expected_monthly("scheduled-retrain", MAX_REFERENCE_GPUS, node)
    assert (big_usd, big_hours) == pytest.approx((2 * at_max[0], 2 * at_max[1]))
