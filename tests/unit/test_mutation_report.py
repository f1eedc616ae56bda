"""scripts/mutation_report.py: the score per module from mutmut's result files, the
equivalents left out with their reasons, and the exit code `make mutation` fails on."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = importlib.util.spec_from_file_location("mutation_report",
                                              ROOT / "scripts" / "mutation_report.py")
assert SPEC is not None and SPEC.loader is not None
report = importlib.util.module_from_spec(SPEC)
sys.modules["mutation_report"] = report  # dataclasses look their module up there
SPEC.loader.exec_module(report)


def results(root: Path, source: str, codes: dict[str, int | None]) -> None:
    meta = root / "mutants" / (source + ".meta")
    meta.parent.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes, "hash_by_function_name": {},
                                "durations_by_key": {}, "estimated_durations_by_key": {}}))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "mutation").mkdir()
    (tmp_path / "mutation" / "equivalents.toml").write_text(
        '[[equivalent]]\nmutant = "infra.policy.s3.x_f__mutmut_3"\n'
        'reason = "same result for every input"\n'
        '[[equivalent]]\nmutant = "infra.policy.s3.x_gone__mutmut_1"\nreason = "old"\n')
    # policy: 8 killed (one by timeout), 1 survivor explained, 1 not; plan/diff.py: 1 of 2.
    results(tmp_path, "infra/policy/s3.py", {
        **{f"infra.policy.s3.x_f__mutmut_{i}": 1 for i in (1, 2, 4, 5, 6, 7, 8)},
        "infra.policy.s3.x_f__mutmut_9": -24, "infra.policy.s3.x_f__mutmut_3": 0,
        "infra.policy.s3.x_f__mutmut_10": 0, "infra.policy.s3.x_f__mutmut_11": None})
    results(tmp_path, "infra/plan/diff.py", {"infra.plan.diff.x_d__mutmut_1": 1,
                                             "infra.plan.diff.x_d__mutmut_2": 33})
    results(tmp_path, "infra/plan/graph.py", {"infra.plan.graph.x_g__mutmut_1": 0})
    return tmp_path


def test_scores_per_module_leave_out_equivalents_and_unrun(project: Path) -> None:
    scores, seen = report.collect(project, by_file=False)
    policy, diff = scores["infra/policy"], scores["infra/plan/diff.py"]
    assert (policy.killed, policy.survived, policy.equivalent, policy.not_run) == (8, 1, 1, 1)
    assert policy.percent == pytest.approx(100 * 8 / 9)
    assert policy.unexplained == ["infra.policy.s3.x_f__mutmut_10"]
    assert (diff.killed, diff.no_tests, diff.percent) == (1, 1, 50.0)
    assert scores["infra/cost"].measured == 0  # configured, not run yet
    assert "infra/plan/graph.py" not in scores  # not a module under mutation
    assert "infra.plan.graph.x_g__mutmut_1" not in seen


def test_exit_code_and_listing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.main(["--root", str(project), "--fail-under", "85"]) == 1
    out = capsys.readouterr().out
    assert "infra/policy" in out and "88.9%" in out and "50.0%" in out
    assert "infra.policy.s3.x_f__mutmut_10" in out and "infra.plan.diff.x_d__mutmut_2" in out
    assert "infra.policy.s3.x_gone__mutmut_1" in out  # a stale equivalent is named
    assert "under 85%: infra/plan/diff.py" in out
    assert report.main(["--root", str(project), "--fail-under", "50"]) == 0
    capsys.readouterr()
    assert report.main(["--root", str(project), "--survivors"]) == 0
    assert capsys.readouterr().out.split() == ["infra.policy.s3.x_f__mutmut_10",
                                               "infra.plan.diff.x_d__mutmut_2"]


def test_no_results_is_exit_2(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert report.main(["--root", str(tmp_path)]) == 2


def test_an_equivalent_without_a_reason_is_refused(project: Path) -> None:
    (project / "mutation" / "equivalents.toml").write_text(
        '[[equivalent]]\nmutant = "infra.policy.s3.x_f__mutmut_3"\nreason = " "\n')
    with pytest.raises(SystemExit, match="needs a reason"):
        report.collect(project, by_file=False)


def test_prepare_forgets_copies_of_files_configured_after_mutmut_copied_them(
        project: Path) -> None:
    """mutmut never revisits a copy newer than its source: a file added to only_mutate after
    a first run would otherwise stay unmutated and unscored."""
    for relative in ("infra/policy/s3.py", "infra/policy/iam.py", "infra/cli.py"):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text("x = 1\n")
        (project / "mutants" / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / "mutants" / relative).write_text("x = 1\n")
    # s3.py has results beside it; iam.py is configured but was copied unmutated; cli.py is
    # not configured at all.
    stats = project / "mutants" / "mutmut-stats.json"
    stats.write_text("{}")
    assert report.forget_unmutated_copies(project) == ["infra/policy/iam.py"]
    assert not stats.exists(), "its record of tests per function predates the mutants"
    assert not (project / "mutants" / "infra/policy/iam.py").exists()
    assert (project / "mutants" / "infra/policy/s3.py").exists()
    assert (project / "mutants" / "infra/cli.py").exists()
    stats.write_text("{}")
    assert report.main(["--prepare", "--root", str(project)]) == 0
    assert stats.exists(), "nothing removed: the record stays"
