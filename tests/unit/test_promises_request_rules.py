"""The promise (README "The stack request"): every rule beyond types and bounds refuses with
its reason, at its field, and accepts everything up to its limit.

One row per refusal of infra/request_rules.py, with the exact message: a tired user reads it
in a pull request check and must learn from it what to write instead. Each limit is also
shown from the accepting side (exactly five thresholds, ten recipients, a /20 range), so a rule
that fires one step early fails here too.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from infra.problems import shown
from infra.request import PlatformRequest, TeamRequest

from .test_promises_request import EXAMPLE, with_value

ROOT = Path(__file__).resolve().parents[2]
PLATFORM: dict[str, Any] = YAML(typ="safe").load(
    (ROOT / "stacks" / "Pulumi.platform-prod.yaml").read_text(encoding="utf-8"))[
        "config"]["teamstack:platform"]

Loc = tuple[str | int, ...]


def _edited(base: dict[str, Any], *edits: tuple[Loc, Any]) -> dict[str, Any]:
    """A copy of ``base`` with each path set to its value (missing sections are created)."""
    data = copy.deepcopy(base)
    for path, value in edits:
        holder: Any = data
        for step in path[:-1]:
            holder = holder.setdefault(step, {}) if isinstance(holder, dict) else holder[step]
        holder[path[-1]] = value
    return data


def _platform_with(path: Loc, value: Any) -> dict[str, Any]:
    return _edited(PLATFORM, (path, value))


def _errors(model: type[TeamRequest | PlatformRequest], data: dict[str, Any]) -> list[
        tuple[Loc, str]]:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
    return []


def _members(count: int) -> list[dict[str, str]]:
    return [{"name": f"user{i}", "email": f"user{i}@example.com"} for i in range(count)]


TEAM_REFUSALS: list[tuple[str, Loc, Any, Loc, str]] = [
    ("six thresholds", ("budget", "alert_at_percent"), [10, 20, 30, 40, 50, 60],
     ("budget", "alert_at_percent"),
     "at most 5 thresholds: each gets an actual and a forecast alert, and AWS Budgets allows "
     "10 alerts per budget"),
    ("a threshold twice", ("budget", "alert_at_percent"), [50, 80, 50],
     ("budget", "alert_at_percent"), "a threshold is listed more than once"),
    ("eleven recipients", ("budget", "notify"), [f"a{i}@example.com" for i in range(11)],
     ("budget", "notify"),
     "at most 10 addresses (the AWS Budgets limit per alert); use a mailing list"),
    ("eleven members and no recipients", ("members",), _members(11), (),
     "budget alerts go to the members' addresses, but AWS Budgets allows 10 per alert and the "
     "team has 11 members: list up to 10 addresses in budget.notify"),
    ("unknown desktop", ("members", 0, "desktop"), "gpu-huge", ("members", 0, "desktop"),
     "unknown desktop size 'gpu-huge'; expected one of: cpu-small, cpu-medium, cpu-large, "
     "gpu-small, gpu-medium, gpu-large"),
    ("unknown zone", ("desktops", "timezone"), "Mars/Base", ("desktops", "timezone"),
     "unknown time zone 'Mars/Base'; use an IANA name such as 'Europe/Berlin' or "
     "'America/New_York'"),
    ("a zone name past 64 characters", ("desktops", "timezone"), "Europe/" + "B" * 58,
     ("desktops", "timezone"),
     f"unknown time zone {shown('Europe/' + 'B' * 58)}; use an IANA name such as "
     "'Europe/Berlin' or 'America/New_York'"),
    ("public bucket", ("storage", "buckets", 0, "public"), True,
     ("storage", "buckets", 0, "public"),
     "buckets cannot be public: all four S3 public-access blocks are always on, since team "
     "data must not leak; share through a presigned URL or a data product"),
    ("unencrypted bucket", ("storage", "buckets", 2, "encrypted"), False,
     ("storage", "buckets", 2, "encrypted"),
     "encryption at rest cannot be turned off: every bucket uses SSE-KMS under the team key so "
     "access is auditable and revocable"),
    *[(f"GPU type {bad!r}", ("gpu", "instance_types"), ["g5.xlarge", bad],
       ("gpu", "instance_types", 1),
       f"{shown(bad)} is not a GPU instance type; expected a family of g4dn, g5, g6, g6e, gr6, "
       "p3, p4d, p4de, p5, p5e, p5en (e.g. g5.xlarge)")
      for bad in ("m6i.large", "g5", "g5.", "g5.xlarge.extra", ".xlarge")],
    ("unknown profile", ("gpu", "profile"), "experimnt", ("gpu", "profile"),
     "unknown profile 'experimnt'; expected one of: interactive, experiment, "
     "scheduled-retrain, adhoc-training, service"),
    ("a type twice", ("gpu", "instance_types"), ["g5.xlarge", "g6.xlarge", "g5.xlarge"],
     ("gpu", "instance_types"), "instance types are listed more than once"),
    ("not cron", ("spark", "schedule"), "every night", ("spark", "schedule"),
     "'every night' is not a 5-field cron expression (minute hour day month weekday), e.g. "
     "'0 2 * * *' for 02:00 every day"),
    ("repository with two slashes", ("ci_runners", "repositories"), ["acme/a", "acme/x/y"],
     ("ci_runners", "repositories"), "'acme/x/y' is not of the form org/repository"),
    ("repository without org", ("ci_runners", "repositories"), ["/x"],
     ("ci_runners", "repositories"), "'/x' is not of the form org/repository"),
    ("repository without name", ("ci_runners", "repositories"), ["acme/"],
     ("ci_runners", "repositories"), "'acme/' is not of the form org/repository"),
    ("repositories of another org", ("ci_runners", "repositories"),
     ["acme/a", "other/x", "umbrella/y"], ("ci_runners",),
     "repositories other/x, umbrella/y are not in github_org 'acme'"),
    ("another team's app secret", ("ci_runners", "app_secret"), "teamstack/nlp-prod/app",
     ("ci_runners",),
     "app_secret 'teamstack/nlp-prod/app' is not the team's: use a Secrets Manager name under "
     "teamstack/vision-prod/"),
    ("another environment's app secret", ("ci_runners", "app_secret"),
     "teamstack/vision-dev/app", ("ci_runners",),
     "app_secret 'teamstack/vision-dev/app' is not the team's: use a Secrets Manager name "
     "under teamstack/vision-prod/"),
    ("an app secret by ARN", ("ci_runners", "app_secret"),
     "arn:aws:secretsmanager:eu-west-1:1:secret:teamstack/vision-prod/app", ("ci_runners",),
     "app_secret 'arn:aws:secretsmanager:eu-west-1:1:secret:teamstack/vision-prod/app' is not "
     "the team's: use a Secrets Manager name under teamstack/vision-prod/"),
    ("python unquoted", ("toolchain", "python"), 3.1, ("toolchain", "python"),
     "write the version in quotes, e.g. python: \"3.11\"; unquoted, YAML reads it as a number "
     "and 3.10 becomes 3.1"),
    ("python as a whole number", ("toolchain", "python"), 3, ("toolchain", "python"),
     "write the version in quotes, e.g. python: \"3.11\"; unquoted, YAML reads it as a number "
     "and 3.10 becomes 3.1"),
    ("python not offered", ("toolchain", "python"), "2.7", ("toolchain", "python"),
     "Python '2.7' is not offered; choose one of 3.10, 3.11, 3.12 (quote it: \"3.10\", not "
     "3.10)"),
    ("unknown extra", ("toolchain", "extras"), ["cuda", "tensorflw"], ("toolchain", "extras"),
     "unknown extra 'tensorflw'; expected one of: nltk, spark-client, kafka-client, cuda, "
     "container-build"),
    ("event logs to an unknown bucket", ("spark", "event_log_bucket"), "nope", (),
     "spark.event_log_bucket 'nope' is not one of storage.buckets (datasets, models, scratch)"),
    ("spark without buckets", ("storage", "buckets"), [], (),
     "spark needs a bucket in storage.buckets for its event logs (the history server reads "
     "them)"),
    ("spark without storage", ("storage",), None, (),
     "spark needs a bucket in storage.buckets for its event logs (the history server reads "
     "them)"),
]


@pytest.mark.parametrize(("name", "path", "value", "loc", "message"), TEAM_REFUSALS,
                         ids=[row[0] for row in TEAM_REFUSALS])
def test_team_rule_refuses_with_its_reason(name: str, path: Loc, value: Any, loc: Loc,
                                           message: str) -> None:
    assert _errors(TeamRequest, with_value(path, value)) == [(loc, f"Value error, {message}")]


PLATFORM_REFUSALS: list[tuple[str, Loc, Any, Loc, str]] = [
    ("public range", ("network", "cidr"), "8.8.0.0/16", ("network", "cidr"),
     "'8.8.0.0/16' must be a private IPv4 range of /16 to /20"),
    ("range too small", ("network", "cidr"), "10.0.0.0/21", ("network", "cidr"),
     "'10.0.0.0/21' must be a private IPv4 range of /16 to /20"),
    ("range too large", ("network", "cidr"), "10.0.0.0/15", ("network", "cidr"),
     "'10.0.0.0/15' must be a private IPv4 range of /16 to /20"),
    ("IPv6 range", ("network", "cidr"), "fd00::/48", ("network", "cidr"),
     "'fd00::/48' must be a private IPv4 range of /16 to /20"),
    ("host bits", ("network", "cidr"), "10.0.0.1/16", ("network", "cidr"),
     "'10.0.0.1/16' is not a CIDR range: 10.0.0.1/16 has host bits set"),
    ("the whole internet", ("access_cidrs",), ["203.0.113.0/24", "0.0.0.0/0"], ("access_cidrs",),
     "'0.0.0.0/0' opens access to the whole internet; teamstack only allows named ranges "
     "(office, VPN) so remote displays and cluster endpoints stay private"),
    ("not a range", ("access_cidrs",), ["10.0.0.0/8", "bad"], ("access_cidrs",),
     "'bad' is not a CIDR range: 'bad' does not appear to be an IPv4 or IPv6 network"),
    ("SAML without a provider", ("identity",), {"provider": "saml"}, ("identity",),
     "provider saml needs saml_provider_name: the team roles trust exactly that provider, "
     "never any SAML provider of the account"),
    ("OIDC without a client", ("identity",),
     {"provider": "oidc", "oidc_issuer_url": "https://id.example.com"}, ("identity",),
     "provider oidc needs oidc_issuer_url and oidc_client_id: the team roles trust only tokens "
     "of that issuer for that audience"),
    ("OIDC without an issuer", ("identity",), {"provider": "oidc", "oidc_client_id": "teamstack"},
     ("identity",),
     "provider oidc needs oidc_issuer_url and oidc_client_id: the team roles trust only tokens "
     "of that issuer for that audience"),
    ("public endpoint open to all", ("access_cidrs",), [], (),
     "cluster.public_endpoint needs access_cidrs: without an allow-list EKS opens the public "
     "endpoint to the whole internet"),
]


@pytest.mark.parametrize(("name", "path", "value", "loc", "message"), PLATFORM_REFUSALS,
                         ids=[row[0] for row in PLATFORM_REFUSALS])
def test_platform_rule_refuses_with_its_reason(name: str, path: Loc, value: Any, loc: Loc,
                                               message: str) -> None:
    assert PLATFORM["cluster"]["public_endpoint"] is True
    assert _errors(PlatformRequest, _platform_with(path, value)) == [
        (loc, f"Value error, {message}")]


def _team_with(*edits: tuple[Loc, Any]) -> dict[str, Any]:
    return _edited(EXAMPLE, *edits)


TEAM_ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("five thresholds", _team_with((("budget", "alert_at_percent"), [10, 20, 30, 40, 50]))),
    ("ten recipients", _team_with((("budget", "notify"),
                                   [f"a{i}@example.com" for i in range(10)]))),
    ("ten members, alerts to them", _team_with((("members",), _members(10)))),
    ("eleven members with recipients", _team_with((("members",), _members(11)),
                                                  (("budget", "notify"), ["ml@example.com"]))),
    ("a member without a desktop", _team_with((("members",), _members(1)))),
    ("a zone of 32 characters", _team_with((("desktops", "timezone"),
                                            "America/Argentina/ComodRivadavia"))),
    ("buckets private and encrypted, said out loud",
     _team_with((("storage", "buckets", 0, "public"), False),
                (("storage", "buckets", 0, "encrypted"), True))),
    ("spark with event logs in a named bucket",
     _team_with((("spark", "event_log_bucket"), "models"))),
    ("no spark and no storage", _team_with((("spark",), None), (("storage",), None))),
    ("spark without a schedule", _team_with((("spark", "schedule"), None))),
    ("repositories of the org in another case",
     _team_with((("ci_runners", "repositories"), ["ACME/vision-models", "Acme/data"]))),
    ("the team's own app secret",
     _team_with((("ci_runners", "app_secret"), "teamstack/vision-prod/github-app"))),
    ("python quoted", _team_with((("toolchain", "python"), "3.12"))),
    ("every extra", _team_with((("toolchain", "extras"),
                                ["nltk", "spark-client", "kafka-client", "cuda",
                                 "container-build"]))),
]


@pytest.mark.parametrize(("name", "data"), TEAM_ACCEPTED, ids=[row[0] for row in TEAM_ACCEPTED])
def test_team_rule_accepts_up_to_its_limit(name: str, data: dict[str, Any]) -> None:
    assert _errors(TeamRequest, data) == []


PLATFORM_ACCEPTED: list[tuple[str, Loc, Any]] = [
    ("a /16", ("network", "cidr"), "172.16.0.0/16"),
    ("a /20", ("network", "cidr"), "192.168.16.0/20"),
    ("OIDC named in full", ("identity",), {"provider": "oidc", "oidc_client_id": "teamstack",
                                           "oidc_issuer_url": "https://id.example.com"}),
    ("a private endpoint needs no allow-list", ("cluster",), {"public_endpoint": False}),
]


@pytest.mark.parametrize(("name", "path", "value"), PLATFORM_ACCEPTED,
                         ids=[row[0] for row in PLATFORM_ACCEPTED])
def test_platform_rule_accepts_up_to_its_limit(name: str, path: Loc, value: Any) -> None:
    data = _platform_with(path, value)
    if path == ("cluster",):
        data["access_cidrs"] = []
    assert _errors(PlatformRequest, data) == []


def test_app_secret_rule_waits_for_a_valid_team_and_environment() -> None:
    """With the team name itself refused, the secret's prefix is unknown: only the name is
    reported, never a second, confusing error about the secret."""
    data = _team_with((("team",), "Vision!"),
                      (("ci_runners", "app_secret"), "teamstack/vision-prod/app"))
    assert [loc for loc, _ in _errors(TeamRequest, data)] == [("team",)]
    data = _team_with((("environment",), "production"),
                      (("ci_runners", "app_secret"), "teamstack/vision-prod/app"))
    assert [loc for loc, _ in _errors(TeamRequest, data)] == [("environment",)]


def test_member_uid_is_explicit_else_stable_from_position() -> None:
    """README: append members, never reorder; a uid set by hand wins."""
    members = [{"name": "ann", "email": "ann@example.com"},
               {"name": "bob", "email": "bob@example.com", "uid": 3000},
               {"name": "cat", "email": "cat@example.com"}]
    request = TeamRequest.model_validate(_team_with((("members",), members)))
    assert [request.member_uid(i) for i in range(3)] == [10001, 3000, 10003]
