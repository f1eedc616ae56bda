"""Time and peak memory of every hostile input (tests/unit/test_hostile_inputs.py) end to end.

Usage: .venv/bin/python benchmarks/hostile.py [NAME ...]

Each case runs as the user would run it (a fresh ``teamstack`` process in a copy of the
repository's stacks) and is timed; its peak resident memory is the child's own maximum
(``wait4``). Prints one row per case, whether it passes, and the worst case of each figure.
The idle interpreter with the command's imports is part of every figure; compare with the
``profiles`` row, which parses nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit import test_hostile_inputs as table  # noqa: E402


def measure(case: table.Case) -> tuple[float, float, bool]:
    with tempfile.TemporaryDirectory() as tmp:
        table._make(Path(tmp), case.files)
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": tmp}
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "infra.cli", *case.argv], cwd=tmp,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                 preexec_fn=table._limit)
        _, status, usage = os.wait4(child.pid, 0)
        spent = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
    return spent, usage.ru_maxrss / 1024, code == case.code


def main() -> None:
    wanted = set(sys.argv[1:])
    rows = []
    for case in table.CASES:
        if case.pipe_head or (wanted and case.name not in wanted):
            continue
        spent, peak, ok = measure(case)
        rows.append((case.name, spent, peak, ok))
        verdict = "as expected" if ok else "WRONG"
        print(f"{case.name:32} {spent:7.2f} s {peak:8.1f} MiB  exit {verdict}", flush=True)
    if rows:
        slow = max(rows, key=lambda r: r[1])
        big = max(rows, key=lambda r: r[2])
        print(f"slowest: {slow[0]} {slow[1]:.2f} s; largest: {big[0]} {big[2]:.1f} MiB; "
              f"{sum(r[3] for r in rows)} of {len(rows)} exit as expected")


if __name__ == "__main__":
    main()
