"""The offline plan: the real program under mocks, rendered three ways, diffed against a base."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.graph import ResourceGraph
from infra.plan.diff import changed_keys, diff_stack
from tests.component.find import only, single, where

ROOT = Path(__file__).resolve().parents[2]


def teamstack(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "infra.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


def _by_name(graph: ResourceGraph, type_token: str) -> dict[str, dict]:
    return {r.name: r.inputs for r in graph.of_type(type_token)}


def test_team_storage_resources_and_inputs(example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    buckets = _by_name(graph, "aws:s3/bucket:Bucket")
    assert {i["bucket"] for i in buckets.values()} == {
        "vision-prod-datasets", "vision-prod-models", "vision-prod-scratch"}
    versioning = {n: i["versioningConfiguration"]["status"]
                  for n, i in _by_name(graph, "aws:s3/bucketVersioning:BucketVersioning").items()}
    assert versioning == {"storage-datasets-versioning": "Enabled",
                          "storage-models-versioning": "Enabled",
                          "storage-scratch-versioning": "Disabled"}
    for inputs in _by_name(graph, "aws:s3/bucketPublicAccessBlock:"
                                  "BucketPublicAccessBlock").values():
        assert all(inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy",
                                               "ignorePublicAcls", "restrictPublicBuckets")), (
            f"public-access block of bucket {inputs.get('bucket')}: {inputs}")
    key_arn = graph.outputs["key_arn"]
    for inputs in _by_name(graph, "aws:s3/bucketServerSideEncryptionConfiguration:"
                                  "BucketServerSideEncryptionConfiguration").values():
        default = inputs["rules"][0]["applyServerSideEncryptionByDefault"]
        assert default == {"kmsMasterKeyId": key_arn, "sseAlgorithm": "aws:kms"}, (
            where('default', inputs=inputs))
    for inputs in _by_name(graph, "aws:s3/bucketPolicy:BucketPolicy").values():
        statement = json.loads(inputs["policy"])["Statement"][0]
        assert statement["Effect"] == "Deny", (
            where("statement['Effect']", inputs=inputs))
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, (
            where("statement['Condition']", inputs=inputs))
    lifecycle = _by_name(graph, "aws:s3/bucketLifecycleConfiguration:"
                                "BucketLifecycleConfiguration")
    rules = {r["id"]: r for r in lifecycle["storage-datasets-lifecycle"]["rules"]}
    assert [(t["days"], t["storageClass"]) for t in rules["tiering"]["transitions"]] == [
        (60, "STANDARD_IA"), (180, "GLACIER")]
    scratch = {r["id"]: r for r in lifecycle["storage-scratch-lifecycle"]["rules"]}
    assert scratch["expire"]["expiration"] == {"days": 14}
    efs = single(_by_name(graph, "aws:efs/fileSystem:FileSystem").values(),
                 f"EFS file system in {graph.stack}")
    assert efs["encrypted"] is True and efs["kmsKeyId"] == key_arn


def test_every_taggable_resource_carries_the_four_tags(
        example_plans: dict[str, ResourceGraph]) -> None:
    for stack, graph in example_plans.items():
        tagged = [r for r in graph.custom() if r.type.startswith("aws:") and "tags" in r.inputs]
        for resource in tagged:
            tags = resource.inputs["tags"]
            assert tags["teamstack:stack"] == stack, resource.urn
            assert tags["teamstack:team"] in (stack.rsplit("-", 1)[0], "platform"), (
                where("tags['teamstack:team']", stack=stack, graph=graph, resource=resource))
            assert tags["teamstack:component"], resource.urn
            assert tags["cost-center"].startswith("CC-"), resource.urn
    buckets = example_plans["vision-prod"].of_type("aws:s3/bucket:Bucket")
    assert buckets and all(b.inputs["tags"]["teamstack:component"] == "storage" for b in buckets)


def test_a_request_section_left_out_creates_nothing(
        example_plans: dict[str, ResourceGraph]) -> None:
    insights = example_plans["insights-prod"]
    assert not [r for r in insights.resources if "gpu" in r.type.lower() or "spark" in r.name]
    assert len(insights.of_type("aws:s3/bucket:Bucket")) == 1


def test_json_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first = teamstack("plan", "--all", "--format", "json", "--output", str(tmp_path / "a.json"))
    second = teamstack("plan", "--all", "--format", "json", "-j", "2")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == second.stdout
    doc = json.loads(second.stdout)
    stacks = [s["stack"] for s in doc["stacks"]]
    assert stacks[0].startswith("platform-")
    resource = doc["stacks"][1]["resources"][0]
    assert set(resource) >= {"urn", "type", "name", "parent", "inputs", "dependencies"}
    urns = [r["urn"] for r in doc["stacks"][1]["resources"]]
    assert urns == sorted(urns)


def test_text_and_markdown_summaries() -> None:
    text = teamstack("plan", "vision-prod")
    assert text.returncode == 0, text.stderr
    assert "vision-prod" in text.stdout and "storage (TeamStorage)" in text.stdout
    assert "aws:s3/bucket:Bucket" in text.stdout
    markdown = teamstack("plan", "stacks/Pulumi.insights-prod.yaml", "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("## teamstack plan")
    assert "| insights-prod |" in markdown.stdout


def test_unknown_stack_is_a_user_error() -> None:
    done = teamstack("plan", "nosuch-prod")
    assert done.returncode == 1
    assert "nosuch-prod: no stack of that name" in done.stderr
    assert "Traceback" not in done.stderr


def test_invalid_stack_is_not_planned(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    stack = repo / "stacks" / "Pulumi.insights-prod.yaml"
    stack.write_text(stack.read_text().replace("monthly_usd: 3000", "monthly_usd: -1"))
    done = teamstack("plan", "--all", cwd=repo)
    assert done.returncode == 1
    assert "Pulumi.insights-prod.yaml:9:" in done.stderr and done.stdout == ""


def _copy_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", repo)
    shutil.copytree(ROOT / "stacks", repo / "stacks")
    shutil.copytree(ROOT / "infra", repo / "infra",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return repo


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e",
                    *args], check=True, capture_output=True)


def test_base_reports_exactly_the_changed_bucket(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    stack = repo / "stacks" / "Pulumi.analytics-prod.yaml"
    stack.write_text(stack.read_text().replace(
        "{name: features}", "{name: features, expire_after_days: 30}"))
    _git(repo, "commit", "-qam", "expire features")
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli", "plan", "--format", "json", "--base", "HEAD~1"],
        cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)}, capture_output=True, text=True,
        check=False)
    assert done.returncode == 0, done.stderr
    diff = {d["stack"]: d for d in json.loads(done.stdout)["diff"]}
    changed = [s for s, d in diff.items() if d["added"] or d["removed"] or d["changed"]]
    assert all(not (d["added"] or d["removed"] or d["changed"])
               for s, d in diff.items() if s != "analytics-prod"), (
        f"stacks other than analytics-prod changed: {changed}")
    analytics = diff["analytics-prod"]
    assert analytics["added"] == [] and analytics["removed"] == []
    assert [(c["name"], c["keys"]) for c in analytics["changed"]] == [
        ("storage-features-lifecycle", ["rules"])]
    worktrees = subprocess.run(["git", "-C", str(repo), "worktree", "list"], check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()
    assert len(worktrees) == 1, "the temporary worktree was removed"


def test_base_that_is_not_a_commit(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    done = teamstack("plan", "--base", "no-such-rev", cwd=repo)
    assert done.returncode == 1 and "is not a commit" in done.stderr


@pytest.mark.parametrize("old, new, keys", [
    ({"a": 1, "b": {"c": 2}}, {"a": 1, "b": {"c": 3}}, ["b.c"]),
    ({"a": [1, 2]}, {"a": [1, 3]}, ["a[1]"]),
    ({"a": [1]}, {"a": [1, 2]}, ["a"]),
    ({"a": 1}, {"b": 1}, ["a", "b"]),
    ({"x": 1}, {"x": 1}, []),
])
def test_changed_keys(old: dict, new: dict, keys: list[str]) -> None:
    assert changed_keys(old, new) == keys


def test_diff_matches_by_urn() -> None:
    base = [{"urn": "u1", "type": "t", "name": "a", "inputs": {"x": 1}, "dependencies": []},
            {"urn": "u2", "type": "t", "name": "b", "inputs": {}, "dependencies": []}]
    head = [{"urn": "u1", "type": "t", "name": "a", "inputs": {"x": 2}, "dependencies": []},
            {"urn": "u3", "type": "t", "name": "c", "inputs": {}, "dependencies": []}]
    d = diff_stack("s", base, head)
    assert [c.name for c in d.added] == ["c"] and [c.name for c in d.removed] == ["b"]
    assert [(c.name, c.keys) for c in d.changed] == [("a", ("x",))]


def test_runtime_owned_fields_are_recorded(example_plans: dict[str, ResourceGraph]) -> None:
    group = only(example_plans["platform-prod"], "aws:eks/nodeGroup:NodeGroup")
    assert group.ignore_changes == ("scalingConfig.desiredSize",)
    assert group.to_json()["ignoreChanges"] == ["scalingConfig.desiredSize"]
    buckets = example_plans["vision-prod"].of_type("aws:s3/bucket:Bucket")
    assert all("ignoreChanges" not in b.to_json() for b in buckets), (
        "buckets with ignoreChanges: "
        f"{[b.name for b in buckets if 'ignoreChanges' in b.to_json()]}")


def test_manifests_are_written_per_stack(tmp_path: Path) -> None:
    done = teamstack("plan", "analytics-prod", "--format", "json", "--manifests",
                     str(tmp_path / "m"))
    assert done.returncode == 0, done.stderr
    files = sorted(p.name for p in (tmp_path / "m" / "analytics-prod").iterdir())
    assert "limitrange-team-analytics-team-defaults.yaml" in files
    assert any(name.startswith("nodepool-") for name in files)
    assert f"wrote {len(files)} manifests" in done.stderr


def test_every_format_shows_cost() -> None:
    done = teamstack("plan", "--all", "--format", "json")
    assert done.returncode == 0, done.stderr
    for entry in json.loads(done.stdout)["stacks"]:
        total = entry["cost"]["total"]
        assert 0 <= total["floor"] <= total["expected"] <= total["ceiling"], entry["stack"]
        assert entry["cost"]["missing_prices"] == [], entry["stack"]
    vision = next(s for s in json.loads(done.stdout)["stacks"] if s["stack"] == "vision-prod")
    assert vision["cost"]["components"]["gpu"]["ceiling"] > vision["cost"]["components"][
        "gpu"]["floor"], "a GPU pool's ceiling is its limits reached"
    text = teamstack("plan", "vision-prod")
    assert "monthly cost: floor $" in text.stdout and "Monthly cost of vision-prod" in text.stdout
    markdown = teamstack("plan", "vision-prod", "--format", "markdown")
    assert "| component | floor | expected | ceiling |" in markdown.stdout
    assert "floor / month" in markdown.stdout


def test_base_diffs_cost(tmp_path: Path) -> None:
    repo = _copy_repo(tmp_path)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    stack = repo / "stacks" / "Pulumi.vision-prod.yaml"
    stack.write_text(stack.read_text().replace("max_gpus: 64", "max_gpus: 32"))
    _git(repo, "commit", "-qam", "halve the GPU limit")
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli", "plan", "vision-prod", "--format", "json",
         "--base", "HEAD~1"], cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    cost_diff = doc["cost_diff"]["vision-prod"]
    assert cost_diff["delta"]["ceiling"] < 0
    changed_components = {k for k, v in cost_diff["components"].items()
                          if v["delta"] != {"floor": 0.0, "expected": 0.0, "ceiling": 0.0}}
    assert changed_components == {"gpu"}
    changed = {c["type"]: c["keys"] for c in doc["diff"][0]["changed"]}
    assert changed["kubernetes:karpenter.sh/v1:NodePool"] == ["spec.limits.nvidia.com/gpu"]
    assert "spec.hard.requests.nvidia.com/gpu" in changed["kubernetes:core/v1:ResourceQuota"]
