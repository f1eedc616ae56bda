"""The network readers against the moto server: a platform-like VPC read back clean, then
hand edits found (a subnet made public, a route deleted, a log group's retention changed)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from infra.drift.classify import live_findings
from infra.drift.live import load_readers
from infra.drift.live.base import LiveContext
from infra.drift.model import StateResource
from tests.integration.conftest import REGION, MotoServer


def res(type_: str, logical: str, id_: str, **inputs: Any) -> StateResource:
    return StateResource(f"urn:pulumi:platform-prod::teamstack::{type_}::{logical}", type_, id_,
                         inputs, {})


def check(server: MotoServer, resources: list[StateResource]) -> set[tuple[str, str, str]]:
    session = boto3.session.Session(aws_access_key_id=server.admin.access_key_id,
                                    aws_secret_access_key=server.admin.secret_access_key,
                                    region_name=REGION)
    ctx = LiveContext(session, REGION)
    readers = load_readers()
    found = set()
    for reader in {readers[r.type] for r in resources}:
        group = [r for r in resources if readers[r.type] is reader]
        results = reader(ctx, group)  # type: ignore[operator]
        for r in group:
            for f in live_findings(r, results[r.urn], ()):
                found.add((r.name, f.field, f.klass))
    return found


def test_network_reads_clean_then_finds_hand_edits(moto_open: MotoServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_open.endpoint)
    ec2, logs = moto_open.client("ec2"), moto_open.client("logs")
    tags = {"teamstack:stack": "platform-prod"}
    tag_spec = [{"Key": k, "Value": v} for k, v in tags.items()]
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": tag_spec}])["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.0.0/20", AvailabilityZone="eu-west-1a",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": tag_spec}],
                               )["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": tag_spec}])["InternetGateway"][
        "InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.create_route_table(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": tag_spec}])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assoc = ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnet)["AssociationId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    vpce = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.eu-west-1.s3",
                                   VpcEndpointType="Gateway", RouteTableIds=[rtb])[
        "VpcEndpoint"]["VpcEndpointId"]
    logs.create_log_group(logGroupName="/teamstack/platform-prod/flow-logs-test")
    logs.put_retention_policy(logGroupName="/teamstack/platform-prod/flow-logs-test",
                              retentionInDays=90)
    state = [
        res("aws:ec2/vpc:Vpc", "vpc", vpc, cidrBlock="10.77.0.0/16", tags=tags),
        res("aws:ec2/subnet:Subnet", "private-0", subnet, cidrBlock="10.77.0.0/20",
            availabilityZone="eu-west-1a", vpcId=vpc, mapPublicIpOnLaunch=False, tags=tags),
        res("aws:ec2/internetGateway:InternetGateway", "igw", igw, vpcId=vpc, tags=tags),
        res("aws:ec2/routeTable:RouteTable", "public", rtb, vpcId=vpc, tags=tags),
        res("aws:ec2/route:Route", "public-default", f"r-{rtb}1080289494", routeTableId=rtb,
            destinationCidrBlock="0.0.0.0/0", gatewayId=igw),
        res("aws:ec2/routeTableAssociation:RouteTableAssociation", "public-0", assoc,
            routeTableId=rtb, subnetId=subnet),
        res("aws:ec2/eip:Eip", "nat-0", eip, domain="vpc"),
        res("aws:ec2/natGateway:NatGateway", "nat-0", nat, subnetId=subnet, allocationId=eip),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", vpce, vpcId=vpc, vpcEndpointType="Gateway",
            serviceName="com.amazonaws.eu-west-1.s3", routeTableIds=[rtb]),
        res("aws:cloudwatch/logGroup:LogGroup", "flow-logs",
            "/teamstack/platform-prod/flow-logs-test",
            name="/teamstack/platform-prod/flow-logs-test", retentionInDays=90),
    ]
    assert check(moto_open, state) == set()
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    logs.put_retention_policy(logGroupName="/teamstack/platform-prod/flow-logs-test",
                              retentionInDays=1)
    assert check(moto_open, state) == {
        ("private-0", "mapPublicIpOnLaunch", "drift"),
        ("public-default", "", "missing"),
        ("flow-logs", "retentionInDays", "drift"),
    }
