"""IAM from one paginated GetAccountAuthorizationDetails; KMS keys one by one (no batch form),
aliases from one ListAliases."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    Unknown,
    all_items,
    code_of,
    error_text,
    guarded,
    reader,
    tags_of,
)
from infra.drift.model import StateResource

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
POLICY = "aws:iam/policy:Policy"
PROFILE = "aws:iam/instanceProfile:InstanceProfile"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def _details(ctx: LiveContext) -> tuple[dict[str, Any], dict[str, Any]]:
    roles: dict[str, Any] = {}
    policies: dict[str, Any] = {}
    paginator = ctx.client("iam").get_paginator("get_account_authorization_details")
    for page in paginator.paginate(Filter=["Role", "LocalManagedPolicy"]):
        for role in page.get("RoleDetailList", []):
            roles[role["RoleName"]] = role
        for policy in page.get("Policies", []):
            policies[policy["Arn"]] = policy
    return roles, policies


@reader(ROLE, ROLE_POLICY, POLICY, PROFILE, ATTACHMENT)
@guarded
def iam(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    roles, policies = _details(ctx)
    result: dict[str, Result] = {}
    for r in resources:
        seen = Compared()
        if r.type == ROLE:
            role = roles.get(r.id)
            if role is None:
                result[r.urn] = MISSING
                continue
            seen.add(r, "assumeRolePolicy", role.get("AssumeRolePolicyDocument"))
            # The batch answer has no description or session duration: not compared.
            seen.add(r, "path", role.get("Path"))
            seen.add(r, "permissionsBoundary",
                     (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"))
            seen.add(r, "tags", tags_of(role.get("Tags")))
        elif r.type == ROLE_POLICY:
            role_name, _, policy_name = r.id.partition(":")
            inline = {p["PolicyName"]: p for p in
                      (roles.get(role_name) or {}).get("RolePolicyList", [])}
            if policy_name not in inline:
                result[r.urn] = MISSING
                continue
            seen.add(r, "policy", inline[policy_name].get("PolicyDocument"))
        elif r.type == POLICY:
            policy = policies.get(r.id) or policies.get(r.arn)
            if policy is None:
                result[r.urn] = MISSING
                continue
            default = [v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")]
            seen.add(r, "policy", default[0].get("Document") if default else None)
            seen.add(r, "path", policy.get("Path"))
        elif r.type == PROFILE:
            holders = [role for role in roles.values()
                       if any(p["InstanceProfileName"] == r.id
                              for p in role.get("InstanceProfileList", []))]
            if not holders:
                result[r.urn] = MISSING
                continue
            seen.add(r, "role", holders[0]["RoleName"])
        else:
            role = roles.get(str(r.inputs.get("role")))
            attached = {p["PolicyArn"] for p in (role or {}).get("AttachedManagedPolicies", [])}
            if r.inputs.get("policyArn") not in attached:
                result[r.urn] = MISSING
                continue
            seen.add(r, "policyArn", r.inputs.get("policyArn"))
        result[r.urn] = seen
    return result


@reader("aws:kms/key:Key")
def kms_keys(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    client = ctx.client("kms")
    result: dict[str, Result] = {}
    for r in resources:
        try:
            meta = client.describe_key(KeyId=r.id)["KeyMetadata"]
            if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
                result[r.urn] = MISSING
                continue
            seen = Compared()
            seen.add(r, "description", meta.get("Description"))
            seen.add(r, "keyUsage", meta.get("KeyUsage"))
            seen.add(r, "isEnabled", meta.get("Enabled"))
            if r.inputs.get("enableKeyRotation") is not None:
                rotation = client.get_key_rotation_status(KeyId=r.id)
                seen.add(r, "enableKeyRotation", rotation.get("KeyRotationEnabled"))
            result[r.urn] = seen
        except ClientError as exc:
            absent = code_of(exc) == "NotFoundException"
            result[r.urn] = MISSING if absent else Unknown(error_text(exc))
        except BotoCoreError as exc:
            result[r.urn] = Unknown(str(exc))
    return result


@reader("aws:kms/alias:Alias")
@guarded
def kms_aliases(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    aliases: dict[str, Any] = {}
    for alias in all_items(ctx.client("kms"), "list_aliases", "Aliases"):
        aliases[alias["AliasName"]] = alias
    result: dict[str, Result] = {}
    for r in resources:
        alias = aliases.get(str(r.inputs.get("name") or r.id))
        if alias is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        seen.add(r, "targetKeyId", alias.get("TargetKeyId"))
        result[r.urn] = seen
    return result


