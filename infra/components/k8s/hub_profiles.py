"""teamstack team profiles for JupyterHub: this file runs inside the hub (``hub.extraConfig``).

Why team ConfigMaps: the hub is one Helm release of the platform stack, but each team's
profiles (CPU and GPU servers, culling timeout, storage, service account) belong to the team's
stack. If the platform read the team stacks, every team change would need a platform deploy and
the platform would depend on its dependants (a cycle: teams read the platform's outputs). So
each team stack writes one ConfigMap in the hub's namespace, labelled
``teamstack.io/jupyterhub-profiles=true``, holding its entry as JSON; this code lists those
ConfigMaps when a user logs in or opens the spawn page, so a team's change applies at once,
without restarting the hub.

- Login is allowed to members of at least one team group (the IdP's ``groups`` claim), so an
  IdP account outside every team gets no hub at all.
- The profile list shows only the profiles of the user's own teams; a user in no team gets 403.
- Each profile carries its team's service account (Pod Identity: the team's AWS role), labels,
  a per-user volume, the member's shared home (mounted for that member only) and the server's
  own idle culling (``--ServerApp.shutdown_no_activity_timeout``), so
  the culling timeout is the team's profile's, not a hub-wide one. The hub's culler stays on as a
  backstop at the most lenient profile's timeout.

Runs with the hub's Python (jupyterhub, kubespawner, oauthenticator, kubernetes_asyncio);
imports nothing from teamstack. The pure functions are unit-tested from the repository.
"""

import json
import os

PROFILE_LABEL = "teamstack.io/jupyterhub-profiles"
DATA_KEY = "profiles.json"
HOME_VOLUME = "shared-home"
HOME_MOUNT = "/home/jovyan/shared-home"
NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


def parse_entries(configmaps):
    """Team entries from ConfigMap ``data`` dicts; a malformed one is skipped, not fatal,
    so one team's mistake cannot lock every team out of the hub."""
    entries = []
    for data in configmaps:
        try:
            entry = json.loads((data or {}).get(DATA_KEY) or "")
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("group"), str) \
                and isinstance(entry.get("profiles"), list):
            entries.append(entry)
    return sorted(entries, key=lambda e: str(e.get("team")))


def teams_of(groups, entries):
    """The entries of the teams whose group the user is in."""
    return [e for e in entries if e["group"] in set(groups)]


def _with_home(profile, claim):
    """The profile with the member's shared-home claim mounted (a copy; entries stay as read)."""
    override = dict(profile.get("kubespawner_override") or {})
    override["volumes"] = [*(override.get("volumes") or []),
                           {"name": HOME_VOLUME, "persistentVolumeClaim": {"claimName": claim}}]
    override["volume_mounts"] = [*(override.get("volume_mounts") or []),
                                 {"name": HOME_VOLUME, "mountPath": HOME_MOUNT}]
    return dict(profile, kubespawner_override=override)


def profiles_for(user, groups, entries):
    """The profiles ``user`` (in ``groups``) may start, team by team, the first the default.

    A team entry's ``homes`` maps user names to the claim of their member's shared home (an
    EFS access point pinned to the member's uid); that claim is mounted for that user only.
    """
    profiles = []
    for entry in teams_of(groups, entries):
        claim = (entry.get("homes") or {}).get(user)
        for profile in entry["profiles"]:
            profile = dict(profile, default=False)
            profiles.append(_with_home(profile, claim) if claim else profile)
    if profiles:
        profiles[0]["default"] = True
    return profiles


def hub_namespace():
    if os.environ.get("POD_NAMESPACE"):
        return os.environ["POD_NAMESPACE"]
    with open(NAMESPACE_FILE, encoding="utf-8") as handle:
        return handle.read().strip()


async def load_entries(namespace):
    """List the labelled ConfigMaps (the hub's Role allows get/list of ConfigMaps here)."""
    from kubernetes_asyncio import client, config

    config.load_incluster_config()
    async with client.ApiClient() as api:
        result = await client.CoreV1Api(api).list_namespaced_config_map(
            namespace, label_selector=f"{PROFILE_LABEL}=true")
    return parse_entries([item.data for item in result.items])


def configure(c, namespace, load=load_entries):
    """Install the team-aware authenticator and profile list on the hub's config ``c``."""
    from oauthenticator.generic import GenericOAuthenticator
    from tornado import web

    class TeamstackAuthenticator(GenericOAuthenticator):
        async def check_allowed(self, username, auth_model):
            groups = (auth_model or {}).get("groups") or []
            return bool(teams_of(groups, await load(namespace)))

    async def profile_list(spawner):
        groups = [group.name for group in spawner.user.groups]
        profiles = profiles_for(spawner.user.name, groups, await load(namespace))
        if not profiles:
            raise web.HTTPError(403, "You are in no teamstack team, so no server is offered.")
        return profiles

    c.JupyterHub.authenticator_class = TeamstackAuthenticator
    c.KubeSpawner.profile_list = profile_list
    return TeamstackAuthenticator, profile_list


if "c" in globals():  # executed by the hub as extraConfig
    configure(c, hub_namespace())  # noqa: F821 - `c` is the hub's config object
