"""The platform request (``teamstack:platform``): network, identity, cluster and add-ons.

One platform stack per environment; teams run on it. Kept apart from the team request so each
module reads as one request's reference.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from infra import request_rules as rules
from infra.request_base import Environment, Model


class Network(Model):
    cidr: str = Field(default="10.0.0.0/16",
                      description="VPC address range. Changing it replaces the VPC and "
                                  "everything in it (hosts, clusters, mount targets).")
    availability_zones: int = Field(default=3, ge=2, le=6,
                                    description="Zones to spread subnets across (at least 2). "
                                                "Lowering it deletes the last zones' subnets "
                                                "and what runs in them.")
    nat: Literal["single", "per-az"] = Field(
        default="per-az", description="One NAT gateway (cheaper) or one per zone (resilient).")
    flow_log_retention_days: int = Field(default=90, ge=1, le=3653,
                                         description="Retention of VPC flow logs.")

    _cidr = field_validator("cidr")(rules.private_vpc_range)


class Identity(Model):
    provider: Literal["saml", "oidc"] = Field(default="saml",
                                              description="How people sign in to AWS.")
    saml_provider_name: str | None = Field(
        default=None, description="IAM SAML provider name (IAM Identity Center or an IdP).")
    oidc_issuer_url: str | None = Field(default=None, pattern=r"^https://",
                                        description="OIDC issuer URL (https).")
    oidc_client_id: str | None = Field(default=None, description="OIDC audience / client id.")

    _provider_is_named = model_validator(mode="after")(rules.provider_is_named)


class ClusterAddons(Model):
    """EKS add-on versions, pinned like the charts (``aws eks describe-addon-versions``)."""

    vpc_cni: str = Field(default="v1.19.2-eksbuild.1",
                         description="vpc-cni (network policy enforcement is switched on).")
    pod_identity_agent: str = Field(default="v1.3.4-eksbuild.1",
                                    description="eks-pod-identity-agent.")
    ebs_csi_driver: str = Field(default="v1.38.1-eksbuild.2", description="aws-ebs-csi-driver.")


class Cluster(Model):
    kubernetes_version: str = Field(default="1.31", pattern=r"^1\.\d{2}$",
                                    description="EKS Kubernetes version (pinned).")
    public_endpoint: bool = Field(
        default=False,
        description="Expose the API endpoint publicly, only to access_cidrs (private always on).")
    system_instance_type: str = Field(default="m7i.large",
                                      description="Instance type of the system node group.")
    system_nodes_min: int = Field(default=2, ge=1, le=10, description="System nodes, minimum.")
    system_nodes_max: int = Field(default=4, ge=1, le=20, description="System nodes, maximum.")
    addons: ClusterAddons = Field(default_factory=ClusterAddons,
                                  description="Pinned EKS add-on versions.")


class Charts(Model):
    """Helm chart versions, pinned so an upgrade is a reviewed change to this file."""

    karpenter: str = Field(default="1.1.1", description="karpenter (oci://public.ecr.aws).")
    nvidia_device_plugin: str = Field(default="0.17.0", description="nvidia-device-plugin.")
    spark_operator: str = Field(default="2.1.0", description="spark-operator (kubeflow).")
    arc_controller: str = Field(default="0.10.1", description="gha-runner-scale-set-controller.")
    arc_runner_set: str = Field(default="0.10.1", description="gha-runner-scale-set.")
    jupyterhub: str = Field(default="4.1.0", description="jupyterhub (zero-to-jupyterhub).")
    aws_efs_csi_driver: str = Field(default="3.1.5", description="aws-efs-csi-driver.")


class PlatformRequest(Model):
    """``teamstack:platform``: the shared network, cluster and add-ons of one environment."""

    environment: Environment = Field(description="dev, staging or prod.")
    owners: list[Annotated[str, Field(pattern=r"^@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?$")]] = Field(
        min_length=1, description="Who approves platform changes.")
    cost_center: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$",
                             description="Cost center for shared resources.")
    access_cidrs: list[str] = Field(
        default_factory=list,
        description="Ranges allowed to reach remote displays and the public API endpoint.")
    network: Network = Field(default_factory=Network, description="VPC layout.")
    identity: Identity = Field(default_factory=Identity, description="Sign-in for people.")
    cluster: Cluster = Field(default_factory=Cluster, description="Shared EKS cluster.")
    charts: Charts = Field(default_factory=Charts, description="Pinned Helm chart versions.")
    log_retention_days: int = Field(default=365, ge=1, le=3653,
                                    description="Retention of the access-log bucket.")

    _cidrs = field_validator("access_cidrs")(rules.cidr_list)

    _endpoint_has_allow_list = model_validator(mode="after")(rules.endpoint_has_allow_list)

    @property
    def stack_name(self) -> str:
        return f"platform-{self.environment}"


