"""The hub-side code that serves team profiles (it runs inside JupyterHub as extraConfig):
its pure functions, and its wiring into a hub config with stand-ins for the hub's modules."""

from __future__ import annotations

import asyncio
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from infra.components.k8s import hub_profiles, notebook_specs
from infra.profiles import resolve


def entry(team: str, homes: dict[str, str] | None = None) -> dict[str, Any]:
    bundle = resolve("interactive")
    profiles = notebook_specs.team_profiles(team=team, policy=bundle.notebooks, storage_gib=10,
                                            gpu_policy=None, homes=homes or {})
    return {"profiles.json": json.dumps(profiles.dump())}


CONFIGMAPS = [entry("vision", {"alice@example.com": "vision-home-alice"}), entry("nlp"),
              {"profiles.json": "{not json"}, {"other": "x"}, None]


def test_parse_skips_malformed_entries() -> None:
    entries = hub_profiles.parse_entries(CONFIGMAPS)
    assert [e["team"] for e in entries] == ["nlp", "vision"]


def test_users_see_only_their_teams_profiles() -> None:
    entries = hub_profiles.parse_entries(CONFIGMAPS)
    slugs = [p["slug"] for p in hub_profiles.profiles_for("bob", ["teamstack-nlp"], entries)]
    assert slugs == ["nlp-cpu"]
    both = hub_profiles.profiles_for("bob", ["teamstack-nlp", "teamstack-vision"], entries)
    assert [p["slug"] for p in both] == ["nlp-cpu", "vision-cpu"]
    assert [p["default"] for p in both] == [True, False]
    assert hub_profiles.profiles_for("eve", ["everyone"], entries) == []


def test_a_members_home_is_mounted_for_that_member_only() -> None:
    entries = hub_profiles.parse_entries(CONFIGMAPS)
    [alice] = hub_profiles.profiles_for("alice@example.com", ["teamstack-vision"], entries)
    override = alice["kubespawner_override"]
    assert {"name": "shared-home", "persistentVolumeClaim": {
        "claimName": "vision-home-alice"}} in override["volumes"]
    assert {"name": "shared-home", "mountPath": hub_profiles.HOME_MOUNT} in \
        override["volume_mounts"]
    [bob] = hub_profiles.profiles_for("bob@example.com", ["teamstack-vision"], entries)
    assert "volumes" not in bob["kubespawner_override"]
    # the entries themselves are not changed by serving alice
    assert "volumes" not in entries[1]["profiles"][0]["kubespawner_override"]


@pytest.fixture
def hub_modules(monkeypatch: pytest.MonkeyPatch) -> type:
    """Stand-ins for oauthenticator and tornado, which only the hub's image has."""

    class GenericOAuthenticator:
        async def check_allowed(self, username: str, auth_model: dict) -> bool:
            return False

    class HTTPError(Exception):
        def __init__(self, status: int, message: str) -> None:
            super().__init__(message)
            self.status = status

    generic = types.ModuleType("oauthenticator.generic")
    generic.GenericOAuthenticator = GenericOAuthenticator  # type: ignore[attr-defined]
    web = types.ModuleType("tornado.web")
    web.HTTPError = HTTPError  # type: ignore[attr-defined]
    tornado = types.ModuleType("tornado")
    tornado.web = web  # type: ignore[attr-defined]
    for name, module in {"oauthenticator": types.ModuleType("oauthenticator"),
                         "oauthenticator.generic": generic, "tornado": tornado,
                         "tornado.web": web}.items():
        monkeypatch.setitem(sys.modules, name, module)
    return HTTPError


def test_configure_installs_team_aware_login_and_profiles(hub_modules: type) -> None:
    config = types.SimpleNamespace(JupyterHub=types.SimpleNamespace(),
                                   KubeSpawner=types.SimpleNamespace())
    asked: list[str] = []

    async def load(namespace: str) -> list[dict]:
        asked.append(namespace)
        return hub_profiles.parse_entries(CONFIGMAPS)

    authenticator, profile_list = hub_profiles.configure(config, "jupyterhub", load=load)
    assert config.JupyterHub.authenticator_class is authenticator
    assert config.KubeSpawner.profile_list is profile_list
    allowed = asyncio.run(authenticator().check_allowed("a", {"groups": ["teamstack-nlp"]}))
    refused = asyncio.run(authenticator().check_allowed("e", {"groups": ["contractors"]}))
    assert (allowed, refused) == (True, False)

    def spawner(name: str, groups: list[str]) -> Any:
        user = types.SimpleNamespace(name=name, groups=[types.SimpleNamespace(name=g)
                                                        for g in groups])
        return types.SimpleNamespace(user=user)

    served = asyncio.run(profile_list(spawner("bob", ["teamstack-vision"])))
    assert [p["slug"] for p in served] == ["vision-cpu"]
    with pytest.raises(hub_modules) as caught:
        asyncio.run(profile_list(spawner("eve", [])))
    assert caught.value.status == 403
    assert set(asked) == {"jupyterhub"}


def test_the_file_runs_as_extra_config(hub_modules: type,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Executed the way z2jh runs extraConfig (with ``c`` in its globals), it configures."""
    monkeypatch.setenv("POD_NAMESPACE", "jupyterhub")
    config = types.SimpleNamespace(JupyterHub=types.SimpleNamespace(),
                                   KubeSpawner=types.SimpleNamespace())
    code = Path(hub_profiles.__file__).read_text(encoding="utf-8")
    exec(compile(code, "extraConfig", "exec"), {"c": config, "__name__": "z2jh"})
    assert config.JupyterHub.authenticator_class.__name__ == "TeamstackAuthenticator"
    assert callable(config.KubeSpawner.profile_list)
