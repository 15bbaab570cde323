"""Small pure parts of the live path: clouds, throttle headers, the fake's query forms."""

from __future__ import annotations

import pytest

from aiposture.collect.live.clients import same_origin
from aiposture.collect.live.cloud import resolve_cloud
from aiposture.collect.live.resourcegraph import parse_resets_after, parse_retry_after, table_query
from aiposture.errors import ConfigError
from aiposture.fakeazure.server import HttpError, parse_query


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("00:00:05", 5.0),
        ("00:01:00", 60.0),
        ("01:00:00", 3600.0),
        ("1.00:00:01", 86401.0),
        ("00:00:00.250", 0.25),
        ("", None),
        ("soon", None),
        (None, None),
    ],
)
def test_quota_reset_header(value: str | None, seconds: float | None) -> None:
    assert parse_resets_after(value) == seconds


def test_retry_after_header() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("-1") == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None


def test_sovereign_clouds_and_custom_endpoints() -> None:
    gov = resolve_cloud("azureusgovernment")
    assert gov.arm_endpoint == "https://management.usgovcloudapi.net"
    assert gov.arm_scope == "https://management.core.usgovcloudapi.net/.default"
    assert gov.graph_scope == "https://graph.microsoft.us/.default"
    assert not gov.custom_authority
    china = resolve_cloud("AzureChinaCloud", authority="login.chinacloudapi.cn")
    assert china.authority_host == "https://login.chinacloudapi.cn"
    assert not china.custom_authority  # MSAL knows it: no instance discovery needed
    fake = resolve_cloud(authority="https://127.0.0.1:8443", arm_endpoint="127.0.0.1:8443/")
    assert fake.custom_authority and fake.arm_endpoint == "https://127.0.0.1:8443"
    # The token audience stays the cloud's, whatever URL the requests go to.
    assert fake.arm_scope == "https://management.azure.com/.default"
    with pytest.raises(ConfigError):
        resolve_cloud(graph_endpoint="http://127.0.0.1:8443")
    with pytest.raises(ConfigError):
        resolve_cloud("AzureGermanCloud")


def test_the_fake_answers_exactly_the_collector_query_forms() -> None:
    q = parse_query(table_query("policyresources", ("microsoft.authorization/policyassignments",)))
    assert q.table == "policyresources"
    assert q.filters == [("type", {"microsoft.authorization/policyassignments"})]
    q = parse_query("authorizationresources | where type in~ ('a/b') | where subscriptionId == ''")
    assert ("subscriptionid", {""}) in q.filters
    for bad in ("resources | summarize count() by type", "Heartbeat | take 5"):
        with pytest.raises(HttpError) as info:
            parse_query(bad)
        assert info.value.status == 400


@pytest.mark.parametrize(
    "value",
    [
        "not a url",
        "https://",
        "https://:443",
        "https://management.azure.com:70000",
        "https://management.azure.com:x",
        "https://user@management.azure.com",
        "https://management.azure.com/?next=evil",
        "ftp://management.azure.com",
    ],
)
def test_endpoint_urls_need_https_and_a_host(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_cloud(arm_endpoint=value)
    assert str(info.value).startswith("--arm-endpoint ")


def test_valid_endpoint_urls_are_kept() -> None:
    assert resolve_cloud(arm_endpoint="https://[::1]:8443/").arm_endpoint == "https://[::1]:8443"
    assert (
        resolve_cloud(graph_endpoint="https://proxy.corp.example/graph").graph_endpoint
        == "https://proxy.corp.example/graph"
    )


@pytest.mark.parametrize(
    ("url", "same"),
    [
        ("https://management.azure.com/subscriptions?x=1", True),
        ("https://MANAGEMENT.azure.com:443/a", True),
        ("https://management.azure.com:8443/a", False),
        ("http://management.azure.com/a", False),
        ("https://management.azure.com.evil.example/a", False),
        ("https://evil.example/https://management.azure.com", False),
        ("https://management.azure.com:99999/a", False),
    ],
)
def test_same_origin(url: str, same: bool) -> None:
    assert same_origin(url, "https://management.azure.com") is same
