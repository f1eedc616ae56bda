"""Spot interruption rates per instance type, from the dated Spot Advisor table in the catalog.

The table (``infra/cost/data/spot_interruptions.json``) gives each type the Spot Advisor's
"frequency of interruption" band: the share of instances of that type interrupted in a month.
A band is read as its midpoint ``p`` (">20%" as 25%), turned into a constant hourly hazard
``-ln(1 - p) / 730`` so that a node alive for a month is interrupted with probability ``p``.
Types the table lacks take their family's band, else the worst band: a missing figure never
makes spot look safer than the table does.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from infra.cost.prices import HOURS_PER_MONTH

SPOT_TABLE = Path(__file__).resolve().parent.parent / "cost" / "data" / \
    "spot_interruptions.json"


@dataclass(frozen=True)
class SpotTable:
    """Bands per type, their probabilities, and the assumed spot-unavailability per launch."""

    taken_on: str
    source: str
    region: str
    bands: dict[str, float]
    instances: dict[str, str]
    family_default: dict[str, str]
    default_band: str
    unavailable_probability: float

    def band(self, instance_type: str) -> str:
        found = self.instances.get(instance_type)
        if found is None:
            found = self.family_default.get(instance_type.split(".", 1)[0], self.default_band)
        return found

    def hourly_rate(self, instance_type: str) -> float:
        """Interruptions per node-hour for ``instance_type``."""
        p = self.bands[self.band(instance_type)]
        return -math.log1p(-p) / HOURS_PER_MONTH

    def assumption(self) -> str:
        return (f"spot interruptions: AWS Spot Advisor bands ({self.region} bands used for "
                f"every region, as of {self.taken_on}; band midpoint per node-month; entered "
                f"by hand, not fetched live: see the table's source); a spot launch finds no "
                f"capacity with probability {self.unavailable_probability:g} (assumed)")


@lru_cache(maxsize=1)
def load_spot_table(path: Path = SPOT_TABLE) -> SpotTable:
    data = json.loads(path.read_text(encoding="utf-8"))
    return SpotTable(
        taken_on=str(data["taken_on"]), source=str(data["source"]), region=str(data["region"]),
        bands={k: float(v["monthly_probability"]) for k, v in data["bands"].items()},
        instances=dict(data["instances"]), family_default=dict(data["family_default"]),
        default_band=str(data["default_band"]),
        unavailable_probability=float(data["spot_unavailable_probability"]))
