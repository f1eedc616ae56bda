"""Configuration drift, as the nightly drift job will check it.

A podman container (the Molecule image, systemd as PID 1) is converged with a role. Then
`ansible-playbook --check --diff` must report no change at all; after one managed thing is
changed by hand inside the container (a file of `base`; a pinned package of
`python_toolchain`), the same check must report exactly that one task as changed, with a
diff (or uv's dry run) that shows what would be put back.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .conftest import REPO, TIMINGS, ansible_env, tool

DROPIN = "/etc/ssh/sshd_config.d/10-teamstack-hardening.conf"
UV_TASK = "python_toolchain : Install the pinned package sets with uv"
SSH_TASK = "base : Write the SSH hardening drop-in (checked with sshd -t before it is put in place)"


def _podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=300, check=check
    )


def _playbook(workdir: Path, host: str, *extra: str, json_output: bool) -> tuple[int, str]:
    env = ansible_env()
    if json_output:
        env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    proc = subprocess.run(
        [
            tool("ansible-playbook"),
            "-i",
            f"{host},",
            "-e",
            "ansible_connection=containers.podman.podman",
            str(workdir / "site.yml"),
            *extra,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    return proc.returncode, proc.stdout + ("\n" + proc.stderr if proc.stderr else "")


def _changed_tasks(report: dict, host: str) -> list[tuple[str, dict]]:
    """(task name, host result) for every task that reported a change on the host."""
    changed = []
    for play in report["plays"]:
        for task in play["tasks"]:
            result = task["hosts"].get(host)
            if result and result.get("changed"):
                changed.append((task["task"]["name"], result))
    return changed


def _start_container(image: str, name: str) -> None:
    _podman(
        "run", "-d", "--name", name, "--systemd=always",
        "-v", "teamstack-pip-cache:/root/.cache/pip",
        "-v", "teamstack-uv-cache:/root/.cache/uv",
        image, "/lib/systemd/systemd",
    )  # fmt: skip


def _parse(output: str) -> dict:
    # The json callback prints one JSON document; warnings (stderr) follow it.
    start = output.index("{")
    report, _ = json.JSONDecoder().raw_decode(output[start:])
    return report


@pytest.mark.molecule
def test_check_diff_reports_only_hand_edits(molecule_image, tmp_path: Path):
    host = f"teamstack-drift-{uuid.uuid4().hex[:8]}"
    key = (
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    (tmp_path / "site.yml").write_text(
        textwrap.dedent(
            f"""\
            - name: Base configuration under drift watch
              hosts: all
              gather_facts: true
              vars:
                base_members:
                  - name: alice
                    shell: /bin/bash
                    sudo: true
                    ssh_keys: ["{key} alice@drift-test"]
              roles:
                - role: base
            """
        )
    )
    start = time.monotonic()
    _start_container(molecule_image, host)
    try:
        rc, out = _playbook(tmp_path, host, json_output=False)
        assert rc == 0, f"converge failed:\n{out[-8000:]}"

        # 1. Freshly converged: the dry run with diffs must find nothing to change.
        rc, out = _playbook(tmp_path, host, "--check", "--diff", json_output=True)
        assert rc == 0, f"check run failed:\n{out[-8000:]}"
        report = _parse(out)
        assert report["stats"][host]["changed"] == 0, _changed_tasks(report, host)
        assert report["stats"][host]["ok"] > 20  # the role really ran in check mode
        assert _changed_tasks(report, host) == []

        # 2. Someone loosens sshd by hand.
        before = _podman("exec", host, "cat", DROPIN).stdout
        assert "MaxAuthTries 3\n" in before
        _podman("exec", host, "sed", "-i", "s/^MaxAuthTries 3$/MaxAuthTries 10/", DROPIN)

        rc, out = _playbook(tmp_path, host, "--check", "--diff", json_output=True)
        assert rc == 0, f"check run failed:\n{out[-8000:]}"
        report = _parse(out)
        changed = _changed_tasks(report, host)
        assert [name for name, _ in changed] == [SSH_TASK], changed
        assert report["stats"][host]["changed"] == 1
        diffs = changed[0][1]["diff"]
        diffs = diffs if isinstance(diffs, list) else [diffs]
        text_diffs = [d for d in diffs if "before" in d and "after" in d]
        assert text_diffs, diffs
        d = text_diffs[0]
        assert d["after_header"].endswith(DROPIN) or d["before_header"] == DROPIN, d
        assert "MaxAuthTries 10" in d["before"] and "MaxAuthTries 3" in d["after"]
        # Exactly one line differs.
        delta = set(d["before"].splitlines()) ^ set(d["after"].splitlines())
        assert delta == {"MaxAuthTries 10", "MaxAuthTries 3"}, delta

        # Check mode changed nothing: the hand edit is still there.
        assert "MaxAuthTries 10\n" in _podman("exec", host, "cat", DROPIN).stdout
    finally:
        _podman("rm", "-f", "-t", "0", host, check=False)
        TIMINGS["config drift: sshd drop-in (base)"] = time.monotonic() - start


@pytest.mark.molecule
def test_check_reports_a_package_changed_by_hand(molecule_image, tmp_path: Path):
    """Drift that is not a file: a pinned package replaced in the team environment shows up
    as the uv install task, which runs `uv pip install --dry-run` in check mode."""
    host = f"teamstack-driftpy-{uuid.uuid4().hex[:8]}"
    env_python = "/opt/teamstack/envs/team/bin/python"
    (tmp_path / "site.yml").write_text(
        textwrap.dedent(
            """\
            - name: Python toolchain under drift watch
              hosts: all
              gather_facts: true
              vars:
                python_toolchain_python_package_suffixes: ["", "-venv"]
                python_toolchain_package_sets:
                  small: [six==1.16.0]
                python_toolchain_env_sets: [small]
              roles:
                - role: python_toolchain
            """
        )
    )
    start = time.monotonic()
    _start_container(molecule_image, host)
    try:
        rc, out = _playbook(tmp_path, host, json_output=False)
        assert rc == 0, f"converge failed:\n{out[-8000:]}"

        rc, out = _playbook(tmp_path, host, "--check", "--diff", json_output=True)
        assert rc == 0, f"check run failed:\n{out[-8000:]}"
        report = _parse(out)
        assert _changed_tasks(report, host) == []
        assert report["stats"][host]["changed"] == 0

        # Someone upgrades a pinned package in the shared environment by hand.
        _podman("exec", host, "uv", "pip", "install", "--python", env_python, "six==1.17.0")

        rc, out = _playbook(tmp_path, host, "--check", "--diff", json_output=True)
        assert rc == 0, f"check run failed:\n{out[-8000:]}"
        report = _parse(out)
        changed = _changed_tasks(report, host)
        assert [name for name, _ in changed] == [UV_TASK], changed
        stderr = changed[0][1]["stderr"]
        assert "- six==1.17.0" in stderr and "+ six==1.16.0" in stderr, stderr

        # Check mode changed nothing: the hand-installed version is still there.
        probe = _podman("exec", host, env_python, "-c", "import six; print(six.__version__)")
        assert probe.stdout.strip() == "1.17.0"
    finally:
        _podman("rm", "-f", "-t", "0", host, check=False)
        TIMINGS["config drift: pinned package (python_toolchain)"] = time.monotonic() - start
