"""Network pricing: NAT gateways, public IPv4 addresses, interface endpoints, load balancers.

Hours are priced; data processed is billed by use and not estimated (the basis says so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.cost.prices import HOURS_PER_MONTH
from infra.graph import Resource

if TYPE_CHECKING:
    from infra.cost.rules.estimator import Estimator, Handler


def vpc_endpoint(est: Estimator, r: Resource) -> None:
    if str(r.inputs.get("vpcEndpointType", "Gateway")) != "Interface":
        return  # gateway endpoints (S3, DynamoDB) are free
    zones = len(r.inputs.get("subnetIds") or []) or 1
    monthly = est.catalog.hourly("vpc-interface-endpoint", est.region) * HOURS_PER_MONTH
    est.add(r, monthly * zones, monthly * zones, monthly * zones,
            f"interface endpoint in {zones} zone(s) x {HOURS_PER_MONTH:g} h "
            "(data processed not included)")


def load_balancer(est: Estimator, r: Resource) -> None:
    kind = {"application": "alb", "network": "nlb"}.get(
        str(r.inputs.get("loadBalancerType", "application")))
    if kind is None:
        est.note_unpriced(r, f"load balancer type {r.inputs.get('loadBalancerType')!r}")
        return
    monthly = est.catalog.hourly(kind, est.region) * HOURS_PER_MONTH
    est.add(r, monthly, monthly, monthly, f"{kind} hours (capacity units not included)")


HANDLERS: dict[str, Handler] = {
    "aws:ec2/natGateway:NatGateway": lambda est, r: est.fixed_hourly(r, "nat-gateway"),
    "aws:ec2/eip:Eip": lambda est, r: est.fixed_hourly(r, "public-ipv4"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": vpc_endpoint,
    "aws:lb/loadBalancer:LoadBalancer": load_balancer,
    "aws:alb/loadBalancer:LoadBalancer": load_balancer,
}
