"""``teamstack plan``: the offline resource graph of stacks, with cost, guardrails and diff."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.cliutil import (
    PIPE_WIDTH,
    ExitCode,
    Progress,
    check_output_dir,
    check_output_file,
    wide_console,
)
from infra.commands.validate import expand
from infra.errors import CheckFailed, UserError
from infra.plan import consumers
from infra.plan.diff import diff_plans
from infra.plan.orchestrate import plan_loaded
from infra.plan.render import RENDERERS, PlanReport, to_text
from infra.problems import shown_path, summary
from infra.repo import find_root
from infra.stackfile import LoadedStack, load, stack_files


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "plan", help="offline resource graph of stacks (no credentials, no engine)",
        description="Run the Pulumi program of each stack under the SDK's mocks and show the "
                    "resources it would create, their monthly cost and guardrail results.")
    parser.add_argument("targets", nargs="*", metavar="STACK|FILE",
                        help="stack names (vision-prod) or stack files; default: all")
    parser.add_argument("--all", action="store_true", help="plan every stack under stacks/")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="text")
    parser.add_argument("--output", "-o", type=Path, help="write to FILE instead of stdout")
    parser.add_argument("--base", metavar="GITREV",
                        help="also plan the repository at GITREV and report what changes")
    parser.add_argument("--jobs", "-j", type=positive_int, default=None,
                        help="worker processes (default: one per core when it pays off)")
    parser.add_argument("--manifests", type=Path, metavar="DIR",
                        help="also write every Kubernetes object as a YAML manifest under "
                             "DIR/<stack>/ (secrets withheld), e.g. for kubectl diff")
    parser.add_argument("--no-checks", action="store_true",
                        help="report guardrail violations without failing")
    parser.add_argument("--skip-invalid", action="store_true", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def positive_int(text: str) -> int:
    """``--jobs``: a whole number of worker processes, 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: must be 1 or more")
    return value


def resolve_targets(root: Path, targets: list[str], all_stacks: bool) -> list[Path]:
    stacks = root / "stacks"
    if all_stacks or not targets:
        files = stack_files(stacks)
        if not files:
            raise UserError(f"no stack files under {shown_path(stacks)}")
        return files
    files = []
    for target in targets:
        as_path = Path(target)
        if as_path.suffix in (".yaml", ".yml") or "/" in target or as_path.is_dir():
            if not as_path.exists() and not as_path.is_symlink():
                raise UserError(f"{target}: no such file")
            files.extend(expand([as_path]))
            continue
        candidate = stacks / f"Pulumi.{target}.yaml"
        if not candidate.exists():
            known = ", ".join(p.name[7:-5] for p in stack_files(stacks))
            raise UserError(f"{target}: no stack of that name (known: {known})")
        files.append(candidate)
    return files


def load_valid(files: list[Path], stacks_dir: Path) -> list[LoadedStack]:
    """Validate every file first, reported as ``validate`` does: nothing is planned if any
    request is wrong."""
    loaded, problems = [], []
    for path in files:
        result = load(path, stacks_dir)
        problems.extend(result.problems)
        if result.stack is not None:
            loaded.append(result.stack)
    if problems:
        line = summary(len(problems), len({p.file for p in problems}), len(files))
        raise CheckFailed(line, [str(p) for p in problems] + [line])
    return loaded


def run(args: argparse.Namespace) -> int:
    if args.output is not None:  # before any work: a plan of 100 stacks takes minutes
        check_output_file("--output", args.output)
    if args.manifests is not None:
        check_output_dir("--manifests", args.manifests)
    root = find_root()
    files = resolve_targets(root, args.targets, args.all)
    if args.skip_invalid:
        files = [f for f in files if not load(f).problems]
    loaded = load_valid(files, root / "stacks")
    with Progress("planning", len(loaded)) as progress:
        result = plan_loaded(loaded, jobs=args.jobs, progress=progress.tick)
    report = PlanReport(result.graphs)
    consumers.attach(report, {s.stack: s for s in loaded})
    if args.base:
        from infra.plan.base import plan_at_revision

        base_doc = plan_at_revision(root, args.base, [s.stack for s in loaded])
        head_doc = json.loads(RENDERERS["json"](PlanReport(result.graphs)))
        report.base = args.base
        report.diffs = diff_plans(_by_stack(base_doc), _by_stack(head_doc))
        consumers.attach_cost_diff(report, base_doc)
    if args.manifests:
        from infra.plan.manifests import manifests, write

        try:
            count = sum(len(write(manifests(g), args.manifests / g.stack))
                        for g in result.graphs)
        except OSError as exc:
            raise UserError(f"--manifests {shown_path(args.manifests)}: cannot write: "
                            f"{exc.strerror or exc}") from None
        print(f"wrote {count} manifests under {shown_path(args.manifests)}", file=sys.stderr)
    if args.format == "text":
        # As wide as the terminal; piped or written to a file, wide enough that no resource
        # or file name is cut across lines.
        to_tty = args.output is None and sys.stdout.isatty()
        text = to_text(report, width=wide_console().width if to_tty else PIPE_WIDTH)
    else:
        text = RENDERERS[args.format](report)
    if args.output:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"--output {shown_path(args.output)}: cannot write: "
                            f"{exc.strerror or exc}") from None
        print(f"wrote {shown_path(args.output)}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if report.violation_count and not args.no_checks:
        raise CheckFailed("guardrails failed",
                          [f"guardrails: {report.violation_count} violation(s); see the plan"])
    return ExitCode.OK


def _by_stack(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {s["stack"]: s["resources"] for s in doc.get("stacks", [])}
