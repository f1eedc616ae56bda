"""The SQS reader against a moto server: a queue and its policy read clean, a policy edited by
hand is seen with its live value, a deleted queue is missing."""

from __future__ import annotations

import json

import boto3
import pytest

from infra.drift.live.base import MISSING, Compared, LiveContext
from infra.drift.live.sqs import POLICY, QUEUE, queues
from infra.drift.model import StateResource
from tests.integration.conftest import REGION, MotoServer

pytestmark = pytest.mark.integration


def _policy(principal: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sqs:SendMessage",
         "Resource": "*"}]})


def test_queue_and_policy_read_then_hand_edit_then_deletion(
        moto_open: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_open.endpoint)
    sqs = moto_open.client("sqs")
    url = sqs.create_queue(QueueName="platform-prod-karpenter",
                           Attributes={"MessageRetentionPeriod": "300",
                                       "SqsManagedSseEnabled": "true"})["QueueUrl"]
    declared = _policy("events.amazonaws.com")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": declared})
    queue = StateResource(urn="urn:q", type=QUEUE, id=url,
                          inputs={"messageRetentionSeconds": 300, "sqsManagedSseEnabled": True},
                          outputs={})
    policy = StateResource(urn="urn:p", type=POLICY, id=url,
                           inputs={"queueUrl": url, "policy": declared}, outputs={})
    session = boto3.session.Session(aws_access_key_id=moto_open.admin.access_key_id,
                                    aws_secret_access_key=moto_open.admin.secret_access_key)
    ctx = LiveContext(session, REGION)

    seen = queues(ctx, [queue, policy])
    assert isinstance(seen["urn:q"], Compared) and isinstance(seen["urn:p"], Compared)
    assert all(state == live for _, state, live in seen["urn:q"].pairs), seen["urn:q"].pairs
    assert {f for f, _, _ in seen["urn:q"].pairs} == {"messageRetentionSeconds",
                                                       "sqsManagedSseEnabled"}
    [(field, state, live)] = seen["urn:p"].pairs
    assert field == "policy" and json.loads(live) == json.loads(state)

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _policy("sns.amazonaws.com")})
    [(_, _, live)] = queues(LiveContext(session, REGION), [policy])["urn:p"].pairs
    assert "sns.amazonaws.com" in live

    sqs.delete_queue(QueueUrl=url)
    gone = queues(LiveContext(session, REGION), [queue, policy])
    assert gone == {"urn:q": MISSING, "urn:p": MISSING}
