"""Git, read as data: changed paths between two commits and stack files at a commit.

A pull request's stack files are read from git objects (``git cat-file``) into a temporary
directory and parsed as YAML; nothing from the pull request is ever imported or executed.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from infra.errors import ToolError, UserError

STACKS = "stacks"


@dataclass(frozen=True, order=True)
class FileChange:
    """One path changed between two commits. Renames are reported as a delete and an add:
    a renamed stack file is a different Pulumi stack."""

    status: str  # "A" added, "M" modified, "D" deleted, "T" type changed
    path: str


def git(root: Path, *args: str, binary: bool = False) -> str | bytes:
    """Run git in ``root``; a failing git command is the user's input (a bad revision)."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                              text=not binary)
    except FileNotFoundError:
        raise ToolError("git is not installed") from None
    except subprocess.CalledProcessError as exc:
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr
        raise UserError(f"git {' '.join(args)}: {(err or '').strip() or exc}") from None
    return done.stdout


def commit_of(root: Path, rev: str) -> str:
    """The full commit id of ``rev``; a clear error when it is not a commit."""
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet",
                           f"{rev}^{{commit}}"], capture_output=True, text=True, check=False)
    commit = done.stdout.strip()
    if done.returncode != 0 or not commit:
        raise UserError(f"{rev!r} is not a commit in {root}")
    return commit


def merge_base(root: Path, base: str, head: str) -> str:
    """Where ``head`` branched from ``base``: what a pull request's diff is against."""
    out = str(git(root, "merge-base", commit_of(root, base), commit_of(root, head))).strip()
    if not out:
        raise UserError(f"{base} and {head} have no common ancestor")
    return out


def changed_files(root: Path, base: str, head: str) -> list[FileChange]:
    """Paths that differ between two commits, renames split into delete + add."""
    out = str(git(root, "diff", "--name-status", "--no-renames", "--no-ext-diff",
                  "--no-textconv", "-z",
                  commit_of(root, base), commit_of(root, head)))
    parts = [p for p in out.split("\0") if p]
    changes = []
    for status, path in zip(parts[0::2], parts[1::2], strict=True):
        changes.append(FileChange(status[0], path))
    return sorted(changes, key=lambda c: c.path)


def extract_stacks(root: Path, rev: str, dest: Path) -> Path:
    """Write ``stacks/`` as it is at ``rev`` under ``dest``; returns ``dest/stacks``.

    Blobs are read straight from the object store (``ls-tree`` + ``cat-file``), not through
    ``git archive`` or a checkout, so no ``.gitattributes`` of the revision (export-ignore,
    export-subst, filters) can hide or rewrite what is reviewed. Only regular files directly
    in stacks/ are written, under their own base names: nothing lands outside ``dest``.
    """
    target = dest / STACKS
    target.mkdir(parents=True, exist_ok=True)
    listing = str(git(root, "ls-tree", "-z", commit_of(root, rev), f"{STACKS}/"))
    for entry in filter(None, listing.split("\0")):
        meta, _, path = entry.partition("\t")
        mode, kind, oid = meta.split()
        name = Path(path).name
        if kind != "blob" or mode not in ("100644", "100755") or path != f"{STACKS}/{name}":
            continue
        data = git(root, "cat-file", "blob", oid, binary=True)
        assert isinstance(data, bytes)
        (target / name).write_bytes(data)
    return target
