"""EC2 and Auto Scaling: one filtered describe call per kind, whatever the number of items.

Describe calls take the ids as a filter (not as ``...Ids=``), so an id deleted by hand is
simply absent from the answer instead of failing the whole batch.
"""

from __future__ import annotations

from typing import Any

from infra.drift.live.base import (
    MISSING,
    Compared,
    LiveContext,
    Result,
    all_items,
    guarded,
    reader,
    tags_of,
)
from infra.drift.model import StateResource

SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
FILTER_CHUNK = 200  # AWS accepts up to 200 values per filter


def _describe(ctx: LiveContext, service: str, operation: str, key: str, filter_name: str,
              ids: list[str]) -> list[dict[str, Any]]:
    client = ctx.client(service)
    items: list[dict[str, Any]] = []
    for start in range(0, len(ids), FILTER_CHUNK):
        chunk = ids[start:start + FILTER_CHUNK]
        items.extend(all_items(client, operation, key,
                               Filters=[{"Name": filter_name, "Values": chunk}]))
    return items


def _rule_view(rule: dict[str, Any]) -> dict[str, Any]:
    ref = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
    view = {"ipProtocol": rule.get("IpProtocol"), "fromPort": rule.get("FromPort"),
            "toPort": rule.get("ToPort"), "cidrIpv4": rule.get("CidrIpv4"),
            "cidrIpv6": rule.get("CidrIpv6"), "referencedSecurityGroupId": ref,
            "prefixListId": rule.get("PrefixListId"), "description": rule.get("Description")}
    return {k: v for k, v in view.items() if v not in (None, "")}


@reader(SG, DEFAULT_SG, INGRESS, EGRESS)
@guarded
def security_groups(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    """Groups and their rules; a rule on a managed group that no state holds is drift."""
    groups = [r for r in resources if r.type in (SG, DEFAULT_SG)]
    rules = [r for r in resources if r.type not in (SG, DEFAULT_SG)]
    group_ids = sorted({r.id for r in groups} | {str(r.inputs.get("securityGroupId"))
                                                for r in rules})
    live_groups = {g["GroupId"]: g for g in _describe(
        ctx, "ec2", "describe_security_groups", "SecurityGroups", "group-id", group_ids)}
    live_rules = _describe(ctx, "ec2", "describe_security_group_rules", "SecurityGroupRules",
                           "group-id", group_ids)
    by_id = {rule["SecurityGroupRuleId"]: rule for rule in live_rules}
    managed_rule_ids = {r.id for r in rules}
    result: dict[str, Result] = {}
    for r in groups:
        live = live_groups.get(r.id)
        if live is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        seen.add(r, "name", live.get("GroupName"))
        seen.add(r, "description", live.get("Description"))
        seen.add(r, "vpcId", live.get("VpcId"))
        seen.add(r, "tags", tags_of(live.get("Tags")))
        for direction, egress in (("ingress", False), ("egress", True)):
            extra = [_rule_view(rule) for rule in live_rules
                     if rule["GroupId"] == r.id and rule.get("IsEgress") == egress
                     and rule["SecurityGroupRuleId"] not in managed_rule_ids]
            # Rules are separate resources here: any rule of the group that no state
            # holds was added by hand (the state's inline list, if any, is the baseline).
            seen.pairs.append((direction, r.inputs.get(direction) or [], extra))
        result[r.urn] = seen
    for r in rules:
        rule = by_id.get(r.id)
        if rule is None:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        view = _rule_view(rule)
        for key in ("ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6",
                    "referencedSecurityGroupId", "prefixListId"):
            seen.add(r, key, view.get(key))
        if "description" in view:  # AWS omits an empty description: absence proves nothing
            seen.add(r, "description", view["description"])
        seen.add(r, "securityGroupId", rule.get("GroupId"))
        result[r.urn] = seen
    return result


@reader("aws:ec2/instance:Instance")
@guarded
def instances(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    found: dict[str, dict[str, Any]] = {}
    for reservation in _describe(ctx, "ec2", "describe_instances", "Reservations",
                                 "instance-id", sorted(r.id for r in resources)):
        for inst in reservation.get("Instances", []):
            found[inst["InstanceId"]] = inst
    result: dict[str, Result] = {}
    for r in resources:
        inst = found.get(r.id)
        if inst is None or inst.get("State", {}).get("Name") in ("terminated", "shutting-down"):
            result[r.urn] = MISSING
            continue
        seen = Compared()
        seen.add(r, "instanceType", inst.get("InstanceType"))
        seen.add(r, "subnetId", inst.get("SubnetId"))
        profile = (inst.get("IamInstanceProfile") or {}).get("Arn", "")
        seen.add(r, "iamInstanceProfile", profile.rsplit("/", 1)[-1] if profile else None)
        meta = inst.get("MetadataOptions") or {}
        seen.add(r, "metadataOptions.httpTokens", meta.get("HttpTokens"))
        seen.add(r, "metadataOptions.httpEndpoint", meta.get("HttpEndpoint"))
        seen.add(r, "tags", tags_of(inst.get("Tags")))
        seen.add(r, "instanceState", inst.get("State", {}).get("Name"))
        result[r.urn] = seen
    return result


VOLUME = "aws:ebs/volume:Volume"
ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment"


@reader(VOLUME, ATTACHMENT)
@guarded
def volumes(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    ids = sorted({r.id for r in resources if r.type == VOLUME}
                 | {str(r.inputs.get("volumeId")) for r in resources if r.type == ATTACHMENT})
    found = {v["VolumeId"]: v for v in _describe(
        ctx, "ec2", "describe_volumes", "Volumes", "volume-id", ids)}
    result: dict[str, Result] = {}
    for r in resources:
        if r.type == VOLUME:
            vol = found.get(r.id)
            if vol is None:
                result[r.urn] = MISSING
                continue
            seen = Compared()
            for key, aws in (("size", "Size"), ("encrypted", "Encrypted"),
                             ("kmsKeyId", "KmsKeyId"), ("availabilityZone", "AvailabilityZone"),
                             ("type", "VolumeType")):
                seen.add(r, key, vol.get(aws))
            seen.add(r, "tags", tags_of(vol.get("Tags")))
            result[r.urn] = seen
            continue
        vol = found.get(str(r.inputs.get("volumeId"))) or {}
        attached = [a for a in vol.get("Attachments", [])
                    if a.get("InstanceId") == r.inputs.get("instanceId")]
        if not attached:
            result[r.urn] = MISSING
            continue
        seen = Compared()
        seen.add(r, "deviceName", attached[0].get("Device"))
        result[r.urn] = seen
    return result


@reader("aws:autoscaling/group:Group")
@guarded
def auto_scaling_groups(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
    names = sorted(r.id for r in resources)
    found: dict[str, dict[str, Any]] = {}
    client = ctx.client("autoscaling")
    for start in range(0, len(names), 50):  # the API takes at most 50 names per call
        for group in all_items(client, "describe_auto_scaling_groups", "AutoScalingGroups",
                               AutoScalingGroupNames=names[start:start + 50]):
            found[group["AutoScalingGroupName"]] = group
    result: dict[str, Result] = {}
    for r in resources:
        group = found.get(r.id)
        if group is None:
            result[r.urn] = MISSING
            continue
        seen = Compared(live={"minSize": group.get("MinSize"), "maxSize": group.get("MaxSize")})
        for key, aws in (("desiredCapacity", "DesiredCapacity"), ("minSize", "MinSize"),
                         ("maxSize", "MaxSize")):
            seen.add(r, key, group.get(aws))
        result[r.urn] = seen
    return result
