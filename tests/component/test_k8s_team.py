"""Team stacks on the platform cluster under mocks: each example stack's namespace, GPU pool,
Spark, notebooks and runners, with the fields its request and profiles decide."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.components.k8s import names, quota
from infra.components.k8s.cronwindow import window_end
from infra.components.k8s.runners import runner_set_name
from infra.graph import SECRET_MARKER, ResourceGraph
from infra.helm.arc import RunnerSetValues
from infra.profiles import resolve
from infra.request import TeamRequest
from infra.stackfile import load
from tests.component.find import only, single, where
from tests.k8s.kplan import by_object_name, configmap_json, plan_examples, recording_options

ROOT = Path(__file__).resolve().parents[2]
TEAMS = ["vision-prod", "analytics-prod", "insights-prod"]
RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
CRONJOB = "kubernetes:batch/v1:CronJob"


def request_of(stack: str) -> TeamRequest:
    return load(ROOT / "stacks" / f"Pulumi.{stack}.yaml").stack.team


def releases(graph: ResourceGraph) -> dict[str, dict[str, Any]]:
    return {r.inputs["name"]: r.inputs for r in graph.of_type(RELEASE)}


@pytest.fixture(scope="module")
def options() -> tuple[dict[str, ResourceGraph], dict[str, list[str]]]:
    """The example plans again, with each resource's ignore_changes."""
    with recording_options() as ignored:
        plans = plan_examples()
    return plans, dict(ignored)


@pytest.mark.parametrize("stack", TEAMS)
def test_namespace_quota_equals_max_gpus(example_plans: dict[str, ResourceGraph],
                                         stack: str) -> None:
    graph, request = example_plans[stack], request_of(stack)
    namespace = names.team_namespace(request.team)
    spaces = by_object_name(graph, "kubernetes:core/v1:Namespace")
    labels = spaces[namespace]["metadata"]["labels"]
    assert labels[names.LABEL_TEAM] == request.team and labels[names.LABEL_ROLE] == "team"
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    quotas = by_object_name(graph, "kubernetes:core/v1:ResourceQuota")
    hard = quotas["team-quota"]["spec"]["hard"]
    assert hard["requests.nvidia.com/gpu"] == str(request.gpu.max_gpus if request.gpu else 0)
    size = quota.quota_size(request)
    assert hard["requests.cpu"] == str(size.cpu)
    assert quotas["team-quota"]["metadata"]["namespace"] == namespace
    # placeholders (warm capacity) are outside the compute quota, nothing else is
    scope = single(quotas["team-quota"]["spec"]["scopeSelector"]["matchExpressions"],
                   "scope expression of team-quota")
    assert scope == {"scopeName": "PriorityClass", "operator": "NotIn",
                     "values": [names.PLACEHOLDER_PRIORITY_CLASS]}
    assert quotas["team-objects"]["spec"]["hard"] == {"services.loadbalancers": "0",
                                                      "services.nodeports": "0"}
    limits = by_object_name(graph, "kubernetes:core/v1:LimitRange")["team-defaults"]
    assert limits["spec"]["limits"][0]["defaultRequest"] == quota.LIMIT_DEFAULT_REQUEST


def test_quota_sizes_follow_the_request() -> None:
    vision, analytics = request_of("vision-prod"), request_of("analytics-prod")
    assert quota.quota_size(vision).gpus == 64
    # analytics: 8 GPUs, Spark at 50 executors, 6 runners, plus the base
    expected_cpu = (quota.BASE_CPU + 8 * quota.CPU_PER_GPU + quota.DRIVER_CORES
                    + 50 * quota.EXECUTOR_CORES + 6 * quota.RUNNER_CPU)
    assert quota.quota_size(analytics).cpu == expected_cpu
    capped = analytics.model_copy(update={"quota": analytics.quota.model_copy(
        update={"cpu": 12})})
    assert quota.quota_size(capped).cpu == 12


@pytest.mark.parametrize("stack", TEAMS)
def test_team_group_edits_its_own_namespace_only(example_plans: dict[str, ResourceGraph],
                                                 stack: str) -> None:
    graph, team = example_plans[stack], request_of(stack).team
    bindings = graph.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    group_bindings = [b.inputs for b in bindings
                      if any(s["kind"] == "Group" for s in b.inputs["subjects"])]
    assert len(group_bindings) == 1
    binding = single(group_bindings, "group_bindings")
    assert binding["metadata"]["namespace"] == names.team_namespace(team)
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                  "kind": "ClusterRole", "name": "edit"}
    assert binding["subjects"] == [{"kind": "Group", "name": f"teamstack-{team}",
                                    "apiGroup": "rbac.authorization.k8s.io"}]
    assert not graph.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")
    entry = only(graph, "aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["principalArn"] == graph.outputs["people_role_arn"]
    assert entry.inputs["kubernetesGroups"] == [f"teamstack-{team}"]
    assert entry.inputs["clusterName"] == "platform-prod-eks"


@pytest.mark.parametrize("stack", TEAMS)
def test_service_accounts_bound_to_the_workload_role(example_plans: dict[str, ResourceGraph],
                                                     stack: str) -> None:
    graph, request = example_plans[stack], request_of(stack)
    associations = {(r.inputs["namespace"], r.inputs["serviceAccount"]): r.inputs
                    for r in graph.of_type("aws:eks/podIdentityAssociation:"
                                           "PodIdentityAssociation")}
    team = request.team
    expected = {(names.team_namespace(team), f"{team}-workload"),
                (names.JUPYTERHUB_NAMESPACE, f"{team}-notebook")}
    if request.spark:
        expected.add((names.team_namespace(team), "spark"))
        # the history server reads event logs through its own read-only role (issue 11)
        history = associations.pop((names.team_namespace(team), "spark-history"))
        assert history["roleArn"].endswith(f"/{team}-prod-spark-history")
    assert set(associations) == expected
    for inputs in associations.values():
        assert inputs["roleArn"] == graph.outputs["workload_role_arn"], (
            where("inputs['roleArn']", inputs=inputs))
        assert inputs["clusterName"] == "platform-prod-eks", (
            where("inputs['clusterName']", inputs=inputs))
    accounts = {(i["metadata"]["namespace"], name)
                for name, i in by_object_name(graph, "kubernetes:core/v1:ServiceAccount").items()}
    assert expected <= accounts


@pytest.mark.parametrize("stack", ["vision-prod", "analytics-prod"])
def test_gpu_node_pool_matches_request_and_profile(example_plans: dict[str, ResourceGraph],
                                                   stack: str) -> None:
    graph, request = example_plans[stack], request_of(stack)
    policy = resolve(request.gpu.profile, request).karpenter
    pools = by_object_name(graph, NODE_POOL)
    pool = pools[f"{request.team}-gpu"]["spec"]
    assert pool["limits"] == {"nvidia.com/gpu": request.gpu.max_gpus}
    template = pool["template"]["spec"]
    assert template["taints"] == [
        {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},
        {"key": "teamstack.io/team", "value": request.team, "effect": "NoSchedule"}]
    assert pool["template"]["metadata"]["labels"]["teamstack.io/team"] == request.team
    assert template["nodeClassRef"] == {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass",
                                        "name": "gpu"}
    requirements = {r["key"]: r["values"] for r in template["requirements"]}
    assert requirements["node.kubernetes.io/instance-type"] == request.gpu.instance_types
    assert requirements["karpenter.sh/capacity-type"] == list(policy.capacity_types)
    assert template["expireAfter"] == policy.expire_after
    disruption = pool["disruption"]
    assert disruption["consolidationPolicy"] == policy.consolidation_policy
    assert disruption["consolidateAfter"] == policy.consolidate_after
    assert len(disruption["budgets"]) == len(policy.budgets)
    for recorded, budget in zip(disruption["budgets"], policy.budgets, strict=True):
        assert recorded["nodes"] == budget.nodes, (
            where("recorded['nodes']", recorded=recorded, budget=budget))
        assert recorded.get("schedule") == budget.schedule, (
            where("recorded.get('schedule')", recorded=recorded, budget=budget))
        assert recorded.get("duration") == budget.duration, (
            where("recorded.get('duration')", recorded=recorded, budget=budget))
        assert recorded.get("reasons") == (list(budget.reasons) if budget.reasons else None), (
            where("recorded.get('reasons')", recorded=recorded, budget=budget))


def test_profiles_differ_where_they_should(example_plans: dict[str, ResourceGraph]) -> None:
    """vision (experiment) repacks spot capacity; analytics (scheduled-retrain) never repacks
    and blocks image roll-outs during its 02:00 retraining window."""
    vision = by_object_name(example_plans["vision-prod"], NODE_POOL)["vision-gpu"]["spec"]
    analytics = by_object_name(example_plans["analytics-prod"], NODE_POOL)[
        "analytics-gpu"]["spec"]
    assert vision["disruption"]["consolidationPolicy"] == "WhenEmptyOrUnderutilized"
    assert analytics["disruption"]["consolidationPolicy"] == "WhenEmpty"
    assert {"nodes": "0", "schedule": "0 2 * * *", "duration": "6h",
            "reasons": ["Drifted"]} in analytics["disruption"]["budgets"]
    assert not by_object_name(example_plans["insights-prod"], NODE_POOL)


def test_warm_gpu_capacity_follows_the_profile_window(
        options: tuple[dict[str, ResourceGraph], dict[str, list[str]]]) -> None:
    plans, ignored = options
    graph, request = plans["vision-prod"], request_of("vision-prod")
    policy = resolve(request.gpu.profile, request).karpenter
    window = single(policy.warm_floor, "policy.warm_floor")
    warm = only(graph, "kubernetes:apps/v1:Deployment",
                lambda r: r.inputs["metadata"]["name"] == "vision-gpu-warm",
                "with metadata.name vision-gpu-warm")
    spec = warm.inputs["spec"]
    assert spec["replicas"] == 0  # outside the window; the CronJobs move it
    pod = spec["template"]["spec"]
    assert pod["priorityClassName"] == names.PLACEHOLDER_PRIORITY_CLASS
    assert pod["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] == "1"
    assert pod["nodeSelector"] == {"teamstack.io/team": "vision",
                                   "karpenter.sh/nodepool": "vision-gpu"}
    assert ignored[warm.urn] == ["spec.replicas"]
    jobs = {i["metadata"]["name"]: i["spec"] for i in
            (r.inputs for r in graph.of_type(CRONJOB))}
    start, end = jobs["vision-gpu-warm-start-0"], jobs["vision-gpu-warm-end-0"]
    assert start["schedule"] == window.schedule == "45 7 * * 1-5"
    assert end["schedule"] == window_end(window.schedule, window.duration) == "0 19 * * 1-5"
    assert start["timeZone"] == end["timeZone"] == "Europe/Berlin"
    args = start["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[:3] == ["patch", "deployments.apps", "vision-gpu-warm"]
    assert json.loads(args[args.index("--patch") + 1]) == {"spec": {"replicas": window.nodes}}
    # analytics' scheduled-retrain profile keeps no warm capacity
    assert not [r for r in plans["analytics-prod"].of_type("kubernetes:apps/v1:Deployment")
                if r.inputs["metadata"]["name"].endswith("-warm")]


def test_scheduler_may_patch_only_its_target(example_plans: dict[str, ResourceGraph]) -> None:
    graph = example_plans["vision-prod"]
    roles = by_object_name(graph, "kubernetes:rbac.authorization.k8s.io/v1:Role")
    assert roles["vision-models-cpu-scheduler"]["rules"] == [{
        "apiGroups": ["actions.github.com"], "resources": ["autoscalingrunnersets"],
        "resourceNames": ["vision-models-cpu"], "verbs": ["get", "patch"]}]
    assert roles["vision-gpu-warm-scheduler"]["rules"][0]["resourceNames"] == [
        "vision-gpu-warm"]


@pytest.mark.parametrize("stack", ["vision-prod", "analytics-prod"])
def test_runner_sets_min_max_and_credentials(
        options: tuple[dict[str, ResourceGraph], dict[str, list[str]]], stack: str) -> None:
    plans, ignored = options
    graph, request = plans[stack], request_of(stack)
    bundle = resolve(request.ci_runners.profile, request)
    runs = releases(graph)
    repositories = request.ci_runners.repositories
    set_name = runner_set_name(request.team, "cpu", repositories[0], repositories)
    cpu = runs[set_name]
    assert cpu["chart"].endswith("/gha-runner-scale-set") and cpu["version"] == "0.10.1"
    assert cpu["namespace"] == names.ci_namespace(request.team)  # no member is bound there
    values = RunnerSetValues.model_validate(cpu["values"])  # the typed model accepts them
    assert values.min_runners == bundle.ci_runners.min_runners
    assert values.max_runners == request.ci_runners.max_runners
    assert values.github_config_url == f"https://github.com/{repositories[0]}"
    assert values.github_config_secret == "github-app"
    assert values.template.spec.automount_service_account_token is False
    secrets = by_object_name(graph, "kubernetes:core/v1:Secret")
    assert secrets["github-app"]["stringData"] == SECRET_MARKER
    assert "offline-plan-placeholder" not in json.dumps([r.inputs for r in graph.resources])
    release = only(graph, RELEASE, lambda r: r.inputs["name"] == set_name,
                   f"named {set_name}")
    owned = ["values.minRunners"] if bundle.ci_runners.warm_floor else []
    assert ignored[release.urn] == owned


def test_gpu_runners_on_the_team_pool(example_plans: dict[str, ResourceGraph]) -> None:
    gpu = releases(example_plans["vision-prod"])["vision-models-gpu"]["values"]
    spec = gpu["template"]["spec"]
    assert spec["nodeSelector"] == {"teamstack.io/team": "vision",
                                    "karpenter.sh/nodepool": "vision-gpu"}
    assert spec["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert {t["key"] for t in spec["tolerations"]} == {"nvidia.com/gpu", "teamstack.io/team"}
    assert gpu["minRunners"] == 0 and gpu["maxRunners"] == 12
    assert "analytics-gpu" not in releases(example_plans["analytics-prod"])


def test_runner_warm_floor_cronjobs(example_plans: dict[str, ResourceGraph]) -> None:
    request = request_of("vision-prod")
    policy = resolve(request.ci_runners.profile, request).ci_runners
    window = single(policy.warm_floor, "policy.warm_floor")
    jobs = by_object_name(example_plans["vision-prod"], CRONJOB)
    for job, schedule, minimum in (
            ("vision-models-cpu-start-0", window.schedule, window.min_runners),
            ("vision-models-cpu-end-0", window_end(window.schedule, window.duration),
             policy.min_runners)):
        spec = jobs[job]["spec"]
        assert spec["schedule"] == schedule and spec["timeZone"] == policy.timezone, (
            where("spec['schedule'] == schedule and spec['timeZone'] == poli...",
                  job=job, schedule=schedule, minimum=minimum))
        pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] == "vision-models-cpu-scheduler", (
            where("pod['serviceAccountName']", job=job, schedule=schedule, minimum=minimum))
        args = pod["containers"][0]["args"]
        assert args[:3] == ["patch", "autoscalingrunnersets.actions.github.com",
                            "vision-models-cpu"], (
            where("args[:3]", job=job, schedule=schedule, minimum=minimum))
        assert json.loads(args[args.index("--patch") + 1]) == {
            "spec": {"minRunners": minimum}}, (
            where("json.loads(args[args.index('--patch') + 1])",
                  job=job, schedule=schedule, minimum=minimum))
    assert window.min_runners == 2 and policy.min_runners == 0
    assert not [j for j in by_object_name(example_plans["analytics-prod"], CRONJOB)
                if j.startswith("analytics-cpu")]  # scheduled-retrain: no warm floor


@pytest.mark.parametrize("stack", TEAMS)
def test_notebook_profiles_carry_the_culler_timeout(example_plans: dict[str, ResourceGraph],
                                                    stack: str) -> None:
    graph, request = example_plans[stack], request_of(stack)
    timeout = resolve(request.notebooks.profile, request).notebooks.cull_idle_timeout_s
    maps = by_object_name(graph, "kubernetes:core/v1:ConfigMap")
    profiles = maps[f"profiles-{request.team}"]
    assert profiles["metadata"]["namespace"] == names.JUPYTERHUB_NAMESPACE
    assert profiles["metadata"]["labels"][names.LABEL_HUB_PROFILES] == "true"
    entry = configmap_json(profiles, "profiles.json")
    assert entry["team"] == request.team and entry["group"] == f"teamstack-{request.team}"
    assert entry["cull_idle_timeout_s"] == timeout
    slugs = [p["slug"] for p in entry["profiles"]]
    assert slugs == [f"{request.team}-cpu"] + ([f"{request.team}-gpu"]
                                               if request.notebooks.gpu else [])
    for profile in entry["profiles"]:
        override = profile["kubespawner_override"]
        assert f"--ServerApp.shutdown_no_activity_timeout={timeout}" in override["args"], (
            where("f'--ServerApp.shutdown_no_activity_timeout={timeout}'", profile=profile))
        assert f"--MappingKernelManager.cull_idle_timeout={timeout}" in override["args"], (
            where("f'--MappingKernelManager.cull_idle_timeout={timeout}'", profile=profile))
        assert override["service_account"] == f"{request.team}-notebook", (
            where("override['service_account']", profile=profile))
        assert override["storage_capacity"] == f"{request.notebooks.storage_gib}Gi", (
            where("override['storage_capacity']", profile=profile))
    if request.notebooks.gpu:
        gpu = entry["profiles"][1]["kubespawner_override"]
        assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
        assert gpu["node_selector"]["karpenter.sh/nodepool"] == f"{request.team}-gpu"


@pytest.mark.parametrize("stack", TEAMS)
def test_each_member_mounts_only_their_own_home(example_plans: dict[str, ResourceGraph],
                                                stack: str) -> None:
    graph, request = example_plans[stack], request_of(stack)
    entry = configmap_json(by_object_name(graph, "kubernetes:core/v1:ConfigMap")[
        f"profiles-{request.team}"], "profiles.json")
    assert entry["homes"] == {m.email: f"{request.team}-home-{m.name}" for m in request.members}
    volumes = by_object_name(graph, "kubernetes:core/v1:PersistentVolume")
    claims = by_object_name(graph, "kubernetes:core/v1:PersistentVolumeClaim")
    points = graph.outputs["access_point_ids"]
    for member in request.members:
        volume = volumes[f"{stack}-home-{member.name}"]["spec"]
        assert volume["csi"] == {"driver": "efs.csi.aws.com", "volumeHandle":
                                 f"{graph.outputs['file_system_id']}::{points[member.name]}"}, (
            where("volume['csi']", member=member))
        claim = claims[f"{request.team}-home-{member.name}"]
        assert claim["metadata"]["namespace"] == names.JUPYTERHUB_NAMESPACE, (
            where("claim['metadata']['namespace']", member=member))
        assert claim["spec"]["volumeName"] == f"{stack}-home-{member.name}", (
            where("claim['spec']['volumeName']", member=member))
    rules = [r.inputs for r in graph.of_type("aws:vpc/securityGroupIngressRule:"
                                             "SecurityGroupIngressRule")
             if r.name == "notebooks-nfs-from-cluster"]
    node_sg = example_plans["platform-prod"].outputs["cluster_node_security_group_id"]
    assert rules == [{**rules[0], "ipProtocol": "tcp", "fromPort": 2049, "toPort": 2049,
                      "referencedSecurityGroupId": node_sg,
                      "securityGroupId": graph.outputs["nfs_security_group_id"]}]


def test_spark_operator_namespace(example_plans: dict[str, ResourceGraph]) -> None:
    graph, request = example_plans["analytics-prod"], request_of("analytics-prod")
    policy = resolve(request.spark.profile, request).spark
    maps = by_object_name(graph, "kubernetes:core/v1:ConfigMap")
    conf = dict(line.split(" ", 1) for line in
                maps["spark-defaults"]["data"]["spark-defaults.conf"].splitlines())
    assert conf["spark.dynamicAllocation.minExecutors"] == str(
        policy.dynamic_allocation_min_executors)
    assert conf["spark.dynamicAllocation.maxExecutors"] == str(request.spark.max_executors)
    assert conf["spark.dynamicAllocation.executorIdleTimeout"] == \
        f"{policy.executor_idle_timeout_s}s"
    assert conf["spark.eventLog.dir"] == "s3a://analytics-prod-raw/spark-events/"
    scheduled = only(
        graph, "kubernetes:sparkoperator.k8s.io/v1beta2:ScheduledSparkApplication").inputs
    assert scheduled["spec"]["schedule"] == request.spark.schedule == "0 2 * * *"
    template = scheduled["spec"]["template"]
    assert template["sparkConfigMap"] == "spark-defaults"
    assert template["driver"]["serviceAccount"] == "spark"
    assert template["dynamicAllocation"]["maxExecutors"] == request.spark.max_executors
    history = by_object_name(graph, "kubernetes:apps/v1:Deployment")["spark-history"]
    command = history["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "spark.history.fs.logDirectory=s3a://analytics-prod-raw/spark-events/" in command
    roles = by_object_name(graph, "kubernetes:rbac.authorization.k8s.io/v1:Role")
    assert roles["spark-driver"]["metadata"]["namespace"] == "team-analytics"


def test_teams_without_a_section_get_nothing_of_it(example_plans: dict[str, ResourceGraph],
                                                   ) -> None:
    insights = example_plans["insights-prod"]
    assert not insights.of_type(RELEASE)
    assert not insights.of_type(CRONJOB)
    assert not [r for r in insights.resources if "spark" in r.type.lower()]
