"""EKS Pod Identity associations: one paginated listing per cluster finds them all, then one
describe each for the role it grants (the listing does not carry the role, and the role is
the field an attacker would change). moto has no Pod Identity API, so this reader is tested
with botocore's Stubber against the documented response shapes."""

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
        try:
            described = client.describe_pod_identity_association(
                clusterName=item["clusterName"], associationId=item["associationId"])
        except ClientError as exc:
            gone = code_of(exc) == "ResourceNotFoundException"
            result[r.urn] = MISSING if gone else Unknown(error_text(exc))
            continue
        live = described.get("association", {})
        seen = Compared()
        seen.add(r, "namespace", live.get("namespace"))
        seen.add(r, "serviceAccount", live.get("serviceAccount"))
        seen.add(r, "roleArn", live.get("roleArn"))
        result[r.urn] = seen
    return result
