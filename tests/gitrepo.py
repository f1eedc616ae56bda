"""Real git repositories in temporary directories, for tests of what a change touches."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True)
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(path: Path, *, with_code: bool = False) -> Path:
    """A repository holding this project's example stacks (and, asked, its code) on `main`."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "user.name", "test")
    git(path, "config", "commit.gpgsign", "false")
    shutil.copy(ROOT / "Pulumi.yaml", path / "Pulumi.yaml")
    shutil.copytree(ROOT / "stacks", path / "stacks")
    if with_code:
        shutil.copytree(ROOT / "infra", path / "infra",
                        ignore=shutil.ignore_patterns("__pycache__"))
    (path / "README.md").write_text("test repository\n", encoding="utf-8")
    commit_all(path, "base")
    return path
