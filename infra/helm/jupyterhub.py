"""Values of the zero-to-jupyterhub ``jupyterhub`` chart (https://hub.jupyter.org/helm-chart/),
and the per-team profile entries the hub reads from team ConfigMaps.

Traitlets configuration (``hub.config``) and KubeSpawner overrides keep their Python
snake_case names, since that is what JupyterHub reads; chart keys are camelCase.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from infra.helm.base import ChartRef, Toleration, Values

CHART = ChartRef("jupyterhub", "https://hub.jupyter.org/helm-chart/")
# The single-user image, pinned like the charts (quay.io/jupyter images are tagged by date).
SINGLEUSER_IMAGE = ("quay.io/jupyter/pytorch-notebook", "cuda12-2024-12-09")


class Traits(Values):
    """Python-side names: no camelCase conversion."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              alias_generator=None)


# --- hub --------------------------------------------------------------------------------------


class JupyterHubTraits(Traits):
    authenticator_class: str


class GenericOAuthenticatorTraits(Traits):
    login_service: str = "single sign-on"
    manage_groups: bool = Field(True, description="Groups come from the IdP claim.")
    claim_groups_key: str = "groups"
    username_claim: str = "email"
    scope: list[str] = ["openid", "profile", "email"]
    allow_all: bool = Field(False, description="Never: the hub admits team members only.")


class HubConfig(Traits):
    """Traitlets sections, named by their classes."""

    JupyterHub: JupyterHubTraits
    GenericOAuthenticator: GenericOAuthenticatorTraits


class SecretKeyRef(Values):
    name: str
    key: str


class ValueFrom(Values):
    secret_key_ref: SecretKeyRef


class EnvVar(Values):
    name: str
    value_from: ValueFrom


class Enabled(Values):
    enabled: bool


class HubDbPvc(Values):
    storage_class_name: str


class HubDb(Values):
    type: Literal["sqlite-pvc"] = "sqlite-pvc"
    pvc: HubDbPvc


class Hub(Values):
    config: HubConfig
    extra_config: dict[str, str] = Field(
        description="Python snippets run at hub start-up, after hub.config, in name order.")
    extra_env: list[EnvVar]
    network_policy: Enabled = Enabled(enabled=True)
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    db: HubDb


# --- proxy ------------------------------------------------------------------------------------


class ProxyService(Values):
    type: Literal["ClusterIP", "LoadBalancer", "NodePort"] = "ClusterIP"


class Chp(Values):
    network_policy: Enabled = Enabled(enabled=True)
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None


class Proxy(Values):
    service: ProxyService = ProxyService()
    chp: Chp


# --- single-user servers ----------------------------------------------------------------------


class Image(Values):
    name: str
    tag: str


class DynamicStorage(Values):
    storage_class: str


class Storage(Values):
    type: Literal["dynamic"] = "dynamic"
    capacity: str
    dynamic: DynamicStorage


class CloudMetadata(Values):
    block_with_iptables: bool


class EgressAllowRules(Values):
    """z2jh's egress allow-list of single-user pods. Private addresses stay closed (the chart's
    default, pinned here): notebook pods of every team share the hub's namespace, and the
    teams' EFS mount targets and hosts are private addresses (issue 11)."""

    cloud_metadata_server: bool = False
    dns_ports_cloud_metadata_server: bool = True
    dns_ports_kube_system_namespace: bool = True
    dns_ports_private_ips: bool = Field(default=True, alias="dnsPortsPrivateIPs")
    non_private_ips: bool = Field(default=True, alias="nonPrivateIPs")
    private_ips: bool = Field(default=False, alias="privateIPs")


class SingleuserNetworkPolicy(Values):
    enabled: bool = True
    egress_allow_rules: EgressAllowRules = EgressAllowRules()


class Singleuser(Values):
    image: Image
    storage: Storage
    network_policy: SingleuserNetworkPolicy = SingleuserNetworkPolicy()
    cloud_metadata: CloudMetadata
    default_url: str = "/lab"


class Cull(Values):
    enabled: bool = True
    users: bool = False
    remove_named_servers: bool = True
    timeout: int = Field(ge=60, description="Seconds of inactivity before a server is culled.")
    every: int = Field(ge=30, description="Seconds between culler runs.")


class MatchNodePurpose(Values):
    match_node_purpose: Literal["ignore", "prefer", "require"] = "ignore"


class CorePods(Values):
    tolerations: list[Toleration]
    node_affinity: MatchNodePurpose = MatchNodePurpose()


class UserPods(Values):
    node_affinity: MatchNodePurpose = MatchNodePurpose()


class Scheduling(Values):
    user_scheduler: Enabled = Enabled(enabled=False)
    user_placeholder: Enabled = Enabled(enabled=False)
    pod_priority: Enabled = Enabled(enabled=False)
    core_pods: CorePods
    user_pods: UserPods = UserPods()


class Hook(Values):
    hook: Enabled = Enabled(enabled=False)
    continuous: Enabled = Enabled(enabled=False)


class JupyterHubValues(Values):
    hub: Hub
    proxy: Proxy
    singleuser: Singleuser
    cull: Cull
    scheduling: Scheduling
    pre_puller: Hook = Hook()


# --- a team's profiles (written by team stacks, read by the hub) ------------------------------


class Volume(Values):
    name: str
    persistent_volume_claim: dict[Literal["claimName"], str]


class VolumeMount(Values):
    name: str
    mount_path: str


class KubeSpawnerOverride(Traits):
    """KubeSpawner traits a profile sets; names are the traits' own."""

    service_account: str
    extra_labels: dict[str, str]
    extra_annotations: dict[str, str] | None = None
    node_selector: dict[str, str] | None = None
    tolerations: list[Toleration] | None = None
    volumes: list[Volume] | None = None
    volume_mounts: list[VolumeMount] | None = None
    storage_capacity: str
    cpu_guarantee: float = Field(gt=0)
    cpu_limit: float = Field(gt=0)
    mem_guarantee: str
    mem_limit: str
    extra_resource_guarantees: dict[str, str] | None = None
    extra_resource_limits: dict[str, str] | None = None
    args: list[str] = Field(description="Extra arguments of the single-user server.")


class Profile(Traits):
    display_name: str
    slug: str = Field(pattern=r"^[a-z0-9-]+$")
    description: str
    default: bool = False
    kubespawner_override: KubeSpawnerOverride


class TeamProfiles(Traits):
    """One team's entry: which group sees which profiles, and the idle timeout they carry."""

    team: str
    group: str
    cull_idle_timeout_s: int = Field(ge=60)
    profiles: list[Profile] = Field(min_length=1)
    homes: dict[str, str] = Field(
        default_factory=dict,
        description="Hub user name (the member's e-mail) -> claim of the member's shared home.")

