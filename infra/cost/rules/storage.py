"""Storage pricing: the shared EFS home (S3 is billed by use and only listed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infra.cost.rules.values import num
from infra.graph import Resource

if TYPE_CHECKING:
    from infra.cost.rules.estimator import Estimator, Handler


def file_system(est: Estimator, r: Resource) -> None:
    """EFS is billed by stored GB; the request's ``storage.shared_home_gib`` is the estimate."""
    size = num(getattr(getattr(est.request, "storage", None), "shared_home_gib", None))
    if size is None:
        est.note_usage(r, "EFS is billed by stored GB; set storage.shared_home_gib to estimate "
                          "it")
        return
    monthly = size * est.catalog.storage_gb_month("efs-standard", est.region)
    est.add(r, monthly, monthly, monthly,
            f"{size:g} GB EFS Standard (storage.shared_home_gib; IA tiering not counted)")


HANDLERS: dict[str, Handler] = {"aws:efs/fileSystem:FileSystem": file_system}
