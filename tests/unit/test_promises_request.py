"""The promise (README "The stack request"): every rule validation claims fires for *every*
field it applies to, and names that field.

Table-driven: one example request (stacks/Pulumi.vision-prod.yaml) with one field set to a
bad value per row; the request must be refused with an error located at exactly that field,
and the same request with a good value must pass. A rule dropped from one section (a profile
check on spark but not on notebooks, a cron check on one schedule) fails that row.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from infra.request import TeamRequest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE: dict[str, Any] = YAML(typ="safe").load(
    (ROOT / "stacks" / "Pulumi.vision-prod.yaml").read_text(encoding="utf-8"))[
        "config"]["teamstack:request"]
# Sections the example leaves out, filled in so that each row has its field.
EXAMPLE = {**EXAMPLE, "spark": {"engine": "operator", "profile": "scheduled-retrain",
                                "schedule": "0 2 * * *", "event_log_bucket": "datasets"}}

Path_ = tuple[str | int, ...]


def with_value(path: Path_, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(EXAMPLE)
    holder: Any = data
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return data


def error_paths(data: dict[str, Any]) -> list[tuple[str | int, ...]]:
    try:
        TeamRequest.model_validate(data)
    except ValidationError as exc:
        return [tuple(e["loc"]) for e in exc.errors()]
    return []


PROFILE_FIELDS: list[Path_] = [("gpu", "profile"), ("spark", "profile"),
                               ("notebooks", "profile"), ("ci_runners", "profile"),
                               ("desktops", "profile")]

# (field, bad value, good value)
ROWS: list[tuple[Path_, Any, Any]] = [
    *[(path, "experimnt", "experiment") for path in PROFILE_FIELDS],
    (("spark", "schedule"), "0 25 * * *", "30 1 * * 1-5"),
    (("spark", "schedule"), "every night", "0 2 * * *"),
    (("desktops", "timezone"), "Europe/Berlim", "America/New_York"),
    (("desktops", "schedule"), "weekends", "always-on"),
    (("members", 0, "desktop"), "gpu-huge", "cpu-medium"),
    (("members", 1, "email"), "bruno-at-example.com", "bruno@example.org"),
    (("members", 2, "name"), "Chen Li", "chen_li"),
    (("storage", "buckets", 0, "public"), True, False),
    (("storage", "buckets", 1, "encrypted"), False, True),
    (("storage", "buckets", 2, "name"), "Scratch_Space", "scratch-space"),
    (("gpu", "instance_types"), ["g5.xlarge", "m6i.large"], ["g5.xlarge", "g6.xlarge"]),
    (("gpu", "instance_types"), ["g5.xlarge", "g5.xlarge"], ["g5.xlarge"]),
    (("gpu", "max_gpus"), 0, 8),
    (("ci_runners", "repositories"), ["acme/vision-models", "vision-data"],
     ["acme/vision-data"]),
    (("ci_runners", "max_runners"), 0, 3),
    (("toolchain", "python"), 3.11, "3.12"),
    (("toolchain", "extras"), ["cuda", "tensorflw"], ["cuda"]),
    (("budget", "alert_at_percent"), [50, 50, 100], [50, 100]),
    (("notebooks", "storage_gib"), 0, 10),
]


@pytest.mark.parametrize(("path", "bad", "good"), ROWS,
                         ids=[f"{'.'.join(map(str, p))}={b!r}" for p, b, _ in ROWS])
def test_each_rule_fires_for_each_field_it_applies_to(path: Path_, bad: Any, good: Any) -> None:
    errors = error_paths(with_value(path, bad))
    assert errors, f"{path}={bad!r} was accepted"
    assert any(loc[:len(path)] == path for loc in errors), errors
    assert error_paths(with_value(path, good)) == [], f"{path}={good!r} was refused"


@pytest.mark.parametrize("section", ["budget", "members", "desktops", "storage", "gpu", "spark",
                                     "notebooks", "ci_runners", "toolchain"])
def test_unknown_fields_are_errors_in_every_section(section: str) -> None:
    data = copy.deepcopy(EXAMPLE)
    target = data[section][0] if isinstance(data[section], list) else data[section]
    target["colour"] = "blue"
    errors = error_paths(data)
    assert any(loc[0] == section and loc[-1] == "colour" for loc in errors), errors


def test_the_example_itself_is_valid() -> None:
    assert error_paths(EXAMPLE) == []
