"""The promise of the price catalog and its refresh (docs/profiles.md "Prices"):

- a refresh takes each item's own on-demand price: never a zero tier, never a neighbouring
  product of the same service (data processed, idle addresses), and skips products the API
  returns without the fields it needs instead of failing or pricing them at 0;
- it reports what it could not find (instance types a region lacks or no region has, storage
  and hourly items) rather than writing a catalog with a hole;
- spot prices are the median over zones of each zone's latest price, in micro-dollars;
- the catalog is written atomically (next to its target, so a reader never sees half of it)
  in a stable format, and a malformed catalog is refused naming where it came from.

Fake Price List and EC2 clients (a paginator over canned pages) keep these fast and offline.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import infra.cost.refresh as refresh
from infra.cost.prices import (
    HOURLY_KINDS,
    STORAGE_KINDS,
    CatalogError,
    MissingPrice,
    PriceCatalog,
    load_catalog,
)
from infra.cost.refresh import refresh_catalog, write_catalog

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
REGION = "us-east-1"


def product(attributes: dict[str, str], *prices: str | tuple[str, str],
            family: str = "") -> dict[str, Any]:
    """One Price List product: each price a USD string, or (beginRange, USD) for tiers."""
    dims = {}
    for i, price in enumerate(prices):
        begin, usd = price if isinstance(price, tuple) else ("0", price)
        dims[f"d{i}"] = {"beginRange": begin, "pricePerUnit": {"USD": usd}}
    return {"product": {"productFamily": family, "attributes": attributes},
            "terms": {"OnDemand": {"t": {"priceDimensions": dims}}}}


# Products the API may return without what a price needs: all skipped.
SPARSE: list[Any] = [
    {}, {"product": {}}, {"terms": {}}, {"terms": {"OnDemand": {"t": {}}}},
    {"product": {"attributes": {"instanceType": "m6i.large"}},
     "terms": {"OnDemand": {"t": {"priceDimensions": {"d": {}}}}}},
]


def complete_region(instances: dict[str, dict[str, str]]) -> dict[str, list[Any]]:
    """Pages by service for one region: every storage and hourly item, plus ``instances``."""
    ec2 = [*SPARSE]
    for name, attrs in instances.items():
        ec2.append(product({"instanceType": name, **attrs}, "0.0000000000",
                           attrs.get("price", "0.1")))
    return {
        "AmazonEC2": [
            *ec2,
            product({"volumeApiName": "st1"}, "0.045"),
            product({"volumeApiName": "gp3"}, "0.08"),
            product({"volumeApiName": "gp2"}, "0.10"),
            product({}, "0.99"),  # no volume name: not storage we price
            product({"usagetype": "USE1-NatGateway-Bytes"}, "0.046"),
            product({}, "0.98"),  # no usage type
            product({"usagetype": "USE1-NatGateway-Hours"}, "0.045"),
        ],
        "ElasticMapReduce": [
            *SPARSE,
            product({"instanceType": "p5.48xlarge"}, "1.5"),  # not priced on EC2 here
            product({"instanceType": "m6i.large"}, "0.024"),
        ],
        "AmazonS3": [
            product({"volumeType": "Standard"}, ("0", "0.023"), ("51200", "0.022")),
            product({"volumeType": "Standard - Infrequent Access"}, "0.0125"),
            product({"volumeType": "Amazon Glacier"}, "0.0036"),
            product({}, "0.5"),
        ],
        "AmazonEFS": [
            product({"storageClass": "General Purpose"}, "0.30"),
            product({"storageClass": "Infrequent Access"}, "0.016"),
            product({}, "0.4"),
        ],
        "AmazonEKS": [
            product({"usagetype": "USE1-AmazonEKS-Hours:perOutpost"}, "0.25"),
            product({}, "0.3"),
            product({"usagetype": "USE1-AmazonEKS-Hours:perCluster"}, "0.10"),
        ],
        "AWSELB": [
            product({"usagetype": "USE1-LCUUsage"}, "0.008", family="Load Balancer-Application"),
            product({}, "0.3", family="Load Balancer-Application"),
            product({"usagetype": "USE1-LoadBalancerUsage"}, "0.0225",
                    family="Load Balancer-Application"),
            product({"usagetype": "USE1-LoadBalancerUsage"}, "0.0226",
                    family="Load Balancer-Network"),
            product({"usagetype": "USE1-LoadBalancerUsage"}, "0.025",
                    family="Load Balancer"),  # classic: not priced
        ],
        "AmazonVPC": [
            product({"usagetype": "USE1-VpcEndpoint-Bytes"}, "0.01"),
            product({"usagetype": "USE1-PublicIPv4:IdleAddress"}, "0.0051"),
            product({}, "0.3"),
            product({"usagetype": "USE1-VpcEndpoint-Hours"}, "0.011"),
            product({"usagetype": "USE1-PublicIPv4:InUseAddress"}, "0.005"),
        ],
    }


class FakePaginator:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> Iterator[dict[str, Any]]:
        yield from self.pages


class FakePricing:
    """``get_products`` by service for each region, two pages each (one possibly empty)."""

    def __init__(self, by_region: dict[str, dict[str, list[Any]]]) -> None:
        self.by_region = by_region

    def get_paginator(self, name: str) -> Any:
        assert name == "get_products"
        outer = self

        class Paginator:
            def paginate(self, ServiceCode: str, Filters: list[dict[str, str]],
                         **_: Any) -> Iterator[dict[str, Any]]:
                [region] = [f["Value"] for f in Filters if f["Field"] == "regionCode"]
                # As the API sends them (JSON text), every other one already parsed.
                items = [json.dumps(p) if i % 2 else p
                         for i, p in enumerate(outer.by_region[region].get(ServiceCode, []))]
                half = len(items) // 2
                yield {"PriceList": items[:half]}
                yield {}  # a page without a PriceList
                yield {"PriceList": items[half:]}
        return Paginator()


class FakeEc2:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def get_paginator(self, name: str) -> FakePaginator:
        assert name == "describe_spot_price_history"
        return FakePaginator([{}, {"SpotPriceHistory": self.rows}])


def spot(name: str, zone: str, price: str, minutes_ago: int) -> dict[str, Any]:
    return {"InstanceType": name, "AvailabilityZone": zone, "SpotPrice": price,
            "Timestamp": NOW - timedelta(minutes=minutes_ago)}


INSTANCES = {
    "m6i.large": {"vcpu": "2", "memory": "8 GiB"},
    "g5.xlarge": {"vcpu": "4", "memory": "16 GiB", "gpu": "1", "price": "1.006"},
    "r6i.32xlarge": {"vcpu": "128", "memory": "1,024 GiB"},
    "t3.odd": {"memory": "NA", "gpu": "NA"},
    "t3.blank": {"vcpu": "", "memory": ""},
}


def refreshed(**kwargs: Any) -> refresh.RefreshReport:
    pricing = FakePricing({REGION: complete_region(INSTANCES)})
    return refresh_catalog(pricing, [REGION], [*INSTANCES], now=NOW, **kwargs)


def test_each_item_gets_its_own_non_zero_on_demand_price() -> None:
    report = refreshed()
    region = report.catalog["regions"][REGION]
    assert region["instances"]["m6i.large"] == {"on_demand": 0.1, "emr": 0.024}
    assert region["instances"]["g5.xlarge"] == {"on_demand": 1.006}
    assert region["storage_gb_month"] == {
        "ebs-gp3": 0.08, "ebs-gp2": 0.10, "s3-standard": 0.023, "s3-standard-ia": 0.0125,
        "s3-glacier-flexible": 0.0036, "efs-standard": 0.30, "efs-infrequent-access": 0.016}
    assert region["hourly"] == {"nat-gateway": 0.045, "eks-cluster": 0.10, "alb": 0.0225,
                                "nlb": 0.0226, "vpc-interface-endpoint": 0.011,
                                "public-ipv4": 0.005}
    assert report.missing == [] and report.absent_instances == {}


def test_instance_shapes_come_from_the_attributes_with_absent_ones_as_zero() -> None:
    shapes = refreshed().catalog["instances"]
    assert shapes["m6i.large"] == {"gpus": 0, "vcpus": 2, "memory_gib": 8.0}
    assert shapes["g5.xlarge"] == {"gpus": 1, "vcpus": 4, "memory_gib": 16.0}
    assert shapes["r6i.32xlarge"]["memory_gib"] == 1024.0
    assert shapes["t3.odd"] == {"gpus": 0, "vcpus": 0, "memory_gib": 0.0}
    assert shapes["t3.blank"] == {"gpus": 0, "vcpus": 0, "memory_gib": 0.0}


def test_gpu_models_are_kept_from_the_previous_catalog() -> None:
    shapes = refreshed(previous={"instances": {"g5.xlarge": {"gpu_model": "A10G"},
                                               "m6i.large": {"gpu_model": None}}}
                       ).catalog["instances"]
    assert shapes["g5.xlarge"]["gpu_model"] == "A10G"
    assert "gpu_model" not in shapes["m6i.large"]
    assert "gpu_model" not in refreshed(previous={"taken_on": "2025-01-01"}
                                        ).catalog["instances"]["g5.xlarge"]


def test_the_catalog_says_what_it_is_and_loads() -> None:
    report = refreshed()
    assert report.catalog["currency"] == "USD"  # written out, not left to the reader's default
    catalog = PriceCatalog(report.catalog)
    assert catalog.taken_on.isoformat() == "2025-06-01"
    assert catalog.currency == "USD"
    assert catalog.source.startswith("AWS Price List API (")
    assert catalog.source.endswith("EC2 spot price history (median of each zone's latest "
                                   "price)")
    assert catalog.instance_hourly("m6i.large", REGION) == 0.1
    assert catalog.instance("g5.xlarge").gpus == 1


def test_what_is_missing_is_reported_by_region_and_item() -> None:
    pages = complete_region({"m6i.large": {"vcpu": "2"}})
    pages["AmazonEFS"] = []
    pages["AmazonVPC"] = pages["AmazonVPC"][:-1]  # no public IPv4 price
    other = complete_region({})
    report = refresh_catalog(FakePricing({REGION: pages, "eu-west-1": other}),
                             [REGION, "eu-west-1"], ["m6i.large", "p5.48xlarge", "p4d.24xlarge"],
                             now=NOW)
    assert report.absent_instances == {
        REGION: ["p4d.24xlarge", "p5.48xlarge"],
        "eu-west-1": ["m6i.large", "p4d.24xlarge", "p5.48xlarge"]}
    assert report.missing == [
        f"{REGION}: storage efs-standard", f"{REGION}: storage efs-infrequent-access",
        f"{REGION}: hourly public-ipv4",
        "instance types priced in no region: p4d.24xlarge, p5.48xlarge"]


def test_spot_is_the_median_of_each_zone_s_latest_price_per_region() -> None:
    rows = [
        spot("m6i.large", "a", "0.050000", 60), spot("m6i.large", "a", "0.030000", 5),
        spot("m6i.large", "b", "0.040000", 10), spot("m6i.large", "c", "0.045000", 10),
        spot("m6i.large", "c", "0.010000", 90),
        # two zones: the mean of the middle two, in micro-dollars
        spot("g5.xlarge", "a", "0.412345", 1), spot("g5.xlarge", "b", "0.412346", 1),
        spot("x9.huge", "a", "9.0", 1),  # not priced on demand here: left out
    ]
    asked: list[str] = []

    def ec2_for(region: str) -> FakeEc2:
        asked.append(region)
        return FakeEc2(rows)

    instances = refreshed(ec2_for_region=ec2_for).catalog["regions"][REGION]["instances"]
    assert asked == [REGION]
    assert instances["m6i.large"]["spot"] == 0.04  # zones a 0.03, b 0.04, c 0.045
    g5 = instances["g5.xlarge"]["spot"]
    assert g5 == pytest.approx(0.4123455, abs=1e-6) and round(g5, 6) == g5
    assert "x9.huge" not in instances


def test_without_an_ec2_client_there_are_no_spot_prices() -> None:
    instances = refreshed().catalog["regions"][REGION]["instances"]
    assert not any("spot" in entry for entry in instances.values())


@pytest.mark.parametrize("zone", ["Etc/GMT-14", "Etc/GMT+12"])  # UTC+14 and UTC-12
def test_the_date_defaults_to_today_in_utc_whatever_the_machine_s_zone(
        zone: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # At any moment one of the two zones is on another date than UTC.
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        pricing = FakePricing({REGION: complete_region({})})
        report = refresh_catalog(pricing, [REGION], [])
        today = datetime.now(UTC).date().isoformat()
    finally:
        monkeypatch.undo()
        time.tzset()
    assert report.catalog["taken_on"] == today


# -- writing and reading ----------------------------------------------------------------------

def test_write_is_atomic_next_to_the_target_and_stable(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = refreshed().catalog
    target = tmp_path / "new" / "dir" / "prices.json"
    renames: list[tuple[Path, Path]] = []
    real_replace = refresh.os.replace

    def replace(src: str, dst: Path) -> None:
        renames.append((Path(src), Path(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(refresh.os, "replace", replace)
    write_catalog(catalog, target)
    [(temp, dst)] = renames
    assert dst == target and temp.parent == target.parent  # rename within one filesystem
    assert target.read_text(encoding="utf-8") == json.dumps(catalog, indent=1) + "\n"
    assert [p.name for p in target.parent.iterdir()] == ["prices.json"]
    assert load_catalog(target).taken_on.isoformat() == "2025-06-01"


def test_a_failed_write_leaves_the_old_catalog_and_no_debris(tmp_path: Path) -> None:
    target = tmp_path / "prices.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        write_catalog({"taken_on": {1, 2}}, target)  # a set is not JSON
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["prices.json"]


def test_a_malformed_catalog_is_refused_naming_where_it_came_from(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"taken_on": "2025-06-01", "regions": {}}), encoding="utf-8")
    with pytest.raises(CatalogError, match=rf"^{path}: not a price catalog"):
        load_catalog(path)
    with pytest.raises(CatalogError, match=r"^<memory>: not a price catalog"):
        PriceCatalog({"taken_on": "2025-06-01"})


def test_catalog_defaults_and_instance_shapes() -> None:
    bare = PriceCatalog({"taken_on": "2025-06-01", "regions": {}, "instances": {
        "g5.xlarge": {"gpus": 1, "vcpus": 4, "memory_gib": 16, "gpu_model": "A10G"},
        "m6i.large": {"gpus": 0, "vcpus": 2, "memory_gib": 8}}})
    assert (bare.currency, bare.source) == ("USD", "")
    g5 = bare.instance("g5.xlarge")
    assert (g5.instance_type, g5.gpus, g5.vcpus, g5.memory_gib, g5.gpu_model) == (
        "g5.xlarge", 1, 4, 16.0, "A10G")
    assert bare.instance("m6i.large").gpu_model is None
    shipped = load_catalog()
    assert shipped.currency == "USD" and shipped.source


@pytest.mark.parametrize(("ask", "what"), [
    (lambda c: c.emr_hourly("t3.micro", REGION), "the EMR fee of t3.micro"),
    (lambda c: c.instance_hourly("x9.huge", REGION), "on-demand x9.huge"),
    (lambda c: c.hourly("transit", REGION), "'transit' per hour"),
])
def test_a_missing_price_names_item_region_date_and_the_way_out(ask: Any, what: str) -> None:
    catalog = load_catalog()
    with pytest.raises(MissingPrice) as raised:
        ask(catalog)
    message = str(raised.value)
    assert message.startswith(f"no price for {what}")
    assert f" in {REGION} in the price catalog taken on {catalog.taken_on.isoformat()}" in message
    assert message.endswith("run `teamstack prices refresh` or pick a priced type/region")


def test_a_region_without_a_section_still_raises_missing_price_listing_the_known_items() -> None:
    bare = PriceCatalog({"taken_on": "2025-06-01", "instances": {},
                         "regions": {REGION: {"instances": {}}}})
    hourly = f"'nat-gateway' per hour (known: {', '.join(HOURLY_KINDS)}) in {REGION}"
    with pytest.raises(MissingPrice, match=re.escape(hourly)):
        bare.hourly("nat-gateway", REGION)
    storage = f"storage 'ebs-gp3' (known: {', '.join(STORAGE_KINDS)}) in {REGION}"
    with pytest.raises(MissingPrice, match=re.escape(storage)):
        bare.storage_gb_month("ebs-gp3", REGION)


def test_currency_is_read_from_the_catalog() -> None:
    catalog = PriceCatalog({"taken_on": "2025-06-01", "currency": "EUR", "instances": {},
                            "regions": {}})
    assert catalog.currency == "EUR"


def test_an_unknown_region_is_refused_listing_the_known_ones() -> None:
    catalog = load_catalog()
    with pytest.raises(MissingPrice, match=re.escape(f"(it has: {', '.join(catalog.regions)})")):
        catalog.hourly("nat-gateway", "xx-1")


def test_instance_types_of_a_family() -> None:
    catalog = load_catalog()
    g5 = catalog.instance_types("g5")
    assert g5 and all(name.startswith("g5.") for name in g5)
    assert set(g5) | set(catalog.instance_types("g6")) < set(catalog.instance_types())


@pytest.mark.parametrize("capacity", ["on-demand", "spot"])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_cheapest_is_the_lowest_price_per_gpu(capacity: Any, region: str) -> None:
    catalog = load_catalog()
    gpu_types = [t for t in catalog.instance_types() if catalog.instance(t).gpus > 0
                 and t.split(".")[0] in ("g5", "g6")]
    best = min(gpu_types, key=lambda t: catalog.instance_hourly(t, region, capacity)
               / catalog.instance(t).gpus)
    assert catalog.cheapest(gpu_types, region, capacity) == best
    assert catalog.cheapest(list(reversed(gpu_types)), region, capacity) == best
