"""The promise: the plan records what the Pulumi engine would receive, as stable plain data.

Every registration the program makes under the mock runtime is recorded with its URN, type,
name, parent, explicit provider, whether it is a custom resource, its inputs (JSON-ready,
keys sorted at every depth, secrets as a marker, a referenced resource as its URN, an asset as
its content), its dependencies and its ``ignoreChanges``, both sorted. The stack's outputs keep
their values (secrets too: other stacks read them). The recording monitor stays a drop-in
for the SDK's MockMonitor: the mocks get the same arguments from both. And a plan leaves no
event loop open behind it (one per executor thread, all closed at the end).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs

from infra.graph import SECRET_MARKER, ResourceGraph
from infra.plan import runner
from infra.plan.mocks import PlanMocks
from infra.plan.runner import run_program

STACK = "recorder-dev"
PREFIX = f"urn:pulumi:{STACK}::teamstack::"
STACK_URN = f"{PREFIX}pulumi:pulumi:Stack::teamstack-{STACK}"
GROUP_URN = f"{PREFIX}pulumi:pulumi:Stack$teamstack:test:Group::group"
BUCKET_URN = f"{PREFIX}teamstack:test:Group$aws:s3/bucket:Bucket::data"
LOG_URN = f"{PREFIX}pulumi:pulumi:Stack$aws:s3/bucket:Bucket::log"
THING_URN = f"{PREFIX}pulumi:pulumi:Stack$test:index:Thing::thing"


class Thing(pulumi.CustomResource):
    """A resource of a package nobody registered: its inputs reach the monitor untouched."""

    def __init__(self, name: str, props: dict[str, Any],
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Thing", name, props, opts)


def program() -> None:
    """A component with a bucket in it, and a resource that uses both, with every option."""
    group = pulumi.ComponentResource("teamstack:test:Group", "group")
    provider = aws.Provider("west", region="eu-west-1")
    bucket = aws.s3.Bucket("data", bucket="data-bucket", opts=pulumi.ResourceOptions(
        parent=group, provider=provider, ignore_changes=["tags", "lifecycleRules"]))
    log = aws.s3.Bucket("log", bucket="log-bucket")
    Thing("thing", {
        "zone": {"b": 2.0, "a": [True, None, 2.5, {"y": "n", "x": 0}], "c": False},
        "password": pulumi.Output.secret("hunter2"),
        "bucket": bucket,
        "bucketName": bucket.bucket,
        "script": pulumi.StringAsset("echo hi"),
        "bundle": pulumi.AssetArchive({"main.py": pulumi.StringAsset("print()")}),
        "sources": [bucket, pulumi.StringAsset("echo hi"), {"from": log}],
    }, opts=pulumi.ResourceOptions(depends_on=[log, group, log], ignore_changes=["zone", "bundle"]))
    pulumi.export("name", bucket.bucket)
    pulumi.export("bucketUrn", bucket.urn)
    pulumi.export("login", pulumi.Output.secret({"users": ["admin", {"role": "root"}]}))


def plan(build: Callable[[], None] = program) -> ResourceGraph:
    return run_program(STACK, build, PlanMocks("eu-west-1"))


def test_every_registration_is_recorded_with_its_place_and_options() -> None:
    graph = plan()
    by_name = {r.name: r for r in graph.resources}
    assert sorted(by_name) == ["data", "group", "log", "thing", "west"]
    assert len(graph.resources) == len(by_name)
    group, west, data, log, thing = (by_name[n] for n in ("group", "west", "data", "log", "thing"))

    assert (group.urn, group.type, group.parent, group.custom) == (
        GROUP_URN, "teamstack:test:Group", STACK_URN, False)
    assert (data.urn, data.type, data.parent, data.custom) == (
        BUCKET_URN, "aws:s3/bucket:Bucket", GROUP_URN, True)
    assert (thing.urn, thing.parent) == (THING_URN, STACK_URN)
    assert data.inputs == {"bucket": "data-bucket"}

    # The explicit provider as the engine gets it: its URN and ID.
    assert data.provider is not None
    assert data.provider.startswith(west.urn + "::")
    assert log.provider is None and group.provider is None

    # Options as sorted, duplicate-free tuples; a component stands for its children.
    assert data.ignore_changes == ("lifecycleRules", "tags")
    assert thing.ignore_changes == ("bundle", "zone")
    assert thing.dependencies == tuple(sorted({log.urn, data.urn}))
    assert data.dependencies == ()

    # What the program saw is what the plan recorded.
    assert graph.outputs["bucketUrn"] == data.urn


def test_inputs_are_plain_sorted_and_free_of_secrets_and_objects() -> None:
    inputs = plan().by_urn()[THING_URN].inputs
    assert inputs["zone"] == {"a": [True, None, 2.5, {"x": 0, "y": "n"}], "b": 2, "c": False}
    assert type(inputs["zone"]["b"]) is int and type(inputs["zone"]["a"][0]) is bool
    assert inputs["password"] == SECRET_MARKER
    assert "hunter2" not in json.dumps(inputs)
    # A resource is recorded as its URN, assets by their content, not as Python objects.
    assert inputs["bucket"] == BUCKET_URN
    assert inputs["bucketName"] == "data-bucket"
    assert inputs["script"] == {"text": "echo hi"}
    assert inputs["bundle"] == {"assets": {"main.py": {"text": "print()"}}}
    assert inputs["sources"] == [BUCKET_URN, {"text": "echo hi"}, {"from": LOG_URN}]
    # Sorted at every depth, and plain JSON: it round-trips unchanged.
    text = json.dumps(inputs)
    assert text == json.dumps(inputs, sort_keys=True)
    assert json.loads(text) == inputs


def test_the_same_program_records_the_same_plan() -> None:
    """Registration order may vary with the executor's threads; the record per URN may not."""
    first = sorted((r.to_json() for r in plan().resources), key=lambda r: r["urn"])
    second = sorted((r.to_json() for r in plan().resources), key=lambda r: r["urn"])
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_stack_outputs_keep_their_values_secrets_included() -> None:
    outputs = plan().outputs
    assert outputs["name"] == "data-bucket"
    assert outputs["login"] == {"users": ["admin", {"role": "root"}]}


def test_a_program_without_exports_has_no_outputs() -> None:
    graph = plan(lambda: aws.s3.Bucket("only", bucket="only"))
    assert graph.outputs == {}
    assert [r.name for r in graph.resources] == ["only"]


class ArgumentLog(PlanMocks):
    """PlanMocks that also note what each registration handed them."""

    def __init__(self) -> None:
        super().__init__("eu-west-1")
        self.seen: list[tuple[Any, ...]] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.seen.append((args.typ, args.name, args.provider, args.resource_id, args.custom,
                          args.transforms, json.dumps(args.inputs, sort_keys=True, default=str)))
        return super().new_resource(args)


class SdkMonitor(MockMonitor):
    """The SDK's own MockMonitor, with the attributes run_program reads."""

    def __init__(self, mocks: Any) -> None:
        super().__init__(mocks)
        self.recorded: list[Any] = []
        self.stack_outputs: dict[str, Any] = {}

    def close_loops(self) -> None:
        """The SDK's monitor leaves its loops to the garbage collector."""


def options_program() -> None:
    """Imports, explicit providers and components: what the mocks are told about."""
    group = pulumi.ComponentResource("teamstack:test:Group", "group")
    provider = aws.Provider("west", region="eu-west-1")
    aws.s3.Bucket("data", bucket="data-bucket", opts=pulumi.ResourceOptions(
        parent=group, provider=provider, import_="data-bucket"))
    aws.s3.Bucket("log", bucket="log-bucket", tags={"team": "x"})


def test_the_mocks_get_what_the_sdk_mock_monitor_gives_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    recording = ArgumentLog()
    run_program(STACK, options_program, recording)
    sdk = ArgumentLog()
    monkeypatch.setattr(runner, "RecordingMonitor", SdkMonitor)
    run_program(STACK, options_program, sdk)
    assert sorted(recording.seen, key=repr) == sorted(sdk.seen, key=repr)
    assert {(name, custom) for _, name, _, _, custom, _, _ in recording.seen} == {
        ("group", False), ("west", True), ("data", True), ("log", True)}
    assert [imported for _, name, _, imported, *_ in recording.seen if name == "data"] == [
        "data-bucket"]


def many_resources() -> None:
    """Enough registrations, and an invoke, for the executor to reuse its threads."""
    zones = aws.get_availability_zones()
    for index in range(24):
        aws.s3.Bucket(f"b{index}", bucket=f"b{index}-{zones.names[0]}")


def test_a_plan_leaves_no_event_loop_open(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[tuple[int, asyncio.AbstractEventLoop]] = []
    new_event_loop = asyncio.new_event_loop

    def spy() -> asyncio.AbstractEventLoop:
        loop = new_event_loop()
        created.append((threading.get_ident(), loop))
        return loop

    monkeypatch.setattr(asyncio, "new_event_loop", spy)
    graph = plan(many_resources)
    assert len(graph.resources) == 24
    assert created and all(loop.is_closed() for _, loop in created)
    # One loop per thread, not one per registration: each loop holds file descriptors.
    threads = [ident for ident, _ in created]
    assert len(threads) == len(set(threads))


def test_an_exported_resource_is_its_state_as_the_mocks_answered() -> None:
    """A platform may export a resource whole; a team stack reads its fields."""

    def exports_a_bucket() -> None:
        pulumi.export("bucket", aws.s3.Bucket("data", bucket="data-bucket"))

    graph = plan(exports_a_bucket)
    (bucket,) = graph.resources
    exported = graph.outputs["bucket"]
    assert exported["urn"] == bucket.urn
    assert exported["bucket"] == "data-bucket"
    assert exported["arn"] == "arn:aws:s3:::data-bucket"
    assert exported["id"] == "data-bucket"
