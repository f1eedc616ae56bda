"""Helpers for the AWS component tests: plan stacks written on the fly, look things up in a
graph. The plans come from the real program under the offline mocks, as `teamstack plan` does.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from infra.graph import Resource, ResourceGraph
from infra.plan.orchestrate import load_all, plan_loaded
from tests.component.find import by_name, one, only, single

__all__ = ["as_list", "by_name", "depends_on", "one", "only", "plan_files", "platform_text",
           "policy", "single", "statements", "team_text"]

PLATFORM = """\
config:
  aws:region: eu-west-1
  teamstack:platform:
    environment: dev
    owners: ["@acme/platform"]
    cost_center: CC-0001
    access_cidrs: ["203.0.113.0/24"]
    network: {{cidr: 10.8.0.0/16, availability_zones: {zones}, nat: {nat}}}
    identity: {identity}
"""

SAML = "{provider: saml, saml_provider_name: acme-sso}"
OIDC = ("{provider: oidc, oidc_issuer_url: 'https://login.example.com/oauth2/default', "
        "oidc_client_id: teamstack-aws}")

TEAM = """\
config:
  aws:region: eu-west-1
  teamstack:request:
    team: {team}
    environment: dev
    owners: ["@acme/{team}"]
    cost_center: {cost_center}
{body}
"""


def platform_text(zones: int = 2, nat: str = "single", identity: str = SAML) -> str:
    return PLATFORM.format(zones=zones, nat=nat, identity=identity)


def team_text(team: str, body: str, cost_center: str = "CC-9001") -> str:
    return TEAM.format(team=team, cost_center=cost_center,
                       body=textwrap.indent(textwrap.dedent(body).strip("\n"), "    "))


def plan_files(directory: Path, files: dict[str, str]) -> dict[str, ResourceGraph]:
    """Write ``{stack name: text}`` as stack files in ``directory`` and plan them all."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for stack, text in files.items():
        path = directory / f"Pulumi.{stack}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return plan_loaded(load_all(paths, directory), jobs=1).by_stack()


def depends_on(graph: ResourceGraph, resource: Resource, type_token: str) -> list[Resource]:
    """The resources of ``type_token`` whose outputs ``resource`` consumes."""
    index = graph.by_urn()
    return [index[u] for u in resource.dependencies if u in index and index[u].type == type_token]


def policy(inputs: dict[str, Any], key: str = "policy") -> dict[str, Any]:
    return json.loads(inputs[key])


def statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found = doc["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
