"""Wall time of the pull-request review of a one-team change (validate + plan + diff).

Builds a throwaway clone of this repository with a branch that edits one team's stack file
(its budget and a bucket), then times, in fresh processes (imports included, installs not):

- ``review``: ``teamstack review --base main --trusted``, what the review workflow runs for a
  stack-only pull request (only the touched stack and its platform, both sides in one process);
- ``plan-base``: ``teamstack validate FILE`` then ``teamstack plan STACK --base main``, the
  earlier way for the same one stack (the base planned again in a child process);
- ``plan-all``: ``teamstack validate`` then ``teamstack plan --all --base main``, what the
  earlier review workflow ran (the whole repository twice). Skipped with ``--quick``.

Usage: .venv/bin/python benchmarks/review.py [--repeat N] [--quick]   (target: review < 20 s)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEAM_FILE = "stacks/Pulumi.insights-prod.yaml"


def sh(cwd: Path, *cmd: str) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)


def make_clone(tmp: Path) -> Path:
    """A repository whose branch `change` edits one team's stack file against `main`."""
    clone = tmp / "repo"
    sh(tmp, "git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone))
    for args in (("config", "user.email", "bench@example.com"), ("config", "user.name", "bench"),
                 ("checkout", "-q", "-B", "main"), ("checkout", "-q", "-b", "change")):
        sh(clone, "git", *args)
    path = clone / TEAM_FILE
    text = path.read_text(encoding="utf-8")
    text = text.replace("monthly_usd: 3000", "monthly_usd: 4000")
    text = text.replace("- {name: reports, versioning: true}",
                        "- {name: reports, versioning: true}\n        - {name: scratch, "
                        "expire_after_days: 14}")
    path.write_text(text, encoding="utf-8")
    sh(clone, "git", "commit", "-q", "-am", "insights: bigger budget, scratch bucket")
    return clone


def timed(clone: Path, *commands: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of the commands; CPU (user + system of the child processes) says
    what the work costs when other jobs share the cores."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for command in commands:
        done = subprocess.run([sys.executable, "-P", "-m", "infra.cli", *command], cwd=clone,
                              env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="skip the whole-repository way")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="teamstack-bench-review-"))
    try:
        clone = make_clone(tmp)
        ways = {
            "review": [["review", "--base", "main", "--trusted", "--output", str(tmp / "r.md")]],
            "plan-base": [["validate", TEAM_FILE],
                          ["plan", "insights-prod", "--base", "main", "--format", "markdown",
                           "--output", str(tmp / "p.md")]],
        }
        if not args.quick:
            ways["plan-all"] = [["validate"], ["plan", "--all", "--base", "main", "--format",
                                               "markdown", "--output", str(tmp / "a.md")]]
        print(f"one-team change ({TEAM_FILE}), {os.cpu_count()} cores, "
              f"load {os.getloadavg()[0]:.1f}")
        for name, commands in ways.items():
            runs = [timed(clone, *commands) for _ in range(args.repeat)]
            wall, cpu = min(runs)
            print(f"{name:<10} wall {wall:6.1f} s  cpu {cpu:6.1f} s  (best of {len(runs)}; "
                  f"walls: {', '.join(f'{w:.1f}' for w, _ in runs)})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
