"""uv.lock matches pyproject.toml, pins every package with hashes, and uv itself is hashed.

Regenerate with `make lock` after editing the dependencies in pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def lock() -> dict:
    return tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))


def declared() -> set[tuple[str, str, str | None, tuple[str, ...]]]:
    """(name, specifier, extra, extras) of every requirement in pyproject.toml."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out = set()
    groups = [(None, project["dependencies"])]
    groups += list(project.get("optional-dependencies", {}).items())
    for extra, items in groups:
        for item in items:
            req = Requirement(item)
            name = re.sub(r"[-_.]+", "-", req.name).lower()
            out.add((name, str(req.specifier), extra, tuple(sorted(req.extras))))
    return out


def locked() -> set[tuple[str, str, str | None, tuple[str, ...]]]:
    root = next(p for p in lock()["package"] if p["name"] == "teamstack")
    out = set()
    for item in root["metadata"]["requires-dist"]:
        marker = item.get("marker")
        extra = re.fullmatch(r"extra == '([\w-]+)'", marker).group(1) if marker else None
        out.add((item["name"], item["specifier"], extra, tuple(sorted(item.get("extras", [])))))
    return out


def test_the_lock_records_exactly_the_declared_requirements() -> None:
    assert locked() == declared(), "uv.lock is stale: run `make lock` and commit uv.lock"


def test_uv_agrees_the_lock_is_current_offline() -> None:
    assert UV.exists(), "uv is installed by `make venv` (requirements-uv.txt)"
    done = subprocess.run([str(UV), "lock", "--check", "--offline"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_uv_notices_a_changed_pin(tmp_path: Path) -> None:
    """The check above can fail: the same command on a copy with one pin changed."""
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"rich==15.0.0"', '"rich==14.0.0"'))
    done = subprocess.run([str(UV), "lock", "--check", "--offline"], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0


def test_every_locked_distribution_has_a_hash() -> None:
    packages = [p for p in lock()["package"] if "editable" not in p["source"]]
    assert len(packages) > 50
    for package in packages:
        files = package.get("wheels", []) + ([package["sdist"]] if "sdist" in package else [])
        assert files, package["name"]
        for file in files:
            assert file["hash"].startswith("sha256:"), (package["name"], file)
            assert file["url"].startswith("https://files.pythonhosted.org/"), file["url"]


def test_uv_itself_is_pinned_by_hash() -> None:
    text = (ROOT / "requirements-uv.txt").read_text()
    assert re.search(r"^uv==\d+\.\d+\.\d+ \\$", text, re.MULTILINE)
    assert len(re.findall(r"--hash=sha256:[0-9a-f]{64}", text)) >= 2
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements-uv.txt" in makefile
    assert "sync --locked" in makefile and "pip install -q -e" not in makefile
