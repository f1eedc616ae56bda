"""Requests that would weaken a security default are refused at validation, through the same
loader `teamstack validate` uses, with a message naming the default and why it holds."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from infra.stackfile import load

ROOT = Path(__file__).resolve().parents[2]

TEAM = """\
config:
  aws:region: eu-west-1
  teamstack:request:
    team: nlp
    environment: prod
    owners: ["@acme/nlp-leads"]
    cost_center: CC-1234
    budget: {{monthly_usd: 1000{budget}}}
    members:
      - {{name: alice, email: alice@example.com}}
    storage:
      buckets:
        - {{name: datasets{bucket}}}
"""

PLATFORM = """\
config:
  aws:region: eu-west-1
  teamstack:platform:
    environment: prod
    owners: ["@acme/platform"]
    cost_center: CC-0001
    access_cidrs: [{cidrs}]
{extra}
"""


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    directory = tmp_path / "stacks"
    directory.mkdir()
    shutil.copy(ROOT / "stacks" / "Pulumi.platform-prod.yaml", directory)
    return directory


def team_problems(stacks: Path, bucket: str = "", budget: str = "",
                  members: int | None = None) -> list[tuple[str, str]]:
    text = TEAM.format(bucket=bucket, budget=budget)
    if members is not None:
        people = "".join(f"      - {{name: m{i}, email: m{i}@example.com}}\n"
                         for i in range(members))
        text = text.replace("      - {name: alice, email: alice@example.com}\n", people)
    path = stacks / "Pulumi.nlp-prod.yaml"
    path.write_text(text, encoding="utf-8")
    return [(p.path, p.message) for p in load(path).problems]


def platform_problems(stacks: Path, cidrs: str = '"203.0.113.0/24"',
                      extra: str = "") -> list[tuple[str, str]]:
    path = stacks / "Pulumi.platform-dev.yaml"
    text = PLATFORM.format(cidrs=cidrs, extra=textwrap.indent(textwrap.dedent(extra), "    "))
    path.write_text(text.replace("environment: prod", "environment: dev"), encoding="utf-8")
    return [(p.path, p.message) for p in load(path).problems]


def test_the_baselines_are_valid(stacks: Path) -> None:
    assert team_problems(stacks) == []
    assert platform_problems(stacks, extra="identity: {saml_provider_name: okta}") == []


def test_a_public_bucket_is_refused_with_the_reason(stacks: Path) -> None:
    [(path, message)] = team_problems(stacks, bucket=", public: true")
    assert path == "storage.buckets[0].public"
    assert "cannot be public" in message and "public-access blocks" in message


def test_unencrypted_storage_is_refused_with_the_reason(stacks: Path) -> None:
    [(path, message)] = team_problems(stacks, bucket=", encrypted: false")
    assert path == "storage.buckets[0].encrypted"
    assert "encryption at rest cannot be turned off" in message and "SSE-KMS" in message


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_access_from_anywhere_is_refused(stacks: Path, cidr: str) -> None:
    found = platform_problems(stacks, cidrs=f'"{cidr}"',
                              extra="identity: {saml_provider_name: okta}")
    assert [p for p, _ in found] == ["access_cidrs"]
    assert "whole internet" in found[0][1]


def test_a_public_cluster_endpoint_without_an_allow_list_is_refused(stacks: Path) -> None:
    found = platform_problems(stacks, cidrs="", extra="""\
        identity: {saml_provider_name: okta}
        cluster: {public_endpoint: true}""")
    assert len(found) == 1 and "whole internet" in found[0][1]


def test_a_public_vpc_range_is_refused(stacks: Path) -> None:
    found = platform_problems(stacks, extra="""\
        identity: {saml_provider_name: okta}
        network: {cidr: 8.8.0.0/16}""")
    assert [p for p, _ in found] == ["network.cidr"]
    assert "private" in found[0][1]


def test_people_must_trust_a_named_identity_provider(stacks: Path) -> None:
    saml = platform_problems(stacks, extra="identity: {provider: saml}")
    assert len(saml) == 1 and "saml_provider_name" in saml[0][1]
    assert "never any SAML provider" in saml[0][1]
    oidc = platform_problems(stacks, extra="identity: {provider: oidc, "
                                           "oidc_issuer_url: 'https://idp.example.com'}")
    assert len(oidc) == 1 and "oidc_client_id" in oidc[0][1]
    assert platform_problems(stacks, extra="identity: {provider: oidc, oidc_client_id: teamstack,"
                                           " oidc_issuer_url: 'https://idp.example.com'}") == []


def test_plain_http_issuers_are_refused(stacks: Path) -> None:
    found = platform_problems(stacks, extra="identity: {provider: oidc, oidc_client_id: x, "
                                            "oidc_issuer_url: 'http://idp.example.com'}")
    assert [p for p, _ in found] == ["identity.oidc_issuer_url"]


def test_budget_alerts_must_fit_aws_budgets_limits(stacks: Path) -> None:
    too_many = team_problems(stacks, budget=", alert_at_percent: [10, 20, 30, 40, 50, 60]")
    assert [p for p, _ in too_many] == ["budget.alert_at_percent"]
    assert "10 alerts per budget" in too_many[0][1]
    twice = team_problems(stacks, budget=", alert_at_percent: [50, 50]")
    assert "more than once" in twice[0][1]
    addresses = ", ".join(f"a{i}@example.com" for i in range(11))
    assert "at most 10 addresses" in team_problems(stacks, budget=f", notify: [{addresses}]")[0][1]
    crowd = team_problems(stacks, members=11)
    assert len(crowd) == 1 and "budget.notify" in crowd[0][1]
    assert team_problems(stacks, members=11, budget=", notify: [leads@example.com]") == []
