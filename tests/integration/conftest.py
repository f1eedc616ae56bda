"""A moto server for the whole test session, enforcing IAM like AWS does for identity policies.

The server runs as its own process on 127.0.0.1 (a free port) and is spoken to over HTTP by
real boto3 clients. It starts with ``INITIAL_NO_AUTH_ACTION_COUNT`` set to the number of
bootstrap calls: those calls create an administrator user and its access key without
authentication, and every request after them is authenticated and authorised against IAM
identity policies. The fixture proves that enforcement is on before handing the server out.

Reuse: ``moto_server.client("s3")`` (administrator) or ``moto_server.client("s3",
credentials)``. Create resources with unique names: the server is shared by every test of the
session and is not reset between them (a reset would also delete the administrator).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"  # moto's default account, also the offline plan's account
BOOTSTRAP_CALLS = 3  # create_user, put_user_policy, create_access_key
STARTUP_SECONDS = 30
RETRIES = Config(retries={"mode": "standard", "max_attempts": 3}, region_name=REGION)


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    @classmethod
    def from_sts(cls, answer: dict[str, Any]) -> Credentials:
        c = answer["Credentials"]
        return cls(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])


@dataclass(frozen=True)
class MotoServer:
    endpoint: str
    admin: Credentials
    admin_arn: str

    def client(self, service: str, credentials: Credentials | None = None) -> Any:
        creds = credentials or self.admin
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, region_name=REGION, config=RETRIES,
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited early:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not listen on port {port} within {STARTUP_SECONDS}s")


def _bootstrap(endpoint: str) -> tuple[Credentials, str]:
    """The unauthenticated calls: an administrator and its key (exactly BOOTSTRAP_CALLS)."""
    anonymous = Credentials("AKIABOOTSTRAPBOOTSTR", "bootstrap-secret")
    iam = MotoServer(endpoint, anonymous, "").client("iam")
    user = iam.create_user(UserName="teamstack-test-admin")["User"]
    iam.put_user_policy(UserName="teamstack-test-admin", PolicyName="admin",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="teamstack-test-admin")["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"]), user["Arn"]


def _assert_enforcing(server: MotoServer) -> None:
    stranger = Credentials("AKIANOBODYNOBODYNOBO", "nobody")
    try:
        server.client("s3", stranger).list_buckets()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("InvalidAccessKeyId", "AccessDenied"):
            return
        raise
    raise RuntimeError("the moto server does not enforce IAM: an unknown key was accepted")


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    yield from _serve(tmp_path_factory, enforce=True)


@pytest.fixture(scope="session")
def moto_open(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """A second server that does not enforce IAM: moto's signature check rejects every EFS
    read (GET) in enforcing mode, and the drift scenario reads EFS. Tests of identity
    policies use ``moto_server``."""
    yield from _serve(tmp_path_factory, enforce=False)


def _serve(tmp_path_factory: pytest.TempPathFactory, enforce: bool) -> Iterator[MotoServer]:
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    env = dict(os.environ)
    if enforce:
        env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(BOOTSTRAP_CALLS)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_until_listening(port, process, log)
        endpoint = f"http://127.0.0.1:{port}"
        admin, admin_arn = _bootstrap(endpoint)
        server = MotoServer(endpoint, admin, admin_arn)
        if enforce:
            _assert_enforcing(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
