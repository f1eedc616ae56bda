"""``teamstack recommend`` as a sizing search, and ``--write`` into a stack file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import infra.cli
from infra.errors import CheckFailed
from infra.simulate.stackedit import write_gpu
from infra.stackfile import load

STACKS = Path(__file__).resolve().parents[2] / "stacks"
KEYS = {"profile", "instance_types", "max_gpus", "cost_usd", "monthly_usd", "cost_ratio",
        "cost_vs_floor", "wait_p50_s", "wait_p95_s", "lost_gpu_hours"}


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    return infra.cli.main


def _trace(tmp_path: Path) -> Path:
    # Two weeks of working-day bursts of 1-GPU and 4-GPU runs.
    rows = ["submit_time_s,duration_s,num_gpus"]
    for day in range(14):
        for k in range(12):
            start = day * 86400 + 9 * 3600 + k * 1500
            rows.append(f"{start},{1800 + 300 * (k % 3)},{4 if k % 4 == 0 else 1}")
    path = tmp_path / "trace.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _stack_dir(tmp_path: Path) -> Path:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for name in ("Pulumi.platform-prod.yaml", "Pulumi.vision-prod.yaml"):
        shutil.copy(STACKS / name, stacks / name)
    return stacks / "Pulumi.vision-prod.yaml"


def test_recommend_json_has_the_sizing_and_every_candidate(cli, tmp_path, capsys):
    code = cli(["recommend", "--trace", str(_trace(tmp_path)), "--wait-p95", "30",
                "--instance-types", "g5.xlarge,g5.12xlarge,g5.48xlarge,g6.xlarge",
                "--jobs", "2", "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    rec = data["recommended"]
    assert set(rec) == KEYS
    assert rec["wait_p95_s"] <= 1800 and rec["cost_vs_floor"] >= 1
    chosen = [c for c in data["candidates"] if c["rejected_because"] is None]
    assert len(chosen) == 1 and {k: chosen[0][k] for k in KEYS} == rec
    assert all(KEYS | {"rejected_because"} <= set(c) for c in data["candidates"])
    # Every other candidate says why it lost, and nothing cheaper met the target.
    for c in data["candidates"]:
        if c["rejected_because"] is None:
            continue
        assert c["rejected_because"]
        if c["cost_usd"] < rec["cost_usd"] - 0.01:
            assert "p95 wait" in c["rejected_because"] or "cap" in c["rejected_because"]
    # Profiles x instance sets x caps were all searched.
    assert {c["profile"] for c in data["candidates"]} >= {"experiment", "interactive"}
    assert len({tuple(c["instance_types"]) for c in data["candidates"]}) >= 2
    assert len({c["max_gpus"] for c in data["candidates"]}) >= 2
    # One floor for every candidate and baseline: cost / cost_vs_floor is the same number.
    floors = {round(c["cost_usd"] / c["cost_vs_floor"], 6)
              for c in data["candidates"] + data["baselines"]}
    assert len(floors) == 1
    assert data["baselines"][0]["instance_types"] == ["g5.48xlarge"]
    assert any("Spot Advisor" in a for a in data["assumptions"])


def test_budget_rejects_costlier_candidates(cli, tmp_path, capsys):
    trace = str(_trace(tmp_path))
    code = cli(["recommend", "--trace", trace, "--wait-p95", "30", "--instance-types",
                "g6.xlarge,g6.12xlarge", "--jobs", "1", "--budget-usd", "1",
                "--format", "json"])
    captured = capsys.readouterr()
    assert code == 1 and "within the budget" in captured.err
    data = json.loads(captured.out)
    assert data["recommended"] is None
    assert any("budget $1" in (c["rejected_because"] or "") for c in data["candidates"])


def test_write_edits_the_gpu_section_and_keeps_the_rest(cli, tmp_path, capsys):
    stack = _stack_dir(tmp_path)
    before = stack.read_text()
    code = cli(["recommend", "--trace", str(_trace(tmp_path)), "--wait-p95", "30",
                "--stack", str(stack), "--jobs", "1", "--write", "--format", "json"])
    assert code == 0
    rec = json.loads(capsys.readouterr().out)["recommended"]
    # The stack's own instance types were the search space (g5 and p4d, eu-west-1 prices).
    assert set(rec["instance_types"]) <= {"g5.xlarge", "g5.12xlarge", "p4d.24xlarge"}
    after = stack.read_text()
    result = load(stack)
    assert result.problems == []
    gpu = result.stack.team.gpu
    assert (gpu.profile, gpu.instance_types, gpu.max_gpus) == (
        rec["profile"], rec["instance_types"], rec["max_gpus"])
    # Only the gpu lines changed; the comment and every other line are as they were.
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True)
               if a != b]
    assert changed and all(a.strip().split(":")[0] in ("profile", "instance_types",
                                                         "max_gpus") for a, _ in changed)
    assert after.startswith("# Computer-vision research")


def test_write_needs_a_stack(cli, tmp_path, capsys):
    code = cli(["recommend", "--trace", str(_trace(tmp_path)), "--wait-p95", "30", "--write"])
    assert code == 1 and "--write needs --stack" in capsys.readouterr().err


def test_write_that_would_not_validate_leaves_the_file_alone(tmp_path):
    stack = _stack_dir(tmp_path)
    before = stack.read_text()
    with pytest.raises(CheckFailed) as error:
        write_gpu(stack, "experiment", ["g5.xlarge"], 5000)  # above the schema's 2048
    assert "gpu.max_gpus" in "\n".join(error.value.lines)
    assert stack.read_text() == before
    assert not list(stack.parent.glob(".*.tmp"))


def test_write_creates_a_gpu_section_when_there_is_none(tmp_path):
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for name in ("Pulumi.platform-prod.yaml", "Pulumi.insights-prod.yaml"):
        shutil.copy(STACKS / name, stacks / name)
    stack = stacks / "Pulumi.insights-prod.yaml"
    before = stack.read_text()
    write_gpu(stack, "scheduled-retrain", ["g6.xlarge"], 8)
    # Appended at the end of the request; nothing else moved.
    assert stack.read_text() == before + (
        "    gpu:\n      profile: scheduled-retrain\n      instance_types: [g6.xlarge]\n"
        "      max_gpus: 8\n")
    gpu = load(stack).stack.team.gpu
    assert (gpu.profile, gpu.instance_types, gpu.max_gpus) == ("scheduled-retrain",
                                                               ["g6.xlarge"], 8)


@pytest.mark.parametrize(("extra", "message"), [
    (["--instance-types", "g5.xlarge,m6i.large"], "m6i.large has no GPU"),
    (["--instance-types", "g5.nope"], "g5.nope is not in the price catalog"),
    (["--instance-types", "g5.xlarge", "--node-gpus", "1"], "not both"),
    (["--spot-unavailable", "1"], "below 1"),
    (["--stack", "missing.yaml"], "no such file"),
    (["--budget-usd", "0"], "--budget-usd 0"),
])
def test_bad_sizing_options_are_one_line_exit_1(cli, tmp_path, capsys, extra, message):
    code = cli(["recommend", "--trace", str(_trace(tmp_path)), "--wait-p95", "30", *extra])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err


def test_simulate_takes_the_pool_and_cap_from_the_stack(cli, tmp_path, capsys):
    stack = _stack_dir(tmp_path)  # gpu: g5.xlarge, g5.12xlarge, p4d.24xlarge; max_gpus 64
    assert cli(["simulate", "--trace", str(_trace(tmp_path)), "--policy", "experiment",
                "--stack", str(stack), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert sorted(data["instance_types"]) == ["g5.12xlarge", "g5.xlarge", "p4d.24xlarge"]
    assert data["max_gpus"] == 64
    assert set(data["launches_by_type"]) <= {"g5.xlarge", "g5.12xlarge"}  # p4d is dearer
    assert data["cost_vs_floor"] >= 1 and data["cost_ratio"] >= 1
    assert any("eu-west-1" in a for a in data["assumptions"])  # the stack's region
    assert any("Europe/Berlin" in a for a in data["assumptions"])  # its desktops' zone
    # --instance-types and --max-gpus override the stack.
    assert cli(["simulate", "--trace", str(_trace(tmp_path)), "--policy", "experiment",
                "--stack", str(stack), "--instance-types", "g6.xlarge", "--max-gpus", "3",
                "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["instance_types"] == ["g6.xlarge"] and data["max_gpus"] == 3
    assert data["unschedulable"] > 0  # the 4-GPU runs do not fit under 3 GPUs
