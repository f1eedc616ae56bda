"""The promise (README "The stack request"): a mistake in a stack file is reported in the words
of the YAML the user wrote, at the file, line, column and field of the mistake.

Table-driven through ``load`` on a real file: one edit of a valid team stack per row, and the
exact problem it must produce. YAML types values itself, so `max_gpus: true`, `.nan` or
`versioning: "yes"` are the tired user's typical mistakes; pydantic's own wording for them
("input should be a valid integer") would not say what to write instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from infra.errors import CheckFailed
from infra.stackfile import _data_path, load, load_or_raise, peek
from infra.yamlsource import SourceMap, parse

from .test_request import GOOD_TEAM, repo, write  # noqa: F401  (repo is a fixture)

# (edit of GOOD_TEAM: old -> new, line, column, field, the exact message)
TYPED_MISTAKES: list[tuple[str, str, int, int, str, str]] = [
    ("max_gpus: 16", "max_gpus: true", 17, 84, "gpu.max_gpus",
     "true is a boolean, not a number; write a number"),
    ("monthly_usd: 25000", "monthly_usd: false", 8, 27, "budget.monthly_usd",
     "false is a boolean, not a number; write a number"),
    ("max_gpus: 16", "max_gpus: .nan", 17, 84, "gpu.max_gpus",
     "NaN (.nan) is not a number; write a number"),
    ("monthly_usd: 25000", "monthly_usd: .nan", 8, 27, "budget.monthly_usd",
     "NaN (.nan) is not a number; write a number"),
    ("monthly_usd: 25000", "monthly_usd: .inf", 8, 27, "budget.monthly_usd",
     "infinity (.inf) is not allowed; write a number"),
    ("versioning: true", "versioning: 1", 14, 40, "storage.buckets[0].versioning",
     "1 is a number; write true or false"),
    ("versioning: true", "versioning: 1.5", 14, 40, "storage.buckets[0].versioning",
     "1.5 is a number; write true or false"),
    ("versioning: true", "versioning: 'yes'", 14, 40, "storage.buckets[0].versioning",
     "'yes' is text; write true or false (without quotes)"),
    ("max_gpus: 16", "max_gpus: 2.5", 17, 84, "gpu.max_gpus", "2.5 is not a whole number"),
    # Anything else keeps pydantic's message, begun in lower case like every other message.
    ("max_gpus: 16", "max_gpus: 0", 17, 84, "gpu.max_gpus",
     "input should be greater than or equal to 1"),
    ("max_gpus: 16", "max_gpus: ''", 17, 84, "gpu.max_gpus", "input should be a valid integer"),
    # A rule's ValueError without pydantic's "Value error, " prefix.
    ("[50, 80, 100]", "[50, 50]", 8, 52, "budget.alert_at_percent",
     "a threshold is listed more than once"),
]


@pytest.mark.parametrize(("old", "new", "line", "col", "field", "message"), TYPED_MISTAKES,
                         ids=[row[1] for row in TYPED_MISTAKES])
def test_typed_mistake_is_said_in_yaml_words(repo: Path, old: str, new: str, line: int,  # noqa: F811
                                             col: int, field: str, message: str) -> None:
    assert old in GOOD_TEAM
    path = write(repo, GOOD_TEAM.replace(old, new, 1))
    result = load(path)
    assert result.stack is None
    assert [(p.file, p.line, p.col, p.path, p.message) for p in result.problems] == [
        (str(path), line, col, field, message)]


BUCKET_FIELDS = ("name, versioning, infrequent_access_after_days, archive_after_days, "
                 "expire_after_days, public, encrypted")

# (edit, line, column, field, message): the fields offered are those of the model at that place,
# through optional sections (gpu: Gpu | None) and list items (storage.buckets[1]).
UNKNOWN_FIELDS: list[tuple[str, str, int, int, str, str]] = [
    ("toolchain: {python", "toolchain: {pythn", 22, 17, "toolchain.pythn",
     "unknown field 'pythn'; did you mean 'python'?"),
    ("notebooks: {profile: interactive}", "notebooks: {profile: interactive, storage_gb: 5}",
     19, 39, "notebooks.storage_gb", "unknown field 'storage_gb'; did you mean 'storage_gib'?"),
    ("{name: scratch, expire_after_days: 14}", "{name: scratch, expire_after_day: 14}", 15, 27,
     "storage.buckets[1].expire_after_day",
     "unknown field 'expire_after_day'; did you mean 'expire_after_days'?"),
    ("{name: scratch, expire_after_days: 14}", "{name: scratch, zzzz: 14}", 15, 27,
     "storage.buckets[1].zzzz", f"unknown field 'zzzz'; expected one of: {BUCKET_FIELDS}"),
    ("gpu: {profile", "gpu: {zzzz: 1, profile", 17, 11, "gpu.zzzz",
     "unknown field 'zzzz'; expected one of: profile, instance_types, max_gpus, isolation"),
    ("    cost_center: CC-1234", "    cost_centre: CC-1234\n    cost_center: CC-1234", 7, 5,
     "cost_centre", "unknown field 'cost_centre'; did you mean 'cost_center'?"),
]


@pytest.mark.parametrize(("old", "new", "line", "col", "field", "message"), UNKNOWN_FIELDS,
                         ids=[row[4] for row in UNKNOWN_FIELDS])
def test_unknown_field_offers_the_fields_of_its_place(repo: Path, old: str, new: str,  # noqa: F811
                                                      line: int, col: int, field: str,
                                                      message: str) -> None:
    assert old in GOOD_TEAM
    path = write(repo, GOOD_TEAM.replace(old, new, 1))
    assert [(p.file, p.line, p.col, p.path, p.message) for p in load(path).problems] == [
        (str(path), line, col, field, message)]


def test_yaml_problems_inside_the_request_name_the_field_as_every_message_does(
        repo: Path) -> None:  # noqa: F811
    """A duplicate key is found by the YAML reader, which knows only the document's path."""
    path = write(repo, GOOD_TEAM.replace("    team: nlp\n", "    team: nlp\n    team: cv\n"))
    assert [(p.file, p.line, p.col, p.path) for p in load(path).problems] == [
        (str(path), 5, 5, "team")]
    assert "duplicate key" in load(path).problems[0].message


class _Union(BaseModel):
    model_config = ConfigDict(strict=True)
    size: int | list[int]


def test_shown_paths_hold_data_keys_never_pydantic_union_tags() -> None:
    """pydantic reports each branch of a union under a tag ('int', 'list[int]'); the user's file
    has no such key, so the field is shown as written."""
    with pytest.raises(ValidationError) as caught:
        _Union.model_validate({"size": "big"})
    locs = [tuple(e["loc"]) for e in caught.value.errors()]
    assert ("size", "int") in locs and ("size", "list[int]") in locs
    assert {_data_path(loc, {"size": "big"}) for loc in locs} == {("size",)}
    # A missing key is kept: it is the field's name.
    assert _data_path(("gpu", "max_gpus"), {"gpu": {}}) == ("gpu", "max_gpus")
    # Each tag the union can carry, alone, is dropped too.
    for tag in ("list", "dict", "str", "int", "float", "bool", "none", "function-after[x()]"):
        assert _data_path(("size", tag), {"size": "big"}) == ("size",), tag
        # ... also under a mapping, where a text part would otherwise be a missing key.
        assert _data_path(("size", tag), {"size": {"unit": "GiB"}}) == ("size",), tag
    assert _data_path(("size", "unit2"), {"size": {"unit": "GiB"}}) == ("size", "unit2")


def test_load_or_raise_uses_the_stacks_dir_it_is_given(repo: Path, tmp_path: Path) -> None:  # noqa: F811
    """The Pulumi program loads a team stack against the repository's stacks/, wherever the
    file itself is: the platform stack must be looked for there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    path = write(elsewhere, GOOD_TEAM)
    assert load_or_raise(path, repo).team.team == "nlp"
    with pytest.raises(CheckFailed) as caught:
        load_or_raise(path)
    assert str(path) in str(caught.value)
    assert any("platform stack 'platform-prod' does not exist" in line
               for line in caught.value.lines)


# (name, file content, every problem as (line, column, field, message)): a file that is not a
# stack request at all is said so once, at the place to fix, and nothing else is guessed.
WHOLE_FILE: list[tuple[str, str | bytes, list[tuple[int, int, str, str]]]] = [
    ("a list", "- a\n- b\n", [(1, 1, "", "a stack file must be a mapping with a 'config' key")]),
    ("plain text", "just text\n",
     [(1, 1, "", "a stack file must be a mapping with a 'config' key")]),
    ("empty", "", [(1, 1, "", "the file is empty")]),
    ("no config", "{}\n",
     [(1, 1, "config", "missing 'config': a stack file holds its settings under config:")]),
    ("empty config", "config:\n",
     [(1, 1, "config", "missing 'config': a stack file holds its settings under config:")]),
    ("config a list", "config: [1]\n", [(1, 1, "config", "'config' must be a mapping")]),
    ("config a number, at its key", "encryptionsalt: x\nconfig: 5\n",
     [(2, 1, "config", "'config' must be a mapping")]),
    ("no request", "config:\n  aws:region: eu-west-1\n",
     [(1, 1, "config", "missing 'teamstack:request' (team stacks) or 'teamstack:platform' "
                       "(platform stacks)")]),
    ("request a number", "config:\n  aws:region: eu-west-1\n  teamstack:request: 5\n",
     [(3, 22, "", "'teamstack:request' must be a mapping of fields")]),
    ("unknown top-level key", "configs: 1\nconfig:\n  aws:region: eu-west-1\n"
                              "  teamstack:request: 5\n",
     [(1, 1, "configs", "unknown top-level key 'configs' in a Pulumi stack file"),
      (4, 22, "", "'teamstack:request' must be a mapping of fields")]),
    ("YAML syntax", "config: [\n",
     [(2, 1, "", "YAML syntax: expected the node content, but found '<stream end>'")]),
    ("not UTF-8", b"config:\n  x: \xff\n",
     [(2, 6, "", "not UTF-8 text: byte 0xff cannot be decoded; save the file as UTF-8")]),
    # A YAML problem does not hide the validation problems after it: every problem at once.
    ("duplicate key and a bad value",
     GOOD_TEAM.replace("    team: nlp\n", "    team: nlp\n    team: nlp\n")
     .replace("max_gpus: 16", "max_gpus: 0"),
     [(5, 5, "team", "duplicate key (first defined on line 4)"),
      (18, 84, "gpu.max_gpus", "input should be greater than or equal to 1")]),
]


@pytest.mark.parametrize(("name", "content", "expected"), WHOLE_FILE,
                         ids=[row[0] for row in WHOLE_FILE])
def test_a_file_that_is_no_request_is_said_so_at_the_place_to_fix(
        repo: Path, name: str, content: str | bytes,  # noqa: F811
        expected: list[tuple[int, int, str, str]]) -> None:
    path = repo / "Pulumi.nlp-prod.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = load(path)
    assert result.path == path and result.stack is None
    assert {p.file for p in result.problems} == {str(path)}
    assert [(p.line, p.col, p.path, p.message) for p in result.problems] == expected


def test_a_missing_field_is_reported_at_the_key_of_its_section(repo: Path) -> None:  # noqa: F811
    path = write(repo, GOOD_TEAM.replace(", max_gpus: 16}", "}"))
    assert [(p.file, p.line, p.col, p.path, p.message) for p in load(path).problems] == [
        (str(path), 17, 5, "gpu.max_gpus", "required field is missing")]


PLATFORM_PROD = (Path(__file__).resolve().parents[2] / "stacks" /
                 "Pulumi.platform-prod.yaml").read_text(encoding="utf-8")
WITH_PLATFORM_DEV = GOOD_TEAM.replace("    environment: prod\n",
                                      "    environment: prod\n    platform: platform-dev\n")

# (name, the other files in stacks/, the team file, every problem of the team file): the rules
# that look across files, each at the field to change.
ACROSS_FILES: list[tuple[str, dict[str, str], str, list[tuple[int, int, str, str]]]] = [
    ("the platform file holds a team", {"Pulumi.platform-prod.yaml": GOOD_TEAM}, GOOD_TEAM,
     [(4, 5, "platform", "Pulumi.platform-prod.yaml is not a platform stack (no "
                         "teamstack:platform)"),
      (4, 11, "team", "team 'nlp' already has a prod stack in Pulumi.platform-prod.yaml")]),
    ("a platform of another environment",
     {"Pulumi.platform-dev.yaml": PLATFORM_PROD.replace("environment: prod", "environment: dev")},
     WITH_PLATFORM_DEV,
     [(6, 15, "platform", "platform 'platform-dev' is for environment 'dev', not 'prod'")]),
    ("a platform in another region",
     {"Pulumi.platform-prod.yaml": PLATFORM_PROD.replace("eu-west-1", "us-east-1")}, GOOD_TEAM,
     [(2, 15, "aws:region", "region 'eu-west-1' differs from the platform's 'us-east-1'; a "
                            "team runs in its platform's region")]),
    # A broken file beside is that file's problem alone, reported when it is validated.
    ("a list beside", {"Pulumi.platform-prod.yaml": PLATFORM_PROD, "Pulumi.junk-prod.yaml":
                       "- a\n"}, GOOD_TEAM, []),
    ("a file without config beside", {"Pulumi.platform-prod.yaml": PLATFORM_PROD,
                                      "Pulumi.junk-prod.yaml": "config: 5\n"}, GOOD_TEAM, []),
    ("a platform whose region is broken: its own problem",
     {"Pulumi.platform-prod.yaml": PLATFORM_PROD.replace("aws:region: eu-west-1",
                                                         "aws:region: 5")}, GOOD_TEAM, []),
    ("the same team in another environment",
     {"Pulumi.platform-prod.yaml": PLATFORM_PROD,
      "Pulumi.nlp-dev.yaml": GOOD_TEAM.replace("environment: prod", "environment: dev")},
     GOOD_TEAM, []),
    ("members that collide",
     {"Pulumi.platform-prod.yaml": PLATFORM_PROD},
     GOOD_TEAM.replace("      - {name: alice, email: alice@example.com, desktop: gpu-small}\n",
                       "      - {name: alice, email: alice@example.com, desktop: gpu-small}\n"
                       "      - {name: alice, email: alice@example.com}\n"
                       "      - {name: bob, email: bob@example.com, uid: 10001}\n"
                       "      - {name: cy, email: cy@example.com, uid: 10005}\n"
                       "      - {name: di, email: di@example.com}\n"),
     [(11, 16, "members[1].name", "member name 'alice' is already used by members[0]"),
      (11, 30, "members[1].email",
       "e-mail address 'alice@example.com' is already used by members[0]"),
      (12, 50, "members[2].uid", "uid 10001 is already used by members[0]"),
      # di's uid is the default of her place, 10001 + 4: the one cy set by hand.
      (14, 9, "members[4].uid", "uid 10005 is already used by members[3]")]),
]


@pytest.mark.parametrize(("name", "others", "team", "expected"), ACROSS_FILES,
                         ids=[row[0] for row in ACROSS_FILES])
def test_rules_across_files_point_at_the_field_to_change(
        tmp_path: Path, name: str, others: dict[str, str], team: str,
        expected: list[tuple[int, int, str, str]]) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    for file_name, text in others.items():
        (stacks / file_name).write_text(text, encoding="utf-8")
    path = write(stacks, team)
    assert [(p.line, p.col, p.path, p.message) for p in load(path).problems] == expected


def test_every_path_has_a_position_the_nearest_written_ancestor() -> None:
    """A problem about a field that is not in the file (missing, or under a missing section)
    points at the closest thing the user did write, never at nothing."""
    source = parse("a:\n  b:\n    x: 1\nc: 2\n", "f.yaml").source
    assert source.locate(("a", "b", "x"), key=True) == (3, 5)
    assert source.locate(("a", "b", "x"), key=False) == (3, 8)
    assert source.locate(("a", "b", "c"), key=False) == (3, 5)
    # Two levels below what exists: the value of a.b, one level up at a time.
    assert source.locate(("a", "b", "c", "d"), key=False) == (3, 5)
    assert source.locate(("a", "b", "c", "d"), key=True) == (2, 3)
    assert source.locate(("zzz", "y"), key=True) == (1, 1)
    # A map with nothing in it (a file that did not parse): the start of the file.
    assert SourceMap("f.yaml").locate(("a", "b"), key=True) == (1, 1)
    assert SourceMap("f.yaml").locate((), key=False) == (1, 1)


RULE = ("stack files are named Pulumi.<stack>.yaml, the stack name in lowercase letters, "
        "digits and hyphens")


@pytest.mark.parametrize(("file_name", "why"), [
    ("pulumi.nlp-prod.yaml", "the name must start with 'Pulumi.' exactly (Pulumi would not "
                             "read it)"),
    ("PULUMI.nlp-prod.yaml", "the name must start with 'Pulumi.' exactly (Pulumi would not "
                             "read it)"),
    ("Pulumi.nlp-prod.yml", "the name must end in '.yaml' (Pulumi would not read this file)"),
    ("Pulumi.nlp-prod.YAML", "the name must end in '.yaml' (Pulumi would not read this file)"),
    ("Pulumi.NLP-prod.yaml", "'NLP-prod' is not a valid stack name"),
    ("Pulumi.nlp_prod.yaml", "'nlp_prod' is not a valid stack name"),
])
def test_a_file_pulumi_would_not_read_is_named_as_the_problem(
        repo: Path, file_name: str, why: str) -> None:  # noqa: F811
    """The file name is the stack name: a misnamed file would silently never deploy."""
    path = write(repo, GOOD_TEAM, name=file_name)
    problems = load(path).problems
    assert (problems[0].file, problems[0].line, problems[0].col, problems[0].path,
            problems[0].message) == (str(path), 1, 1, "", f"{RULE}; {why}")


@pytest.mark.parametrize(("file_name", "field", "message"), [
    ("Pulumi.nlp-dev.yaml", "environment",
     "team 'nlp' and environment 'prod' do not match the file name Pulumi.nlp-dev.yaml "
     "(expected Pulumi.nlp-prod.yaml)"),
    ("Pulumi.cv-prod.yaml", "team",
     "team 'nlp' and environment 'prod' do not match the file name Pulumi.cv-prod.yaml "
     "(expected Pulumi.nlp-prod.yaml)"),
])
def test_a_team_file_named_for_another_stack_names_the_field_to_change(
        repo: Path, file_name: str, field: str, message: str) -> None:  # noqa: F811
    path = write(repo, GOOD_TEAM, name=file_name)
    assert [(p.path, p.message) for p in load(path).problems] == [(field, message)]


def test_a_platform_file_named_for_another_environment_says_its_name(tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    path = stacks / "Pulumi.platform-dev.yaml"
    path.write_text(PLATFORM_PROD, encoding="utf-8")
    assert [(p.line, p.col, p.path, p.message) for p in load(path).problems] == [
        (5, 18, "environment", "environment 'prod' does not match the file name: a platform "
                               "stack for 'prod' is Pulumi.platform-prod.yaml")]


def test_a_stack_file_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    """One process plans the base and the head of a pull request: the cross-file rules must
    see the head's platform, not the base's they looked at first."""
    path = tmp_path / "Pulumi.platform-prod.yaml"
    path.write_text(PLATFORM_PROD, encoding="utf-8")
    assert peek(path) == ("platform", "platform", "prod", "eu-west-1")
    path.write_text(PLATFORM_PROD.replace("eu-west-1", "us-east-1"), encoding="utf-8")
    os.utime(path, (1_700_000_000, 1_700_000_000))
    assert peek(path) == ("platform", "platform", "prod", "us-east-1")


BUCKET = "{name: datasets, versioning: true, archive_after_days: 180}"
SPARK = 'spark: {engine: operator, profile: scheduled-retrain, schedule: "0 2 * * *", ' \
        'max_executors: 50}'
GPU = "    gpu: {profile: experiment, instance_types: [g5.xlarge, g5.12xlarge], max_gpus: 16}\n"
MEMBERS = "    members:\n      - {name: alice, email: alice@example.com, desktop: gpu-small}\n"

# (name, edits of GOOD_TEAM, every problem): the rules that tie one section to another, each
# at the field to change, with each limit shown from both sides.
SECTIONS_AGREE: list[tuple[str, list[tuple[str, str]], list[tuple[int, int, str, str]]]] = [
    ("archive on the day objects go to IA",
     [(BUCKET, "{name: datasets, infrequent_access_after_days: 60, archive_after_days: 60}")],
     [(14, 82, "storage.buckets[0].archive_after_days",
       "archive_after_days (60) must be later than infrequent_access_after_days (60)")]),
    ("expiry before archive",
     [(BUCKET, "{name: datasets, archive_after_days: 60, expire_after_days: 30}")],
     [(14, 71, "storage.buckets[0].expire_after_days",
       "expire_after_days (30) must be later than archive_after_days (60)")]),
    ("expiry on the day of IA",
     [(BUCKET, "{name: datasets, infrequent_access_after_days: 40, expire_after_days: 40}")],
     [(14, 81, "storage.buckets[0].expire_after_days",
       "expire_after_days (40) must be later than infrequent_access_after_days (40)")]),
    ("archive 29 days after IA",
     [(BUCKET, "{name: datasets, infrequent_access_after_days: 30, archive_after_days: 59}")],
     [(14, 82, "storage.buckets[0].archive_after_days",
       "S3 keeps objects in Standard-IA for at least 30 days before archiving")]),
    ("archive a day after IA",
     [(BUCKET, "{name: datasets, infrequent_access_after_days: 30, archive_after_days: 31}")],
     [(14, 82, "storage.buckets[0].archive_after_days",
       "S3 keeps objects in Standard-IA for at least 30 days before archiving")]),
    ("archive 30 days after IA",
     [(BUCKET, "{name: datasets, infrequent_access_after_days: 30, archive_after_days: 60}")],
     []),
    ("expiry a day after IA",
     [(BUCKET, "{name: datasets, infrequent_access_after_days: 30, expire_after_days: 31}")],
     []),
    ("desktops without a shared home", [("      shared_home_gib: 500\n", "")],
     [(10, 58, "members[0].desktop",
       "desktops mount the shared home: set storage.shared_home_gib")]),
    ("scheduled retraining without a schedule",
     [(SPARK, "spark: {engine: operator, profile: scheduled-retrain, max_executors: 50}")],
     [(18, 40, "spark.profile", "the scheduled-retrain profile needs spark.schedule (a cron "
                                "expression such as '0 2 * * *')")]),
    ("the default profile without a schedule",
     [(SPARK, "spark: {engine: operator, max_executors: 50}")],
     [(18, 12, "spark", "the scheduled-retrain profile needs spark.schedule (a cron "
                        "expression such as '0 2 * * *')")]),
    ("another profile needs no schedule",
     [(SPARK, "spark: {engine: operator, profile: experiment, max_executors: 50}")], []),
    ("GPU notebooks without a GPU pool",
     [(GPU, ""), ("notebooks: {profile: interactive}", "notebooks: {profile: interactive, gpu: "
                                                       "true}")],
     [(18, 44, "notebooks.gpu", "GPU notebooks run on the team's GPU pool: add a gpu section")]),
    ("GPU runners without a GPU pool",
     [(GPU, ""), ("max_runners: 10}", "max_runners: 10, gpu: true}")],
     [(20, 40, "ci_runners.gpu", "GPU runners run on the team's GPU pool: add a gpu section")]),
    ("no members and no recipients", [(MEMBERS, "")],
     [(8, 13, "budget", "no one would receive budget alerts: list addresses in budget.notify "
                        "or add members")]),
    ("no members, recipients listed",
     [(MEMBERS, ""), ("alert_at_percent: [50, 80, 100]}",
                      "alert_at_percent: [50, 80, 100], notify: [ml@example.com]}")], []),
]


@pytest.mark.parametrize(("name", "edits", "expected"), SECTIONS_AGREE,
                         ids=[row[0] for row in SECTIONS_AGREE])
def test_sections_that_depend_on_each_other_agree(
        repo: Path, name: str, edits: list[tuple[str, str]],  # noqa: F811
        expected: list[tuple[int, int, str, str]]) -> None:
    text = GOOD_TEAM
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = write(repo, text)
    assert [(p.line, p.col, p.path, p.message) for p in load(path).problems] == expected


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    ("Pulumi's own top-level keys", "config:\n",
     "encryptionsalt: v1:abc\nsecretsprovider: awskms://alias/x\nencryptedkey: eHl6\n"
     "environment: [team-env]\nconfig:\n", []),
    ("a team and a platform in one file", "  teamstack:request:\n",
     "  teamstack:platform: {}\n  teamstack:request:\n",
     [(1, 1, "config", "holds both 'teamstack:request' and 'teamstack:platform'; a stack is "
                       "either a team or the platform")]),
    ("no region", "  aws:region: eu-west-1\n", "",
     [(1, 1, "aws:region", "missing 'aws:region' (for example aws:region: eu-west-1)")]),
    ("no region, config not first", "config:\n  aws:region: eu-west-1\n",
     "encryptionsalt: v1:abc\nconfig:\n",
     [(2, 1, "aws:region", "missing 'aws:region' (for example aws:region: eu-west-1)")]),
    ("a region in capitals", "aws:region: eu-west-1", "aws:region: EU-West-1",
     [(2, 15, "aws:region", "'EU-West-1' is not an AWS region name such as eu-west-1"),
      (2, 15, "aws:region", "region 'EU-West-1' differs from the platform's 'eu-west-1'; a team "
                            "runs in its platform's region")]),
])
def test_the_config_around_the_request_is_checked_at_its_keys(
        repo: Path, name: str, old: str, new: str,  # noqa: F811
        expected: list[tuple[int, int, str, str]]) -> None:
    assert old in GOOD_TEAM
    path = write(repo, GOOD_TEAM.replace(old, new, 1))
    assert [(p.line, p.col, p.path, p.message) for p in load(path).problems] == expected
