"""Plan the repository as it was at another revision, with that revision's own code.

A pull request may change the program as well as the stack files, so the base is planned from
a temporary ``git worktree`` of that revision, running *its* ``infra`` package in a child
process (our imports would otherwise shadow it). The child prints the JSON plan; we diff it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.errors import ToolError, UserError

CHILD = "import sys; from infra.cli import main; sys.exit(main(sys.argv[1:]))"


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                              text=True)
    except FileNotFoundError:
        raise ToolError("git is not installed; --base needs it") from None
    except subprocess.CalledProcessError as exc:
        raise UserError(f"git {' '.join(args)}: {exc.stderr.strip() or exc}") from None
    return done.stdout.strip()


def plan_at_revision(root: Path, rev: str, stack_names: list[str] | None) -> dict[str, Any]:
    """The JSON plan (as a dict) of the repository at ``rev``; stacks missing there are absent.

    Stack files that do not validate at the base revision count as absent, so a pull request
    that fixes a broken stack still gets a review.
    """
    probe = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet",
                            f"{rev}^{{commit}}"], capture_output=True, text=True, check=False)
    commit = probe.stdout.strip()
    if probe.returncode != 0 or not commit:
        raise UserError(f"--base {rev!r} is not a commit in {root}")
    tmp = Path(tempfile.mkdtemp(prefix="teamstack-base-"))
    tree = tmp / "tree"
    try:
        _git(root, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        stacks = tree / "stacks"
        available = sorted(p.name[len("Pulumi."):-len(".yaml")]
                           for p in stacks.glob("Pulumi.*.yaml")) if stacks.is_dir() else []
        wanted = [s for s in (stack_names or available) if s in available]
        if not wanted:
            return {"stacks": []}
        env = {**os.environ, "PYTHONPATH": str(tree)}
        done = subprocess.run(
            [sys.executable, "-c", CHILD, "plan", "--format", "json", "--no-checks",
             "--skip-invalid", *wanted],
            cwd=tree, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            # An old revision may predate --skip-invalid/--no-checks: retry plainly.
            done = subprocess.run([sys.executable, "-c", CHILD, "plan", "--format", "json",
                                   *wanted], cwd=tree, env=env, capture_output=True, text=True,
                                  check=False)
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ToolError(f"could not plan the base revision {rev}: {detail}")
        try:
            plan: dict[str, Any] = json.loads(done.stdout)
            return plan
        except json.JSONDecodeError as exc:
            raise ToolError(f"the base revision {rev} printed no JSON plan: {exc}") from None
    finally:
        subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)],
                       capture_output=True, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
