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
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent, pick
from infra.components.buckets import BucketProtection, lifecycle_rules, protect_bucket
from infra.components.k8s import names
from infra.request import Bucket

NFS_PORT = 2049
HOME_PERMISSIONS = "0700"


@dataclass(frozen=True)
class HomeMember:
    """One member's slice of the shared home: POSIX name and uid (gid = uid, a private group)."""

    name: str
    uid: int


@dataclass(frozen=True)
class StorageArgs:
    """What the team's storage is made from. Each field says what changing it does to a
    deployed stack: storage holds data, so some changes replace a resource and lose what is in
    it unless it is copied first."""

    naming: Naming
    """Team and environment: every physical name (buckets, key alias, EFS creation token)
    derives from it. Changing it replaces every resource here; data is not moved."""
    buckets: list[Bucket]
    """One S3 bucket per entry, physical name ``<team>-<env>-<name>``. Renaming or removing an
    entry replaces or deletes that bucket (``force_destroy`` is off, so deleting a bucket that
    holds objects fails rather than lose them); versioning and lifecycle change in place."""
    shared_home_gib: int | None = None
    """The shared EFS home if set (EFS is elastic: the figure sizes the cost estimate and the
    notebook volumes, not the file system). Setting it creates the home; unsetting it deletes
    the file system and everything in it."""
    log_bucket: pulumi.Input[str] | None = None
    """The platform's access-log bucket, which receives every bucket's server access logs
    (``s3/<bucket>/`` prefix); None: no access logging. Changes in place."""
    members: Sequence[HomeMember] = ()
    """One EFS access point per member, pinned to the member's uid and ``/home/<name>``. A new
    uid replaces the member's access point (its POSIX user is immutable); files keep the old
    owner."""
    vpc_id: pulumi.Input[str] | None = None
    """VPC of the NFS security group; None (unit use): the home exists but is not mounted.
    Changing it replaces the group and every mount target."""
    private_subnet_ids: pulumi.Input[Sequence[str]] | None = None
    """The platform's private subnets, where the mount targets go (the first ``zones``)."""
    zones: int = 0
    """How many private subnets get a mount target: the platform's zone count. A higher count
    adds mount targets; a lower one deletes them (hosts in that zone lose their mount)."""
    hosts_security_group_id: pulumi.Input[str] | None = None
    """The team's host security group, the only one admitted to NFS. Changing it replaces the
    ingress rule (a moment without NFS from the old group)."""


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
        # Outputs, as typed attributes registered under the same names.
        self.key_arn: pulumi.Output[str] = self.key.arn
        self.bucket_arns: dict[str, pulumi.Output[str]] = {
            k: b.arn for k, b in self.buckets.items()}
        self.file_system_id: pulumi.Output[str] | None = \
            self.file_system.id if self.file_system else None
        self.access_point_ids: dict[str, pulumi.Output[str]] = {
            k: a.id for k, a in self.access_points.items()}
        self.register_outputs({
            "key_arn": self.key_arn,
            "bucket_arns": self.bucket_arns,
            "file_system_id": self.file_system_id,
            "access_point_ids": self.access_point_ids,
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
