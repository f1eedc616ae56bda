"""The EventBridge reader against a moto server: a target declared without an id (the provider
generates one and records it as an output only) is found; its input edited by hand is seen;
a removed target is missing."""

from __future__ import annotations

import boto3
import pytest

from infra.drift.live.base import MISSING, Compared, LiveContext
from infra.drift.live.monitoring import RULE, TARGET, event_rules
from infra.drift.model import StateResource
from tests.integration.conftest import REGION, MotoServer

pytestmark = pytest.mark.integration
AUTOMATION = "arn:aws:ssm:eu-west-1:123456789012:automation-definition/AWS-StopEC2Instance:$DEFAULT"


def test_a_target_with_a_generated_id_is_found_then_edited_then_missing(
        moto_open: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_open.endpoint)
    events = moto_open.client("events")
    events.put_rule(Name="probe-idle", EventPattern='{"source": ["aws.cloudwatch"]}')
    declared = '{"InstanceId": ["i-0123"]}'
    events.put_targets(Rule="probe-idle", Targets=[
        {"Id": "desktops-alice-idle-20261207", "Arn": AUTOMATION, "Input": declared}])
    rule = StateResource(urn="urn:rule", type=RULE, id="probe-idle",
                         inputs={"name": "probe-idle"}, outputs={})
    target = StateResource(urn="urn:target", type=TARGET,
                           id="probe-idle-desktops-alice-idle-20261207",
                           inputs={"rule": "probe-idle", "arn": AUTOMATION, "input": declared},
                           outputs={"targetId": "desktops-alice-idle-20261207"})
    session = boto3.session.Session(aws_access_key_id=moto_open.admin.access_key_id,
                                    aws_secret_access_key=moto_open.admin.secret_access_key)

    seen = event_rules(LiveContext(session, REGION), [rule, target])
    assert isinstance(seen["urn:target"], Compared)
    assert ("input", declared, declared) in seen["urn:target"].pairs

    events.put_targets(Rule="probe-idle", Targets=[
        {"Id": "desktops-alice-idle-20261207", "Arn": AUTOMATION, "Input": '{"InstanceId": []}'}])
    seen = event_rules(LiveContext(session, REGION), [target])
    assert isinstance(seen["urn:target"], Compared)
    assert ("input", declared, '{"InstanceId": []}') in seen["urn:target"].pairs

    events.remove_targets(Rule="probe-idle", Ids=["desktops-alice-idle-20261207"])
    assert event_rules(LiveContext(session, REGION), [target])["urn:target"] is MISSING
