"""The shipped price catalog: coverage, lookups, and refusal to price what it does not know."""

from __future__ import annotations

import json

import pytest

import infra.cli
from infra.cost.prices import (
    HOURLY_KINDS,
    STORAGE_KINDS,
    CatalogError,
    MissingPrice,
    PriceCatalog,
    load_catalog,
)

REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1")
FAMILIES = ("g5", "g6", "p4d", "p5", "m6i", "m7i", "r6i", "c6i", "t3")
MY_COMMANDS = ("infra.commands.profiles", "infra.commands.simulate", "infra.commands.prices")


def test_snapshot_covers_the_regions_and_families_the_stacks_use():
    catalog = load_catalog()
    assert catalog.taken_on.year >= 2025
    assert set(REGIONS) <= set(catalog.regions)
    for family in FAMILIES:
        assert catalog.instance_types(family), family
    for region in REGIONS:
        for name in catalog.instance_types():
            on_demand = catalog.instance_hourly(name, region)
            spot = catalog.instance_hourly(name, region, "spot")
            assert 0 < spot < on_demand, (name, region)
        for kind in STORAGE_KINDS:
            assert catalog.storage_gb_month(kind, region) > 0
        for kind in HOURLY_KINDS:
            assert catalog.hourly(kind, region) > 0
    for name in ("p4d.24xlarge", "p5.48xlarge", "g5.48xlarge", "g6.48xlarge"):
        assert catalog.instance(name).gpus == 8


def test_known_list_prices():
    catalog = load_catalog()
    assert catalog.instance_hourly("g5.xlarge", "us-east-1") == 1.006
    assert catalog.instance_hourly("m6i.large", "us-east-1") == 0.096
    assert catalog.hourly("nat-gateway", "us-east-1") == 0.045
    assert catalog.hourly("eks-cluster", "eu-west-1") == 0.10
    assert catalog.storage_gb_month("ebs-gp3", "us-east-1") == 0.08
    assert catalog.emr_hourly("m6i.xlarge", "us-east-1") == pytest.approx(0.048)


def test_cheapest_per_gpu():
    catalog = load_catalog()
    # g6.xlarge (one L4) is cheaper per GPU than g5.xlarge or a 4-GPU g5.12xlarge.
    assert catalog.cheapest(["g5.xlarge", "g5.12xlarge", "g6.xlarge"], "us-east-1") == "g6.xlarge"


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.instance_hourly("x9.huge", "us-east-1"), "no price for on-demand x9.huge in "),
    (lambda c: c.instance_hourly("g5.xlarge", "ap-south-9"), "region ap-south-9 is not in"),
    (lambda c: c.storage_gb_month("tape", "us-east-1"), "storage 'tape'"),
    (lambda c: c.hourly("transit-gateway", "us-east-1"), "'transit-gateway' per hour"),
    (lambda c: c.emr_hourly("g5.xlarge", "us-east-1"), "the EMR fee of g5.xlarge"),
    (lambda c: c.instance("x9.huge"), "instance type x9.huge is not in the price catalog"),
])
def test_missing_prices_raise_instead_of_pricing_at_zero(call, message):
    with pytest.raises(MissingPrice) as caught:
        call(load_catalog())
    assert message in str(caught.value) and "taken on" in str(caught.value)


def test_bad_capacity_is_rejected():
    with pytest.raises(ValueError, match="capacity must be"):
        load_catalog().instance_hourly("g5.xlarge", "us-east-1", "reserved")  # type: ignore[arg-type]


def test_malformed_catalog_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{\n  \"taken_on\": \n")
    with pytest.raises(CatalogError, match=r"broken.json:3:1: not JSON"):
        load_catalog(broken)
    with pytest.raises(CatalogError, match="not a price catalog"):
        PriceCatalog({"taken_on": "yesterday", "instances": {}, "regions": {}})
    with pytest.raises(CatalogError, match="no such price catalog"):
        load_catalog(tmp_path / "absent.json")


def test_cli_prices_show(monkeypatch, capsys):
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", MY_COMMANDS)
    assert infra.cli.main(["prices", "show", "--region", "eu-west-1"]) == 0
    out = capsys.readouterr().out
    assert "taken on" in out and "g5.xlarge" in out and "nat-gateway" in out
    assert infra.cli.main(["prices", "show", "--format", "json", "--region", "us-east-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["regions"]) == ["us-east-1"]
    assert infra.cli.main(["prices", "show", "--region", "xx-1"]) == 1
    assert "region xx-1 is not in the catalog" in capsys.readouterr().err
