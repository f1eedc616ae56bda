"""The stack request: what a team (or the platform) asks for, in one stack file.

A stack file is an ordinary Pulumi stack config file. Team stacks hold ``teamstack:request``,
platform stacks ``teamstack:platform``. The models here are the single source for validation,
the JSON Schema (``teamstack schema``) and the generated reference (docs/request-reference.md),
so a field's description is written once, where the field is.

Security defaults cannot be weakened from a request: a public bucket, unencrypted storage or an
ingress range of the whole internet is refused at validation with the reason, because those
choices need a design review, not a one-line pull request.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from infra import request_rules as rules
from infra.catalog import DESKTOP_SIZES, ENVIRONMENTS, PYTHON_VERSIONS, TOOLCHAIN_EXTRAS
from infra.request_base import (
    GPU_FAMILIES,
    TEAM_PATTERN,
    Environment,
    GpuInstanceType,
    Model,
    Profile,
    TeamName,
    _check_cidr,
    _check_profile,
)
from infra.request_platform import (
    Charts,
    Cluster,
    ClusterAddons,
    Identity,
    Network,
    PlatformRequest,
)

__all__ = [  # the models live in three modules; callers import them from here
    "ALL_ENVIRONMENTS", "GPU_FAMILIES", "PLATFORM_KEY", "REQUEST_KEY", "TEAM_PATTERN",
    "Bucket", "Budget", "Charts", "CiRunners", "Cluster", "ClusterAddons", "Desktops",
    "Environment", "Gpu", "GpuInstanceType", "Identity", "Member", "Model", "Network",
    "Notebooks", "PlatformRequest", "Profile", "Quota", "Spark", "Storage", "TeamName",
    "TeamRequest", "Toolchain", "_check_cidr", "default_schema", "model_for_key",
]

# ---------------------------------------------------------------------------------------------
# Team request
# ---------------------------------------------------------------------------------------------




class Budget(Model):
    monthly_usd: float = Field(gt=0, le=10_000_000, description="Monthly budget in US dollars.")
    alert_at_percent: list[Annotated[int, Field(ge=1, le=500)]] = Field(
        default_factory=lambda: [50, 80, 100], min_length=1,
        description="Alert when actual or forecast spend crosses these percentages.")
    notify: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = Field(
        default_factory=list,
        description="E-mail addresses for budget alerts; defaults to the members' addresses.")

    _thresholds_fit = field_validator("alert_at_percent")(rules.thresholds_fit)

    _recipients_fit = field_validator("notify")(rules.recipients_fit)


class Member(Model):
    name: str = Field(pattern=r"^[a-z_][a-z0-9_-]{0,31}$",
                      description="POSIX user name on desktops and in the shared home. "
                                  "Renaming replaces the member's desktop and home volume.")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Work e-mail address.")
    desktop: str | None = Field(
        default=None,
        description=f"Desktop size, one of: {', '.join(DESKTOP_SIZES)}. Omit for no desktop. "
                    "A new size restarts the desktop on the new instance type (its home volume "
                    "can grow, never shrink).")
    uid: int | None = Field(default=None, ge=2000, le=60000,
                            description="POSIX uid; default 10001 + the member's position in "
                                        "members. Set it before reordering members; changing "
                                        "it replaces the member's home access point.")
    shell: Literal["bash", "zsh"] = Field(default="bash", description="Login shell.")

    _desktop_in_catalog = field_validator("desktop")(rules.desktop_in_catalog)


class Desktops(Model):
    schedule: Literal["business-hours", "always-on", "on-demand"] = Field(
        default="business-hours",
        description="business-hours: started and stopped on working days; always-on; "
                    "on-demand: started by the user, stopped when idle.")
    timezone: str = Field(default="UTC", description="IANA time zone of the working hours.")
    profile: Profile = Field(default="interactive", description="Workload profile for idle stop.")

    _known_zone = field_validator("timezone")(rules.known_zone)

    _profile = field_validator("profile")(_check_profile)


class Bucket(Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$",
                      description="Purpose of the bucket; physical name <team>-<env>-<name>. "
                                  "Renaming replaces the bucket: objects are not moved, copy "
                                  "them first.")
    versioning: bool = Field(default=False, description="Keep object versions.")
    infrequent_access_after_days: int | None = Field(
        default=None, ge=30, description="Move objects to Standard-IA after this many days.")
    archive_after_days: int | None = Field(
        default=None, ge=1, description="Move objects to Glacier Flexible Retrieval after N days.")
    expire_after_days: int | None = Field(
        default=None, ge=1, description="Delete objects (and old versions) after N days.")
    public: bool = Field(default=False, description="Must stay false: buckets are never public.")
    encrypted: bool = Field(default=True, description="Must stay true: SSE-KMS under the team key.")

    _never_public = field_validator("public")(rules.never_public)

    _always_encrypted = field_validator("encrypted")(rules.always_encrypted)


class Storage(Model):
    buckets: list[Bucket] = Field(default_factory=list, description="S3 buckets for the team.")
    shared_home_gib: int | None = Field(
        default=None, ge=1, le=65536,
        description="Expected size of the shared EFS home (for cost); omit for no shared home. "
                    "Removing it from a deployed stack deletes the home and every file in it.")


class Gpu(Model):
    profile: Profile = Field(default="experiment", description="Workload profile of the GPU pool.")
    instance_types: list[GpuInstanceType] = Field(
        default_factory=lambda: ["g5.xlarge"], min_length=1,
        description="Allowed GPU instance types for the team's node pool.")
    max_gpus: int = Field(ge=1, le=2048, description="Most GPUs the team may run at once.")
    isolation: Literal["shared", "dedicated"] = Field(
        default="shared",
        description="shared: a node pool on the platform cluster; dedicated: a cluster of its own.")

    _profile = field_validator("profile")(_check_profile)

    _unique_types = field_validator("instance_types")(rules.unique_types)


class Spark(Model):
    engine: Literal["operator", "emr"] = Field(
        default="operator", description="operator: Spark operator on the platform cluster; emr.")
    profile: Profile = Field(default="scheduled-retrain", description="Workload profile.")
    schedule: str | None = Field(default=None,
                                 description="Cron schedule (UTC) of the retraining job.")
    max_executors: int = Field(default=20, ge=1, le=2000,
                               description="Upper bound of dynamic allocation.")
    image: str = Field(
        default="apache/spark:3.5.3",
        pattern=r"^[a-z0-9./_-]+:[A-Za-z0-9._-]+(@sha256:[0-9a-f]{64})?$",
        description="Spark image (operator engine) with a pinned tag, optionally also by digest "
                    "(name:tag@sha256:...); its version is the SparkApplication's sparkVersion.")
    event_log_bucket: str | None = Field(
        default=None,
        description="Which of storage.buckets receives Spark event logs (read by the history "
                    "server); default the first bucket.")
    main_application_file: str | None = Field(
        default=None, pattern=r"^(s3a?|local)://\S+$",
        description="Entry point of the scheduled job; default "
                    "s3://<team>-<env>-<event log bucket>/jobs/retrain.py.")

    _profile = field_validator("profile")(_check_profile)

    _cron = field_validator("schedule")(rules.optional_cron)


class Quota(Model):
    cpu: int | None = Field(default=None, ge=1, le=10000,
                            description="CPU requested at most in the team's namespace; default "
                                        "sized from gpu, spark and ci_runners.")
    memory_gib: int | None = Field(default=None, ge=1, le=100000,
                                   description="Memory requested at most (GiB); default sized "
                                               "like cpu.")


class Notebooks(Model):
    profile: Profile = Field(default="interactive", description="Workload profile for culling.")
    gpu: bool = Field(default=False, description="Offer a GPU server option (needs `gpu`).")
    storage_gib: int = Field(default=20, ge=1, le=2000, description="Per-user notebook volume.")

    _profile = field_validator("profile")(_check_profile)


class CiRunners(Model):
    github_org: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$",
                            description="GitHub organisation that owns the repositories.")
    repositories: list[str] = Field(
        min_length=1,
        description="Repositories (org/name, in github_org) whose workflows use these runners; "
                    "each gets runner sets registered for it alone (runs-on: <team>-cpu with one "
                    "repository, <team>-<repo>-cpu with several).")
    profile: Profile = Field(default="experiment", description="Workload profile.")
    max_runners: int = Field(default=10, ge=1, le=500, description="Most runners at once.")
    gpu: bool = Field(default=False, description="Also offer GPU runners on the team's GPU pool.")
    app_secret: str | None = Field(
        default=None,
        description="Secrets Manager name holding the GitHub App credentials, under "
                    "teamstack/<team>-<env>/ (default teamstack/<team>-<env>/github-app). Never "
                    "put the credentials here.")

    _profile = field_validator("profile")(_check_profile)

    _repo_names = field_validator("repositories")(rules.repository_names)

    _repositories_in_org = model_validator(mode="after")(rules.repositories_in_org)


class Toolchain(Model):
    python: str = Field(default="3.11",
                        description=f"Python version, one of {', '.join(PYTHON_VERSIONS)}.")
    r: bool = Field(default=False, description="Install R and the team's R packages.")
    extras: list[str] = Field(default_factory=list,
                              description=f"Extras, from: {', '.join(TOOLCHAIN_EXTRAS)}.")

    _python = field_validator("python", mode="before")(rules.python_version)

    _extras = field_validator("extras")(rules.known_extras)


class TeamRequest(Model):
    """``teamstack:request``: one team's environment in one environment (dev, staging, prod)."""

    team: TeamName
    environment: Environment = Field(description="dev, staging or prod.")
    platform: str | None = Field(
        default=None, pattern=r"^platform-[a-z0-9-]+$",
        description="Platform stack this team runs on; default platform-<environment>.")
    owners: list[Annotated[str, Field(pattern=r"^@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?$")]] = Field(
        min_length=1, description="GitHub users or teams (@org/team) who approve changes.")
    cost_center: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$",
                             description="Cost center, set as the cost-allocation tag.")
    budget: Budget = Field(description="Monthly budget and alert thresholds.")
    members: list[Member] = Field(
        default_factory=list,
        description="People in the team. Append new members at the end: a member's default uid "
                    "and desktop zone come from their position, so reordering or removing "
                    "members changes uids (who owns which home files) and replaces desktops "
                    "that move zone.")
    desktops: Desktops | None = Field(default=None, description="Desktop schedule and profile.")
    storage: Storage | None = Field(default=None, description="Buckets and shared home.")
    gpu: Gpu | None = Field(default=None, description="GPU capacity.")
    spark: Spark | None = Field(default=None, description="Spark capacity.")
    notebooks: Notebooks | None = Field(default=None, description="JupyterHub profiles.")
    ci_runners: CiRunners | None = Field(default=None, description="GitHub Actions runners.")
    toolchain: Toolchain = Field(default_factory=Toolchain,
                                 description="Standard toolchain on the team's machines.")
    quota: Quota = Field(default_factory=Quota,
                         description="Kubernetes ResourceQuota of the team's namespace (GPUs "
                                     "always equal gpu.max_gpus).")

    _alerts_have_recipients = model_validator(mode="after")(rules.alerts_have_recipients)

    _sections_agree = model_validator(mode="after")(rules.sections_agree)

    _app_secret_is_the_teams = field_validator("ci_runners")(rules.app_secret_is_the_teams)

    @property
    def stack_name(self) -> str:
        return f"{self.team}-{self.environment}"

    @property
    def platform_stack(self) -> str:
        return self.platform or f"platform-{self.environment}"

    def member_uid(self, index: int) -> int:
        """A member's uid: explicit, else stable from position (append members, don't reorder)."""
        member = self.members[index]
        return member.uid if member.uid is not None else 10001 + index


REQUEST_KEY = "teamstack:request"
PLATFORM_KEY = "teamstack:platform"
ALL_ENVIRONMENTS = ENVIRONMENTS


def model_for_key(key: str) -> type[Model]:
    return {REQUEST_KEY: TeamRequest, PLATFORM_KEY: PlatformRequest}[key]


def default_schema() -> dict[str, Any]:
    """JSON Schema of a whole stack file, for editors (yaml-language-server) and the docs."""
    team = TeamRequest.model_json_schema(ref_template="#/$defs/{model}")
    platform = PlatformRequest.model_json_schema(ref_template="#/$defs/{model}")
    defs = {**team.pop("$defs", {}), **platform.pop("$defs", {})}
    defs["TeamRequest"] = team
    defs["PlatformRequest"] = platform
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "teamstack stack file (Pulumi.<stack>.yaml)",
        "type": "object",
        "required": ["config"],
        "properties": {
            "config": {
                "type": "object",
                "description": "Pulumi stack config. Exactly one of teamstack:request or "
                               "teamstack:platform; provider settings such as aws:region beside.",
                "properties": {
                    REQUEST_KEY: {"$ref": "#/$defs/TeamRequest"},
                    PLATFORM_KEY: {"$ref": "#/$defs/PlatformRequest"},
                    "aws:region": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-\\d$"},
                },
                "additionalProperties": True,
            },
        },
        "$defs": dict(sorted(defs.items())),
    }
