"""The platform's network: one filtered describe call per kind (VPCs, subnets, gateways,
route tables with their routes and associations, NAT gateways, addresses, endpoints, flow logs,
launch templates) and one DescribeLogGroups, whatever the number of items."""

from __future__ import annotations

from typing import Any

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    all_items,
    guarded,
    reader,
    tags_of,
)
from infra.drift.live.ec2 import _describe
from infra.drift.model import StateResource

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
IGW = "aws:ec2/internetGateway:InternetGateway"
RTB = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
RTA = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT = "aws:ec2/natGateway:NatGateway"
EIP = "aws:ec2/eip:Eip"
VPCE = "aws:ec2/vpcEndpoint:VpcEndpoint"
FLOW = "aws:ec2/flowLog:FlowLog"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
LOGS = "aws:cloudwatch/logGroup:LogGroup"

# type -> (operation, answer key, id filter, id field of an item)
KINDS: dict[str, tuple[str, str, str, str]] = {
    VPC: ("describe_vpcs", "Vpcs", "vpc-id", "VpcId"),
    SUBNET: ("describe_subnets", "Subnets", "subnet-id", "SubnetId"),
    IGW: ("describe_internet_gateways", "InternetGateways", "internet-gateway-id",
          "InternetGatewayId"),
    NAT: ("describe_nat_gateways", "NatGateways", "nat-gateway-id", "NatGatewayId"),
    EIP: ("describe_addresses", "Addresses", "allocation-id", "AllocationId"),
    VPCE: ("describe_vpc_endpoints", "VpcEndpoints", "vpc-endpoint-id", "VpcEndpointId"),
    FLOW: ("describe_flow_logs", "FlowLogs", "flow-log-id", "FlowLogId"),
    LT: ("describe_launch_templates", "LaunchTemplates", "launch-template-id",
         "LaunchTemplateId"),
}
GONE = {"deleted", "deleting", "failed"}


def _fetch(ctx: LiveContext, type_: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    operation, key, filter_name, id_field = KINDS[type_]
    if operation == "describe_addresses":  # not paginated
        answer = ctx.client("ec2").describe_addresses(
            Filters=[{"Name": filter_name, "Values": ids}])
        return {a[id_field]: a for a in answer.get(key, [])}
    if operation == "describe_vpc_endpoints":
        # Every endpoint of the region in one listing (there are few): moto fails on the
        # vpc-endpoint-id filter, and VpcEndpointIds= fails the batch on one deleted id.
        items = all_items(ctx.client("ec2"), operation, key)
        wanted = set(ids)
        return {i[id_field]: i for i in items if i[id_field] in wanted}
    return {i[id_field]: i for i in _describe(ctx, "ec2", operation, key, filter_name, ids)}


def _compare(r: StateResource, live: dict[str, Any]) -> Compared:
    seen = Compared()
    if r.type == VPC:
        seen.add(r, "cidrBlock", live.get("CidrBlock"))
    elif r.type == SUBNET:
        for key, aws in (("cidrBlock", "CidrBlock"), ("availabilityZone", "AvailabilityZone"),
                         ("vpcId", "VpcId"), ("mapPublicIpOnLaunch", "MapPublicIpOnLaunch")):
            seen.add(r, key, live.get(aws))
    elif r.type == IGW:
        attached = [a.get("VpcId") for a in live.get("Attachments", [])]
        seen.add(r, "vpcId", attached[0] if attached else None)
    elif r.type == NAT:
        seen.add(r, "subnetId", live.get("SubnetId"))
        addresses = live.get("NatGatewayAddresses") or [{}]
        seen.add(r, "allocationId", addresses[0].get("AllocationId"))
        seen.add(r, "connectivityType", live.get("ConnectivityType"))
    elif r.type == EIP:
        seen.add(r, "domain", live.get("Domain"))
    elif r.type == VPCE:
        for key, aws in (("vpcId", "VpcId"), ("serviceName", "ServiceName"),
                         ("vpcEndpointType", "VpcEndpointType"),
                         ("privateDnsEnabled", "PrivateDnsEnabled"),
                         ("subnetIds", "SubnetIds"), ("routeTableIds", "RouteTableIds")):
            seen.add(r, key, live.get(aws))
        seen.add(r, "securityGroupIds", [g["GroupId"] for g in live.get("Groups", [])])
    elif r.type == FLOW:
        seen.add(r, "trafficType", live.get("TrafficType"))
        seen.add(r, "vpcId", live.get("ResourceId"))
        seen.add(r, "logDestination", live.get("LogDestination"))
    elif r.type == LT:
        seen.add(r, "name", live.get("LaunchTemplateName"))
    if r.type != EIP or "Tags" in live:
        seen.add(r, "tags", tags_of(live.get("Tags")))
    return seen


@reader(*KINDS)
@guarded
def network(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    result: dict[str, Result] = {}
    for type_ in sorted({r.type for r in resources}):
        group = [r for r in resources if r.type == type_]
        found = _fetch(ctx, type_, sorted(r.id for r in group))
        for r in group:
            live = found.get(r.id)
            if live is None or str(live.get("State", "")).lower() in GONE:
                result[r.urn] = MISSING
            else:
                result[r.urn] = _compare(r, live)
    return result


@reader(RTB, ROUTE, RTA)
@guarded
def route_tables(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    """Tables, their routes and associations, from one DescribeRouteTables."""
    ids = sorted({r.id for r in resources if r.type == RTB}
                 | {str(r.inputs.get("routeTableId")) for r in resources if r.type != RTB})
    tables = {t["RouteTableId"]: t for t in _describe(
        ctx, "ec2", "describe_route_tables", "RouteTables", "route-table-id", ids)}
    result: dict[str, Result] = {}
    for r in resources:
        table = tables.get(r.id if r.type == RTB else str(r.inputs.get("routeTableId")))
        if table is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        if r.type == RTB:
            seen.add(r, "vpcId", table.get("VpcId"))
            seen.add(r, "tags", tags_of(table.get("Tags")))
        elif r.type == ROUTE:
            routes = [x for x in table.get("Routes", [])
                      if x.get("DestinationCidrBlock") == r.inputs.get("destinationCidrBlock")]
            if not routes:
                result[r.urn] = MISSING
                continue
            for key, aws in (("gatewayId", "GatewayId"), ("natGatewayId", "NatGatewayId"),
                             ("vpcEndpointId", "VpcEndpointId")):
                seen.add(r, key, routes[0].get(aws))
        else:
            assoc = [a for a in table.get("Associations", [])
                     if a.get("RouteTableAssociationId") == r.id
                     or (a.get("SubnetId") and a.get("SubnetId") == r.inputs.get("subnetId"))]
            if not assoc:
                result[r.urn] = MISSING
                continue
            seen.add(r, "subnetId", assoc[0].get("SubnetId"))
        result[r.urn] = seen
    return result


@reader(LOGS)
@guarded
def log_groups(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    found: dict[str, dict[str, Any]] = {}
    for group in all_items(ctx.client("logs"), "describe_log_groups", "logGroups"):
        found[group["logGroupName"]] = group
    result: dict[str, Result] = {}
    for r in resources:
        group = found.get(str(r.inputs.get("name") or r.id))
        if group is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        seen.add(r, "retentionInDays", group.get("retentionInDays"))
        seen.add(r, "kmsKeyId", group.get("kmsKeyId"))
        result[r.urn] = seen
    return result
