"""The mutation score of each module that carries a promise, from mutmut's results.

`mutmut run` leaves one `mutants/<source path>.meta` file per mutated source file (JSON: the
exit code of the tests against each mutant). This script groups those results by the
`only_mutate` patterns of `[tool.mutmut]` in pyproject.toml (one pattern = one module as the
issue names them: a package directory or a single file), subtracts the mutants listed as
equivalent in mutation/equivalents.toml (each with its reason), and prints per module:
killed, survived, no tests, the score, and the surviving mutants nobody has explained.

Usage: python scripts/mutation_report.py [--fail-under 85] [--files] [--survivors] [--prepare]
(``--survivors`` prints only the unexplained survivors' names, e.g. to retest just those:
``mutmut run $(python scripts/mutation_report.py --survivors)``.)
Exit 0; 1 if a measured module scores under --fail-under; 2 if there are no results.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS = ROOT / "mutation" / "equivalents.toml"

# mutmut 3's exit codes (mutmut/stats.py): what the tests did against one mutant.
KILLED = {1, 3, 24, -24, 152, 255, 36, 37}  # failed, pytest error, timeout, type check
SURVIVED = {0}
NO_TESTS = {5, 33}
NOT_RUN = {None, 2, 34}  # not checked, interrupted, skipped


@dataclass
class Score:
    """Counts for one module; the score leaves out mutants not run and the equivalents."""

    killed: int = 0
    survived: int = 0
    no_tests: int = 0
    not_run: int = 0
    other: int = 0
    equivalent: int = 0
    unexplained: list[str] = field(default_factory=list)

    def add(self, name: str, code: int | None, equivalent: bool) -> None:
        if code in NOT_RUN:
            self.not_run += 1
        elif equivalent and (code in SURVIVED or code in NO_TESTS):
            self.equivalent += 1
        elif code in KILLED:
            self.killed += 1
        elif code in SURVIVED:
            self.survived += 1
            self.unexplained.append(name)
        elif code in NO_TESTS:
            self.no_tests += 1
            self.unexplained.append(name)
        else:  # suspicious, segfault: the tests did not pass cleanly, so not a survivor
            self.other += 1

    @property
    def measured(self) -> int:
        return self.killed + self.survived + self.no_tests + self.other

    @property
    def percent(self) -> float | None:
        return 100.0 * (self.killed + self.other) / self.measured if self.measured else None


def mutmut_config(root: Path) -> dict:
    with (root / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["mutmut"]


def load_equivalents(path: Path) -> dict[str, str]:
    """Mutant name -> why no test can tell it from the original."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        entries = tomllib.load(handle).get("equivalent", [])
    reasons: dict[str, str] = {}
    for entry in entries:
        if not entry.get("reason", "").strip():
            raise SystemExit(f"{path}: {entry.get('mutant')}: an equivalent needs a reason")
        reasons[entry["mutant"]] = entry["reason"]
    return reasons


def module_of(source: str, patterns: list[str]) -> str | None:
    """The `only_mutate` pattern a source file falls under, shown without its glob."""
    for pattern in patterns:
        if fnmatch.fnmatch(source, pattern):
            return pattern.removesuffix("/*")
    return None


def collect(root: Path, by_file: bool) -> tuple[dict[str, Score], set[str]]:
    """Scores by module (or by file) and every mutant name seen."""
    config = mutmut_config(root)
    patterns = config["only_mutate"]
    equivalents = load_equivalents(root / "mutation" / "equivalents.toml")
    scores: dict[str, Score] = {pattern.removesuffix("/*"): Score() for pattern in patterns}
    seen: set[str] = set()
    for meta in sorted((root / "mutants").rglob("*.py.meta")):
        source = meta.relative_to(root / "mutants").as_posix().removesuffix(".meta")
        module = module_of(source, patterns)
        if module is None:
            continue
        key = source if by_file else module
        score = scores.setdefault(key, Score())
        results = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for name, code in sorted(results.items()):
            seen.add(name)
            score.add(name, code, name in equivalents)
    if by_file:
        scores = {key: value for key, value in scores.items() if value.measured or value.not_run}
    return scores, seen


def forget_unmutated_copies(root: Path) -> list[str]:
    """Remove mutants/ copies of configured files that mutmut copied before they were configured.

    mutmut copies every source file into mutants/ but mutates only those in `only_mutate`, and it
    never revisits a copy newer than its source: a file added to `only_mutate` after a first
    run would stay unmutated, and missing from the scores, for good. Such a copy has no .meta
    beside it. Its functions also have no tests in mutmut's record of which tests reach which
    function, so that record goes too. Returns the files removed, for `make mutation` to say so.
    """
    config = mutmut_config(root)
    patterns = config["only_mutate"]
    removed: list[str] = []
    for source_dir in config.get("source_paths", ["infra"]):
        for source in sorted((root / source_dir).rglob("*.py")):
            relative = source.relative_to(root).as_posix()
            copy = root / "mutants" / relative
            if module_of(relative, patterns) is None or not copy.is_file():
                continue
            if not copy.with_name(copy.name + ".meta").exists():
                copy.unlink()
                removed.append(relative)
    if removed:
        # Which tests reach which function was recorded while these files were unmutated, so
        # it says no test reaches them: mutmut collects it afresh when the file is gone.
        (root / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-under", type=float, default=None,
                        help="exit 1 if a measured module scores under this percentage")
    parser.add_argument("--files", action="store_true", help="one line per source file")
    parser.add_argument("--survivors", action="store_true",
                        help="print only the names of unexplained survivors")
    parser.add_argument("--prepare", action="store_true",
                        help="before a run: remove unmutated copies of configured files")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.prepare:
        for relative in forget_unmutated_copies(args.root):
            print(f"{relative}: configured after mutmut copied it; it is mutated on this run")
        return 0

    if not (args.root / "mutants").is_dir():
        print("no mutation results: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 2
    scores, seen = collect(args.root, args.files)
    equivalents = load_equivalents(args.root / "mutation" / "equivalents.toml")
    if args.survivors:
        for score in scores.values():
            for name in score.unexplained:
                print(name)
        return 0

    header = f"{'module':<30} {'killed':>7} {'survived':>8} {'no tests':>8} {'equiv.':>6} " \
             f"{'not run':>7} {'score':>7}"
    print(header)
    print("-" * len(header))
    below: list[str] = []
    for module, score in scores.items():
        percent = score.percent
        shown = "-" if percent is None else f"{percent:.1f}%"
        print(f"{module:<30} {score.killed + score.other:>7} {score.survived:>8} "
              f"{score.no_tests:>8} {score.equivalent:>6} {score.not_run:>7} {shown:>7}")
        if percent is not None and args.fail_under is not None and percent < args.fail_under:
            below.append(module)

    unexplained = [name for score in scores.values() for name in score.unexplained]
    if unexplained:
        print(f"\n{len(unexplained)} surviving mutants not listed in mutation/equivalents.toml "
              "(see one with `mutmut show NAME`):")
        for name in unexplained:
            print(f"  {name}")
    stale = sorted(set(equivalents) - seen)
    if stale and seen:
        print(f"\n{len(stale)} entries of mutation/equivalents.toml name no current mutant "
              "(the code changed; re-check them):")
        for name in stale:
            print(f"  {name}")
    if below:
        print(f"\nunder {args.fail_under:g}%: {', '.join(below)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
