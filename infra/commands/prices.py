"""``teamstack prices show|refresh``: the price catalog behind every cost figure.

``show`` prints the snapshot's date and prices (offline). ``refresh`` rebuilds it from the
AWS Price List API and EC2 spot price history (needs AWS credentials and network; exit 2 if
AWS cannot be reached) and writes it only if every price it needs was found.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from infra.cliutil import ExitCode, check_output_file, shown_path, wide_console
from infra.cost.prices import DEFAULT_PATH, HOURLY_KINDS, STORAGE_KINDS, CatalogError, load_catalog
from infra.cost.refresh import PRICING_REGION, RETRY_CONFIG, refresh_catalog, write_catalog
from infra.errors import ToolError, UserError
from infra.repo import find_root

# The catalog's place inside a teamstack repository.
CATALOG_IN_REPO = Path("infra/cost/data/prices.json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("prices", help="show or refresh the price catalog",
                                   description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="prices_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the snapshot's date and prices")
    show.add_argument("--region", default=None, help="one region (default: all)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(func=run_show)
    refresh = actions.add_parser(
        "refresh", help="rebuild the catalog from the AWS Price List API (needs AWS access)")
    refresh.add_argument("--region", action="append", dest="regions", metavar="REGION",
                         help="region to price (repeatable; default: the catalog's regions)")
    refresh.add_argument("--output", type=Path, default=None,
                         help=f"where to write (default: {CATALOG_IN_REPO} in the repository "
                              "the command runs in)")
    refresh.add_argument("--no-spot", action="store_true",
                         help="skip EC2 spot price history (keeps no spot prices)")
    refresh.set_defaults(func=run_refresh)


def make_clients(with_spot: bool) -> tuple[Any, Callable[[str], Any] | None]:
    """boto3 clients with standard retries; replaced in tests by stubbed ones."""
    import boto3
    from botocore.config import Config

    config = Config(retries=RETRY_CONFIG)
    pricing = boto3.client("pricing", region_name=PRICING_REGION, config=config)
    if not with_spot:
        return pricing, None
    return pricing, lambda region: boto3.client("ec2", region_name=region, config=config)


def _current() -> Any:
    try:
        return load_catalog()
    except CatalogError as exc:
        raise UserError(f"teamstack prices: {exc}") from None


def run_show(args: argparse.Namespace) -> int:
    catalog = _current()
    regions = catalog.regions
    if args.region is not None:
        if args.region not in regions:
            raise UserError(f"teamstack prices: region {args.region} is not in the catalog "
                            f"(it has: {', '.join(regions)})")
        regions = [args.region]
    if args.format == "json":
        data = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
        data["regions"] = {r: data["regions"][r] for r in regions}
        print(json.dumps(data, indent=2))
        return ExitCode.OK
    console = wide_console()
    console.print(f"Price catalog taken on [bold]{catalog.taken_on.isoformat()}[/bold] "
                  f"({catalog.currency}); {catalog.source}")
    for region in regions:
        table = Table(title=region, title_justify="left")
        for name in ("instance type", "GPUs", "on-demand $/h", "spot $/h"):
            table.add_column(name, justify="left" if name == "instance type" else "right")
        for name in catalog.instance_types():
            try:
                od = f"{catalog.instance_hourly(name, region):.4f}"
            except LookupError:
                continue
            try:
                spot = f"{catalog.instance_hourly(name, region, 'spot'):.4f}"
            except LookupError:
                spot = "-"
            table.add_row(name, str(catalog.instance(name).gpus), od, spot)
        console.print(table)
        other = Table(show_header=True)
        other.add_column("item")
        other.add_column("price", justify="right")
        for kind in STORAGE_KINDS:
            other.add_row(kind, f"${catalog.storage_gb_month(kind, region):.4f} per GB-month")
        for kind in HOURLY_KINDS:
            other.add_row(kind, f"${catalog.hourly(kind, region):.4f} per hour")
        console.print(other)
    return ExitCode.OK


def refresh_target(output: Path | None) -> Path:
    """Where ``refresh`` writes: ``--output``, else the catalog of the repository it runs in
    (never the installed package, which a ``pip install`` would overwrite)."""
    if output is not None:
        return output
    try:
        return find_root() / CATALOG_IN_REPO
    except ToolError:
        raise UserError("teamstack prices refresh: not inside a teamstack repository; run it "
                        "in one or pass --output FILE") from None


def run_refresh(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    target = refresh_target(args.output)
    check_output_file("--output", target)  # before minutes of API calls
    current = _current()
    regions = args.regions or current.regions
    source = target if target.is_file() else DEFAULT_PATH
    try:
        previous = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"teamstack prices refresh: {shown_path(source)}: cannot read the "
                        f"current catalog: {exc}") from None
    err = Console(stderr=True)
    try:
        pricing, ec2_for_region = make_clients(with_spot=not args.no_spot)
        with err.status(f"querying the AWS Price List API for {', '.join(regions)}"):
            report = refresh_catalog(pricing, regions, current.instance_types(),
                                     ec2_for_region=ec2_for_region, previous=previous)
    except (BotoCoreError, ClientError) as exc:
        raise ToolError(f"AWS pricing could not be read: {exc}") from None
    if report.missing:
        raise ToolError("the Price List API did not return every price needed, nothing "
                        f"written; missing: {'; '.join(report.missing)}")
    write_catalog(report.catalog, target)
    print(f"wrote {shown_path(target)}: {len(report.catalog['instances'])} instance types in "
          f"{len(regions)} regions, taken on {report.catalog['taken_on']}")
    for region, absent in sorted(report.absent_instances.items()):
        print(f"note: {region} does not offer {', '.join(absent)}")
    return ExitCode.OK
