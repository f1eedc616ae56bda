"""The IAM policy the nightly drift job needs: read-only actions only, nothing else.

``OPERATIONS`` maps every API operation a drift run may call (``service:Operation`` as botocore
names it) to the IAM action that authorises it; the tests record a run's operations and check
each one is here, so the printed policy is exactly what a run uses.
"""

from __future__ import annotations

import json
from typing import Any

OPERATIONS: dict[str, str] = {
    # state backend (only the stacks' objects and locks are read)
    "s3:GetObject": "s3:GetObject",
    "s3:ListObjectsV2": "s3:ListBucket",
    # S3
    "s3:ListBuckets": "s3:ListAllMyBuckets",
    "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
    "s3:GetBucketVersioning": "s3:GetBucketVersioning",
    "s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
    "s3:GetBucketLogging": "s3:GetBucketLogging",
    "s3:GetBucketOwnershipControls": "s3:GetBucketOwnershipControls",
    "s3:GetBucketPolicy": "s3:GetBucketPolicy",
    "s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
    # EC2 and Auto Scaling
    "ec2:DescribeSecurityGroups": "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules": "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeInstances": "ec2:DescribeInstances",
    "ec2:DescribeVolumes": "ec2:DescribeVolumes",
    "autoscaling:DescribeAutoScalingGroups": "autoscaling:DescribeAutoScalingGroups",
    "ec2:DescribeVpcs": "ec2:DescribeVpcs",
    "ec2:DescribeSubnets": "ec2:DescribeSubnets",
    "ec2:DescribeInternetGateways": "ec2:DescribeInternetGateways",
    "ec2:DescribeNatGateways": "ec2:DescribeNatGateways",
    "ec2:DescribeAddresses": "ec2:DescribeAddresses",
    "ec2:DescribeVpcEndpoints": "ec2:DescribeVpcEndpoints",
    "ec2:DescribeFlowLogs": "ec2:DescribeFlowLogs",
    "ec2:DescribeLaunchTemplates": "ec2:DescribeLaunchTemplates",
    "ec2:DescribeRouteTables": "ec2:DescribeRouteTables",
    "logs:DescribeLogGroups": "logs:DescribeLogGroups",
    # EKS Pod Identity: one listing per cluster, one describe per association
    "eks:DescribeNodegroup": "eks:DescribeNodegroup",
    "eks:ListPodIdentityAssociations": "eks:ListPodIdentityAssociations",
    "eks:DescribePodIdentityAssociation": "eks:DescribePodIdentityAssociation",
    # SQS: one GetQueueAttributes per managed queue (no batch form)
    "sqs:GetQueueAttributes": "sqs:GetQueueAttributes",
    # EFS
    "efs:DescribeFileSystems": "elasticfilesystem:DescribeFileSystems",
    "efs:DescribeAccessPoints": "elasticfilesystem:DescribeAccessPoints",
    "efs:DescribeMountTargets": "elasticfilesystem:DescribeMountTargets",
    "efs:DescribeBackupPolicy": "elasticfilesystem:DescribeBackupPolicy",
    "efs:DescribeFileSystemPolicy": "elasticfilesystem:DescribeFileSystemPolicy",
    # IAM and KMS
    "iam:GetAccountAuthorizationDetails": "iam:GetAccountAuthorizationDetails",
    "kms:DescribeKey": "kms:DescribeKey",
    "kms:GetKeyRotationStatus": "kms:GetKeyRotationStatus",
    "kms:ListAliases": "kms:ListAliases",
    # monitoring and schedules
    "cloudwatch:DescribeAlarms": "cloudwatch:DescribeAlarms",
    "budgets:DescribeBudgets": "budgets:ViewBudget",
    "events:ListRules": "events:ListRules",
    "events:ListTargetsByRule": "events:ListTargetsByRule",
    "scheduler:GetSchedule": "scheduler:GetSchedule",
    # unmanaged resources
    "resourcegroupstaggingapi:GetResources": "tag:GetResources",
    # EKS clusters, and the cluster of a kubeconfig that uses `aws eks get-token`
    "eks:DescribeCluster": "eks:DescribeCluster",
}

READ_PREFIXES = ("Get", "Describe", "List", "View")


def is_read_only(action: str) -> bool:
    return action.split(":", 1)[1].startswith(READ_PREFIXES)


def policy_document(backend_bucket: str | None = None) -> dict[str, Any]:
    """The identity policy of the drift role. ``backend_bucket`` scopes the state reads."""
    state_actions = {"s3:GetObject", "s3:ListBucket"}
    other = sorted(set(OPERATIONS.values()) - state_actions)
    statements: list[dict[str, Any]] = [
        {"Sid": "ReadLiveResources", "Effect": "Allow", "Action": other, "Resource": "*"},
    ]
    bucket = backend_bucket or "*"
    statements.append({"Sid": "ReadPulumiState", "Effect": "Allow",
                       "Action": ["s3:GetObject", "s3:ListBucket"],
                       "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]})
    return {"Version": "2012-10-17", "Statement": statements}


def render(backend_bucket: str | None = None) -> str:
    return json.dumps(policy_document(backend_bucket), indent=2) + "\n"
