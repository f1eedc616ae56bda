"""S3: buckets found by the tagged-resource search (ListBuckets only for the rest); each
managed configuration with its own Get call.

S3 has no batch form for bucket configurations, so only the configurations a state manages
are read, each once. A configuration that was removed by hand reads as missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

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

ABSENT_CODES = {"NoSuchBucket", "ServerSideEncryptionConfigurationNotFoundError",
                "NoSuchLifecycleConfiguration", "NoSuchBucketPolicy",
                "NoSuchPublicAccessBlockConfiguration", "OwnershipControlsNotFoundError"}


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


S3_ARN = "arn:aws:s3:::"


def _bucket_name(resource: StateResource) -> str:
    return str(resource.inputs.get("bucket") or resource.id)


@reader("aws:s3/bucket:Bucket")
@guarded
def buckets(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    # A bucket the tagging API lists for a checked stack exists: no call needed. Only when a
    # bucket is not there (untagged by hand, deleted, or the search failed) is ListBuckets
    # asked, once. The tagging API is eventually consistent: a bucket deleted minutes ago
    # may still be listed, and its configurations then read as missing.
    names = {item["arn"].removeprefix(S3_ARN) for item in ctx.tagged or ()
             if item["arn"].startswith(S3_ARN)}
    if any(_bucket_name(r) not in names for r in resources):
        names |= {b["Name"] for b in ctx.client("s3").list_buckets().get("Buckets", [])}
    result: dict[str, Result] = {}
    for r in resources:
        name = _bucket_name(r)
        if name not in names:
            result[r.urn] = MISSING
        else:
            seen = Compared()
            seen.add(r, "bucket", name)
            result[r.urn] = seen
    return result


def _encryption(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    rules = client.get_bucket_encryption(Bucket=bucket)[
        "ServerSideEncryptionConfiguration"]["Rules"]
    seen.add(r, "rules", [_drop_none({
        "applyServerSideEncryptionByDefault": {
            "sseAlgorithm": rule.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm"),
            "kmsMasterKeyId": rule.get("ApplyServerSideEncryptionByDefault", {}).get(
                "KMSMasterKeyID")},
        "bucketKeyEnabled": rule.get("BucketKeyEnabled")}) for rule in rules])


def _versioning(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    answer = client.get_bucket_versioning(Bucket=bucket)
    seen.add(r, "versioningConfiguration.status", answer.get("Status", "Disabled"))


def _lifecycle(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    rules = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    live = {rule.get("ID"): rule.get("Status") for rule in rules}
    state = {rule.get("id"): rule.get("status") for rule in r.inputs.get("rules") or []}
    seen.pairs.append(("rules[id].status", state, live))


def _logging(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    enabled = client.get_bucket_logging(Bucket=bucket).get("LoggingEnabled") or {}
    seen.add(r, "targetBucket", enabled.get("TargetBucket"))
    seen.add(r, "targetPrefix", enabled.get("TargetPrefix"))


def _ownership(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    rules = client.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    seen.add(r, "rule.objectOwnership", rules[0].get("ObjectOwnership") if rules else None)


def _policy(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    seen.add(r, "policy", json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"]))


def _public_access(client: Any, bucket: str, r: StateResource, seen: Compared) -> None:
    conf = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    for key, aws in (("blockPublicAcls", "BlockPublicAcls"), ("blockPublicPolicy",
                     "BlockPublicPolicy"), ("ignorePublicAcls", "IgnorePublicAcls"),
                     ("restrictPublicBuckets", "RestrictPublicBuckets")):
        seen.add(r, key, conf.get(aws))


CONFIGS: dict[str, Callable[[Any, str, StateResource, Compared], None]] = {
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        _encryption,
    "aws:s3/bucketVersioning:BucketVersioning": _versioning,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _lifecycle,
    "aws:s3/bucketLogging:BucketLogging": _logging,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _ownership,
    "aws:s3/bucketPolicy:BucketPolicy": _policy,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access,
}


@reader(*CONFIGS)
def configurations(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("s3")
    result: dict[str, Result] = {}
    for r in resources:
        bucket = str(r.inputs.get("bucket") or r.id.split(",")[0])
        seen = Compared()
        try:
            CONFIGS[r.type](client, bucket, r, seen)
        except ClientError as exc:
            result[r.urn] = MISSING if code_of(exc) in ABSENT_CODES else Unknown(error_text(exc))
            continue
        except BotoCoreError as exc:
            result[r.urn] = Unknown(str(exc))
            continue
        result[r.urn] = seen
    return result
