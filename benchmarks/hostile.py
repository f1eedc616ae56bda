"""Time and peak memory of every hostile input (tests/unit/test_hostile_inputs.py) end to end.

Usage: .venv/bin/python benchmarks/hostile.py [NAME ...]

Each case runs as the user would run it (a fresh ``teamstack`` process in a copy of the
repository's stacks) and is timed; its peak resident memory is the child's own maximum
(``wait4``). Prints one row per case, whether it passes, and the worst case of each figure.
The idle interpreter with the command's imports is part of every figure. Memory is measured
by GNU time (``/usr/bin/time``): a child forked from this process would inherit its high-water
mark.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.unit import test_hostile_inputs as table  # noqa: E402


def measure(case: table.Case) -> tuple[float, float, bool]:
    with tempfile.TemporaryDirectory() as tmp:
        table._make(Path(tmp), case.files)
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": tmp}
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "infra.cli",
                               *case.argv], cwd=tmp, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env, preexec_fn=table._limit,
                              check=False, text=True, errors="replace")
        spent = time.perf_counter() - start
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return spent, peak_kib / 1024, done.returncode == case.code


def loader_figures() -> None:
    """The stack loader alone, in this process: time and peak allocation (tracemalloc) of each
    hostile stack file, without the interpreter's start-up."""
    from infra.stackfile import load

    worst = ("", 0.0, 0.0)
    for case in table.CASES:
        files = {k: v for k, v in case.files.items() if isinstance(v, str | bytes)
                 and not str(v).startswith("<") and k.endswith((".yaml", ".yml", ".YAML"))}
        if not files or case.argv[:1] != ["validate"]:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            table._make(Path(tmp), files)
            for rel in files:
                load(Path(tmp) / rel)  # warm: lazy imports and caches are not the input's cost
                start = time.perf_counter()
                load(Path(tmp) / rel)
                spent = time.perf_counter() - start
                tracemalloc.start()  # a second, traced run: tracing slows the timed one
                load(Path(tmp) / rel)
                peak = tracemalloc.get_traced_memory()[1] / 1024**2
                tracemalloc.stop()
                print(f"  load {case.name:26} {spent * 1000:8.1f} ms {peak:7.1f} MiB")
                if spent > worst[1]:
                    worst = (case.name, spent, peak)
    print(f"slowest load: {worst[0]} {worst[1] * 1000:.0f} ms ({worst[2]:.1f} MiB allocated)")


def main() -> None:
    wanted = set(sys.argv[1:])
    if not wanted:
        loader_figures()
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
