"""A service that answers badly cannot steal the token, loop the collector, or stop the run.

Each test runs the real azure-identity / azure-core pipelines against the fake Azure over
HTTPS with one hostile fault (docs/security.md, "Hostile endpoints (live collection)").
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
from live_helpers import TEST_LIMITS, cloud_for, collect, credential_for

from aiposture.collect.live.clients import (
    FOREIGN_LINK,
    PAGE_LIMIT,
    ApiError,
    CredentialRejected,
    Stats,
    arm_client,
)
from aiposture.fakeazure.server import FakeAzure, Faults, is_secret_request
from aiposture.model.snapshot import Snapshot
from aiposture.model.types import CoverageStatus

ARG = "/providers/microsoft.resourcegraph/resources"
CHATBOT = (  # three deployments: two pages of two
    "/subscriptions/572e23bd-c4a7-583d-bc3f-dc6096242177/resourceGroups/rg-chatbot/providers/"
    "Microsoft.CognitiveServices/accounts/ais-contoso-chatbot"
)


@pytest.fixture
def foreign(fake: FakeAzure, demo: Snapshot) -> Iterator[FakeAzure]:
    """A second loopback HTTPS listener with the same CA (so TLS would succeed): the host a
    hostile link points at. It records every request it gets."""
    with FakeAzure(demo, fake.cert_dir, limits=TEST_LIMITS) as server:
        yield server


def _coverage(snap: Snapshot, collection: str) -> set[tuple[str, CoverageStatus]]:
    return {(c.scope, c.status) for c in snap.coverage if c.collection == collection}


def _reasons(snap: Snapshot, collection: str) -> set[str]:
    return {c.reason for c in snap.coverage if c.collection == collection and c.reason}


def _deployment_parents(fake: FakeAzure) -> set[str]:
    return {
        e.id_l.rsplit("/deployments/", 1)[0]
        for e in fake.index.entries
        if e.type_l == "microsoft.cognitiveservices/accounts/deployments"
    }


# ---- 1. links to another host ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "collection"),
    [("/deployments", "deployments"), ("/v1.0/users", "graph.users")],
)
def test_a_next_link_to_another_host_is_not_followed(
    clean_fake: FakeAzure, foreign: FakeAzure, match: str, collection: str
) -> None:
    clean_fake.faults = Faults(link_match=match, foreign_origin=foreign.url)
    collector, snap = collect(clean_fake)
    assert collector.report.aborted is None
    # The foreign host saw nothing at all, let alone a bearer token.
    assert foreign.requests == []
    failed = {scope.lower() for scope, st in _coverage(snap, collection) if st.value == "failed"}
    if collection == "deployments":
        # Recorded per parent account (the most specific record wins over the subscription's).
        assert _deployment_parents(clean_fake) <= failed
    else:
        assert _coverage(snap, collection) == {("tenant", CoverageStatus.FAILED)}
    assert all("not followed" in r and foreign.url in r for r in _reasons(snap, collection))
    # The rest of the run went on.
    assert ("tenant", CoverageStatus.COMPLETE) in _coverage(snap, "graph.servicePrincipals")
    assert {s for _scope, s in _coverage(snap, "resources")} == {CoverageStatus.COMPLETE}


def test_a_redirect_to_another_host_is_not_followed(
    clean_fake: FakeAzure, foreign: FakeAzure
) -> None:
    clean_fake.faults = Faults(redirect_match="/deployments", foreign_origin=foreign.url)
    collector, snap = collect(clean_fake)
    assert collector.report.aborted is None
    assert foreign.requests == []
    failed = {
        scope.lower() for scope, st in _coverage(snap, "deployments") if st is CoverageStatus.FAILED
    }
    assert _deployment_parents(clean_fake) <= failed
    assert any("302 UnexpectedRedirect" in r for r in _reasons(snap, "deployments"))


def test_the_pipeline_refuses_any_url_outside_its_endpoint(
    clean_fake: FakeAzure, foreign: FakeAzure
) -> None:
    # Defence in depth: whatever code path builds the URL, the request never leaves.
    arm = arm_client(cloud_for(clean_fake), credential_for(clean_fake), Stats())
    try:
        with pytest.raises(ApiError) as info:
            arm.get_json(f"{foreign.url}/subscriptions", {"api-version": "2022-12-01"})
        assert info.value.code == FOREIGN_LINK
    finally:
        arm.close()
    assert foreign.requests == []


# ---- 2. paging that never ends ---------------------------------------------------------------


def test_an_arm_next_link_to_itself_is_followed_no_further(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(link_match="/deployments", self_link=True)
    collector, snap = collect(clean_fake)
    assert collector.report.aborted is None
    gets = Counter(r.path.lower() for r in clean_fake.requests if r.path.endswith("/deployments"))
    parents = _deployment_parents(clean_fake)
    assert {p + "/deployments" for p in parents} <= set(gets)
    assert max(gets.values()) == 1  # the loop is seen before the same page is asked again
    statuses = {(s.lower(), st) for s, st in _coverage(snap, "deployments")}
    assert {(p, CoverageStatus.PARTIAL) for p in parents} <= statuses
    assert any("nextLink repeats" in r for r in _reasons(snap, "deployments"))
    # The first page of each parent was kept.
    kept = {
        str(r["id"]).lower().rsplit("/deployments/", 1)[0]
        for r in snap.iter_resources()
        if str(r["type"]).lower() == "microsoft.cognitiveservices/accounts/deployments"
    }
    assert kept == parents


def test_a_graph_next_link_to_itself_is_followed_no_further(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(link_match="/v1.0/users", self_link=True)
    collector, snap = collect(clean_fake)
    assert collector.report.aborted is None
    assert sum(1 for r in clean_fake.requests if r.path == "/v1.0/users") == 1
    assert _coverage(snap, "graph.users") == {("tenant", CoverageStatus.PARTIAL)}
    assert any("@odata.nextLink repeats" in r for r in _reasons(snap, "graph.users"))
    assert len(snap.graph["users"]) == TEST_LIMITS.graph_max_page  # the first page, kept
    assert _coverage(snap, "graph.groups") == {("tenant", CoverageStatus.COMPLETE)}


def test_a_repeating_resource_graph_skip_token_stops_that_query(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(repeat_skip_token=True)
    collector, snap = collect(clean_fake, page_size=3)
    assert collector.report.aborted is None
    posts = sum(1 for r in clean_fake.requests if r.method == "POST" and r.path.lower() == ARG)
    # At most two pages per query (the second repeats the token), not thousands.
    assert posts <= 2 * collector.report.arg_queries + 2
    partial = {
        (c.collection, c.scope)
        for c in snap.coverage
        if c.status is CoverageStatus.PARTIAL and "$skipToken repeats" in c.reason
    }
    big = {
        sub
        for sub in {e.sub for e in clean_fake.index.by_table["resources"]}
        if sum(1 for e in clean_fake.index.by_table["resources"] if e.sub == sub) > 6
    }
    assert big and {("resources", f"/subscriptions/{s}") for s in big} <= partial


def test_the_page_limit_caps_every_api(clean_fake: FakeAzure) -> None:
    collector, snap = collect(clean_fake, page_size=3, max_pages=1)
    assert collector.report.aborted is None
    limited = {(c.collection, c.status) for c in snap.coverage if "page limit (1 pages" in c.reason}
    assert ("graph.users", CoverageStatus.PARTIAL) in limited  # 8 users, 3 a page
    assert ("resources", CoverageStatus.PARTIAL) in limited  # Resource Graph
    assert len(snap.graph["users"]) == 3
    # No ARM or Graph list went past its first page.
    assert not any("skiptoken" in r.query.lower() for r in clean_fake.requests)
    # ARM lists: 3 deployments, 2 a page.
    arm = arm_client(cloud_for(clean_fake), credential_for(clean_fake), Stats(), max_pages=1)
    pages: list[int] = []
    try:
        with pytest.raises(ApiError) as info:
            for page in arm.list_paged(f"{CHATBOT}/deployments", {"api-version": "2024-10-01"}):
                pages.append(len(page))
    finally:
        arm.close()
    assert info.value.code == PAGE_LIMIT and pages == [2]


# ---- 3. a body that is not JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    ("match", "collection"),
    [
        ("/v1.0/users", "graph.users"),
        ("/deployments", "deployments"),
        # The first Resource Graph query: subscription discovery at tenant scope.
        ("/providers/microsoft.resourcegraph", "subscriptions"),
    ],
)
def test_an_html_answer_fails_only_that_call(
    clean_fake: FakeAzure, match: str, collection: str
) -> None:
    burst = 1
    if collection == "deployments":
        # One account's list, answered with HTML however often it is asked: the collector may
        # first ask inside an ARM batch and then alone (issue 14), and a single HTML answer
        # to the batched ask would be healed by the plain GET, depending on timing.
        match = sorted(_deployment_parents(clean_fake))[0] + "/deployments"
        burst = 1000
    clean_fake.faults = Faults(html_burst=burst, html_match=match)
    collector, snap = collect(clean_fake)
    assert collector.report.aborted is None
    failed = [
        c for c in snap.coverage if c.collection == collection and c.status is CoverageStatus.FAILED
    ]
    assert len(failed) == 1 and "MalformedResponse" in failed[0].reason
    if collection == "deployments":
        assert failed[0].scope.lower() in _deployment_parents(clean_fake) | {
            e.id_l for e in clean_fake.index.entries if e.type_l.endswith("/accounts")
        }
    else:
        assert failed[0].scope == "tenant"
    # Microsoft Graph was still collected after the bad answer.
    assert _coverage(snap, "graph.servicePrincipals") == {("tenant", CoverageStatus.COMPLETE)}
    assert snap.graph["servicePrincipals"]


# ---- 4. a token revoked mid-run --------------------------------------------------------------


def test_a_revoked_token_stops_the_run_and_is_not_recorded_as_denied(
    clean_fake: FakeAzure,
) -> None:
    clean_fake.faults = Faults(revoke_after=25)
    collector, snap = collect(clean_fake, concurrency=4)
    assert isinstance(collector.report.aborted, CredentialRejected)
    unauthorized = [r for r in clean_fake.requests if r.status == 401]
    # The run stopped at once: only requests already in flight got the 401 (not hundreds).
    assert 1 <= len(unauthorized) <= 4
    assert not any(c.status is CoverageStatus.DENIED for c in snap.coverage)
    stopped = {
        c.collection
        for c in snap.coverage
        if c.status is CoverageStatus.PARTIAL and "credential stopped working" in c.reason
    }
    assert {"graph.servicePrincipals", "graph.users"} <= stopped
    assert snap.resource_count > 0  # what was read before is kept
    assert "stopped early (the credential stopped working" in collector.report.summary()


# ---- 6. bounded retries ----------------------------------------------------------------------


def test_a_persistent_503_fails_within_the_retry_budget(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(error_burst=10**6, error_match="/deployments")
    started = time.monotonic()
    collector, snap = collect(clean_fake, retry_budget=1.0, retry_total=50, backoff_factor=0.2)
    elapsed = time.monotonic() - started
    assert collector.report.aborted is None
    parents = _deployment_parents(clean_fake)
    statuses = {(s.lower(), st) for s, st in _coverage(snap, "deployments")}
    assert {(p, CoverageStatus.FAILED) for p in parents} <= statuses
    assert any("RetryBudgetExceeded" in r for r in _reasons(snap, "deployments"))
    stats = collector.report.stats
    # Each deployments list retried for about a second (in parallel), then gave up.
    calls = {r.path for r in clean_fake.requests if r.path.endswith("/deployments")}
    assert 0 < stats.retry_seconds <= len(calls) * 1.0 + 0.5
    assert elapsed < 20
    assert stats.retries > 0
    assert f"{stats.retries:,} retries ({stats.retry_seconds:,.1f} s waiting to retry)" in (
        collector.report.summary()
    )


def test_a_persistent_resource_graph_503_fails_each_query_within_the_budget(
    clean_fake: FakeAzure,
) -> None:
    clean_fake.faults = Faults(error_burst=10**6, error_match=ARG)
    started = time.monotonic()
    collector, snap = collect(clean_fake, retry_budget=1.0, retry_total=50, backoff_factor=0.2)
    elapsed = time.monotonic() - started
    assert collector.report.aborted is None
    failed = [c for c in snap.coverage if c.collection == "subscriptions"]
    assert [(c.scope, c.status) for c in failed] == [("tenant", CoverageStatus.FAILED)]
    assert "RetryBudgetExceeded" in failed[0].reason
    # Discovery, management groups and the two tenant-level queries: about a second each.
    assert collector.report.arg_queries <= 4 and elapsed < 4 * 1.0 + 6
    assert _coverage(snap, "graph.users") == {("tenant", CoverageStatus.COMPLETE)}


def test_retries_are_never_negative_when_the_token_is_refused(clean_fake: FakeAzure) -> None:
    clean_fake.faults = Faults(reject_tokens=True)
    collector, _snap = collect(clean_fake)
    assert collector.report.aborted is not None
    assert collector.report.stats.retries == 0
    assert " 0 retries (0.0 s waiting to retry)" in collector.report.summary()


# ---- 9. never a secret-returning endpoint ----------------------------------------------------


def test_collection_never_asks_for_secrets_and_only_reads(clean_fake: FakeAzure) -> None:
    _collector, _snap = collect(clean_fake)
    assert len(clean_fake.requests) > 50
    methods = Counter(r.method for r in clean_fake.requests)
    assert set(methods) == {"GET", "POST"}
    assert any(r.batched for r in clean_fake.requests)
    # Datastores (and connections) are listed, metadata only: their listSecrets action, the
    # one call that would return the key, SAS or client secret, is never made.
    listed = {r.path.lower().rsplit("/", 1)[-1] for r in clean_fake.requests}
    assert {"datastores", "connections"} <= listed
    for req in clean_fake.requests:
        # Inner requests of ARM batches are logged one by one and checked the same way.
        assert not is_secret_request(req.path), req
        if req.method == "POST":
            low = req.path.lower()
            assert not req.batched, req
            assert low in (ARG, "/batch") or low.endswith("/oauth2/v2.0/token"), req


@pytest.mark.parametrize(
    "path",
    [
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/a/"
        "listKeys",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/w/config/appsettings/"
        "listSecrets",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerService/"
        "managedClusters/k/listClusterAdminCredential",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.Search/searchServices/x/"
        "listAdminKeys/",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/"
        "workspaces/w/connections/c/listsecrets",
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/"
        "workspaces/w/datastores/d/listSecrets",
    ],
)
def test_the_secret_endpoint_check_recognises_secret_actions(path: str) -> None:
    assert is_secret_request(path)
    assert not is_secret_request(path.rsplit("/", 2)[0] + "/deployments")
