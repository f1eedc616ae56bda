"""ansible-lint (production profile, offline) and yamllint over the Ansible content.

Both fail on any finding: ansible-lint with --strict (warnings count), yamllint with -s.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import REPO, ansible_env, role_dirs, tool

ANSIBLE_PATHS = [p for p in ("roles", "playbooks") if (REPO / p).is_dir()]


def _run(cmd: list[str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_there_is_ansible_content_to_lint():
    assert role_dirs(), "roles/ holds no role: ansible-lint would pass vacuously"


def test_ansible_lint_production_profile():
    proc = _run(
        [
            tool("ansible-lint"),
            "--offline",
            "--profile",
            "production",
            "--strict",
            "--nocolor",
            *ANSIBLE_PATHS,
        ]
    )
    assert proc.returncode == 0, f"ansible-lint findings:\n{proc.stdout}\n{proc.stderr}"
    # ansible-lint exits 0 when it found nothing to lint at all; make sure it looked.
    assert "files processed" in proc.stderr or "Passed" in proc.stderr, proc.stderr


@pytest.mark.parametrize("path", [*ANSIBLE_PATHS, "tests/ansible"])
def test_yamllint_strict(path):
    proc = _run([tool("yamllint"), "-s", "-c", str(REPO / ".yamllint"), path])
    assert proc.returncode == 0, f"yamllint {path}:\n{proc.stdout}\n{proc.stderr}"


def test_ansible_cfg_points_at_repo_roles_and_bundled_collections():
    env = ansible_env()
    env.pop("ANSIBLE_ROLES_PATH")
    proc = subprocess.run(
        [tool("ansible-config"), "dump", "--only-changed", "--format", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    settings = {i["name"]: i["value"] for i in json.loads(proc.stdout) if "name" in i}
    assert settings["DEFAULT_ROLES_PATH"] == [str(REPO / "roles")]
    assert settings["COLLECTIONS_PATHS"] == [str(REPO / ".ansible" / "collections")]
    assert settings["RETRY_FILES_ENABLED"] is False
    assert settings["HOST_KEY_CHECKING"] is True
