"""The promise (README "The stack request"): `teamstack schema` prints a JSON Schema an editor
can use to check a stack file while it is typed, and it agrees with validation.

Checked with the `jsonschema` library: the schema is valid Draft 2020-12, every example stack
file passes it, and the mistakes an editor should underline (a misspelt field at any level, a
bad region, no config at all) fail it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from ruamel.yaml import YAML

from infra.request import PLATFORM_KEY, REQUEST_KEY, default_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def _validator() -> Draft202012Validator:
    schema = default_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_schema_is_draft_2020_12() -> None:
    schema = default_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["config"]
    assert set(schema["$defs"]) >= {"TeamRequest", "PlatformRequest", "Bucket", "Network"}
    assert list(schema["$defs"]) == sorted(schema["$defs"]), "stable output for diffs"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_stack_passes_the_schema(path: Path) -> None:
    errors = [e.message for e in _validator().iter_errors(_load(path))]
    assert errors == []


def _team() -> dict[str, Any]:
    return _load(ROOT / "stacks" / "Pulumi.vision-prod.yaml")


def _platform() -> dict[str, Any]:
    return _load(ROOT / "stacks" / "Pulumi.platform-prod.yaml")


def _edited(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(document)
    holder = data
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return data


BAD: list[tuple[str, Any]] = [
    ("no config", {"encryptionsalt": "x"}),
    ("a list", ["config"]),
    ("region a number", _edited(_team(), ("config", "aws:region"), 5)),
    ("config not a mapping", {"config": ["a"]}),
    ("region in capitals", _edited(_team(), ("config", "aws:region"), "EU-West-1")),
    ("region without a number", _edited(_team(), ("config", "aws:region"), "eu-west")),
    ("misspelt team field", _edited(_team(), ("config", REQUEST_KEY, "cost_centre"), "CC-1")),
    ("misspelt nested field", _edited(_team(), ("config", REQUEST_KEY, "gpu", "max_gpu"), 4)),
    ("team field of the wrong type",
     _edited(_team(), ("config", REQUEST_KEY, "gpu", "max_gpus"), "lots")),
    ("misspelt platform field", _edited(_platform(), ("config", PLATFORM_KEY, "netwrk"), {})),
    ("platform field of the wrong type",
     _edited(_platform(), ("config", PLATFORM_KEY, "network", "availability_zones"), "three")),
]


@pytest.mark.parametrize(("name", "document"), BAD, ids=[row[0] for row in BAD])
def test_schema_underlines_what_validation_refuses(name: str, document: Any) -> None:
    assert not _validator().is_valid(document), name


def test_provider_settings_beside_the_request_are_allowed() -> None:
    document = _edited(_team(), ("config", "aws:profile"), "research")
    assert _validator().is_valid(document)
