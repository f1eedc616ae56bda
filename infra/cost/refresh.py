"""Rebuild the price catalog from the AWS Price List API (and spot history from EC2).

The Price List API (boto3 ``pricing`` client, served from us-east-1) returns every matching
product as a JSON string; one ``get_products`` query per service and region, narrowed with
``TERM_MATCH`` filters and followed page by page with the paginator, yields all the prices
teamstack needs. Spot prices are not in the Price List API: they come from EC2's
``describe_spot_price_history`` in each region (median over availability zones of each zone's
latest price). Clients use botocore's *standard* retry mode, which backs off on throttling.

Nothing is written unless every storage and hourly price was found for every region: a
catalog with a hole would price that item at nothing later. Instance types that a region does
not offer are simply absent there (and reported), and looking them up raises ``MissingPrice``.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from infra.cost.prices import HOURLY_KINDS, STORAGE_KINDS

RETRY_CONFIG = {"mode": "standard", "max_attempts": 8}
PRICING_REGION = "us-east-1"

# (kind, service, extra filters, predicate on attributes) for storage priced per GB-month.
_STORAGE_QUERIES: dict[str, tuple[str, dict[str, str]]] = {
    "ebs": ("AmazonEC2", {"productFamily": "Storage"}),
    "s3": ("AmazonS3", {"productFamily": "Storage"}),
    "efs": ("AmazonEFS", {"productFamily": "Storage"}),
}
_EBS_VOLUMES = {"gp3": "ebs-gp3", "gp2": "ebs-gp2"}
_S3_CLASSES = {"Standard": "s3-standard", "Standard - Infrequent Access": "s3-standard-ia",
               "Amazon Glacier": "s3-glacier-flexible"}
_EFS_CLASSES = {"General Purpose": "efs-standard", "Infrequent Access": "efs-infrequent-access"}
_INSTANCE_FILTERS = {"operatingSystem": "Linux", "tenancy": "Shared", "preInstalledSw": "NA",
                     "capacitystatus": "Used", "licenseModel": "No License required"}


@dataclass
class RefreshReport:
    """What a refresh found and what it could not."""

    catalog: dict[str, Any]
    absent_instances: dict[str, list[str]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _filters(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in values.items()]


def _products(pricing: Any, service: str, filters: dict[str, str]) -> Iterable[dict[str, Any]]:
    paginator = pricing.get_paginator("get_products")
    for page in paginator.paginate(ServiceCode=service, Filters=_filters(filters),
                                   FormatVersion="aws_v1", PaginationConfig={"PageSize": 100}):
        for item in page.get("PriceList", []):
            yield json.loads(item) if isinstance(item, str) else item


def _on_demand(product: dict[str, Any], first_tier: bool = False) -> float | None:
    """The product's on-demand USD price (the first tier's, for tiered storage)."""
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        dims = list(term.get("priceDimensions", {}).values())
        if first_tier:
            dims = [d for d in dims if str(d.get("beginRange", "0")) == "0"] or dims
        for dim in dims:
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd)
    return None


def _attrs(product: dict[str, Any]) -> dict[str, str]:
    """The product's attributes, with its family (which the API keeps beside them)."""
    inner = product.get("product", {})
    return {**inner.get("attributes", {}), "productFamily": inner.get("productFamily", "")}


def _memory_gib(text: str) -> float:
    return float(text.replace(",", "").split()[0]) if text and text[0].isdigit() else 0.0


def _region_prices(pricing: Any, region: str, wanted: set[str],
                   info: dict[str, dict[str, Any]]) -> dict[str, Any]:
    where = {"regionCode": region}
    instances: dict[str, dict[str, float]] = {}
    for product in _products(pricing, "AmazonEC2", {**where, **_INSTANCE_FILTERS}):
        attrs = _attrs(product)
        name = attrs.get("instanceType", "")
        price = _on_demand(product)
        if name in wanted and price is not None:
            instances.setdefault(name, {})["on_demand"] = price
            gpus = attrs.get("gpu", "0")
            info.setdefault(name, {
                "gpus": int(gpus) if gpus.isdigit() else 0,
                "vcpus": int(attrs.get("vcpu", "0") or 0),
                "memory_gib": _memory_gib(attrs.get("memory", "")),
            })
    for product in _products(pricing, "ElasticMapReduce", {**where, "softwareType": "EMR"}):
        name = _attrs(product).get("instanceType", "")
        price = _on_demand(product)
        if name in instances and price is not None:
            instances[name]["emr"] = price

    storage: dict[str, float] = {}
    for product in _products(pricing, "AmazonEC2", {**where, "productFamily": "Storage"}):
        kind = _EBS_VOLUMES.get(_attrs(product).get("volumeApiName", ""))
        price = _on_demand(product)
        if kind and price is not None:
            storage[kind] = price
    for product in _products(pricing, "AmazonS3", {**where, "productFamily": "Storage"}):
        kind = _S3_CLASSES.get(_attrs(product).get("volumeType", ""))
        price = _on_demand(product, first_tier=True)
        if kind and price is not None:
            storage.setdefault(kind, price)
    for product in _products(pricing, "AmazonEFS", {**where, "productFamily": "Storage"}):
        kind = _EFS_CLASSES.get(_attrs(product).get("storageClass", ""))
        price = _on_demand(product)
        if kind and price is not None:
            storage.setdefault(kind, price)

    hourly: dict[str, float] = {}
    searches: list[tuple[str, dict[str, str], Callable[[dict[str, str]], str | None]]] = [
        ("AmazonEC2", {"productFamily": "NAT Gateway"},
         lambda a: "nat-gateway" if a.get("usagetype", "").endswith("NatGateway-Hours")
         else None),
        ("AmazonEKS", {},
         lambda a: "eks-cluster" if a.get("usagetype", "").endswith("AmazonEKS-Hours:perCluster")
         else None),
        ("AWSELB", {},
         lambda a: {"Load Balancer-Application": "alb", "Load Balancer-Network": "nlb"}.get(
             a.get("productFamily", "")) if a.get("usagetype", "").endswith("LoadBalancerUsage")
         else None),
        ("AmazonVPC", {},
         lambda a: "vpc-interface-endpoint" if a.get("usagetype", "").endswith(
             "VpcEndpoint-Hours") else ("public-ipv4" if a.get("usagetype", "").endswith(
                 "PublicIPv4:InUseAddress") else None)),
    ]
    for service, extra, classify in searches:
        for product in _products(pricing, service, {**where, **extra}):
            kind = classify(_attrs(product))
            price = _on_demand(product)
            if kind and price is not None:
                hourly.setdefault(kind, price)
    return {"instances": instances, "storage_gb_month": storage, "hourly": hourly}


def _spot_prices(ec2: Any, instance_types: list[str], now: datetime) -> dict[str, float]:
    latest: dict[tuple[str, str], tuple[datetime, float]] = {}
    paginator = ec2.get_paginator("describe_spot_price_history")
    for page in paginator.paginate(InstanceTypes=instance_types,
                                   ProductDescriptions=["Linux/UNIX"], StartTime=now):
        for row in page.get("SpotPriceHistory", []):
            key = (row["InstanceType"], row["AvailabilityZone"])
            stamp = row["Timestamp"]
            if key not in latest or stamp > latest[key][0]:
                latest[key] = (stamp, float(row["SpotPrice"]))
    by_type: dict[str, list[float]] = {}
    for (name, _zone), (_stamp, price) in latest.items():
        by_type.setdefault(name, []).append(price)
    return {name: round(statistics.median(prices), 6) for name, prices in by_type.items()}


def refresh_catalog(pricing: Any, regions: list[str], instance_types: list[str], *,
                    ec2_for_region: Callable[[str], Any] | None = None,
                    today: date | None = None, now: datetime | None = None,
                    previous: dict[str, Any] | None = None) -> RefreshReport:
    """Query the APIs and assemble a catalog dict (``previous`` supplies GPU model names)."""
    now = now or datetime.now(UTC)
    info: dict[str, dict[str, Any]] = {}
    wanted = set(instance_types)
    catalog: dict[str, Any] = {
        "taken_on": (today or now.date()).isoformat(),
        "currency": "USD",
        "source": "AWS Price List API (on-demand, Linux, shared tenancy; storage first tier) "
                  "and EC2 spot price history (median of each zone's latest price)",
        "instances": {},
        "regions": {},
    }
    report = RefreshReport(catalog=catalog)
    for region in regions:
        prices = _region_prices(pricing, region, wanted, info)
        if ec2_for_region is not None and prices["instances"]:
            spot = _spot_prices(ec2_for_region(region), sorted(prices["instances"]), now)
            for name, price in spot.items():
                if name in prices["instances"]:
                    prices["instances"][name]["spot"] = price
        absent = sorted(wanted - set(prices["instances"]))
        if absent:
            report.absent_instances[region] = absent
        for kind in STORAGE_KINDS:
            if kind not in prices["storage_gb_month"]:
                report.missing.append(f"{region}: storage {kind}")
        for kind in HOURLY_KINDS:
            if kind not in prices["hourly"]:
                report.missing.append(f"{region}: hourly {kind}")
        catalog["regions"][region] = prices
    old_models = {name: v.get("gpu_model") for name, v in
                  (previous or {}).get("instances", {}).items()}
    for name in sorted(info):
        entry = dict(info[name])
        if old_models.get(name):
            entry["gpu_model"] = old_models[name]
        catalog["instances"][name] = entry
    never = sorted(wanted - set(info))
    if never:
        report.missing.append(f"instance types priced in no region: {', '.join(never)}")
    return report


def write_catalog(catalog: dict[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a catalog."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".prices-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(catalog, out, indent=1)
            out.write("\n")
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
