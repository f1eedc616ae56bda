"""Guardrail iam.confused-deputy and iam.pod-identity-scope: each fails a bad statement and
passes its corrected twin; the real documents the components write pass (issue 11, finding 6).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.components import policies
from infra.components.k8s import iam
from infra.graph import Resource, ResourceGraph
from infra.policy import RULES, check
from infra.policy.trust import check_pod_identity_scope, check_source_conditions

TEAM_TAGS = {"teamstack:team": "vision"}


def res(type_: str, name: str, inputs: dict[str, Any]) -> Resource:
    return Resource(urn=f"urn:pulumi:s::p::{type_}::{name}", type=type_, name=name, parent=None,
                    inputs=inputs, dependencies=())


def role(trust: str, tags: dict[str, str] | None = None) -> Resource:
    return res("aws:iam/role:Role", "r", {"assumeRolePolicy": trust, "tags": tags or {}})


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service(name: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": name},
                                 "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return statement


def rules(*resources: Resource) -> list[str]:
    """The trust rules' findings (the graphs here are too small for e.g. the tag rule)."""
    return [v.rule for v in check(ResourceGraph("s", list(resources)))
            if v.rule.startswith(("iam.confused-deputy", "iam.pod-identity-scope"))]


@pytest.mark.parametrize("principal", ["elasticmapreduce.amazonaws.com",
                                       "scheduler.amazonaws.com",
                                       ["events.amazonaws.com", "ec2.amazonaws.com"]])
def test_service_trust_without_source_condition_is_refused(principal: Any) -> None:
    found = check_source_conditions(ResourceGraph("s", [role(doc(service(principal)))]))
    assert [v.rule for v in found] == ["iam.confused-deputy"]
    assert "aws:SourceAccount" in found[0].message


@pytest.mark.parametrize("condition", [
    {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    {"ArnLike": {"AWS:SourceArn": "arn:aws:elasticmapreduce:*:111122223333:*"}},
])
def test_service_trust_with_source_condition_passes(condition: dict[str, Any]) -> None:
    g = ResourceGraph("s", [role(doc(service("elasticmapreduce.amazonaws.com", condition)))])
    assert check_source_conditions(g) == []


def test_ec2_and_eks_trusts_are_exempt_but_only_in_trust_policies() -> None:
    trust = role(doc(service("ec2.amazonaws.com"), service("eks.amazonaws.com")))
    assert check_source_conditions(ResourceGraph("s", [trust])) == []
    queue = res("aws:sqs/queuePolicy:QueuePolicy", "q",
                {"policy": doc({**service("ec2.amazonaws.com"), "Action": "sqs:SendMessage"})})
    assert rules(queue) == ["iam.confused-deputy"]


def test_resource_policies_naming_a_service_need_a_source() -> None:
    old_queue = res("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": doc({
        "Effect": "Allow", "Principal": {"Service": ["events.amazonaws.com"]},
        "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:eu-west-1:111122223333:q"})})
    assert rules(old_queue) == ["iam.confused-deputy"]
    fixed = iam.interruption_queue_policy(
        "arn:aws:sqs:eu-west-1:111122223333:c-karpenter",
        iam.karpenter_rule_prefix("arn:aws:sqs:eu-west-1:111122223333:c-karpenter", "c"))
    assert rules(res("aws:sqs/queuePolicy:QueuePolicy", "q", {"policy": fixed})) == []
    statement = json.loads(fixed)["Statement"][0]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == (
        "arn:aws:events:eu-west-1:111122223333:rule/c-karpenter-*")


def test_logs_key_may_scope_by_encryption_context_and_deny_statements_are_ignored() -> None:
    key = res("aws:kms/key:Key", "k", {"policy": doc(
        {"Effect": "Allow", "Principal": {"Service": "logs.eu-west-1.amazonaws.com"},
         "Action": "kms:Decrypt*", "Resource": "*", "Condition": {"ArnLike": {
             "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:1:log-group:*"}}},
        {"Effect": "Deny", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "*"})})
    assert rules(key) == []


def test_lambda_permissions_need_a_source() -> None:
    bare = res("aws:lambda/permission:Permission", "p", {"principal": "events.amazonaws.com"})
    scoped = res("aws:lambda/permission:Permission", "p", {
        "principal": "events.amazonaws.com", "sourceArn": "arn:aws:events:eu-west-1:1:rule/x"})
    assert rules(bare) == ["iam.confused-deputy"]
    assert rules(scoped) == []


def test_service_trust_helper_writes_the_conditions() -> None:
    trust = iam.service_trust("elasticmapreduce.amazonaws.com", account="111122223333",
                              source_arn="arn:aws:elasticmapreduce:*:111122223333:*")
    assert check_source_conditions(ResourceGraph("s", [role(trust)])) == []
    assert check_source_conditions(ResourceGraph("s", [role(iam.service_trust(
        "elasticmapreduce.amazonaws.com"))]))


def test_team_pod_identity_trust_must_name_cluster_and_namespace() -> None:
    account_only = doc({**service("pods.eks.amazonaws.com", {
        "StringEquals": {"aws:SourceAccount": "111122223333"}}),
        "Action": ["sts:AssumeRole", "sts:TagSession"]})
    found = check_pod_identity_scope(ResourceGraph("s", [role(account_only, TEAM_TAGS)]))
    assert [v.rule for v in found] == ["iam.pod-identity-scope"]
    assert "kubernetes-namespace" in found[0].message
    # platform roles (Karpenter, CSI drivers) are bound to kube-system service accounts by the
    # platform itself; only team roles are checked
    assert check_pod_identity_scope(ResourceGraph("s", [
        role(account_only, {"teamstack:team": "platform"})])) == []
    fixed = policies.workload_trust("111122223333", ["platform-prod-eks"], ["team-vision"])
    assert check_pod_identity_scope(ResourceGraph("s", [role(fixed, TEAM_TAGS)])) == []
    condition = json.loads(fixed)["Statement"][0]["Condition"]["StringEquals"]
    assert condition["aws:RequestTag/kubernetes-namespace"] == ["team-vision"]
    assert condition["aws:RequestTag/eks-cluster-name"] == ["platform-prod-eks"]


def test_both_rules_are_registered() -> None:
    assert check_source_conditions in RULES and check_pod_identity_scope in RULES
