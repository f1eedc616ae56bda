"""The platform cluster under mocks: a private EKS control plane on the platform network,
hardened nodes, Karpenter with its queue and node classes, pinned add-ons, the shared hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.components.k8s import karpenter_specs, names, notebook_specs
from infra.components.k8s.iam import INTERRUPTION_EVENTS
from infra.graph import SECRET_MARKER, ResourceGraph
from infra.profiles import PROFILE_NAMES, resolve
from infra.request import PlatformRequest
from infra.stackfile import load
from tests.component.find import one, only, single, where
from tests.k8s.kplan import by_object_name

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.fixture(scope="module")
def platform(example_plans: dict[str, ResourceGraph]) -> ResourceGraph:
    return example_plans["platform-prod"]


@pytest.fixture(scope="module")
def request_() -> PlatformRequest:
    return load(ROOT / "stacks" / "Pulumi.platform-prod.yaml").stack.platform


def releases(graph: ResourceGraph) -> dict[str, dict]:
    return {r.inputs["name"]: r.inputs for r in graph.of_type(RELEASE)}


def test_control_plane_is_private_encrypted_logged(platform: ResourceGraph,
                                                   request_: PlatformRequest) -> None:
    cluster = only(platform, "aws:eks/cluster:Cluster")
    inputs = cluster.inputs
    assert inputs["name"] == "platform-prod-eks" == platform.outputs["cluster_name"]
    assert inputs["version"] == request_.cluster.kubernetes_version == "1.31"
    vpc = inputs["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    # public only because the request asks for it, and then only for the allow-list
    assert request_.cluster.public_endpoint is True
    assert vpc["endpointPublicAccess"] is True
    assert vpc["publicAccessCidrs"] == request_.access_cidrs
    assert vpc["subnetIds"] == platform.outputs["private_subnet_ids"]
    assert inputs["accessConfig"]["authenticationMode"] == "API"
    key = only(platform, "aws:kms/key:Key", lambda r: r.name == "cluster-secrets-key",
             'where r.name == "cluster-secrets-key"')
    assert key.inputs["enableKeyRotation"] is True
    assert inputs["encryptionConfig"]["resources"] == ["secrets"]
    assert inputs["encryptionConfig"]["provider"]["keyArn"].startswith("arn:aws:kms:")
    assert set(inputs["enabledClusterLogTypes"]) == {
        "api", "audit", "authenticator", "controllerManager", "scheduler"}
    logs = by_object_name_aws(platform, "aws:cloudwatch/logGroup:LogGroup")
    assert "/aws/eks/platform-prod-eks/cluster" in logs


def by_object_name_aws(graph: ResourceGraph, type_token: str) -> dict[str, dict]:
    return {r.inputs["name"]: r.inputs for r in graph.of_type(type_token)}


def test_private_endpoint_only_when_not_asked(tmp_path: Path) -> None:
    from infra.plan.orchestrate import load_all, plan_loaded
    from tests.k8s.kplan import edited_request

    def private(request: dict) -> None:
        request["cluster"]["public_endpoint"] = False

    path = tmp_path / "Pulumi.platform-prod.yaml"
    path.write_text(edited_request("platform-prod", private), encoding="utf-8")
    graph = plan_loaded(load_all([path], tmp_path), jobs=1).by_stack()["platform-prod"]
    cluster = only(graph, "aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in cluster.inputs["vpcConfig"]


def test_node_security_group_admits_only_its_members(platform: ResourceGraph) -> None:
    groups = by_object_name_aws(platform, "aws:ec2/securityGroup:SecurityGroup")
    nodes = groups["platform-prod-eks-nodes"]
    assert [rule.get("self") for rule in nodes["ingress"]] == [True]
    assert all(not rule.get("cidrBlocks") for rule in nodes["ingress"]), (
        f"platform-prod-eks-nodes ingress admits address ranges: {nodes['ingress']}")
    cluster = only(platform, "aws:eks/cluster:Cluster")
    sg_id = platform.outputs["cluster_node_security_group_id"]
    assert cluster.inputs["vpcConfig"]["securityGroupIds"] == [sg_id]


def test_system_nodes_are_hardened_and_tainted(platform: ResourceGraph,
                                               request_: PlatformRequest) -> None:
    template = only(platform, "aws:ec2/launchTemplate:LaunchTemplate")
    metadata = template.inputs["metadataOptions"]
    assert metadata["httpTokens"] == "required" and metadata["httpPutResponseHopLimit"] == 1
    device = single(template.inputs["blockDeviceMappings"], "block device of the launch template")
    assert device["ebs"]["encrypted"] == "true"
    group = only(platform, "aws:eks/nodeGroup:NodeGroup")
    inputs = group.inputs
    assert inputs["subnetIds"] == platform.outputs["private_subnet_ids"]
    assert inputs["instanceTypes"] == [request_.cluster.system_instance_type]
    assert inputs["scalingConfig"]["minSize"] == request_.cluster.system_nodes_min
    assert inputs["scalingConfig"]["maxSize"] == request_.cluster.system_nodes_max
    assert inputs["launchTemplate"]["id"].startswith("lt-")
    assert inputs["taints"] == [{"key": "CriticalAddonsOnly", "value": "true",
                                 "effect": "NO_SCHEDULE"}]
    assert inputs["labels"] == {names.NODE_ROLE_LABEL: names.NODE_ROLE_SYSTEM}


def test_eks_addons_pinned_and_network_policy_enforced(platform: ResourceGraph,
                                                       request_: PlatformRequest) -> None:
    addons = {r.inputs["addonName"]: r.inputs for r in platform.of_type("aws:eks/addon:Addon")}
    pins = request_.cluster.addons
    assert addons["vpc-cni"]["addonVersion"] == pins.vpc_cni
    assert json.loads(addons["vpc-cni"]["configurationValues"]) == {
        "enableNetworkPolicy": "true"}
    assert addons["eks-pod-identity-agent"]["addonVersion"] == pins.pod_identity_agent
    ebs = addons["aws-ebs-csi-driver"]
    assert ebs["addonVersion"] == pins.ebs_csi_driver
    association = single(ebs["podIdentityAssociations"], "ebs['podIdentityAssociations']")
    assert association["serviceAccount"] == names.EBS_CSI_CONTROLLER_SERVICE_ACCOUNT


def test_karpenter_queue_rules_role_and_release(platform: ResourceGraph,
                                                request_: PlatformRequest) -> None:
    queue = only(platform, "aws:sqs/queue:Queue")
    assert queue.inputs["sqsManagedSseEnabled"] is True
    rules = {r.name: r.inputs for r in platform.of_type("aws:cloudwatch/eventRule:EventRule")}
    patterns = sorted(json.loads(r["eventPattern"])["detail-type"][0] for r in rules.values())
    assert patterns == sorted(p["detail-type"][0] for p in INTERRUPTION_EVENTS.values())
    targets = platform.of_type("aws:cloudwatch/eventTarget:EventTarget")
    queue_arn = f"arn:aws:sqs:eu-west-1:123456789012:{queue.inputs['name']}"
    assert len(targets) == 4 and all(t.inputs["arn"] == queue_arn for t in targets)
    identities = {(r.inputs["namespace"], r.inputs["serviceAccount"]): r.inputs
                  for r in platform.of_type("aws:eks/podIdentityAssociation:"
                                            "PodIdentityAssociation")}
    controller = identities[(names.KARPENTER_NAMESPACE, names.KARPENTER_SERVICE_ACCOUNT)]
    assert controller["roleArn"].endswith(":role/platform-prod-eks-karpenter-controller")
    release = releases(platform)["karpenter"]
    assert release["version"] == request_.charts.karpenter
    assert release["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    settings = release["values"]["settings"]
    assert settings == {"clusterName": "platform-prod-eks",
                        "clusterEndpoint": platform.outputs["cluster_endpoint"],
                        "interruptionQueue": queue.inputs["name"]}
    assert release["values"]["serviceAccount"]["name"] == names.KARPENTER_SERVICE_ACCOUNT
    access = [a for a in platform.of_type("aws:eks/accessEntry:AccessEntry")
              if a.inputs["type"] != "STANDARD"]  # STANDARD: the deployer's admin (issue 11)
    assert [a.inputs["type"] for a in access] == ["EC2_LINUX"]
    assert access[0].inputs["principalArn"].endswith(
        f":role/{platform.outputs['karpenter_node_role_name']}")


def test_controller_policy_is_scoped_to_this_cluster(platform: ResourceGraph) -> None:
    policy = one(platform, "aws:iam/rolePolicy:RolePolicy", "karpenter-controller-policy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    tag = "kubernetes.io/cluster/platform-prod-eks"
    assert statements["DeleteOwned"]["Condition"]["StringEquals"] == {
        f"aws:ResourceTag/{tag}": "owned"}
    assert statements["PassNodeRole"]["Resource"].endswith(
        ":role/platform-prod-eks-karpenter-node")
    assert statements["InterruptionQueue"]["Resource"].endswith(":platform-prod-eks-karpenter")
    unscoped = [sid for sid, s in statements.items()
                if s["Resource"] == "*" and sid not in ("Describe", "Pricing")]
    assert unscoped == []


def test_node_classes_cpu_and_accelerated_gpu(platform: ResourceGraph) -> None:
    classes = by_object_name(platform, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")
    assert set(classes) == {names.CPU_NODE_CLASS, names.GPU_NODE_CLASS}
    for body in classes.values():
        spec = body["spec"]
        assert spec["role"] == platform.outputs["karpenter_node_role_name"], (
            where("spec['role']", body=body))
        assert [t["id"] for t in spec["subnetSelectorTerms"]] == \
            platform.outputs["private_subnet_ids"], (
            where("[t['id'] for t in spec['subnetSelectorTerms']]", body=body))
        assert spec["securityGroupSelectorTerms"] == [
            {"id": platform.outputs["cluster_node_security_group_id"]}], (
            where("spec['securityGroupSelectorTerms']", body=body))
        assert spec["metadataOptions"]["httpTokens"] == "required", (
            where("spec['metadataOptions']['httpTokens']", body=body))
        assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1, (
            where("spec['metadataOptions']['httpPutResponseHopLimit']", body=body))
        assert all(d["ebs"]["encrypted"] is True for d in spec["blockDeviceMappings"]), (
            f"EC2NodeClass {body['metadata']['name']}: blockDeviceMappings not all encrypted: "
            f"{spec['blockDeviceMappings']}")
        assert spec["tags"]["cost-center"] == "CC-0001", (
            where("spec['tags']['cost-center']", body=body))
    assert classes["cpu"]["spec"]["amiSelectorTerms"] == [{"alias": "al2023@latest"}]
    gpu = classes["gpu"]["spec"]
    term = single(gpu["amiSelectorTerms"], "gpu['amiSelectorTerms']")
    assert gpu["amiFamily"] == "AL2023" and term["id"].startswith("ami-")
    # the id is the one the accelerated (nvidia) AMI's public parameter names
    from infra.plan.mocks import PlanMocks, _ssm_parameter
    expected = _ssm_parameter({"name": karpenter_specs.gpu_ami_parameter("1.31")},
                              PlanMocks("eu-west-1"))["value"]
    assert "/nvidia/" in karpenter_specs.gpu_ami_parameter("1.31") and term["id"] == expected
    pools = by_object_name(platform, "kubernetes:karpenter.sh/v1:NodePool")
    assert pools[names.GENERAL_NODE_POOL]["spec"]["template"]["spec"]["nodeClassRef"][
        "name"] == names.CPU_NODE_CLASS


def test_every_chart_is_the_pinned_version(platform: ResourceGraph,
                                           request_: PlatformRequest) -> None:
    charts = request_.charts
    by_release = {name: inputs["version"] for name, inputs in releases(platform).items()}
    assert by_release == {
        "karpenter": charts.karpenter, "aws-efs-csi-driver": charts.aws_efs_csi_driver,
        "nvidia-device-plugin": charts.nvidia_device_plugin,
        "spark-operator": charts.spark_operator, "arc": charts.arc_controller,
        "jupyterhub": charts.jupyterhub}
    for inputs in releases(platform).values():
        assert inputs["atomic"] is True, (
            where("inputs['atomic']", inputs=inputs))


def test_add_ons_run_on_system_nodes_device_plugin_on_gpu_nodes(platform: ResourceGraph) -> None:
    values = {name: inputs["values"] for name, inputs in releases(platform).items()}
    system = {names.NODE_ROLE_LABEL: names.NODE_ROLE_SYSTEM}
    assert values["karpenter"]["nodeSelector"] == system
    assert values["spark-operator"]["controller"]["nodeSelector"] == system
    assert values["arc"]["nodeSelector"] == system
    assert values["jupyterhub"]["hub"]["nodeSelector"] == system
    plugin = values["nvidia-device-plugin"]
    term = single(plugin["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"],
        "node selector term of the device plugin")
    assert term["matchExpressions"] == [{"key": names.GPU_MANUFACTURER_LABEL, "operator": "In",
                                         "values": ["nvidia"]}]
    assert {t["key"] for t in plugin["tolerations"]} == {names.GPU_TAINT_KEY,
                                                         names.TEAM_TAINT_KEY}
    # team namespaces bring their own Spark service accounts
    assert values["spark-operator"]["spark"] == {
        "jobNamespaces": [""], "serviceAccount": {"create": False}, "rbac": {"create": False}}
    assert values["arc"]["serviceAccount"]["name"] == names.ARC_CONTROLLER_SERVICE_ACCOUNT


def test_hub_reads_team_profiles_and_culls_as_backstop(platform: ResourceGraph) -> None:
    hub = releases(platform)["jupyterhub"]["values"]
    code = hub["hub"]["extraConfig"]["10-teamstack-profiles"]
    assert "def profiles_for" in code and "c.KubeSpawner.profile_list" in code
    longest = max(resolve(p).notebooks.cull_idle_timeout_s for p in PROFILE_NAMES)
    assert hub["cull"]["timeout"] == longest == notebook_specs.hub_cull_timeout()
    assert hub["cull"]["enabled"] is True
    assert hub["hub"]["config"]["GenericOAuthenticator"]["allow_all"] is False
    assert hub["proxy"]["service"]["type"] == "ClusterIP"
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in hub["hub"]["extraEnv"]}
    assert env["OAUTH_CLIENT_SECRET"] == {"name": "hub-oauth", "key": "client_secret"}
    roles = by_object_name(platform, "kubernetes:rbac.authorization.k8s.io/v1:Role")
    assert roles["teamstack-read-profiles"]["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]


def test_credentials_never_in_the_plan(platform: ResourceGraph) -> None:
    secret = only(platform, "kubernetes:core/v1:Secret")
    assert secret.inputs["stringData"] == SECRET_MARKER
    assert "offline-plan-placeholder" not in json.dumps([r.inputs for r in platform.resources])


def test_outputs_let_teams_connect_without_a_credential(platform: ResourceGraph) -> None:
    outputs = platform.outputs
    config = json.loads(outputs["kubeconfig"])
    user = single(config["users"], "config['users']")
    assert user["user"]["exec"]["command"] == "aws"
    assert user["user"]["exec"]["args"][:2] == ["eks", "get-token"]
    assert "token" not in user["user"] and "client-key-data" not in user["user"]
    cluster = single(config["clusters"], "config['clusters']")
    assert cluster["cluster"]["server"] == outputs["cluster_endpoint"]
    assert cluster["cluster"]["certificate-authority-data"] == outputs["cluster_ca"]
    for key in ("cluster_name", "cluster_node_security_group_id", "gpu_node_class",
                "jupyterhub_namespace", "karpenter_node_role_name", "kubernetes_version"):
        assert outputs[key], key
