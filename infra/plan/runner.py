"""Run the real Pulumi program for one stack under the SDK's mock runtime.

The program is the same code ``pulumi up`` runs (infra.program.build); only the monitor and
engine are replaced: ``RecordingMonitor`` records each registration and ``PlanMocks`` answers
for the cloud. Several stacks can be planned one after another in one process: the runtime's
settings and root resource are reset before each run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.mocks import MockEngine, MockSettings
from pulumi.runtime.stack import run_in_stack

from infra.errors import ToolError
from infra.graph import ResourceGraph
from infra.plan.mocks import PlanMocks
from infra.plan.recorder import RecordingMonitor
from infra.stackfile import LoadedStack

PROJECT = "teamstack"
ORGANIZATION = "organization"

_quiet = logging.getLogger("teamstack.plan.engine")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False


def run_program(stack: str, program: Callable[[], Any], mocks: PlanMocks) -> ResourceGraph:
    """Run ``program`` as stack ``stack`` under mocks and return what it registered."""
    monitor = RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)
    pulumi_settings.configure(MockSettings(  # type: ignore[no-untyped-call]  # unannotated
        monitor=monitor, monitor_features=set(), engine=MockEngine(_quiet), project=PROJECT,
        stack=stack, dry_run=False, organization=ORGANIZATION, callbacks=None))
    pulumi.runtime.set_all_config({"aws:region": mocks.region})
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(run_in_stack(program))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)
        monitor.close_loops()
    return ResourceGraph(stack=stack, resources=monitor.recorded, outputs=monitor.stack_outputs)


def plan_stack(loaded: LoadedStack, stack_outputs: dict[str, dict[str, Any]] | None = None,
               ) -> ResourceGraph:
    """The resource graph of one validated stack.

    ``stack_outputs`` holds the outputs of stacks this one references (a team's platform).
    """
    from infra.program import build  # imported late: keeps `teamstack validate` Pulumi-free

    mocks = PlanMocks(loaded.region, stack_outputs)
    try:
        return run_program(loaded.stack, lambda: build(loaded), mocks)
    except LookupError as exc:
        raise ToolError(str(exc)) from exc
