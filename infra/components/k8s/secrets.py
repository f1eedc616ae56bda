"""Kubernetes Secrets filled from AWS Secrets Manager at deploy time.

Credentials (a GitHub App's key, the hub's OAuth client secret) never sit in a stack file:
the request names a Secrets Manager secret, ``pulumi up`` reads it with the deployer's own
credentials, and the value travels only as a Pulumi secret (encrypted in state, shown as
``[secret]`` in plans) into a Kubernetes Secret, which the cluster encrypts under its KMS key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from infra.components.base import TeamstackComponent


def pick_keys(secret_string: str, keys: Sequence[str], secret_name: str) -> dict[str, str]:
    """The named keys of a JSON secret; the error names missing keys, never any value."""
    try:
        document = json.loads(secret_string)
    except ValueError:
        raise ValueError(f"secret {secret_name!r} is not a JSON object") from None
    if not isinstance(document, dict):
        raise ValueError(f"secret {secret_name!r} is not a JSON object")
    missing = [k for k in keys if k not in document]
    if missing:
        raise ValueError(f"secret {secret_name!r} lacks keys: {', '.join(missing)}")
    return {k: str(document[k]) for k in keys}


def synced_secret(owner: TeamstackComponent, logical: str, *, secret_name: str, namespace: str,
                  name: str, keys: Sequence[str], provider: k8s.Provider,
                  labels: dict[str, str] | None = None,
                  depends_on: list[pulumi.Resource] | None = None) -> k8s.core.v1.Secret:
    version = aws.secretsmanager.get_secret_version_output(secret_id=secret_name)
    data: pulumi.Output[dict[str, str]] = version.secret_string.apply(
        lambda s: pick_keys(s, keys, secret_name))
    string_data: pulumi.Output[dict[str, str]] = pulumi.Output.secret(data)
    return k8s.core.v1.Secret(
        logical,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels=labels),
        type="Opaque",
        string_data=string_data,
        opts=owner.child(provider=provider, additional_secret_outputs=["data", "stringData"],
                         depends_on=depends_on))
