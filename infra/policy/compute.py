"""EC2 guardrails: IMDSv2 on every instance and launch template, encryption on every volume.

IMDSv1 answers any process that can make an HTTP request (an SSRF in a notebook is enough) with
the instance role's credentials; requiring session tokens closes that. Volumes and file systems
are encrypted at rest; an instance or launch template that does not *declare* an encrypted root
volume relies on the AMI's snapshot and the account setting, which a plan cannot see, so it is
reported.
"""

from __future__ import annotations

from infra.graph import Resource, ResourceGraph
from infra.policy.inputs import get, items, truthy
from infra.policy.violation import Violation

INSTANCE = "aws:ec2/instance:Instance"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EBS_VOLUMES = ("aws:ebs/volume:Volume", "aws:ec2/volume:Volume")
EFS = "aws:efs/fileSystem:FileSystem"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
NODE_CLASS_SUFFIX = ":EC2NodeClass"


def _imds(resource: Resource, tokens: object) -> list[Violation]:
    if tokens == "required":
        return []
    return [Violation("ec2.imdsv2", resource.urn,
                      f"{resource.name}: metadataOptions.httpTokens must be \"required\" (IMDSv2)"
                      f", not {tokens!r}")]


def check_imdsv2(graph: ResourceGraph) -> list[Violation]:
    out = []
    for resource in graph.of_type(INSTANCE) + graph.of_type(LAUNCH_TEMPLATE):
        out += _imds(resource, get(resource.inputs, "metadataOptions", "httpTokens"))
    for resource in graph.resources:
        # Karpenter's EC2NodeClass defaults to "required"; only an explicit downgrade is wrong.
        if resource.type.endswith(NODE_CLASS_SUFFIX):
            tokens = get(resource.inputs, "spec", "metadataOptions", "httpTokens")
            if tokens is not None:
                out += _imds(resource, tokens)
    return out


def _unencrypted(resource: Resource, what: str) -> Violation:
    return Violation("ec2.volume-encryption", resource.urn,
                     f"{resource.name}: {what} is not encrypted at rest")


def check_volume_encryption(graph: ResourceGraph) -> list[Violation]:
    out = []
    for type_token in EBS_VOLUMES:
        out += [_unencrypted(v, "the EBS volume") for v in graph.of_type(type_token)
                if not truthy(v.inputs.get("encrypted"))]
    out += [_unencrypted(fs, "the EFS file system") for fs in graph.of_type(EFS)
            if not truthy(fs.inputs.get("encrypted"))]
    for instance in graph.of_type(INSTANCE):
        if not truthy(get(instance.inputs, "rootBlockDevice", "encrypted")):
            out.append(_unencrypted(instance, "the root volume (rootBlockDevice.encrypted)"))
        for device in items(instance.inputs.get("ebsBlockDevices")):
            if not truthy(get(device, "encrypted")):
                out.append(_unencrypted(instance, f"block device {get(device, 'deviceName')}"))
    for template in graph.of_type(LAUNCH_TEMPLATE):
        mappings = [m for m in items(template.inputs.get("blockDeviceMappings"))
                    if get(m, "ebs") is not None]
        if not mappings:
            out.append(_unencrypted(template, "the root volume (no blockDeviceMappings declare "
                                              "it)"))
        for mapping in mappings:
            if not truthy(get(mapping, "ebs", "encrypted")):
                out.append(_unencrypted(template, f"block device {get(mapping, 'deviceName')}"))
    for group in graph.of_type(NODE_GROUP):
        if group.inputs.get("launchTemplate") is None:
            out.append(Violation(
                "ec2.volume-encryption", group.urn,
                f"{group.name}: an EKS node group without a launch template leaves root volume "
                "encryption and IMDSv2 to defaults; give it a launch template"))
    return out
