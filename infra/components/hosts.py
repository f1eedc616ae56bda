"""The team's host security group: the one identity that the team's machines share on the
network.

Desktops, CI runner hosts and anything else the team runs carry this group; other groups admit
"the team's hosts" by referencing it (NFS to the shared home, for one) instead of by address
ranges, which change whenever a host is replaced. It admits nothing itself; hosts reach AWS
through the VPC endpoints and the internet through NAT.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent


@dataclass(frozen=True)
class HostsArgs:
    naming: Naming
    """Team and environment: the group is named ``<team>-<env>-hosts``. Changing it replaces
    the group, and every rule that admits it is replaced with it."""
    vpc_id: pulumi.Input[str]
    """The platform's VPC. Changing it replaces the group."""


class TeamHosts(TeamstackComponent):
    TYPE = "teamstack:network:TeamHosts"
    COMPONENT = "network"

    def __init__(self, name: str, args: HostsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        naming = args.naming
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", name=naming.physical("hosts"),
            description=f"Hosts of {naming.prefix}; referenced by the groups that admit them",
            vpc_id=args.vpc_id, tags={"Name": naming.physical("hosts")}, opts=self.child())
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress", security_group_id=self.security_group.id, ip_protocol="-1",
            cidr_ipv4="0.0.0.0/0", description="out through NAT and the VPC endpoints",
            opts=self.child())
        self.security_group_id: pulumi.Output[str] = self.security_group.id
        self.register_outputs({"security_group_id": self.security_group_id})
