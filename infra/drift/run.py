"""One drift run: read every stack's state, plan the code, read the cloud in batches, classify.

Stacks share the live reads: every state resource is grouped by region and reader first, so
ten team stacks cost about as many list/describe calls as one (per-item calls aside). A stack
whose state cannot be read is reported (``error`` or ``skipped``) and the others go on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.drift import ignore as ignore_file
from infra.drift.backend import BackendUrl, StateUnavailable, list_locks, read_checkpoint
from infra.drift.classify import live_findings, pending_findings
from infra.drift.codemap import CodeMap
from infra.drift.live import load_readers
from infra.drift.live.base import RETRY_CONFIG, LiveContext, Result, error_text
from infra.drift.live.tagged import STACK_TAG, arn_type, known_names, tagged, unmanaged
from infra.drift.model import DriftReport, Finding, StackReport, StateResource
from infra.drift.state import parse_checkpoint
from infra.graph import ResourceGraph

Progress = Callable[[str], None]


class CallCounter:
    """Counts API operations (not retry attempts) made through a boto3 session, per bucket."""

    def __init__(self, session: Any) -> None:
        self.bucket = "-"
        self.calls: dict[str, int] = defaultdict(int)
        self.operations: list[str] = []
        session.events.register("before-call", self._count)

    def _count(self, model: Any = None, **_: Any) -> None:
        self.calls[self.bucket] += 1
        if model is not None:
            self.operations.append(f"{model.service_model.service_name}:{model.name}")

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@dataclass
class StackInput:
    """What a run needs to know about one stack: its name, region and planned code."""

    stack: str
    region: str
    code: ResourceGraph | None
    # A platform stack: other stacks refer to its resources (their code names its ids).
    shared: bool = False


@dataclass
class DriftRun:
    backend: BackendUrl
    session: Any
    stacks: list[StackInput]
    project: str = "teamstack"
    # Plans of stacks referenced but not checked (a team's platform): their ids resolve code.
    extra_code: list[StackInput] = field(default_factory=list)
    ignore: list[ignore_file.IgnoreEntry] = field(default_factory=list)
    ignore_source: str = ".teamstack/driftignore.yaml"
    today: dt.date = field(default_factory=dt.date.today)
    # Kubernetes objects are compared when a cluster reader is given (``--kubeconfig``).
    cluster: Any = None
    progress: Progress = field(default=lambda _label: None)

    def execute(self) -> DriftReport:
        counter = CallCounter(self.session)
        store = self.backend.store(self.session, RETRY_CONFIG)
        reports = {s.stack: StackReport(s.stack) for s in self.stacks}
        states: dict[str, list[StateResource]] = {}
        counter.bucket = "live"
        try:
            self._locks: list[str] | None = list_locks(store)
        except StateUnavailable:
            self._locks = None  # each stack lists its own and reports the failure
        for item in self.stacks:
            counter.bucket = item.stack
            try:
                states[item.stack] = parse_checkpoint(
                    read_checkpoint(store, self.project, item.stack, self._locks), item.stack)
            except StateUnavailable as exc:
                reports[item.stack].status = "skipped" if exc.skipped else "error"
                reports[item.stack].reason = exc.reason
            self.progress(f"state {item.stack}")
        self._read_extra_states(store, counter)
        shared = CodeMap()
        all_states = {**self._extra_states, **states}
        for item in self.stacks + self.extra_code:
            if item.shared and item.code is not None:
                shared.learn(item.code.resources, all_states.get(item.stack, []), item.region)
        shares = self._live(states, reports, counter)
        for item in self.stacks:
            report = reports[item.stack]
            if item.stack not in states:
                report.api_calls = counter.calls.get(item.stack, 0)
                continue
            if item.code is not None:
                codemap = shared.copy()
                codemap.learn(item.code.resources, states[item.stack], item.region)
                report.findings.extend(pending_findings(
                    states[item.stack], item.code.resources, codemap))
            report.findings = ignore_file.apply(item.stack, report.findings, self.ignore,
                                                self.today, self.ignore_source)
            report.api_calls = round(counter.calls.get(item.stack, 0) + shares[item.stack])
            report.settle()
        self.operations = counter.operations
        self.total_calls = counter.total
        return DriftReport(list(reports.values()))

    def _read_extra_states(self, store: Any, counter: CallCounter) -> None:
        """States of referenced stacks only resolve ids; unreadable ones are left unresolved."""
        self._extra_states: dict[str, list[StateResource]] = {}
        for item in self.extra_code:
            counter.bucket = item.stack
            try:
                self._extra_states[item.stack] = parse_checkpoint(
                    read_checkpoint(store, self.project, item.stack, self._locks), item.stack)
            except StateUnavailable:
                continue

    def _live(self, states: dict[str, list[StateResource]], reports: dict[str, StackReport],
              counter: CallCounter) -> dict[str, float]:
        readers = load_readers()
        region_of = {s.stack: s.region for s in self.stacks}
        code_ignores: dict[str, tuple[str, ...]] = {}
        for item in self.stacks:
            for planned in item.code.resources if item.code else []:
                code_ignores[planned.urn] = planned.ignore_changes
        groups: dict[tuple[str, Any], list[tuple[str, StateResource]]] = defaultdict(list)
        k8s: list[tuple[str, StateResource]] = []
        for stack, resources in states.items():
            for r in resources:
                if r.custom and self.cluster is not None and self.cluster.covers(r.type):
                    k8s.append((stack, r))
                    continue
                if not r.custom or not r.type.startswith("aws:"):
                    if r.custom and not r.type.startswith("pulumi:"):
                        nc = reports[stack].not_compared
                        nc[r.type] = nc.get(r.type, 0) + 1
                    continue
                reader = readers.get(r.type)
                if reader is None:
                    nc = reports[stack].not_compared
                    nc[r.type] = nc.get(r.type, 0) + 1
                    continue
                groups[(region_of[stack], reader)].append((stack, r))
        shares: dict[str, float] = defaultdict(float)
        contexts = self._search_tagged(states, counter, shares)
        for (region, reader), members in sorted(groups.items(), key=lambda g: (
                g[0][0], getattr(g[0][1], "__name__", ""))):
            ctx = contexts.setdefault(region, LiveContext(self.session, region))
            counter.bucket = "live"
            before = counter.calls["live"]
            results: dict[str, Result] = reader(ctx, [r for _, r in members])  # type: ignore
            spent = counter.calls["live"] - before
            for stack, r in members:
                shares[stack] += spent / len(members)
                ignores = tuple(sorted(set(r.ignore_changes) | set(code_ignores.get(r.urn, ()))))
                reports[stack].findings.extend(live_findings(r, results[r.urn], ignores))
                reports[stack].compared += 1
            self.progress(f"live {region} {getattr(reader, '__name__', '')}")
        if k8s:
            k8s_ignores = {r.urn: tuple(sorted(set(r.ignore_changes) | set(code_ignores.get(
                r.urn, ())))) for _, r in k8s}
            found = self.cluster.read([r for _, r in k8s], k8s_ignores)
            for stack, r in k8s:
                reports[stack].findings.extend(found.get(r.urn, []))
                reports[stack].compared += 1
            self.progress("live kubernetes")
        self._unmanaged(states, reports, contexts)
        return shares

    def _search_tagged(self, states: dict[str, list[StateResource]], counter: CallCounter,
                       shares: dict[str, float]) -> dict[str, LiveContext]:
        """One tagged-resource search per region, before the readers: it finds unmanaged
        resources and spares readers an existence listing (see ``LiveContext.tagged``)."""
        contexts: dict[str, LiveContext] = {}
        for region, stacks in sorted(self._stacks_by_region(states).items()):
            ctx = contexts.setdefault(region, LiveContext(self.session, region))
            counter.bucket = "live"
            before = counter.calls["live"]
            try:
                ctx.tagged = tagged(ctx, sorted(stacks))
            except (ClientError, BotoCoreError) as exc:
                ctx.tagged, ctx.tagged_error = None, error_text(exc)
            spent = counter.calls["live"] - before
            for stack in stacks:
                shares[stack] += spent / len(stacks)
        return contexts

    def _stacks_by_region(self, states: dict[str, list[StateResource]]) -> dict[str, list[str]]:
        by_region: dict[str, list[str]] = defaultdict(list)
        for item in self.stacks:
            if item.stack in states:
                by_region[item.region].append(item.stack)
        return by_region

    def _unmanaged(self, states: dict[str, list[StateResource]],
                   reports: dict[str, StackReport], contexts: dict[str, LiveContext]) -> None:
        known = known_names(r for rs in list(states.values())
                            + list(self._extra_states.values()) for r in rs)
        for region, stacks in sorted(self._stacks_by_region(states).items()):
            ctx = contexts[region]
            if ctx.tagged is None:
                for stack in stacks:
                    reports[stack].findings.append(Finding(
                        f"tagged:{region}", "unmanaged-search", "", "unknown",
                        note=f"could not list tagged resources: {ctx.tagged_error}"))
                continue
            items = unmanaged(ctx.tagged, known)
            for tagged_item in items:
                stack = tagged_item["tags"].get(STACK_TAG, "")
                if stack in reports:
                    reports[stack].findings.append(Finding(
                        tagged_item["arn"], arn_type(tagged_item["arn"]), "", "unmanaged",
                        live={k: v for k, v in sorted(tagged_item["tags"].items())
                              if k.startswith("teamstack:")},
                        note="tagged for this stack, in no state"))
