"""Issue 11, finding 8: image bakes never open SSH to the world. Packer's temporary security
group admits 0.0.0.0/0 unless told otherwise; every template names its source ranges, and
`packer validate` refuses a world-open value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_images import TEMPLATES, _validate


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_build_ssh_is_limited_to_named_ranges(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    assert re.search(r"^\s*temporary_security_group_source_cidrs\s*=\s*var\.ssh_source_cidrs\s*$",
                     text, re.M)
    default = re.search(r'variable "ssh_source_cidrs" \{.*?default\s*=\s*(\[[^\]]*\])', text, re.S)
    assert default is not None and "0.0.0.0/0" not in default.group(1)


@pytest.mark.parametrize("cidrs", ['["0.0.0.0/0"]', '["10.0.0.0/8", "0.0.0.0/0"]', "[]"])
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_world_open_ssh_fails_validation(template: Path, cidrs: str) -> None:
    proc = _validate(template, "-var", "version=1.2.3", "-var", f"ssh_source_cidrs={cidrs}")
    assert proc.returncode != 0
    # refused by the template's own validation rule (not, say, as an unknown variable)
    assert "opens SSH to the internet" in " ".join((proc.stdout + proc.stderr).split())
