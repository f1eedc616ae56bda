"""A kubeconfig for an EKS cluster that holds no credential.

Authentication is an ``exec`` of ``aws eks get-token``: whoever runs ``pulumi up`` uses their
own AWS identity (and its EKS access entry) at that moment, so the kubeconfig can be exported as
a plain stack output and read by team stacks without leaking anything. The CA bundle is public.
Pure: no Pulumi.
"""

from __future__ import annotations

import json
from typing import Any


def kubeconfig(cluster_name: str, endpoint: str, ca_data: str, region: str) -> dict[str, Any]:
    """The kubeconfig document for ``cluster_name``."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region,
                     "--output", "json"],
            "interactiveMode": "Never",
        },
    }
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name,
                      "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}],
        "users": [{"name": cluster_name, "user": user}],
        "contexts": [{"name": cluster_name,
                      "context": {"cluster": cluster_name, "user": cluster_name}}],
        "current-context": cluster_name,
    }


def kubeconfig_json(cluster_name: str, endpoint: str, ca_data: str, region: str) -> str:
    return json.dumps(kubeconfig(cluster_name, endpoint, ca_data, region), sort_keys=True)
