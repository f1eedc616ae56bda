"""Traces, the recommendation, and the `simulate` / `recommend` commands end to end."""

from __future__ import annotations

import dataclasses
import json

import pytest

import infra.cli
from infra.errors import UserError
from infra.simulate.engine import NodeType, SimOptions
from infra.simulate.policy import peak_nodes
from infra.simulate.recommend import Replay, compare, recommend
from infra.simulate.trace import Trace, expand_counts, load_trace

MY_COMMANDS = ("infra.commands.profiles", "infra.commands.simulate", "infra.commands.prices")
G5 = NodeType("g5.xlarge", 1, on_demand_hourly=1.006, spot_hourly=0.4024)


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", MY_COMMANDS)
    return infra.cli.main


def write(tmp_path, text: str, name: str = "trace.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def working_day_trace() -> Trace:
    """Two working weeks: a 10-minute, 1-GPU run every 30 min from 09:00 to 16:30 (UTC)."""
    return Trace.from_jobs("working-days", [
        (day * 86400 + 9 * 3600 + i * 1800, 600, 1)
        for week in range(2) for day in range(week * 7, week * 7 + 5) for i in range(16)])


# ---------------------------------------------------------------------------- trace files

def test_load_trace_reads_required_columns_and_skips_cpu_and_unrun_rows(tmp_path):
    path = write(tmp_path, "job_id,submit_time_s,duration_s,num_gpus,status\n"
                           "b,100,50,2,Running\n"
                           "a,0,10,0.5,Running\n"
                           "c,5,20,0,Running\n"
                           "d,7,,1,Pending\n")
    trace = load_trace(path)
    assert trace.submit == [0.0, 100.0] and trace.gpus == [0.5, 2.0]
    assert trace.skipped_no_gpu == 1
    assert any("never ran" in note for note in trace.notes)


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty"),
    ("submit_time_s,duration_s,num_gpus\n", "no GPU jobs to replay (the file has a header"),
    ("submit_time_s,num_gpus\n1,2\n", ":1: missing column(s) duration_s"),
    ("submit_time_s,duration_s,num_gpus\n0,10,1\n5,ten,1\n", ":3: column duration_s: 'ten' is"),
    ("submit_time_s,duration_s,num_gpus\n0,10,-1\n", ":2: column num_gpus: -1 must be 0 or"),
    ("submit_time_s,duration_s,num_gpus\n0,nan,1\n", ":2: column duration_s: 'nan' is not a f"),
    ("submit_time_s,duration_s,num_gpus\n0,10\n", ":2: expected 3 columns, found 2"),
    ("submit_time_s,duration_s,num_gpus\n0,10,0\n", "all 1 rows ask for 0 GPUs"),
])
def test_bad_traces_name_file_line_and_column(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as caught:
        load_trace(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        load_trace(tmp_path / "nope.csv")


def test_count_file_is_rejected_with_a_pointer_then_expanded(tmp_path):
    path = write(tmp_path, "time,submit_gpu_job,start_gpu_job,end_gpu_job,start_gpu_num\n"
                           "2020-04-01 00:00:00,2,2,1,5\n"
                           "2020-04-01 00:10:00,1,1,2,8\n"
                           "2020-04-01 00:20:00,0,0,0,0\n")
    with pytest.raises(UserError, match="--expand-counts"):
        load_trace(path)
    trace = expand_counts(path)
    # Bin 0: two starts at 150 s and 450 s with 3 and 2 GPUs; one end at 300 s pairs with the
    # first start. Bin 1: one start (8 GPUs) at 900 s; ends at 750 s and 1050 s pair FIFO.
    # Nothing runs past the end.
    assert trace.submit == [150.0, 450.0, 900.0]
    assert trace.duration == [150.0, 300.0, 150.0]
    assert trace.gpus == [3.0, 2.0, 8.0]


def test_count_file_errors_name_the_row(tmp_path):
    path = write(tmp_path, "time,start_gpu_job,end_gpu_job,start_gpu_num\n"
                           "2020-04-01 00:00:00,2,x,5\n")
    with pytest.raises(UserError, match=r":2: column end_gpu_job: 'x' is not a whole number"):
        expand_counts(path)


def test_peak_nodes_counts_whole_and_shared_nodes():
    # At t=5: a 3-GPU job (two 2-GPU nodes) and 1.5 GPUs of small jobs (one node).
    assert peak_nodes([0, 0, 5, 20], [10, 10, 10, 5], [1, 0.5, 3, 2], 2) == 3
    # Back-to-back jobs do not overlap.
    assert peak_nodes([0, 10], [10, 10], [2, 2], 2) == 1


# --------------------------------------------------------------------------- recommending

def test_recommendation_on_a_trace_whose_answer_is_known():
    replay = Replay(node=G5, options=SimOptions(spot_interruptions_per_node_hour=0.0))
    results = {r.policy: r for r in compare(working_day_trace(), replay)}
    # Warm-floor profiles keep a node 07:45-19:00 so runs start at once; experiment does it on
    # spot. First day from the trace start (09:00) to 19:00, eight full windows, and the last
    # day until the last run ends (16:40).
    experiment = results["experiment"]
    hours = 10 + 8 * 11.25 + (16 + 40 / 60 - 7.75)
    assert experiment.node_hours == pytest.approx(hours)
    assert experiment.cost_usd == pytest.approx(hours * 0.4024)
    assert experiment.wait_p95_s == 0
    # scheduled-retrain boots for every run (no floor, 5 min consolidation): 240 s boot +
    # 600 s run + 300 s idle per run, the last one billed only to its end.
    retrain = results["scheduled-retrain"]
    assert retrain.wait_p95_s == 240
    assert retrain.node_hours * 3600 == pytest.approx(160 * 1140 - 300)
    assert recommend(list(results.values()), 60).policy == "experiment"
    assert recommend(list(results.values()), 600).policy == "scheduled-retrain"
    assert recommend(list(results.values()), 0.0).policy == "experiment"
    # A baseline is never recommended, even when it is the cheapest that qualifies.
    fast_baseline = dataclasses.replace(results["karpenter-defaults"], wait_p95_s=0.0)
    assert fast_baseline.cost_usd < experiment.cost_usd
    others = [r for name, r in results.items() if name != "karpenter-defaults"]
    assert recommend([*others, fast_baseline], 60).policy == "experiment"


def test_cli_recommend_json_and_no_answer_exit(cli, tmp_path, capsys):
    trace = working_day_trace()
    path = write(tmp_path, "submit_time_s,duration_s,num_gpus\n" + "".join(
        f"{s},{d},{g}\n" for s, d, g in zip(trace.submit, trace.duration, trace.gpus,
                                            strict=True)))
    common = ["--trace", str(path), "--node-gpus", "1", "--spot-interruptions-per-hour", "0",
              "--format", "json"]
    assert cli(["recommend", "--wait-p95", "1", *common]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommended"]["profile"] == "experiment"
    assert set(data["recommended"]) == {
        "profile", "instance_types", "max_gpus", "cost_usd", "monthly_usd", "cost_ratio",
        "cost_vs_floor", "wait_p50_s", "wait_p95_s", "lost_gpu_hours"}
    assert data["recommended"]["instance_types"] == ["g5.xlarge"]
    assert all("rejected_because" in c for c in data["candidates"])
    assert [c for c in data["candidates"] if c["rejected_because"] is None] == [
        c for c in data["candidates"] if c["policy"] == "experiment"
        and c["max_gpus"] == data["recommended"]["max_gpus"]][:1]
    assert {c["policy"] for c in data["candidates"]} == {
        "interactive", "experiment", "scheduled-retrain", "adhoc-training", "service"}
    assert {b["policy"] for b in data["baselines"]} == {
        "static-peak", "cluster-autoscaler-defaults", "karpenter-defaults"}
    # With a one-GPU quota and every run at once, nothing can meet a tiny target.
    burst = write(tmp_path, "submit_time_s,duration_s,num_gpus\n" + "0,3600,1\n" * 5,
                  "burst.csv")
    code = cli(["recommend", "--wait-p95", "1", "--trace", str(burst), "--node-gpus", "1",
                "--max-gpus", "1"])
    captured = capsys.readouterr()
    assert code == 1 and "no profile keeps the p95 queue wait within 1 min" in captured.err
    assert "static-peak" in captured.out  # the table is still shown


def test_cli_simulate_json_keys_and_figures(cli, tmp_path, capsys):
    path = write(tmp_path, "submit_time_s,duration_s,num_gpus\n0,3600,1\n")
    assert cli(["simulate", "--trace", str(path), "--policy", "adhoc-training",
                "--node-gpus", "1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("cost_usd", "oracle_cost_usd", "cost_ratio", "wait_p50_s", "wait_p95_s",
                "node_hours", "gpu_utilisation"):
        assert key in data
    # On-demand g5.xlarge at the catalog's us-east-1 price: boot 240 s + run 3600 s.
    assert data["node_hours"] == pytest.approx(3840 / 3600)
    assert data["cost_usd"] == pytest.approx(3840 / 3600 * 1.006)
    assert data["oracle_cost_usd"] == pytest.approx(1.006)
    assert data["wait_p95_s"] == 240


def test_cli_simulate_text_mentions_notes(cli, tmp_path, capsys):
    path = write(tmp_path, "submit_time_s,duration_s,num_gpus\n0,60,1\n1,60,0\n")
    assert cli(["simulate", "--trace", str(path), "--policy", "karpenter-defaults",
                "--instance-type", "g6.xlarge"]) == 0
    out = capsys.readouterr().out
    assert "cost / oracle" in out and "num_gpus = 0" in out and "g6.xlarge" in out


@pytest.mark.parametrize(("extra", "message"), [
    (["--policy", "nightly"], "--policy 'nightly': unknown"),
    (["--policy", "experiment", "--node-gpus", "2"], "no default instance type has 2 GPUs"),
    (["--policy", "experiment", "--instance-type", "m6i.large"], "has no GPU"),
    (["--policy", "experiment", "--instance-type", "g5.xlarge", "--node-gpus", "8"],
     "contradicts"),
    (["--policy", "experiment", "--region", "mars-1"], "region mars-1 is not in the price"),
    (["--policy", "experiment", "--timezone", "Moon/Base"], "not an IANA time zone"),
    (["--policy", "experiment", "--max-gpus", "0"], "--max-gpus 0: must be 1 or more"),
])
def test_cli_simulate_bad_options_are_one_line_exit_1(cli, tmp_path, capsys, extra, message):
    path = write(tmp_path, "submit_time_s,duration_s,num_gpus\n0,60,1\n")
    assert cli(["simulate", "--trace", str(path), *extra]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_cli_bad_trace_lists_problems_without_traceback(cli, tmp_path, capsys):
    path = write(tmp_path, "submit_time_s,duration_s,num_gpus\n0,x,1\n1,2,y\n")
    assert cli(["simulate", "--trace", str(path), "--policy", "experiment"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: column duration_s" in err and f"{path}:3: column num_gpus" in err
    assert "Traceback" not in err


def test_cli_expand_counts(cli, tmp_path, capsys):
    path = write(tmp_path, "time,start_gpu_job,end_gpu_job,start_gpu_num\n"
                           "2020-04-01 00:00:00,1,0,1\n2020-04-01 00:10:00,0,1,0\n")
    assert cli(["simulate", "--trace", str(path), "--policy", "experiment", "--expand-counts",
                "--node-gpus", "1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["jobs"] == 1 and "rebuilt 1 jobs" in data["trace"]["notes"][0]
