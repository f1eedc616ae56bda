"""Live readers: one module per AWS service family, each reading a group of resources at once.

A reader gets every state resource of its types in one region (across all stacks, so stacks
share the batched calls) and answers, per URN, either ``MISSING``, an ``Unknown`` (could not
read), or the pairs (field, state value, live value) it compared. ``READERS`` maps each type
it covers to its reader; a type not in it is counted as not compared.
"""

from infra.drift.live.base import MISSING, READERS, Compared, LiveContext, Reader, Unknown

__all__ = ["MISSING", "READERS", "Compared", "LiveContext", "Unknown", "load_readers"]


def load_readers() -> dict[str, Reader]:
    """Import every reader module (each registers its types) and return the registry."""
    from infra.drift.live import ec2, efs, eks, iam, monitoring, network, s3, sqs  # noqa: F401

    return READERS
