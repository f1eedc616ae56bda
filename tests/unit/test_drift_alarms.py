"""Composite alarms with botocore's Stubber (moto has no PutCompositeAlarm): they are read in
the same DescribeAlarms call as metric alarms, a rule edited by hand is seen with its live
value, a deleted composite is missing, a denied call is unknown."""

from __future__ import annotations

from botocore.stub import ANY, Stubber

from infra.drift.live.base import MISSING, Compared, Unknown
from infra.drift.live.monitoring import COMPOSITE, METRIC, alarms
from infra.drift.model import StateResource
from tests.unit.drift_stub import context_with, stub_client

RULE = 'ALARM("vision-prod-desktop-bruno-idle-cpu") AND ALARM("vision-prod-desktop-bruno-idle-gpu")'


def _composite(name: str) -> StateResource:
    return StateResource(urn=f"urn:{name}", type=COMPOSITE, id=name,
                         inputs={"alarmName": name, "alarmRule": RULE,
                                 "alarmDescription": "idle for 60 minutes"}, outputs={})


def _metric(name: str) -> StateResource:
    return StateResource(urn=f"urn:{name}", type=METRIC, id=name,
                         inputs={"name": name, "threshold": 5.0, "period": 300}, outputs={})


def test_one_call_reads_both_kinds_and_an_edited_rule_is_seen() -> None:
    client = stub_client("cloudwatch")
    edited = 'ALARM("vision-prod-desktop-bruno-idle-cpu")'
    with Stubber(client) as stub:
        stub.add_response("describe_alarms", {
            "MetricAlarms": [{"AlarmName": "cpu", "Threshold": 5.0, "Period": 600}],
            "CompositeAlarms": [{"AlarmName": "idle", "AlarmRule": edited,
                                 "AlarmDescription": "idle for 60 minutes"}]},
            {"AlarmNames": ["cpu", "gone", "idle"],
             "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]})
        seen = alarms(context_with("cloudwatch", client),
                      [_composite("idle"), _composite("gone"), _metric("cpu")])
        stub.assert_no_pending_responses()
    assert seen["urn:gone"] is MISSING
    composite = seen["urn:idle"]
    assert isinstance(composite, Compared)
    assert ("alarmRule", RULE, edited) in composite.pairs
    assert ("alarmDescription", "idle for 60 minutes", "idle for 60 minutes") in composite.pairs
    # A composite has no metric fields; the metric alarm has no rule.
    assert {f for f, _, _ in composite.pairs} == {"alarmRule", "alarmDescription"}
    metric = seen["urn:cpu"]
    assert isinstance(metric, Compared)
    assert ("period", 300, 600) in metric.pairs
    assert "alarmRule" not in {f for f, _, _ in metric.pairs}


def test_a_denied_describe_is_unknown_never_clean() -> None:
    client = stub_client("cloudwatch")
    with Stubber(client) as stub:
        stub.add_client_error("describe_alarms", "AccessDenied", "not allowed",
                              expected_params={"AlarmNames": ANY, "AlarmTypes": ANY})
        seen = alarms(context_with("cloudwatch", client), [_composite("idle")])
    assert isinstance(seen["urn:idle"], Unknown)
    assert "AccessDenied" in seen["urn:idle"].reason
