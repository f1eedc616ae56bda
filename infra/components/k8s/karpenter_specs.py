"""Karpenter v1 object specs (EC2NodeClass, NodePool) from plain values and policy bundles.

Kept apart from the components so that the mapping from a profile's ``KarpenterPolicy`` to a
NodePool can be read and tested as data. Pure: no Pulumi.
"""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict

from infra.components.k8s import names
from infra.profiles.model import KarpenterPolicy

NODE_POOL_API = "karpenter.sh/v1"
NODE_CLASS_API = "karpenter.k8s.aws/v1"
NODE_CLASS_GROUP = "karpenter.k8s.aws"
DO_NOT_DISRUPT = "karpenter.sh/do-not-disrupt"
IMDS_HOP_LIMIT = 1
CPU_VOLUME = "100Gi"
GPU_VOLUME = "200Gi"  # CUDA images are large; a full disk evicts every pod on the node

# The general pool serves CPU work of every team (notebooks, Spark, runners): current
# generations of the general-purpose, compute and memory families, on demand because
# notebooks and Spark drivers hold state a spot reclaim would lose.
GENERAL_CPU_LIMIT = 512
GENERAL_POLICY = {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "5m",
                  "budgets": [{"nodes": "10%"}], "expireAfter": "720h"}


def gpu_ami_parameter(kubernetes_version: str) -> str:
    """The SSM parameter of the EKS-optimised accelerated (NVIDIA) AL2023 AMI."""
    return (f"/aws/service/eks/optimized-ami/{kubernetes_version}/amazon-linux-2023/x86_64/"
            "nvidia/recommended/image_id")


def ec2_node_class_spec(*, role: str, subnet_ids: list[str], security_group_ids: list[str],
                        gpu_ami_id: str | None, tags: dict[str, str]) -> dict[str, Any]:
    """An EC2NodeClass: the CPU class on the AL2023 alias, the GPU class on the accelerated AMI
    (when ``gpu_ami_id`` is given); IMDSv2 with hop limit 1; encrypted gp3 root volume."""
    if gpu_ami_id is None:
        ami: dict[str, Any] = {"amiSelectorTerms": [{"alias": "al2023@latest"}]}
        volume = CPU_VOLUME
    else:
        ami = {"amiFamily": "AL2023", "amiSelectorTerms": [{"id": gpu_ami_id}]}
        volume = GPU_VOLUME
    return {
        "role": role,
        **ami,
        "subnetSelectorTerms": [{"id": s} for s in subnet_ids],
        "securityGroupSelectorTerms": [{"id": g} for g in security_group_ids],
        "metadataOptions": {"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled",
                            "httpPutResponseHopLimit": IMDS_HOP_LIMIT,
                            "httpTokens": "required"},
        "blockDeviceMappings": [{
            "deviceName": "/dev/xvda",
            "ebs": {"volumeSize": volume, "volumeType": "gp3", "encrypted": True,
                    "deleteOnTermination": True},
        }],
        "tags": dict(tags),
    }


def _requirement(key: str, values: list[str], operator: str = "In") -> dict[str, Any]:
    return {"key": key, "operator": operator, "values": values}


def node_class_ref(name: str) -> dict[str, str]:
    return {"group": NODE_CLASS_GROUP, "kind": "EC2NodeClass", "name": name}


def general_node_pool_spec() -> dict[str, Any]:
    """The platform's CPU pool, for every team's untainted work."""
    return {
        "template": {
            "metadata": {"labels": {"teamstack.io/pool": names.GENERAL_NODE_POOL}},
            "spec": {
                "nodeClassRef": node_class_ref(names.CPU_NODE_CLASS),
                "requirements": [
                    _requirement("karpenter.k8s.aws/instance-category", ["c", "m", "r"]),
                    _requirement("karpenter.k8s.aws/instance-generation", ["5"], "Gt"),
                    _requirement("karpenter.sh/capacity-type", ["on-demand"]),
                    _requirement("kubernetes.io/arch", ["amd64"]),
                    _requirement("kubernetes.io/os", ["linux"]),
                ],
                "expireAfter": GENERAL_POLICY["expireAfter"],
            },
        },
        "limits": {"cpu": GENERAL_CPU_LIMIT},
        "disruption": {k: GENERAL_POLICY[k]
                       for k in ("consolidationPolicy", "consolidateAfter", "budgets")},
    }


def _budget(budget: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"nodes": budget.nodes}
    if budget.schedule is not None:
        out["schedule"] = budget.schedule
        out["duration"] = budget.duration
    if budget.reasons:
        out["reasons"] = list(budget.reasons)
    return out


def gpu_node_taints(team: str) -> list[dict[str, str]]:
    return [{"key": names.GPU_TAINT_KEY, "value": "true", "effect": "NoSchedule"},
            {"key": names.TEAM_TAINT_KEY, "value": team, "effect": "NoSchedule"}]


class PodToleration(TypedDict, total=False):
    """A pod's toleration, as Kubernetes spells it (and as the Helm values models take it)."""

    key: Required[str]
    operator: Required[Literal["Exists", "Equal"]]
    value: str
    effect: Required[Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]]


def gpu_pod_tolerations(team: str) -> list[PodToleration]:
    """What a team's GPU pod must tolerate to land on its pool (and only its pool)."""
    return [{"key": names.GPU_TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"},
            {"key": names.TEAM_TAINT_KEY, "operator": "Equal", "value": team,
             "effect": "NoSchedule"}]


def gpu_pod_node_selector(team: str) -> dict[str, str]:
    return {names.TEAM_TAINT_KEY: team, names.LABEL_NODE_POOL: names.gpu_node_pool(team)}


def gpu_node_pool_spec(team: str, policy: KarpenterPolicy, node_class: str,
                       ) -> dict[str, Any]:
    """A team's GPU NodePool: its instance types and GPU limit from the request, capacity type,
    consolidation, budgets and expiry from the profile; tainted and labelled for the team."""
    return {
        "template": {
            "metadata": {"labels": {names.TEAM_TAINT_KEY: team, "teamstack.io/pool": "gpu"}},
            "spec": {
                "nodeClassRef": node_class_ref(node_class),
                "taints": gpu_node_taints(team),
                "requirements": [
                    _requirement("node.kubernetes.io/instance-type",
                                 list(policy.instance_types)),
                    _requirement("karpenter.sh/capacity-type", list(policy.capacity_types)),
                    _requirement("kubernetes.io/arch", ["amd64"]),
                    _requirement("kubernetes.io/os", ["linux"]),
                ],
                "expireAfter": policy.expire_after,
            },
        },
        "limits": {names.GPU_RESOURCE: policy.max_gpus},
        "disruption": {
            "consolidationPolicy": policy.consolidation_policy,
            "consolidateAfter": policy.consolidate_after,
            "budgets": [_budget(b) for b in policy.budgets],
        },
    }


def training_pod_annotations(policy: KarpenterPolicy) -> dict[str, str]:
    """Annotations for the team's GPU pods: with ``do_not_disrupt_training`` Karpenter will
    not voluntarily move them (consolidation, drift); empty nodes are still reclaimed."""
    return {DO_NOT_DISRUPT: "true"} if policy.do_not_disrupt_training else {}
