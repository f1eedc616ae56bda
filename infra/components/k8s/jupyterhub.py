"""The platform's JupyterHub (zero-to-jupyterhub): one hub for every team of an environment.

Teams bring their own profiles through ConfigMaps (see ``hub_profiles``: why, and how the hub
reads them); the hub's Role lets it read ConfigMaps of its own namespace and nothing else
beyond what the chart grants. Sign-in is OAuth against the company IdP, whose client settings
come from Secrets Manager (``teamstack/<platform>/jupyterhub-oauth``), never from the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from infra.components.base import Naming, TeamstackComponent
from infra.components.k8s import hub_profiles, names, notebook_specs
from infra.components.k8s.addons import helm_release
from infra.components.k8s.secrets import synced_secret
from infra.helm import jupyterhub as chart
from infra.helm.base import SYSTEM_NODE_SELECTOR, SYSTEM_TOLERATION

OAUTH_SECRET = "hub-oauth"
# Secret key -> OAuthenticator's environment variable.
OAUTH_ENV = {
    "client_id": "OAUTH_CLIENT_ID",
    "client_secret": "OAUTH_CLIENT_SECRET",
    "callback_url": "OAUTH_CALLBACK_URL",
    "authorize_url": "OAUTH2_AUTHORIZE_URL",
    "token_url": "OAUTH2_TOKEN_URL",
    "userdata_url": "OAUTH2_USERDATA_URL",
}


@dataclass(frozen=True)
class JupyterHubArgs:
    """The platform's shared JupyterHub."""

    naming: Naming
    """``platform`` and the environment, for the OAuth secret's name."""
    chart_version: str
    """The pinned JupyterHub chart. Changing it upgrades the hub (a short sign-in outage;
    running servers keep running)."""
    provider: k8s.Provider
    """The platform's cluster."""
    namespace: k8s.core.v1.Namespace
    """The hub's namespace, where teams write their profiles."""


def hub_values(default_storage_gib: int = 20) -> chart.JupyterHubValues:
    """The hub's values: team-aware profiles and sign-in, hub culler as a backstop."""
    code = Path(hub_profiles.__file__).read_text(encoding="utf-8")
    return chart.JupyterHubValues(
        hub=chart.Hub(
            config=chart.HubConfig(
                JupyterHub=chart.JupyterHubTraits(authenticator_class="generic-oauth"),
                GenericOAuthenticator=chart.GenericOAuthenticatorTraits()),
            extra_config={"10-teamstack-profiles": code},
            extra_env=[chart.EnvVar(name=env, value_from=chart.ValueFrom(
                secret_key_ref=chart.SecretKeyRef(name=OAUTH_SECRET, key=key)))
                for key, env in OAUTH_ENV.items()],
            node_selector=SYSTEM_NODE_SELECTOR, tolerations=[SYSTEM_TOLERATION],
            db=chart.HubDb(pvc=chart.HubDbPvc(storage_class_name=names.GP3_STORAGE_CLASS))),
        proxy=chart.Proxy(chp=chart.Chp(node_selector=SYSTEM_NODE_SELECTOR,
                                        tolerations=[SYSTEM_TOLERATION])),
        singleuser=chart.Singleuser(
            image=chart.Image(name=chart.SINGLEUSER_IMAGE[0], tag=chart.SINGLEUSER_IMAGE[1]),
            storage=chart.Storage(capacity=f"{default_storage_gib}Gi",
                                  dynamic=chart.DynamicStorage(
                                      storage_class=names.GP3_STORAGE_CLASS)),
            # Nodes answer IMDS only with a hop limit of 1, which pods cannot reach; the
            # iptables block would need a privileged init container for no gain.
            cloud_metadata=chart.CloudMetadata(block_with_iptables=False)),
        cull=chart.Cull(timeout=notebook_specs.hub_cull_timeout(),
                        every=notebook_specs.CULL_CHECK_SECONDS),
        scheduling=chart.Scheduling(core_pods=chart.CorePods(tolerations=[SYSTEM_TOLERATION])),
    )


class JupyterHub(TeamstackComponent):
    TYPE = "teamstack:k8s:JupyterHub"
    COMPONENT = "jupyterhub"

    def __init__(self, name: str, args: JupyterHubArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        ns = names.JUPYTERHUB_NAMESPACE
        kopts = self.child(provider=args.provider, depends_on=[args.namespace])
        role = k8s.rbac.v1.Role(
            f"{name}-read-profiles", metadata=k8s.meta.v1.ObjectMetaArgs(
                name="teamstack-read-profiles", namespace=ns),
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=["configmaps"],
                                              verbs=["get", "list"])],
            opts=kopts)
        k8s.rbac.v1.RoleBinding(
            f"{name}-read-profiles", metadata=k8s.meta.v1.ObjectMetaArgs(
                name="teamstack-read-profiles", namespace=ns),
            role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role",
                                             name="teamstack-read-profiles"),
            subjects=[k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", namespace=ns,
                                              name=names.JUPYTERHUB_HUB_SERVICE_ACCOUNT)],
            opts=self.child(provider=args.provider, depends_on=[role]))
        secret = synced_secret(
            self, f"{name}-oauth", secret_name=f"teamstack/{args.naming.prefix}/jupyterhub-oauth",
            namespace=ns, name=OAUTH_SECRET, keys=list(OAUTH_ENV), provider=args.provider)
        self.release = helm_release(
            self, f"{name}-release", release="jupyterhub", chart=chart.CHART,
            version=args.chart_version, namespace=ns, values=hub_values().dump(),
            provider=args.provider, depends_on=[args.namespace, secret, role])
        self.register_outputs({})
