"""Every playbook passes `ansible-playbook --syntax-check` with the repository's roles, and
every role a playbook names exists."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import REPO, ROLES_DIR, ansible_env, tool

PLAYBOOKS_DIR = REPO / "playbooks"
PLAYBOOKS = sorted(PLAYBOOKS_DIR.glob("*.yml"))
EXPECTED = {"desktop.yml", "gpu-node.yml", "ci-runner.yml", "notebook-image.yml", "site.yml"}


def test_every_host_kind_has_a_playbook():
    assert {p.name for p in PLAYBOOKS} >= EXPECTED


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_syntax_check(playbook: Path):
    proc = subprocess.run(
        [tool("ansible-playbook"), "--syntax-check", "-i", "localhost,", str(playbook)],
        env=ansible_env(ANSIBLE_ROLES_PATH=str(ROLES_DIR)), capture_output=True, text=True,
        timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _roles_of(playbook: Path) -> list[str]:
    names: list[str] = []
    for play in yaml.safe_load(playbook.read_text()) or []:
        if "ansible.builtin.import_playbook" in play or "import_playbook" in play:
            target = play.get("ansible.builtin.import_playbook") or play["import_playbook"]
            names += _roles_of(playbook.parent / target)
            continue
        for role in play.get("roles", []):
            names.append(role if isinstance(role, str) else role.get("role") or role["name"])
        for section in ("pre_tasks", "tasks", "post_tasks"):
            for task in play.get(section, []) or []:
                for key in ("ansible.builtin.include_role", "ansible.builtin.import_role",
                            "include_role", "import_role"):
                    if key in task:
                        names.append(task[key]["name"])
    return names


ROLES_BY_PLAYBOOK = {
    "desktop.yml": ["base", "python_toolchain", "r_lang", "jupyter", "container_runtime",
                    "dcv_desktop", "spark_client", "kafka_client", "monitoring_agent"],
    "gpu-node.yml": ["base", "nvidia", "container_runtime", "monitoring_agent"],
    "ci-runner.yml": ["base", "python_toolchain", "container_runtime", "ci_runner",
                      "monitoring_agent"],
    "notebook-image.yml": ["python_toolchain", "r_lang", "spark_client", "jupyter"],
}


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_referenced_roles_exist(playbook: Path):
    roles = _roles_of(playbook)
    assert roles, f"{playbook.name} applies no role"
    missing = sorted({r for r in roles if not (ROLES_DIR / r / "tasks" / "main.yml").is_file()})
    assert not missing, f"{playbook.name} names roles that do not exist: {missing}"


@pytest.mark.parametrize("name", sorted(ROLES_BY_PLAYBOOK))
def test_playbook_applies_its_host_kinds_roles(name: str):
    assert sorted(set(_roles_of(PLAYBOOKS_DIR / name))) == sorted(ROLES_BY_PLAYBOOK[name])


def test_site_imports_every_host_kind():
    roles = set(_roles_of(PLAYBOOKS_DIR / "site.yml"))
    assert roles == {r for rs in ROLES_BY_PLAYBOOK.values() for r in rs}
