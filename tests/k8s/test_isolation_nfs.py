"""Issue 11, finding 1: no team's pods reach another team's EFS mount targets.

The plan of the example stacks (real program, offline mocks) is analysed for NFS: team
namespaces must not let any pod open TCP 2049 to an address of the VPC, the hub's single-user
pods (every team's notebooks share its namespace) reach no private address, and each home's
file-system policy admits only the team's own roles through its access points."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from infra.components.k8s import names
from infra.graph import ResourceGraph
from infra.plan.reachability import POLICY_TYPE, Policy, nfs_exposed, reaches_nfs

VPC = "10.40.0.0/16"  # stacks/Pulumi.platform-prod.yaml
STACKS = ("platform-prod", "vision-prod", "analytics-prod", "insights-prod")


def test_no_team_namespace_reaches_nfs(example_plans: dict[str, ResourceGraph]) -> None:
    assert nfs_exposed([example_plans[s] for s in STACKS], VPC) == []


def test_dropping_the_egress_policy_is_detected(example_plans: dict[str, ResourceGraph]) -> None:
    vision = example_plans["vision-prod"]
    kept = [r for r in vision.resources if not (
        r.type == POLICY_TYPE and r.inputs["metadata"]["name"] == "egress-all-but-nfs")]
    assert len(kept) == len(vision.resources) - 1
    changed = ResourceGraph(vision.stack, kept, vision.outputs)
    graphs = [example_plans[s] for s in STACKS if s != "vision-prod"] + [changed]
    assert nfs_exposed(graphs, VPC) == [names.team_namespace("vision")]



def test_a_team_namespace_without_policies_is_exposed(
        example_plans: dict[str, ResourceGraph]) -> None:
    """No NetworkPolicy at all in a namespace: its pods are not isolated for egress."""
    vision = example_plans["vision-prod"]
    kept = [r for r in vision.resources if r.type != POLICY_TYPE
            or r.inputs["metadata"].get("namespace") != names.team_namespace("vision")]
    assert len(kept) < len(vision.resources)
    changed = ResourceGraph(vision.stack, kept, vision.outputs)
    graphs = [example_plans[s] for s in STACKS if s != "vision-prod"] + [changed]
    assert nfs_exposed(graphs, VPC) == [names.team_namespace("vision")]

def test_an_added_policy_opening_nfs_is_detected(example_plans: dict[str, ResourceGraph]) -> None:
    vision = example_plans["vision-prod"]
    [template] = [r for r in vision.of_type(POLICY_TYPE)
                  if r.inputs["metadata"]["name"] == "egress-all-but-nfs"]
    opened = dataclasses.replace(template, urn=template.urn + "-nfs", inputs={
        **template.inputs, "metadata": {**template.inputs["metadata"], "name": "nfs"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
            "to": [{"ipBlock": {"cidr": "10.40.0.0/20"}}],
            "ports": [{"protocol": "TCP", "port": 2049}]}]}})
    changed = ResourceGraph(vision.stack, [*vision.resources, opened], vision.outputs)
    assert nfs_exposed([changed], VPC) == [names.team_namespace("vision")]


def test_port_and_address_semantics() -> None:
    def ns(*egress: dict) -> list[Policy]:
        return [Policy("team-a", "p", {"podSelector": {}, "policyTypes": ["Egress"],
                                       "egress": list(egress)})]
    assert reaches_nfs([], VPC)  # not isolated for egress
    assert not reaches_nfs(ns(), VPC)  # deny all egress
    assert reaches_nfs(ns({}), VPC)  # one rule with no ports and no peers: everything
    assert reaches_nfs(ns({"ports": [{"protocol": "TCP", "port": 2000, "endPort": 2100}]}), VPC)
    assert reaches_nfs(ns({"ports": [{"protocol": "TCP", "port": "nfs"}]}), VPC)
    assert not reaches_nfs(ns({"ports": [{"protocol": "UDP", "port": 2049}]}), VPC)
    assert reaches_nfs(ns({"ports": [{"port": 2049}]}), VPC)  # protocol defaults to TCP
    https, nfs = ({"ports": [{"protocol": "TCP", "port": n}]} for n in (443, 2049))
    assert reaches_nfs(ns(https, nfs), VPC)  # every rule counts, not only the first
    outside = {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]}
    assert not reaches_nfs(ns(outside), VPC)
    assert not reaches_nfs(ns({"to": [{"namespaceSelector": {}}]}), VPC)  # pods only



@pytest.mark.parametrize(("cidr", "excepted", "reaches"), [
    ("10.40.0.0/16", [], True),  # the VPC itself
    ("10.40.8.0/24", [], True),  # one subnet of it
    ("10.0.0.0/8", [], True),  # a block around it
    ("10.40.3.7/16", [], True),  # host bits set: the block is still the /16
    ("192.168.0.0/16", [], False),  # elsewhere
    ("10.41.0.0/16", [], False),  # the neighbouring block
    ("::/0", [], False),  # IPv6 addresses are not the VPC's
    ("0.0.0.0/0", ["10.40.0.0/16"], False),  # everything but the VPC
    ("0.0.0.0/0", ["10.40.0.0/17"], True),  # the VPC's upper half is not excepted
    ("0.0.0.0/0", ["10.40.9.9/16"], False),  # an exception with host bits is its /16 too
    ("0.0.0.0/0", ["fd00::/8"], True),  # an IPv6 exception leaves IPv4 alone
])
def test_ip_block_peers(cidr: str, excepted: list[str], reaches: bool) -> None:
    """An egress rule to TCP 2049 with one ``ipBlock`` peer reaches the VPC's NFS exactly
    when the block (minus its exceptions) still holds some address of the VPC."""
    block: dict[str, Any] = {"cidr": cidr, **({"except": excepted} if excepted else {})}
    policy = Policy("team-a", "p", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{
        "to": [{"ipBlock": block}], "ports": [{"protocol": "TCP", "port": 2049}]}]})
    assert reaches_nfs([policy], VPC) is reaches

def test_home_policy_names_only_the_teams_roles(example_plans: dict[str, ResourceGraph]) -> None:
    for stack in ("vision-prod", "analytics-prod", "insights-prod"):
        team = stack.removesuffix("-prod")
        for policy in example_plans[stack].of_type("aws:efs/fileSystemPolicy:FileSystemPolicy"):
            [allow] = [s for s in json.loads(policy.inputs["policy"])["Statement"]
                       if s["Effect"] == "Allow"]
            assert allow["Principal"]["AWS"] == [
                "arn:aws:iam::123456789012:role/platform-prod-eks-efs-csi-node",
                f"arn:aws:iam::123456789012:role/teamstack/{team}-prod-workload"]
            points = {ap.inputs["tags"]["Name"] for ap in
                      example_plans[stack].of_type("aws:efs/accessPoint:AccessPoint")}
            arns = allow["Condition"]["ArnEquals"]["elasticfilesystem:AccessPointArn"]
            assert len(arns) == len(points) >= 1


def test_notebook_homes_mount_with_iam_and_hub_pods_reach_no_private_address(
        example_plans: dict[str, ResourceGraph]) -> None:
    volumes = example_plans["vision-prod"].of_type("kubernetes:core/v1:PersistentVolume")
    assert volumes and all(v.inputs["spec"]["mountOptions"] == ["tls", "iam"] for v in volumes)
    [hub] = [r for r in example_plans["platform-prod"].of_type("kubernetes:helm.sh/v3:Release")
             if r.inputs["name"] == "jupyterhub"]
    rules = hub.inputs["values"]["singleuser"]["networkPolicy"]
    assert rules["enabled"] is True
    assert rules["egressAllowRules"]["privateIPs"] is False
    assert rules["egressAllowRules"]["cloudMetadataServer"] is False
    [csi] = [r for r in example_plans["platform-prod"].of_type("aws:iam/role:Role")
             if r.inputs["name"] == "platform-prod-eks-efs-csi-node"]
    [trust] = json.loads(csi.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Condition"]["StringEquals"]["aws:RequestTag/kubernetes-namespace"] == \
        names.EFS_CSI_NAMESPACE
    assert not [r for r in example_plans["platform-prod"].resources
                if r.type.startswith("aws:iam/rolePolicy") and r.inputs.get("role") ==
                "platform-prod-eks-efs-csi-node"]  # it holds no permission of its own
