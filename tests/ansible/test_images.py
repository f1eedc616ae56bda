"""Image definitions: `packer validate` (Debian's packer, 1.6.x) on every template, with both
base OS families; the AMI names match what the Pulumi components look up; the notebook
Containerfile builds from the same playbook and downloads nothing by itself."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, ansible_env

IMAGES = REPO / "images"
TEMPLATES = sorted(IMAGES.glob("*.pkr.hcl"))
KINDS = {"desktop": "desktop.yml", "gpu-node": "gpu-node.yml", "ci-runner": "ci-runner.yml"}


def _packer() -> str:
    found = shutil.which("packer")
    if not found:
        pytest.fail("packer is not installed (scripts/install-system-deps.sh installs it)")
    return found


def _validate(template: Path, *args: str) -> subprocess.CompletedProcess:
    # The ansible provisioner runs `ansible-playbook --version` while validating: the venv's.
    return subprocess.run([_packer(), "validate", *args, template.name], cwd=template.parent,
                          env=ansible_env(CHECKPOINT_DISABLE="1"), capture_output=True,
                          text=True, timeout=120, check=False)


def test_one_template_per_host_kind():
    assert {t.name for t in TEMPLATES} == {f"{kind}.pkr.hcl" for kind in KINDS}


@pytest.mark.parametrize("base_os", ["debian-12", "ubuntu-24.04"])
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_packer_validate(template: Path, base_os: str):
    proc = _validate(template, "-var", f"base_os={base_os}", "-var", "version=1.2.3")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_packer_validate_rejects_a_broken_template(tmp_path: Path):
    """The check above can fail: the same template with a misspelt builder option does."""
    src = (IMAGES / "desktop.pkr.hcl").read_text()
    broken = tmp_path / "images" / "desktop.pkr.hcl"
    broken.parent.mkdir()
    broken.write_text(src.replace("encrypt_boot", "encrypt_bot", 1))
    (tmp_path / "playbooks").symlink_to(REPO / "playbooks")
    proc = _validate(broken)
    assert proc.returncode != 0
    assert "encrypt_bot" in proc.stdout + proc.stderr


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_ami_naming_tags_and_security(kind: str):
    text = (IMAGES / f"{kind}.pkr.hcl").read_text()
    name = re.search(r'ami_name\s*=\s*"([^"]+)"', text).group(1)
    assert name == f"teamstack-{kind}-${{var.version}}-${{local.stamp}}"
    # What the Pulumi lookups use (owner "self", name pattern, most recent).
    example = name.replace("${var.version}", "1.2.3").replace("${local.stamp}", "20250101120000")
    assert fnmatch.fnmatch(example, f"teamstack-{kind}-*")
    for other in set(KINDS) - {kind}:
        assert not fnmatch.fnmatch(example, f"teamstack-{other}-*")
    assert re.search(rf'"teamstack:image"\s*=\s*"{kind}"', text)
    assert re.search(r"encrypt_boot\s*=\s*true", text)
    assert re.search(r"encrypted\s*=\s*true", text)
    assert "--imds-support v2.0" in text
    playbook = rf'"\$\{{path\.root\}}/\.\./playbooks/{KINDS[kind]}"'
    assert re.search(rf"playbook_file\s*=\s*{playbook}", text)
    group = "host_kind_" + kind.replace("-", "_")
    assert re.search(rf'groups\s*=\s*\["{group}"\]', text)


def test_desktop_lookup_matches_the_pulumi_component():
    from infra.components import desktops

    assert desktops.DESKTOP_IMAGE == "teamstack-desktop-*"


def test_notebook_containerfile_builds_from_the_notebook_playbook():
    text = (IMAGES / "notebook" / "Containerfile").read_text()
    instructions = [line.split()[0] for line in text.splitlines()
                    if line and not line.startswith((" ", "#"))]
    assert instructions[0] == "ARG" and "FROM" in instructions
    assert re.search(r"ansible-playbook[^\n]*\\\n[^\n]*-c local", text)
    assert "/build/playbooks/notebook-image.yml" in text
    # Every COPY source exists in the build context (the repository root).
    for src in re.findall(r"^COPY (\S+) ", text, re.M):
        if not src.startswith("$"):
            assert (REPO / src).exists(), src
    default_vars = re.search(r"^ARG VARS_FILE=(\S+)", text, re.M).group(1)
    assert (REPO / default_vars).is_file()
    # No download outside the package registries and the roles' checksummed artifacts.
    assert not re.search(r"\b(curl|wget)\b", text)
    # Runs as the notebook user, not root.
    assert re.findall(r"^USER (\S+)", text, re.M)[-1] == "jovyan"
    play = (REPO / "playbooks" / "notebook-image.yml").read_text()
    assert "teamstack_notebook_user: jovyan" in play
