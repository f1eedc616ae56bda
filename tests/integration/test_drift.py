"""teamstack drift end to end: a moto server plays AWS, its S3 holds the Pulumi backend.

The example stacks' plans are deployed into moto by ``drift_world`` (real boto3 calls) and
genuine v3 checkpoints written to the backend bucket; then the cloud is edited by hand, and
each edit must be classified exactly, with nothing else reported.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.drift.backend import BackendUrl
from infra.drift.run import DriftRun, StackInput
from infra.plan.graph import Resource, ResourceGraph
from infra.plan.orchestrate import load_all, plan_loaded
from tests.integration import drift_world
from tests.integration.conftest import REGION, MotoServer

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ("insights-prod", "vision-prod")
PLATFORM_TYPES = {"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet",
                  "aws:ec2/securityGroup:SecurityGroup", "aws:s3/bucket:Bucket"}


def plan(stacks_dir: Path) -> dict[str, ResourceGraph]:
    files = sorted(stacks_dir.glob("Pulumi.*.yaml"))
    return plan_loaded(load_all(files, stacks_dir)).by_stack()


def asg(stack: str, name: str, subnet: str) -> Resource:
    """An Auto Scaling group as a component registers it (no example stack has one today)."""
    team = stack.split("-")[0]
    return Resource(
        urn=f"urn:pulumi:{stack}::teamstack::aws:autoscaling/group:Group::{name}",
        type="aws:autoscaling/group:Group", name=name, parent=None,
        inputs={"name": f"{stack}-{name}", "minSize": 1, "maxSize": 4, "desiredCapacity": 1,
                "vpcZoneIdentifiers": [subnet], "launchConfiguration": f"{stack}-lc",
                "tags": {"teamstack:stack": stack, "teamstack:team": team}},
        ignore_changes=("desiredCapacity",))


@dataclass
class Deployed:
    server: MotoServer
    bucket: str
    graphs: dict[str, ResourceGraph]
    world: drift_world.World

    def session(self) -> Any:
        return boto3.session.Session(
            aws_access_key_id=self.server.admin.access_key_id,
            aws_secret_access_key=self.server.admin.secret_access_key, region_name=REGION)

    def run(self, session: Any = None, graphs: dict[str, ResourceGraph] | None = None,
            stacks: tuple[str, ...] = TEAMS, **kwargs: Any) -> DriftRun:
        graphs = graphs or self.graphs
        drift = DriftRun(
            BackendUrl.parse(f"s3://{self.bucket}"), session or self.session(),
            [StackInput(s, REGION, graphs[s]) for s in stacks],
            extra_code=[StackInput("platform-prod", REGION, graphs["platform-prod"])], **kwargs)
        drift.report = drift.execute()
        return drift


@pytest.fixture(scope="module")
def endpoint(moto_server: MotoServer) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
        mp.delenv("AWS_PROFILE", raising=False)
        yield


@pytest.fixture(scope="module")
def deployed(moto_server: MotoServer, endpoint: None) -> Deployed:
    graphs = plan(ROOT / "stacks")
    world = drift_world.World(client=moto_server.client)
    ec2 = moto_server.client("ec2")
    world.ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    bucket = f"pulumi-state-{uuid.uuid4().hex[:12]}"
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    platform = drift_world.deploy(world, graphs["platform-prod"], PLATFORM_TYPES)
    drift_world.write(s3, bucket, "platform-prod",
                      drift_world.checkpoint("platform-prod", platform))
    subnet = world.sub(graphs["platform-prod"].of_type("aws:ec2/subnet:Subnet")[0].urn)
    autoscaling = moto_server.client("autoscaling")
    for stack in TEAMS:
        autoscaling.create_launch_configuration(
            LaunchConfigurationName=f"{stack}-lc", ImageId=world.ami, InstanceType="t3.micro")
        first = next(iter(world.replace.values()))
        del first
    return Deployed(moto_server, bucket, graphs, world)
