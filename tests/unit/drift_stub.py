"""Offline boto3 clients for readers tested with botocore's Stubber (services moto lacks)."""

from __future__ import annotations

from typing import Any

import boto3

from infra.drift.live.base import LiveContext

REGION = "eu-west-1"


def _session() -> Any:
    return boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="y")


def stub_client(service: str) -> Any:
    """A real client for ``service`` that never reaches AWS once wrapped in a Stubber."""
    return _session().client(service, region_name=REGION)


def context_with(service: str, client: Any) -> LiveContext:
    """A reader's context whose ``service`` client is ``client`` (a stubbed one)."""
    ctx = LiveContext(_session(), REGION)
    ctx._clients[service] = client
    return ctx
