"""Tokens as Entra ID issues them and ARM / Graph accept them: standard `/.default` scopes, the
configured tenant only, client secrets and federated assertions, routing by the token's `aud`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from live_helpers import cloud_for

from aiposture.collect.live.clients import Stats, arm_client, graph_client
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot

ARM = "https://management.azure.com/.default"
GRAPH = "https://graph.microsoft.com/.default"
CLIENT = "00000000-0000-0000-0000-0000000000c1"


def _token(fake: FakeAzure, scope: str, tenant: str | None = None, **form: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_id": CLIENT,
        "client_secret": "not-a-real-secret",
        "scope": scope,
        **form,
    }
    return requests.post(
        f"{fake.url}/{tenant or fake.tenant_id}/oauth2/v2.0/token",
        data=data,
        verify=str(fake.ca_path),
        timeout=10,
    )


def _get(fake: FakeAzure, path: str, token: str) -> tuple[int, dict[str, Any]]:
    resp = requests.get(
        f"{fake.url}{path}",
        headers={"Authorization": f"Bearer {token}"},
        verify=str(fake.ca_path),
        timeout=10,
    )
    return resp.status_code, resp.json()


SUBS = "/subscriptions?api-version=2022-12-01"


def test_standard_scopes_give_tokens_routed_by_audience(clean_fake: FakeAzure) -> None:
    arm = _token(clean_fake, ARM).json()["access_token"]
    graph = _token(clean_fake, GRAPH).json()["access_token"]
    # Graph by its application id (no "graph" in the scope): still a Graph token.
    by_app_id = _token(clean_fake, "00000003-0000-0000-c000-000000000000/.default")
    graph_app = by_app_id.json()["access_token"]
    claims = jwt.decode(arm, options={"verify_signature": False})
    assert claims["aud"] == "https://management.azure.com"
    assert claims["tid"] == clean_fake.tenant_id and claims["appid"] == CLIENT
    assert _get(clean_fake, SUBS, arm)[0] == 200
    assert _get(clean_fake, "/v1.0/users", graph)[0] == 200
    assert _get(clean_fake, "/v1.0/users", graph_app)[0] == 200
    status, body = _get(clean_fake, "/v1.0/users", arm)
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationTokenAudience")
    status, body = _get(clean_fake, SUBS, graph)
    assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationTokenAudience")
    # A token nobody issued is refused.
    forged = jwt.encode({**claims, "exp": claims["exp"]}, "another-key-of-32-bytes-at-least!")
    assert _get(clean_fake, SUBS, forged)[0] == 401


@pytest.mark.parametrize(
    ("scope", "tenant", "status", "aadsts"),
    [
        (ARM, "11111111-1111-1111-1111-111111111111", 400, 90002),  # another tenant
        ("https://vault.azure.net/.default", None, 400, 500011),  # an API the fake lacks
        ("https://management.azure.com/user_impersonation", None, 400, 1002012),
    ],
)
def test_token_requests_refused_as_entra_does(
    clean_fake: FakeAzure, scope: str, tenant: str | None, status: int, aadsts: int
) -> None:
    resp = _token(clean_fake, scope, tenant)
    body = resp.json()
    assert resp.status_code == status
    assert body["error_codes"] == [aadsts] and body["error_description"].startswith("AADSTS")


def test_federated_assertion_and_sdk_credentials(clean_fake: FakeAzure) -> None:
    from azure.identity import ClientAssertionCredential

    cred = ClientAssertionCredential(
        clean_fake.tenant_id,
        CLIENT,
        lambda: "eyJ.a-federated-token.from-the-workload",
        authority=clean_fake.url,
        disable_instance_discovery=True,
        connection_verify=str(clean_fake.ca_path),
    )
    arm = arm_client(cloud_for(clean_fake), cred, Stats())
    graph = graph_client(cloud_for(clean_fake), cred, Stats())
    try:
        assert arm.get_json("/subscriptions", {"api-version": "2022-12-01"})["value"]
        assert graph.get_json("/v1.0/servicePrincipals", {})["value"]
    finally:
        arm.close()
        graph.close()
    # Without a secret or an assertion the client is refused.
    resp = _token(clean_fake, ARM, client_secret="")
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_tokens_survive_a_restart_on_the_same_certificates(
    clean_fake: FakeAzure, demo: Snapshot, tmp_path: Path
) -> None:
    token = _token(clean_fake, ARM).json()["access_token"]
    cert_dir = clean_fake.cert_dir
    # A second listener on the same certificate directory (a restart) accepts the token.
    with FakeAzure(demo, cert_dir) as again:
        assert _get(again, SUBS, token)[0] == 200
    # One with its own certificates and key does not.
    with FakeAzure(demo, tmp_path / "other") as other:
        status, body = _get(other, SUBS, token)
        assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationToken")
