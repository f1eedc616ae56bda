"""`teamstack prices refresh` against recorded-shape Price List responses (botocore Stubber).

moto 5.2 has no Pricing API, so the real boto3 clients are used with botocore's Stubber: each
call's parameters are checked against what the Price List API expects and answered with the
responses in tests/fixtures/pricing (hand-written after the API's documented format).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

import infra.cli
import infra.commands.prices as prices_command
from infra.cost.prices import MissingPrice, load_catalog
from infra.cost.refresh import RETRY_CONFIG, refresh_catalog

FIXTURE = Path(__file__).parent.parent / "fixtures" / "pricing" / "us-east-1.json"
WANTED = ["g5.12xlarge", "g5.xlarge", "m6i.large"]
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
MY_COMMANDS = ("infra.commands.profiles", "infra.commands.simulate", "infra.commands.prices")


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def _stubbed(recorded: dict, drop: str | None = None):
    config = Config(retries=RETRY_CONFIG)
    pricing = boto3.client("pricing", region_name="us-east-1", config=config)
    ec2 = boto3.client("ec2", region_name="us-east-1", config=config)
    pricing_stub, ec2_stub = Stubber(pricing), Stubber(ec2)
    for call in recorded["pricing_calls"]:
        response = copy.deepcopy(call["response"])
        if drop and call["expected_params"]["ServiceCode"] == drop:
            response["PriceList"] = []
        pricing_stub.add_response(call["operation"], response, call["expected_params"])
    for call in recorded["ec2_calls"]:
        response = copy.deepcopy(call["response"])
        for row in response["SpotPriceHistory"]:
            row["Timestamp"] = datetime.fromisoformat(row["Timestamp"])
        params = dict(call["expected_params"])
        params["StartTime"] = datetime.fromisoformat(params["StartTime"])
        ec2_stub.add_response(call["operation"], response, params)
    pricing_stub.activate()
    ec2_stub.activate()
    return pricing, ec2, pricing_stub, ec2_stub


@pytest.fixture
def recorded() -> dict:
    return json.loads(FIXTURE.read_text())


def test_refresh_builds_a_complete_catalog_from_the_api(recorded):
    pricing, ec2, pricing_stub, ec2_stub = _stubbed(recorded)
    report = refresh_catalog(pricing, ["us-east-1"], WANTED, ec2_for_region=lambda _: ec2,
                             now=NOW, previous={"instances": {"g5.xlarge": {"gpu_model": "A10G"}}})
    pricing_stub.assert_no_pending_responses()  # every page was followed
    ec2_stub.assert_no_pending_responses()
    assert report.missing == [] and report.absent_instances == {}
    catalog = report.catalog
    assert catalog["taken_on"] == "2025-06-01"
    region = catalog["regions"]["us-east-1"]
    # Instances across both pages; g4dn (not wanted) and reserved terms are ignored.
    assert region["instances"]["g5.xlarge"]["on_demand"] == 1.006
    assert region["instances"]["g5.12xlarge"]["on_demand"] == 5.672
    assert "g4dn.xlarge" not in region["instances"]
    assert region["instances"]["m6i.large"]["emr"] == 0.024
    # Spot: median over zones of each zone's latest price (0.41, 0.39, 0.45 -> 0.41).
    assert region["instances"]["g5.xlarge"]["spot"] == 0.41
    assert region["instances"]["m6i.large"]["spot"] == pytest.approx(0.039)
    # S3's first tier, not whichever tier came first; io2 is not a catalog kind.
    assert region["storage_gb_month"]["s3-standard"] == 0.023
    assert region["storage_gb_month"] == {
        "ebs-gp3": 0.08, "ebs-gp2": 0.1, "s3-standard": 0.023, "s3-standard-ia": 0.0125,
        "s3-glacier-flexible": 0.0036, "efs-standard": 0.3, "efs-infrequent-access": 0.016}
    # Hourly: the per-cluster EKS fee, not extended support; LCU-hours are not the ALB fee.
    assert region["hourly"] == {"nat-gateway": 0.045, "eks-cluster": 0.1, "alb": 0.0225,
                                "nlb": 0.0225, "vpc-interface-endpoint": 0.01,
                                "public-ipv4": 0.005}
    assert catalog["instances"]["g5.12xlarge"] == {"gpus": 4, "vcpus": 48, "memory_gib": 192.0}
    assert catalog["instances"]["g5.xlarge"]["gpu_model"] == "A10G"


def test_cli_refresh_writes_a_loadable_catalog(recorded, tmp_path, monkeypatch, capsys):
    pricing, ec2, pricing_stub, _ = _stubbed(recorded)
    monkeypatch.setattr(prices_command, "make_clients",
                        lambda with_spot: (pricing, (lambda _region: ec2) if with_spot else None))
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", MY_COMMANDS)
    real_refresh = prices_command.refresh_catalog
    monkeypatch.setattr(prices_command, "refresh_catalog",
                        lambda p, regions, _types, **kw: real_refresh(
                            p, regions, WANTED, **{**kw, "now": NOW}))
    out = tmp_path / "prices.json"
    assert infra.cli.main(["prices", "refresh", "--region", "us-east-1",
                           "--output", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    catalog = load_catalog(out)
    assert catalog.taken_on.isoformat() == "2025-06-01"
    assert catalog.instance_hourly("g5.xlarge", "us-east-1", "spot") == 0.41
    assert catalog.hourly("nat-gateway", "us-east-1") == 0.045
    assert catalog.instance("g5.12xlarge").gpus == 4
    with pytest.raises(MissingPrice, match=r"no price for on-demand p5\.48xlarge in us-east-1"):
        catalog.instance_hourly("p5.48xlarge", "us-east-1")
    pricing_stub.assert_no_pending_responses()


def test_cli_refresh_with_a_hole_writes_nothing_and_exits_2(recorded, tmp_path, monkeypatch,
                                                              capsys):
    pricing, ec2, _, _ = _stubbed(recorded, drop="AmazonEKS")
    monkeypatch.setattr(prices_command, "make_clients", lambda with_spot: (pricing, lambda _: ec2))
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", MY_COMMANDS)
    real_refresh = prices_command.refresh_catalog
    monkeypatch.setattr(prices_command, "refresh_catalog",
                        lambda p, regions, _types, **kw: real_refresh(
                            p, regions, WANTED, **{**kw, "now": NOW}))
    out = tmp_path / "prices.json"
    assert infra.cli.main(["prices", "refresh", "--region", "us-east-1",
                           "--output", str(out)]) == 2
    assert "missing: us-east-1: hourly eks-cluster" in capsys.readouterr().err
    assert not out.exists()


def test_cli_refresh_service_error_exits_2(tmp_path, monkeypatch, capsys):
    pricing = boto3.client("pricing", region_name="us-east-1")
    stub = Stubber(pricing)
    stub.add_client_error("get_products", service_error_code="AccessDeniedException",
                          service_message="not authorized to perform pricing:GetProducts")
    stub.activate()
    monkeypatch.setattr(prices_command, "make_clients", lambda with_spot: (pricing, None))
    monkeypatch.setattr(infra.cli, "COMMAND_MODULES", MY_COMMANDS)
    out = tmp_path / "prices.json"
    assert infra.cli.main(["prices", "refresh", "--no-spot", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert "AWS pricing could not be read" in err and "AccessDenied" in err
    assert not out.exists()


def test_real_clients_use_standard_retries_and_the_pricing_endpoint():
    pricing, ec2_for_region = prices_command.make_clients(with_spot=True)
    assert pricing.meta.region_name == "us-east-1"
    assert pricing.meta.config.retries["mode"] == "standard"
    assert ec2_for_region("eu-west-1").meta.region_name == "eu-west-1"
