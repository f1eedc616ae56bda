"""Benchmark the offline plan: time and peak memory for 1, 10 and 100 team stacks, and the
per-resource cost of our program against the SDK floor.

The floor is the same resources (same SDK classes, same inputs) registered bare, flat, under the
same mocks and recording monitor in the same process, so the ratio isolates what teamstack
adds (components, the tagging transform, wiring) from what the Pulumi SDK costs anyway. For
scale, the cost of as many one-field generic resources is printed too: typed SDK resources
with many fields cost more than that whoever registers them.

Usage: python benchmarks/plan.py [--sizes 1,10,100] [--repeat 3]
Targets: per-resource ratio <= 1.5; 100 stacks in one command with peak memory < 2 GiB.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEMPLATE = ROOT / "stacks" / "Pulumi.vision-prod.yaml"
PLATFORM = ROOT / "stacks" / "Pulumi.platform-prod.yaml"


def make_repo(count: int) -> Path:
    """A throwaway repository with one platform and ``count`` generated team stacks."""
    repo = Path(tempfile.mkdtemp(prefix=f"teamstack-bench-{count}-"))
    shutil.copy(ROOT / "Pulumi.yaml", repo)
    stacks = repo / "stacks"
    stacks.mkdir()
    shutil.copy(PLATFORM, stacks)
    text = TEMPLATE.read_text(encoding="utf-8")
    for i in range(count):
        team = f"team{i:03d}"
        (stacks / f"Pulumi.{team}-prod.yaml").write_text(
            text.replace("team: vision", f"team: {team}"), encoding="utf-8")
    return repo


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def run_command(count: int) -> tuple[float, int, int]:
    """Wall time, peak tree memory and resource count of `teamstack plan --all` on N stacks."""
    repo = make_repo(count)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "infra.cli", "plan", "--all", "--format",
                                 "json", "--no-checks"], cwd=repo, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        elapsed = time.perf_counter() - start
        done.set()
        sampler.join()
        if proc.returncode != 0:
            raise SystemExit(f"plan failed for {count} stacks:\n{err}")
        import json

        resources = sum(len([r for r in s["resources"]]) for s in json.loads(out)["stacks"])
        return elapsed, peak, resources
    finally:
        shutil.rmtree(repo, ignore_errors=True)


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _python_args(value: Any) -> Any:
    """Engine inputs (camelCase) back to SDK keyword style; map keys with ':' '/' '.' or '-'
    (tags, labels) are data, not field names, and stay as they are."""
    if isinstance(value, dict):
        return {k if re.search(r"[:/.-]", k) else _snake(k): _python_args(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_python_args(v) for v in value]
    return value


def _sdk_class(type_token: str) -> Any:
    """pulumi_aws / pulumi_kubernetes class of a type token, or None."""
    package, module, name = type_token.split(":")
    root = {"aws": "pulumi_aws", "kubernetes": "pulumi_kubernetes"}.get(package)
    if root is None:
        return None
    parts = [p for p in module.split("/") if p != "index"]
    if package == "aws":
        parts = parts[:1]  # aws:s3/bucketPolicy:BucketPolicy -> pulumi_aws.s3
    else:
        parts = [p.split(".")[0] for p in parts]  # helm.sh/v3 -> helm.v3
    try:
        return getattr(importlib.import_module(".".join([root, *parts])), name)
    except (ImportError, AttributeError):
        return None


def floor_program(graph: Any) -> Callable[[], None]:
    """The same resources, same SDK classes and inputs, registered flat: no request loading,
    no components, no transform, no options. What registering them by hand costs."""
    import pulumi

    specs = []
    for resource in graph.custom():
        cls = _sdk_class(resource.type)
        specs.append((cls, resource.type, resource.name, resource.inputs))
    generic = sorted({t for cls, t, _n, _i in specs if cls is None})

    def program() -> None:
        for cls, type_token, name, inputs in specs:
            if cls is None:
                pulumi.CustomResource(type_token, name, dict(inputs))
            else:
                cls(name, **{_snake(k): _python_args(v) for k, v in inputs.items()})

    program.generic_types = generic  # type: ignore[attr-defined]
    return program


def per_resource(repeat: int) -> tuple[float, float, float, int]:
    """Seconds per resource for a real team stack, for the same resources registered flat
    with the same SDK classes (the floor) and for as many one-field generic resources."""
    import pulumi

    from infra.plan.mocks import PlanMocks
    from infra.plan.runner import plan_stack, run_program
    from infra.stackfile import load

    platform = load(PLATFORM).stack
    team = load(TEMPLATE).stack
    outputs = {"platform-prod": plan_stack(platform).outputs}
    graph = plan_stack(team, outputs)  # warm-up: imports, caches
    count = len(graph.custom())
    floor = floor_program(graph)

    def bare() -> None:
        for i in range(count):
            pulumi.CustomResource("teamstack:bench:Bare", f"r{i}", {"value": i})

    runs = {
        "program": lambda: plan_stack(team, outputs),
        "floor": lambda: run_program("bench-floor", floor, PlanMocks(team.region, outputs)),
        "generic": lambda: run_program("bench-generic", bare, PlanMocks(team.region)),
    }
    for run in runs.values():
        run()
    best = {name: float("inf") for name in runs}
    for _ in range(repeat):  # interleaved, best of N: robust to a busy machine
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    if floor.generic_types:  # type: ignore[attr-defined]
        print(f"floor registers these types generically: {', '.join(floor.generic_types)}")
    return best["program"] / count, best["floor"] / count, best["generic"] / count, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    real, floor, generic, count = per_resource(args.repeat)
    print(f"per-resource ({count} resources/stack): program {real * 1e3:.2f} ms, SDK floor "
          f"{floor * 1e3:.2f} ms -> ratio {real / floor:.2f} (target <= 1.5); one-field "
          f"generic resources {generic * 1e3:.2f} ms")
    for size in (int(s) for s in args.sizes.split(",")):
        elapsed, peak, resources = run_command(size)
        print(f"{size:>4} team stacks: {elapsed:6.1f} s, {resources:6d} resources, "
              f"{resources / elapsed:7.0f} resources/s, peak memory {peak / 2**20:7.0f} MiB "
              f"(target < 2048 MiB)")


if __name__ == "__main__":
    main()
