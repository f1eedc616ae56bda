"""EKS clusters and node groups against a moto server, classified as the nightly run would:
a clean read; the node group's desired size moved by its autoscaler inside the declared bounds
is expected, outside them drift; the maximum raised by hand is drift; the cluster's public
endpoint opened to the world and its audit logs switched off are drift; a deleted node group
is missing."""

from __future__ import annotations

import boto3
import pytest

from infra.drift.classify import live_findings
from infra.drift.live.base import MISSING, LiveContext, Result
from infra.drift.live.eks import CLUSTER, NODE_GROUP, clusters, node_groups
from infra.drift.model import StateResource
from tests.integration.conftest import REGION, MotoServer

pytestmark = pytest.mark.integration
ROLE = "arn:aws:iam::123456789012:role/probe-eks-cluster"
NODE_ROLE = "arn:aws:iam::123456789012:role/probe-eks-system-node"
LOGS = ["api", "audit", "authenticator"]


def _states(subnets: list[str]) -> tuple[StateResource, StateResource]:
    cluster = StateResource(urn="urn:cluster", type=CLUSTER, id="probe-eks", inputs={
        "name": "probe-eks", "roleArn": ROLE, "version": "1.31",
        "enabledClusterLogTypes": list(reversed(LOGS)),
        "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True,
                      "publicAccessCidrs": ["203.0.113.0/24"], "subnetIds": subnets}},
        outputs={})
    group = StateResource(urn="urn:group", type=NODE_GROUP, id="probe-eks:probe-eks-system",
                          inputs={"clusterName": "probe-eks", "nodeGroupName": "probe-eks-system",
                                  "nodeRoleArn": NODE_ROLE, "capacityType": "ON_DEMAND",
                                  "instanceTypes": ["m7i.large"],
                                  "labels": {"teamstack.io/node-role": "system"},
                                  "scalingConfig": {"desiredSize": 2, "minSize": 2,
                                                    "maxSize": 4}},
                          outputs={}, ignore_changes=("scalingConfig.desiredSize",))
    return cluster, group


def _classified(resource: StateResource, result: Result) -> set[tuple[str, str]]:
    return {(f.field, f.klass) for f in live_findings(resource, result,
                                                      resource.ignore_changes)}


def test_cluster_and_node_group_classified_by_owner(moto_open: MotoServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_open.endpoint)
    eks, ec2 = moto_open.client("eks"), moto_open.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24")["Subnet"]["SubnetId"]
               for i in range(2)]
    eks.create_cluster(name="probe-eks", roleArn=ROLE, version="1.31", resourcesVpcConfig={
        "subnetIds": subnets, "endpointPrivateAccess": True, "endpointPublicAccess": True,
        "publicAccessCidrs": ["203.0.113.0/24"]},
        logging={"clusterLogging": [{"types": LOGS, "enabled": True}]})
    eks.create_nodegroup(clusterName="probe-eks", nodegroupName="probe-eks-system",
                         nodeRole=NODE_ROLE, subnets=subnets, instanceTypes=["m7i.large"],
                         capacityType="ON_DEMAND", labels={"teamstack.io/node-role": "system"},
                         scalingConfig={"desiredSize": 2, "minSize": 2, "maxSize": 4})
    cluster, group = _states(subnets)
    session = boto3.session.Session(aws_access_key_id=moto_open.admin.access_key_id,
                                    aws_secret_access_key=moto_open.admin.secret_access_key)

    def read() -> tuple[Result, Result]:
        ctx = LiveContext(session, REGION)
        return clusters(ctx, [cluster])["urn:cluster"], node_groups(ctx, [group])["urn:group"]

    live_cluster, live_group = read()
    assert _classified(cluster, live_cluster) == set()
    assert _classified(group, live_group) == set()

    eks.update_nodegroup_config(clusterName="probe-eks", nodegroupName="probe-eks-system",
                                scalingConfig={"desiredSize": 3})
    assert _classified(group, read()[1]) == {("scalingConfig.desiredSize", "expected")}

    eks.update_nodegroup_config(clusterName="probe-eks", nodegroupName="probe-eks-system",
                                scalingConfig={"desiredSize": 9, "maxSize": 12})
    assert _classified(group, read()[1]) == {("scalingConfig.desiredSize", "drift"),
                                             ("scalingConfig.maxSize", "drift")}

    # moto replaces the whole VPC configuration (AWS keeps the fields not given): give all.
    eks.update_cluster_config(name="probe-eks", resourcesVpcConfig={
        "endpointPrivateAccess": True, "endpointPublicAccess": True,
        "publicAccessCidrs": ["0.0.0.0/0"]},
        logging={"clusterLogging": [{"types": ["audit"], "enabled": False}]})
    assert _classified(cluster, read()[0]) == {("vpcConfig.publicAccessCidrs", "drift"),
                                               ("enabledClusterLogTypes", "drift")}

    eks.delete_nodegroup(clusterName="probe-eks", nodegroupName="probe-eks-system")
    assert read()[1] is MISSING
