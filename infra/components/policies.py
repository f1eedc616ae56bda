"""IAM documents of a team's roles, as plain data (no Pulumi: testable and reused by the
isolation test, which loads what the plan recorded rather than these functions).

Isolation rests on two locks. Every data statement names the team's own ARNs (buckets, key,
file system), which are known before they exist because physical names are deterministic; and
where the service evaluates resource tags (KMS, EFS, EC2, SSM) the statement also requires
``teamstack:team`` to be this team, so a resource of another team would stay out of reach even
if an ARN were wrong. Actions that AWS only authorises on ``"*"`` (describe calls, the SSM
agent's channel, metrics) grant no access to data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

TEAM_TAG = "teamstack:team"
METRIC_NAMESPACE = "teamstack"  # the CloudWatch agent's namespace (roles/monitoring_agent)
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"

Statement = dict[str, Any]


@dataclass(frozen=True)
class TeamResources:
    """What a team's policies name. Empty ARNs mean the team has none of that kind."""

    team: str
    prefix: str  # <team>-<env>, the start of every physical name
    account: str
    region: str
    partition: str = "aws"
    bucket_arns: Sequence[str] = ()
    key_arn: str | None = None
    file_system_arn: str | None = None
    budget_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def arn(self, service: str, resource: str, *, region: bool = True) -> str:
        where = self.region if region else ""
        return f"arn:{self.partition}:{service}:{where}:{self.account}:{resource}"


def _team_tag(key: str, team: str) -> dict[str, Any]:
    return {"StringEquals": {key: team}}


def document(statements: Iterable[Statement]) -> str:
    """A policy document as the JSON string IAM stores (sorted keys: byte-stable plans)."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def data_statements(r: TeamResources) -> list[Statement]:
    """The team's buckets, key and shared home: list, read, write, delete; nothing else's."""
    out: list[Statement] = []
    if r.bucket_arns:
        out.append({"Sid": "ListOwnBuckets", "Effect": "Allow",
                    "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation",
                               "s3:ListBucketMultipartUploads"],
                    "Resource": list(r.bucket_arns)})
        out.append({"Sid": "ReadWriteOwnObjects", "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject",
                               "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:RestoreObject",
                               "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                    "Resource": [f"{arn}/*" for arn in r.bucket_arns]})
    if r.key_arn:
        out.append({"Sid": "UseOwnKey", "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
                               "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom",
                               "kms:ReEncryptTo", "kms:DescribeKey"],
                    "Resource": [r.key_arn],
                    "Condition": _team_tag(f"aws:ResourceTag/{TEAM_TAG}", r.team)})
    if r.file_system_arn:
        out.append({"Sid": "MountOwnHome", "Effect": "Allow",
                    "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                    "Resource": [r.file_system_arn],
                    "Condition": _team_tag(f"aws:ResourceTag/{TEAM_TAG}", r.team)})
    return out


def host_statements(r: TeamResources) -> list[Statement]:
    """What a team host (desktop, runner, pod) needs to be managed and observed."""
    return [
        {"Sid": "SessionManagerAgent", "Effect": "Allow",
         "Action": ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
                    "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
                    "ssmmessages:OpenDataChannel", "ec2messages:AcknowledgeMessage",
                    "ec2messages:DeleteMessage", "ec2messages:FailMessage",
                    "ec2messages:GetEndpoint", "ec2messages:GetMessages",
                    "ec2messages:SendReply"],
         "Resource": "*"},
        {"Sid": "PublishTeamMetrics", "Effect": "Allow", "Action": "cloudwatch:PutMetricData",
         "Resource": "*",
         "Condition": {"StringEquals": {"cloudwatch:namespace": METRIC_NAMESPACE}}},
        {"Sid": "WriteOwnLogs", "Effect": "Allow",
         "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                    "logs:DescribeLogStreams"],
         "Resource": [r.arn("logs", f"log-group:/teamstack/{r.prefix}/*"),
                      r.arn("logs", f"log-group:/teamstack/{r.prefix}/*:*")]},
        {"Sid": "PullImages", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken",
         "Resource": "*"},
        {"Sid": "PullImageLayers", "Effect": "Allow",
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability"],
         "Resource": r.arn("ecr", "repository/*")},
    ]


def people_statements(r: TeamResources) -> list[Statement]:
    """What a person does besides data: see, start, stop and open a session on the team's
    desktops (tag-scoped), read the team's metrics, logs and budget."""
    instances = r.arn("ec2", "instance/*")
    out: list[Statement] = [
        {"Sid": "SeeInstances", "Effect": "Allow",
         "Action": ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeTags",
                    "ssm:DescribeInstanceInformation", "ssm:DescribeSessions",
                    "ssm:GetConnectionStatus", "cloudwatch:GetMetricData",
                    "cloudwatch:ListMetrics", "cloudwatch:DescribeAlarms"],
         "Resource": "*"},
        {"Sid": "StartStopOwnDesktops", "Effect": "Allow",
         "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
         "Resource": instances,
         "Condition": _team_tag(f"aws:ResourceTag/{TEAM_TAG}", r.team)},
        {"Sid": "SessionsOnOwnDesktops", "Effect": "Allow", "Action": "ssm:StartSession",
         "Resource": instances,
         "Condition": _team_tag(f"ssm:resourceTag/{TEAM_TAG}", r.team)},
        {"Sid": "SessionDocuments", "Effect": "Allow", "Action": "ssm:StartSession",
         "Resource": [
             # AWS-owned documents have no account in their ARN; the shell preferences
             # document is the account's own.
             f"arn:{r.partition}:ssm:{r.region}::document/AWS-StartPortForwardingSession",
             r.arn("ssm", "document/SSM-SessionManagerRunShell")]},
        {"Sid": "OwnSessions", "Effect": "Allow",
         "Action": ["ssm:TerminateSession", "ssm:ResumeSession"],
         "Resource": r.arn("ssm", "session/${aws:userid}-*")},
        {"Sid": "ReadOwnLogs", "Effect": "Allow",
         "Action": ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"],
         "Resource": [r.arn("logs", f"log-group:/teamstack/{r.prefix}/*"),
                      r.arn("logs", f"log-group:/teamstack/{r.prefix}/*:*")]},
    ]
    if r.budget_name:
        out.append({"Sid": "ViewOwnBudget", "Effect": "Allow", "Action": "budgets:ViewBudget",
                    "Resource": r.arn("budgets", f"budget/{r.budget_name}", region=False)})
    return out


STOP_AUTOMATION = "AWS-StopEC2Instance"


def desktop_automation_statements(r: TeamResources,
                                  instance_arns: Sequence[str] = ()) -> list[Statement]:
    """The desktops' scheduler and idle stop: start and stop the team's desktops (named ARNs
    when known, and only if tagged with the team), run the AWS stop runbook, and let EC2 use
    the team key for the encrypted volumes of a starting instance."""
    instances = list(instance_arns) or r.arn("ec2", "instance/*")
    out: list[Statement] = [
        {"Sid": "StartStopOwnDesktops", "Effect": "Allow",
         "Action": ["ec2:StartInstances", "ec2:StopInstances"], "Resource": instances,
         "Condition": _team_tag(f"aws:ResourceTag/{TEAM_TAG}", r.team)},
        {"Sid": "SeeInstanceStatus", "Effect": "Allow",
         "Action": ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus"], "Resource": "*"},
        {"Sid": "RunStopRunbook", "Effect": "Allow", "Action": "ssm:StartAutomationExecution",
         "Resource": r.arn("ssm", f"automation-definition/{STOP_AUTOMATION}:*")},
    ]
    if r.key_arn:
        out.append({"Sid": "GrantKeyToEc2ForStart", "Effect": "Allow", "Action": "kms:CreateGrant",
                    "Resource": [r.key_arn],
                    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}})
    return out


def boundary_statements(r: TeamResources) -> list[Statement]:
    """The permissions boundary: the most any of the team's roles may ever do.

    It is the union of what the roles are granted, so attaching a broader policy to a team
    role later (by mistake or on purpose) still yields nothing outside the team's resources;
    IAM itself is never within it, so no team role can mint or widen roles.
    """
    seen: dict[str, Statement] = {}
    for statement in [*data_statements(r), *host_statements(r), *people_statements(r),
                      *desktop_automation_statements(r)]:
        seen.setdefault(statement["Sid"], statement)
    return list(seen.values())


def pod_identity_statement(account: str, clusters: Sequence[str],
                           namespaces: Sequence[str]) -> Statement:
    """EKS Pod Identity, for pods of these clusters and namespaces only (session tags)."""
    return {"Sid": "EksPodIdentity", "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {"StringEquals": {
                "aws:SourceAccount": account,
                "aws:RequestTag/eks-cluster-name": sorted(clusters),
                "aws:RequestTag/kubernetes-namespace": sorted(namespaces)}}}


def workload_trust_pods(account: str, clusters: Sequence[str], namespaces: Sequence[str]) -> str:
    """A role for pods only (no hosts), of these clusters and namespaces."""
    return document([pod_identity_statement(account, clusters, namespaces)])


def workload_trust(account: str, clusters: Sequence[str], namespaces: Sequence[str]) -> str:
    """Pods through EKS Pod Identity (which tags sessions) and the team's EC2 hosts.

    The Pod Identity agent tags each session with the pod's cluster and namespace; the trust
    requires them to be the team's clusters and namespaces, so an association made by mistake
    (or by anyone able to create one) for another team's namespace cannot assume this role.
    """
    return document([
        pod_identity_statement(account, clusters, namespaces),
        {"Sid": "TeamHosts", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"},
    ])


def people_trust(idp_arn: str, idp_type: str, team: str, issuer: str = "",
                 audience: str = "") -> str:
    """People sign in through the platform's identity provider.

    With SAML (IAM Identity Center or an IdP) the IdP only offers a role to members of the
    group mapped to it. An OIDC token carries no such mapping IAM can check, so the IdP must
    pass the team as a session tag (``https://aws.amazon.com/tags``) and the trust requires it.
    """
    if idp_type == "saml":
        return document([{
            "Sid": "PeopleThroughSaml", "Effect": "Allow", "Principal": {"Federated": idp_arn},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            "Condition": {"StringEquals": {"SAML:aud": SAML_AUDIENCE}},
        }])
    if idp_type == "oidc":
        return document([{
            "Sid": "PeopleThroughOidc", "Effect": "Allow", "Principal": {"Federated": idp_arn},
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
            "Condition": {"StringEquals": {f"{issuer}:aud": audience,
                                           f"aws:RequestTag/{TEAM_TAG}": team}},
        }])
    raise ValueError(f"unknown identity provider type {idp_type!r} (expected saml or oidc)")
