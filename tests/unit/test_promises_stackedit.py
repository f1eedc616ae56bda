"""The promises of ``recommend --write`` (``infra/simulate/stackedit.py``).

* ``read_gpu`` gives the team's time zone (UTC when it has no desktops), its region and, when
  it has a ``gpu`` section, that section's sizing as written.
* ``write_gpu`` changes the ``gpu`` section only: every byte outside it (comments and blank
  lines just after it included) is kept, whatever the file's indentation; a team without a
  section gets one at the end of its request; the section keeps its flow or block style and
  a flow list stays on one line however long; the written file validates and reads back as
  the sizing written.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from infra.simulate.stackedit import read_gpu, write_gpu
from infra.stackfile import load

STACKS = Path(__file__).resolve().parents[2] / "stacks"

HEAD = """\
config:
  aws:region: eu-west-1
  teamstack:request:
    team: mini
    environment: prod
    owners: ["@acme/mini"]
    cost_center: CC-4002
    budget: {monthly_usd: 3000}
    members:
      - {name: farah, email: farah@example.com}
"""
WIDE = ["g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g5.8xlarge", "g5.12xlarge", "g5.16xlarge",
        "g5.24xlarge"]


def _stack(tmp_path: Path, text: str) -> Path:
    """A team stack file beside the platform stack it needs to validate."""
    stacks = tmp_path / "stacks"
    stacks.mkdir()
    shutil.copy(STACKS / "Pulumi.platform-prod.yaml", stacks / "Pulumi.platform-prod.yaml")
    path = stacks / "Pulumi.mini-prod.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# (file before, sizing written, file after: exactly)
WRITES = [
    pytest.param(
        HEAD, ("experiment", WIDE, 8),
        HEAD + "    gpu:\n      profile: experiment\n      instance_types: [g5.xlarge, "
        "g5.2xlarge, g5.4xlarge, g5.8xlarge, g5.12xlarge, g5.16xlarge, g5.24xlarge]\n"
        "      max_gpus: 8\n",
        id="appended-and-a-long-flow-list-stays-on-one-line"),
    pytest.param(
        # Config keys at 3 spaces, the request's at 4; a blank line, a comment and another
        # config key follow the request: the section goes in before them.
        "config:\n   teamstack:request:\n    team: mini\n    environment: prod\n"
        "    owners: [\"@acme/mini\"]\n    cost_center: CC-4002\n"
        "    budget: {monthly_usd: 3000}\n    members:\n"
        "      - {name: farah, email: farah@example.com}\n\n   # the region\n"
        "   aws:region: eu-west-1\n",
        ("service", ["g6.xlarge"], 4),
        "config:\n   teamstack:request:\n    team: mini\n    environment: prod\n"
        "    owners: [\"@acme/mini\"]\n    cost_center: CC-4002\n"
        "    budget: {monthly_usd: 3000}\n    members:\n"
        "      - {name: farah, email: farah@example.com}\n"
        "    gpu:\n      profile: service\n      instance_types: [g6.xlarge]\n"
        "      max_gpus: 4\n\n   # the region\n   aws:region: eu-west-1\n",
        id="appended-before-a-sibling-config-key-at-any-indentation"),
    pytest.param(
        HEAD + "    gpu:\n      profile: experiment\n      instance_types:\n"
        "        - g5.xlarge\n      max_gpus: 64\n\n    # notebooks for everyone\n"
        "    notebooks: {profile: interactive}\n",
        ("adhoc-training", ["g6.xlarge", "g5.xlarge"], 8),
        HEAD + "    gpu:\n      profile: adhoc-training\n      instance_types:\n"
        "        - g6.xlarge\n        - g5.xlarge\n      max_gpus: 8\n\n"
        "    # notebooks for everyone\n    notebooks: {profile: interactive}\n",
        id="block-section-then-blank-and-comment-kept-once"),
    pytest.param(
        HEAD + "    gpu: {profile: experiment, instance_types: [g5.xlarge], max_gpus: 64}\n"
        "    # the end\n",
        ("service", ["g6.xlarge"], 2),
        HEAD + "    gpu: {profile: service, instance_types: [g6.xlarge], max_gpus: 2}\n"
        "    # the end\n",
        id="flow-section-stays-flow-trailing-comment-kept-once"),
]


@pytest.mark.parametrize(("before", "sizing", "after"), WRITES)
def test_write_changes_the_gpu_section_only(tmp_path, before, sizing, after):
    path = _stack(tmp_path, before)
    write_gpu(path, *sizing)
    assert path.read_text(encoding="utf-8") == after
    assert load(path).problems == []
    profile, types, max_gpus = sizing
    assert read_gpu(path) == {"timezone": "UTC", "region": "eu-west-1", "profile": profile,
                              "instance_types": types, "max_gpus": max_gpus}


def test_a_second_write_of_the_same_sizing_changes_nothing(tmp_path):
    """The comment after the section stays where it was, once, however often it is written
    (a key the section lacked is added after its last key)."""
    before = HEAD + "    gpu:\n      profile: experiment\n      max_gpus: 64\n\n    # x\n"
    path = _stack(tmp_path, before)
    for _ in range(2):
        write_gpu(path, "experiment", ["g5.xlarge"], 64)
        assert path.read_text(encoding="utf-8") == HEAD + (
            "    gpu:\n      profile: experiment\n      max_gpus: 64\n"
            "      instance_types: [g5.xlarge]\n\n    # x\n")


def test_a_comment_inside_the_section_at_any_indentation_stays_inside(tmp_path):
    """A comment line inside the section, even one indented like the section's own key, does
    not end the section: the keys after it are rewritten, not left behind as duplicates."""
    before = (HEAD + "    gpu:\n      profile: experiment\n    # sized by hand\n"
              "      max_gpus: 64\n    notebooks: {profile: interactive}\n")
    path = _stack(tmp_path, before)
    write_gpu(path, "service", ["g6.xlarge"], 4)
    after = path.read_text(encoding="utf-8")
    assert after.startswith(HEAD)
    # ruamel indents such a comment as it likes; the keys are as written (new ones last).
    assert [line.strip() if line.lstrip().startswith("#") else line
            for line in after[len(HEAD):].splitlines()] == [
        "    gpu:", "      profile: service", "# sized by hand", "      max_gpus: 4",
        "      instance_types: [g6.xlarge]", "    notebooks: {profile: interactive}"]
    assert load(path).problems == []


def test_a_comment_on_the_last_value_line_is_kept_and_the_one_after_once(tmp_path):
    path = _stack(tmp_path, HEAD + "    gpu:\n      instance_types: [g5.xlarge]\n"
                  "      max_gpus: 64  # the cap\n    # the end\n")
    write_gpu(path, "experiment", ["g6.xlarge"], 2)
    lines = path.read_text(encoding="utf-8")[len(HEAD):].splitlines()
    # ruamel places the comment near its old column; that it is there, once, is the promise.
    assert [re.sub(r"(\S) +#", r"\1 #", line) for line in lines] == [
        "    gpu:", "      instance_types: [g6.xlarge]", "      max_gpus: 2 # the cap",
        "      profile: experiment", "    # the end"]


def test_an_empty_section_is_filled(tmp_path):
    path = _stack(tmp_path, HEAD + "    gpu: {}\n    # the end\n")
    write_gpu(path, "experiment", ["g6.xlarge"], 2)
    assert read_gpu(path) == {"timezone": "UTC", "region": "eu-west-1", "profile": "experiment",
                              "instance_types": ["g6.xlarge"], "max_gpus": 2}
    assert path.read_text(encoding="utf-8").startswith(HEAD)
    assert path.read_text(encoding="utf-8").endswith("      max_gpus: 2\n    # the end\n")


# (stack file, what read_gpu gives)
READS = [
    pytest.param(HEAD, {"timezone": "UTC", "region": "eu-west-1"}, id="no-desktops-no-gpu"),
    pytest.param(
        HEAD + "    desktops: {schedule: on-demand, timezone: Europe/London}\n"
        "    gpu: {profile: scheduled-retrain, instance_types: [g6.xlarge, g5.xlarge], "
        "max_gpus: 16}\n",
        {"timezone": "Europe/London", "region": "eu-west-1", "profile": "scheduled-retrain",
         "instance_types": ["g6.xlarge", "g5.xlarge"], "max_gpus": 16},
        id="desktops-and-gpu"),
]


@pytest.mark.parametrize(("text", "expected"), READS)
def test_read_gpu_gives_the_time_zone_region_and_sizing(tmp_path, text, expected):
    assert read_gpu(_stack(tmp_path, text)) == expected
