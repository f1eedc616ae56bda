"""Names shared by the platform and team stacks on a cluster, in one place.

Platform and team stacks are deployed separately and meet only on the cluster: a team's
NodePool names the platform's EC2NodeClass, its runner set names the ARC controller's service
account, its notebook profiles land in the hub's namespace. Both sides take those names from
here (and the platform also exports them), so they cannot drift apart. Pure: no Pulumi.
"""

from __future__ import annotations

LABEL_TEAM = "teamstack.io/team"
LABEL_ROLE = "teamstack.io/namespace-role"  # "team" or "platform" on every namespace we create
LABEL_SPARK = "teamstack.io/spark"  # "enabled" on team namespaces the Spark operator serves
LABEL_HUB_PROFILES = "teamstack.io/jupyterhub-profiles"  # "true" on team profile ConfigMaps
LABEL_NODE_POOL = "karpenter.sh/nodepool"

# Platform namespaces and the releases in them.
KARPENTER_NAMESPACE = "kube-system"
KARPENTER_SERVICE_ACCOUNT = "karpenter"
SPARK_OPERATOR_NAMESPACE = "spark-operator"
ARC_NAMESPACE = "arc-systems"
ARC_CONTROLLER_SERVICE_ACCOUNT = "arc-controller"
JUPYTERHUB_NAMESPACE = "jupyterhub"
JUPYTERHUB_HUB_SERVICE_ACCOUNT = "hub"  # the z2jh chart's hub service account
EFS_CSI_NAMESPACE = "kube-system"
EFS_CSI_CONTROLLER_SERVICE_ACCOUNT = "efs-csi-controller-sa"
EFS_CSI_NODE_SERVICE_ACCOUNT = "efs-csi-node-sa"
EBS_CSI_CONTROLLER_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
PLATFORM_NAMESPACES = (SPARK_OPERATOR_NAMESPACE, ARC_NAMESPACE, JUPYTERHUB_NAMESPACE)

# Cluster-wide objects the platform creates and teams refer to.
CPU_NODE_CLASS = "cpu"
GPU_NODE_CLASS = "gpu"
GENERAL_NODE_POOL = "general"
GP3_STORAGE_CLASS = "gp3"
PLACEHOLDER_PRIORITY_CLASS = "teamstack-placeholder"

# Taints. The GPU taint is the one the NVIDIA device plugin and GPU images expect; the team taint
# keeps other teams' pods off a team's pool even when they tolerate GPUs.
GPU_TAINT_KEY = "nvidia.com/gpu"
TEAM_TAINT_KEY = "teamstack.io/team"
SYSTEM_TAINT_KEY = "CriticalAddonsOnly"
NODE_ROLE_LABEL = "teamstack.io/node-role"  # "system" on the managed node group
NODE_ROLE_SYSTEM = "system"
GPU_MANUFACTURER_LABEL = "karpenter.k8s.aws/instance-gpu-manufacturer"
GPU_RESOURCE = "nvidia.com/gpu"


def team_namespace(team: str) -> str:
    """``team-<team>``: the prefix keeps team names (``kube-system`` is a valid team name)
    from colliding with system or add-on namespaces."""
    return f"team-{team}"


def ci_namespace(team: str) -> str:
    """``ci-<team>``: the team's runner scale sets, their GitHub App key and runner pods. No
    member is bound there, so no member can read the key (not even by mounting it in a pod);
    ``team-`` namespaces and this prefix never collide."""
    return f"ci-{team}"


def team_group(team: str) -> str:
    """The group a team's people carry: the Kubernetes group of their EKS access entry, which
    the namespace RoleBinding grants, and the IdP group claim JupyterHub filters profiles on."""
    return f"teamstack-{team}"


def gpu_node_pool(team: str) -> str:
    return f"{team}-gpu"


def workload_service_account(team: str) -> str:
    """The service account bound (Pod Identity) to the team's workload role."""
    return f"{team}-workload"


def notebook_service_account(team: str) -> str:
    """The team's notebook pods' service account, in the hub namespace (Pod Identity too)."""
    return f"{team}-notebook"


def hub_profiles_configmap(team: str) -> str:
    return f"profiles-{team}"


def cluster_name(prefix: str) -> str:
    """EKS cluster name of a platform (``platform-prod``) or a dedicated team (``vision-prod``)."""
    return f"{prefix}-eks"


def efs_csi_node_role(cluster: str) -> str:
    """IAM role of the EFS CSI node daemon of a cluster (Pod Identity): it holds no permission
    of its own; each team's file-system policy lets it mount that team's access points."""
    return f"{cluster}-efs-csi-node"
