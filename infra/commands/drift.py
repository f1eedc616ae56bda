"""``teamstack drift``: state, code and the live cloud compared, judged by who owns each field.

Read-only: it takes no lock, writes no state and calls no mutating API. Exit 0 when every
stack is clean, 1 when anything drifted, is pending, missing, unmanaged or could not be read,
2 when the run could not start (no backend, no credentials).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from infra.cliutil import Progress
from infra.errors import ToolError, UserError


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "drift", help="compare state, code and the live cloud (read-only; needs AWS access)",
        description="Read each stack's state from the Pulumi backend, plan the code offline "
                    "and read the live resources in batches; report every difference by who "
                    "owns the field.")
    parser.add_argument("--backend", default=os.environ.get("PULUMI_BACKEND_URL"),
                        help="s3://BUCKET[/PREFIX] or file://DIR (default: $PULUMI_BACKEND_URL)")
    parser.add_argument("--stack", action="append", default=[], metavar="NAME",
                        help="a stack to check (repeatable; default: every stack file)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    parser.add_argument("--output", "-o", type=Path, help="write to FILE instead of stdout")
    parser.add_argument("--ignore-file", type=Path, default=None,
                        help="default: .teamstack/driftignore.yaml in the repository")
    parser.add_argument("--kubeconfig", metavar="FILE",
                        help="also compare Kubernetes objects, judged by managedFields")
    parser.add_argument("--context", help="the kubeconfig context (default: its current one)")
    parser.add_argument("--print-policy", action="store_true",
                        help="print the read-only IAM policy the drift job needs and exit")
    parser.set_defaults(func=run)


def _targets(root: Path, names: list[str]) -> tuple[list[Path], set[str]]:
    from infra.stackfile import stack_files

    files = stack_files(root / "stacks")
    known = {p.name[len("Pulumi."):-len(".yaml")]: p for p in files}
    if not names:
        return files, set(known)
    for name in names:
        if name not in known:
            raise UserError(f"--stack {name}: no stack file stacks/Pulumi.{name}.yaml "
                            f"(known: {', '.join(sorted(known))})")
    return files, set(names)


def run(args: argparse.Namespace) -> int:
    from infra.drift import policy

    if args.print_policy:
        bucket = None
        if args.backend and args.backend.startswith("s3://"):
            from infra.drift.backend import BackendUrl

            bucket = BackendUrl.parse(args.backend).location
        sys.stdout.write(policy.render(bucket))
        return 0
    if not args.backend:
        raise UserError("drift: no backend; pass --backend s3://BUCKET or set PULUMI_BACKEND_URL")
    import boto3

    from infra.drift import ignore
    from infra.drift.backend import BackendUrl
    from infra.drift.render import RENDERERS
    from infra.drift.run import DriftRun, StackInput
    from infra.plan.orchestrate import load_all, plan_loaded
    from infra.repo import find_root

    backend = BackendUrl.parse(args.backend)
    root = find_root()
    ignore_path = args.ignore_file or root / ".teamstack" / "driftignore.yaml"
    entries = ignore.load(ignore_path)
    files, wanted = _targets(root, args.stack)
    loaded = load_all(files, root / "stacks")
    result = plan_loaded(loaded)
    graphs = result.by_stack()
    inputs = [StackInput(s.stack, s.region, graphs.get(s.stack), s.kind == "platform")
              for s in loaded]
    checked = [i for i in inputs if i.stack in wanted]
    extra = [i for i in inputs if i.stack not in wanted]
    cluster = None
    if args.kubeconfig:
        from infra.drift.k8s import ClusterReader

        try:
            cluster = ClusterReader.from_kubeconfig(args.kubeconfig, args.context)
        except Exception as exc:
            raise UserError(f"--kubeconfig {args.kubeconfig}: {exc}") from exc
    # One step per stack's state, then one per batched group of live reads: no total.
    with Progress("drift", None, description=f"{len(checked)} stack(s)") as progress:
        drift = DriftRun(backend, boto3.session.Session(), checked, extra_code=extra,
                         ignore=entries, ignore_source=str(ignore_path.relative_to(root))
                         if ignore_path.is_relative_to(root) else str(ignore_path),
                         today=dt.date.today(), progress=progress.tick, cluster=cluster)
        try:
            report = drift.execute()
        except Exception as exc:
            from botocore.exceptions import BotoCoreError, ClientError

            if isinstance(exc, BotoCoreError | ClientError):
                raise ToolError(f"drift could not run: {exc}") from exc
            raise
    text = RENDERERS[args.format](report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return report.exit_code

