"""Read a stack's checkpoint from a self-managed Pulumi backend (``s3://`` or ``file://``).

The layout is the DIY backend's: ``.pulumi/stacks/<project>/<stack>.json`` (project-scoped,
the default since Pulumi 3.61) or the legacy ``.pulumi/stacks/<stack>.json``, either maybe
gzipped (``.json.gz``); locks live under ``.pulumi/locks/``. This module only lists and gets
objects: it takes no lock and writes nothing, so it is safe beside a running ``pulumi up``.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import UserError


class StateUnavailable(Exception):
    """This stack's state cannot be read: the stack is reported and the others go on."""

    def __init__(self, reason: str, *, skipped: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.skipped = skipped


class Store(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def list(self, prefix: str) -> list[str]: ...


@dataclass
class FileStore:
    root: Path

    def get(self, key: str) -> bytes | None:
        path = self.root / key
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateUnavailable(f"{path}: {exc.strerror}") from exc

    def list(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())


@dataclass
class S3Store:
    client: Any
    bucket: str
    prefix: str

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> bytes | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            return bytes(body.read())
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                return None
            raise StateUnavailable(f"s3://{self.bucket}/{self._key(key)}: {code}: "
                                   f"{exc.response.get('Error', {}).get('Message', '')}") from exc
        except BotoCoreError as exc:
            raise StateUnavailable(f"s3://{self.bucket}/{self._key(key)}: {exc}") from exc

    def list(self, prefix: str) -> list[str]:
        keys: list[str] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key(prefix))
            for page in pages:
                keys.extend(o["Key"] for o in page.get("Contents", []))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise StateUnavailable(f"s3://{self.bucket}/{self._key(prefix)}: {code}") from exc
        strip = len(self.prefix) + 1 if self.prefix else 0
        return sorted(k[strip:] for k in keys)


@dataclass(frozen=True)
class BackendUrl:
    scheme: str  # "s3" or "file"
    location: str  # bucket or directory
    prefix: str = ""
    region: str | None = None

    @classmethod
    def parse(cls, url: str) -> BackendUrl:
        parsed = urlparse(url)
        if parsed.scheme == "file":
            path = (parsed.netloc + parsed.path) if parsed.netloc not in ("", "localhost") \
                else parsed.path
            if path.startswith("~"):
                path = str(Path(path).expanduser())
            return cls("file", path)
        if parsed.scheme == "s3" and parsed.netloc:
            region = parse_qs(parsed.query).get("region", [None])[0]
            return cls("s3", parsed.netloc, parsed.path.strip("/"), region)
        raise UserError(f"--backend {url}: expected s3://BUCKET[/PREFIX] or file://DIR")

    def store(self, session: Any, config: Any) -> Store:
        if self.scheme == "file":
            return FileStore(Path(self.location))
        client = session.client("s3", region_name=self.region, config=config)
        return S3Store(client, self.location, self.prefix)


def list_locks(store: Store) -> list[str]:
    """Every lock of the backend, in one listing (shared by all stacks of a run)."""
    return [k for k in store.list(".pulumi/locks/") if k.endswith(".json")]


def read_checkpoint(store: Store, project: str, stack: str,
                    locks: list[str] | None = None) -> dict[str, Any]:
    """The checkpoint document of ``stack``; StateUnavailable when it cannot be trusted.

    ``locks`` is the backend's lock listing when the caller has it (``list_locks``)."""
    if locks is None:
        locks = list_locks(store)
    for lock_dir in (f".pulumi/locks/{project}/{stack}/", f".pulumi/locks/{stack}/"):
        held = [k for k in locks if k.startswith(lock_dir)]
        if held:
            raise StateUnavailable(f"locked by a running update ({held[0]})", skipped=True)
    candidates = (f".pulumi/stacks/{project}/{stack}.json",
                  f".pulumi/stacks/{project}/{stack}.json.gz",
                  f".pulumi/stacks/{stack}.json", f".pulumi/stacks/{stack}.json.gz")
    for key in candidates:
        raw = store.get(key)
        if raw is None:
            continue
        try:
            if key.endswith(".gz"):
                raw = gzip.decompress(raw)
            document = json.loads(raw)
        except (OSError, EOFError, ValueError) as exc:
            raise StateUnavailable(f"{key}: not a readable checkpoint ({exc})") from exc
        if not isinstance(document, dict):
            raise StateUnavailable(f"{key}: not a checkpoint (a JSON object expected)")
        return document
    raise StateUnavailable(f"no state for stack {stack} in the backend (not deployed yet?)")
