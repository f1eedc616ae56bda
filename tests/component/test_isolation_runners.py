"""Issue 11, findings 3 and 4: runner scale sets take jobs from the request's repositories only,
the GitHub App key sits where no team member can read it, and a stack file cannot name another
team's secret. Validation through the CLI's loader; plans from the real program."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infra.components.k8s import names
from infra.components.k8s.runners import runner_set_name
from infra.graph import ResourceGraph
from infra.helm.arc import RunnerSetValues
from infra.request import TeamRequest
from infra.stackfile import load

RELEASE = "kubernetes:helm.sh/v3:Release"
ROOT = Path(__file__).resolve().parents[2]

TEAM = """\
config:
  aws:region: eu-west-1
  teamstack:request:
    team: nlp
    environment: prod
    owners: ["@acme/nlp-leads"]
    cost_center: CC-1234
    budget: {{monthly_usd: 1000, notify: [ops@example.com]}}
    ci_runners:
      github_org: acme
      repositories: [{repos}]
      app_secret: {secret}
"""


def write(tmp_path: Path, secret: str, repos: str = "acme/nlp-models") -> Path:
    shutil.copy(ROOT / "stacks" / "Pulumi.platform-prod.yaml", tmp_path)
    path = tmp_path / "Pulumi.nlp-prod.yaml"
    path.write_text(TEAM.format(secret=secret, repos=repos), encoding="utf-8")
    return path


@pytest.mark.parametrize("secret", ["teamstack/vision-prod/github-app",
                                    "teamstack/nlp-prod-other/github-app",
                                    "arn:aws:secretsmanager:eu-west-1:1:secret:teamstack/nlp-prod/x",
                                    "github-app"])
def test_app_secret_outside_the_teams_prefix_is_refused(tmp_path: Path, secret: str) -> None:
    result = load(write(tmp_path, secret))
    assert result.stack is None
    [problem] = result.problems
    text = str(problem)
    assert text.startswith(f"{tmp_path / 'Pulumi.nlp-prod.yaml'}:10:")  # the ci_runners line
    assert "ci_runners" in text and "app_secret" in text and "teamstack/nlp-prod/" in text


def test_app_secret_under_the_prefix_is_accepted(tmp_path: Path) -> None:
    result = load(write(tmp_path, "teamstack/nlp-prod/github-app-ci"))
    assert result.problems == [] and result.stack is not None


def test_validate_cli_exits_1_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "teamstack/vision-prod/github-app")
    run = subprocess.run([sys.executable, "-m", "infra.cli", "validate", str(path)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "app_secret 'teamstack/vision-prod/github-app' is not the team's" in \
        run.stdout + run.stderr


def test_repositories_must_belong_to_the_org() -> None:
    with pytest.raises(ValidationError, match="not in github_org 'acme'"):
        TeamRequest.model_validate({
            "team": "nlp", "environment": "prod", "owners": ["@acme/x"], "cost_center": "CC-1",
            "budget": {"monthly_usd": 1, "notify": ["a@example.com"]},
            "ci_runners": {"github_org": "acme", "repositories": ["evil/repo"]}})


def test_runner_values_refuse_an_organisation_url() -> None:
    base: dict[str, Any] = {
        "githubConfigSecret": "github-app", "runnerScaleSetName": "nlp-cpu", "minRunners": 0,
        "maxRunners": 1, "controllerServiceAccount": {"namespace": "arc", "name": "arc"},
        "template": {"spec": {"containers": [{"resources": {}}]}}}
    with pytest.raises(ValidationError, match="githubConfigUrl"):
        RunnerSetValues.model_validate({**base, "githubConfigUrl": "https://github.com/acme"})
    RunnerSetValues.model_validate({**base, "githubConfigUrl": "https://github.com/acme/x"})


def test_set_names() -> None:
    assert runner_set_name("nlp", "cpu", "acme/a", ["acme/a"]) == "nlp-cpu"
    two = ["acme/nlp-models", "acme/Data.Tools"]
    assert runner_set_name("nlp", "cpu", two[0], two) == "nlp-models-cpu"
    odd = runner_set_name("nlp", "gpu", two[1], two)
    assert odd.startswith("nlp-data-tools-") and odd.endswith("-gpu") and len(odd) <= 45
    long = runner_set_name("nlp", "cpu", "acme/" + "x" * 80, ["acme/" + "x" * 80, "acme/y"])
    assert len(long) <= 45


@pytest.mark.parametrize("stack", ["vision-prod", "analytics-prod"])
def test_every_runner_set_is_registered_for_one_listed_repository(
        example_plans: dict[str, ResourceGraph], stack: str) -> None:
    graph = example_plans[stack]
    team = stack.removesuffix("-prod")
    request = load(ROOT / "stacks" / f"Pulumi.{stack}.yaml").stack.request  # type: ignore
    wanted = {f"https://github.com/{r}" for r in request.ci_runners.repositories}
    releases = [r.inputs for r in graph.of_type(RELEASE)
                if r.inputs["chart"].endswith("/gha-runner-scale-set")]
    assert releases
    urls = {r["values"]["githubConfigUrl"] for r in releases}
    assert urls == wanted  # every repository served, nothing at the organisation
    assert all(r["namespace"] == names.ci_namespace(team) for r in releases)


def test_app_key_lives_where_no_member_is_bound(example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    secrets = [r.inputs["metadata"] for r in graph.of_type("kubernetes:core/v1:Secret")]
    assert {"name": "github-app", "namespace": "ci-vision"} in [
        {"name": m["name"], "namespace": m["namespace"]} for m in secrets]
    assert not [m for m in secrets if m["namespace"] == names.team_namespace("vision")]
    bindings = [r.inputs for r in graph.of_type("kubernetes:rbac.authorization.k8s.io/v1:"
                                                "RoleBinding")]
    member_group = names.team_group("vision")
    bound = {b["metadata"]["namespace"] for b in bindings
             if any(s.get("name") == member_group for s in b.get("subjects") or [])}
    assert bound == {names.team_namespace("vision")}
    [ns] = [r.inputs for r in graph.of_type("kubernetes:core/v1:Namespace")
            if r.inputs["metadata"]["name"] == "ci-vision"]
    assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    policies = {r.inputs["metadata"]["name"] for r in
                graph.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                if r.inputs["metadata"]["namespace"] == "ci-vision"}
    assert policies == {"ci-default-deny-ingress", "ci-allow-same-namespace",
                        "ci-egress-all-but-nfs"}
    assert json.dumps(secrets).count("github_app_private_key") == 0  # values stay secret


def test_spark_image_may_be_pinned_by_digest() -> None:
    base = {"team": "nlp", "environment": "prod", "owners": ["@acme/x"], "cost_center": "CC-1",
            "budget": {"monthly_usd": 1, "notify": ["a@example.com"]},
            "storage": {"buckets": [{"name": "raw"}]}}
    digest = "apache/spark:3.5.3@sha256:" + "0" * 64
    request = TeamRequest.model_validate({**base, "spark": {"image": digest}})
    assert request.spark is not None and request.spark.image == digest
    with pytest.raises(ValidationError):
        TeamRequest.model_validate({**base, "spark": {"image": "apache/spark@sha256:abc"}})
