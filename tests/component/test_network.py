"""The platform network under mocks: zones, subnets, NAT, private AWS endpoints, flow logs,
the access-log bucket, and the outputs team stacks read through their StackReference."""

from __future__ import annotations

import ipaddress
import itertools
from pathlib import Path

import pytest

from infra.components.network import INTERFACE_SERVICES, subnet_layout
from infra.graph import ResourceGraph
from infra.policy.s3 import is_log_delivery_bucket
from tests.component.awsplan import (
    OIDC,
    as_list,
    by_name,
    depends_on,
    one,
    plan_files,
    platform_text,
    policy,
    statements,
    team_text,
)
from tests.component.find import only, single, where

SUBNET = "aws:ec2/subnet:Subnet"
NAT = "aws:ec2/natGateway:NatGateway"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


@pytest.fixture(scope="module")
def platform(example_plans: dict[str, ResourceGraph]) -> ResourceGraph:
    return example_plans["platform-prod"]


def subnets(graph: ResourceGraph, kind: str) -> dict[str, dict]:
    return {n: i for n, i in by_name(graph, SUBNET).items() if f"-{kind}-" in n}


def test_vpc_spans_the_requested_zones_with_public_and_private_subnets(
        platform: ResourceGraph) -> None:
    vpc = only(platform, "aws:ec2/vpc:Vpc").inputs
    assert vpc["cidrBlock"] == "10.40.0.0/16"
    assert vpc["enableDnsHostnames"] is True and vpc["enableDnsSupport"] is True
    private, public = subnets(platform, "private"), subnets(platform, "public")
    assert len(private) == len(public) == 3
    zones = {s["availabilityZone"] for s in private.values()}
    assert zones == {s["availabilityZone"] for s in public.values()} and len(zones) == 3
    network = ipaddress.ip_network(vpc["cidrBlock"])
    ranges = [ipaddress.ip_network(s["cidrBlock"]) for s in [*private.values(),
                                                            *public.values()]]
    assert all(r.subnet_of(network) for r in ranges)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(ranges, 2))
    assert all(s["mapPublicIpOnLaunch"] is False for s in [*private.values(), *public.values()])


def test_each_private_subnet_leaves_through_the_nat_of_its_own_zone(
        platform: ResourceGraph) -> None:
    nats = platform.of_type(NAT)
    assert len(nats) == 3  # nat: per-az
    index = platform.by_urn()
    for route in platform.of_type(ROUTE):
        if "-private-" not in route.name:
            continue
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0", (
            where("route.inputs['destinationCidrBlock']", route=route))
        nat = single(depends_on(platform, route, NAT), f"NAT gateway of {route.name}")
        nat_subnet = single(depends_on(platform, nat, SUBNET), f"subnet of {nat.name}")
        table = single(depends_on(platform, route, ROUTE_TABLE), f"route table of {route.name}")
        association = next(r for r in platform.of_type(
            "aws:ec2/routeTableAssociation:RouteTableAssociation")
            if table.urn in r.dependencies)
        private = single(depends_on(platform, association, SUBNET), f"subnet of {association.name}")
        assert "-public-" in nat_subnet.name, (
            where("'-public-'", route=route))
        assert index[nat_subnet.urn].inputs["availabilityZone"] == private.inputs[
            "availabilityZone"], (
            where("index[nat_subnet.urn].inputs['availabilityZone']", route=route))


def test_single_nat_serves_every_zone(tmp_path: Path) -> None:
    plans = plan_files(tmp_path, {"platform-dev": platform_text(zones=2, nat="single")})
    graph = plans["platform-dev"]
    nat = only(graph, NAT)
    private_routes = [r for r in graph.of_type(ROUTE) if "-private-" in r.name]
    assert len(private_routes) == 2
    assert all(depends_on(graph, r, NAT) == [nat] for r in private_routes)
    assert len(subnets(graph, "private")) == 2


def test_private_hosts_reach_aws_apis_through_endpoints(platform: ResourceGraph) -> None:
    endpoints = {i["serviceName"]: (r, i) for r, i in
                 ((r, r.inputs) for r in platform.of_type(ENDPOINT))}
    gateway, gateway_inputs = endpoints.pop("com.amazonaws.eu-west-1.s3")
    assert gateway_inputs["vpcEndpointType"] == "Gateway"
    private_tables = {r.urn for r in platform.of_type(ROUTE_TABLE) if "-private-" in r.name}
    assert {r.urn for r in depends_on(platform, gateway, ROUTE_TABLE)} == private_tables
    assert set(endpoints) == {f"com.amazonaws.eu-west-1.{s}" for s in INTERFACE_SERVICES}
    assert {"ssm", "ecr.api", "ecr.dkr", "sts", "logs", "monitoring"} <= set(INTERFACE_SERVICES)
    private_subnet_urns = {r.urn for r in platform.of_type(SUBNET) if "-private-" in r.name}
    for resource, inputs in endpoints.values():
        assert inputs["vpcEndpointType"] == "Interface" and inputs["privateDnsEnabled"] is True, (
            where("inputs['vpcEndpointType'] == 'Interface' and inputs['priv...",
                  resource=resource, inputs=inputs))
        assert {r.urn for r in depends_on(platform, resource, SUBNET)} == private_subnet_urns, (
            where('{r.urn for r in depends_on(platform, resource, SUBNET)}',
                  resource=resource, inputs=inputs))
    rule = by_name(platform, "aws:vpc/securityGroupIngressRule:"
                             "SecurityGroupIngressRule")["network-endpoints-https"]
    assert (rule["cidrIpv4"], rule["fromPort"], rule["toPort"]) == ("10.40.0.0/16", 443, 443)


def test_flow_logs_capture_all_traffic_into_an_encrypted_log_group(
        platform: ResourceGraph) -> None:
    flow = only(platform, "aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["logDestinationType"] == "cloud-watch-logs"
    group = single(depends_on(platform, flow, "aws:cloudwatch/logGroup:LogGroup"),
                   "log group of the flow log")
    assert group.inputs["retentionInDays"] == 90
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:eu-west-1:")
    assert platform.outputs["flow_log_group"] == group.inputs["name"]
    role = single(depends_on(platform, flow, "aws:iam/role:Role"), "role of the flow log")
    trust = single(statements(policy(role.inputs, "assumeRolePolicy")),
                   f"trust statement of {role.name}")
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    grant = single(statements(policy(by_name(platform, "aws:iam/rolePolicy:RolePolicy")[
        "network-flow-logs"])), "statement of the flow-log role policy")
    group_arn = f"arn:aws:logs:eu-west-1:123456789012:log-group:{group.inputs['name']}"
    assert grant["Resource"] == [group_arn, f"{group_arn}:*"]


def test_access_log_bucket_is_private_tls_only_and_only_log_delivery_writes(
        platform: ResourceGraph) -> None:
    bucket = one(platform, "aws:s3/bucket:Bucket", "network-access-logs")
    name = bucket.inputs["bucket"]
    assert name == "platform-prod-access-logs" == platform.outputs["log_bucket"]

    def companion(type_token: str) -> dict:
        found = single([i for i in by_name(platform, type_token).values() if i["bucket"] == name],
                       f"{type_token} of bucket {name}")
        return found

    block = companion("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert all(block[f] is True for f in ("blockPublicAcls", "blockPublicPolicy",
                                          "ignorePublicAcls", "restrictPublicBuckets")), (
        f"public-access block of platform-prod-access-logs: {block}")
    sse = companion("aws:s3/bucketServerSideEncryptionConfiguration:"
                    "BucketServerSideEncryptionConfiguration")
    # S3 server access logging cannot deliver to SSE-KMS buckets: SSE-S3 here, on purpose.
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    deny, allow = statements(policy(companion("aws:s3/bucketPolicy:BucketPolicy")))
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert allow["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert is_log_delivery_bucket(platform, bucket)
    lifecycle = companion("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    expire = next(r for r in lifecycle["rules"] if r["id"] == "expire")
    assert expire["expiration"] == {"days": 365}
    ownership = companion("aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_account_level_second_lines_of_defence(platform: ResourceGraph) -> None:
    default_sg = only(platform, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs
    assert default_sg.get("ingress", []) == [] and default_sg.get("egress", []) == []
    ebs = only(platform, "aws:ebs/encryptionByDefault:EncryptionByDefault").inputs
    assert ebs["enabled"] is True
    account_block = only(platform, "aws:s3/accountPublicAccessBlock:"
                                   "AccountPublicAccessBlock").inputs
    assert all(account_block[f] is True for f in ("blockPublicAcls", "blockPublicPolicy",
                                                  "ignorePublicAcls", "restrictPublicBuckets"))


def test_outputs_feed_team_stacks(example_plans: dict[str, ResourceGraph],
                                  platform: ResourceGraph) -> None:
    outputs = platform.outputs
    assert outputs["vpc_id"].startswith("vpc-")
    assert len(outputs["private_subnet_ids"]) == len(outputs["public_subnet_ids"]) == 3
    assert outputs["private_subnet_azs"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert outputs["access_cidrs"] == ["203.0.113.0/24", "198.51.100.16/28"]
    assert outputs["people_idp_arn"] == "arn:aws:iam::123456789012:saml-provider/acme-okta"
    team = example_plans["vision-prod"]
    mounts = by_name(team, "aws:efs/mountTarget:MountTarget")
    assert sorted(m["subnetId"] for m in mounts.values()) == sorted(outputs["private_subnet_ids"])
    groups = by_name(team, "aws:ec2/securityGroup:SecurityGroup")
    assert {g["vpcId"] for g in groups.values()} == {outputs["vpc_id"]}


def test_oidc_sign_in_creates_the_provider_and_team_trust_follows(tmp_path: Path) -> None:
    plans = plan_files(tmp_path, {
        "platform-dev": platform_text(identity=OIDC),
        "nlp-dev": team_text("nlp", "budget: {monthly_usd: 100}\nmembers: "
                                    "[{name: ann, email: ann@example.com}]"),
    })
    platform = plans["platform-dev"]
    provider = only(platform, "aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs
    assert provider["url"] == "https://login.example.com/oauth2/default"
    assert provider["clientIdLists"] == ["teamstack-aws"]
    assert platform.outputs["people_idp_type"] == "oidc"
    people = one(plans["nlp-dev"], "aws:iam/role:Role", "identity-people")
    trust = single(statements(policy(people.inputs, "assumeRolePolicy")),
                   "trust statement of the people role")
    assert trust["Principal"] == {"Federated": platform.outputs["people_idp_arn"]}
    assert set(as_list(trust["Action"])) == {"sts:AssumeRoleWithWebIdentity", "sts:TagSession"}
    assert trust["Condition"] == {"StringEquals": {
        "login.example.com/oauth2/default:aud": "teamstack-aws",
        "aws:RequestTag/teamstack:team": "nlp"}}


@pytest.mark.parametrize("cidr, zones", [("10.0.0.0/16", 6), ("10.0.0.0/20", 2),
                                         ("172.16.0.0/18", 3)])
def test_subnet_layout_fits_the_range_without_overlap(cidr: str, zones: int) -> None:
    names = [f"z{i}" for i in range(zones)]
    layout = subnet_layout(cidr, names)
    network = ipaddress.ip_network(cidr)
    ranges = [ipaddress.ip_network(c) for p in layout for c in (p.private_cidr, p.public_cidr)]
    assert all(r.subnet_of(network) for r in ranges)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(ranges, 2))
    assert [p.zone for p in layout] == names
    private = ipaddress.ip_network(layout[0].private_cidr)
    assert private.num_addresses == network.num_addresses // 8


def test_subnet_layout_refuses_more_zones_than_it_can_place() -> None:
    with pytest.raises(ValueError, match="between 1 and 6 zones"):
        subnet_layout("10.0.0.0/16", [f"z{i}" for i in range(7)])
