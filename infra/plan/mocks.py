"""What the cloud would answer, for the offline plan: resource outputs and invoke results.

The mocks return what AWS would compute (ARNs, ids, names) deterministically from the
resource's type and name, so two runs of the plan are byte-identical and a policy that names a
bucket's ARN names the ARN the real bucket will have. Invokes the program uses are answered
here one by one; an invoke nobody taught the mocks fails loudly instead of returning a guess.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pulumi

ACCOUNT_ID = "123456789012"
PARTITION = "aws"

InvokeHandler = Callable[[dict[str, Any], "PlanMocks"], dict[str, Any]]


def short_hash(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


# Id prefixes AWS uses, so ids in the plan look like the ids in a console.
ID_PREFIXES: dict[str, str] = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/instance:Instance": "i-",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/volume:Volume": "vol-",
    "aws:ebs/volume:Volume": "vol-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:efs/fileSystem:FileSystem": "fs-",
    "aws:efs/accessPoint:AccessPoint": "fsap-",
    "aws:efs/mountTarget:MountTarget": "fsmt-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}

# ARN shapes by type: (service, resource part); "{name}" is the physical name, "{id}" the id.
ARN_SHAPES: dict[str, tuple[str, str]] = {
    "aws:iam/role:Role": ("iam", "role/{path}{name}"),
    "aws:iam/policy:Policy": ("iam", "policy/{path}{name}"),
    "aws:iam/instanceProfile:InstanceProfile": ("iam", "instance-profile/{path}{name}"),
    "aws:iam/user:User": ("iam", "user/{name}"),
    "aws:iam/samlProvider:SamlProvider": ("iam", "saml-provider/{name}"),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": ("iam", "oidc-provider/{name}"),
    "aws:kms/key:Key": ("kms", "key/{id}"),
    "aws:efs/fileSystem:FileSystem": ("elasticfilesystem", "file-system/{id}"),
    "aws:efs/accessPoint:AccessPoint": ("elasticfilesystem", "access-point/{id}"),
    "aws:ec2/instance:Instance": ("ec2", "instance/{id}"),
    "aws:ec2/vpc:Vpc": ("ec2", "vpc/{id}"),
    "aws:ec2/subnet:Subnet": ("ec2", "subnet/{id}"),
    "aws:ec2/securityGroup:SecurityGroup": ("ec2", "security-group/{id}"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("ec2", "launch-template/{id}"),
    "aws:eks/cluster:Cluster": ("eks", "cluster/{name}"),
    "aws:sqs/queue:Queue": ("sqs", "{name}"),
    "aws:sns/topic:Topic": ("sns", "{name}"),
    "aws:cloudwatch/logGroup:LogGroup": ("logs", "log-group:{name}"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ("cloudwatch", "alarm:{name}"),
    "aws:cloudwatch/eventRule:EventRule": ("events", "rule/{name}"),
    "aws:scheduler/schedule:Schedule": ("scheduler", "schedule/default/{name}"),
    "aws:secretsmanager/secret:Secret": ("secretsmanager", "secret:{name}"),
    "aws:emr/cluster:Cluster": ("elasticmapreduce", "cluster/{id}"),
    "aws:budgets/budget:Budget": ("budgets", "budget/{name}"),
}

GLOBAL_SERVICES = {"iam", "budgets"}

# Output attributes a resource type computes from its inputs, beyond arn and id.
COMPUTED: dict[str, Callable[[dict[str, Any], str, str], dict[str, Any]]] = {
    "aws:s3/bucket:Bucket": lambda i, n, _id: {
        "bucket": i.get("bucket") or n,
        "bucketRegionalDomainName": f"{i.get('bucket') or n}.s3.amazonaws.com"},
    "aws:kms/key:Key": lambda i, n, id_: {"keyId": id_},
    "aws:efs/fileSystem:FileSystem": lambda i, n, id_: {
        "dnsName": f"{id_}.efs.amazonaws.com"},
    "aws:ec2/instance:Instance": lambda i, n, id_: {
        "privateIp": f"10.0.{int(id_[2:4], 16) % 250}.{int(id_[4:6], 16) % 250 + 2}"},
    "aws:eks/cluster:Cluster": lambda i, n, _id: {
        "endpoint": f"https://{short_hash('eks', n, length=32).upper()}.gr7.eks.amazonaws.com",
        "certificateAuthority": {"data": base64.b64encode(
            f"offline plan CA of {n}".encode()).decode()},
        "status": "ACTIVE"},
    "aws:ec2/launchTemplate:LaunchTemplate": lambda i, n, _id: {"latestVersion": 1},
    "aws:sqs/queue:Queue": lambda i, n, _id: {
        "url": f"https://sqs.amazonaws.com/{ACCOUNT_ID}/{n}"},
}


class PlanMocks(pulumi.runtime.Mocks):
    """Deterministic answers for a stack's resources and invokes.

    ``stack_outputs`` maps a stack name to the outputs of its plan, so that a team stack's
    StackReference to its platform returns what the platform's own plan exported.
    """

    def __init__(self, region: str, stack_outputs: dict[str, dict[str, Any]] | None = None,
                 ) -> None:
        self.region = region
        self.stack_outputs = stack_outputs or {}
        self.invokes: dict[str, InvokeHandler] = dict(DEFAULT_INVOKES)

    # -- resources -----------------------------------------------------------------------------
    def new_resource(self, args: pulumi.runtime.MockResourceArgs,
                     ) -> tuple[str | None, dict[str, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(args)
        inputs = dict(args.inputs)
        physical = str(inputs.get("name") or inputs.get("bucket") or args.name)
        id_ = self.make_id(args.typ, args.name, physical)
        state = dict(inputs)
        state.setdefault("id", id_)
        arn = self.make_arn(args.typ, physical, id_, inputs)
        if arn:
            state.setdefault("arn", arn)
        computed = COMPUTED.get(args.typ)
        if computed:
            for key, value in computed(inputs, physical, id_).items():
                state.setdefault(key, value)
        if args.typ.startswith("aws:") and "tags" in inputs:
            state.setdefault("tagsAll", inputs["tags"])
        return id_, state

    def make_id(self, typ: str, logical: str, physical: str) -> str:
        prefix = ID_PREFIXES.get(typ)
        if prefix:
            return prefix + short_hash(typ, logical)
        if typ in ("aws:s3/bucket:Bucket",):
            return physical
        if typ == "aws:kms/key:Key":
            h = short_hash(typ, logical, length=32)
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        if typ.startswith("aws:iam/") or typ.startswith("aws:eks/cluster"):
            return physical
        return f"{physical}-{short_hash(typ, logical, length=8)}"

    def make_arn(self, typ: str, physical: str, id_: str, inputs: dict[str, Any]) -> str | None:
        if not typ.startswith("aws:"):
            return None
        if typ == "aws:s3/bucket:Bucket":
            return f"arn:{PARTITION}:s3:::{physical}"
        shape = ARN_SHAPES.get(typ)
        if shape is None:
            service = typ.split(":")[1].split("/")[0]
            resource = typ.rsplit(":", 1)[-1].lower()
            shape = (service, f"{resource}/{{name}}")
        service, template = shape
        path = str(inputs.get("path") or "/").lstrip("/")
        resource = template.format(name=physical, id=id_, path=path)
        region = "" if service in GLOBAL_SERVICES else self.region
        return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{resource}"

    def _stack_reference(self, args: pulumi.runtime.MockResourceArgs,
                         ) -> tuple[str, dict[str, Any]]:
        name = str(args.inputs.get("name", args.name))
        stack = name.rsplit("/", 1)[-1]
        outputs = self.stack_outputs.get(stack)
        if outputs is None:
            raise LookupError(f"stack reference {name!r}: the plan has no outputs for stack "
                              f"{stack!r} (plan it first)")
        return name, {"name": name, "outputs": outputs, "secretOutputNames": []}

    # -- invokes -------------------------------------------------------------------------------
    def call(self, args: pulumi.runtime.MockCallArgs,
             ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        handler = self.invokes.get(args.token)
        if handler is None:
            raise NotImplementedError(
                f"the offline plan has no mock for invoke {args.token!r}; add one in "
                "infra/plan/mocks.py (DEFAULT_INVOKES)")
        return handler(dict(args.args), self), []


def _availability_zones(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    names = [f"{mocks.region}{suffix}" for suffix in "abc"]
    return {"names": names, "zoneIds": [f"{mocks.region[:3]}-az{i + 1}" for i in range(3)],
            "id": mocks.region, "groupNames": [mocks.region]}


def _ami(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    pattern = ""
    for flt in args.get("filters") or []:
        if flt.get("name") == "name":
            pattern = ",".join(flt.get("values") or [])
    image = "ami-" + short_hash(mocks.region, pattern, str(args.get("owners")))
    return {"id": image, "imageId": image, "name": pattern.replace("*", "20261101"),
            "architecture": "x86_64", "rootDeviceName": "/dev/xvda"}


def _caller_identity(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    return {"accountId": ACCOUNT_ID,
            "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/teamstack-plan",
            "userId": "AIDAPLANOFFLINE", "id": ACCOUNT_ID}


def _session_context(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    """The plan's caller is an IAM user: its session's issuer is itself."""
    arn = str(args.get("arn"))
    return {"arn": arn, "issuerArn": arn, "issuerId": "AIDAPLANOFFLINE",
            "issuerName": arn.rsplit("/", 1)[-1], "id": arn}


def _region(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    return {"name": mocks.region, "region": mocks.region, "id": mocks.region,
            "endpoint": f"ec2.{mocks.region}.amazonaws.com",
            "description": mocks.region}


def _partition(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    return {"partition": PARTITION, "dnsSuffix": "amazonaws.com", "id": PARTITION,
            "reverseDnsPrefix": "com.amazonaws"}


def _ssm_parameter(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    """Public AWS parameters the program reads; today the EKS-optimised AMI ids."""
    name = str(args.get("name"))
    if not name.endswith("/image_id"):
        raise NotImplementedError(f"the offline plan has no value for SSM parameter {name!r}")
    value = "ami-" + short_hash(mocks.region, name)
    return {"name": name, "value": value, "insecureValue": value, "type": "String",
            "version": 1, "arn": f"arn:{PARTITION}:ssm:{mocks.region}::parameter{name}",
            "id": name, "withDecryption": True}


# Placeholder values of the secrets the program reads (keys as documented for each secret):
# plans run without credentials, and a plan must never show or need a real secret.
SECRET_PLACEHOLDER_KEYS = (
    "github_app_id", "github_app_installation_id", "github_app_private_key",  # GitHub App
    "client_id", "client_secret", "callback_url", "authorize_url", "token_url",  # OAuth
    "userdata_url")


def _secret_version(args: dict[str, Any], mocks: PlanMocks) -> dict[str, Any]:
    name = str(args.get("secretId"))
    document = {key: "offline-plan-placeholder" for key in SECRET_PLACEHOLDER_KEYS}
    return {"secretId": name, "secretString": json.dumps(document, sort_keys=True),
            "arn": f"arn:{PARTITION}:secretsmanager:{mocks.region}:{ACCOUNT_ID}:secret:{name}",
            "id": name, "versionId": "offline-plan", "versionStage": "AWSCURRENT",
            "versionStages": ["AWSCURRENT"], "createdDate": "2026-01-01T00:00:00Z"}


DEFAULT_INVOKES: dict[str, InvokeHandler] = {
    "aws:ssm/getParameter:getParameter": _ssm_parameter,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:iam/getSessionContext:getSessionContext": _session_context,
    "aws:index/getPartition:getPartition": _partition,
}
