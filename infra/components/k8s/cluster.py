"""An EKS cluster: control plane, system node group, core add-ons and a provider for it.

The same component serves the platform's shared cluster and a team's dedicated one.

Security choices, each the default here rather than an option:
- The API endpoint is private; a public endpoint exists only when asked for and then only for
  the platform's allow-list (the request refuses a public endpoint without one).
- Access is by EKS access entries (authentication mode ``API``): no aws-auth ConfigMap to edit
  by hand, and each team's people role maps to the team's Kubernetes group only.
- Kubernetes secrets are envelope-encrypted under a cluster KMS key; all control-plane log
  types go to CloudWatch.
- Nodes require IMDSv2 with a hop limit of 1, so pods cannot borrow the node's role (they get
  their own through Pod Identity), and every volume is encrypted.
- One node security group is attached to the control plane and every node (managed group and
  Karpenter's): it admits only its own members, so the cluster opens no port to the VPC.
- The VPC CNI enforces NetworkPolicies (``enableNetworkPolicy``); without it the team
  namespaces' policies would be accepted and ignored.
- The system node group is tainted ``CriticalAddonsOnly``: add-ons run there, team work runs
  on Karpenter's nodes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import iam, names
from infra.components.k8s.kubeconfig import kubeconfig_json
from infra.request import ClusterAddons

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
CONTROL_PLANE_LOG_DAYS = 90
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly",
                 "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore")
IMDS_HOP_LIMIT = 1
SYSTEM_VOLUME_GIB = 50


@dataclass(frozen=True)
class ClusterArgs:
    """An EKS cluster with its system node group. The cluster runs every team's pods: a
    change that replaces it replaces everything on it."""

    naming: Naming
    """``platform`` (or a dedicated team) and the environment: the cluster is
    ``<prefix>-eks``. Changing it replaces the cluster."""
    region: str
    """The region, for the node AMI parameters and ARNs."""
    kubernetes_version: str
    """EKS version. Raising it upgrades the control plane in place (one minor version at a
    time); nodes follow on their next replacement."""
    vpc_id: pulumi.Input[str]
    """The VPC of the node security group. Changing it replaces the group and the cluster."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets of the control plane's interfaces and the system nodes. Changing them
    replaces the cluster."""
    public_endpoint: bool
    """Also expose the API endpoint publicly (only to ``public_access_cidrs``). In place."""
    public_access_cidrs: list[str]
    """The ranges the public endpoint admits (refused empty when it is public). In place."""
    system_instance_type: str
    """Instance type of the system node group. Changing it replaces the group's nodes."""
    system_nodes_min: int
    """Least system nodes; the desired size starts here and then belongs to the autoscaler
    (ignored by deploys)."""
    system_nodes_max: int
    """Most system nodes. In place."""
    addons: ClusterAddons
    """Pinned EKS add-on versions (VPC CNI, Pod Identity agent, EBS CSI). New versions update
    the add-ons in place."""


def node_role(owner: TeamstackComponent, logical: str, role_name: str,
              boundary: pulumi.Input[str]) -> aws.iam.Role:
    """An EC2 node role with the four AWS-managed policies a worker node needs."""
    role = aws.iam.Role(logical, name=role_name,
                        assume_role_policy=iam.service_trust("ec2.amazonaws.com"),
                        permissions_boundary=boundary, opts=owner.child())
    partition = aws.get_partition().partition
    for policy in NODE_POLICIES:
        aws.iam.RolePolicyAttachment(
            f"{logical}-{policy}", role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/{policy}", opts=owner.child())
    return role


class EksCluster(TeamstackComponent):
    """Control plane, node security group, system node group, add-ons, provider."""

    TYPE = "teamstack:k8s:EksCluster"
    COMPONENT = "cluster"

    def __init__(self, name: str, args: ClusterArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        if args.public_endpoint and not args.public_access_cidrs:
            raise ValueError("a public endpoint needs an allow-list of CIDR ranges")
        naming = args.naming
        self.name = names.cluster_name(naming.prefix)
        caller = aws.get_caller_identity()
        account = caller.account_id
        partition = aws.get_partition().partition

        self.key = aws.kms.Key(f"{name}-secrets-key",
                               description=f"Kubernetes secrets of {self.name}",
                               enable_key_rotation=True, deletion_window_in_days=30,
                               opts=self.child())
        aws.kms.Alias(f"{name}-secrets-key-alias", name=f"alias/teamstack/{self.name}",
                      target_key_id=self.key.key_id, opts=self.child())
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs", name=f"/aws/eks/{self.name}/cluster",
            retention_in_days=CONTROL_PLANE_LOG_DAYS, opts=self.child())

        # The ceiling of every role of this cluster (see iam.cluster_boundary).
        self.boundary = aws.iam.Policy(
            f"{name}-boundary", name=f"{self.name}-boundary",
            description=f"Permissions boundary of the roles of {self.name}",
            policy=self.key.arn.apply(lambda arn: iam.cluster_boundary(
                cluster_name=self.name, key_arn=arn, account=account, partition=partition)),
            opts=self.child())
        role = aws.iam.Role(f"{name}-role", name=f"{self.name}-cluster",
                            assume_role_policy=iam.service_trust("eks.amazonaws.com",
                                                                 tag_session=True),
                            permissions_boundary=self.boundary.arn, opts=self.child())
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-role-cluster-policy", role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/AmazonEKSClusterPolicy",
            opts=self.child())
        key_policy = aws.iam.RolePolicy(f"{name}-role-secrets-key", role=role.id,
                                        policy=self.key.arn.apply(iam.kms_use),
                                        opts=self.child())

        # Rules inline: the group is created whole, never momentarily open or closed.
        self.node_security_group = aws.ec2.SecurityGroup(
            f"{name}-nodes", name=f"{self.name}-nodes", vpc_id=args.vpc_id,
            description=f"Control plane and nodes of {self.name}: members reach each other only",
            ingress=[aws.ec2.SecurityGroupIngressArgs(
                self=True, protocol="-1", from_port=0, to_port=0,
                description="control plane, nodes and pods of this cluster")],
            egress=[aws.ec2.SecurityGroupEgressArgs(
                cidr_blocks=["0.0.0.0/0"], protocol="-1", from_port=0, to_port=0,
                description="image pulls, AWS APIs and the internet through NAT")],
            tags={"Name": f"{self.name}-nodes"},
            opts=self.child())

        self.cluster = aws.eks.Cluster(
            f"{name}-eks", name=self.name, role_arn=role.arn, version=args.kubernetes_version,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=args.subnet_ids,
                security_group_ids=[self.node_security_group.id],
                endpoint_private_access=True,
                endpoint_public_access=args.public_endpoint,
                public_access_cidrs=list(args.public_access_cidrs) if args.public_endpoint
                else None),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=self.key.arn),
                resources=["secrets"]),
            enabled_cluster_log_types=LOG_TYPES,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            opts=self.child(depends_on=[log_group, cluster_policy, key_policy]))

        self.node_role = node_role(self, f"{name}-system-node-role", f"{self.name}-system-node",
                                   self.boundary.arn)
        launch_template = aws.ec2.LaunchTemplate(
            f"{name}-system", name=f"{self.name}-system",
            description="System node group: IMDSv2 only, encrypted root volume",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required",
                http_put_response_hop_limit=IMDS_HOP_LIMIT, instance_metadata_tags="disabled"),
            block_device_mappings=[aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                device_name="/dev/xvda",
                ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                    volume_size=SYSTEM_VOLUME_GIB, volume_type="gp3", encrypted="true",
                    delete_on_termination="true"))],
            vpc_security_group_ids=[self.node_security_group.id],
            update_default_version=True,
            tags={"Name": f"{self.name}-system"},
            opts=self.child())
        self.node_group = aws.eks.NodeGroup(
            f"{name}-system", cluster_name=self.cluster.name,
            node_group_name=f"{self.name}-system", node_role_arn=self.node_role.arn,
            subnet_ids=args.subnet_ids, instance_types=[args.system_instance_type],
            ami_type="AL2023_x86_64_STANDARD", capacity_type="ON_DEMAND",
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=args.system_nodes_min, max_size=args.system_nodes_max,
                desired_size=args.system_nodes_min),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=launch_template.id, version=launch_template.latest_version.apply(str)),
            labels={names.NODE_ROLE_LABEL: names.NODE_ROLE_SYSTEM},
            taints=[aws.eks.NodeGroupTaintArgs(key=names.SYSTEM_TAINT_KEY, value="true",
                                               effect="NO_SCHEDULE")],
            # People may scale the system group by hand in an incident; a deploy must not undo it.
            opts=self.child(ignore_changes=["scalingConfig.desiredSize"]))

        self.addons = self._addons(name, args.addons, account, partition)
        ca = self.cluster.certificate_authority.apply(lambda c: (c.data or "") if c else "")
        self.kubeconfig = pulumi.Output.all(self.cluster.name, self.cluster.endpoint, ca).apply(
            lambda v: kubeconfig_json(v[0], v[1] or "", v[2], args.region))
        self.ca_data = ca
        admin = self._deployer_admin(name, caller.arn, partition)
        self.provider = k8s.Provider(
            f"{name}-k8s", kubeconfig=self.kubeconfig, enable_server_side_apply=True,
            opts=self.child(depends_on=[self.node_group, admin]))
        self.register_outputs({
            "name": self.cluster.name, "endpoint": self.cluster.endpoint,
            "node_security_group_id": self.node_security_group.id,
        })

    def _deployer_admin(self, name: str, caller_arn: str,
                        partition: str) -> aws.eks.AccessPolicyAssociation:
        """Cluster admin for the deploying role, as an access entry in the plan.

        EKS's bootstrap admin is off: it would grant whoever created the cluster permanent
        admin that no review shows and no deploy can revoke. The entry names the role behind
        the deploy's session (the OIDC deploy role on main), so it is reviewed, and replaced
        when that role changes."""
        deployer = aws.iam.get_session_context(arn=caller_arn).issuer_arn
        entry = aws.eks.AccessEntry(
            f"{name}-deployer-access", cluster_name=self.cluster.name, principal_arn=deployer,
            type="STANDARD", opts=self.child())
        return aws.eks.AccessPolicyAssociation(
            f"{name}-deployer-admin", cluster_name=self.cluster.name, principal_arn=deployer,
            policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/"
                       "AmazonEKSClusterAdminPolicy",
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=self.child(depends_on=[entry]))

    def _addons(self, name: str, versions: ClusterAddons, account: str,
                partition: str) -> list[aws.eks.Addon]:
        """Network policy enforcement, Pod Identity and the EBS CSI driver (with its own role)."""
        ebs_role = aws.iam.Role(f"{name}-ebs-csi", name=f"{self.name}-ebs-csi",
                                assume_role_policy=iam.pod_identity_trust(
                                    account, cluster=self.name, namespace="kube-system"),
                                permissions_boundary=self.boundary.arn, opts=self.child())
        aws.iam.RolePolicyAttachment(
            f"{name}-ebs-csi-policy", role=ebs_role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
            opts=self.child())
        common: dict[str, Any] = {"cluster_name": self.cluster.name,
                                  "resolve_conflicts_on_create": "OVERWRITE",
                                  "resolve_conflicts_on_update": "OVERWRITE"}
        vpc_cni = aws.eks.Addon(
            f"{name}-vpc-cni", addon_name="vpc-cni", addon_version=versions.vpc_cni,
            configuration_values=json.dumps({"enableNetworkPolicy": "true"}), **common,
            opts=self.child())
        pod_identity = aws.eks.Addon(
            f"{name}-pod-identity-agent", addon_name="eks-pod-identity-agent",
            addon_version=versions.pod_identity_agent, **common,
            opts=self.child(depends_on=[self.node_group]))
        ebs = aws.eks.Addon(
            f"{name}-ebs-csi", addon_name="aws-ebs-csi-driver",
            addon_version=versions.ebs_csi_driver,
            pod_identity_associations=[aws.eks.AddonPodIdentityAssociationArgs(
                role_arn=ebs_role.arn,
                service_account=names.EBS_CSI_CONTROLLER_SERVICE_ACCOUNT)],
            **common, opts=self.child(depends_on=[pod_identity]))
        return [vpc_cni, pod_identity, ebs]
