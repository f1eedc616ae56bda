"""What makes a bucket a teamstack bucket, for every component that creates one.

Team buckets (``storage``) and the platform's access-log bucket (``network``) get the same
protections from one place: all four public-access blocks, bucket-owner-enforced ownership (no
ACLs), default encryption (SSE-KMS under a key, or SSE-S3 where S3 log delivery requires it),
versioning as asked, lifecycle rules, a policy that denies plain HTTP, and access logging.
Kept apart from ``storage.py`` so that a component needing a bucket does not depend on the
team-storage component.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.components.base import TeamstackComponent
from infra.request import Bucket

NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7

StatementsFor = Callable[[str], list[dict[str, Any]]]


def tls_only_statement(bucket_arn: str) -> dict[str, Any]:
    """Deny any request not made over TLS (aws:SecureTransport)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tls_only_policy(bucket_arn: str, extra: StatementsFor | None = None) -> str:
    """A bucket policy denying plain HTTP, plus ``extra(bucket_arn)`` statements if given."""
    statements = [tls_only_statement(bucket_arn), *(extra(bucket_arn) if extra else [])]
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def _rule(rule_id: str, **kwargs: Any) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=rule_id, status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""), **kwargs)


def abort_uploads_rule() -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """Every bucket needs it: abandoned multipart uploads are billed and invisible."""
    return _rule("abort-incomplete-uploads",
                 abort_incomplete_multipart_upload=aws.s3
                 .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                     days_after_initiation=ABORT_MULTIPART_DAYS))


def lifecycle_rules(bucket: Bucket) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Lifecycle rules from the request, plus the two every bucket needs."""
    transitions = []
    if bucket.infrequent_access_after_days is not None:
        transitions.append(aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=bucket.infrequent_access_after_days, storage_class="STANDARD_IA"))
    if bucket.archive_after_days is not None:
        transitions.append(aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=bucket.archive_after_days, storage_class="GLACIER"))
    rules = [abort_uploads_rule()]
    if transitions:
        rules.append(_rule("tiering", transitions=transitions))
    if bucket.expire_after_days is not None:
        rules.append(_rule("expire", expiration=aws.s3
                           .BucketLifecycleConfigurationRuleExpirationArgs(
                               days=bucket.expire_after_days)))
    if bucket.versioning:
        rules.append(_rule("expire-old-versions", noncurrent_version_expiration=aws.s3
                           .BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                               noncurrent_days=bucket.expire_after_days
                               or NONCURRENT_VERSION_DAYS)))
    return rules


@dataclass(frozen=True)
class BucketProtection:
    """How one bucket is protected. ``kms_key_arn=None`` means SSE-S3 (AES256), which only a
    bucket receiving S3 server access logs may use (log delivery cannot write SSE-KMS)."""

    kms_key_arn: pulumi.Input[str] | None
    versioning: bool
    lifecycle: list[aws.s3.BucketLifecycleConfigurationRuleArgs]
    extra_policy: StatementsFor | None = None
    log_bucket: pulumi.Input[str] | None = None
    log_prefix: str = ""


def protect_bucket(owner: TeamstackComponent, logical: str, bucket: aws.s3.Bucket,
                   protection: BucketProtection) -> None:
    """Attach every protection a teamstack bucket has, as children of ``owner``."""
    opts = owner.child(depends_on=[bucket])
    aws.s3.BucketPublicAccessBlock(
        f"{logical}-public-access", bucket=bucket.id, block_public_acls=True,
        block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
        opts=opts)
    aws.s3.BucketOwnershipControls(
        f"{logical}-ownership", bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts)
    by_default = (aws.s3.
                  BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs)
    if protection.kms_key_arn is not None:
        default = by_default(sse_algorithm="aws:kms", kms_master_key_id=protection.kms_key_arn)
    else:
        default = by_default(sse_algorithm="AES256")
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{logical}-encryption", bucket=bucket.id,
        rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=default,
            bucket_key_enabled=protection.kms_key_arn is not None)],
        opts=opts)
    aws.s3.BucketVersioning(
        f"{logical}-versioning", bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
            status="Enabled" if protection.versioning else "Disabled"),
        opts=opts)
    aws.s3.BucketLifecycleConfiguration(
        f"{logical}-lifecycle", bucket=bucket.id, rules=protection.lifecycle, opts=opts)
    extra = protection.extra_policy
    aws.s3.BucketPolicy(f"{logical}-tls-only", bucket=bucket.id,
                        policy=bucket.arn.apply(lambda arn: tls_only_policy(arn, extra)),
                        opts=opts)
    if protection.log_bucket is not None:
        aws.s3.BucketLogging(
            f"{logical}-logging", bucket=bucket.id, target_bucket=protection.log_bucket,
            target_prefix=protection.log_prefix, opts=opts)
