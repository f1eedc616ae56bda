"""Team storage: S3 buckets for datasets and models, and the shared EFS home.

Every bucket is private and encrypted whatever the request says (the request model refuses
attempts to weaken this): SSE-KMS under the team's key with bucket keys (fewer KMS calls, lower
cost), all four public-access blocks, bucket-owner-enforced ownership (no ACLs), a policy that
denies plain HTTP, and lifecycle rules from the request. Versioned buckets also expire old
versions so that "versioning: true" does not mean "pay for every overwrite forever".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent
from infra.request import Bucket

NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7


@dataclass(frozen=True)
class StorageArgs:
    naming: Naming
    buckets: list[Bucket]
    shared_home_gib: int | None = None
    log_bucket: pulumi.Input[str] | None = None  # the platform's access-log bucket, if known
    extra_key_principals: list[str] = field(default_factory=list)


def tls_only_policy(bucket_arn: str) -> str:
    """A bucket policy denying any request not made over TLS (aws:SecureTransport)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }, sort_keys=True)


def lifecycle_rules(bucket: Bucket) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Lifecycle rules from the request, plus the two every bucket needs."""
    transitions = []
    if bucket.infrequent_access_after_days is not None:
        transitions.append(aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=bucket.infrequent_access_after_days, storage_class="STANDARD_IA"))
    if bucket.archive_after_days is not None:
        transitions.append(aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
            days=bucket.archive_after_days, storage_class="GLACIER"))
    rules = [aws.s3.BucketLifecycleConfigurationRuleArgs(
        id="abort-incomplete-uploads",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=aws.s3
        .BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_MULTIPART_DAYS),
    )]
    if transitions:
        rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="tiering", status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            transitions=transitions))
    if bucket.expire_after_days is not None:
        rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="expire", status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                days=bucket.expire_after_days)))
    if bucket.versioning:
        rules.append(aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="expire-old-versions", status="Enabled",
            filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
            noncurrent_version_expiration=aws.s3
            .BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=bucket.expire_after_days or NONCURRENT_VERSION_DAYS)))
    return rules


class TeamStorage(TeamstackComponent):
    """The team's KMS key, its buckets and (if asked for) the shared EFS home."""

    TYPE = "teamstack:storage:TeamStorage"
    COMPONENT = "storage"

    def __init__(self, name: str, args: StorageArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        naming = args.naming
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"teamstack data key of {naming.prefix}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            opts=self.child())
        aws.kms.Alias(f"{name}-key-alias", name=f"alias/teamstack/{naming.prefix}",
                      target_key_id=self.key.key_id, opts=self.child())
        self.buckets: dict[str, aws.s3.Bucket] = {}
        for spec in args.buckets:
            self.buckets[spec.name] = self._bucket(name, naming, spec, args.log_bucket)
        self.file_system: aws.efs.FileSystem | None = None
        if args.shared_home_gib is not None:
            self.file_system = aws.efs.FileSystem(
                f"{name}-home",
                creation_token=naming.physical("home"),
                encrypted=True,
                kms_key_id=self.key.arn,
                performance_mode="generalPurpose",
                throughput_mode="elastic",
                lifecycle_policies=[
                    aws.efs.FileSystemLifecyclePolicyArgs(transition_to_ia="AFTER_30_DAYS"),
                    aws.efs.FileSystemLifecyclePolicyArgs(
                        transition_to_primary_storage_class="AFTER_1_ACCESS"),
                ],
                opts=self.child())
            aws.efs.BackupPolicy(
                f"{name}-home-backup", file_system_id=self.file_system.id,
                backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
                opts=self.child())
        self.register_outputs({
            "key_arn": self.key.arn,
            "bucket_arns": {k: b.arn for k, b in self.buckets.items()},
            "file_system_id": self.file_system.id if self.file_system else None,
        })

    def _bucket(self, name: str, naming: Naming, spec: Bucket,
                log_bucket: pulumi.Input[str] | None) -> aws.s3.Bucket:
        logical = f"{name}-{spec.name}"
        bucket = aws.s3.Bucket(logical, bucket=naming.physical(spec.name), force_destroy=False,
                               opts=self.child())
        opts = self.child(depends_on=[bucket])
        aws.s3.BucketPublicAccessBlock(
            f"{logical}-public-access", bucket=bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
            opts=opts)
        aws.s3.BucketOwnershipControls(
            f"{logical}-ownership", bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=opts)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{logical}-encryption", bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3
                .BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=self.key.arn),
                bucket_key_enabled=True)],
            opts=opts)
        aws.s3.BucketVersioning(
            f"{logical}-versioning", bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled" if spec.versioning else "Disabled"),
            opts=opts)
        aws.s3.BucketLifecycleConfiguration(
            f"{logical}-lifecycle", bucket=bucket.id, rules=lifecycle_rules(spec), opts=opts)
        aws.s3.BucketPolicy(f"{logical}-tls-only", bucket=bucket.id,
                            policy=bucket.arn.apply(tls_only_policy), opts=opts)
        if log_bucket is not None:
            aws.s3.BucketLogging(
                f"{logical}-logging", bucket=bucket.id, target_bucket=log_bucket,
                target_prefix=f"s3/{naming.physical(spec.name)}/", opts=opts)
        return bucket
