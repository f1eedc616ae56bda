"""Typed Helm values: misspelt or unknown keys fail, names reach the chart's spelling, bounds
hold. Each chart's model is exercised the way the components build it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.components.k8s import notebook_specs
from infra.components.k8s.jupyterhub import hub_values
from infra.components.k8s.runners import runner_values
from infra.helm import arc, efs_csi, jupyterhub, karpenter, nvidia, spark_operator
from infra.helm.base import Toleration, require_labels
from infra.profiles import resolve


def runner(**overrides: object) -> arc.RunnerSetValues:
    values = runner_values(team="nlp", repository="acme/models", repositories=["acme/models"],
                           kind="cpu", min_runners=0, max_runners=4,
                           gpu=False, pod_annotations={}).model_dump()
    values.update(overrides)
    return arc.RunnerSetValues.model_validate(values)


def test_runner_set_values_in_chart_spelling() -> None:
    dumped = runner().dump()
    assert set(dumped) == {"githubConfigUrl", "githubConfigSecret", "runnerScaleSetName",
                           "minRunners", "maxRunners", "controllerServiceAccount", "template"}
    assert dumped["template"]["spec"]["containers"][0]["securityContext"][
        "allowPrivilegeEscalation"] is False
    assert dumped["template"]["spec"]["automountServiceAccountToken"] is False


@pytest.mark.parametrize("typo", ["minRunner", "min_runner", "maxRunnners", "githubConfigURL"])
def test_misspelt_runner_keys_are_errors(typo: str) -> None:
    values = runner().dump()
    values[typo] = 3
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        arc.RunnerSetValues.model_validate(values)


def test_runner_bounds() -> None:
    with pytest.raises(ValidationError, match="minRunners 5 exceeds maxRunners 4"):
        runner(min_runners=5)
    with pytest.raises(ValidationError):
        runner(max_runners=0)
    with pytest.raises(ValidationError):
        runner(github_config_url="http://github.com/acme")  # not https, not GitHub


def test_nested_typos_are_errors_too() -> None:
    with pytest.raises(ValidationError, match="nodeSelecter"):
        arc.RunnerPodSpec.model_validate({"containers": [{"resources": {}}],
                                          "nodeSelecter": {}})
    with pytest.raises(ValidationError):
        Toleration(key="a", operator="Exist")  # not an operator Kubernetes knows


def test_karpenter_values() -> None:
    values = karpenter.KarpenterValues(
        settings=karpenter.Settings(cluster_name="c", interruption_queue="q"),
        service_account=karpenter.ServiceAccount(name="karpenter"),
        controller=karpenter.Controller(resources={"requests": {"cpu": "1"}}),
    ).dump()
    assert values["settings"] == {"clusterName": "c", "interruptionQueue": "q"}
    assert values["serviceAccount"] == {"create": True, "name": "karpenter"}
    with pytest.raises(ValidationError):
        karpenter.Settings(cluster_name="c", interruption_queue="q", interuptionQueue="x")


def test_device_plugin_values() -> None:
    values = nvidia.DevicePluginValues(
        affinity=require_labels({"karpenter.k8s.aws/instance-gpu-manufacturer": ["nvidia"]}),
        tolerations=[Toleration(key="nvidia.com/gpu", effect="NoSchedule")]).dump()
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["nvidia"]
    assert values["gfd"] == {"enabled": False} and values["priorityClassName"]


def test_spark_operator_and_efs_values() -> None:
    values = spark_operator.SparkOperatorValues(
        controller=spark_operator.Controller(), webhook=spark_operator.Webhook(),
        spark=spark_operator.Spark(job_namespaces=[""],
                                   service_account=spark_operator.Create(create=False),
                                   rbac=spark_operator.Create(create=False))).dump()
    assert values["spark"]["jobNamespaces"] == [""]
    with pytest.raises(ValidationError):
        spark_operator.Spark(job_namespace=[""], service_account={"create": False},
                             rbac={"create": False})
    efs = efs_csi.EfsCsiValues(
        controller=efs_csi.Controller(service_account=efs_csi.ServiceAccount(name="sa")),
        node=efs_csi.Node(tolerations=[Toleration()])).dump()
    assert efs["node"]["tolerations"] == [{"operator": "Exists"}]


def test_hub_values_keep_python_names_for_traitlets() -> None:
    values = hub_values().dump()
    config = values["hub"]["config"]
    assert config["JupyterHub"] == {"authenticator_class": "generic-oauth"}
    assert config["GenericOAuthenticator"]["manage_groups"] is True
    assert values["cull"]["timeout"] == notebook_specs.hub_cull_timeout()
    assert values["singleuser"]["storage"]["dynamic"] == {"storageClass": "gp3"}
    assert values["prePuller"]["hook"] == {"enabled": False}
    with pytest.raises(ValidationError):
        jupyterhub.GenericOAuthenticatorTraits(allowAll=True)  # camelCase is wrong here


def test_team_profile_entry_round_trips() -> None:
    bundle = resolve("experiment")
    entry = notebook_specs.team_profiles(team="nlp", policy=bundle.notebooks, storage_gib=30,
                                         gpu_policy=bundle.karpenter, homes={"a@x.org": "c"})
    again = jupyterhub.TeamProfiles.model_validate(entry.dump())
    assert again == entry
    override = entry.dump()["profiles"][1]["kubespawner_override"]
    assert override["tolerations"][1] == {"key": "teamstack.io/team", "operator": "Equal",
                                          "value": "nlp", "effect": "NoSchedule"}
    with pytest.raises(ValidationError):
        jupyterhub.KubeSpawnerOverride.model_validate(
            {**override, "serviceAccount": "x"})  # KubeSpawner's trait is service_account
