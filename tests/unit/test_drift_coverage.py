"""Coverage is honest: a type is compared only if a live reader covers it; the rest is counted
under not_compared. At least 90% of the example stacks' AWS resources are compared."""

from __future__ import annotations

from infra.drift.live import load_readers
from infra.drift.policy import OPERATIONS
from infra.graph import ResourceGraph


def test_at_least_90_percent_of_example_aws_resources_are_compared(
        example_plans: dict[str, ResourceGraph]) -> None:
    readers = load_readers()
    aws = [r for g in example_plans.values() for r in g.custom() if r.type.startswith("aws:")]
    compared = [r for r in aws if r.type in readers]
    assert len(compared) / len(aws) >= 0.90, sorted({r.type for r in aws} - set(readers))
    for stack in ("analytics-prod", "insights-prod", "vision-prod"):
        team = [r for r in example_plans[stack].custom() if r.type.startswith("aws:")]
        assert sum(r.type in readers for r in team) / len(team) >= 0.90, stack


def test_every_reader_module_calls_only_operations_in_the_policy() -> None:
    """The readers' source names boto3 methods; each must map to a read-only policy action."""
    import inspect
    import re

    from infra.drift.live import ec2, efs, eks, iam, monitoring, network, s3, sqs, tagged

    names = set()
    for module in (ec2, efs, eks, iam, monitoring, network, s3, sqs, tagged):
        source = inspect.getsource(module)
        names |= set(re.findall(r'\.(get_[a-z_]+|describe_[a-z_]+|list_[a-z_]+)\(', source))
        names |= set(re.findall(r'"((?:describe|list|get)_[a-z_]+)"', source))
    camel = {"".join(p.title() for p in n.split("_")) for n in names}
    camel -= {"GetPaginator", "Get", "GetPath"}
    known = {op.split(":", 1)[1] for op in OPERATIONS}
    assert camel <= known, sorted(camel - known)
