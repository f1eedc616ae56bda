"""Transition shim: the resource-graph model moved to ``infra.graph``.

Policy, cost and drift read the graph, so it lives one floor below ``plan/``. This re-export
only keeps branches written before the move importing; new code imports ``infra.graph``.
Remove it once no branch in flight uses ``infra.plan.graph``.
"""

from infra.graph import SECRET_MARKER, Resource, ResourceGraph

__all__ = ["SECRET_MARKER", "Resource", "ResourceGraph"]
