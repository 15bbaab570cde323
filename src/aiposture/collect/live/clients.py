"""Read-only HTTP pipelines for ARM (and Resource Graph) and Microsoft Graph.

Generated mgmt clients carry ARMAutoResourceProviderRegistrationPolicy, which answers a 409
MissingSubscriptionRegistration with a POST .../register (a write). These pipelines are
built from an explicit policy list without it, so the only non-GET requests the collector can
send are the token request (inside azure-identity) and Resource Graph query POSTs.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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
    manual_retries: int = 0  # Resource Graph re-sends by our own backoff loop
    throttled: int = 0  # 429 responses
    server_errors: int = 0  # 5xx responses
    by_kind: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, attr: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, attr, getattr(self, attr) + n)

    def kind(self, name: str) -> None:
        with self._lock:
            self.by_kind[name] = self.by_kind.get(name, 0) + 1

    @property
    def retries(self) -> int:
        return self.requests - self.logical + self.manual_retries


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
    credential: TokenCredential, scope: str, stats: Stats, arm: bool, **retry: Any
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

    class JitterRetryPolicy(RetryPolicy):  # type: ignore[type-arg]
        # Jitter spreads retries of concurrent workers so they do not hit the service together.
        def get_backoff_time(self, settings: dict[str, Any]) -> float:
            return float(super().get_backoff_time(settings)) * random.uniform(0.5, 1.5)

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
        HeadersPolicy(),
        UserAgentPolicy(USER_AGENT),
        LogicalCounter(),
        JitterRetryPolicy(**retry),
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
    ) -> None:
        from azure.core import PipelineClient

        self.base_url = base_url.rstrip("/")
        self.stats = stats
        policies = _policies(
            credential,
            scope,
            stats,
            arm,
            retry_total=retry_total,
            retry_backoff_factor=backoff_factor,
            retry_backoff_max=backoff_max,
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
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """Send one request; connection errors after retries raise ServiceRequestError."""
        from azure.core.rest import HttpRequest

        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        request = HttpRequest(
            method, self.url(path_or_url), params=dict(params or {}), headers=headers, content=body
        )
        response = self._client.send_request(request)
        data = response.read()
        return response.status_code, data, response.headers

    def get_json(self, path_or_url: str, params: Mapping[str, str] | None = None) -> Any:
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError

        try:
            status, data, _headers = self.send("GET", path_or_url, params=params)
        except (ServiceRequestError, ServiceResponseError) as exc:
            # azure-core already retried the connection; one parent failing does not stop
            # the run (a refused token, ClientAuthenticationError, still does).
            raise ApiError(0, "ConnectionError", str(exc), self.url(path_or_url)) from None
        if status >= 400:
            raise error_from_body(status, data, self.url(path_or_url))
        return json.loads(data) if data else {}

    def list_paged(
        self, path: str, params: Mapping[str, str] | None = None, next_key: str = "nextLink"
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of `value`, following the next link verbatim (it carries the api-version)."""
        doc = self.get_json(path, params)
        while True:
            value = doc.get("value") if isinstance(doc, Mapping) else None
            yield [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
            nxt = doc.get(next_key) if isinstance(doc, Mapping) else None
            if not isinstance(nxt, str) or not nxt:
                return
            doc = self.get_json(nxt)


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
