"""Team storage under mocks: every bucket protected and logged, the shared home encrypted, one
access point per member with that member's uid, mounted only from the team's hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.graph import ResourceGraph
from infra.stackfile import load
from tests.component.awsplan import (
    by_name,
    depends_on,
    one,
    plan_files,
    platform_text,
    policy,
    statements,
    team_text,
)
from tests.component.find import single, where

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "aws:s3/bucket:Bucket"


def companion(graph: ResourceGraph, type_token: str, bucket: str) -> dict:
    found = single([i for i in by_name(graph, type_token).values() if i["bucket"] == bucket],
                   f"{type_token} of bucket {bucket}")
    return found


@pytest.mark.parametrize("stack", ["vision-prod", "analytics-prod", "insights-prod"])
def test_every_bucket_has_every_protection(example_plans: dict[str, ResourceGraph],
                                           stack: str) -> None:
    graph = example_plans[stack]
    request = load(ROOT / "stacks" / f"Pulumi.{stack}.yaml").stack.team
    key_arn = graph.outputs["key_arn"]
    log_bucket = example_plans["platform-prod"].outputs["log_bucket"]
    names = {b.inputs["bucket"] for b in graph.of_type(BUCKET)}
    assert names == {f"{stack}-{b.name}" for b in request.storage.buckets}
    for spec in request.storage.buckets:
        name = f"{stack}-{spec.name}"
        block = companion(graph, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", name)
        assert [block[f] for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                   "restrictPublicBuckets")] == [True] * 4, (
            where("[block[f] for f in ('blockPublicAcls', 'blockPublicPolicy...", spec=spec))
        sse = companion(graph, "aws:s3/bucketServerSideEncryptionConfiguration:"
                               "BucketServerSideEncryptionConfiguration", name)
        assert sse["rules"] == [{"applyServerSideEncryptionByDefault": {
            "sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}, "bucketKeyEnabled": True}], (
            where("sse['rules']", spec=spec))
        ownership = companion(graph, "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
                              name)
        assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}, (
            where("ownership['rule']", spec=spec))
        versioning = companion(graph, "aws:s3/bucketVersioning:BucketVersioning", name)
        assert versioning["versioningConfiguration"]["status"] == (
            "Enabled" if spec.versioning else "Disabled"), (
            where("versioning['versioningConfiguration']['status']", spec=spec))
        tls = single(statements(policy(companion(graph, "aws:s3/bucketPolicy:BucketPolicy", name))),
                     f"statement of the bucket policy of {name}")
        assert tls["Effect"] == "Deny" and tls["Principal"] == "*" and tls["Action"] == "s3:*", (
            where("tls['Effect'] == 'Deny' and tls['Principal'] == '*' and (...", spec=spec))
        assert tls["Resource"] == [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"], (
            where("tls['Resource']", spec=spec))
        assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, (
            where("tls['Condition']", spec=spec))
        logging = companion(graph, "aws:s3/bucketLogging:BucketLogging", name)
        assert logging["targetBucket"] == log_bucket, (
            where("logging['targetBucket']", spec=spec))
        assert logging["targetPrefix"] == f"s3/{name}/", (
            where("logging['targetPrefix']", spec=spec))
        rules = {r["id"]: r for r in companion(
            graph, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            name)["rules"]}
        expected = []
        if spec.infrequent_access_after_days:
            expected.append({"days": spec.infrequent_access_after_days,
                             "storageClass": "STANDARD_IA"})
        if spec.archive_after_days:
            expected.append({"days": spec.archive_after_days, "storageClass": "GLACIER"})
        assert rules.get("tiering", {}).get("transitions", []) == expected, (
            where("rules.get('tiering', {}).get('transitions', [])", spec=spec))
        if spec.expire_after_days:
            assert rules["expire"]["expiration"] == {"days": spec.expire_after_days}, (
                where("rules['expire']['expiration']", spec=spec))
        else:
            assert "expire" not in rules, (
                where("'expire'", spec=spec))
        assert ("expire-old-versions" in rules) == spec.versioning, (
            where("'expire-old-versions' in rules", spec=spec))
        assert rules["abort-incomplete-uploads"]["abortIncompleteMultipartUpload"] == {
            "daysAfterInitiation": 7}, (
            where("rules['abort-incomplete-uploads']['abortIncompleteMultipa...", spec=spec))


def test_team_key_rotates_and_is_named_for_the_team(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    key = by_name(graph, "aws:kms/key:Key")["storage-key"]
    assert key["enableKeyRotation"] is True and key["deletionWindowInDays"] == 30
    alias = by_name(graph, "aws:kms/alias:Alias")["storage-key-alias"]
    assert alias["name"] == "alias/teamstack/vision-prod"


def test_shared_home_is_encrypted_backed_up_and_tls_only(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    fs = one(graph, "aws:efs/fileSystem:FileSystem", "storage-home")
    assert fs.inputs["encrypted"] is True
    assert fs.inputs["kmsKeyId"] == graph.outputs["key_arn"]
    backup = by_name(graph, "aws:efs/backupPolicy:BackupPolicy")["storage-home-backup"]
    assert backup["backupPolicy"] == {"status": "ENABLED"}
    fs_policy = by_name(graph, "aws:efs/fileSystemPolicy:FileSystemPolicy")["storage-home-policy"]
    allow, no_access_point, deny = statements(policy(fs_policy))
    assert allow["Condition"]["Bool"] == {"elasticfilesystem:AccessedViaMountTarget": "true"}
    assert "elasticfilesystem:AccessPointArn" in allow["Condition"]["ArnEquals"]  # issue 11
    assert "elasticfilesystem:ClientRootAccess" not in allow["Action"]
    assert no_access_point["Effect"] == "Deny"
    assert deny["Effect"] == "Deny" and deny["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}}


def test_one_access_point_per_member_pins_uid_and_home(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["analytics-prod"]
    request = load(ROOT / "stacks" / "Pulumi.analytics-prod.yaml").stack.team
    points = by_name(graph, "aws:efs/accessPoint:AccessPoint")
    assert len(points) == len(request.members) == 2
    for i, member in enumerate(request.members):
        point = points[f"storage-home-{member.name}"]
        uid = request.member_uid(i)
        assert point["posixUser"] == {"uid": uid, "gid": uid}, (
            where("point['posixUser']", i=i, member=member))
        assert point["rootDirectory"] == {
            "path": f"/home/{member.name}",
            "creationInfo": {"ownerUid": uid, "ownerGid": uid, "permissions": "0700"}}, (
            where("point['rootDirectory']", i=i, member=member))
    assert set(graph.outputs["access_point_ids"]) == {m.name for m in request.members}


def test_explicit_uids_are_used(tmp_path: Path) -> None:
    plans = plan_files(tmp_path, {
        "platform-dev": platform_text(zones=2),
        "ml-dev": team_text("ml", """
            budget: {monthly_usd: 500}
            members:
              - {name: ann, email: ann@example.com}
              - {name: bob, email: bob@example.com, uid: 4242}
            storage: {buckets: [{name: data}], shared_home_gib: 10}
        """),
    })
    points = by_name(plans["ml-dev"], "aws:efs/accessPoint:AccessPoint")
    assert points["storage-home-ann"]["posixUser"]["uid"] == 10001
    assert points["storage-home-bob"]["posixUser"] == {"uid": 4242, "gid": 4242}
    mounts = plans["ml-dev"].of_type("aws:efs/mountTarget:MountTarget")
    assert len(mounts) == 2  # one per zone of this platform
    assert sorted(m.inputs["subnetId"] for m in mounts) == sorted(
        plans["platform-dev"].outputs["private_subnet_ids"])


def test_nfs_only_from_the_team_hosts(example_plans: dict[str, ResourceGraph]) -> None:
    """The storage component admits the team's host group; whatever else admits NFS (the
    cluster's nodes for notebook homes) must also be a security group, on 2049 only."""
    graph = example_plans["vision-prod"]
    nfs = one(graph, "aws:ec2/securityGroup:SecurityGroup", "storage-home-nfs")
    hosts = one(graph, "aws:ec2/securityGroup:SecurityGroup", "hosts-sg")
    rules = [r for r in graph.of_type("aws:vpc/securityGroupIngressRule:"
                                      "SecurityGroupIngressRule")
             if r.inputs["securityGroupId"] == graph.outputs["nfs_security_group_id"]]
    assert rules
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp", 2049, 2049), rule.name
        assert rule.inputs.get("referencedSecurityGroupId"), rule.name
        assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs, rule.name
    own = one(graph, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
              "storage-home-nfs-from-hosts")
    assert own in rules
    assert depends_on(graph, own, "aws:ec2/securityGroup:SecurityGroup") == sorted(
        [nfs, hosts], key=lambda r: r.urn)
    assert own.inputs["referencedSecurityGroupId"] == graph.outputs["hosts_security_group_id"]
    assert not nfs.inputs.get("ingress")
    for mount in graph.of_type("aws:efs/mountTarget:MountTarget"):
        assert depends_on(graph, mount, "aws:ec2/securityGroup:SecurityGroup") == [nfs], (
            where("depends_on(graph, mount, 'aws:ec2/securityGroup:SecurityG...", mount=mount))


def test_no_storage_section_creates_no_storage(tmp_path: Path) -> None:
    plans = plan_files(tmp_path, {
        "platform-dev": platform_text(),
        "ops-dev": team_text("ops", "budget: {monthly_usd: 100}\nmembers: "
                                    "[{name: ann, email: ann@example.com}]"),
    })
    graph = plans["ops-dev"]
    assert not [r for r in graph.resources if r.type.startswith(("aws:s3/", "aws:efs/",
                                                                 "aws:kms/"))]
    assert "bucket_names" not in graph.outputs
