"""Every role's Molecule scenario, in podman with systemd as PID 1.

`molecule test` runs: destroy, syntax, create, converge, idempotence, verify, destroy (the
sequence is in tests/ansible/molecule/base.yml). A role without a scenario fails here.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import BASE_CONFIG, REPO, ROLES_DIR, TIMINGS, ansible_env, role_dirs, tool

# The roles issue 6 asks for; each must exist and carry a Molecule scenario.
REQUIRED_ROLES = {
    "base",
    "python_toolchain",
    "r_lang",
    "jupyter",
    "spark_client",
    "kafka_client",
    "nvidia",
    "container_runtime",
    "dcv_desktop",
    "ci_runner",
    "monitoring_agent",
}

SCENARIO_TIMEOUT_S = 1500
# Full Molecule output of each scenario, kept after the run (build/ is ignored by git).
LOG_DIR = REPO / "build" / "ansible-logs"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_every_required_role_exists():
    present = {p.name for p in role_dirs()}
    missing = sorted(REQUIRED_ROLES - present)
    assert not missing, f"roles missing from {ROLES_DIR.relative_to(REPO)}/: {missing}"


@pytest.mark.parametrize("role", [p.name for p in role_dirs()] or ["<no roles>"])
def test_role_has_complete_scenario(role):
    scenario = ROLES_DIR / role / "molecule" / "default"
    assert (scenario / "molecule.yml").is_file(), f"{role}: no molecule/default/molecule.yml"
    assert (scenario / "converge.yml").is_file(), f"{role}: no molecule/default/converge.yml"
    verify = scenario / "verify.yml"
    assert verify.is_file(), f"{role}: no molecule/default/verify.yml"
    # A verify playbook must check something: at least one assertion or failing command.
    text = verify.read_text()
    assert re.search(r"ansible\.builtin\.(assert|command|shell|uri|fail)\b", text), (
        f"{role}: verify.yml asserts nothing"
    )
    for sub in ("defaults", "tasks", "handlers", "meta", "templates"):
        assert (ROLES_DIR / role / sub).is_dir(), f"{role}: no {sub}/"
    assert (ROLES_DIR / role / "README.md").is_file(), f"{role}: no README.md"


def _scenario_roles() -> list[str]:
    return [p.name for p in role_dirs() if (p / "molecule" / "default").is_dir()]


@pytest.mark.molecule
@pytest.mark.parametrize("role", _scenario_roles() or ["<no scenarios>"])
def test_molecule_scenario(role, molecule_image, tmp_path: Path):
    role_dir = ROLES_DIR / role
    assert (role_dir / "molecule" / "default" / "molecule.yml").is_file(), (
        f"{role} has no Molecule scenario"
    )
    env = ansible_env(
        TEAMSTACK_MOLECULE_INSTANCE=f"teamstack-molecule-{role.replace('_', '-')}",
        # Keep Molecule's per-scenario state out of the shared ~/.ansible/tmp.
        MOLECULE_EPHEMERAL_DIRECTORY=str(tmp_path / "ephemeral"),
    )
    # Molecule writes its own ansible.cfg; ours must not override it.
    env.pop("ANSIBLE_CONFIG", None)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"molecule-{role}.log"
    start = time.monotonic()
    with log.open("w") as out:
        try:
            proc = subprocess.run(
                [tool("molecule"), "-c", str(BASE_CONFIG), "test"],
                cwd=role_dir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=SCENARIO_TIMEOUT_S,
                check=False,
            )
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    TIMINGS[f"molecule test {role}"] = time.monotonic() - start
    text = ANSI.sub("", log.read_text(errors="replace"))
    if rc != 0:
        # Make sure nothing is left running after a timeout or a failed destroy.
        subprocess.run(
            ["podman", "rm", "-f", "-i", env["TEAMSTACK_MOLECULE_INSTANCE"]],
            capture_output=True,
            check=False,
        )
    assert rc == 0, f"molecule test {role} failed ({rc}); last output:\n{text[-12000:]}"
    # The sequence must really have converged, checked idempotence and verified.
    for action in ("converge", "idempotence", "verify"):
        assert re.search(rf"{action}: Executed: Successful", text), (
            f"{role}: {action} did not run successfully:\n{text[-6000:]}"
        )
