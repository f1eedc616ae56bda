"""Team storage: S3 buckets for datasets and models, and the shared EFS home.

Every bucket is private and encrypted whatever the request says (the request model refuses
attempts to weaken this): SSE-KMS under the team's key with bucket keys (fewer KMS calls, lower
cost), all four public-access blocks, bucket-owner-enforced ownership (no ACLs), a policy that
denies plain HTTP, lifecycle rules from the request, and server access logs delivered to the
platform's log bucket. Versioned buckets also expire old versions so that "versioning: true"
does not mean "pay for every overwrite forever".

The shared home is an encrypted EFS file system reachable only from the team's hosts (NFS from
the team's host security group, nothing else), with one access point per member that pins the
member's POSIX uid and home directory, so a member's desktop or pod cannot write as anyone
else. Its file-system policy (``restrict_mounts``) admits only the team's own roles, and only
through those access points. Mount targets sit in the platform's private subnets, one per zone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import names
from infra.request import Bucket

NONCURRENT_VERSION_DAYS = 90
ABORT_MULTIPART_DAYS = 7
NFS_PORT = 2049
HOME_PERMISSIONS = "0700"

StatementsFor = Callable[[str], list[dict[str, Any]]]


@dataclass(frozen=True)
class HomeMember:
    """One member's slice of the shared home: POSIX name and uid (gid = uid, a private group)."""

    name: str
    uid: int


@dataclass(frozen=True)
class StorageArgs:
    naming: Naming
    buckets: list[Bucket]
    shared_home_gib: int | None = None
    log_bucket: pulumi.Input[str] | None = None  # the platform's access-log bucket, if known
    extra_key_principals: list[str] = field(default_factory=list)
    members: Sequence[HomeMember] = ()
    vpc_id: pulumi.Input[str] | None = None
    private_subnet_ids: pulumi.Input[Sequence[str]] | None = None
    zones: int = 0  # how many private subnets get a mount target (the platform's zone count)
    hosts_security_group_id: pulumi.Input[str] | None = None


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


MOUNT_ACTIONS = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]


def efs_policy(file_system_arn: str, principals: Sequence[str],
               access_point_arns: Sequence[str]) -> str:
    """Mounts by the named principals only (the team's workload role; the CSI node roles of
    the clusters that mount notebook homes), only through one of the team's access points
    (each pins a member's uid and home), only through a mount target and only over TLS. A
    client without IAM credentials (a user-space NFS client in any pod) is anonymous and is
    refused; no root access at all."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "TeamMountsThroughItsAccessPoints", "Effect": "Allow",
             "Principal": {"AWS": sorted(principals)},
             "Action": MOUNT_ACTIONS, "Resource": file_system_arn,
             "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"},
                           "ArnEquals": {"elasticfilesystem:AccessPointArn":
                                         sorted(access_point_arns)}}},
            {"Sid": "DenyWithoutAccessPoint", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": [*MOUNT_ACTIONS, "elasticfilesystem:ClientRootAccess"],
             "Resource": file_system_arn,
             "Condition": {"Null": {"elasticfilesystem:AccessPointArn": "true"}}},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": {"AWS": "*"},
             "Action": "*", "Resource": file_system_arn,
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    }, sort_keys=True)


def pick(index: int, what: str) -> Callable[[Sequence[str]], str]:
    """``values[index]`` with a message naming the platform output when it is too short (the
    platform stack file and its last deployment disagree)."""

    def choose(values: Sequence[str]) -> str:
        if index >= len(values):
            raise ValueError(f"the platform exports {len(values)} {what}, but its stack file asks "
                             f"for more; deploy the platform stack first")
        return values[index]

    return choose


class TeamStorage(TeamstackComponent):
    """The team's KMS key, its buckets and (if asked for) the shared EFS home."""

    TYPE = "teamstack:storage:TeamStorage"
    COMPONENT = "storage"

    def __init__(self, name: str, args: StorageArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        self._logical = name
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
        self.nfs_security_group: aws.ec2.SecurityGroup | None = None
        self.access_points: dict[str, aws.efs.AccessPoint] = {}
        if args.shared_home_gib is not None:
            self._home(name, args)
        self.register_outputs({
            "key_arn": self.key.arn,
            "bucket_arns": {k: b.arn for k, b in self.buckets.items()},
            "file_system_id": self.file_system.id if self.file_system else None,
            "access_point_ids": {k: a.id for k, a in self.access_points.items()},
        })

    def _bucket(self, name: str, naming: Naming, spec: Bucket,
                log_bucket: pulumi.Input[str] | None) -> aws.s3.Bucket:
        logical = f"{name}-{spec.name}"
        physical = naming.physical(spec.name)
        bucket = aws.s3.Bucket(logical, bucket=physical, force_destroy=False, opts=self.child())
        protect_bucket(self, logical, bucket, BucketProtection(
            kms_key_arn=self.key.arn, versioning=spec.versioning,
            lifecycle=lifecycle_rules(spec), log_bucket=log_bucket,
            log_prefix=f"s3/{physical}/"))
        return bucket

    def restrict_mounts(self, principals: Sequence[pulumi.Input[str]],
                        csi_clusters: Sequence[str] = ()) -> None:
        """The home's file-system policy, naming who may mount it. Called once the team's
        workload role exists (identity is built after storage, from its ARNs), so the policy
        depends on the role and IAM accepts it as a principal. Without any principal EFS
        would let every client in the network mount the root; the guardrail
        ``efs.file-system-policy`` fails a plan whose file system has no such policy."""
        fs = self.file_system
        if fs is None:
            return
        account = aws.get_caller_identity().account_id
        partition = aws.get_partition().partition
        principals = [*principals, *(
            f"arn:{partition}:iam::{account}:role/{names.efs_csi_node_role(c)}"
            for c in csi_clusters)]
        points = [ap.arn for ap in self.access_points.values()]
        document = pulumi.Output.all(fs.arn, pulumi.Output.all(*principals),
                                     pulumi.Output.all(*points)).apply(
            lambda v: efs_policy(v[0], list(v[1]), list(v[2])))
        aws.efs.FileSystemPolicy(f"{self._logical}-home-policy", file_system_id=fs.id,
                                 policy=document, opts=self.child())

    def _home(self, name: str, args: StorageArgs) -> None:
        naming = args.naming
        fs = aws.efs.FileSystem(
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
            tags={"Name": naming.physical("home")},
            opts=self.child())
        self.file_system = fs
        aws.efs.BackupPolicy(
            f"{name}-home-backup", file_system_id=fs.id,
            backup_policy=aws.efs.BackupPolicyBackupPolicyArgs(status="ENABLED"),
            opts=self.child())
        for member in args.members:
            self.access_points[member.name] = aws.efs.AccessPoint(
                f"{name}-home-{member.name}",
                file_system_id=fs.id,
                posix_user=aws.efs.AccessPointPosixUserArgs(uid=member.uid, gid=member.uid),
                root_directory=aws.efs.AccessPointRootDirectoryArgs(
                    path=f"/home/{member.name}",
                    creation_info=aws.efs.AccessPointRootDirectoryCreationInfoArgs(
                        owner_uid=member.uid, owner_gid=member.uid,
                        permissions=HOME_PERMISSIONS)),
                tags={"Name": f"{naming.physical('home')}-{member.name}"},
                opts=self.child())
        if args.vpc_id is None or args.hosts_security_group_id is None:
            return  # no network given (unit use): the file system exists but is not mounted
        self.nfs_security_group = aws.ec2.SecurityGroup(
            f"{name}-home-nfs", name=naming.physical("home-nfs"),
            description=f"NFS to the shared home of {naming.prefix}, from the team's hosts only",
            vpc_id=args.vpc_id, tags={"Name": naming.physical("home-nfs")}, opts=self.child())
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-home-nfs-from-hosts", security_group_id=self.nfs_security_group.id,
            referenced_security_group_id=args.hosts_security_group_id,
            ip_protocol="tcp", from_port=NFS_PORT, to_port=NFS_PORT,
            description="NFS from the team's hosts", opts=self.child())
        if args.private_subnet_ids is None:
            return
        subnets = pulumi.Output.from_input(args.private_subnet_ids)
        for zone in range(args.zones):
            aws.efs.MountTarget(
                f"{name}-home-mount-{zone}", file_system_id=fs.id,
                subnet_id=subnets.apply(pick(zone, "private subnets")),
                security_groups=[self.nfs_security_group.id], opts=self.child())
