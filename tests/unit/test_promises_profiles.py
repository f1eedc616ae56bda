"""The promise: a profile is one policy bundle across every layer, consistently.

- What the request decides (time zone, quotas, schedules) reaches every layer that claims it,
  and says so in its reason; what it does not set stays the catalog's.
- Working hours are the same on every layer that has them; warm windows open before work.
- What docs/profiles.md says each profile is in short holds for its values.
- Every value and reason is in the generated docs/profile-reference.md: a value changed on
  one layer shows in review (a stale reference fails here).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pytest

from infra import profile_docs
from infra.profiles import LAYERS, PROFILE_NAMES, duration_seconds, resolve
from infra.profiles.hours import WORK_DAYS, WORK_END_HOUR, WORK_START_HOUR

ROOT = Path(__file__).resolve().parents[2]


def request(**sections: dict[str, object]) -> SimpleNamespace:
    return SimpleNamespace(**{k: SimpleNamespace(**v) for k, v in sections.items()})


FULL = request(desktops={"timezone": "Europe/Berlin", "schedule": "business-hours"},
               gpu={"max_gpus": 40, "instance_types": ["g5.12xlarge", "g6.xlarge"]},
               spark={"max_executors": 77, "schedule": "0 3 * * *"},
               ci_runners={"max_runners": 23})


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_the_time_zone_reaches_every_layer_that_has_one(profile: str) -> None:
    bundle = resolve(profile, FULL)
    zoned = [layer for layer in LAYERS
             if "timezone" in {f.name for f in dataclasses.fields(bundle.layer(layer))}]
    assert set(zoned) == {"karpenter", "asg", "notebooks", "desktops", "ci_runners"}
    for layer in zoned:
        assert bundle.layer(layer).timezone == "Europe/Berlin", layer
        assert bundle.reason(layer, "timezone") == "from the request (desktops.timezone)"
    default = resolve(profile)
    for layer in zoned:
        assert default.layer(layer).timezone == "UTC", layer
        assert "from the request" not in default.reason(layer, "timezone")


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_request_quotas_reach_the_layers_they_limit(profile: str) -> None:
    bundle = resolve(profile, FULL)
    assert bundle.karpenter.max_gpus == 40
    assert bundle.karpenter.instance_types == ("g5.12xlarge", "g6.xlarge")
    assert bundle.spark.dynamic_allocation_max_executors == 77
    assert bundle.spark.emr_managed_scaling_max_units == 77
    assert bundle.ci_runners.max_runners == 23
    for layer, field, source in (("karpenter", "max_gpus", "gpu.max_gpus"),
                                 ("karpenter", "instance_types", "gpu.instance_types"),
                                 ("spark", "dynamic_allocation_max_executors",
                                  "spark.max_executors"),
                                 ("spark", "emr_managed_scaling_max_units",
                                  "spark.max_executors"),
                                 ("ci_runners", "max_runners", "ci_runners.max_runners")):
        assert bundle.reason(layer, field) == f"from the request ({source})", (layer, field)
        assert "from the request" not in resolve(profile).reason(layer, field)
    # Only the fields the request names change: everything else is the catalog's.
    default = resolve(profile)
    assert bundle.asg == dataclasses.replace(default.asg, timezone="Europe/Berlin")


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_working_hours_agree_on_every_layer(profile: str) -> None:
    bundle = resolve(profile, FULL)
    for layer in ("notebooks", "desktops"):
        record = bundle.layer(layer)
        assert (record.working_days, record.working_hours_start, record.working_hours_end) \
            == (WORK_DAYS, WORK_START_HOUR, WORK_END_HOUR), layer
    d = bundle.desktops
    if d.start_schedule is not None:
        minute, hour = (int(x) for x in d.start_schedule.split()[:2])
        assert hour * 60 + minute < WORK_START_HOUR * 60, "desktops are up before work starts"
        stop_minute, stop_hour = (int(x) for x in d.stop_schedule.split()[:2])
        assert stop_hour * 60 + stop_minute > WORK_END_HOUR * 60, "and stop after it ends"
    for window in bundle.karpenter.warm_floor + bundle.ci_runners.warm_floor:
        if window.schedule is None:
            continue
        minute, hour = (int(x) for x in window.schedule.split()[:2])
        start = hour * 60 + minute
        assert start < WORK_START_HOUR * 60, "warm capacity comes up before work"
        assert start + duration_seconds(window.duration) / 60 >= WORK_END_HOUR * 60, \
            "and lasts until work ends"
    assert bundle.notebooks.cull_idle_timeout_off_hours_s <= bundle.notebooks.cull_idle_timeout_s


@pytest.mark.parametrize(("schedule", "start", "stop", "idle_stops"), [
    ("business-hours", True, True, True),
    ("always-on", False, False, False),
    ("on-demand", False, False, True),
])
def test_the_desktop_schedule_the_request_names_is_the_one_applied(
        schedule: str, start: bool, stop: bool, idle_stops: bool) -> None:
    for profile in PROFILE_NAMES:
        bundle = resolve(profile, request(desktops={"timezone": "UTC", "schedule": schedule}))
        d = bundle.desktops
        assert (d.start_schedule is not None, d.stop_schedule is not None) == (start, stop)
        assert (d.idle_stop_minutes > 0) is idle_stops, (profile, schedule)
        owned = bundle.runtime_owned_fields()["desktops"]
        assert bool(owned) is (start or idle_stops), (profile, schedule)


def test_profiles_are_what_the_docs_say_in_short() -> None:
    """The table 'The profiles' of docs/profiles.md, value by value."""
    i, e, r, a, s = (resolve(name) for name in PROFILE_NAMES)
    # interactive: on-demand, never moved, warm node 07:45-19:00, idles down after hours
    assert i.karpenter.capacity_types == ("on-demand",)
    assert i.karpenter.consolidation_policy == "WhenEmpty"
    assert i.karpenter.do_not_disrupt_training
    [warm] = i.karpenter.warm_floor
    assert (warm.nodes, warm.schedule, duration_seconds(warm.duration)) == \
        (1, "45 7 * * 1-5", (19 * 60 - (7 * 60 + 45)) * 60)
    assert i.notebooks.cull_idle_timeout_off_hours_s < i.notebooks.cull_idle_timeout_s
    assert i.asg.min_size == 0 and i.spark.dynamic_allocation_min_executors == 0
    # experiment: spot, repacking after 10 min, small warm floor in the day
    assert "spot" in e.karpenter.capacity_types
    assert (e.karpenter.consolidation_policy, e.karpenter.consolidate_after) == \
        ("WhenEmptyOrUnderutilized", "10m")
    assert e.karpenter.warm_floor and all(w.schedule for w in e.karpenter.warm_floor)
    # scheduled-retrain: spot, WhenEmpty after 5 min, nothing warm, no roll-outs in the run
    assert "spot" in r.karpenter.capacity_types
    assert (r.karpenter.consolidation_policy, r.karpenter.consolidate_after) == \
        ("WhenEmpty", "5m")
    assert not r.karpenter.warm_floor and not r.ci_runners.warm_floor
    assert any(b.nodes == "0" and b.reasons == ("Drifted",) for b in r.karpenter.budgets)
    # adhoc-training: on-demand, never disrupted, no expiry
    assert a.karpenter.capacity_types == ("on-demand",)
    assert a.karpenter.do_not_disrupt_training and a.karpenter.expire_after == "Never"
    # service: on-demand, always one node, one node changed at a time
    assert s.karpenter.capacity_types == ("on-demand",)
    assert [w.nodes for w in s.karpenter.warm_floor if w.schedule is None] == [1]
    assert any(b.nodes == "1" and b.schedule is None for b in s.karpenter.budgets)


def test_the_profile_reference_is_current() -> None:
    committed = (ROOT / "docs" / "profile-reference.md").read_text(encoding="utf-8")
    assert committed == profile_docs.render(), \
        "regenerate: python -m infra.profile_docs > docs/profile-reference.md"


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_the_json_form_carries_every_value_reason_and_owner(profile: str) -> None:
    """`teamstack profiles NAME --format json`: each layer's settings with value, reason and
    whether something else owns it at run time."""
    bundle = resolve(profile, FULL)
    data = bundle.to_dict()
    assert set(data) == {"profile", "summary", "layers"}
    assert (data["profile"], data["summary"]) == (profile, bundle.summary)
    assert list(data["layers"]) == list(LAYERS)
    owned = bundle.runtime_owned_fields()
    for layer in LAYERS:
        settings = data["layers"][layer]["settings"]
        record = dataclasses.asdict(bundle.layer(layer))
        assert list(settings) == list(record)
        for key, entry in settings.items():
            assert entry == {"value": record[key], "reason": bundle.reason(layer, key),
                             "runtime_owned": key in owned[layer]}, (layer, key)


def test_an_unknown_layer_is_named_with_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        resolve("service").layer("gpu")
    assert caught.value.args == (
        "unknown layer 'gpu'; expected one of: karpenter, asg, spark, notebooks, desktops, "
        "ci_runners",)


def test_an_unknown_profile_is_named_with_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        resolve("batch")
    assert caught.value.args[0] == (
        "unknown profile 'batch'; expected one of: " + ", ".join(PROFILE_NAMES))


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_emr_core_size_is_runtime_owned_only_when_scaling_can_move_it(profile: str) -> None:
    """With the ceiling at the floor, managed scaling never resizes the core group: ignoring
    changes to its size would only hide the request's own size changes from `pulumi up`."""
    emr = "aws:emr/cluster:Cluster"
    for executors in (1, 2, 3, 40):
        bundle = resolve(profile, request(spark={"max_executors": executors}))
        can_move = bundle.spark.emr_managed_scaling_max_units > \
            bundle.spark.emr_managed_scaling_min_units
        assert ("emr_managed_scaling_min_units" in bundle.runtime_owned_fields()["spark"]) \
            is can_move, (profile, executors)
        assert bundle.ignore_changes(emr) == (["coreInstanceGroup.instanceCount"]
                                              if can_move else [])
    assert any(resolve(profile, request(spark={"max_executors": n})).spark
               .emr_managed_scaling_max_units == resolve(profile).spark
               .emr_managed_scaling_min_units for n in (1, 2)), "the equal case is tested"
