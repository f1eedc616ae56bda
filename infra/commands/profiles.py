"""``teamstack profiles [NAME] [--format text|json]``: the catalog, or one profile in full.

Without a name it lists every profile and the work it fits; with a name it shows what that
profile sets on every layer, the reason for each value, and which fields an autoscaler or a
schedule owns at run time (those are expected to drift).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.table import Table

from infra.cliutil import ExitCode, wide_console
from infra.errors import UserError
from infra.profiles import CATALOG, LAYERS, PROFILE_NAMES, resolve


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profiles", help="show the workload profiles and what each sets on every layer",
        description="Show the workload-profile catalog, or what one profile sets on every layer.")
    parser.add_argument("name", nargs="?", metavar="NAME",
                        help=f"one profile: {', '.join(PROFILE_NAMES)}")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, tuple):
        if not value:
            return "none"
        return "; ".join(_show(item) for item in value)
    if hasattr(value, "__dataclass_fields__"):
        parts = [f"{key}={_show(getattr(value, key))}" for key in value.__dataclass_fields__
                 if getattr(value, key) is not None]
        return ", ".join(parts)
    return str(value)


def run(args: argparse.Namespace) -> int:
    names = PROFILE_NAMES
    if args.name is not None:
        if args.name not in CATALOG:
            raise UserError(f"teamstack profiles: unknown profile {args.name!r}; expected one "
                            f"of: {', '.join(PROFILE_NAMES)}")
        names = (args.name,)
    if args.format == "json":
        out = []
        for name in names:
            data = resolve(name).to_dict()
            data["fits"] = CATALOG[name].fits
            out.append(data)
        print(json.dumps(out if args.name is None else out[0], indent=2))
        return ExitCode.OK
    console = wide_console()
    if args.name is None:
        table = Table(title="Workload profiles", show_lines=False)
        table.add_column("profile", style="bold")
        table.add_column("for")
        table.add_column("what it means")
        for name in names:
            spec = CATALOG[name]
            table.add_row(name, spec.summary, spec.fits)
        console.print(table)
        console.print("Show one in full: teamstack profiles NAME")
        return ExitCode.OK
    bundle = resolve(args.name)
    console.print(f"[bold]{args.name}[/bold]: {bundle.summary}\n{CATALOG[args.name].fits}")
    owned = bundle.runtime_owned_fields()
    for layer in LAYERS:
        table = Table(title=layer, title_justify="left")
        table.add_column("setting")
        table.add_column("value")
        table.add_column("why")
        for key in bundle.reasons[layer]:
            mark = " (run-time owned)" if key in owned[layer] else ""
            table.add_row(key + mark, _show(getattr(bundle.layer(layer), key)),
                          bundle.reason(layer, key))
        console.print(table)
    return ExitCode.OK
