"""The platform network: a VPC across zones, private by default, with AWS reachable privately.

Hosts live in private subnets and leave through NAT; public subnets hold only the NAT gateways
(and load balancers), and nothing there gets a public address by default. The AWS APIs that
hosts need to boot and be managed (SSM for Session Manager, ECR for images, STS for role
sessions, CloudWatch for logs and metrics) are VPC interface endpoints, and S3 a gateway
endpoint, so that traffic never crosses the internet and keeps working if NAT is down.

The VPC's default security group is emptied (a resource launched without a group gets no
access), every flow is logged to an encrypted log group, and the account's EBS encryption by
default and S3 account-level public access block are switched on as a second line behind the
components' own settings.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from infra.components.base import Naming, TeamstackComponent
from infra.components.buckets import BucketProtection, abort_uploads_rule, protect_bucket

HTTPS_PORT = 443
# Interface endpoints a private host needs: Session Manager (ssm, ssmmessages, ec2messages),
# image pulls (ecr.api, ecr.dkr; layers come from S3 through the gateway), role sessions (sts)
# and the CloudWatch agent (logs, monitoring).
INTERFACE_SERVICES: tuple[str, ...] = (
    "ssm", "ssmmessages", "ec2messages", "ecr.api", "ecr.dkr", "sts", "logs", "monitoring")
FLOW_LOG_FORMAT_FIELDS: tuple[str, ...] = (
    "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
    "protocol", "packets", "bytes", "start", "end", "action", "log-status", "vpc-id",
    "subnet-id", "instance-id", "tcp-flags", "pkt-srcaddr", "pkt-dstaddr", "flow-direction")


@dataclass(frozen=True)
class SubnetPlan:
    zone: str
    private_cidr: str
    public_cidr: str


def subnet_layout(cidr: str, zones: list[str]) -> list[SubnetPlan]:
    """Split the VPC range: a large private subnet per zone (1/8 of the range each, for pods
    and hosts) and a small public one (1/64 each, for NAT gateways and load balancers).

    Six zones use six eighths for private subnets; the seventh eighth is cut into the public
    ones, the last eighth stays free for later use.
    """
    if not 1 <= len(zones) <= 6:
        raise ValueError(f"between 1 and 6 zones are supported, not {len(zones)}")
    network = ipaddress.ip_network(cidr)
    eighths = [str(n) for n in network.subnets(prefixlen_diff=3)]
    publics = [str(n) for n in ipaddress.ip_network(eighths[6]).subnets(prefixlen_diff=3)]
    return [SubnetPlan(zone, eighths[i], publics[i]) for i, zone in enumerate(zones)]


@dataclass(frozen=True)
class NetworkArgs:
    """What an environment's network is made from. The network is under every team: a change
    that replaces the VPC or subnets replaces everything in them."""

    naming: Naming
    """``platform`` and the environment: the prefix of every physical name."""
    region: str
    """The region of the VPC endpoints' service names and the log key's policy."""
    cidr: str
    """The VPC range, split by ``subnet_layout``. Changing it replaces the VPC, every subnet
    and so every host, cluster and mount target in them."""
    zones: int
    """How many availability zones get a private and a public subnet (1 to 6). More zones add
    subnets (and NAT per zone with ``nat="per-az"``); fewer delete the last zones' subnets,
    with whatever runs there."""
    nat: str
    """``single`` (one NAT gateway, cheaper; a zone outage cuts egress) or ``per-az`` (one
    per zone). Changing it adds or removes gateways and their addresses; private routes are
    updated in place."""
    flow_log_retention_days: int
    """Days VPC flow logs are kept in CloudWatch. In place."""
    log_retention_days: int
    """Days S3 access logs are kept in the log bucket (lifecycle expiry). In place."""


def logs_key_policy(account: str, region: str, partition: str) -> str:
    """Key policy of the platform's log key: the account administers it through IAM, and
    CloudWatch Logs may use it only for this account's log groups in this region."""
    root = f"arn:{partition}:iam::{account}:root"
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountAdministersThroughIam", "Effect": "Allow",
             "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"},
            {"Sid": "CloudWatchLogsOfThisAccount", "Effect": "Allow",
             "Principal": {"Service": f"logs.{region}.amazonaws.com"},
             "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                        "kms:Describe*"],
             "Resource": "*",
             "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                                       f"arn:{partition}:logs:{region}:{account}:log-group:*"}}},
        ],
    }, sort_keys=True)


def log_delivery_statements(account: str) -> Any:
    """Bucket policy statements letting S3 server access logging of this account write."""

    def statements(bucket_arn: str) -> list[dict[str, Any]]:
        return [{
            "Sid": "S3ServerAccessLogsOfThisAccount",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }]

    return statements


def flow_log_role_policy(log_group_arn: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                       "logs:DescribeLogStreams"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        }],
    }, sort_keys=True)


def service_trust(service: str, account: str) -> str:
    """Trust for an AWS service acting for this account only (confused-deputy guard)."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }],
    }, sort_keys=True)


class NetworkPlatform(TeamstackComponent):
    """VPC, subnets, NAT, endpoints, flow logs and the access-log bucket of one environment."""

    TYPE = "teamstack:network:NetworkPlatform"
    COMPONENT = "network"

    def __init__(self, name: str, args: NetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, opts)
        naming = args.naming
        identity = aws.get_caller_identity()
        partition = aws.get_partition().partition
        account = identity.account_id
        zones = aws.get_availability_zones(state="available").names
        if len(zones) < args.zones:
            raise ValueError(f"{args.region} has {len(zones)} available zones; the platform "
                             f"asks for {args.zones}")
        layout = subnet_layout(args.cidr, list(zones[:args.zones]))
        self.zones = [plan.zone for plan in layout]

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc", cidr_block=args.cidr, enable_dns_hostnames=True,
            enable_dns_support=True, tags={"Name": naming.physical("vpc")}, opts=self.child())
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
            tags={"Name": naming.physical("default-unused")}, opts=self.child())
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id,
                                      tags={"Name": naming.physical("igw")}, opts=self.child())

        public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=self.vpc.id,
                                       tags={"Name": naming.physical("public")},
                                       opts=self.child())
        aws.ec2.Route(f"{name}-public-default", route_table_id=public_rt.id,
                      destination_cidr_block="0.0.0.0/0", gateway_id=igw.id, opts=self.child())
        self.public_subnets: list[aws.ec2.Subnet] = []
        self.private_subnets: list[aws.ec2.Subnet] = []
        nats: list[aws.ec2.NatGateway] = []
        private_rts: list[aws.ec2.RouteTable] = []
        for i, plan in enumerate(layout):
            public = aws.ec2.Subnet(
                f"{name}-public-{i}", vpc_id=self.vpc.id, cidr_block=plan.public_cidr,
                availability_zone=plan.zone, map_public_ip_on_launch=False,
                tags={"Name": naming.physical(f"public-{plan.zone}"),
                      "kubernetes.io/role/elb": "1"},
                opts=self.child())
            aws.ec2.RouteTableAssociation(f"{name}-public-{i}", subnet_id=public.id,
                                          route_table_id=public_rt.id, opts=self.child())
            self.public_subnets.append(public)
            private = aws.ec2.Subnet(
                f"{name}-private-{i}", vpc_id=self.vpc.id, cidr_block=plan.private_cidr,
                availability_zone=plan.zone, map_public_ip_on_launch=False,
                tags={"Name": naming.physical(f"private-{plan.zone}"),
                      "kubernetes.io/role/internal-elb": "1"},
                opts=self.child())
            self.private_subnets.append(private)
            if args.nat == "per-az" or i == 0:
                eip = aws.ec2.Eip(f"{name}-nat-{i}", domain="vpc",
                                  tags={"Name": naming.physical(f"nat-{plan.zone}")},
                                  opts=self.child())
                nats.append(aws.ec2.NatGateway(
                    f"{name}-nat-{i}", allocation_id=eip.id, subnet_id=public.id,
                    tags={"Name": naming.physical(f"nat-{plan.zone}")},
                    opts=self.child(depends_on=[igw])))
            rt = aws.ec2.RouteTable(f"{name}-private-{i}", vpc_id=self.vpc.id,
                                    tags={"Name": naming.physical(f"private-{plan.zone}")},
                                    opts=self.child())
            aws.ec2.Route(f"{name}-private-{i}-default", route_table_id=rt.id,
                          destination_cidr_block="0.0.0.0/0", nat_gateway_id=nats[-1].id,
                          opts=self.child())
            aws.ec2.RouteTableAssociation(f"{name}-private-{i}", subnet_id=private.id,
                                          route_table_id=rt.id, opts=self.child())
            private_rts.append(rt)

        self._endpoints(name, naming, args, private_rts)
        self.flow_log_group = self._flow_logs(name, naming, args, account, partition)
        self.log_bucket = self._log_bucket(name, naming, args, account)
        aws.ebs.EncryptionByDefault(f"{name}-ebs-encryption", enabled=True, opts=self.child())
        aws.s3.AccountPublicAccessBlock(
            f"{name}-s3-account-public-access", block_public_acls=True, block_public_policy=True,
            ignore_public_acls=True, restrict_public_buckets=True, opts=self.child())
        # Outputs, as typed attributes registered under the same names.
        self.vpc_id: pulumi.Output[str] = self.vpc.id
        self.private_subnet_ids: list[pulumi.Output[str]] = [s.id for s in self.private_subnets]
        self.public_subnet_ids: list[pulumi.Output[str]] = [s.id for s in self.public_subnets]
        self.log_bucket_name: pulumi.Output[str] = self.log_bucket.bucket
        self.flow_log_group_name: pulumi.Output[str] = self.flow_log_group.name
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "private_subnet_ids": self.private_subnet_ids,
            "public_subnet_ids": self.public_subnet_ids,
            "log_bucket_name": self.log_bucket_name,
            "flow_log_group_name": self.flow_log_group_name,
        })

    def _endpoints(self, name: str, naming: Naming, args: NetworkArgs,
                   private_rts: list[aws.ec2.RouteTable]) -> None:
        aws.ec2.VpcEndpoint(
            f"{name}-s3", vpc_id=self.vpc.id, service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway", route_table_ids=[rt.id for rt in private_rts],
            tags={"Name": naming.physical("s3")}, opts=self.child())
        self.endpoint_security_group = aws.ec2.SecurityGroup(
            f"{name}-endpoints", name=naming.physical("endpoints"),
            description="HTTPS to the VPC interface endpoints from inside the VPC",
            vpc_id=self.vpc.id, tags={"Name": naming.physical("endpoints")}, opts=self.child())
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-https", security_group_id=self.endpoint_security_group.id,
            cidr_ipv4=args.cidr, ip_protocol="tcp", from_port=HTTPS_PORT, to_port=HTTPS_PORT,
            description="HTTPS from the VPC", opts=self.child())
        for service in INTERFACE_SERVICES:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}", vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface", private_dns_enabled=True,
                subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[self.endpoint_security_group.id],
                tags={"Name": naming.physical(service.replace(".", "-"))}, opts=self.child())

    def _flow_logs(self, name: str, naming: Naming, args: NetworkArgs, account: str,
                   partition: str) -> aws.cloudwatch.LogGroup:
        key = aws.kms.Key(
            f"{name}-logs-key", description=f"teamstack log key of {naming.prefix}",
            enable_key_rotation=True, deletion_window_in_days=30,
            policy=logs_key_policy(account, args.region, partition), opts=self.child())
        aws.kms.Alias(f"{name}-logs-key-alias", name=f"alias/teamstack/{naming.prefix}-logs",
                      target_key_id=key.key_id, opts=self.child())
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs", name=f"/teamstack/{naming.prefix}/vpc-flow-logs",
            retention_in_days=args.flow_log_retention_days, kms_key_id=key.arn,
            opts=self.child())
        role = aws.iam.Role(
            f"{name}-flow-logs", name=naming.physical("vpc-flow-logs"), path="/teamstack/",
            assume_role_policy=service_trust("vpc-flow-logs.amazonaws.com", account),
            opts=self.child())
        aws.iam.RolePolicy(f"{name}-flow-logs", role=role.id,
                           policy=group.arn.apply(flow_log_role_policy), opts=self.child())
        aws.ec2.FlowLog(
            f"{name}-flow-log", vpc_id=self.vpc.id, traffic_type="ALL",
            log_destination_type="cloud-watch-logs", log_destination=group.arn,
            iam_role_arn=role.arn, max_aggregation_interval=60,
            log_format=" ".join(f"${{{f}}}" for f in FLOW_LOG_FORMAT_FIELDS),
            tags={"Name": naming.physical("vpc")}, opts=self.child())
        return group

    def _log_bucket(self, name: str, naming: Naming, args: NetworkArgs,
                    account: str) -> aws.s3.Bucket:
        """The access-log bucket of every team bucket in this environment.

        S3 server access logging can only deliver to a bucket whose default encryption is
        SSE-S3 (AES256); SSE-KMS would make delivery fail silently. So this one bucket uses
        SSE-S3, and only the log delivery service of this account may write to it. Everything
        else matches the team buckets: private, TLS-only, owner-enforced, versioned, expiring.
        """
        logical = f"{name}-access-logs"
        bucket = aws.s3.Bucket(logical, bucket=naming.physical("access-logs"),
                               force_destroy=False, opts=self.child())
        protect_bucket(self, logical, bucket, BucketProtection(
            kms_key_arn=None, versioning=True,
            lifecycle=[abort_uploads_rule(), aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                    days=args.log_retention_days),
                noncurrent_version_expiration=aws.s3
                .BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=30))],
            extra_policy=log_delivery_statements(account)))
        return bucket
