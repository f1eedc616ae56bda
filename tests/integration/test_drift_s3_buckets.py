"""The S3 bucket reader against a moto server: a bucket the tagged-resource search lists needs
no call; one whose tags were removed by hand still exists (ListBuckets, asked once); a deleted
one is missing even when the search failed."""

from __future__ import annotations

import boto3
import pytest

from infra.drift.live.base import MISSING, Compared, LiveContext
from infra.drift.live.s3 import buckets
from infra.drift.live.tagged import tagged
from infra.drift.model import StateResource
from tests.integration.conftest import REGION, MotoServer

pytestmark = pytest.mark.integration
STACK = "s3probe-prod"


def _bucket(name: str) -> StateResource:
    return StateResource(urn=f"urn:{name}", type="aws:s3/bucket:Bucket", id=name,
                         inputs={"bucket": name}, outputs={"arn": f"arn:aws:s3:::{name}"})


def _context(server: MotoServer, operations: list[str]) -> LiveContext:
    session = boto3.session.Session(aws_access_key_id=server.admin.access_key_id,
                                    aws_secret_access_key=server.admin.secret_access_key)
    session.events.register("before-call", lambda model, **_: operations.append(model.name))
    return LiveContext(session, REGION)


def test_bucket_existence_from_the_tagged_search_then_listing(
        moto_open: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_open.endpoint)
    s3 = moto_open.client("s3")
    names = [f"{STACK}-{kind}" for kind in ("tagged", "untagged", "deleted")]
    for name in names:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [
            {"Key": "teamstack:stack", "Value": STACK}]})
    state = [_bucket(name) for name in names]

    operations: list[str] = []
    ctx = _context(moto_open, operations)
    ctx.tagged = tagged(ctx, [STACK])
    operations.clear()
    seen = buckets(ctx, state)
    assert operations == [], "every bucket was listed by the search: no call needed"
    assert all(isinstance(seen[r.urn], Compared) for r in state)

    s3.delete_bucket_tagging(Bucket=names[1])
    s3.delete_bucket(Bucket=names[2])
    operations = []
    ctx = _context(moto_open, operations)
    ctx.tagged = tagged(ctx, [STACK])
    operations.clear()
    seen = buckets(ctx, state)
    assert operations == ["ListBuckets"]
    assert isinstance(seen["urn:" + names[0]], Compared)
    assert isinstance(seen["urn:" + names[1]], Compared), "untagged by hand is not missing"
    assert seen["urn:" + names[2]] is MISSING

    # The search failed (ctx.tagged is None): the listing alone decides.
    failed = _context(moto_open, [])
    seen = buckets(failed, state)
    assert [seen["urn:" + n] is MISSING for n in names] == [False, False, True]
