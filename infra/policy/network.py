"""Network guardrail: no security group admits the whole internet.

Desktops are reached through SSM Session Manager and named access ranges, never an open port,
so any ingress from ``0.0.0.0/0`` or ``::/0`` (or any other /0) is a mistake, whichever of the
three ways of writing a rule it uses.
"""

from __future__ import annotations

import ipaddress

from infra.graph import Resource, ResourceGraph
from infra.policy.inputs import get, items
from infra.policy.violation import Violation

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def is_whole_internet(cidr: object) -> bool:
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _open(resource: Resource, cidrs: list[object], where: str) -> list[Violation]:
    return [Violation("network.open-ingress", resource.urn,
                      f"{resource.name}: {where} allows ingress from {cidr}; use the platform's "
                      "access ranges or a security group")
            for cidr in cidrs if is_whole_internet(cidr)]


def check_open_ingress(graph: ResourceGraph) -> list[Violation]:
    out = []
    for group in graph.of_type(SECURITY_GROUP):
        for index, rule in enumerate(items(group.inputs.get("ingress"))):
            cidrs = items(get(rule, "cidrBlocks")) + items(get(rule, "ipv6CidrBlocks"))
            out += _open(group, cidrs, f"ingress[{index}]")
    for rule in graph.of_type(SECURITY_GROUP_RULE):
        if rule.inputs.get("type") == "ingress":
            cidrs = items(rule.inputs.get("cidrBlocks")) + items(rule.inputs.get("ipv6CidrBlocks"))
            out += _open(rule, cidrs, "the rule")
    for rule in graph.of_type(INGRESS_RULE):
        out += _open(rule, [rule.inputs.get("cidrIpv4"), rule.inputs.get("cidrIpv6")], "the rule")
    return out
