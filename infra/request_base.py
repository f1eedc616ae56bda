"""Building blocks shared by the team and platform requests: the strict base model and the
field checks whose messages a user reads (profile names, cron, CIDR ranges, GPU types).

They live apart from the two request models so that each model module holds one request and
reads top to bottom as the reference a user sees.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from croniter import croniter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from infra.problems import shown
from infra.profiles import PROFILE_NAMES

Environment = Literal["dev", "staging", "prod"]
TEAM_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
GPU_FAMILIES = ("g4dn", "g5", "g6", "g6e", "gr6", "p3", "p4d", "p4de", "p5", "p5e", "p5en")

TeamName = Annotated[
    str,
    Field(pattern=TEAM_PATTERN, min_length=2, max_length=20,
          description="Lowercase team name (letters, digits, single hyphens); unique per "
                      "environment. Every physical name derives from it: a new name is a new "
                      "environment with new, empty buckets, not a rename."),
]


class Model(BaseModel):
    """Strict base: unknown fields are errors, so a misspelt key never passes silently."""


    # strict: YAML already gives typed values, so `max_gpus: true` or `versioning: "yes"` is a
    # mistake to report, not something to coerce; no NaN or infinity in any number.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def _check_profile(value: str) -> str:
    if value not in PROFILE_NAMES:
        raise ValueError(f"unknown profile {shown(value)}; expected one of: "
                         f"{', '.join(PROFILE_NAMES)}")
    return value


def _check_cron(value: str) -> str:
    if not croniter.is_valid(value) or len(value.split()) != 5:
        raise ValueError(
            f"{shown(value)} is not a 5-field cron expression (minute hour day month weekday), "
            "e.g. '0 2 * * *' for 02:00 every day"
        )
    return value


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{shown(value)} is not a CIDR range: {exc}") from None
    if network.prefixlen == 0:
        raise ValueError(
            f"{shown(value)} opens access to the whole internet; teamstack only allows named "
            "ranges (office, VPN) so remote displays and cluster endpoints stay private"
        )
    return value


def _check_gpu_type(item: str) -> str:
    family, dot, size = item.partition(".")
    if not dot or not size or "." in size or family not in GPU_FAMILIES:
        raise ValueError(f"{shown(item)} is not a GPU instance type; expected a family of "
                         f"{', '.join(GPU_FAMILIES)} (e.g. g5.xlarge)")
    return item


GpuInstanceType = Annotated[str, AfterValidator(_check_gpu_type)]

Profile = Annotated[str, Field(description="Workload profile name (see `teamstack profiles`).")]

