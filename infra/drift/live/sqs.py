"""SQS: queues and their policies. SQS has no batch read of queue attributes, so each managed
queue costs one ``GetQueueAttributes`` call, and its policy is read from the same answer."""

from __future__ import annotations

from botocore.exceptions import ClientError

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    Unknown,
    code_of,
    error_text,
    guarded,
    reader,
)
from infra.drift.model import StateResource

QUEUE = "aws:sqs/queue:Queue"
POLICY = "aws:sqs/queuePolicy:QueuePolicy"
_GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


@reader(QUEUE, POLICY)
@guarded
def queues(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("sqs")
    answers: dict[str, dict[str, str] | Result] = {}
    for url in sorted({r.id if r.type == QUEUE else str(r.inputs.get("queueUrl") or r.id)
                       for r in resources}):
        try:
            answers[url] = client.get_queue_attributes(
                QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})
        except ClientError as exc:
            answers[url] = MISSING if code_of(exc) in _GONE else Unknown(error_text(exc))
    result: dict[str, Result] = {}
    for r in resources:
        url = r.id if r.type == QUEUE else str(r.inputs.get("queueUrl") or r.id)
        live = answers[url]
        if not isinstance(live, dict):
            result[r.urn] = live
            continue
        seen = Compared()
        if r.type == QUEUE:
            seen.add(r, "kmsMasterKeyId", live.get("KmsMasterKeyId"))
            sse = live.get("SqsManagedSseEnabled")
            seen.add(r, "sqsManagedSseEnabled", None if sse is None else sse == "true")
            retention = live.get("MessageRetentionPeriod")
            seen.add(r, "messageRetentionSeconds",
                     None if retention is None else int(retention))
        else:
            seen.add(r, "policy", live.get("Policy"))
        result[r.urn] = seen
    return result
