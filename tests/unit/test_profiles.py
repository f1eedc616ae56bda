"""The profile catalog: every profile sets every layer coherently, with a reason per value."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace

import pytest
from croniter import croniter

import infra.cli
from infra.profiles import CATALOG, LAYERS, PROFILE_NAMES, duration_seconds, resolve
from infra.profiles.hours import utc_window
from infra.profiles.model import PolicyBundle

MY_COMMANDS = ("infra.commands.profiles", "infra.commands.simulate", "infra.commands.prices")


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", MY_COMMANDS)
    return infra.cli.main


def test_names_match_catalog():
    assert tuple(CATALOG) == PROFILE_NAMES


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_profile_sets_every_layer_with_reasons(name):
    bundle = resolve(name)
    assert isinstance(bundle, PolicyBundle)
    assert set(bundle.reasons) == set(LAYERS)
    for layer in LAYERS:
        fields = {f.name for f in dataclasses.fields(bundle.layer(layer))}
        assert set(bundle.reasons[layer]) == fields, layer
        for key in fields:
            reason = bundle.reason(layer, key)
            assert reason.strip() and "\n" not in reason, (layer, key)


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_values_are_well_formed(name):
    bundle = resolve(name)
    k = bundle.karpenter
    assert set(k.capacity_types) <= {"spot", "on-demand"} and k.capacity_types
    assert k.consolidation_policy in {"WhenEmpty", "WhenEmptyOrUnderutilized"}
    duration_seconds(k.consolidate_after)
    duration_seconds(k.expire_after)
    for budget in k.budgets:
        assert budget.nodes.rstrip("%").isdigit()
        if budget.schedule is not None:
            assert croniter.is_valid(budget.schedule)
            assert duration_seconds(budget.duration) > 0
    for window in k.warm_floor:
        assert window.nodes >= 1
        assert window.schedule is None or croniter.is_valid(window.schedule)
    a = bundle.asg
    assert 0 <= a.min_size <= a.desired_capacity <= a.max_size
    for action in a.scheduled_actions:
        assert croniter.is_valid(action.recurrence)
        assert action.min_size <= action.desired_capacity <= action.max_size
    s = bundle.spark
    assert s.dynamic_allocation_min_executors <= s.dynamic_allocation_max_executors
    assert s.emr_managed_scaling_min_units <= s.emr_managed_scaling_max_units
    c = bundle.ci_runners
    assert 0 <= c.min_runners <= c.max_runners
    for window in c.warm_floor:
        assert croniter.is_valid(window.schedule) and window.min_runners <= c.max_runners
    d = bundle.desktops
    for cron in (d.start_schedule, d.stop_schedule):
        assert cron is None or croniter.is_valid(cron)


def test_profiles_differ_where_the_work_differs():
    interactive, experiment = resolve("interactive"), resolve("experiment")
    retrain, adhoc, service = resolve("scheduled-retrain"), resolve("adhoc-training"), \
        resolve("service")
    # People's sessions and multi-day runs are never on spot; restartable batch work is.
    assert interactive.karpenter.capacity_types == ("on-demand",)
    assert adhoc.karpenter.capacity_types == ("on-demand",)
    assert "spot" in experiment.karpenter.capacity_types
    assert "spot" in retrain.karpenter.capacity_types
    # Long runs never expire or get evicted; a service never scales to zero.
    assert adhoc.karpenter.expire_after == "Never" and adhoc.karpenter.do_not_disrupt_training
    assert service.asg.min_size >= 1 and service.ci_runners.min_runners >= 1
    assert service.spark.emr_idle_timeout_s is None
    # Only the working-hours profiles keep warm capacity on a schedule.
    assert interactive.karpenter.warm_floor and experiment.karpenter.warm_floor
    assert not retrain.karpenter.warm_floor and not adhoc.karpenter.warm_floor


def test_unknown_profile_is_rejected():
    with pytest.raises(KeyError, match="unknown profile 'batch'"):
        resolve("batch")


def test_request_values_flow_in_and_say_so():
    request = SimpleNamespace(
        desktops=SimpleNamespace(timezone="Europe/Berlin", schedule="business-hours"),
        gpu=SimpleNamespace(max_gpus=64, instance_types=["g5.12xlarge"]),
        spark=SimpleNamespace(max_executors=50, schedule="0 2 * * *"),
        ci_runners=SimpleNamespace(max_runners=25),
    )
    bundle = resolve("scheduled-retrain", request)
    assert bundle.karpenter.max_gpus == 64
    assert bundle.karpenter.instance_types == ("g5.12xlarge",)
    assert bundle.reason("karpenter", "max_gpus") == "from the request (gpu.max_gpus)"
    assert bundle.spark.dynamic_allocation_max_executors == 50
    assert bundle.ci_runners.max_runners == 25
    assert bundle.desktops.timezone == "Europe/Berlin"
    retrain_budget = bundle.karpenter.budgets[-1]
    assert retrain_budget.schedule == "0 2 * * *" and retrain_budget.nodes == "0"


def test_request_with_missing_sections_uses_defaults():
    bundle = resolve("experiment", SimpleNamespace(gpu=None, desktops=None))
    assert bundle == resolve("experiment")


def test_always_on_desktops_have_no_schedule_and_no_runtime_owner():
    request = SimpleNamespace(desktops=SimpleNamespace(schedule="always-on", timezone="UTC"))
    bundle = resolve("interactive", request)
    assert bundle.desktops.start_schedule is None and bundle.desktops.idle_stop_minutes == 0
    assert bundle.runtime_owned_fields()["desktops"] == []
    assert resolve("interactive").runtime_owned_fields()["desktops"] == ["start_schedule"]


def test_runtime_owned_fields_follow_the_values():
    experiment = resolve("experiment")
    owned = experiment.runtime_owned_fields()
    assert set(owned) == set(LAYERS)
    assert "desired_capacity" in owned["asg"] and "min_size" in owned["asg"]
    assert owned["ci_runners"] == ["min_runners"]
    assert experiment.ignore_changes("aws:autoscaling/group:Group") == ["desiredCapacity",
                                                                        "minSize"]
    # No scheduled floor for runners, no scheduled actions: only the autoscaler's field.
    retrain = resolve("scheduled-retrain")
    assert retrain.runtime_owned_fields()["ci_runners"] == []
    assert retrain.ignore_changes("aws:autoscaling/group:Group") == ["desiredCapacity"]
    # Every runtime-owned field is a real field of its layer.
    for name in PROFILE_NAMES:
        for item in resolve(name).runtime_owned():
            assert hasattr(resolve(name).layer(item.layer), item.field)


@pytest.mark.parametrize(("zone", "cron", "duration"), [
    ("UTC", "0 8 * * 1-5", "11h"),
    ("Europe/Berlin", "0 6 * * 1-5", "12h"),        # +1 winter, +2 summer
    ("America/New_York", "0 12 * * 1-5", "12h"),    # -5 winter, -4 summer
    ("Asia/Tokyo", "0 23 * * 0-4", "11h"),          # starts the previous UTC day
    ("Asia/Kolkata", "30 2 * * 1-5", "11h"),        # half-hour offset
])
def test_utc_window_covers_local_hours_all_year(zone, cron, duration):
    assert utc_window(zone, "1-5", 8, 19) == (cron, duration)


def test_duration_seconds():
    assert duration_seconds("1h30m") == 5400
    assert duration_seconds("0s") == 0
    assert duration_seconds("Never") == float("inf")
    with pytest.raises(ValueError, match="not a duration"):
        duration_seconds("5 minutes")


def test_cli_lists_catalog_and_shows_json(cli, capsys):
    assert cli(["profiles"]) == 0
    out = capsys.readouterr().out
    for name in PROFILE_NAMES:
        assert name in out
    assert cli(["profiles", "service", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"] == "service"
    assert set(data["layers"]) == set(LAYERS)
    asg = data["layers"]["asg"]["settings"]
    assert asg["min_size"]["value"] == 1 and asg["desired_capacity"]["runtime_owned"] is True


def test_cli_text_marks_runtime_owned(cli, capsys):
    assert cli(["profiles", "experiment"]) == 0
    assert "run-time owned" in capsys.readouterr().out


def test_cli_unknown_profile_is_one_line_exit_1(cli, capsys):
    assert cli(["profiles", "nightly"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown profile 'nightly'" in err[0]


def test_resolve_reads_the_real_request_model():
    # The request model is the lead's; resolve() reads it only through optional attributes,
    # so this checks those attribute paths against the real TeamRequest of an example stack.
    from pathlib import Path

    from infra.stackfile import load_or_raise

    stacks = Path(__file__).resolve().parents[2] / "stacks"
    teams = [s for s in (load_or_raise(p) for p in sorted(stacks.glob("Pulumi.*.yaml")))
             if s.kind == "team" and getattr(s.request, "gpu", None) is not None]
    assert teams, "no example team stack with a GPU section"
    request = teams[0].request
    bundle = resolve(request.gpu.profile, request)
    assert bundle.karpenter.max_gpus == request.gpu.max_gpus
    assert bundle.karpenter.instance_types == tuple(request.gpu.instance_types)
    assert bundle.reason("karpenter", "max_gpus") == "from the request (gpu.max_gpus)"
    if request.desktops is not None:
        assert bundle.desktops.timezone == request.desktops.timezone


@pytest.mark.parametrize("name", PROFILE_NAMES)
@pytest.mark.parametrize("layer", LAYERS)
def test_a_component_receives_its_layer_with_that_layers_runtime_owned_fields(name, layer):
    """``for_layer`` is the one shape policy takes into a component: the layer's settings and
    exactly the runtime-owned fields of that layer, so ``ignore_changes`` is the bundle's."""
    bundle = resolve(name)
    policy = bundle.for_layer(layer)
    assert policy.settings is bundle.layer(layer), f"{name}.{layer}: settings are not the layer"
    assert policy.profile == name and policy.layer == layer
    assert policy.runtime_owned == tuple(o for o in bundle.runtime_owned() if o.layer == layer), (
        f"{name}.{layer}: runtime-owned fields differ from the bundle's for that layer")
    for owned in policy.runtime_owned:
        assert policy.ignore_changes(owned.resource) == bundle.ignore_changes(owned.resource), (
            f"{name}.{layer}: ignore_changes of {owned.resource} differs from the bundle's")


def test_for_layer_refuses_an_unknown_layer():
    with pytest.raises(KeyError, match="unknown layer 'gpu'"):
        resolve("experiment").for_layer("gpu")  # type: ignore[call-overload]
