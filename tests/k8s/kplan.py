"""Helpers for the Kubernetes tests: variants of the example stacks planned on the fly, the
options the engine receives (``ignore_changes``), manifests of a graph, lookups."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from infra.graph import Resource, ResourceGraph
from infra.plan import runner
from infra.plan.orchestrate import load_all, plan_loaded
from infra.plan.recorder import RecordingMonitor
from tests.component.find import Found

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"


def of(graph: ResourceGraph, type_token: str) -> dict[str, Resource]:
    return Found({r.name: r for r in graph.of_type(type_token)}, f"{type_token} in {graph.stack}")


def by_object_name(graph: ResourceGraph, type_token: str) -> dict[str, dict[str, Any]]:
    """Kubernetes objects of a type by ``metadata.name`` (a missing one fails naming the rest)."""
    return Found({r.inputs["metadata"]["name"]: r.inputs for r in graph.of_type(type_token)},
                 f"{type_token} in {graph.stack}")


def edited_request(stack: str, edit: Callable[[dict[str, Any]], None]) -> str:
    yaml = YAML()
    document = yaml.load((STACKS / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config = document["config"]
    key = "teamstack:request" if "teamstack:request" in config else "teamstack:platform"
    edit(config[key])
    out = StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def plan_variant(directory: Path, stack: str,
                 edit: Callable[[dict[str, Any]], None]) -> dict[str, ResourceGraph]:
    """Plan the example platform and an edited copy of one example team stack."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(STACKS / "Pulumi.platform-prod.yaml", directory)
    path = directory / f"Pulumi.{stack}.yaml"
    path.write_text(edited_request(stack, edit), encoding="utf-8")
    paths = [directory / "Pulumi.platform-prod.yaml", path]
    return plan_loaded(load_all(paths, directory), jobs=1).by_stack()


class OptionsMonitor(RecordingMonitor):
    """The recording monitor, also keeping each resource's ``ignoreChanges``."""

    ignore_changes: dict[str, list[str]] = {}

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        response = super().RegisterResource(request)
        OptionsMonitor.ignore_changes[response.urn] = list(request.ignoreChanges)
        return response


@contextmanager
def recording_options() -> Iterator[dict[str, list[str]]]:
    """Within the block, plans also record ``ignore_changes`` by URN (yielded dict)."""
    saved = runner.RecordingMonitor
    OptionsMonitor.ignore_changes = {}
    runner.RecordingMonitor = OptionsMonitor  # type: ignore[misc]
    try:
        yield OptionsMonitor.ignore_changes
    finally:
        runner.RecordingMonitor = saved  # type: ignore[misc]


def plan_examples() -> dict[str, ResourceGraph]:
    paths = sorted(STACKS.glob("Pulumi.*.yaml"))
    return plan_loaded(load_all(paths, STACKS), jobs=1).by_stack()


def configmap_json(inputs: dict[str, Any], key: str) -> Any:
    return json.loads(inputs["data"][key])
