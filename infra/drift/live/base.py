"""The reader contract, the shared client factory and the registry of readers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from infra.drift.model import StateResource
from infra.drift.normalize import get_path

# Adaptive retries: client-side rate limiting that backs off when AWS throttles.
RETRY_CONFIG = Config(retries={"mode": "adaptive", "max_attempts": 5})


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class Unknown:
    reason: str


@dataclass
class Compared:
    """What a reader saw of one resource: (field, state value, live value) triples."""

    pairs: list[tuple[str, Any, Any]] = field(default_factory=list)
    # Live values that bound an owned field (``minSize`` for ``desiredCapacity``).
    live: dict[str, Any] = field(default_factory=dict)

    def add(self, resource: StateResource, path: str, live: Any) -> None:
        """Compare ``path`` only if the state declares it (fields nobody set are not ours)."""
        state = get_path(resource.inputs, path)
        if state is not None:
            self.pairs.append((path, state, live))


Result = Compared | Unknown | _Missing
Reader = Callable[["LiveContext", list[StateResource]], dict[str, Result]]
READERS: dict[str, Reader] = {}


def reader(*types: str) -> Callable[[Reader], Reader]:
    def wrap(func: Reader) -> Reader:
        for type_ in types:
            READERS[type_] = func
        return func
    return wrap


@dataclass
class LiveContext:
    """A boto3 session and region; clients are made once per service and reused."""

    session: Any
    region: str
    _clients: dict[str, Any] = field(default_factory=dict)
    # The region's resources tagged for the checked stacks (ARN and tags), searched once before
    # the readers run: the unmanaged search uses it, and a reader may take a listed ARN as proof
    # that a resource exists. None when the search failed (``tagged_error`` says why).
    tagged: list[dict[str, Any]] | None = None
    tagged_error: str = ""

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, region_name=self.region, config=RETRY_CONFIG)
        return self._clients[service]


def all_items(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every item under ``key`` on every page of a paginated ``operation``, in order.

    The readers list whole kinds and batches this way: one helper, so that no reader forgets
    a page (an item on page two must not read as missing).
    """
    items: list[dict[str, Any]] = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key, []))
    return items


def error_text(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
    return str(exc)


def guarded(func: Reader) -> Reader:
    """A whole group that fails to read is ``Unknown`` (never clean), with the reason."""
    def run(ctx: LiveContext, resources: list[StateResource]) -> dict[str, Result]:
        try:
            return func(ctx, resources)
        except (ClientError, BotoCoreError, ResponseParserError) as exc:
            reason = error_text(exc)
            return {r.urn: Unknown(reason) for r in resources}
    run.__doc__ = func.__doc__
    return run


def code_of(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def tags_of(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or [] if not t["Key"].startswith("aws:")}
