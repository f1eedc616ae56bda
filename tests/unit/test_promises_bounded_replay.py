"""The promise (README "Bad input never hurts"): every input the command line accepts is
replayed in bounded time. A spot rate and a checkpoint interval under which some job could
never get through a stretch between checkpoints (each interruption loses the stretch) are
refused with exit 1 and one line naming both options and the job, before any replay.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.cli import main

LONG_JOB = "submit_time_s,duration_s,num_gpus\n0,172800,1\n0,3600,16\n"  # 2 days; 16 GPUs, 1 h


def _simulate(tmp_path: Path, *extra: str) -> list[str]:
    trace = tmp_path / "t.csv"
    trace.write_text(LONG_JOB, encoding="utf-8")
    return ["simulate", "--trace", str(trace), "--node-gpus", "1", "--policy", "experiment",
            "--spot-unavailable", "0", "--format", "json", *extra]


@pytest.mark.parametrize(("rate", "interval", "job", "expected"), [
    # No checkpoint within the two days: 48 interruptions expected per stretch.
    ("1", "31557600", 1, "48.0"),
    # Checkpoints every 8 h: 8 for the long job, but the 16-GPU job spans 16 one-GPU nodes
    # and expects 16 in its hour.
    ("1", "28800", 2, "16.0"),
    ("0.5", "3600", 2, "8.0"),
])
def test_a_rate_no_job_could_survive_is_refused_before_any_replay(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], rate: str, interval: str, job: int,
        expected: str) -> None:
    code = main(_simulate(tmp_path, "--spot-interruptions-per-hour", rate,
                          "--checkpoint-interval", interval))
    err = capsys.readouterr().err
    assert code == 1
    assert f"job {job} of the trace expects {expected} interruptions in each stretch" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("rate", "interval"), [
    ("0.4", "3600"),   # the 16-node job expects 6.4 an hour: slow, but it gets through
    ("0.25", "1800"),  # checkpoints every half hour
    ("1", "0"),        # checkpointing continuously: nothing is ever lost
    ("0", "31557600"),  # no interruptions
])
def test_a_rate_jobs_survive_is_replayed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         rate: str, interval: str) -> None:
    code = main(_simulate(tmp_path, "--spot-interruptions-per-hour", rate,
                          "--checkpoint-interval", interval))
    assert code == 0, capsys.readouterr().err
