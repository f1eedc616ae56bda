"""Reading checkpoints from a file:// backend: layouts, versions, locks, pending operations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from infra.drift.backend import BackendUrl, FileStore, StateUnavailable, read_checkpoint
from infra.drift.state import parse_checkpoint
from infra.errors import UserError

RESOURCE = {"urn": "urn:pulumi:nlp-prod::teamstack::aws:s3/bucket:Bucket::data", "custom": True,
            "type": "aws:s3/bucket:Bucket", "id": "nlp-prod-data",
            "inputs": {"bucket": "nlp-prod-data"}, "outputs": {"arn": "arn:aws:s3:::nlp-prod-data"},
            "ignoreChanges": ["tags"]}


def doc(version: int = 3, **latest: object) -> dict[str, object]:
    body: dict[str, object] = {"version": version, "checkpoint": {
        "stack": "organization/teamstack/nlp-prod",
        "latest": {"manifest": {}, "resources": [RESOURCE], **latest}}}
    if version == 4:
        body["features"] = []
    return body


def put(root: Path, key: str, data: bytes) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.mark.parametrize("key,gz", [
    (".pulumi/stacks/teamstack/nlp-prod.json", False),
    (".pulumi/stacks/teamstack/nlp-prod.json.gz", True),
    (".pulumi/stacks/nlp-prod.json", False),  # legacy, not project-scoped
])
@pytest.mark.parametrize("version", [3, 4])
def test_layouts_and_versions(tmp_path: Path, key: str, gz: bool, version: int) -> None:
    raw = json.dumps(doc(version)).encode()
    put(tmp_path, key, gzip.compress(raw) if gz else raw)
    store = BackendUrl.parse(f"file://{tmp_path}").store(None, None)
    (res,) = parse_checkpoint(read_checkpoint(store, "teamstack", "nlp-prod"), "nlp-prod")
    assert (res.id, res.type, res.ignore_changes, res.arn) == (
        "nlp-prod-data", "aws:s3/bucket:Bucket", ("tags",), "arn:aws:s3:::nlp-prod-data")


def test_a_lock_skips_the_stack_without_reading(tmp_path: Path) -> None:
    put(tmp_path, ".pulumi/stacks/teamstack/nlp-prod.json", json.dumps(doc()).encode())
    put(tmp_path, ".pulumi/locks/teamstack/nlp-prod/3f1c.json", b"{}")
    with pytest.raises(StateUnavailable) as caught:
        read_checkpoint(FileStore(tmp_path), "teamstack", "nlp-prod")
    assert caught.value.skipped and "locked" in caught.value.reason


def test_pending_operations_skip_the_stack() -> None:
    with pytest.raises(StateUnavailable) as caught:
        parse_checkpoint(doc(pending_operations=[{"resource": RESOURCE, "type": "updating"}]),
                         "nlp-prod")
    assert caught.value.skipped and "updating" in caught.value.reason


@pytest.mark.parametrize("data,message", [
    (b"{not json", "not a readable checkpoint"),
    (b"[]", "not a checkpoint"),
])
def test_corrupt_state_is_an_error(tmp_path: Path, data: bytes, message: str) -> None:
    put(tmp_path, ".pulumi/stacks/teamstack/nlp-prod.json", data)
    with pytest.raises(StateUnavailable) as caught:
        read_checkpoint(FileStore(tmp_path), "teamstack", "nlp-prod")
    assert message in caught.value.reason and not caught.value.skipped


def test_unsupported_version_and_missing_state(tmp_path: Path) -> None:
    with pytest.raises(StateUnavailable, match="version 2"):
        parse_checkpoint(doc(version=2), "nlp-prod")
    with pytest.raises(StateUnavailable, match="no state for stack"):
        read_checkpoint(FileStore(tmp_path), "teamstack", "nlp-prod")


def test_deleted_resources_are_not_read() -> None:
    gone = {**RESOURCE, "urn": RESOURCE["urn"] + "-old", "delete": True}
    assert len(parse_checkpoint(doc(resources=[RESOURCE, gone]), "x")) == 1


@pytest.mark.parametrize("url,parsed", [
    ("s3://acme-state", ("s3", "acme-state", "", None)),
    ("s3://acme-state/teams/nlp?region=eu-west-1", ("s3", "acme-state", "teams/nlp", "eu-west-1")),
    ("file:///srv/state", ("file", "/srv/state", "", None)),
])
def test_backend_urls(url: str, parsed: tuple[object, ...]) -> None:
    b = BackendUrl.parse(url)
    assert (b.scheme, b.location, b.prefix, b.region) == parsed


def test_a_bad_backend_url_is_a_user_error() -> None:
    with pytest.raises(UserError, match="expected s3://BUCKET"):
        BackendUrl.parse("https://app.pulumi.com")
