"""Cost: the price catalog, the reference workloads, and a stack's floor/expected/ceiling.

Pure Python (no Pulumi): ``prices`` (catalog snapshot and lookups), ``refresh`` (rebuild it
from the AWS Price List API), ``reference`` (expected GPU cost by replaying a profile's
reference workload), ``stack`` (``estimate_stack_cost`` over a ``ResourceGraph``, and
``diff_costs``).
"""
