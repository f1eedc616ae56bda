"""Deploy an example stack's plan into the moto server and write a genuine v3 checkpoint.

Stands in for ``pulumi up`` (no engine or provider plugin runs offline): every AWS resource of
the compared types in the stack's offline plan is created in moto with real boto3 calls, in
dependency order, with the plan's made-up ids replaced by the ids moto returns; the checkpoint
then holds what the engine would record: urn, type, id, custom, parent, provider, inputs,
outputs, dependencies, ignoreChanges. Types drift does not compare are recorded in the state
without being created (they are counted as not compared, never read).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.drift.codemap import mock_tokens
from infra.drift.live import load_readers
from infra.graph import ResourceGraph

REGION = "eu-west-1"
ACCOUNT = "123456789012"
PROJECT = "teamstack"
# Compared types moto cannot host, each with where its reader is tested instead. A scenario
# leaves them out of both code and state (``hostable``), as if the stack never had them.
UNHOSTED = {
    "aws:eks/podIdentityAssociation:PodIdentityAssociation":
        "moto has no EKS Pod Identity API; tests/unit/test_drift_eks.py stubs it with botocore",
    "aws:cloudwatch/compositeAlarm:CompositeAlarm":
        "moto has no PutCompositeAlarm; tests/unit/test_drift_alarms.py stubs DescribeAlarms",
}


def hostable(graph: ResourceGraph) -> ResourceGraph:
    """The graph without the resources moto cannot host (``UNHOSTED``)."""
    kept = [r for r in graph.resources if r.type not in UNHOSTED]
    return ResourceGraph(graph.stack, kept, graph.outputs)


def pascal(value: Any) -> Any:
    """camelCase engine inputs -> the PascalCase shapes of AWS APIs."""
    if isinstance(value, dict):
        return {("ID" if k == "id" else k[:1].upper() + k[1:]): pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def tag_list(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())]


def tag_spec(kind: str, tags: dict[str, str] | None) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": tag_list(tags)}] if tags else []


@dataclass
class World:
    """The moto account as a deploy left it: clients, ids learned, stand-ins created."""

    client: Callable[[str], Any]
    replace: dict[str, str] = field(default_factory=dict)
    vpc_id: str = ""
    ami: str = ""

    def sub(self, value: Any) -> Any:
        if isinstance(value, str):
            for token in sorted(self.replace, key=len, reverse=True):
                if token in value:
                    value = value.replace(token, self.replace[token])
            return value
        if isinstance(value, dict):
            return {k: self.sub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.sub(v) for v in value]
        return value


def _vpc(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vid = w.client("ec2").create_vpc(CidrBlock=i["cidrBlock"])["Vpc"]["VpcId"]
    w.vpc_id = w.vpc_id or vid
    return vid, {"arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc/{vid}"}


def _subnet(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    sid = w.client("ec2").create_subnet(VpcId=i["vpcId"], CidrBlock=i["cidrBlock"],
                                        AvailabilityZone=i["availabilityZone"])["Subnet"]["SubnetId"]
    return sid, {"arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{sid}"}


def _s3_bucket(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    s3 = w.client("s3")
    s3.create_bucket(Bucket=i["bucket"],
                     CreateBucketConfiguration={"LocationConstraint": REGION})
    if i.get("tags"):
        s3.put_bucket_tagging(Bucket=i["bucket"], Tagging={"TagSet": tag_list(i["tags"])})
    return i["bucket"], {"arn": f"arn:aws:s3:::{i['bucket']}"}


def _s3_config(w: World, typ: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    s3, bucket = w.client("s3"), i["bucket"]
    if typ.endswith("BucketServerSideEncryptionConfiguration"):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": r["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
                "KMSMasterKeyID": r["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]},
            "BucketKeyEnabled": r.get("bucketKeyEnabled", False)} for r in i["rules"]]})
    elif typ.endswith("BucketVersioning"):
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
            "Status": i["versioningConfiguration"]["status"]})
    elif typ.endswith("BucketLifecycleConfiguration"):
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={
            "Rules": pascal(i["rules"])})
    elif typ.endswith("BucketLogging"):
        s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {
            "TargetBucket": i["targetBucket"], "TargetPrefix": i["targetPrefix"]}})
    elif typ.endswith("BucketOwnershipControls"):
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [
            {"ObjectOwnership": i["rule"]["objectOwnership"]}]})
    elif typ.endswith("BucketPolicy"):
        s3.put_bucket_policy(Bucket=bucket, Policy=i["policy"])
    elif typ.endswith("BucketPublicAccessBlock"):
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            k[:1].upper() + k[1:]: i[k] for k in ("blockPublicAcls", "blockPublicPolicy",
                                                   "ignorePublicAcls", "restrictPublicBuckets")})
    return bucket, {}


def _sg(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ec2 = w.client("ec2")
    gid = ec2.create_security_group(
        GroupName=i.get("name") or f"{i.get('namePrefix', 'sg-')}{len(w.replace)}",
        Description=i["description"], VpcId=i.get("vpcId") or w.vpc_id,
        TagSpecifications=tag_spec("security-group", i.get("tags")))["GroupId"]
    # Like the provider: the default allow-all egress rule AWS adds is removed.
    ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return gid, {"arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{gid}"}


def _sg_rule(w: World, typ: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    perm: dict[str, Any] = {"IpProtocol": i["ipProtocol"]}
    if i["ipProtocol"] != "-1":
        perm.update(FromPort=i["fromPort"], ToPort=i.get("toPort", i["fromPort"]))
    if i.get("cidrIpv4"):
        perm["IpRanges"] = [{"CidrIp": i["cidrIpv4"], "Description": i.get("description", "")}]
    else:
        perm["UserIdGroupPairs"] = [{"GroupId": i["referencedSecurityGroupId"],
                                     "Description": i.get("description", "")}]
    ec2 = w.client("ec2")
    call = ec2.authorize_security_group_egress if "Egress" in typ \
        else ec2.authorize_security_group_ingress
    answer = call(GroupId=i["securityGroupId"], IpPermissions=[perm],
                  TagSpecifications=tag_spec("security-group-rule", i.get("tags")))
    rid = answer["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    return rid, {"arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group-rule/{rid}"}


def _instance(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    meta = i.get("metadataOptions") or {}
    inst = w.client("ec2").run_instances(
        ImageId=w.ami, MinCount=1, MaxCount=1, InstanceType=i["instanceType"],
        SubnetId=i["subnetId"], IamInstanceProfile={"Name": i["iamInstanceProfile"]},
        MetadataOptions={"HttpTokens": meta.get("httpTokens", "required"),
                         "HttpEndpoint": meta.get("httpEndpoint", "enabled")},
        TagSpecifications=tag_spec("instance", i.get("tags")))["Instances"][0]
    iid = inst["InstanceId"]
    return iid, {"arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{iid}",
                 "privateIp": inst.get("PrivateIpAddress", "")}


def _volume(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    vid = w.client("ec2").create_volume(
        AvailabilityZone=i["availabilityZone"], Size=i["size"], Encrypted=i["encrypted"],
        KmsKeyId=i["kmsKeyId"], VolumeType=i.get("type", "gp3"),
        TagSpecifications=tag_spec("volume", i.get("tags")))["VolumeId"]
    return vid, {"arn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/{vid}"}


def _attach(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    w.client("ec2").attach_volume(Device=i["deviceName"], InstanceId=i["instanceId"],
                                  VolumeId=i["volumeId"])
    digest = hashlib.sha256(f"{i['deviceName']}{i['instanceId']}{i['volumeId']}".encode())
    return f"vai-{int(digest.hexdigest()[:8], 16)}", {}


def _efs(w: World, typ: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    efs = w.client("efs")
    if typ.endswith(":FileSystem"):
        fs = efs.create_file_system(
            CreationToken=i["creationToken"], Encrypted=i["encrypted"], KmsKeyId=i["kmsKeyId"],
            PerformanceMode=i["performanceMode"], ThroughputMode=i["throughputMode"],
            Backup=True, Tags=tag_list(i.get("tags")))
        return fs["FileSystemId"], {"arn": fs["FileSystemArn"],
                                    "dnsName": f"{fs['FileSystemId']}.efs.amazonaws.com"}
    if typ.endswith(":MountTarget"):
        mt = efs.create_mount_target(FileSystemId=i["fileSystemId"], SubnetId=i["subnetId"],
                                     SecurityGroups=i.get("securityGroups") or [])
        return mt["MountTargetId"], {}
    if typ.endswith(":AccessPoint"):
        ap = efs.create_access_point(
            FileSystemId=i["fileSystemId"], PosixUser=pascal(i["posixUser"]),
            RootDirectory=pascal(i["rootDirectory"]), Tags=tag_list(i.get("tags")))
        return ap["AccessPointId"], {"arn": ap["AccessPointArn"]}
    if typ.endswith(":BackupPolicy"):
        # moto has no PutBackupPolicy: file systems are created with backups on instead.
        assert i["backupPolicy"]["status"] == "ENABLED"
        return i["fileSystemId"], {}
    efs.put_file_system_policy(FileSystemId=i["fileSystemId"], Policy=i["policy"])
    return i["fileSystemId"], {}


def _iam(w: World, typ: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    iam = w.client("iam")
    if typ.endswith(":Policy"):
        arn = iam.create_policy(PolicyName=i["name"], Path=i.get("path", "/"),
                                PolicyDocument=i["policy"], Description=i.get("description", ""),
                                Tags=tag_list(i.get("tags")))["Policy"]["Arn"]
        return arn, {"arn": arn}
    if typ.endswith(":Role"):
        args: dict[str, Any] = {"RoleName": i["name"], "Path": i.get("path", "/"),
                                "AssumeRolePolicyDocument": i["assumeRolePolicy"],
                                "Description": i.get("description", ""),
                                "Tags": tag_list(i.get("tags"))}
        if i.get("permissionsBoundary"):
            args["PermissionsBoundary"] = i["permissionsBoundary"]
        if i.get("maxSessionDuration"):
            args["MaxSessionDuration"] = i["maxSessionDuration"]
        arn = iam.create_role(**args)["Role"]["Arn"]
        return i["name"], {"arn": arn}
    if typ.endswith(":RolePolicy"):
        iam.put_role_policy(RoleName=i["role"], PolicyName=i["name"], PolicyDocument=i["policy"])
        return f"{i['role']}:{i['name']}", {}
    if typ.endswith(":RolePolicyAttachment"):
        iam.attach_role_policy(RoleName=i["role"], PolicyArn=i["policyArn"])
        return f"{i['role']}-{i['policyArn'][-8:]}", {}
    iam.create_instance_profile(InstanceProfileName=i["name"], Path=i.get("path", "/"))
    iam.add_role_to_instance_profile(InstanceProfileName=i["name"], RoleName=i["role"])
    return i["name"], {"arn": f"arn:aws:iam::{ACCOUNT}:instance-profile{i.get('path', '/')}"
                              f"{i['name']}"}


def _kms(w: World, typ: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kms = w.client("kms")
    if typ.endswith(":Alias"):
        kms.create_alias(AliasName=i["name"], TargetKeyId=i["targetKeyId"])
        return i["name"], {"arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:{i['name']}"}
    meta = kms.create_key(Description=i.get("description", ""), Tags=[
        {"TagKey": k, "TagValue": v} for k, v in sorted((i.get("tags") or {}).items())])[
        "KeyMetadata"]
    if i.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    return meta["KeyId"], {"arn": meta["Arn"], "keyId": meta["KeyId"]}


def _alarm(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = i["name"]
    w.client("cloudwatch").put_metric_alarm(
        AlarmName=name, AlarmDescription=i.get("alarmDescription", ""),
        AlarmActions=i.get("alarmActions") or [], MetricName=i["metricName"],
        Namespace=i["namespace"], Statistic=i["statistic"], Period=i["period"],
        EvaluationPeriods=i["evaluationPeriods"], Threshold=float(i["threshold"]),
        ComparisonOperator=i["comparisonOperator"],
        DatapointsToAlarm=i.get("datapointsToAlarm", i["evaluationPeriods"]),
        TreatMissingData=i.get("treatMissingData", "missing"),
        Dimensions=[{"Name": k, "Value": v} for k, v in (i.get("dimensions") or {}).items()],
        Tags=tag_list(i.get("tags")))
    return name, {"arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"}


def _budget(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    w.client("budgets").create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": i["name"], "BudgetType": i["budgetType"], "TimeUnit": i["timeUnit"],
        "BudgetLimit": {"Amount": i["limitAmount"], "Unit": i["limitUnit"]}})
    return f"{ACCOUNT}:{i['name']}", {"arn": f"arn:aws:budgets::{ACCOUNT}:budget/{i['name']}"}


def _events(w: World, typ: str, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    events = w.client("events")
    if typ.endswith(":EventRule"):
        args = {"Name": i["name"], "Description": i.get("description", ""),
                "Tags": tag_list(i.get("tags"))}
        if i.get("eventPattern"):
            args["EventPattern"] = i["eventPattern"]
        if i.get("scheduleExpression"):
            args["ScheduleExpression"] = i["scheduleExpression"]
        arn = events.put_rule(**args)["RuleArn"]
        return i["name"], {"arn": arn}
    target_id = i.get("targetId") or "target"
    target = {"Id": target_id, "Arn": i["arn"]}
    if i.get("input"):
        target["Input"] = i["input"]
    if i.get("roleArn"):
        target["RoleArn"] = i["roleArn"]
    events.put_targets(Rule=i["rule"], Targets=[target])
    return f"{i['rule']}-{target_id}", {"targetId": target_id}


def _schedule(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    target = {"Arn": i["target"]["arn"], "RoleArn": i["target"]["roleArn"]}
    if i["target"].get("input"):
        target["Input"] = i["target"]["input"]
    arn = w.client("scheduler").create_schedule(
        Name=i["name"], ScheduleExpression=i["scheduleExpression"],
        ScheduleExpressionTimezone=i.get("scheduleExpressionTimezone", "UTC"),
        FlexibleTimeWindow={"Mode": i["flexibleTimeWindow"]["mode"]}, Target=target,
        Description=i.get("description", ""))["ScheduleArn"]
    return f"default/{i['name']}", {"arn": arn}


def _asg(w: World, i: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    w.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=i["name"], MinSize=i["minSize"], MaxSize=i["maxSize"],
        DesiredCapacity=i["desiredCapacity"], VPCZoneIdentifier=",".join(i["vpcZoneIdentifiers"]),
        LaunchConfigurationName=i["launchConfiguration"])
    return i["name"], {"arn": f"arn:aws:autoscaling:{REGION}:{ACCOUNT}:autoScalingGroup:"
                              f"uuid:autoScalingGroupName/{i['name']}"}


# Creation order: what others refer to first.
CREATORS: list[tuple[str, Callable[..., tuple[str, dict[str, Any]]], bool]] = [
    ("aws:ec2/vpc:Vpc", _vpc, False), ("aws:ec2/subnet:Subnet", _subnet, False),
    ("aws:kms/key:Key", _kms, True), ("aws:kms/alias:Alias", _kms, True),
    ("aws:iam/policy:Policy", _iam, True), ("aws:iam/role:Role", _iam, True),
    ("aws:iam/rolePolicy:RolePolicy", _iam, True),
    ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", _iam, True),
    ("aws:iam/instanceProfile:InstanceProfile", _iam, True),
    ("aws:ec2/securityGroup:SecurityGroup", _sg, False),
    ("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", _sg_rule, True),
    ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", _sg_rule, True),
    ("aws:s3/bucket:Bucket", _s3_bucket, False),
    *[(t, _s3_config, True) for t in (
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLogging:BucketLogging",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")],
    ("aws:efs/fileSystem:FileSystem", _efs, True), ("aws:efs/mountTarget:MountTarget", _efs, True),
    ("aws:efs/accessPoint:AccessPoint", _efs, True),
    ("aws:efs/backupPolicy:BackupPolicy", _efs, True),
    ("aws:efs/fileSystemPolicy:FileSystemPolicy", _efs, True),
    ("aws:ebs/volume:Volume", _volume, False), ("aws:ec2/instance:Instance", _instance, False),
    ("aws:ec2/volumeAttachment:VolumeAttachment", _attach, False),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", _alarm, False),
    ("aws:budgets/budget:Budget", _budget, False),
    ("aws:cloudwatch/eventRule:EventRule", _events, True),
    ("aws:cloudwatch/eventTarget:EventTarget", _events, True),
    ("aws:scheduler/schedule:Schedule", _schedule, False),
    ("aws:autoscaling/group:Group", _asg, False),
]


def deploy(world: World, graph: ResourceGraph, types: set[str] | None = None,
           ) -> list[dict[str, Any]]:
    """Create the stack's resources in moto; return the checkpoint's resource list."""
    readers = load_readers()
    stack_urn = f"urn:pulumi:{graph.stack}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{graph.stack}"
    provider_urn = f"urn:pulumi:{graph.stack}::{PROJECT}::pulumi:providers:aws::default_6_0_0"
    entries: dict[str, dict[str, Any]] = {}
    created: dict[str, tuple[str, dict[str, Any]]] = {}
    creators = {typ: (create, pass_type) for typ, create, pass_type in CREATORS}
    rank = {typ: index for index, (typ, _, _) in enumerate(CREATORS)}
    todo = [r for r in graph.resources if r.type in creators
            and (types is None or r.type in types)]
    tokens_of = {r.urn: mock_tokens(r, REGION) for r in todo}
    while todo:
        # Dependency order, as the engine would: a resource waits until every resource whose
        # made-up id or ARN its inputs mention has been created.
        waiting = {t for r in todo for t in tokens_of[r.urn].values() if len(t) >= 8}
        pending = {r.urn for r in todo}
        ready = [r for r in todo if not pending & set(r.dependencies) and not any(
            t in json.dumps(r.inputs) for t in waiting - set(tokens_of[r.urn].values()))]
        if not ready:
            raise RuntimeError(f"cyclic references among {[r.urn for r in todo]}")
        r = min(ready, key=lambda x: rank[x.type])
        todo.remove(r)
        create, pass_type = creators[r.type]
        inputs = world.sub(r.inputs)
        id_, outputs = create(world, r.type, inputs) if pass_type else create(world, inputs)
        tokens = tokens_of[r.urn]
        if "id" in tokens:
            world.replace[tokens["id"]] = id_
        for attr in ("arn", "keyId", "dnsName"):
            if attr in tokens and attr in outputs:
                world.replace[tokens[attr]] = outputs[attr]
        created[r.urn] = (id_, outputs)
    resources = [{"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack",
                  "outputs": {}},
                 {"urn": provider_urn, "custom": True, "id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                  "type": "pulumi:providers:aws", "inputs": {"region": REGION},
                  "outputs": {"region": REGION}}]
    for r in graph.resources:
        if types is not None and r.urn not in created:
            continue
        if r.type.startswith("pulumi:providers:"):
            continue
        inputs = world.sub(r.inputs)
        entry: dict[str, Any] = {"urn": r.urn, "custom": r.custom, "type": r.type,
                                 "parent": r.parent or stack_urn}
        if r.custom:
            if r.urn in created:
                id_, extra = created[r.urn]
            else:  # a type drift does not compare: recorded, not created
                assert r.type not in readers, (
                    f"no creator for compared type {r.type}: add one, or list it in UNHOSTED")
                id_, extra = f"{r.name}-{hashlib.sha256(r.urn.encode()).hexdigest()[:8]}", {}
            outputs = {**inputs, **extra, "id": id_}
            if "tags" in inputs:
                outputs["tagsAll"] = inputs["tags"]
            entry.update(id=id_, inputs={**inputs, "__defaults": []}, outputs=outputs,
                         provider=f"{provider_urn}::04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                         dependencies=list(r.dependencies))
            if r.ignore_changes:
                entry["ignoreChanges"] = list(r.ignore_changes)
        else:
            entry["outputs"] = {}
        entries[r.urn] = entry
    return resources + list(entries.values())


def checkpoint(stack: str, resources: list[dict[str, Any]], version: int = 3) -> dict[str, Any]:
    """The document Pulumi's DIY backend writes to .pulumi/stacks/<project>/<stack>.json."""
    deployment = {
        "manifest": {"time": "2026-12-01T02:00:00.000000000Z", "magic": "0" * 64,
                     "version": "v3.140.0"},
        "secrets_providers": {"type": "cloud", "state": {
            "url": f"awskms://alias/pulumi-state?region={REGION}",
            "encryptedkey": "AQICAHhteamstacktestkeyAAAA"}},
        "resources": resources,
    }
    doc: dict[str, Any] = {"version": version, "checkpoint": {
        "stack": f"organization/{PROJECT}/{stack}", "latest": deployment}}
    if version == 4:
        doc["features"] = []
    return doc


def write(store_client: Any, bucket: str, stack: str, document: Any) -> None:
    body = document if isinstance(document, bytes) else json.dumps(document, indent=4).encode()
    store_client.put_object(Bucket=bucket, Key=f".pulumi/stacks/{PROJECT}/{stack}.json", Body=body)




def allow_access_logs(world: World, bucket: str) -> None:
    """The platform's log bucket admits S3 server access logs (the platform's own policy
    leads with a ``Principal: "*"`` statement that moto's logging check cannot parse)."""
    world.client("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "S3ServerAccessLogs", "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
