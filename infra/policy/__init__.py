"""Guardrails on the offline plan: security defaults that no stack may break.

Interface (pure Python; reads a ``ResourceGraph``, imports no Pulumi)::

    from infra.policy import check, Violation, RULES
    violations = check(graph)        # [] when the stack is fine
    for v in violations: print(v)    # "<rule>: <urn>: <message>"

Rules (ids are stable, for reviews): ``s3.public-access-block``, ``s3.encryption``,
``ec2.imdsv2``, ``ec2.volume-encryption``, ``network.open-ingress``, ``tags.required``,
``iam.wildcard-data-access``, ``iam.permissions-boundary``, ``iam.confused-deputy``,
``iam.pod-identity-scope``, ``efs.file-system-policy``. Callers fail a plan on any
violation; the components are written so that the example stacks have none.
"""

from __future__ import annotations

from infra.graph import ResourceGraph
from infra.policy.compute import check_imdsv2, check_volume_encryption
from infra.policy.efs import check_file_system_policies
from infra.policy.iam import check_team_role_boundary, check_wildcard_data_access
from infra.policy.network import check_open_ingress
from infra.policy.s3 import check_encryption, check_public_access
from infra.policy.tags import check_tags
from infra.policy.trust import check_pod_identity_scope, check_source_conditions
from infra.policy.violation import Rule, Violation

RULES: tuple[Rule, ...] = (
    check_public_access,
    check_encryption,
    check_imdsv2,
    check_volume_encryption,
    check_open_ingress,
    check_tags,
    check_wildcard_data_access,
    check_team_role_boundary,
    check_source_conditions,
    check_pod_identity_scope,
    check_file_system_policies,
)


def check(graph: ResourceGraph) -> list[Violation]:
    """Every violation of every rule in ``graph``, sorted by rule then resource."""
    return sorted(v for rule in RULES for v in rule(graph))


__all__ = ["RULES", "Violation", "check"]
