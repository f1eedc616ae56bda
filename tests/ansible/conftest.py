"""Shared fixtures for the Ansible tests: the repository paths, the tools in the virtualenv,
the locally built Molecule image, and a summary of how long each scenario took."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ROLES_DIR = REPO / "roles"
HERE = Path(__file__).resolve().parent
BASE_CONFIG = HERE / "molecule" / "base.yml"
BUILD_IMAGE = HERE / "build_image.sh"
IMAGE = "localhost/teamstack-debian12-systemd:latest"
VENV_BIN = Path(sys.executable).parent

# Durations collected during the session, printed in the terminal summary.
TIMINGS: dict[str, float] = {}


def tool(name: str) -> str:
    """Path of a console script from this virtualenv (ansible-playbook, molecule, ...)."""
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (make venv / scripts/install-system-deps.sh)")
    return found


def ansible_env(**extra: str) -> dict[str, str]:
    """Environment for ansible/molecule subprocesses: the venv first on PATH, the repo's
    ansible.cfg, no colours (logs are read by humans in CI output)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    env["ANSIBLE_ROLES_PATH"] = str(ROLES_DIR)
    env["ANSIBLE_FORCE_COLOR"] = "false"
    env["ANSIBLE_NOCOLOR"] = "true"
    env["NO_COLOR"] = "1"
    env["PY_COLORS"] = "0"
    env.update(extra)
    return env


def role_dirs() -> list[Path]:
    """Every role in roles/ (a directory with a tasks/ folder)."""
    if not ROLES_DIR.is_dir():
        return []
    return sorted(p for p in ROLES_DIR.iterdir() if p.is_dir() and (p / "tasks").is_dir())


@pytest.fixture(scope="session")
def molecule_image() -> str:
    """Build (or reuse) the Debian 12 systemd image, once per test session."""
    if shutil.which("podman") is None or shutil.which("debootstrap") is None:
        pytest.fail("podman and debootstrap are required: run scripts/install-system-deps.sh")
    start = time.monotonic()
    proc = subprocess.run(
        ["bash", str(BUILD_IMAGE)], capture_output=True, text=True, timeout=1800, check=False
    )
    TIMINGS["image build (build_image.sh)"] = time.monotonic() - start
    if proc.returncode != 0:
        pytest.fail(f"build_image.sh failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return IMAGE


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not TIMINGS:
        return
    terminalreporter.section("ansible test timings")
    for name, seconds in TIMINGS.items():
        terminalreporter.write_line(f"{seconds:8.1f}s  {name}")
