"""EKS: clusters and managed node groups (one describe each: EKS has no batch form), and Pod
Identity associations (one paginated listing per cluster finds them all, then one describe
each for the role it grants: the listing does not carry the role, and the role is the field an
attacker would change). moto has no Pod Identity API, so that reader is tested with botocore's
Stubber against the documented response shapes; clusters and node groups against moto.

What is compared is what a hand edit would weaken: a cluster's public endpoint and who may
reach it, its audit logs, its secrets encryption and version; a node group's size bounds,
instance and capacity types, labels and taints. A node group's desired size belongs to the
autoscaler (``ignoreChanges``): inside the declared bounds it is ``expected``."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    Unknown,
    all_items,
    code_of,
    error_text,
    guarded,
    reader,
)
from infra.drift.model import StateResource

ASSOCIATION = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def _described(call: Any, key: str, **params: str) -> dict[str, Any] | Result:
    """One describe call: the object, MISSING when EKS says it is gone, else Unknown."""
    try:
        return dict(call(**params).get(key) or {})
    except ClientError as exc:
        return MISSING if code_of(exc) == "ResourceNotFoundException" else Unknown(
            error_text(exc))


def _cluster_name(resource: StateResource) -> str:
    return str(resource.inputs.get("name") or resource.id)


@reader(CLUSTER)
@guarded
def clusters(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("eks")
    result: dict[str, Result] = {}
    for r in resources:
        live = _described(client.describe_cluster, "cluster", name=_cluster_name(r))
        if not isinstance(live, dict):
            result[r.urn] = live
            continue
        vpc = live.get("resourcesVpcConfig") or {}
        logging = [t for entry in (live.get("logging") or {}).get("clusterLogging", [])
                   if entry.get("enabled") for t in entry.get("types", [])]
        encryption = (live.get("encryptionConfig") or [{}])[0]
        seen = Compared()
        seen.add(r, "version", live.get("version"))
        seen.add(r, "roleArn", live.get("roleArn"))
        seen.add(r, "vpcConfig.endpointPublicAccess", vpc.get("endpointPublicAccess"))
        seen.add(r, "vpcConfig.endpointPrivateAccess", vpc.get("endpointPrivateAccess"))
        # Lists whose order means nothing: compared sorted by ``normalize.canonical``.
        seen.add(r, "vpcConfig.publicAccessCidrs", vpc.get("publicAccessCidrs") or [])
        seen.add(r, "enabledClusterLogTypes", logging)
        seen.add(r, "encryptionConfig.provider.keyArn",
                 (encryption.get("provider") or {}).get("keyArn"))
        seen.add(r, "accessConfig.authenticationMode",
                 (live.get("accessConfig") or {}).get("authenticationMode"))
        result[r.urn] = seen
    return result


@reader(NODE_GROUP)
@guarded
def node_groups(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("eks")
    result: dict[str, Result] = {}
    for r in resources:
        name = str(r.inputs.get("nodeGroupName") or r.id.split(":")[-1])
        live = _described(client.describe_nodegroup, "nodegroup",
                          clusterName=str(r.inputs.get("clusterName")), nodegroupName=name)
        if not isinstance(live, dict):
            result[r.urn] = live
            continue
        scaling = live.get("scalingConfig") or {}
        seen = Compared(live={"scalingConfig.minSize": scaling.get("minSize"),
                              "scalingConfig.maxSize": scaling.get("maxSize")})
        for key in ("desiredSize", "minSize", "maxSize"):
            seen.add(r, f"scalingConfig.{key}", scaling.get(key))
        seen.add(r, "instanceTypes", live.get("instanceTypes"))
        seen.add(r, "capacityType", live.get("capacityType"))
        seen.add(r, "amiType", live.get("amiType"))
        seen.add(r, "nodeRoleArn", live.get("nodeRole"))
        seen.add(r, "labels", live.get("labels") or {})
        seen.add(r, "taints", [{"effect": t.get("effect"), "key": t.get("key"),
                                "value": t.get("value")} for t in live.get("taints") or []])
        result[r.urn] = seen
    return result


def _association_id(resource: StateResource) -> str:
    return str(resource.outputs.get("associationId") or resource.id.split(",")[-1])


@reader(ASSOCIATION)
@guarded
def pod_identity_associations(ctx: LiveContext,
                              resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("eks")
    listed: dict[str, dict[str, Any] | Result] = {}
    for cluster in sorted({str(r.inputs.get("clusterName")) for r in resources}):
        try:
            for item in all_items(client, "list_pod_identity_associations", "associations",
                                  clusterName=cluster):
                listed[item["associationId"]] = item
        except ClientError as exc:
            if code_of(exc) != "ResourceNotFoundException":  # a deleted cluster: all missing
                for r in resources:
                    if str(r.inputs.get("clusterName")) == cluster:
                        listed[_association_id(r)] = Unknown(error_text(exc))
    result: dict[str, Result] = {}
    for r in resources:
        item = listed.get(_association_id(r))
        if item is None:
            result[r.urn] = MISSING
            continue
        if not isinstance(item, dict):
            result[r.urn] = item
            continue
        live = _described(client.describe_pod_identity_association, "association",
                          clusterName=item["clusterName"], associationId=item["associationId"])
        if not isinstance(live, dict):
            result[r.urn] = live
            continue
        seen = Compared()
        seen.add(r, "namespace", live.get("namespace"))
        seen.add(r, "serviceAccount", live.get("serviceAccount"))
        seen.add(r, "roleArn", live.get("roleArn"))
        result[r.urn] = seen
    return result
