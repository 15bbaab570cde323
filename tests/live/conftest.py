"""Fixtures for the live path: the fake Azure on loopback and the real azure-identity /
azure-core code pointed at it. A socket guard fails any connection that is not loopback, so
nothing can reach IMDS (169.254.169.254) or the internet."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from live_helpers import TEST_LIMITS

from aiposture.collect.demo import demo_snapshot
from aiposture.fakeazure.server import FakeAzure, Faults, is_secret_request
from aiposture.model.snapshot import Snapshot


def _is_loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach {address!r}: only loopback is allowed")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    # As azure-facts says: keep DefaultAzureCredential to the environment credential and
    # keep proxies out of loopback traffic.
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return demo_snapshot()


@pytest.fixture(scope="module")
def fake(demo: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    with FakeAzure(demo, tmp_path_factory.mktemp("certs"), limits=TEST_LIMITS) as server:
        yield server


@pytest.fixture
def clean_fake(fake: FakeAzure) -> Iterator[FakeAzure]:
    fake.faults = Faults()
    fake.clear_log()
    yield fake
    # Whatever a test did, the collector never asked for a secret (listKeys, listSecrets...).
    asked = [r for r in fake.requests if is_secret_request(r.path)]
    assert asked == [], f"secret-returning endpoints were requested: {asked}"
