"""Byte-level fuzzing of the stack loader, under a memory limit and a time limit.

Random bytes, byte-level mutations of a real stack file and random sequences of YAML's
sharpest tools (anchors, aliases, merge keys, tags, deep brackets, long numbers, bad bytes)
go through ``infra.stackfile.load`` in a child process whose address space is capped, so a
runaway parse fails the test instead of the machine. Every input must give problems (never an
exception), each one escaped line inside the file, and no input may take long.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 1024**2
TIMEOUT_S = 900
EXAMPLES = 250
PER_INPUT_S = 10.0  # a safety bound for one load, far above the milliseconds it takes

CHILD = r"""
import json, shutil, sys, tempfile, time, resource
from pathlib import Path
from hypothesis import HealthCheck, example, given, settings, strategies as st
from infra.stackfile import load

ROOT = Path(sys.argv[1])
EXAMPLES = int(sys.argv[2])
PER_INPUT_S = float(sys.argv[3])
EXAMPLE = (ROOT / "stacks" / "Pulumi.vision-prod.yaml").read_bytes()
stacks = Path(tempfile.mkdtemp(prefix="bytes-fuzz-"))
shutil.copy(ROOT / "stacks" / "Pulumi.platform-prod.yaml", stacks)
target = stacks / "Pulumi.vision-prod.yaml"
worst = [0.0, b""]

PIECES = [b"[", b"]", b"{", b"}", b"&a ", b"&b ", b"*a", b"*b", b": ", b"- ", b"\n", b"  ",
          b"'", b'"', b"!!python/object/apply:os.system ['true']", b"\xff", b"\x00", b"\xe9",
          b"9" * 80, b"1e999", b".nan", b"<<: *a", b"? ", b"%YAML 1.2\n", b"---\n", b"...\n",
          b"config:\n", b"  teamstack:request:\n", b"    gpu: {max_gpus: ", b"true", b"#",
          b"\t", b"\r", b"\xef\xbb\xbf", b"\\u0000", b"|\n", b">-\n", b"!!binary ", b"~"]

def mutations(data):
    edits = st.lists(st.tuples(st.integers(0, len(data)), st.integers(0, 8),
                               st.binary(max_size=6)), max_size=6)
    def apply(changes):
        out = bytearray(data)
        for pos, cut, insert in changes:
            pos = min(pos, len(out))
            out[pos:pos + cut] = insert
        return bytes(out)
    return edits.map(apply)

inputs = st.one_of(st.binary(max_size=3000), mutations(EXAMPLE),
                   st.lists(st.sampled_from(PIECES), max_size=300).map(b"".join))

@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(inputs)
@example(b"config:\n  a0: &a0 [x,x,x,x,x,x,x,x,x]\n" + b"".join(
    b"  a%d: &a%d [%s]\n" % (i, i, b",".join([b"*a%d" % (i - 1)] * 9)) for i in range(1, 10))
    + b"  teamstack:request: *a9\n")
@example(b"config: &a [*a, *a]\n")
@example(b"config: " + b"[" * 5000)
@example(b"config: {n: " + b"7" * 6000 + b"}\n")
@example(b"config:\n  teamstack:request:\n    desktops: {timezone: " + b"a/" * 1500 + b"}\n")
def check(data):
    target.write_bytes(data)
    start = time.perf_counter()
    result = load(target)
    spent = time.perf_counter() - start
    if spent > worst[0]:
        worst[:] = [spent, data[:200]]
    assert spent < PER_INPUT_S, (spent, data[:200])
    assert (result.stack is None) == bool(result.problems)
    for problem in result.problems:
        text = str(problem)
        assert "\n" not in text and len(text) < 1000, text
        assert text.startswith(f"{target}:{problem.line}:{problem.col}: error: "), text
        assert problem.line >= 1 and problem.col >= 1

check()
print(json.dumps({"worst_s": worst[0], "worst_input": worst[1].decode("latin-1"),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_random_bytes_never_escape_the_loader(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(EXAMPLES),
                           str(PER_INPUT_S)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=TIMEOUT_S, preexec_fn=_limit, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-4000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["worst_s"] < PER_INPUT_S
    print(f"worst input {figures['worst_s']:.3f} s ({figures['worst_input'][:60]!r}), "
          f"peak {figures['peak_rss_mib']:.0f} MiB")
