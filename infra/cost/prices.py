"""The price catalog: a dated snapshot of the AWS prices that teamstack's estimates use.

Interface::

    from infra.cost.prices import load_catalog, PriceCatalog, MissingPrice
    catalog = load_catalog()                     # the snapshot shipped in infra/cost/data
    catalog.taken_on                             # datetime.date of the snapshot
    catalog.instance_hourly("g5.xlarge", "eu-west-1", capacity="spot")
    catalog.instance("g5.12xlarge").gpus         # 4
    catalog.emr_hourly("m6i.xlarge", "us-east-1")   # EMR's per-instance fee on top of EC2
    catalog.storage_gb_month("ebs-gp3", "us-east-1")
    catalog.hourly("nat-gateway", "eu-central-1")

Prices are USD. A price that is not in the catalog raises ``MissingPrice`` (a ``LookupError``
whose message names the item, the region and the snapshot date) and is never taken as 0: an
estimate that silently drops a NAT gateway is worse than no estimate. ``teamstack prices
refresh`` rebuilds the snapshot from the AWS Price List API (see ``refresh.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

DEFAULT_PATH = Path(__file__).parent / "data" / "prices.json"
HOURS_PER_MONTH = 730.0  # AWS's own convention for monthly estimates (8760 / 12)
STORAGE_KINDS: tuple[str, ...] = ("ebs-gp3", "ebs-gp2", "s3-standard", "s3-standard-ia",
                                  "s3-glacier-flexible", "efs-standard",
                                  "efs-infrequent-access")
HOURLY_KINDS: tuple[str, ...] = ("nat-gateway", "eks-cluster", "alb", "nlb",
                                 "vpc-interface-endpoint", "public-ipv4")
Capacity = Literal["on-demand", "spot"]


class MissingPrice(LookupError):
    """The catalog has no price for what was asked: estimate refused rather than zeroed."""

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


class CatalogError(ValueError):
    """The catalog file itself is malformed."""


@dataclass(frozen=True)
class InstanceInfo:
    """Shape of an instance type (the same in every region)."""

    instance_type: str
    gpus: int
    vcpus: int
    memory_gib: float
    gpu_model: str | None = None


class PriceCatalog:
    """Read-only view of one snapshot."""

    def __init__(self, data: dict[str, Any], source: str = "<memory>") -> None:
        try:
            self.taken_on = date.fromisoformat(str(data["taken_on"]))
            self.currency = str(data.get("currency", "USD"))
            self.source = str(data.get("source", ""))
            self._instances = {
                name: InstanceInfo(name, int(v["gpus"]), int(v["vcpus"]),
                                   float(v["memory_gib"]), v.get("gpu_model"))
                for name, v in data["instances"].items()
            }
            self._regions: dict[str, dict[str, Any]] = data["regions"]
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(f"{source}: not a price catalog ({exc!r})") from None
        self._where = source

    @property
    def regions(self) -> list[str]:
        return sorted(self._regions)

    def instance_types(self, family: str | None = None) -> list[str]:
        names = sorted(self._instances)
        return [n for n in names if family is None or n.split(".", 1)[0] == family]

    def _missing(self, what: str, region: str) -> MissingPrice:
        return MissingPrice(f"no price for {what} in {region} in the price catalog taken on "
                            f"{self.taken_on.isoformat()}; run `teamstack prices refresh` or "
                            "pick a priced type/region")

    def _region(self, region: str) -> dict[str, Any]:
        found = self._regions.get(region)
        if found is None:
            raise MissingPrice(f"region {region} is not in the price catalog taken on "
                               f"{self.taken_on.isoformat()} (it has: {', '.join(self.regions)})")
        return found

    def instance(self, instance_type: str) -> InstanceInfo:
        info = self._instances.get(instance_type)
        if info is None:
            raise MissingPrice(f"instance type {instance_type} is not in the price catalog "
                               f"taken on {self.taken_on.isoformat()}")
        return info

    def instance_hourly(self, instance_type: str, region: str,
                        capacity: Capacity = "on-demand") -> float:
        if capacity not in ("on-demand", "spot"):
            raise ValueError(f"capacity must be 'on-demand' or 'spot', not {capacity!r}")
        entry = self._region(region)["instances"].get(instance_type)
        key = "on_demand" if capacity == "on-demand" else "spot"
        if entry is None or entry.get(key) is None:
            raise self._missing(f"{capacity} {instance_type}", region)
        return float(entry[key])

    def emr_hourly(self, instance_type: str, region: str) -> float:
        """EMR's per-instance-hour fee (charged on top of the EC2 price)."""
        entry = self._region(region)["instances"].get(instance_type)
        if entry is None or entry.get("emr") is None:
            raise self._missing(f"the EMR fee of {instance_type}", region)
        return float(entry["emr"])

    def storage_gb_month(self, kind: str, region: str) -> float:
        value = self._region(region).get("storage_gb_month", {}).get(kind)
        if value is None:
            raise self._missing(f"storage {kind!r} (known: {', '.join(STORAGE_KINDS)})", region)
        return float(value)

    def hourly(self, kind: str, region: str) -> float:
        value = self._region(region).get("hourly", {}).get(kind)
        if value is None:
            raise self._missing(f"{kind!r} per hour (known: {', '.join(HOURLY_KINDS)})", region)
        return float(value)

    def cheapest(self, instance_types: list[str] | tuple[str, ...], region: str,
                 capacity: Capacity = "on-demand") -> str:
        """The instance type with the lowest hourly price per GPU (or per vCPU if no GPU)."""
        def rate(name: str) -> float:
            info = self.instance(name)
            return self.instance_hourly(name, region, capacity) / max(info.gpus, 1)
        return min(instance_types, key=rate)


def load_catalog(path: str | Path | None = None) -> PriceCatalog:
    """The catalog at ``path`` (default: the snapshot shipped with teamstack)."""
    if path is None:
        return _default_catalog()
    return _read(Path(path))


@lru_cache(maxsize=1)
def _default_catalog() -> PriceCatalog:
    return _read(DEFAULT_PATH)


def _read(path: Path) -> PriceCatalog:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such price catalog") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    return PriceCatalog(data, source=str(path))
