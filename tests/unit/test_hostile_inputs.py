"""Hostile inputs, as a user (tired, careless or malicious) would type them: the README's promises
hold for every one.

Each case is a command line and the files it finds (a copy of the repository's stacks plus the
case's own files) with the exit code it must give. Every case also checks what holds for all of
them: no traceback, no line longer than ``MAX_LINE`` characters, no raw control characters in
what is printed, nothing written into the repository, and the run ends in time under a memory
limit. The cases are grouped by the classes of issue 13; ``want`` are patterns that must appear
on stderr (one line per problem, naming file:line:col and field).
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINE = 400
TIMEOUT_S = int(os.environ.get("HOSTILE_TIMEOUT_S", "120"))
MEMORY_LIMIT = 3 * 1024**3  # address space of each run; a runaway parser hits it, not the host
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

INSIGHTS = (ROOT / "stacks" / "Pulumi.insights-prod.yaml").read_text(encoding="utf-8")
TRACE_HEADER = "submit_time_s,duration_s,num_gpus\n"
GOOD_TRACE = TRACE_HEADER + "".join(f"{i * 600},{1200 + i},1\n" for i in range(40))


def team(body: str, name: str = "nlp") -> str:
    """A team stack whose request ends with ``body`` (indented four spaces per line)."""
    head = (f"config:\n  aws:region: eu-west-1\n  teamstack:request:\n    team: {name}\n"
            "    environment: prod\n    owners: ['@acme/x']\n    cost_center: CC-1\n")
    return head + "".join(f"    {line}\n" for line in body.splitlines())


def billion_laughs() -> str:
    lines = ["config:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"  a{i}: &a{i} [{refs}]")
    lines.append("  teamstack:request: *a9")
    return "\n".join(lines) + "\n"


# Special file contents.
DIR, DANGLING, LOOP, FIFO = "<dir>", "<dangling>", "<loop>", "<fifo>"


@dataclass
class Case:
    name: str
    argv: list[str]
    code: int
    files: dict[str, str | bytes] = field(default_factory=dict)
    want: list[str] = field(default_factory=list)
    stdout_empty: bool = False
    pipe_head: bool = False      # run as `teamstack ... | head -1`
    outside: list[str] = field(default_factory=list)  # paths (relative to tmp) that must not exist


BAD_BYTE = ("config:\n  aws:region: eu-west-1\n  teamstack:request:\n    team: bad\n"
            "    cost_center: CC-\xe9\n").encode("latin-1")

CASES: list[Case] = [
    # 1. one bad file in stacks/ is its own problem
    Case("latin1-file-all", ["validate"], 1, {"stacks/Pulumi.bad-prod.yaml": BAD_BYTE},
         [r"^stacks/Pulumi\.bad-prod\.yaml:5:\d+: error: .*UTF-8"]),
    Case("latin1-file-other", ["validate", "stacks/Pulumi.insights-prod.yaml"], 0,
         {"stacks/Pulumi.bad-prod.yaml": BAD_BYTE}),
    Case("directory-all", ["validate"], 1, {"stacks/Pulumi.dir-prod.yaml": DIR},
         [r"^stacks/Pulumi\.dir-prod\.yaml:1:1: error: .*directory"]),
    Case("directory-other", ["validate", "stacks/Pulumi.insights-prod.yaml"], 0,
         {"stacks/Pulumi.dir-prod.yaml": DIR}),
    Case("dangling-all", ["validate"], 1, {"stacks/Pulumi.ghost-prod.yaml": DANGLING},
         [r"^stacks/Pulumi\.ghost-prod\.yaml:1:1: error: .*(link|no such)"]),
    Case("dangling-other", ["validate", "stacks/Pulumi.insights-prod.yaml"], 0,
         {"stacks/Pulumi.ghost-prod.yaml": DANGLING}),
    Case("symlink-loop-unreadable", ["validate"], 1, {"stacks/Pulumi.loop-prod.yaml": LOOP},
         [r"^stacks/Pulumi\.loop-prod\.yaml:1:1: error: "]),
    Case("fifo-in-stacks", ["validate"], 1, {"stacks/Pulumi.pipe-prod.yaml": FIFO},
         [r"^stacks/Pulumi\.pipe-prod\.yaml:1:1: error: .*not a regular file"]),
    Case("bad-team-duplicate-other", ["validate", "stacks/Pulumi.insights-prod.yaml"], 0,
         {"stacks/Pulumi.zz-prod.yaml": b"config: [unclosed\n"}),
    Case("plan-other-with-bad-file", ["plan", "insights-prod", "--format", "json"], 0,
         {"stacks/Pulumi.bad-prod.yaml": BAD_BYTE, "stacks/Pulumi.dir-prod.yaml": DIR}),
    # 2. bounded parsing
    Case("billion-laughs", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": billion_laughs()},
         [r"^x/Pulumi\.nlp-prod\.yaml:\d+:\d+: error: .*alias"]),
    Case("deep-flow", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": "config: " + "[" * 600 + "]" * 600 + "\n"},
         [r"^x/Pulumi\.nlp-prod\.yaml:1:\d+: error: .*nest"]),
    Case("deep-block", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": "".join(f"{' ' * i}k{i}:\n" for i in range(200))},
         [r"^x/Pulumi\.nlp-prod\.yaml:\d+:\d+: error: .*nest"]),
    Case("huge-number", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\ngpu: {max_gpus: "
                                         + "9" * 5000 + "}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: "]),
    Case("huge-float", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 1" + "0" * 3000 + ".5}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:8:\d+: error: "]),
    Case("deep-timezone", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\ndesktops: {timezone: "
                                         + "a/" * 3000 + "b}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: desktops\.timezone: "]),
    Case("twenty-megabytes", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}") + "#" * 20_000_000},
         [r"^x/Pulumi\.nlp-prod\.yaml:1:1: error: .*(large|size|bytes)"]),
    Case("dev-zero", ["validate", "/dev/zero"], 1, {},
         [r"^/dev/zero:1:1: error: .*not a regular file"]),
    Case("fifo-argument", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": FIFO}, [r"not a regular file"]),
    Case("long-string", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\ndesktops: {timezone: "
                                         + "z" * 20_000 + "}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: "]),
    Case("many-nodes", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\nmembers:\n"
                                         + "  - {}\n" * 5_000)},
         [r"^x/Pulumi\.nlp-prod\.yaml:\d+:\d+: error: members\[\d+\]: more than 3,000 values"]),
    Case("long-key", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\n" + "k" * 9000 + ": 1")},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: "]),
    # 3. every Pulumi.*.y*ml under stacks/ is validated or reported
    Case("uppercase-name", ["validate"], 1, {"stacks/Pulumi.Hostile-prod.yaml": INSIGHTS},
         [r"^stacks/Pulumi\.Hostile-prod\.yaml:1:1: error: "]),
    Case("underscore-name", ["validate"], 1, {"stacks/Pulumi.my_team-prod.yaml": INSIGHTS},
         [r"^stacks/Pulumi\.my_team-prod\.yaml:1:1: error: "]),
    Case("yml-name", ["validate"], 1, {"stacks/Pulumi.nlp-prod.yml": INSIGHTS},
         [r"^stacks/Pulumi\.nlp-prod\.yml:1:1: error: "]),
    Case("non-ascii-name", ["validate"], 1, {"stacks/Pulumi.équipe-prod.yaml": INSIGHTS},
         [r"^stacks/Pulumi\.équipe-prod\.yaml:1:1: error: "]),
    Case("upper-suffix-name", ["validate"], 1, {"stacks/Pulumi.nlp-prod.YAML": INSIGHTS},
         [r"^stacks/Pulumi\.nlp-prod\.YAML:1:1: error: "]),
    # 4. the replay refuses absurd inputs and never prints non-JSON
    Case("trace-gap", ["simulate", "--trace", "t.csv", "--policy", "experiment"], 1,
         {"t.csv": TRACE_HEADER + "0,100,1\n1000000000000,100,1\n"},
         [r"^t\.csv:3: column submit_time_s: "]),
    Case("trace-gap-json", ["recommend", "--trace", "t.csv", "--wait-p95", "10",
                            "--format", "json"], 1,
         {"t.csv": TRACE_HEADER + "0,100,1\n1e12,100,1\n"}, [r"^t\.csv:3: column submit_time_s"],
         stdout_empty=True),
    Case("trace-duration", ["simulate", "--trace", "t.csv", "--policy", "experiment"], 1,
         {"t.csv": TRACE_HEADER + "0,1e15,1\n"}, [r"^t\.csv:2: column duration_s: "]),
    Case("trace-gpus", ["simulate", "--trace", "t.csv", "--policy", "static-peak"], 1,
         {"t.csv": TRACE_HEADER + "0,100,1000000000\n"}, [r"^t\.csv:2: column num_gpus: "]),
    Case("boot-delay-inf", ["simulate", "--trace", "t.csv", "--policy", "experiment",
                            "--boot-delay", "inf"], 1, {"t.csv": GOOD_TRACE},
         [r"--boot-delay"]),
    Case("boot-delay-nan", ["simulate", "--trace", "t.csv", "--policy", "experiment",
                            "--boot-delay", "nan"], 1, {"t.csv": GOOD_TRACE},
         [r"--boot-delay.*NaN"]),
    Case("interruptions-inf", ["simulate", "--trace", "t.csv", "--policy", "experiment",
                               "--spot-interruptions-per-hour", "inf"], 1,
         {"t.csv": GOOD_TRACE}, [r"--spot-interruptions-per-hour"]),
    Case("checkpoint-nan", ["simulate", "--trace", "t.csv", "--policy", "experiment",
                            "--checkpoint-interval", "nan"], 1, {"t.csv": GOOD_TRACE},
         [r"--checkpoint-interval.*NaN"]),
    Case("wait-target-inf", ["recommend", "--trace", "t.csv", "--wait-p95", "inf",
                             "--format", "json"], 1, {"t.csv": GOOD_TRACE}, [r"--wait-p95"],
         stdout_empty=True),
    Case("max-gpus-huge", ["simulate", "--trace", "t.csv", "--policy", "experiment",
                           "--max-gpus", "1" + "0" * 30], 1, {"t.csv": GOOD_TRACE},
         [r"--max-gpus"]),
    Case("trace-start-far", ["simulate", "--trace", "t.csv", "--policy", "experiment",
                             "--trace-start", "9999-12-31T00:00:00+00:00"], 1,
         {"t.csv": GOOD_TRACE}, [r"--trace-start"]),
    Case("trace-dev-zero", ["simulate", "--trace", "/dev/zero", "--policy", "experiment"], 1,
         {}, [r"^/dev/zero: .*not a regular file"]),
    Case("trace-fifo", ["recommend", "--trace", "t.csv", "--wait-p95", "5"], 1,
         {"t.csv": FIFO}, [r"^t\.csv: .*not a regular file"]),
    Case("trace-dir", ["simulate", "--trace", ".", "--policy", "experiment"], 1, {},
         [r"not a regular file|directory"]),
    Case("trace-bad-byte-202", ["simulate", "--trace", "t.csv", "--policy", "experiment"], 1,
         {"t.csv": (TRACE_HEADER + "".join(f"{i},10,1\n" for i in range(200))).encode()
          + b"300,1\xff0,1\n"}, [r"^t\.csv:202: .*UTF-8"]),
    Case("trace-long-span-few-jobs", ["simulate", "--trace", "t.csv", "--policy",
                                      "interactive", "--format", "json"], 0,
         {"t.csv": TRACE_HEADER + "0,3600,1\n150000000,3600,1\n300000000,3600,1\n"}),
    Case("trace-json-finite", ["recommend", "--trace", "t.csv", "--wait-p95", "30",
                               "--format", "json"], 0, {"t.csv": GOOD_TRACE}),
    # 5. output paths checked before the work
    Case("output-is-dir", ["plan", "insights-prod", "--output", "stacks"], 1, {},
         [r"--output"], stdout_empty=True),
    Case("output-under-file", ["plan", "insights-prod", "--output",
                               "stacks/Pulumi.insights-prod.yaml/plan.txt"], 1, {},
         [r"--output"], stdout_empty=True),
    Case("manifests-is-file", ["plan", "insights-prod", "--manifests", "Pulumi.yaml"], 1, {},
         [r"--manifests"], stdout_empty=True),
    Case("prices-output-dir", ["prices", "refresh", "--output", "stacks"], 1, {},
         [r"--output"], stdout_empty=True),
    # 6. usage errors are bad input; pipes close quietly
    Case("flag-typo", ["validate", "--bogus"], 1, {}, [r"unrecognized arguments"]),
    Case("missing-required", ["simulate", "--trace", "t.csv"], 1, {"t.csv": GOOD_TRACE},
         [r"--policy"]),
    Case("bad-choice", ["plan", "--format", "yaml"], 1, {}, [r"invalid choice"]),
    Case("no-command", [], 1, {}, [r"COMMAND|required"]),
    Case("profiles-head", ["profiles"], 0, {}, pipe_head=True),
    Case("schema-head", ["schema"], 0, {}, pipe_head=True),
    Case("profile-json-head", ["profiles", "experiment", "--format", "json"], 0, {},
         pipe_head=True),
    # 7. messages at the real place, escaped and short
    Case("newline-in-value", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team('budget: {monthly_usd: 100}\ndesktops: {timezone: '
                                         '"Mars\\nBase"}')},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: desktops\.timezone: .*Mars\\nBase"]),
    Case("escape-sequence", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team('budget: {monthly_usd: 100}\ndesktops: {timezone: '
                                         '"\\e[31mred"}')},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: desktops\.timezone: "]),
    Case("long-value", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\ndesktops: {timezone: "
                                         + "Europe/" + "x" * 10_000 + "}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: desktops\.timezone: "]),
    Case("bool-as-number", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\ngpu: {max_gpus: true}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:9:\d+: error: gpu\.max_gpus: "]),
    Case("bool-as-uid", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}\nmembers:\n  - {name: a, "
                                         "email: a@example.com, uid: false}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:10:\d+: error: members\[0\]\.uid: "]),
    Case("bool-as-budget", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: true, notify: [a@b.cc]}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:8:\d+: error: budget\.monthly_usd: "]),
    Case("nan-budget", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: .nan, notify: [a@b.cc]}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:8:\d+: error: budget\.monthly_usd: .*NaN"]),
    Case("inf-budget", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: .inf, notify: [a@b.cc]}")},
         [r"^x/Pulumi\.nlp-prod\.yaml:8:\d+: error: budget\.monthly_usd: .*infinit"]),
    Case("bad-byte-line-5", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}").encode()
          .replace(b"CC-1", b"CC-\xff")}, [r"^x/Pulumi\.nlp-prod\.yaml:7:\d+: error: .*UTF-8"]),
    Case("nul-byte", ["validate", "x/Pulumi.nlp-prod.yaml"], 1,
         {"x/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: 100}").replace("CC-1", "CC\x00")},
         [r"^x/Pulumi\.nlp-prod\.yaml:7:\d+: error: "]),
    Case("control-in-file-name", ["validate", "x/Pulumi.a\x1b[2Jb.yaml"], 1,
         {"x/Pulumi.a\x1b[2Jb.yaml": INSIGHTS}, [r"^x/Pulumi\.a\\x1b\[2Jb\.yaml:1:1: error: "]),
    # 8. newcomer details
    Case("validate-folder", ["validate", "stacks/"], 0, {}, [r"4 stack files valid"]),
    Case("validate-folder-no-slash", ["validate", "stacks"], 0, {}, [r"4 stack files valid"]),
    Case("jobs-zero", ["plan", "--jobs", "0"], 1, {}, [r"--jobs"], stdout_empty=True),
    Case("jobs-negative", ["plan", "--jobs", "-2"], 1, {}, [r"--jobs"], stdout_empty=True),
    Case("plan-error-relative", ["plan", "stacks/Pulumi.nlp-prod.yaml"], 1,
         {"stacks/Pulumi.nlp-prod.yaml": team("budget: {monthly_usd: -5, notify: [a@b.cc]}")},
         [r"^stacks/Pulumi\.nlp-prod\.yaml:8:\d+: error: budget\.monthly_usd: ",
          r"^1 problem in 1 of 1 files$"], stdout_empty=True),
    Case("plan-unknown-stack", ["plan", "nosuch-prod"], 1, {}, [r"nosuch-prod"],
         stdout_empty=True),
]


def _make(tmp: Path, files: dict[str, str | bytes]) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp)
    shutil.copytree(ROOT / "stacks", tmp / "stacks")
    for rel, content in files.items():
        path = tmp / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == DIR:
            path.mkdir()
        elif content == DANGLING:
            path.symlink_to(tmp / "nowhere.yaml")
        elif content == LOOP:
            path.symlink_to(path)
        elif content == FIFO:
            os.mkfifo(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _snapshot(tmp: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(tmp):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st = path.lstat()
            out[str(path.relative_to(tmp))] = (st.st_size, st.st_mtime_ns)
    return out


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_case(case: Case, tmp: Path) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """The failures of one case (empty: it passes) and the run."""
    _make(tmp, case.files)
    before = _snapshot(tmp)
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp), "LANG": "C.UTF-8",
           "COLUMNS": "80"}
    command = [sys.executable, "-m", "infra.cli", *case.argv]
    if case.pipe_head:
        script = " ".join(_quote(a) for a in command) + " | head -1 >/dev/null; " \
                 "echo ${PIPESTATUS[0]} >&2"
        command = ["bash", "-c", script]
    try:
        done = subprocess.run(command, cwd=tmp, capture_output=True, text=True, check=False,
                              env=env, timeout=TIMEOUT_S, preexec_fn=_limit,
                              errors="backslashreplace")
    except subprocess.TimeoutExpired:
        return [f"did not finish in {TIMEOUT_S} s"], subprocess.CompletedProcess(command, -1)
    failures = []
    code = done.returncode
    stderr = done.stderr
    if case.pipe_head:
        *rest, last = stderr.rstrip("\n").split("\n") if stderr.strip() else ["?"]
        code = int(last) if last.isdigit() else -1
        stderr = "\n".join(rest)
        if stderr.strip():
            failures.append(f"a pipe closed early is not quiet: {stderr[:300]!r}")
    if code != case.code:
        failures.append(f"exit {code}, expected {case.code}")
    for text, what in ((stderr, "stderr"), (done.stdout, "stdout")):
        if "Traceback" in text or "Exception ignored" in text:
            failures.append(f"traceback on {what}")
        if what == "stderr" and any(len(line) > MAX_LINE for line in text.splitlines()):
            failures.append(f"a line of {what} is longer than {MAX_LINE} characters")
        if CONTROL.search(text.replace("\t", "")):
            failures.append(f"raw control characters on {what}")
    for pattern in case.want:
        if not re.search(pattern, stderr, re.MULTILINE):
            failures.append(f"stderr lacks {pattern!r}")
    if case.stdout_empty and done.stdout:
        failures.append("stdout is not empty")
    after = _snapshot(tmp)
    if after != before:
        changed = sorted(set(after.items()) ^ set(before.items()))
        failures.append(f"files changed: {changed[:5]}")
    return failures, done


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    failures, done = run_case(case, tmp_path)
    assert not failures, (f"{case.name}: {'; '.join(failures)}\n"
                          f"stderr: {(done.stderr or '')[:2000]}")


if __name__ == "__main__":  # `python tests/unit/test_hostile_inputs.py`: the pass count
    import tempfile

    passed = 0
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            failures, _ = run_case(case, Path(tmp))
        passed += not failures
        print(f"{'pass' if not failures else 'FAIL'} {case.name}: {'; '.join(failures)}"[:300])
    print(f"{passed} of {len(CASES)} hostile inputs pass")
