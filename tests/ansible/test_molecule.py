"""Every role's Molecule scenario, in podman with systemd as PID 1.

`molecule test` runs: destroy, syntax, create, converge, idempotence, verify, destroy (the
sequence is in tests/ansible/molecule/base.yml). A role without a scenario fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

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

# The slowest scenario (jupyter) takes about 8 minutes on two idle cores and has taken 25 on a
# loaded CI runner; the limit only catches a hang, never a slow machine.
SCENARIO_TIMEOUT_S = 2400
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


@dataclass
class ScenarioRun:
    role: str
    rc: int | str
    seconds: float
    log: Path


# Container names carry a tag of this test session: two sessions on one machine (two
# developers, or a developer and CI) must not destroy each other's instances.
SESSION_TAG = uuid.uuid4().hex[:6]


def _run_scenario(role: str, ephemeral: Path) -> ScenarioRun:
    """`molecule test` for one role, its whole output in build/ansible-logs/."""
    env = ansible_env(
        TEAMSTACK_MOLECULE_INSTANCE=f"teamstack-molecule-{role.replace('_', '-')}-{SESSION_TAG}",
        # Keep Molecule's per-scenario state out of the shared ~/.ansible/tmp.
        MOLECULE_EPHEMERAL_DIRECTORY=str(ephemeral),
    )
    # Molecule writes its own ansible.cfg; ours must not override it.
    env.pop("ANSIBLE_CONFIG", None)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"molecule-{role}.log"
    start = time.monotonic()
    with log.open("w") as out:
        try:
            rc: int | str = subprocess.run(
                [tool("molecule"), "-c", str(BASE_CONFIG), "test"],
                cwd=ROLES_DIR / role,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=SCENARIO_TIMEOUT_S,
                check=False,
            ).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
    if rc != 0:
        # Leave nothing running after a timeout or a failed destroy.
        subprocess.run(
            ["podman", "rm", "-f", "-i", env["TEAMSTACK_MOLECULE_INSTANCE"]],
            capture_output=True,
            check=False,
        )
    return ScenarioRun(role, rc, time.monotonic() - start, log)


@pytest.fixture(scope="session")
def molecule_runs(request, molecule_image, tmp_path_factory):
    """Start the selected roles' scenarios, TEAMSTACK_MOLECULE_JOBS at a time (default 2):
    each one is a separate container, so two share the machine's two cores well (most of a
    scenario is waiting on apt, pip and systemd). Each test then waits for its own role."""
    roles = [
        item.callspec.params["role"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_molecule_scenario"
        and (ROLES_DIR / item.callspec.params["role"] / "molecule" / "default").is_dir()
    ]
    jobs = max(1, int(os.environ.get("TEAMSTACK_MOLECULE_JOBS", "2")))
    start = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="molecule")
    futures: dict[str, Future[ScenarioRun]] = {
        role: pool.submit(_run_scenario, role, tmp_path_factory.mktemp(f"molecule-{role}"))
        for role in roles
    }
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)
    # Named volumes a scenario made for its own instances (e.g. per-platform caches).
    volumes = subprocess.run(
        ["podman", "volume", "ls", "--format", "{{.Name}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    mine = [v for v in volumes if f"-{SESSION_TAG}" in v]
    if mine:
        subprocess.run(["podman", "volume", "rm", "-f", *mine], capture_output=True, check=False)
    if futures:
        TIMINGS[f"all {len(futures)} Molecule scenarios ({jobs} at a time)"] = (
            time.monotonic() - start
        )


@pytest.mark.molecule
@pytest.mark.parametrize("role", _scenario_roles() or ["<no scenarios>"])
def test_molecule_scenario(role, molecule_runs):
    assert role in molecule_runs, f"{role} has no Molecule scenario"
    run = molecule_runs[role].result()
    TIMINGS[f"molecule test {role}"] = run.seconds
    text = ANSI.sub("", run.log.read_text(errors="replace"))
    assert run.rc == 0, f"molecule test {role} failed ({run.rc}); last output:\n{text[-12000:]}"
    # The sequence must really have converged, checked idempotence and verified (and made
    # its dry run, where the scenario asks for one).
    scenario = yaml.safe_load(
        (ROLES_DIR / role / "molecule" / "default" / "molecule.yml").read_text()
    )
    sequence = ((scenario or {}).get("scenario") or {}).get("test_sequence") or []
    for action in (
        "converge",
        "idempotence",
        "verify",
        *(["check"] if "check" in sequence else []),
    ):
        assert re.search(rf"{action}: Executed: Successful", text), (
            f"{role}: {action} did not run successfully:\n{text[-6000:]}"
        )
