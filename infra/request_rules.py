"""The rules a request's fields must keep, beyond their types and bounds.

Each rule is a plain function that returns the value (or model) it was given or raises
``ValueError`` with the reason a tired user needs. The models attach them with
``field_validator("x")(rule)``: written as decorated methods inside the classes they could not
be mutation-tested (mutmut leaves decorated functions alone), and a validation rule that
silently stops firing is exactly the bug ``make mutation`` exists to catch.
"""

from __future__ import annotations

import ipaddress
import zoneinfo
from typing import TYPE_CHECKING, Any

from pydantic import ValidationInfo

from infra.catalog import DESKTOP_SIZES, PYTHON_VERSIONS, TOOLCHAIN_EXTRAS
from infra.problems import shown
from infra.request_base import _check_cidr, _check_cron

if TYPE_CHECKING:
    from infra.request import CiRunners, TeamRequest
    from infra.request_platform import Identity, PlatformRequest

MAX_ZONE_CHARS = 64  # the longest IANA name has 32
MAX_BUDGET_THRESHOLDS = 5
MAX_ALERT_RECIPIENTS = 10


# --- budget ----------------------------------------------------------------------------------

def thresholds_fit(value: list[int]) -> list[int]:
    if len(set(value)) != len(value):
        raise ValueError("a threshold is listed more than once")
    if len(value) > MAX_BUDGET_THRESHOLDS:
        raise ValueError(f"at most {MAX_BUDGET_THRESHOLDS} thresholds: each gets an actual "
                         "and a forecast alert, and AWS Budgets allows 10 alerts per budget")
    return value


def recipients_fit(value: list[str]) -> list[str]:
    if len(value) > MAX_ALERT_RECIPIENTS:
        raise ValueError(f"at most {MAX_ALERT_RECIPIENTS} addresses (the AWS Budgets limit "
                         "per alert); use a mailing list")
    return value


def alerts_have_recipients(request: TeamRequest) -> TeamRequest:
    if not request.budget.notify and len(request.members) > MAX_ALERT_RECIPIENTS:
        raise ValueError(f"budget alerts go to the members' addresses, but AWS Budgets allows "
                         f"{MAX_ALERT_RECIPIENTS} per alert and the team has "
                         f"{len(request.members)} members: list up to {MAX_ALERT_RECIPIENTS} "
                         "addresses in budget.notify")
    return request


# --- members and desktops --------------------------------------------------------------------

def desktop_in_catalog(value: str | None) -> str | None:
    if value is not None and value not in DESKTOP_SIZES:
        raise ValueError(
            f"unknown desktop size {shown(value)}; expected one of: {', '.join(DESKTOP_SIZES)}")
    return value


def known_zone(value: str) -> str:
    try:
        if len(value) > MAX_ZONE_CHARS:  # zoneinfo recurses on every '/' of a long key
            raise ValueError(value)
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {shown(value)}; use an IANA name such as "
                         "'Europe/Berlin' or 'America/New_York'") from None
    return value


# --- storage ---------------------------------------------------------------------------------

def never_public(value: bool) -> bool:
    if value:
        raise ValueError(
            "buckets cannot be public: all four S3 public-access blocks are always on, since "
            "team data must not leak; share through a presigned URL or a data product")
    return value


def always_encrypted(value: bool) -> bool:
    if not value:
        raise ValueError("encryption at rest cannot be turned off: every bucket uses SSE-KMS "
                         "under the team key so access is auditable and revocable")
    return value


# --- compute ---------------------------------------------------------------------------------

def unique_types(value: list[str]) -> list[str]:
    if len(set(value)) != len(value):
        raise ValueError("instance types are listed more than once")
    return value


def optional_cron(value: str | None) -> str | None:
    return None if value is None else _check_cron(value)


def sections_agree(request: TeamRequest) -> TeamRequest:
    """Spark writes its event logs to one of the team's buckets, which must therefore exist."""
    if request.spark is not None:
        buckets = [b.name for b in request.storage.buckets] if request.storage else []
        if not buckets:
            raise ValueError("spark needs a bucket in storage.buckets for its event logs "
                             "(the history server reads them)")
        wanted = request.spark.event_log_bucket
        if wanted is not None and wanted not in buckets:
            raise ValueError(f"spark.event_log_bucket {shown(wanted)} is not one of "
                             f"storage.buckets ({', '.join(buckets)})")
    return request


# --- CI runners ------------------------------------------------------------------------------

def repository_names(value: list[str]) -> list[str]:
    for item in value:
        parts = item.split("/")
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"{shown(item)} is not of the form org/repository")
    return value


def repositories_in_org(runners: CiRunners) -> CiRunners:
    # Runner sets are registered per repository with the org's GitHub App.
    foreign = [r for r in runners.repositories
               if r.split("/")[0].lower() != runners.github_org.lower()]
    if foreign:
        raise ValueError(f"repositories {', '.join(foreign)} are not in github_org "
                         f"{runners.github_org!r}")
    return runners


def app_secret_is_the_teams(value: CiRunners | None, info: ValidationInfo) -> CiRunners | None:
    """The deployer copies the named secret into the team's cluster: a name outside the
    team's prefix would hand another team's credentials to this team."""
    if value is None or value.app_secret is None or "team" not in info.data \
            or "environment" not in info.data:
        return value
    prefix = f"teamstack/{info.data['team']}-{info.data['environment']}/"
    if not value.app_secret.startswith(prefix):  # an ARN never starts with it either
        raise ValueError(f"app_secret {value.app_secret!r} is not the team's: use a "
                         f"Secrets Manager name under {prefix}")
    return value


# --- toolchain -------------------------------------------------------------------------------

def python_version(value: Any) -> str:
    """Runs before type checks: an unquoted 3.10 arrives as the float 3.1."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("write the version in quotes, e.g. python: \"3.11\"; unquoted, YAML "
                         "reads it as a number and 3.10 becomes 3.1")
    if value not in PYTHON_VERSIONS:
        raise ValueError(f"Python {shown(value)} is not offered; choose one of "
                         f"{', '.join(PYTHON_VERSIONS)} (quote it: \"3.10\", not 3.10)")
    return value


def known_extras(value: list[str]) -> list[str]:
    for item in value:
        if item not in TOOLCHAIN_EXTRAS:
            raise ValueError(f"unknown extra {shown(item)}; expected one of: "
                             f"{', '.join(TOOLCHAIN_EXTRAS)}")
    return value


# --- platform --------------------------------------------------------------------------------

def private_vpc_range(value: str) -> str:
    _check_cidr(value)
    network = ipaddress.ip_network(value)
    if network.version != 4 or not network.is_private or not 16 <= network.prefixlen <= 20:
        raise ValueError(f"{shown(value)} must be a private IPv4 range of /16 to /20")
    return value


def cidr_list(value: list[str]) -> list[str]:
    for item in value:
        _check_cidr(item)
    return value


def provider_is_named(identity: Identity) -> Identity:
    if identity.provider == "saml" and not identity.saml_provider_name:
        raise ValueError("provider saml needs saml_provider_name: the team roles trust "
                         "exactly that provider, never any SAML provider of the account")
    if identity.provider == "oidc" and not (identity.oidc_issuer_url and identity.oidc_client_id):
        raise ValueError("provider oidc needs oidc_issuer_url and oidc_client_id: the team "
                         "roles trust only tokens of that issuer for that audience")
    return identity


def endpoint_has_allow_list(request: PlatformRequest) -> PlatformRequest:
    if request.cluster.public_endpoint and not request.access_cidrs:
        raise ValueError("cluster.public_endpoint needs access_cidrs: without an allow-list "
                         "EKS opens the public endpoint to the whole internet")
    return request
