"""`teamstack validate` and `teamstack schema` as a user runs them: exit codes, no traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from infra.docs import render

ROOT = Path(__file__).resolve().parents[2]


def teamstack(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=cwd,
                          capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_validate_all_examples() -> None:
    done = teamstack("validate")
    assert done.returncode == 0, done.stderr
    assert "stack files valid" in done.stderr


def test_validate_bad_file_exit_1_one_line_each(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    shutil.copy(ROOT / "stacks" / "Pulumi.platform-prod.yaml", stacks)
    bad = stacks / "Pulumi.nlp-prod.yaml"
    bad.write_text("config:\n  aws:region: eu-west-1\n  teamstack:request:\n    team: nlp\n"
                   "    environment: prod\n    owners: []\n    cost_center: CC-1\n"
                   "    budget: {monthly_usd: 0, notify: [a@example.com]}\n", encoding="utf-8")
    done = teamstack("validate", str(bad))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[:-1] == [
        f"{bad}:6:13: error: owners: list should have at least 1 item after validation, not 0",
        f"{bad}:8:27: error: budget.monthly_usd: input should be greater than 0",
    ]
    assert lines[-1] == "2 problems in 1 of 1 files"
    assert done.stdout == ""


def test_validate_outside_a_repository_is_exit_2(tmp_path: Path) -> None:
    done = teamstack("validate", cwd=tmp_path)
    assert done.returncode == 2
    assert "not inside a teamstack repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_schema_is_json_schema_of_both_requests() -> None:
    done = teamstack("schema")
    assert done.returncode == 0
    schema = json.loads(done.stdout)
    config = schema["properties"]["config"]["properties"]
    assert config["teamstack:request"] == {"$ref": "#/$defs/TeamRequest"}
    team = schema["$defs"]["TeamRequest"]
    assert team["additionalProperties"] is False
    assert {"team", "environment", "owners", "cost_center", "budget"} <= set(team["required"])
    assert all(p.get("description") for p in team["properties"].values())


def test_reference_docs_are_current() -> None:
    committed = (ROOT / "docs" / "request-reference.md").read_text(encoding="utf-8")
    assert committed == render(), "docs/request-reference.md is stale: run `make docs`"


def test_reference_shows_factory_defaults_with_their_value() -> None:
    """A default made by a factory (a list, a nested section) is shown as what it is."""
    reference = render()
    assert "(computed)" not in reference, "a default is shown as (computed), not its value"
    rows = {line.split("|")[1].strip(): line for line in reference.splitlines()
            if line.startswith("| `")}
    assert "`[50, 80, 100]`" in rows["`alert_at_percent`"], rows["`alert_at_percent`"]
    assert '`["g5.xlarge"]`' in rows["`instance_types`"], rows["`instance_types`"]
    assert "`{}`: each field of [Toolchain](#toolchain)" in rows["`toolchain`"], rows["`toolchain`"]
