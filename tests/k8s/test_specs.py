"""Pure pieces behind the Kubernetes components: window ends, cron translation, kubeconfig,
Spark versions, Karpenter budgets, IAM documents."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.components.k8s import iam, karpenter_specs, spark_specs
from infra.components.k8s.cronwindow import window_end
from infra.components.k8s.kubeconfig import kubeconfig
from infra.components.k8s.secrets import pick_keys
from infra.profiles import resolve


@pytest.mark.parametrize(("start", "duration", "end"), [
    ("45 7 * * 1-5", "11h15m", "0 19 * * 1-5"),
    ("0 22 * * 5", "4h", "0 2 * * 6"),           # past midnight: Friday night ends Saturday
    ("0 20 * * 5,6", "6h", "0 2 * * 0,6"),       # Saturday night ends Sunday (0)
    ("30 1 * * *", "90m", "0 3 * * *"),
    ("0 9 1 * *", "8h", "0 17 1 * *"),
])
def test_window_end(start: str, duration: str, end: str) -> None:
    assert window_end(start, duration) == end


@pytest.mark.parametrize(("start", "duration"), [
    ("*/5 7 * * *", "1h"), ("0 7 * * *", "Never"), ("0 7 * * *", "0s"),
    ("0 22 1 * *", "4h"), ("0 7 * *", "1h"), ("0 7 * * *", "30s"), ("0 7 * * *", "170h"),
])
def test_window_end_refuses_what_it_cannot_express(start: str, duration: str) -> None:
    with pytest.raises(ValueError):
        window_end(start, duration)


@given(hour=st.integers(0, 23), minute=st.integers(0, 59),
       length=st.integers(1, 6 * 24 * 60), days=st.sets(st.integers(0, 6), min_size=1))
def test_window_end_adds_the_length(hour: int, minute: int, length: int,
                                    days: set[int]) -> None:
    dow = ",".join(str(d) for d in sorted(days))
    end = window_end(f"{minute} {hour} * * {dow}", f"{length // 60}h{length % 60}m")
    end_minute, end_hour, _, _, end_dow = end.split()
    total = minute + 60 * hour + length
    assert (int(end_minute), int(end_hour)) == (total % 60, (total // 60) % 24)
    shift = total // 1440
    expected = {(d + shift) % 7 for d in days}
    got: set[int] = set(range(7)) if end_dow == "*" else set()
    for part in end_dow.split(",") if end_dow != "*" else []:
        low, _, high = part.partition("-")
        got.update(range(int(low), int(high or low) + 1))
    assert got == expected


@pytest.mark.parametrize(("cron", "expression"), [
    ("0 2 * * *", "cron(0 2 * * ? *)"),
    ("45 7 * * 1-5", "cron(45 7 ? * MON-FRI *)"),
    ("0 3 * * 0,6", "cron(0 3 ? * SUN,SAT *)"),
    ("15 4 1 * *", "cron(15 4 1 * ? *)"),
])
def test_eventbridge_cron(cron: str, expression: str) -> None:
    assert spark_specs.eventbridge_cron(cron) == expression


def test_eventbridge_cannot_combine_day_and_weekday() -> None:
    with pytest.raises(ValueError):
        spark_specs.eventbridge_cron("0 2 1 * 1")


def test_spark_version_from_the_image_tag() -> None:
    assert spark_specs.spark_version("apache/spark:3.5.3") == "3.5.3"
    assert spark_specs.spark_version("registry.example.com/spark:3.4.1-python3") == "3.4.1"
    with pytest.raises(ValueError, match="tag must start with the Spark version"):
        spark_specs.spark_version("apache/spark:latest")


def test_kubeconfig_authenticates_by_exec_only() -> None:
    config = kubeconfig("c-eks", "https://x.eks.amazonaws.com", "Q0E=", "eu-west-1")
    [user] = config["users"]
    assert user["user"] == {"exec": {
        "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
        "args": ["eks", "get-token", "--cluster-name", "c-eks", "--region", "eu-west-1",
                 "--output", "json"], "interactiveMode": "Never"}}
    assert config["current-context"] == "c-eks"


def test_budgets_carry_schedules_only_when_the_profile_has_them() -> None:
    policy = resolve("scheduled-retrain").karpenter
    spec = karpenter_specs.gpu_node_pool_spec("t", policy, "gpu")
    assert spec["disruption"]["budgets"] == [
        {"nodes": "10%"},
        {"nodes": "0", "schedule": "0 0 * * *", "duration": "6h", "reasons": ["Drifted"]}]
    assert karpenter_specs.training_pod_annotations(policy) == {
        "karpenter.sh/do-not-disrupt": "true"}
    assert karpenter_specs.training_pod_annotations(resolve("experiment").karpenter) == {}


def test_pick_keys_names_missing_keys_never_values() -> None:
    secret = json.dumps({"github_app_id": "1", "github_app_private_key": "SECRET-VALUE"})
    assert pick_keys(secret, ["github_app_id"], "s") == {"github_app_id": "1"}
    with pytest.raises(ValueError) as caught:
        pick_keys(secret, ["github_app_id", "github_app_installation_id"], "s")
    assert "github_app_installation_id" in str(caught.value)
    assert "SECRET-VALUE" not in str(caught.value)
    with pytest.raises(ValueError, match="not a JSON object"):
        pick_keys("plain text", ["a"], "s")


def test_interruption_queue_policy_requires_tls() -> None:
    document = json.loads(iam.interruption_queue_policy("arn:aws:sqs:r:1:q",
                                                        "arn:aws:events:r:1:rule/c-karpenter-"))
    deny = [s for s in document["Statement"] if s["Effect"] == "Deny"]
    assert deny[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
