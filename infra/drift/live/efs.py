"""EFS: file systems and access points in one paginated call each; per file system, its mount
targets, backup policy and file-system policy (EFS has no batch form for those)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    Unknown,
    all_items,
    code_of,
    error_text,
    guarded,
    reader,
    tags_of,
)
from infra.drift.model import StateResource

FS = "aws:efs/fileSystem:FileSystem"
AP = "aws:efs/accessPoint:AccessPoint"
MT = "aws:efs/mountTarget:MountTarget"
BACKUP = "aws:efs/backupPolicy:BackupPolicy"
POLICY = "aws:efs/fileSystemPolicy:FileSystemPolicy"


@reader(FS, AP, MT, BACKUP, POLICY)
@guarded
def file_systems(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("efs")
    systems = {f["FileSystemId"]: f
               for f in all_items(client, "describe_file_systems", "FileSystems")}
    points: dict[str, dict[str, Any]] = {}
    if any(r.type == AP for r in resources):
        points = {a["AccessPointId"]: a
                  for a in all_items(client, "describe_access_points", "AccessPoints")}
    targets: dict[str, dict[str, Any]] = {}
    for fs_id in sorted({str(r.inputs.get("fileSystemId")) for r in resources if r.type == MT}):
        if fs_id in systems:
            for target in all_items(client, "describe_mount_targets", "MountTargets",
                                    FileSystemId=fs_id):
                targets[target["MountTargetId"]] = target
    result: dict[str, Result] = {}
    for r in resources:
        seen = Compared()
        fs_id = r.id if r.type == FS else str(r.inputs.get("fileSystemId"))
        if r.type != AP and fs_id not in systems:
            result[r.urn] = MISSING
            continue
        if r.type == FS:
            live = systems[fs_id]
            for key, aws in (("encrypted", "Encrypted"), ("kmsKeyId", "KmsKeyId"),
                             ("performanceMode", "PerformanceMode"),
                             ("throughputMode", "ThroughputMode")):
                seen.add(r, key, live.get(aws))
            seen.add(r, "tags", tags_of(live.get("Tags")))
        elif r.type == AP:
            point = points.get(r.id)
            if point is None:
                result[r.urn] = MISSING
                continue
            posix = point.get("PosixUser") or {}
            seen.add(r, "fileSystemId", point.get("FileSystemId"))
            seen.add(r, "posixUser.uid", posix.get("Uid"))
            seen.add(r, "posixUser.gid", posix.get("Gid"))
            seen.add(r, "rootDirectory.path", (point.get("RootDirectory") or {}).get("Path"))
        elif r.type == MT:
            mount = targets.get(r.id)
            if mount is None:
                result[r.urn] = MISSING
                continue
            seen.add(r, "subnetId", mount.get("SubnetId"))
        else:
            try:
                if r.type == BACKUP:
                    answer = client.describe_backup_policy(FileSystemId=fs_id)
                    seen.add(r, "backupPolicy.status", answer["BackupPolicy"]["Status"])
                else:
                    answer = client.describe_file_system_policy(FileSystemId=fs_id)
                    seen.add(r, "policy", answer.get("Policy"))
            except ClientError as exc:
                absent = code_of(exc) in ("PolicyNotFound", "FileSystemNotFound")
                result[r.urn] = MISSING if absent else Unknown(error_text(exc))
                continue
        result[r.urn] = seen
    return result
