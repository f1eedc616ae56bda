"""IAM documents for the cluster's roles: trust policies and the inline policies they need.

Kept as pure functions returning JSON so that reviews and tests read the exact statements a
role gets. Pod Identity trust is the same for every pod role (the EKS Pod Identity agent
assumes it with session tags); which pod may use a role is decided by the
PodIdentityAssociation, not by the trust policy. Pure: no Pulumi.
"""

from __future__ import annotations

import json
from typing import Any

POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def _doc(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)


def service_trust(service: str, *, tag_session: bool = False, account: str | None = None,
                  source_arn: str | None = None) -> str:
    """Trust for an AWS service principal (``eks.amazonaws.com``, ``ec2.amazonaws.com``...).

    With ``account`` (and ``source_arn``) the service may assume the role only when acting for
    that account (that resource): the confused-deputy guard AWS documents for EMR, EventBridge
    Scheduler and most services. EC2 and EKS cluster roles take none: those services send no
    source keys, and only this account's principals with ``iam:PassRole`` can attach them.
    """
    actions = ["sts:AssumeRole", "sts:TagSession"] if tag_session else "sts:AssumeRole"
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service},
                                 "Action": actions}
    condition: dict[str, Any] = {}
    if account is not None:
        condition["StringEquals"] = {"aws:SourceAccount": account}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return _doc([statement])


def pod_identity_trust(account: str, *, cluster: str | None = None,
                       namespace: str | None = None) -> str:
    """Trust for EKS Pod Identity, for clusters of this account only; with ``cluster`` and
    ``namespace``, for pods of that cluster and namespace only (the agent's session tags)."""
    equals = {"aws:SourceAccount": account}
    if cluster is not None:
        equals["aws:RequestTag/eks-cluster-name"] = cluster
    if namespace is not None:
        equals["aws:RequestTag/kubernetes-namespace"] = namespace
    return _doc([{
        "Effect": "Allow",
        "Principal": {"Service": POD_IDENTITY_PRINCIPAL},
        "Action": ["sts:AssumeRole", "sts:TagSession"],
        "Condition": {"StringEquals": equals},
    }])


def kms_use(key_arn: str) -> str:
    """What the cluster role needs to encrypt Kubernetes secrets under the cluster key."""
    return _doc([{
        "Effect": "Allow",
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"],
        "Resource": key_arn,
    }])


def karpenter_controller(*, cluster_name: str, cluster_arn: str, node_role_arn: str,
                         queue_arn: str, region: str, account: str, partition: str) -> str:
    """The Karpenter v1 controller policy, scoped to this cluster.

    Launch and tagging are allowed only with the cluster's ownership tag in the request,
    termination and launch-template deletion only on resources carrying it, instance profiles
    only under the cluster's tag, and PassRole only for the node role.
    """
    owned = f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}"
    owned_resource = f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}"
    ec2 = f"arn:{partition}:ec2:{region}"
    launchable = [f"{ec2}::image/*", f"{ec2}::snapshot/*", f"{ec2}:*:security-group/*",
                  f"{ec2}:*:subnet/*", f"{ec2}:*:capacity-reservation/*"]
    created = [f"{ec2}:*:fleet/*", f"{ec2}:*:instance/*", f"{ec2}:*:volume/*",
               f"{ec2}:*:network-interface/*", f"{ec2}:*:launch-template/*",
               f"{ec2}:*:spot-instances-request/*"]
    profiles = f"arn:{partition}:iam::{account}:instance-profile/*"
    return _doc([
        {"Sid": "LaunchFromSharedResources", "Effect": "Allow",
         "Action": ["ec2:RunInstances", "ec2:CreateFleet"], "Resource": launchable},
        {"Sid": "LaunchFromOwnedLaunchTemplates", "Effect": "Allow",
         "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
         "Resource": f"{ec2}:*:launch-template/*",
         "Condition": {"StringEquals": {owned_resource: "owned"},
                       "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}}},
        {"Sid": "CreateOwned", "Effect": "Allow",
         "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
         "Resource": created,
         "Condition": {"StringEquals": {owned: "owned"},
                       "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}},
        {"Sid": "TagOnCreate", "Effect": "Allow", "Action": "ec2:CreateTags",
         "Resource": created,
         "Condition": {"StringEquals": {owned: "owned",
                                        "ec2:CreateAction": ["RunInstances", "CreateFleet",
                                                             "CreateLaunchTemplate"]},
                       "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"}}},
        {"Sid": "TagOwnedInstances", "Effect": "Allow", "Action": "ec2:CreateTags",
         "Resource": f"{ec2}:*:instance/*",
         "Condition": {"StringEquals": {owned_resource: "owned"},
                       "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                       "ForAllValues:StringEquals": {"aws:TagKeys": [
                           "eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]}}},
        {"Sid": "DeleteOwned", "Effect": "Allow",
         "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
         "Resource": [f"{ec2}:*:instance/*", f"{ec2}:*:launch-template/*"],
         "Condition": {"StringEquals": {owned_resource: "owned"},
                       "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"}}},
        {"Sid": "Describe", "Effect": "Allow",
         "Action": ["ec2:DescribeAvailabilityZones", "ec2:DescribeImages",
                    "ec2:DescribeInstances", "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates",
                    "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets", "ec2:DescribeCapacityReservations"],
         "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": region}}},
        {"Sid": "ReadAmiParameters", "Effect": "Allow", "Action": "ssm:GetParameter",
         "Resource": f"arn:{partition}:ssm:{region}::parameter/aws/service/*"},
        {"Sid": "Pricing", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"},
        {"Sid": "InterruptionQueue", "Effect": "Allow",
         "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
         "Resource": queue_arn},
        {"Sid": "PassNodeRole", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": node_role_arn,
         "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}},
        {"Sid": "CreateOwnedInstanceProfiles", "Effect": "Allow",
         "Action": ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
         "Resource": profiles,
         "Condition": {"StringEquals": {owned: "owned",
                                        "aws:RequestTag/topology.kubernetes.io/region": region},
                       "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
        {"Sid": "ManageOwnedInstanceProfiles", "Effect": "Allow",
         "Action": ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile",
                    "iam:DeleteInstanceProfile", "iam:TagInstanceProfile"],
         "Resource": profiles,
         "Condition": {"StringEquals": {owned_resource: "owned",
                                        "aws:ResourceTag/topology.kubernetes.io/region": region},
                       "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"}}},
        {"Sid": "ReadInstanceProfiles", "Effect": "Allow", "Action": "iam:GetInstanceProfile",
         "Resource": profiles},
        {"Sid": "DescribeCluster", "Effect": "Allow", "Action": "eks:DescribeCluster",
         "Resource": cluster_arn},
    ])


def karpenter_rule_prefix(queue_arn: str, cluster_name: str) -> str:
    """ARN prefix of the cluster's interruption rules (``<cluster>-karpenter-<kind>``), in the
    queue's partition, region and account."""
    partition, _, region, account = queue_arn.split(":")[1:5]
    return f"arn:{partition}:events:{region}:{account}:rule/{cluster_name}-karpenter-"


def interruption_queue_policy(queue_arn: str, rule_arn_prefix: str) -> str:
    """EventBridge may send to the queue, from this cluster's Karpenter rules only
    (``aws:SourceArn``: a rule of another account or cluster cannot feed Karpenter fake
    interruptions); nothing may use it without TLS."""
    account = queue_arn.split(":")[4]
    return _doc([
        {"Sid": "EventBridgeSends", "Effect": "Allow",
         "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
         "Action": "sqs:SendMessage", "Resource": queue_arn,
         "Condition": {"StringEquals": {"aws:SourceAccount": account},
                       "ArnLike": {"aws:SourceArn": f"{rule_arn_prefix}*"}}},
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
         "Action": "sqs:*", "Resource": queue_arn,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ])


# EventBridge patterns whose events Karpenter handles from the interruption queue.
INTERRUPTION_EVENTS: dict[str, dict[str, Any]] = {
    "scheduled-change": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
    "spot-interruption": {"source": ["aws.ec2"],
                          "detail-type": ["EC2 Spot Instance Interruption Warning"]},
    "rebalance": {"source": ["aws.ec2"],
                  "detail-type": ["EC2 Instance Rebalance Recommendation"]},
    "instance-state-change": {"source": ["aws.ec2"],
                              "detail-type": ["EC2 Instance State-change Notification"]},
}


def scheduler_run_emr(job_flow_role_arn: str, service_role_arn: str) -> str:
    """EventBridge Scheduler starting the team's EMR job flow, passing only its two roles."""
    return _doc([
        {"Sid": "RunJobFlow", "Effect": "Allow", "Action": "elasticmapreduce:RunJobFlow",
         "Resource": "*"},
        {"Sid": "PassEmrRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": [job_flow_role_arn, service_role_arn]},
    ])


# Service namespaces a cluster's infrastructure roles never need: data, secrets, identity.
NOT_INFRASTRUCTURE = ("s3:*", "kms:*", "elasticfilesystem:Client*", "secretsmanager:*",
                      "dynamodb:*", "iam:*", "sts:*", "organizations:*", "account:*")
INSTANCE_PROFILE_ACTIONS = ("iam:GetInstanceProfile", "iam:CreateInstanceProfile",
                            "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile",
                            "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile")


def cluster_boundary(*, cluster_name: str, key_arn: str, account: str, partition: str) -> str:
    """The permissions boundary of a cluster's own roles (control plane, nodes, Karpenter,
    CSI drivers): infrastructure APIs yes; no data (S3, EFS clients, secrets), no KMS but the
    cluster's key, no IAM but instance profiles and passing the cluster's own roles. Whatever
    is attached to these roles later, they cannot read a team's data or mint roles."""
    return _doc([
        {"Sid": "InfrastructureNotData", "Effect": "Allow",
         "NotAction": list(NOT_INFRASTRUCTURE), "Resource": "*"},
        {"Sid": "ClusterKey", "Effect": "Allow",
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey",
                    "kms:CreateGrant", "kms:GenerateDataKey*"],
         "Resource": key_arn},
        {"Sid": "InstanceProfiles", "Effect": "Allow", "Action": list(INSTANCE_PROFILE_ACTIONS),
         "Resource": f"arn:{partition}:iam::{account}:instance-profile/*"},
        {"Sid": "PassOwnRoles", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": f"arn:{partition}:iam::{account}:role/{cluster_name}-*"},
        {"Sid": "ServiceLinkedRoles", "Effect": "Allow", "Action": "iam:CreateServiceLinkedRole",
         "Resource": f"arn:{partition}:iam::{account}:role/aws-service-role/*"},
    ])
