"""The stack request: examples load, every kind of error lands on the right line and column."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from infra.request import TeamRequest
from infra.stackfile import load, stack_files

ROOT = Path(__file__).resolve().parents[2]
STACKS = ROOT / "stacks"

GOOD_TEAM = """\
config:
  aws:region: eu-west-1
  teamstack:request:
    team: nlp
    environment: prod
    owners: ["@acme/nlp-leads"]
    cost_center: CC-1234
    budget: {monthly_usd: 25000, alert_at_percent: [50, 80, 100]}
    members:
      - {name: alice, email: alice@example.com, desktop: gpu-small}
    desktops: {schedule: business-hours, timezone: Europe/Berlin}
    storage:
      buckets:
        - {name: datasets, versioning: true, archive_after_days: 180}
        - {name: scratch, expire_after_days: 14}
      shared_home_gib: 500
    gpu: {profile: experiment, instance_types: [g5.xlarge, g5.12xlarge], max_gpus: 16}
    spark: {engine: operator, profile: scheduled-retrain, schedule: "0 2 * * *", max_executors: 50}
    notebooks: {profile: interactive}
    ci_runners: {github_org: acme, repositories: [acme/nlp-models], profile: experiment,
                 max_runners: 10}
    toolchain: {python: "3.11", r: true, extras: [nltk, kafka-client, spark-client]}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A stacks/ directory with the example platform, for the cross-file rules."""
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    shutil.copy(STACKS / "Pulumi.platform-prod.yaml", stacks)
    return stacks


def write(stacks: Path, text: str, name: str = "Pulumi.nlp-prod.yaml") -> Path:
    path = stacks / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[tuple[int, int, str, str]]:
    return [(p.line, p.col, p.path, p.message) for p in load(path).problems]


def test_every_example_stack_loads() -> None:
    files = stack_files(STACKS)
    assert len(files) >= 4
    kinds = []
    for path in files:
        result = load(path)
        assert result.problems == [], [str(p) for p in result.problems]
        kinds.append(result.stack.kind)
    assert kinds.count("platform") >= 1 and kinds.count("team") >= 3


def test_examples_differ_in_what_they_ask_for() -> None:
    teams = {p.name: load(p).stack.team for p in stack_files(STACKS)
             if load(p).stack.kind == "team"}
    assert any(t.gpu and t.gpu.max_gpus >= 32 for t in teams.values()), "a GPU-heavy team"
    assert any(t.spark and t.spark.schedule for t in teams.values()), "a scheduled Spark team"
    assert any(not t.gpu and not t.spark and t.notebooks for t in teams.values()), "a small team"


def test_design_sketch_is_a_valid_request(repo: Path) -> None:
    result = load(write(repo, GOOD_TEAM))
    assert result.problems == []
    req = result.stack.team
    assert isinstance(req, TeamRequest)
    assert req.platform_stack == "platform-prod"
    assert req.members[0].uid is None and req.member_uid(0) == 10001
    assert req.toolchain.extras == ["nltk", "kafka-client", "spark-client"]


def test_yaml_syntax_error_points_at_the_line(repo: Path) -> None:
    path = write(repo, GOOD_TEAM.replace("    team: nlp\n", "    team: [nlp\n"))
    [(line, col, _field, message)] = problems_of(path)
    assert message.startswith("YAML syntax:")
    assert line == 5 and col >= 5


def test_duplicate_keys_are_all_reported(repo: Path) -> None:
    text = GOOD_TEAM.replace("    cost_center: CC-1234\n",
                             "    cost_center: CC-1234\n    cost_center: CC-9\n")
    text = text.replace("      shared_home_gib: 500\n",
                        "      shared_home_gib: 500\n      shared_home_gib: 600\n")
    found = problems_of(write(repo, text))
    dups = [(line, field) for line, _c, field, m in found if m.startswith("duplicate key")]
    assert dups == [(8, "cost_center"), (18, "storage.shared_home_gib")]


def test_missing_request_key(repo: Path) -> None:
    path = write(repo, "config:\n  aws:region: eu-west-1\n  teamstack:requests: {}\n")
    [(line, col, _field, message)] = problems_of(path)
    assert (line, col) == (1, 1)
    assert "missing 'teamstack:request'" in message


@pytest.mark.parametrize("text, expected", [
    ("- just\n- a list\n", "must be a mapping"),
    ("config: 3\n", "'config' must be a mapping"),
    ("", "the file is empty"),
    ("config:\n  aws:region: eu-west-1\n  teamstack:request: [1, 2]\n", "must be a mapping"),
])
def test_documents_that_are_not_mappings(repo: Path, text: str, expected: str) -> None:
    found = problems_of(write(repo, text))
    assert len(found) == 1 and expected in found[0][3]


def test_wrong_types_and_unknown_fields_at_their_positions(repo: Path) -> None:
    text = GOOD_TEAM.replace("max_gpus: 16", "max_gpus: lots")
    text = text.replace("notebooks: {profile: interactive}",
                        "notebooks: {profile: interactive, cul_timeout: 5}")
    text = text.replace("    gpu: {profile: experiment,", "    gpu: {profil: experiment,")
    found = problems_of(write(repo, text))
    by_field = {f: (line, col, m) for line, col, f, m in found}
    assert by_field["gpu.max_gpus"][:2] == (17, 83)
    assert "valid integer" in by_field["gpu.max_gpus"][2]
    assert by_field["notebooks.cul_timeout"][:2] == (19, 39)
    assert "unknown field 'cul_timeout'" in by_field["notebooks.cul_timeout"][2]
    assert "did you mean 'profile'?" in by_field["gpu.profil"][2]
    assert len(found) == 3, found


def test_missing_required_field_points_at_its_parent(repo: Path) -> None:
    found = problems_of(write(repo, GOOD_TEAM.replace("    cost_center: CC-1234\n", "")))
    assert found == [(3, 3, "cost_center", "required field is missing")]


def test_all_errors_of_a_file_at_once(repo: Path) -> None:
    text = (GOOD_TEAM
            .replace("desktop: gpu-small", "desktop: gpu-huge")
            .replace("profile: experiment, instance_types", "profile: experimnt, instance_types")
            .replace('"0 2 * * *"', '"0 2 * *"')
            .replace('python: "3.11"', "python: 3.10")
            .replace("{name: scratch, expire_after_days: 14}", "{name: datasets}"))
    found = problems_of(write(repo, text))
    fields = [f for _l, _c, f, _m in found]
    assert fields == ["members[0].desktop", "storage.buckets[1].name", "gpu.profile",
                      "spark.schedule", "toolchain.python"]
    messages = " | ".join(m for *_x, m in found)
    assert "unknown desktop size 'gpu-huge'" in messages
    assert "already used by storage.buckets[0]" in messages
    assert "unknown profile 'experimnt'" in messages
    assert "5-field cron" in messages
    assert "in quotes" in messages


def test_cross_field_rules(repo: Path) -> None:
    text = (GOOD_TEAM
            .replace("    spark: {engine: operator, profile: scheduled-retrain, schedule: "
                     "\"0 2 * * *\", max_executors: 50}\n",
                     "    spark: {engine: operator, profile: scheduled-retrain}\n")
            .replace("repositories: [acme/nlp-models]", "repositories: [other/nlp-models]")
            .replace("{name: scratch, expire_after_days: 14}",
                     "{name: scratch, archive_after_days: 30, expire_after_days: 14}"))
    found = problems_of(write(repo, text))
    messages = {f: m for _l, _c, f, m in found}
    assert "needs spark.schedule" in messages["spark.profile"]
    assert "not in the organisation 'acme'" in messages["ci_runners.repositories[0]"]
    assert "must be later than archive_after_days" in messages[
        "storage.buckets[1].expire_after_days"]


def test_file_name_must_match_team_and_environment(repo: Path) -> None:
    found = problems_of(write(repo, GOOD_TEAM, name="Pulumi.nlp-dev.yaml"))
    assert any(f == "environment" and "do not match the file name" in m
               for _l, _c, f, m in found)
    found = problems_of(write(repo, GOOD_TEAM, name="Pulumi.cv-prod.yaml"))
    assert any(f == "team" and "expected Pulumi.nlp-prod.yaml" in m for _l, _c, f, m in found)


def test_platform_stack_must_exist(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    found = problems_of(write(stacks, GOOD_TEAM))
    assert any("platform stack 'platform-prod' does not exist" in m for *_x, m in found)


def test_team_name_unique_per_environment(repo: Path) -> None:
    write(repo, GOOD_TEAM)
    copy = write(repo, GOOD_TEAM, name="Pulumi.nlp2-prod.yaml")
    found = problems_of(copy)
    assert any("already has a prod stack in Pulumi.nlp-prod.yaml" in m for *_x, m in found)


def test_plain_text_secret_is_refused(repo: Path) -> None:
    text = GOOD_TEAM.replace("  aws:region: eu-west-1\n",
                             "  aws:region: eu-west-1\n  github_app_private_key: abc\n")
    found = problems_of(write(repo, text))
    assert found[0][:3] == (3, 27, "github_app_private_key")
    assert "pulumi config set --secret" in found[0][3]


def test_a_secure_value_is_accepted(repo: Path) -> None:
    text = GOOD_TEAM.replace("  aws:region: eu-west-1\n",
                             "  aws:region: eu-west-1\n  teamstack:api_token:\n"
                             "    secure: v1:abcdef\n")
    assert problems_of(write(repo, text)) == []


def test_missing_region(repo: Path) -> None:
    found = problems_of(write(repo, GOOD_TEAM.replace("  aws:region: eu-west-1\n", "")))
    assert [(f, m[:22]) for _l, _c, f, m in found] == [("aws:region", "missing 'aws:region' (")]


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "Pulumi.none-prod.yaml")[0][3] == "no such file"
    binary = tmp_path / "Pulumi.bin-prod.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert problems_of(binary)[0][3].startswith("not UTF-8 text")
