"""Security properties over every planned stack (the examples and variants written here),
checked directly on the recorded graph, independently of the guardrail code in infra.policy."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from infra.graph import ResourceGraph
from tests.component.awsplan import OIDC, by_name, plan_files, platform_text, team_text
from tests.component.find import where

FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
TAGS = ("teamstack:team", "teamstack:stack", "teamstack:component", "cost-center")


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ResourceGraph]:
    """Stacks unlike the examples: OIDC sign-in, two zones with one NAT, GPU desktops on an
    always-on schedule, a team without storage."""
    return plan_files(tmp_path_factory.mktemp("stacks"), {
        "platform-dev": platform_text(zones=2, nat="single", identity=OIDC),
        "ml-dev": team_text("ml", """
            budget: {monthly_usd: 5000, alert_at_percent: [25, 50, 75, 100, 150]}
            members:
              - {name: ann, email: ann@example.com, desktop: gpu-large}
              - {name: bob, email: bob@example.com, desktop: cpu-small}
            desktops: {schedule: always-on, timezone: Asia/Tokyo, profile: experiment}
            storage:
              buckets: [{name: data, versioning: true}, {name: tmp, expire_after_days: 3}]
              shared_home_gib: 20
        """),
        "ops-dev": team_text("ops", "budget: {monthly_usd: 100}\nmembers: "
                                    "[{name: cy, email: cy@example.com}]", cost_center="CC-9002"),
    })


@pytest.fixture(scope="module")
def graphs(example_plans: dict[str, ResourceGraph],
           variants: dict[str, ResourceGraph]) -> list[ResourceGraph]:
    return [*example_plans.values(), *variants.values()]


def test_every_bucket_blocks_public_access_and_encrypts(graphs: list[ResourceGraph]) -> None:
    checked = 0
    for graph in graphs:
        blocks = {i["bucket"]: i for i in by_name(
            graph, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").values()}
        encryption = {i["bucket"]: i["rules"][0]["applyServerSideEncryptionByDefault"]
                      for i in by_name(graph, "aws:s3/bucketServerSideEncryptionConfiguration:"
                                              "BucketServerSideEncryptionConfiguration").values()}
        for bucket in graph.of_type("aws:s3/bucket:Bucket"):
            name = bucket.inputs["bucket"]
            assert all(blocks[name][f] is True for f in FLAGS), name
            if name.endswith("-access-logs") and graph.stack.startswith("platform-"):
                # The one exception: S3 server access logs can only land in SSE-S3 buckets.
                assert encryption[name] == {"sseAlgorithm": "AES256"}, (
                    where('encryption[name]', graph=graph, bucket=bucket))
            else:
                assert encryption[name]["sseAlgorithm"] == "aws:kms", name
                assert encryption[name]["kmsMasterKeyId"].startswith("arn:aws:kms:"), name
            checked += 1
    assert checked >= 11


def test_every_instance_and_launch_template_requires_imdsv2(
        graphs: list[ResourceGraph]) -> None:
    machines = [r for g in graphs for r in g.resources
                if r.type in ("aws:ec2/instance:Instance",
                              "aws:ec2/launchTemplate:LaunchTemplate")]
    assert len(machines) >= 8
    for machine in machines:
        assert machine.inputs["metadataOptions"]["httpTokens"] == "required", machine.urn


def _whole_internet(cidr: object) -> bool:
    return isinstance(cidr, str) and ipaddress.ip_network(cidr, strict=False).prefixlen == 0


def test_no_security_group_rule_admits_the_whole_internet(graphs: list[ResourceGraph]) -> None:
    rules = 0
    for graph in graphs:
        for group in graph.of_type("aws:ec2/securityGroup:SecurityGroup"):
            for rule in group.inputs.get("ingress") or []:
                cidrs = [*rule.get("cidrBlocks", []), *rule.get("ipv6CidrBlocks", [])]
                assert not any(_whole_internet(c) for c in cidrs), group.urn
                rules += 1
        for rule in graph.of_type("aws:ec2/securityGroupRule:SecurityGroupRule"):
            if rule.inputs.get("type") == "ingress":
                cidrs = [*rule.inputs.get("cidrBlocks", []),
                         *rule.inputs.get("ipv6CidrBlocks", [])]
                assert not any(_whole_internet(c) for c in cidrs), rule.urn
                rules += 1
        for rule in graph.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
            assert not _whole_internet(rule.inputs.get("cidrIpv4")), rule.urn
            assert not _whole_internet(rule.inputs.get("cidrIpv6")), rule.urn
            rules += 1
    assert rules >= 10


def test_every_taggable_resource_carries_the_four_tags(graphs: list[ResourceGraph]) -> None:
    tagged = 0
    for graph in graphs:
        team = "platform" if graph.stack.startswith("platform-") else graph.stack.rsplit("-", 1)[0]
        for resource in graph.custom():
            if not resource.type.startswith("aws:") or "tags" not in resource.inputs:
                continue
            tags = resource.inputs["tags"]
            assert all(tags.get(t) for t in TAGS), resource.urn
            assert tags["teamstack:team"] == team and tags["teamstack:stack"] == graph.stack, (
                where("tags['teamstack:team'] == team and tags['teamstack:stack'...",
                      graph=graph, resource=resource))
            tagged += 1
    assert tagged >= 100


def test_every_ebs_and_efs_volume_is_encrypted(graphs: list[ResourceGraph]) -> None:
    volumes = [r for g in graphs for r in g.resources
               if r.type in ("aws:ebs/volume:Volume", "aws:efs/fileSystem:FileSystem")]
    assert len(volumes) >= 8
    assert all(v.inputs["encrypted"] is True for v in volumes), (
        "encrypted is not true on: "
        f"{[v.urn for v in volumes if v.inputs['encrypted'] is not True]}")
    for graph in graphs:
        for instance in graph.of_type("aws:ec2/instance:Instance"):
            assert instance.inputs["rootBlockDevice"]["encrypted"] is True, (
                where("instance.inputs['rootBlockDevice']['encrypted']",
                      graph=graph, instance=instance))


def test_variants_plan_and_have_what_they_asked_for(variants: dict[str, ResourceGraph],
                                                    tmp_path: Path) -> None:
    ml = variants["ml-dev"]
    assert len(ml.of_type("aws:ec2/instance:Instance")) == 2
    assert len(ml.of_type("aws:efs/mountTarget:MountTarget")) == 2
    assert variants["ops-dev"].of_type("aws:s3/bucket:Bucket") == []
    assert len(variants["platform-dev"].of_type("aws:ec2/natGateway:NatGateway")) == 1
