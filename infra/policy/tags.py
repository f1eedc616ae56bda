"""Tag guardrail: every taggable AWS resource carries the four teamstack tags.

Cost allocation (``cost-center``), IAM conditions (``teamstack:team``), drift grouping
(``teamstack:component``) and the inventory (``teamstack:stack``) all key on them; a resource
without them is invisible to the budget and, worse, outside the team's IAM conditions.

A resource counts as taggable if its inputs have ``tags`` (the stack transform adds them to
every resource whose type has the property) or its type is one that must always be tagged.
"""

from __future__ import annotations

from infra.graph import ResourceGraph
from infra.policy.violation import Violation

REQUIRED_TAGS = ("teamstack:team", "teamstack:stack", "teamstack:component", "cost-center")

# Types that must be tagged even if a component forgot to pass the property at all.
ALWAYS_TAGGED = frozenset({
    "aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:efs/fileSystem:FileSystem",
    "aws:ec2/instance:Instance", "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet",
    "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ebs/volume:Volume", "aws:iam/role:Role", "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup", "aws:ec2/natGateway:NatGateway",
})


def check_tags(graph: ResourceGraph) -> list[Violation]:
    out = []
    for resource in graph.custom():
        if not resource.type.startswith("aws:"):
            continue
        tags = resource.inputs.get("tags")
        if tags is None and resource.type not in ALWAYS_TAGGED:
            continue
        tags = tags if isinstance(tags, dict) else {}
        missing = [t for t in REQUIRED_TAGS if not isinstance(tags.get(t), str) or not tags[t]]
        if missing:
            out.append(Violation("tags.required", resource.urn,
                                 f"{resource.name}: missing tags {', '.join(missing)}"))
    return out
