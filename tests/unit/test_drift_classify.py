"""Classification by owner, code-vs-state pending, secrets, the ignore file, rendering."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from infra.drift import ignore
from infra.drift.classify import live_findings, pending_findings
from infra.drift.codemap import CodeMap, mock_tokens
from infra.drift.live.base import MISSING, Compared, Unknown
from infra.drift.model import DriftReport, Finding, StackReport, StateResource
from infra.drift.normalize import same
from infra.drift.policy import OPERATIONS, is_read_only, policy_document
from infra.drift.render import RENDERERS
from infra.errors import UserError
from infra.graph import Resource

ASG = "aws:autoscaling/group:Group"
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
          "ciphertext": "v1:c2VjcmV0"}


def state(type_: str = ASG, **inputs: object) -> StateResource:
    return StateResource(urn=f"urn:pulumi:s::teamstack::{type_}::web", type=type_, id="web",
                         inputs=dict(inputs), outputs={})


def compare(resource: StateResource, field: str, live: object,
            ignores: tuple[str, ...] = ()) -> list[Finding]:
    seen = Compared()
    seen.add(resource, field, live)
    return live_findings(resource, seen, ignores)


@pytest.mark.parametrize("live,klass", [(3, "expected"), (4, "expected"), (5, "drift"),
                                        (0, "drift")])
def test_desired_capacity_is_expected_only_inside_the_declared_bounds(live: int,
                                                                      klass: str) -> None:
    asg = state(desiredCapacity=1, minSize=1, maxSize=4)
    (finding,) = compare(asg, "desiredCapacity", live)
    assert (finding.klass, finding.owner) == (klass, "autoscaler")


def test_a_field_nobody_owns_is_drift_and_ignore_changes_makes_it_expected() -> None:
    sg = state("aws:ec2/instance:Instance", instanceType="m7i.large", ami="ami-1")
    assert compare(sg, "instanceType", "m7i.xlarge")[0].klass == "drift"
    (owned,) = compare(sg, "ami", "ami-2", ("ami",))
    assert (owned.klass, owned.owner) == ("expected", "ignoreChanges")


def test_equal_values_in_aws_spelling_are_not_findings() -> None:
    assert same('{"b": [2, 1], "a": "x"}', {"a": "x", "b": [1, 2]})
    assert same("3000.00", "3000.0")
    assert same({"team": "nlp"}, {"team": "nlp", "aws:cloudformation:stack-name": "x"})
    assert not same("tcp", "udp")


def test_missing_and_unknown() -> None:
    r = state(desiredCapacity=1)
    assert live_findings(r, MISSING, ())[0].klass == "missing"
    unknown = live_findings(r, Unknown("Throttling: Rate exceeded"), ())[0]
    assert (unknown.klass, unknown.note) == ("unknown", "Throttling: Rate exceeded")


def test_a_secret_is_unverifiable_and_never_shown() -> None:
    r = state("aws:cloudwatch/metricAlarm:MetricAlarm", alarmDescription=SECRET)
    (finding,) = compare(r, "alarmDescription", "the live text")
    assert (finding.klass, finding.state, finding.live) == ("unverifiable", "[secret]",
                                                            "[secret]")
    report = DriftReport([StackReport("s", findings=[finding])])
    for render in RENDERERS.values():
        text = render(report)
        assert "the live text" not in text and "c2VjcmV0" not in text


def test_pending_resolves_made_up_ids_and_skips_what_it_cannot() -> None:
    vpc = Resource("urn:pulumi:p::teamstack::aws:ec2/vpc:Vpc::vpc", "aws:ec2/vpc:Vpc", "vpc",
                   None, {"cidrBlock": "10.0.0.0/16"})
    token = mock_tokens(vpc, "eu-west-1")["id"]
    sg_urn = "urn:pulumi:s::teamstack::aws:ec2/securityGroup:SecurityGroup::sg"
    code = [Resource(sg_urn, "aws:ec2/securityGroup:SecurityGroup", "sg", None,
                     {"vpcId": token, "description": "new text", "name": "n"})]
    live_state = [StateResource(sg_urn, "aws:ec2/securityGroup:SecurityGroup", "sg-1",
                                {"vpcId": "vpc-real", "description": "old text", "name": "n"},
                                {})]
    platform = [StateResource(vpc.urn, vpc.type, "vpc-real", {}, {})]
    resolved = CodeMap()
    resolved.learn([vpc], platform, "eu-west-1")
    assert {(f.field, f.state, f.code) for f in pending_findings(live_state, code, resolved)} \
        == {("description", "old text", "new text")}
    unresolved = CodeMap()
    unresolved.learn([vpc], [], "eu-west-1")  # the platform's state was not read
    assert {f.field for f in pending_findings(live_state, code, unresolved)} == {"description"}


def test_pending_for_resources_added_or_removed_in_code() -> None:
    a = StateResource("urn:a", "aws:s3/bucket:Bucket", "a", {}, {})
    b = Resource("urn:b", "aws:s3/bucket:Bucket", "b", None, {})
    notes = {f.note for f in pending_findings([a], [b], CodeMap())}
    assert notes == {"in code, not deployed", "removed from code, still deployed"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "driftignore.yaml"
    path.write_text(text)
    return path


def test_ignore_entries_match_by_stack_resource_and_field_and_expire(tmp_path: Path) -> None:
    entries = ignore.load(write(tmp_path, """\
ignore:
  - stack: nlp-*
    resource: "aws:s3/bucketLogging:BucketLogging::storage-*"
    field: targetPrefix
    reason: moved by the security team, INC-4711
    expires: 2027-01-31
  - resource: "urn:pulumi:*::old"
    reason: being removed
    expires: 2026-01-01
"""))
    hit = Finding("urn:pulumi:nlp-prod::teamstack::aws:s3/bucketLogging:BucketLogging::storage-a",
                  "aws:s3/bucketLogging:BucketLogging", "targetPrefix", "drift")
    other = Finding(hit.urn, hit.type, "targetBucket", "drift")
    result = ignore.apply("nlp-prod", [hit, other], entries, dt.date(2026, 12, 3),
                          ".teamstack/driftignore.yaml")
    assert [f.klass for f in result] == ["ignored", "drift", "expired-ignore"]
    assert "INC-4711" in result[0].note
    assert result[2].urn == ".teamstack/driftignore.yaml:7"
    report = StackReport("nlp-prod", findings=result[:1])
    report.settle()
    assert report.status == "clean"


@pytest.mark.parametrize("text,where", [
    ("ignore:\n  - resource: x\n    reason: r\n", "3: error: ignore[0].expires: required"),
    ("ignore:\n  - resource: x\n    reason: r\n    expires: soon\n", "ignore[0].expires: expected"),
    ("ignore:\n  - resource: x\n    reason: r\n    expires: 2027-01-01\n    feild: y\n",
     "ignore[0].feild: unknown field"),
    ("ignore: [\n", "ignore: not valid YAML"),
])
def test_a_bad_ignore_file_names_file_line_and_field(tmp_path: Path, text: str,
                                                     where: str) -> None:
    with pytest.raises(UserError) as caught:
        ignore.load(write(tmp_path, text))
    assert str(caught.value).startswith(str(tmp_path / "driftignore.yaml") + ":")
    assert where.split(": error: ")[-1] in str(caught.value)


def test_the_printed_policy_is_read_only() -> None:
    document = policy_document("acme-state")
    actions = [a for s in document["Statement"] for a in s["Action"]]
    assert actions and all(is_read_only(a) for a in actions)
    assert all(s["Effect"] == "Allow" for s in document["Statement"])
    assert set(OPERATIONS.values()) == set(actions)
    state_statement = document["Statement"][-1]
    assert state_statement["Resource"] == ["arn:aws:s3:::acme-state",
                                           "arn:aws:s3:::acme-state/*"]


def test_markdown_and_text_show_every_class() -> None:
    findings = [Finding("urn:x::a", "aws:s3/bucket:Bucket", "f", k, state=1, live=2)
                for k in ("drift", "expected", "missing")]
    report = DriftReport([StackReport("nlp-prod", "drift", findings=findings),
                          StackReport("cv-prod", "error", "s3://b/k: AccessDenied")])
    md = RENDERERS["markdown"](report)
    assert "| nlp-prod | drift | 1 drift, 1 missing, 1 expected |" in md
    assert "AccessDenied" in md
    text = RENDERERS["text"](report)
    assert "cv-prod: error (s3://b/k: AccessDenied)" in text
    assert json.loads(RENDERERS["json"](report))["stacks"][0]["stack"] == "cv-prod"
