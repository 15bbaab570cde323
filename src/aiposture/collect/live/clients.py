"""Read-only HTTP pipelines for ARM (and Resource Graph) and Microsoft Graph.

Generated mgmt clients carry ARMAutoResourceProviderRegistrationPolicy, which answers a 409
MissingSubscriptionRegistration with a POST .../register (a write). These pipelines are
built from an explicit policy list without it, so the only non-GET requests the collector can
send are the token request (inside azure-identity) and Resource Graph query POSTs.

The service is not trusted either (see docs/security.md, "Hostile endpoints"):
* every request must go to the scheme, host and port of the endpoint the pipeline was built
  for; a link elsewhere is refused before the bearer-token policy runs (`SameOriginPolicy`),
  and redirects are never followed (azure-core's requests transport sends
  allow_redirects=False and the pipeline has no RedirectPolicy);
* paging stops at a repeated link and at `max_pages` pages per collection;
* a body that is not JSON fails that call only;
* a 401 after the credential worked stops the whole run (`CredentialRejected`): the token no
  longer works and every further request would fail the same way;
* retries of one call are bounded in time (`retry_budget`) by azure-core's RetryPolicy.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from aiposture.collect.live.cloud import Cloud

if TYPE_CHECKING:
    from azure.core import PipelineClient
    from azure.core.credentials import TokenCredential

USER_AGENT = "aiposture-collector"


@dataclass
class Stats:
    """Counts shared by every pipeline of one run (thread-safe)."""

    requests: int = 0  # HTTP requests sent (every attempt), token requests excluded
    logical: int = 0  # requests before retries
    policy_retries: int = 0  # re-sends by azure-core's RetryPolicy
    manual_retries: int = 0  # Resource Graph re-sends by our own backoff loop
    retry_seconds: float = 0.0  # time spent waiting before re-sends (both kinds)
    throttled: int = 0  # 429 responses
    server_errors: int = 0  # 5xx responses
    by_kind: dict[str, int] = field(default_factory=dict)
    # Set by the first 401 after the credential worked: every later send fails at once.
    rejected: CredentialRejected | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, attr: str, n: float = 1) -> None:
        with self._lock:
            setattr(self, attr, getattr(self, attr) + n)

    def kind(self, name: str) -> None:
        with self._lock:
            self.by_kind[name] = self.by_kind.get(name, 0) + 1

    @property
    def retries(self) -> int:
        """Re-sends actually made (never negative: a request refused before it was sent, by
        the credential or the same-origin check, is not a retry)."""
        return self.policy_retries + self.manual_retries


class ApiError(Exception):
    """An HTTP error answer from Azure, reduced to what coverage records need."""

    def __init__(self, status: int, code: str, message: str, url: str = "") -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.url = url

    @property
    def denied(self) -> bool:
        return self.status in (401, 403)

    def reason(self) -> str:
        # Azure error messages can be long; one line is enough for a coverage record.
        msg = " ".join(self.message.split())
        if len(msg) > 300:
            msg = msg[:297] + "..."
        return f"HTTP {self.status} {self.code}: {msg}".rstrip(": ")


# ApiError codes the collector itself gives (no HTTP status of their own).
FOREIGN_LINK = "ForeignLink"  # a link to another scheme/host/port: not followed
PAGING_LOOP = "PagingLoop"  # a next link or skip token that was already followed
PAGE_LIMIT = "PageLimit"  # more than max_pages pages in one collection
MALFORMED = "MalformedResponse"  # a success answer whose body is not the expected JSON
REDIRECT = "UnexpectedRedirect"  # a 3xx answer (never followed)
RETRY_BUDGET = "RetryBudgetExceeded"  # retries of one call ran out of time
LIST_TRUNCATED = "ListTruncated"  # the service held no pages beyond those read
# Codes a service gives for data it does not hold (the fake Azure serving a snapshot that never
# collected it, docs/fake-azure.md), with 501 Not Implemented: recorded as not collected and
# failed, never as an empty success.
NOT_COLLECTED = "NotCollected"
COLLECTION_FAILED = "CollectionFailed"
NOT_SERVED_CODES = frozenset({NOT_COLLECTED, COLLECTION_FAILED})
# Errors after which the rows already read are kept and the collection is partial.
PARTIAL_CODES = frozenset({PAGING_LOOP, PAGE_LIMIT, LIST_TRUNCATED})


def cut_short(exc: ApiError, pages: int) -> ApiError:
    """A NotCollected answer to a later page means the list was cut short: rows read so far are
    kept and the collection is partial (a LIST_TRUNCATED error). Other errors are unchanged."""
    if exc.code == NOT_COLLECTED and pages > 0:
        return ApiError(
            exc.status,
            LIST_TRUNCATED,
            f"the service holds no pages after page {pages}: {exc.message}",
            exc.url,
        )
    return exc


DEFAULT_MAX_PAGES = 5000
DEFAULT_RETRY_BUDGET = 30.0


class CredentialRejected(Exception):
    """A 401 from ARM or Graph: the token is no longer accepted (revoked, expired, disabled).

    Not an ApiError on purpose: it is not one collection's gap but the end of the run.
    """

    def __init__(self, error: ApiError) -> None:
        super().__init__(
            f"the credential stopped working ({error.reason()}); sign in again or check that "
            "the app registration and its secret are still valid"
        )
        self.error = error


def same_origin(url: str, base: str) -> bool:
    """True when `url` has the scheme, host and port of `base` (default ports filled in)."""
    try:
        a, b = urlsplit(url), urlsplit(base)
        return (
            a.scheme.lower() == b.scheme.lower()
            and (a.hostname or "").lower() == (b.hostname or "").lower()
            and (a.port or _DEFAULT_PORTS.get(a.scheme.lower()))
            == (b.port or _DEFAULT_PORTS.get(b.scheme.lower()))
        )
    except ValueError:  # an unparsable port
        return False


_DEFAULT_PORTS = {"https": 443, "http": 80}


def _canonical(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A URL as compared for paging loops: origin, decoded path, sorted query pairs."""
    parts = urlsplit(url)
    return (
        _origin(url).lower(),
        unquote(parts.path).rstrip("/"),
        tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))),
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def error_from_body(status: int, body: bytes, url: str = "") -> ApiError:
    code, message = "", ""
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        doc = {}
    err = doc.get("error") if isinstance(doc, Mapping) else None
    if isinstance(err, Mapping):
        code = str(err.get("code") or "")
        message = str(err.get("message") or "")
    return ApiError(status, code or _STATUS_CODES.get(status, "Error"), message, url)


_STATUS_CODES = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests"}


def _policies(
    credential: TokenCredential, scope: str, stats: Stats, arm: bool, base_url: str, **retry: Any
) -> Any:
    from azure.core.pipeline import PipelineRequest, PipelineResponse
    from azure.core.pipeline.policies import (
        BearerTokenCredentialPolicy,
        HeadersPolicy,
        RetryPolicy,
        SansIOHTTPPolicy,
        UserAgentPolicy,
    )
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    class SameOriginPolicy(SansIOHTTPPolicy[Any, Any]):
        # First in the pipeline: a request to any other origin never reaches the policy that
        # attaches the bearer token, whichever code path built it.
        def on_request(self, request: PipelineRequest[Any]) -> None:
            url = request.http_request.url
            if not same_origin(url, base_url):
                raise ApiError(
                    0,
                    FOREIGN_LINK,
                    f"not followed: the service returned a link to {_origin(url)}, which is not "
                    f"the endpoint in use ({_origin(base_url)})",
                    url,
                )

    class BudgetRetryPolicy(RetryPolicy):  # type: ignore[type-arg]
        """azure-core's RetryPolicy with jitter, a wait never past the call's time budget
        (`timeout`), and the retries and time waited counted for the summary."""

        def configure_retries(self, options: dict[str, Any]) -> dict[str, Any]:
            settings: dict[str, Any] = super().configure_retries(options)
            settings["started"] = time.monotonic()
            return settings

        def get_backoff_time(self, settings: dict[str, Any]) -> float:
            # Jitter spreads retries of concurrent workers so they do not hit the service
            # together.
            return float(super().get_backoff_time(settings)) * random.uniform(0.5, 1.5)

        def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
            wait = self.get_retry_after(response) if response is not None else None
            if wait is None:
                wait = self.get_backoff_time(settings)
            left = float(settings["timeout"]) - (time.monotonic() - settings["started"])
            wait = max(0.0, min(wait, left))
            stats.add("policy_retries")
            stats.add("retry_seconds", wait)
            if wait > 0:
                transport.sleep(wait)

    class LogicalCounter(SansIOHTTPPolicy[Any, Any]):
        def on_request(self, request: PipelineRequest[Any]) -> None:
            stats.add("logical")

    class AttemptCounter(SansIOHTTPPolicy[Any, Any]):
        def on_request(self, request: PipelineRequest[Any]) -> None:
            stats.add("requests")

        def on_response(
            self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]
        ) -> None:
            status = response.http_response.status_code
            if status == 429:
                stats.add("throttled")
            elif status >= 500:
                stats.add("server_errors")

    auth = (
        ARMChallengeAuthenticationPolicy(credential, scope)
        if arm
        else BearerTokenCredentialPolicy(credential, scope)
    )
    return [
        SameOriginPolicy(),
        HeadersPolicy(),
        UserAgentPolicy(USER_AGENT),
        LogicalCounter(),
        BudgetRetryPolicy(**retry),
        auth,
        AttemptCounter(),
    ]


def _transport(cloud: Cloud, pool: int, read_timeout: float) -> Any:
    import requests
    from azure.core.pipeline.transport import RequestsTransport

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(pool, 4))
    session.mount("https://", adapter)
    return RequestsTransport(
        session=session,
        session_owner=True,
        connection_verify=cloud.verify,
        read_timeout=read_timeout,
        connection_timeout=min(read_timeout, 30.0),
    )


class HttpClient:
    """GET (and Resource Graph POST) over one azure-core pipeline."""

    def __init__(
        self,
        base_url: str,
        credential: TokenCredential,
        scope: str,
        cloud: Cloud,
        stats: Stats,
        *,
        arm: bool,
        concurrency: int = 8,
        read_timeout: float = 60.0,
        retry_total: int = 6,
        backoff_factor: float = 0.8,
        backoff_max: float = 60.0,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        from azure.core import PipelineClient

        self.base_url = base_url.rstrip("/")
        self.stats = stats
        self.retry_budget = retry_budget
        self.max_pages = max_pages
        policies = _policies(
            credential,
            scope,
            stats,
            arm,
            self.base_url,
            retry_total=retry_total,
            retry_backoff_factor=backoff_factor,
            retry_backoff_max=backoff_max,
            # azure-core's total time for one call, retries and waits included.
            timeout=retry_budget,
        )
        self._client: PipelineClient[Any, Any] = PipelineClient(
            base_url=self.base_url,
            policies=policies,
            transport=_transport(cloud, concurrency + 2, read_timeout),
        )

    def close(self) -> None:
        self._client.close()

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith("https://") or path_or_url.startswith("http://"):
            return path_or_url
        return self.base_url + path_or_url

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        budget: float | None = None,
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """Send one request; connection errors after retries raise ServiceRequestError.

        `budget` overrides the client's retry budget for this call (seconds). A 401 raises
        CredentialRejected and makes every later send of the run fail at once.
        """
        status, data, headers, _url = self._send(
            method, path_or_url, params=params, body=body, budget=budget
        )
        return status, data, headers

    def _send(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        budget: float | None = None,
    ) -> tuple[int, bytes, Mapping[str, str], str]:
        from azure.core.rest import HttpRequest

        if self.stats.rejected is not None:
            raise self.stats.rejected
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = HttpRequest(
            method, self.url(path_or_url), params=dict(params or {}), headers=headers, content=body
        )
        # RetryPolicy reads `timeout` from the call's options: its total time, waits included.
        extra: dict[str, Any] = {} if budget is None else {"timeout": max(0.001, budget)}
        response = self._client.send_request(request, **extra)
        data = response.read()
        if response.status_code == 401:
            err = error_from_body(401, data, request.url)
            with self.stats._lock:
                if self.stats.rejected is None:
                    self.stats.rejected = CredentialRejected(err)
                rejected = self.stats.rejected
            raise rejected
        return response.status_code, data, response.headers, request.url

    def get_json(self, path_or_url: str, params: Mapping[str, str] | None = None) -> Any:
        """The JSON object of one GET; every failure of that call is an ApiError."""
        return self._get(path_or_url, params)[0]

    def _get(
        self, path_or_url: str, params: Mapping[str, str] | None = None
    ) -> tuple[dict[str, Any], str]:
        """The JSON object of one GET and the URL it was read from."""
        from azure.core.exceptions import (
            ServiceRequestError,
            ServiceRequestTimeoutError,
            ServiceResponseError,
            ServiceResponseTimeoutError,
        )

        url = self.url(path_or_url)
        try:
            status, data, headers, url = self._send("GET", path_or_url, params=params)
        except (ServiceRequestTimeoutError, ServiceResponseTimeoutError):
            raise ApiError(
                0,
                RETRY_BUDGET,
                f"gave up after retrying for the {self.retry_budget:g} s budget (--retry-budget)",
                url,
            ) from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            # azure-core already retried the connection; one parent failing does not stop
            # the run (a refused token, ClientAuthenticationError, still does).
            raise ApiError(0, "ConnectionError", str(exc), url) from None
        if status >= 400:
            raise error_from_body(status, data, url)
        if 300 <= status < 400:
            where = headers.get("Location") or headers.get("Azure-AsyncOperation") or "?"
            raise ApiError(status, REDIRECT, f"not followed: redirect to {where}", url)
        return parse_json_object(data, url), url

    def list_paged(
        self, path: str, params: Mapping[str, str] | None = None, next_key: str = "nextLink"
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of `value`, following the next link verbatim (it carries the api-version).

        Stops with an ApiError at a link to another origin (FOREIGN_LINK), a link already
        followed (PAGING_LOOP) or after max_pages pages (PAGE_LIMIT); the pages yielded before
        stay valid.
        """
        doc, url = self._get(path, params)
        seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = {_canonical(url)}
        pages = 1
        while True:
            value = doc.get("value")
            yield [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
            nxt = doc.get(next_key)
            if not isinstance(nxt, str) or not nxt:
                return
            self.check_link(nxt)
            key = _canonical(self.url(nxt))
            if key in seen:
                raise ApiError(
                    200, PAGING_LOOP, f"stopped after {pages} pages: {next_key} repeats", nxt
                )
            if pages >= self.max_pages:
                raise ApiError(
                    200,
                    PAGE_LIMIT,
                    f"stopped at the page limit ({self.max_pages} pages, --max-pages)",
                    nxt,
                )
            seen.add(key)
            pages += 1
            doc, url = self._get(nxt)
            seen.add(_canonical(url))

    def check_link(self, link: str) -> None:
        """A relative link is resolved against the endpoint; an absolute one must share its
        origin (the bearer token goes nowhere else)."""
        if "://" in link and not same_origin(link, self.base_url):
            raise ApiError(
                0,
                FOREIGN_LINK,
                f"not followed: the service returned a link to {_origin(link)}, which is not the "
                f"endpoint in use ({_origin(self.base_url)})",
                link,
            )


def parse_json_object(data: bytes, url: str = "") -> dict[str, Any]:
    """The JSON object in a success answer; anything else (HTML from a proxy, a truncated
    body, a bare list) is a MALFORMED ApiError for that call alone."""
    if not data:
        return {}
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        snippet = " ".join(data[:60].decode("utf-8", "replace").split())
        raise ApiError(
            200, MALFORMED, f"the answer is not JSON (starts with {snippet!r})", url
        ) from None
    if not isinstance(doc, dict):
        raise ApiError(200, MALFORMED, f"the answer is JSON {type(doc).__name__}, not an object")
    return doc


def arm_client(
    cloud: Cloud, credential: TokenCredential, stats: Stats, **kwargs: Any
) -> HttpClient:
    return HttpClient(
        cloud.arm_endpoint, credential, cloud.arm_scope, cloud, stats, arm=True, **kwargs
    )


def graph_client(
    cloud: Cloud, credential: TokenCredential, stats: Stats, **kwargs: Any
) -> HttpClient:
    return HttpClient(
        cloud.graph_endpoint, credential, cloud.graph_scope, cloud, stats, arm=False, **kwargs
    )
