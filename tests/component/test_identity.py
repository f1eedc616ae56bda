"""Team identity under mocks: who may assume the team roles, what the roles may touch (only the
team's own ARNs, tag-conditioned where AWS evaluates tags), and that a boundary caps them all."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from infra.components.policies import TeamResources, people_trust
from infra.graph import ResourceGraph
from tests.component.awsplan import as_list, by_name, one, policy, statements
from tests.component.find import single, where

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TEAMS = ("vision-prod", "analytics-prod", "insights-prod")


def role_documents(graph: ResourceGraph) -> dict[str, dict[str, Any]]:
    return {name: policy(inputs) for name, inputs in by_name(graph, ROLE_POLICY).items()}


def resources_of(doc: dict[str, Any]) -> list[str]:
    return [r for s in statements(doc) for r in as_list(s.get("Resource", []))]


def test_workload_role_trusts_pod_identity_and_ec2_only(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    role = one(graph, ROLE, "identity-workload")
    trust = statements(policy(role.inputs, "assumeRolePolicy"))
    principals = {json.dumps(s["Principal"], sort_keys=True): s for s in trust}
    assert set(principals) == {'{"Service": "pods.eks.amazonaws.com"}',
                               '{"Service": "ec2.amazonaws.com"}'}
    pods = principals['{"Service": "pods.eks.amazonaws.com"}']
    assert sorted(pods["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert pods["Condition"] == {"StringEquals": {  # the team's clusters and namespaces only
        "aws:SourceAccount": "123456789012",
        "aws:RequestTag/eks-cluster-name": ["platform-prod-eks"],
        "aws:RequestTag/kubernetes-namespace": ["jupyterhub", "team-vision"]}}
    assert graph.outputs["workload_role_arn"] == (
        "arn:aws:iam::123456789012:role/teamstack/vision-prod-workload")
    profile = by_name(graph, "aws:iam/instanceProfile:InstanceProfile")["identity-workload"]
    assert profile["role"] == "vision-prod-workload"


def test_people_role_trusts_the_platform_saml_provider(
        example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    role = one(graph, ROLE, "identity-people")
    trust = single(statements(policy(role.inputs, "assumeRolePolicy")),
                   f"trust statement of {role.name}")
    assert trust["Principal"] == {
        "Federated": example_plans["platform-prod"].outputs["people_idp_arn"]}
    assert sorted(trust["Action"]) == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert trust["Condition"] == {"StringEquals": {
        "SAML:aud": "https://signin.aws.amazon.com/saml"}}
    assert role.inputs["maxSessionDuration"] == 8 * 3600
    assert graph.outputs["people_role_arn"].endswith(":role/teamstack/vision-prod-people")


@pytest.mark.parametrize("stack", TEAMS)
def test_every_team_role_carries_the_team_boundary(example_plans: dict[str, ResourceGraph],
                                                   stack: str) -> None:
    graph = example_plans[stack]
    boundary = one(graph, "aws:iam/policy:Policy", "identity-boundary")
    arn = f"arn:aws:iam::123456789012:policy/teamstack/{stack}-boundary"
    assert boundary.inputs["name"] == f"{stack}-boundary"
    assert graph.outputs["permissions_boundary_arn"] == arn
    roles = graph.of_type(ROLE)
    assert {r.name for r in roles} >= {"identity-people", "identity-workload"}
    assert all(r.inputs["permissionsBoundary"] == arn for r in roles), (
        f"roles without the team boundary {arn}: "
        f"{[r.name for r in roles if r.inputs['permissionsBoundary'] != arn]}")


@pytest.mark.parametrize("stack", TEAMS)
def test_policies_name_only_the_team_own_resources(example_plans: dict[str, ResourceGraph],
                                                   stack: str) -> None:
    graph = example_plans[stack]
    others = [s for s in TEAMS if s != stack]
    key_arn = graph.outputs["key_arn"]
    assert graph.of_type("aws:efs/fileSystem:FileSystem"), "the stack has a shared home"
    docs = {**role_documents(graph),
            "boundary": policy(one(graph, "aws:iam/policy:Policy", "identity-boundary").inputs)}
    for name, doc in docs.items():
        for statement in statements(doc):
            for resource in as_list(statement.get("Resource", [])):
                assert not any(o in resource for o in others), (name, resource)
                if resource.startswith("arn:aws:s3:::"):
                    assert resource.startswith(f"arn:aws:s3:::{stack}-"), (name, resource)
            actions = as_list(statement["Action"])
            if any(a.startswith("kms:") and a != "kms:CreateGrant" for a in actions):
                assert statement["Resource"] == [key_arn], (
                    where("statement['Resource']", name=name, doc=doc, statement=statement))
                assert statement["Condition"] == {"StringEquals": {
                    "aws:ResourceTag/teamstack:team": stack.split("-")[0]}}, (
                    where("statement['Condition']", name=name, doc=doc, statement=statement))
            if any(a.startswith("elasticfilesystem:") for a in actions):
                arn = single(statement["Resource"], "statement['Resource']")
                assert arn.startswith("arn:aws:elasticfilesystem:eu-west-1:123456789012:"
                                      "file-system/fs-"), (
                    where("arn.startswith('arn:aws:elasticfilesystem:eu-west-1:12345...",
                          name=name, doc=doc, statement=statement))
                assert statement["Condition"] == {"StringEquals": {
                    "aws:ResourceTag/teamstack:team": stack.split("-")[0]}}, (
                    where("statement['Condition']", name=name, doc=doc, statement=statement))


def test_both_roles_can_use_every_team_bucket(example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["analytics-prod"]
    buckets = sorted(f"arn:aws:s3:::{b}" for b in graph.outputs["bucket_names"].values())
    for name in ("identity-people", "identity-workload"):
        doc = role_documents(graph)[name]
        listing = next(s for s in statements(doc) if s.get("Sid") == "ListOwnBuckets")
        objects = next(s for s in statements(doc) if s.get("Sid") == "ReadWriteOwnObjects")
        assert sorted(listing["Resource"]) == buckets, (
            where("sorted(listing['Resource'])", name=name))
        assert sorted(objects["Resource"]) == [f"{b}/*" for b in buckets], (
            where("sorted(objects['Resource'])", name=name))
        assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= set(objects["Action"]), (
            where("{'s3:GetObject', 's3:PutObject', 's3:DeleteObject'}", name=name))


def test_desktop_control_is_limited_to_instances_tagged_with_the_team(
        example_plans: dict[str, ResourceGraph]) -> None:
    doc = role_documents(example_plans["vision-prod"])["identity-people"]
    by_sid = {s["Sid"]: s for s in statements(doc)}
    assert by_sid["StartStopOwnDesktops"]["Condition"] == {
        "StringEquals": {"aws:ResourceTag/teamstack:team": "vision"}}
    assert by_sid["SessionsOnOwnDesktops"]["Condition"] == {
        "StringEquals": {"ssm:resourceTag/teamstack:team": "vision"}}
    assert by_sid["ViewOwnBudget"]["Resource"] == (
        "arn:aws:budgets::123456789012:budget/vision-prod-monthly")


def _covered(statement: dict[str, Any], boundary: list[dict[str, Any]]) -> bool:
    """Every (action, resource) pair of ``statement`` is allowed by some boundary statement."""
    for action in as_list(statement["Action"]):
        for resource in as_list(statement["Resource"]):
            if not any(fnmatchcase(action, a) and fnmatchcase(resource, r)
                       for b in boundary if b["Effect"] == "Allow"
                       for a in as_list(b["Action"]) for r in as_list(b["Resource"])):
                return False
    return True


@pytest.mark.parametrize("stack", TEAMS)
def test_the_boundary_admits_everything_the_roles_are_granted(
        example_plans: dict[str, ResourceGraph], stack: str) -> None:
    """Otherwise the boundary would silently break a role (the effective permission is the
    intersection), e.g. the desktops' scheduler failing to start instances."""
    graph = example_plans[stack]
    boundary_policy = one(graph, "aws:iam/policy:Policy", "identity-boundary")
    boundary = statements(policy(boundary_policy.inputs))
    assert not any(a.startswith("iam:") for s in boundary for a in as_list(s["Action"])), (
        f"identity-boundary policy allows iam: actions: "
        f"{[a for s in boundary for a in as_list(s['Action']) if a.startswith('iam:')]}")
    bounded = {r.inputs["name"] for r in graph.of_type(ROLE)
               if r.inputs.get("permissionsBoundary") == graph.outputs["permissions_boundary_arn"]}
    docs = {n: policy(i) for n, i in by_name(graph, ROLE_POLICY).items() if i["role"] in bounded}
    assert len(docs) >= 2
    for name, doc in docs.items():
        for statement in statements(doc):
            assert _covered(statement, boundary), (name, statement.get("Sid"))


def test_people_trust_refuses_an_unknown_provider_type() -> None:
    with pytest.raises(ValueError, match="unknown identity provider type"):
        people_trust("arn:aws:iam::1:saml-provider/x", "ldap", "nlp")


def test_team_resources_arns_follow_the_partition() -> None:
    r = TeamResources(team="nlp", prefix="nlp-dev", account="1", region="cn-north-1",
                      partition="aws-cn")
    assert r.arn("ec2", "instance/*") == "arn:aws-cn:ec2:cn-north-1:1:instance/*"
    assert r.arn("budgets", "budget/x", region=False) == "arn:aws-cn:budgets::1:budget/x"
