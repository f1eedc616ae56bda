"""The Pod Identity reader with botocore's Stubber (moto has no Pod Identity API): the role an
association grants is compared, a deleted association is missing, a denied listing unknown."""

from __future__ import annotations

from botocore.stub import Stubber

from infra.drift.live.base import MISSING, Compared, Unknown
from infra.drift.live.eks import ASSOCIATION, pod_identity_associations
from infra.drift.model import StateResource
from tests.unit.drift_stub import context_with, stub_client

ROLE = "arn:aws:iam::123456789012:role/vision-prod-workload"


def _resource(assoc: str, role: str = ROLE) -> StateResource:
    return StateResource(urn=f"urn:{assoc}", type=ASSOCIATION, id=f"platform,{assoc}",
                         inputs={"clusterName": "platform", "namespace": "vision",
                                 "serviceAccount": "workload", "roleArn": role},
                         outputs={"associationId": assoc})


def test_role_is_compared_and_a_deleted_association_is_missing() -> None:
    client = stub_client("eks")
    with Stubber(client) as stub:
        stub.add_response("list_pod_identity_associations", {"associations": [
            {"clusterName": "platform", "namespace": "vision", "serviceAccount": "workload",
             "associationId": "a-1"}]}, {"clusterName": "platform"})
        stub.add_response("describe_pod_identity_association", {"association": {
            "clusterName": "platform", "namespace": "vision", "serviceAccount": "workload",
            "associationId": "a-1", "roleArn": "arn:aws:iam::123456789012:role/admin"}},
            {"clusterName": "platform", "associationId": "a-1"})
        seen = pod_identity_associations(context_with("eks", client),
                                         [_resource("a-1"), _resource("a-2")])
    assert seen["urn:a-2"] is MISSING
    compared = seen["urn:a-1"]
    assert isinstance(compared, Compared)
    assert ("roleArn", ROLE, "arn:aws:iam::123456789012:role/admin") in compared.pairs
    assert ("namespace", "vision", "vision") in compared.pairs


def test_a_denied_listing_is_unknown_never_clean() -> None:
    client = stub_client("eks")
    with Stubber(client) as stub:
        stub.add_client_error("list_pod_identity_associations", "AccessDeniedException",
                              "not allowed")
        seen = pod_identity_associations(context_with("eks", client), [_resource("a-1")])
    assert isinstance(seen["urn:a-1"], Unknown) and "AccessDenied" in seen["urn:a-1"].reason
