"""S3 guardrails: every bucket has all four public-access blocks and SSE-KMS encryption.

The settings live on separate resources (``BucketPublicAccessBlock``,
``BucketServerSideEncryptionConfiguration``) that point at their bucket by name, so a rule
finds each bucket's companions by that name, or by a dependency on the bucket when the name is
not known.

One exception is made for encryption, and only for a bucket whose sole purpose is receiving S3
server access logs: S3 log delivery cannot write to a bucket whose default encryption is
SSE-KMS, so such a bucket must use SSE-S3 (AES256). A bucket qualifies only if its bucket
policy grants access to the log delivery service and to nobody else.
"""

from __future__ import annotations

from infra.graph import Resource, ResourceGraph
from infra.policy.inputs import get, items, json_document, statements
from infra.policy.violation import Violation

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = ("aws:s3/bucketServerSideEncryptionConfiguration:"
              "BucketServerSideEncryptionConfiguration")
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")
LOG_DELIVERY = "logging.s3.amazonaws.com"


def bucket_name(bucket: Resource) -> str:
    return str(bucket.inputs.get("bucket") or bucket.name)


def companions(graph: ResourceGraph, bucket: Resource, type_token: str) -> list[Resource]:
    """Resources of ``type_token`` configuring ``bucket``."""
    name = bucket_name(bucket)
    buckets = graph.of_type(BUCKET)
    urns = {b.urn for b in buckets}
    names = {bucket_name(b) for b in buckets}
    found = []
    for r in graph.of_type(type_token):
        target = r.inputs.get("bucket")
        if target == name:
            found.append(r)
        elif target not in names:
            # The name is not resolved (an unknown value): fall back to the dependency.
            deps = [d for d in r.dependencies if d in urns]
            if deps == [bucket.urn]:
                found.append(r)
    return found


def _algorithms(rules: list) -> list[tuple[str | None, str | None]]:
    return [(get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"),
             get(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"))
            for rule in rules]


def is_log_delivery_bucket(graph: ResourceGraph, bucket: Resource) -> bool:
    """True if the bucket's policies allow the S3 log delivery service and no one else."""
    allowed: set[str] = set()
    for policy in companions(graph, bucket, POLICY):
        for statement in statements(json_document(policy.inputs.get("policy"))):
            if statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            services = items(get(principal, "Service")) if isinstance(principal, dict) else []
            others = ({k for k in principal if k != "Service"} if isinstance(principal, dict)
                      else {"*"})
            allowed.update(str(s) for s in services)
            allowed.update(others)
    return allowed == {LOG_DELIVERY}


def check_public_access(graph: ResourceGraph) -> list[Violation]:
    out = []
    for bucket in graph.of_type(BUCKET):
        blocks = companions(graph, bucket, PUBLIC_ACCESS_BLOCK)
        if not blocks:
            out.append(Violation("s3.public-access-block", bucket.urn,
                                 f"bucket {bucket_name(bucket)} has no public access block; "
                                 "all four flags must be true so it can never be made public"))
            continue
        for block in blocks:
            off = [f for f in PAB_FLAGS if block.inputs.get(f) is not True]
            if off:
                out.append(Violation("s3.public-access-block", block.urn,
                                     f"bucket {bucket_name(bucket)}: {', '.join(off)} must be "
                                     "true"))
    return out


def check_encryption(graph: ResourceGraph) -> list[Violation]:
    out = []
    for bucket in graph.of_type(BUCKET):
        rules = [rule for config in companions(graph, bucket, ENCRYPTION)
                 for rule in items(config.inputs.get("rules"))]
        rules += items(get(bucket.inputs, "serverSideEncryptionConfiguration", "rule"))
        algorithms = _algorithms(rules)
        name = bucket_name(bucket)
        if any(a in KMS_ALGORITHMS and key for a, key in algorithms):
            continue
        if any(a == "AES256" for a, _ in algorithms) and is_log_delivery_bucket(graph, bucket):
            continue  # S3 server access logs can only be delivered to SSE-S3 buckets
        if any(a in KMS_ALGORITHMS for a, _ in algorithms):
            message = (f"bucket {name} uses SSE-KMS without a key id (the AWS-managed key); "
                       "set the team's key so access is auditable and revocable")
        elif algorithms:
            message = (f"bucket {name} is encrypted with {algorithms[0][0]}, not SSE-KMS; only "
                       "a log-delivery bucket may use SSE-S3")
        else:
            message = f"bucket {name} has no SSE-KMS default encryption"
        out.append(Violation("s3.encryption", bucket.urn, message))
    return out
