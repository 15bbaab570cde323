"""The fake Azure's discovery endpoints the Azure CLI needs: ARM cloud metadata (az cloud
register) and Graph at the localhost origin (az rest picks the token audience by URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiposture.collect.demo import demo_snapshot
from aiposture.fakeazure.server import FakeAzure


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    with FakeAzure(demo_snapshot(), tmp_path_factory.mktemp("certs")) as server:
        yield server


def _get(fake: FakeAzure, url: str, token: str = "") -> tuple[int, dict[str, object]]:
    import requests

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.get(url, headers=headers, verify=str(fake.ca_path), timeout=10)
    return r.status_code, r.json()


def _token(fake: FakeAzure, resource: str) -> str:
    import requests

    r = requests.post(
        f"{fake.url}/{fake.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "00000000-0000-0000-0000-0000000000c1",
            "client_secret": "x",
            "scope": f"{resource.rstrip('/')}/.default",
        },
        verify=str(fake.ca_path),
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_cloud_metadata_points_at_the_fake(fake: FakeAzure) -> None:
    status, doc = _get(fake, f"{fake.url}/metadata/endpoints?api-version=2022-09-01")
    assert status == 200
    assert doc["resourceManager"] == fake.url + "/"
    auth = doc["authentication"]
    assert isinstance(auth, dict) and auth["loginEndpoint"] == fake.url
    assert doc["microsoftGraphResourceId"] == fake.graph_url + "/"


def test_graph_origin_tokens_reach_graph_not_arm(fake: FakeAzure, tmp_path: Path) -> None:
    token = _token(fake, fake.graph_url)
    status, doc = _get(fake, f"{fake.graph_url}/v1.0/users", token)
    assert status == 200 and isinstance(doc["value"], list) and doc["value"]
    status, _ = _get(fake, f"{fake.url}/subscriptions?api-version=2022-12-01", token)
    assert status == 401
    # The ARM origin's tokens stay ARM tokens.
    arm = _token(fake, fake.url)
    status, _ = _get(fake, f"{fake.graph_url}/v1.0/users", arm)
    assert status == 401
