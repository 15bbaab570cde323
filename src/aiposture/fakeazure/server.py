"""A loopback HTTPS fake of the Azure read APIs, serving one snapshot.

Serves what the collector (and the real azure-identity / azure-core code) needs:
* OpenID configuration and the token endpoint of a custom authority;
* Resource Graph (POST /providers/Microsoft.ResourceGraph/resources): the query forms the
  collector sends (a table, `where type in~ (...)`, `where <column> == '<v>'`, `order by id`),
  answered with real paging ($top / $skipToken), lower-cased types and the quota headers;
  anything else is a Resource-Graph-style 400;
* ARM GETs by path: subscriptions, management groups, get by id, child collections of a parent,
  lists by provider type at subscription and resource-group scope; nextLink paging; canonical
  type casing;
* Microsoft Graph v1.0 collections with @odata.nextLink.

TLS is required because azure-core refuses bearer tokens over plain HTTP; trustme issues the
certificate and `ca.pem` in the certificate directory is what clients trust. Faults can be
injected (throttling with or without Retry-After, 403 per subscription, 5xx bursts, latency,
Graph permission and licence errors, and the hostile answers of docs/security.md: next links to
another host or to themselves, a repeating skip token, HTML bodies, redirects, tokens revoked
mid-run), and every request is recorded as (method, path, whether it carried an Authorization
header) for tests that assert read-only behaviour. Tokens are random strings, never logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import msgspec

from aiposture.atomic import write_bytes_atomic
from aiposture.fakeazure import coverage as cov
from aiposture.fakeazure import surface
from aiposture.fakeazure.coverage import CoverageOracle, Verdict
from aiposture.fakeazure.index import (
    MANAGEMENT_GROUP,
    SUBSCRIPTION,
    Entry,
    SnapshotIndex,
    type_from_id,
)
from aiposture.fakeazure.tokens import TokenIssuer, TokenRefused, signing_key
from aiposture.model.snapshot import CHILD_COLLECTIONS, Snapshot, collection_of
from aiposture.model.types import CoverageStatus

_ENC = msgspec.json.Encoder()
_DEC: msgspec.json.Decoder[Any] = msgspec.json.Decoder()

ARG_PATH = "/providers/microsoft.resourcegraph/resources"
# ARM's batch endpoint (POST /batch?api-version=2020-06-01, as the Azure portal uses it): up to
# BATCH_LIMIT inner requests, each answered with its own status, headers and JSON content.
BATCH_PATH = "/batch"
BATCH_API = "2020-06-01"
BATCH_LIMIT = 20
GRAPH_ROUTES = {
    "servicePrincipals": "servicePrincipals",
    "applications": "applications",
    "users": "users",
    "groups": "groups",
    "roleManagement/directory/roleAssignments": "directoryRoleAssignments",
    "roleManagement/directory/roleEligibilitySchedules": "roleEligibilitySchedules",
    "identity/conditionalAccess/policies": "conditionalAccessPolicies",
    "identity/conditionalAccess/namedLocations": "namedLocations",
    "groupSettings": "groupSettings",
    "directoryRoles": "directoryRoles",
    "reports/authenticationMethods/userRegistrationDetails": "userRegistrationDetails",
    "policies/authorizationPolicy": "authorizationPolicy",
    "policies/authenticationMethodsPolicy": "authenticationMethodsPolicy",
    "policies/identitySecurityDefaultsEnforcementPolicy": (
        "identitySecurityDefaultsEnforcementPolicy"
    ),
}
# Graph resources that are one object, not a collection (the snapshot keeps a one-item list).
GRAPH_SINGLETONS = frozenset(
    {
        "authorizationPolicy",
        "authenticationMethodsPolicy",
        "identitySecurityDefaultsEnforcementPolicy",
    }
)
_GRAPH_ROUTES_L = {k.lower(): v for k, v in GRAPH_ROUTES.items()}


@dataclass
class Faults:
    """Fault injection; change fields while the server runs (tests do)."""

    # Every Nth Resource Graph POST is answered 429 (0: never).
    throttle_every: int = 0
    # Retry-After seconds on those 429s; None sends only the x-ms-user-quota-* headers.
    throttle_retry_after: float | None = None
    # Resource Graph quota: at most `quota` queries per `quota_window` seconds (0: unlimited).
    quota: int = 0
    quota_window: float = 5.0
    # Subscriptions (ids) whose data answers 403 AuthorizationFailed.
    deny_subscriptions: set[str] = field(default_factory=set)
    # The next N requests whose path contains `error_match` are answered 503.
    error_burst: int = 0
    error_match: str = ""
    # The next N ARM requests whose path contains `arm_throttle_match` are answered 429 with
    # `Retry-After: arm_throttle_retry_after` (inside a batch too: per inner request).
    arm_throttle_burst: int = 0
    arm_throttle_match: str = ""
    arm_throttle_retry_after: int = 1
    # Seconds added before answering each ARM/ARG/Graph request.
    latency: float = 0.0
    # Graph collections answering 403 (missing permission) or a licence error.
    graph_denied: set[str] = field(default_factory=set)
    graph_unlicensed: set[str] = field(default_factory=set)
    # Tenant/MG-scope queries see only this many subscriptions (the real cap is 10,000) and say
    # so with x-ms-tenant-subscription-limit-hit (0: no cap).
    subscription_limit: int = 0
    # The next N requests whose path contains `drop_match` get the connection closed without
    # an answer (a connection reset, as a load balancer does).
    drop_burst: int = 0
    drop_match: str = ""
    # Resource Graph cuts results at one page: resultTruncated "true" and no $skipToken.
    truncate_results: bool = False
    # The token endpoint refuses the client (a wrong secret, a disabled app).
    reject_tokens: bool = False
    # Hostile answers. ARM lists and Graph collections whose path contains `link_match` answer
    # a next link to `foreign_origin` (another host: the token must not follow it), or, when
    # `self_link` is set, a next link to the very same URL.
    link_match: str = ""
    foreign_origin: str = ""
    self_link: bool = False
    # Resource Graph answers the same $skipToken on every page after the first.
    repeat_skip_token: bool = False
    # The next N requests whose path contains `html_match` get a 200 with an HTML body.
    html_burst: int = 0
    html_match: str = ""
    # Requests whose path contains `redirect_match` get a 302 to `foreign_origin`.
    redirect_match: str = ""
    # After this many authorized ARM/Graph requests every token is revoked (401) (0: never).
    revoke_after: int = 0


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    status: int
    authorized: bool = False  # an Authorization header was sent (its value is never kept)
    # An inner request of an ARM batch (not an HTTP request of its own; its method is the
    # inner httpMethod, so the read-only proof can look inside batches).
    batched: bool = False


# Actions that return secrets (keys, connection strings, credentials): the collector must never
# call them. Matched against the last path segment, lower-cased.
SECRET_ACTIONS = frozenset(
    {
        "listkeys",
        "listsecrets",
        "listcredentials",
        "listconnectionstrings",
        "listadminkeys",
        "listquerykeys",
        "listaccountsas",
        "listservicesas",
        "listclusteradmincredential",
        "listclusterusercredential",
        "listclustermonitoringusercredential",
        "regeneratekey",
        "regeneratekeys",
        "getsecret",
        "listsecretvalue",
    }
)


def is_secret_request(path: str) -> bool:
    """True for a request to a secret-returning action (listKeys, listSecrets...)."""
    return path.rstrip("/").rsplit("/", 1)[-1].lower() in SECRET_ACTIONS


@dataclass
class Limits:
    arm_page: int = 100  # rows per ARM list page (nextLink beyond)
    graph_page: int = 100  # Graph page when the client sends no $top
    graph_max_page: int = 999  # the largest $top Graph honours on these collections
    arg_page: int = 1000  # Resource Graph maximum $top


class HttpError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.body = body  # a full error document when the service's shape is not ARM's


# Collections of the fake's own naming for child lists the snapshot model files under
# "resources" (collect/live/arm.py records them under these names).
_LIST_COLLECTIONS = {
    "microsoft.apimanagement/service/backends": "apiManagementBackends",
}
# Resource Graph tables queried without a type filter: the collections they answer.
_TABLE_COLLECTIONS = {
    "resources": ("resources",),
    "resourcecontainers": ("subscriptions", "resourceGroups", "managementGroups"),
    "authorizationresources": ("roleAssignments", "roleDefinitions"),
    "policyresources": (
        "policyAssignments",
        "policyExemptions",
        "policyDefinitions",
        "policyStates",
    ),
    "securityresources": ("pricings", "securityAssessments"),
    "resourcechanges": ("resourceChanges",),
}


# ---------------------------------------------------------------------------------------------
# Resource Graph query forms

_SLASHES = re.compile(r"/{2,}")
_WHERE_IN = re.compile(r"^where\s+([\w.]+)\s+in~?\s*\((.*)\)$", re.S)
_WHERE_EQ = re.compile(r"^where\s+([\w.]+)\s*(==|=~)\s*'([^']*)'$")
_STR = re.compile(r"'([^']*)'")


@dataclass
class ArgQuery:
    table: str
    filters: list[tuple[str, set[str]]]  # (column path lower, accepted lower values)
    columns: list[str] | None = None


def parse_query(text: str) -> ArgQuery:
    parts = [p.strip() for p in text.split("|")]
    table = parts[0].lower()
    if table not in (
        "resources",
        "resourcecontainers",
        "authorizationresources",
        "policyresources",
        "securityresources",
        "resourcechanges",
    ):
        raise HttpError(400, "BadRequest", f"Table '{parts[0]}' is not supported by this fake")
    q = ArgQuery(table, [])
    for clause in parts[1:]:
        m = _WHERE_IN.match(clause)
        if m:
            q.filters.append((m.group(1).lower(), {v.lower() for v in _STR.findall(m.group(2))}))
            continue
        m = _WHERE_EQ.match(clause)
        if m:
            q.filters.append((m.group(1).lower(), {m.group(3).lower()}))
            continue
        if re.match(r"^order\s+by\s+id(\s+asc)?$", clause, re.I):
            continue
        if clause.lower().startswith("project "):
            q.columns = [c.strip() for c in clause[8:].split(",") if c.strip()]
            continue
        raise HttpError(
            400,
            "InvalidQuery",
            f"Query is invalid. Please refer to the documentation for the Azure Resource Graph "
            f"service and fix the error before retrying. (unsupported clause: {clause[:80]!r})",
        )
    return q


def _path_value(row: Mapping[str, Any], path: str) -> str:
    cur: Any = row
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        hit = None
        for k, v in cur.items():
            if k.lower() == part:
                hit = v
                break
        cur = hit
    return "" if cur is None else str(cur).lower()


def _token(data: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _untoken(text: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(text.encode()))
    except ValueError:
        raise HttpError(400, "BadRequest", "invalid skip token") from None
    if not isinstance(value, dict):
        raise HttpError(400, "BadRequest", "invalid skip token")
    return value


_SCOPED_TYPES = frozenset(
    {"microsoft.authorization/roleassignments", "microsoft.authorization/policyassignments"}
)
_FILTER_TERM = re.compile(r"^\s*(resourcetype|name|location)\s+eq\s+'([^']*)'\s*$", re.I)
_FILTER_KEYS = {"resourcetype": "type", "name": "name", "location": "location"}


def _names_resource(low: str) -> bool:
    """True for a resource id (namespace, type, name, [child type, child name]...) rather than a
    collection path."""
    if "/providers/" not in low:
        return False
    segs = low.rsplit("/providers/", 1)[1].split("/")
    return len(segs) >= 3 and len(segs) % 2 == 1


def _arm_filter(text: str) -> dict[str, str]:
    """ARM's resource-list $filter: `resourceType eq '...'`, `name eq`, `location eq`, joined
    with `and`. Anything else is the 400 ARM gives for an unsupported filter."""
    out: dict[str, str] = {}
    if not text.strip():
        return out
    for term in re.split(r"\s+and\s+", text.strip(), flags=re.I):
        m = _FILTER_TERM.match(term)
        if m is None:
            raise HttpError(
                400,
                "InvalidFilterInQueryString",
                f"Invalid $filter '{text}' specified in the query string.",
            )
        out[_FILTER_KEYS[m.group(1).lower()]] = m.group(2).lower()
    return out


def _int_param(params: Mapping[str, str], name: str) -> int:
    try:
        return int(params[name])
    except ValueError:
        raise HttpError(400, "BadRequest", f"invalid {name}: {params[name]!r}") from None


def _duration(seconds: float) -> str:
    # hh:mm:ss like the real header; fractional seconds when the window is sub-second (tests).
    seconds = max(0.0, seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    sec = f"{s:06.3f}" if s != int(s) else f"{int(s):02d}"
    return f"{int(h):02d}:{int(m):02d}:{sec}"


# ---------------------------------------------------------------------------------------------


class FakeAzure:
    """Serve `snapshot` on https://127.0.0.1:<port>. Use as a context manager or start/stop."""

    def __init__(
        self,
        snapshot: Snapshot,
        cert_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.index = SnapshotIndex.build(snapshot)
        self.coverage = CoverageOracle(snapshot.coverage)
        self._types = {e.type_l for e in self.index.entries}
        # The object id ARM names in AuthorizationFailed messages (the last client served).
        self._client_oid = "00000000-0000-0000-0000-000000000000"
        self.faults = faults or Faults()
        self.limits = limits or Limits()
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._tls = threading.local()
        self._arg_count = 0
        self._arg_times: deque[float] = deque()
        self._tokens: dict[str, str] = {}  # tokens issued -> API ("arm" or "graph"), for tests
        self._authorized = 0  # ARM/Graph requests that passed the token check
        self.cert_dir = Path(cert_dir)
        self.ca_path = self.certificates(self.cert_dir)
        self.tokens = TokenIssuer(
            self.index.tenant_id, signing_key(self.cert_dir), f"https://{host}:{port}"
        )
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.cert_dir / "server.pem"))
        self._httpd = _Server((host, port), _Handler, self, ctx)
        self.port = self._httpd.server_address[1]
        self.url = f"https://{host}:{self.port}"
        self.tokens.own_origin = self.url
        # The same listener under the certificate's other name: Graph's own origin for clients
        # that pick the token audience by URL (the Azure CLI; tests/export).
        self.graph_url = f"https://localhost:{self.port}"
        self.tokens.graph_origin = self.graph_url
        self._thread: threading.Thread | None = None

    @staticmethod
    def certificates(cert_dir: Path) -> Path:
        """The CA and server certificate in `cert_dir`: reused when both are there (a second
        listener, or a restart, keeps the CA clients already trust), else issued."""
        import trustme

        if (cert_dir / "server.pem").is_file() and (cert_dir / "ca.pem").is_file():
            return cert_dir / "ca.pem"
        cert_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        # Atomic (aiposture.atomic); the private key readable by its owner only.
        write_bytes_atomic(
            cert_dir / "server.pem", cert.private_key_and_cert_chain_pem.bytes(), mode=0o600
        )
        write_bytes_atomic(cert_dir / "ca.pem", ca.cert_pem.bytes())
        return cert_dir / "ca.pem"

    # ---- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeAzure:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-azure", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeAzure:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def tenant_id(self) -> str:
        return self.index.tenant_id

    def record(
        self,
        method: str,
        path: str,
        query: str,
        status: int,
        authorized: bool = False,
        batched: bool = False,
    ) -> None:
        with self._lock:
            self.requests.append(Request(method, path, query, status, authorized, batched))

    def should_drop(self, path: str) -> bool:
        f = self.faults
        with self._lock:
            if f.drop_burst > 0 and f.drop_match.lower() in path.lower():
                f.drop_burst -= 1
                return True
        return False

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # ---- dispatch ----------------------------------------------------------------------------

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes, host: str
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        # ARM and Graph accept empty path segments ("/subscriptions/{id}//providers/...").
        path = _SLASHES.sub("/", parts.path)
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        base = f"https://{host}"
        low = path.lower().rstrip("/")
        try:
            if low.endswith("/.well-known/openid-configuration") and method == "GET":
                return self._oidc(path, base)
            if low == "/metadata/endpoints" and method == "GET":
                return self._cloud_metadata()
            if low.endswith("/oauth2/v2.0/token") and method == "POST":
                try:
                    return self._issue_token(path, body)
                except TokenRefused as refused:
                    raise _aad_error(refused.status, refused.error, refused.description) from None
            self._inject(low)
            hostile = self._hostile(low)
            if hostile is not None:
                return hostile
            if low == ARG_PATH:
                if method != "POST":
                    raise HttpError(405, "MethodNotAllowed", "Resource Graph queries are POSTs")
                self._authorize(headers, "arm")
                return self._arg(body)
            if low == BATCH_PATH:
                if method != "POST":
                    raise HttpError(405, "MethodNotAllowed", "ARM batches are POSTs")
                self._authorize(headers, "arm")
                return self._batch(params, headers, body, host)
            if method != "GET":
                raise HttpError(
                    405, "MethodNotAllowed", f"{method} is not served: the fake Azure is read-only"
                )
            if low.startswith("/v1.0/"):
                self._authorize(headers, "graph")
                return self._graph(low[len("/v1.0/") :], params, base, path)
            self._authorize(headers, "arm")
            return self._arm(path, low, params, base)
        except HttpError as exc:
            err: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.code == "RateLimiting":
                err["details"] = [{"code": "RateLimiting", "message": exc.message}]
            doc: Mapping[str, Any] = {"error": err}
            if exc.body is not None:
                doc = exc.body
            elif path.lower().startswith("/v1.0/"):
                doc = cov.graph_error(exc.code, exc.message)
            return exc.status, exc.headers, _ENC.encode(doc)

    def _batch(
        self, params: Mapping[str, str], headers: Mapping[str, str], body: bytes, host: str
    ) -> tuple[int, dict[str, str], bytes]:
        """Answer each inner request as if it came alone (same token, faults and coverage).

        Only GETs are served inside a batch (the fake is read-only); each inner request is
        logged with `batched=True`.
        """
        if params.get("api-version") != BATCH_API:
            raise HttpError(
                400, "InvalidApiVersionParameter", f"batch needs api-version={BATCH_API}"
            )
        try:
            doc = json.loads(body or b"{}")
        except ValueError:
            raise HttpError(400, "InvalidRequestContent", "the batch body is not JSON") from None
        reqs = doc.get("requests") if isinstance(doc, dict) else None
        if not isinstance(reqs, list) or not all(isinstance(r, dict) for r in reqs):
            raise HttpError(400, "InvalidRequestContent", "the batch needs a 'requests' array")
        if len(reqs) > BATCH_LIMIT:
            raise HttpError(
                400,
                "BatchRequestLimitExceeded",
                f"a batch holds at most {BATCH_LIMIT} requests, got {len(reqs)}",
            )
        out = []
        origin = f"https://{host}"
        extra: dict[str, str]
        for r in reqs:
            name = str(r.get("name", ""))
            method = str(r.get("httpMethod", "")).upper()
            url = str(r.get("url", ""))
            if url.lower().startswith(origin.lower()):
                url = url[len(origin) :]
            parts = urlsplit(url)
            if method != "GET":
                status, extra, payload = (
                    405,
                    {},
                    _ENC.encode(
                        {
                            "error": {
                                "code": "MethodNotAllowed",
                                "message": f"{method} is not served: the fake Azure is read-only",
                            }
                        }
                    ),
                )
            elif not url.startswith("/"):
                status, extra, payload = (
                    400,
                    {},
                    _ENC.encode({"error": {"code": "InvalidUri", "message": f"bad url {url!r}"}}),
                )
            else:
                self._tls.in_batch = True
                try:
                    status, extra, payload = self.handle("GET", url, headers, b"", host)
                finally:
                    self._tls.in_batch = False
            self.record(method or "?", parts.path, parts.query, status, True, batched=True)
            content: Any
            try:
                content = json.loads(payload) if payload else None
            except ValueError:
                content = payload.decode("utf-8", "replace")  # as the service sent it
            out.append(
                {
                    "name": name,
                    "httpStatusCode": status,
                    "headers": dict(extra),
                    "content": content,
                    "contentLength": len(payload),
                }
            )
        return 200, {}, _ENC.encode({"responses": out})

    def _inject(self, low: str) -> None:
        f = self.faults
        if f.latency:
            time.sleep(f.latency)
        if f.arm_throttle_burst > 0 and f.arm_throttle_match.lower() in low:
            with self._lock:
                hit = f.arm_throttle_burst > 0
                if hit:
                    f.arm_throttle_burst -= 1
            if hit:
                raise HttpError(
                    429,
                    "TooManyRequests",
                    "The request is being throttled",
                    headers={"Retry-After": str(f.arm_throttle_retry_after)},
                )
        if f.error_burst > 0 and f.error_match.lower() in low:
            with self._lock:
                hit = f.error_burst > 0
                if hit:
                    f.error_burst -= 1
            if hit:
                raise HttpError(503, "ServiceUnavailable", "The service is temporarily unavailable")

    def _hostile(self, low: str) -> tuple[int, dict[str, str], bytes] | None:
        f = self.faults
        if f.redirect_match and f.redirect_match.lower() in low:
            return 302, {"Location": f"{f.foreign_origin}{low}"}, b""
        if f.html_burst > 0 and f.html_match.lower() in low:
            with self._lock:
                hit = f.html_burst > 0
                if hit:
                    f.html_burst -= 1
            if hit:
                page = b"<html><head><title>Gateway</title></head><body>Sign in</body></html>"
                return 200, {"Content-Type": "text/html; charset=utf-8"}, page
        return None

    def _next_link(self, base: str, path: str, params: Mapping[str, str], nxt: str) -> str:
        """The next link of a list page: `nxt` normally, a hostile one when faults say so."""
        f = self.faults
        if f.link_match and f.link_match.lower() in path.lower():
            if f.self_link:
                return f"{base}{quote(path)}?{urlencode(dict(params))}"
            if f.foreign_origin:
                query = {k: v for k, v in params.items() if k != "$skiptoken"}
                query["$skiptoken"] = _token({"o": 0})
                return f"{f.foreign_origin}{quote(path)}?{urlencode(query)}"
        return nxt

    def _authorize(self, headers: Mapping[str, str], audience: str) -> None:
        """Validate the bearer token as ARM and Graph do: signature, expiry, tenant, and an
        audience of the API called (by the token's `aud`, never by the URL)."""
        auth = headers.get("authorization", "")
        if not auth:
            raise HttpError(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        got = self.tokens.audience_of(token)
        # The inner requests of a batch ride on the batch's own token check.
        in_batch = getattr(self._tls, "in_batch", False)
        if got is not None and self.faults.revoke_after and not in_batch:
            with self._lock:
                self._authorized += 1
                revoked = self._authorized > self.faults.revoke_after
            if revoked:
                raise HttpError(
                    401,
                    "InvalidAuthenticationToken",
                    "The access token has been revoked (the credential was disabled)",
                )
        if got is None:
            raise HttpError(401, "InvalidAuthenticationToken", "The access token is invalid.")
        if got != audience:
            raise HttpError(
                401,
                "InvalidAuthenticationTokenAudience",
                f"The access token has been obtained for wrong audience or resource "
                f"('{got}' API). It should exactly match one of the allowed audiences of the "
                f"{audience} API.",
            )

    # ---- identity ----------------------------------------------------------------------------

    def _oidc(self, path: str, base: str) -> tuple[int, dict[str, str], bytes]:
        tenant = path.strip("/").split("/")[0]
        doc = {
            "issuer": f"{base}/{tenant}/v2.0",
            "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "tenant_region_scope": "WW",
        }
        return 200, {}, _ENC.encode(doc)

    def _cloud_metadata(self) -> tuple[int, dict[str, str], bytes]:
        """ARM's cloud metadata (`GET /metadata/endpoints`, no token), which `az cloud register
        --endpoint-resource-manager` reads: sign-in at the fake, ARM at its 127.0.0.1 URL
        with an audience ARM accepts, Microsoft Graph at its localhost URL (graph_url)."""
        doc = {
            "name": "AzureCloud",
            "portal": self.url,
            "resourceManager": self.url + "/",
            "authentication": {
                "loginEndpoint": self.url,
                "audiences": ["https://management.core.windows.net/", self.url + "/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "graphAudience": self.graph_url + "/",
            "graph": self.graph_url + "/",
            "microsoftGraphResourceId": self.graph_url + "/",
            "suffixes": {},
        }
        return 200, {}, _ENC.encode(doc)

    def _issue_token(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        tenant = path.strip("/").split("/")[0]
        if self.faults.reject_tokens:
            raise _aad_error(
                401, "invalid_client", "AADSTS7000215: Invalid client secret provided."
            )
        token, expires = self.tokens.issue(tenant, form)
        with self._lock:
            self._tokens[token] = self.tokens.audience_of(token) or ""
            self._client_oid = self.tokens.object_id(form.get("client_id", ""))
        doc = {
            "token_type": "Bearer",
            "expires_in": expires,
            "ext_expires_in": expires,
            "access_token": token,
        }
        return 200, {}, _ENC.encode(doc)

    # ---- Resource Graph ----------------------------------------------------------------------

    def _quota_headers(self, now: float) -> dict[str, str]:
        f = self.faults
        if f.quota <= 0:
            return {
                "x-ms-user-quota-remaining": "14",
                "x-ms-user-quota-resets-after": _duration(f.quota_window),
            }
        while self._arg_times and now - self._arg_times[0] >= f.quota_window:
            self._arg_times.popleft()
        remaining = max(0, f.quota - len(self._arg_times))
        resets = f.quota_window - (now - self._arg_times[0]) if self._arg_times else 0.0
        return {
            "x-ms-user-quota-remaining": str(remaining),
            "x-ms-user-quota-resets-after": _duration(resets),
        }

    def _arg(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        f = self.faults
        now = time.monotonic()
        with self._lock:
            self._arg_count += 1
            n = self._arg_count
            headers = self._quota_headers(now)
            over = f.quota > 0 and headers["x-ms-user-quota-remaining"] == "0"
            if (f.throttle_every and n % f.throttle_every == 0) or over:
                if f.throttle_retry_after is not None:
                    headers["Retry-After"] = (
                        str(int(f.throttle_retry_after))
                        if float(f.throttle_retry_after).is_integer()
                        else str(f.throttle_retry_after)
                    )
                if not over:
                    headers["x-ms-user-quota-remaining"] = "0"
                raise HttpError(
                    429,
                    "RateLimiting",
                    "Client application has been throttled and should not attempt to repeat the "
                    "request until an amount of time has elapsed. Please see "
                    "https://aka.ms/resourcegraph-throttling for help.",
                    headers,
                )
            if f.quota > 0:
                self._arg_times.append(now)
                headers = self._quota_headers(now)
        try:
            return self._arg_answer(body, headers)
        except HttpError as exc:
            # Every Resource Graph answer carries the quota headers, errors included.
            exc.headers = {**headers, **exc.headers}
            raise

    def _arg_answer(
        self, body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        f = self.faults
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            raise HttpError(400, "BadRequest", "request body is not JSON") from None
        if not isinstance(req, dict) or not isinstance(req.get("query"), str):
            raise HttpError(400, "BadRequest", "request body needs a `query` string")
        q = parse_query(req["query"])
        options = req.get("options") or {}
        top = int(options.get("$top") or self.limits.arg_page)
        if not 1 <= top <= 1000:
            raise HttpError(400, "BadRequest", "$top must be between 1 and 1000")
        top = min(top, self.limits.arg_page)
        subs = [str(s).lower() for s in req.get("subscriptions") or []]
        mgs = {str(m).lower() for m in req.get("managementGroups") or []}
        denied = sorted(set(subs) & {s.lower() for s in f.deny_subscriptions})
        if denied:
            raise HttpError(
                403,
                "AuthorizationFailed",
                f"The client does not have authorization to perform action "
                f"'Microsoft.ResourceGraph/resources/read' over scope '/subscriptions/{denied[0]}'",
            )
        truncated = self._arg_gate(q, subs, mgs)
        visible: set[str] | None = None
        if not subs and f.subscription_limit:
            all_subs = sorted(
                e.sub
                for e in self.index.by_table_type.get(("resourcecontainers", SUBSCRIPTION), [])
            )
            if len(all_subs) > f.subscription_limit:
                visible = set(all_subs[: f.subscription_limit])
                headers["x-ms-tenant-subscription-limit-hit"] = "true"
        rows = self._match(q, subs, mgs, visible)
        key = hashlib.sha256(json.dumps([req["query"], subs, sorted(mgs)]).encode()).hexdigest()[
            :16
        ]
        offset = 0
        tok = options.get("$skipToken")
        if tok:
            state = _untoken(str(tok))
            if state.get("k") != key:
                raise HttpError(400, "BadRequest", "skip token does not belong to this query")
            offset = int(state.get("o", 0))
        page = rows[offset : offset + top]
        data = [self._project(self.index.arg_row(e), q.columns) for e in page]
        doc: dict[str, Any] = {
            "totalRecords": len(rows),
            "count": len(data),
            "resultTruncated": "false",
            "data": data,
            "facets": [],
        }
        if truncated and offset + top >= len(rows):
            doc["resultTruncated"] = "true"  # the last page of what the snapshot holds
        if offset + top < len(rows):
            if f.truncate_results:
                doc["resultTruncated"] = "true"
            elif f.repeat_skip_token and offset:
                doc["$skipToken"] = tok  # the token just received, again
            else:
                doc["$skipToken"] = _token({"k": key, "o": offset + top})
        return 200, headers, _ENC.encode(doc)

    def _arg_gate(self, q: ArgQuery, subs: list[str], mgs: set[str]) -> bool:
        """Refuse a query the snapshot cannot answer in full; True when it holds only part.

        One query answers for every subscription (or management group) in its scope and every
        collection its types belong to: any denied one makes it a 403 naming that scope, any
        not collected one a 501 (clients split the batch to find it), a partial one marks the
        result truncated."""
        types = next((v for c, v in q.filters if c == "type"), None)
        if types is None:
            colls: set[str] = set(_TABLE_COLLECTIONS.get(q.table, ("resources",)))
        else:
            colls = {collection_of(t, "") for t in types}
        if subs:
            keys = [f"/subscriptions/{s}" for s in subs]
        elif mgs:
            keys = [f"/providers/microsoft.management/managementgroups/{m}" for m in sorted(mgs)]
        else:
            keys = [""]
        truncated = False
        for key in keys:
            verdict = self.coverage.worst(sorted(colls), key)
            if verdict.status is CoverageStatus.DENIED:
                raise HttpError(
                    403,
                    "AuthorizationFailed",
                    cov.arm_denied_message(
                        "Microsoft.ResourceGraph/resources/read", key or "/", self._client_oid
                    ),
                )
            if verdict.status is CoverageStatus.PARTIAL:
                truncated = True
            elif not verdict.serves_rows:
                raise HttpError(
                    cov.NOT_SERVED_STATUS,
                    cov.not_served_code(verdict.status),
                    cov.not_served_message(",".join(sorted(colls)), key, verdict.reason),
                )
        return truncated

    @staticmethod
    def _project(row: dict[str, Any], columns: list[str] | None) -> dict[str, Any]:
        if not columns:
            return row
        return {c: row.get(c) for c in columns}

    def _match(
        self, q: ArgQuery, subs: list[str], mgs: set[str], visible: set[str] | None = None
    ) -> list[Entry]:
        idx = self.index
        types: set[str] | None = None
        others: list[tuple[str, set[str]]] = []
        for col, values in q.filters:
            if col == "type":
                types = values if types is None else types & values
            else:
                others.append((col, values))
        if types is None:
            candidates: Iterable[Entry] = idx.by_table.get(q.table, [])
        else:
            merged: list[Entry] = []
            for t in sorted(types):
                merged.extend(idx.by_table_type.get((q.table, t), []))
            merged.sort(key=lambda e: e.id_l)
            candidates = merged
        denied = {s.lower() for s in self.faults.deny_subscriptions}
        sub_set = set(subs)
        out: list[Entry] = []
        for e in candidates:
            if sub_set:
                if e.sub not in sub_set or e.type_l == MANAGEMENT_GROUP:
                    continue
            else:
                # Tenant / MG scope: unreadable subscriptions are silently left out, except
                # that the subscription itself is still listed (the caller can see it exists).
                if e.sub in denied and e.type_l != SUBSCRIPTION:
                    continue
                if visible is not None and e.sub and e.sub not in visible:
                    continue
                if mgs and not idx.in_mgs(e, mgs):
                    continue
            if others and not self._row_matches(e, others):
                continue
            out.append(e)
        return out

    def _row_matches(self, e: Entry, filters: list[tuple[str, set[str]]]) -> bool:
        row: dict[str, Any] | None = None
        for col, values in filters:
            if col == "subscriptionid":
                value = e.sub
            elif col == "resourcegroup":
                value = e.rg
            elif col == "id":
                value = e.id_l
            else:
                if row is None:
                    row = self.index.arg_row(e)
                value = _path_value(row, col)
            if value not in values:
                return False
        return True

    # ---- ARM ---------------------------------------------------------------------------------

    def _arm(
        self, path: str, low: str, params: Mapping[str, str], base: str
    ) -> tuple[int, dict[str, str], bytes]:
        idx = self.index
        if "api-version" not in params:
            raise HttpError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        parts = low.split("/")
        if len(parts) > 2 and parts[1] == "subscriptions":
            sub = parts[2]
            if sub in {s.lower() for s in self.faults.deny_subscriptions}:
                raise HttpError(
                    403,
                    "AuthorizationFailed",
                    f"The client does not have authorization to perform action 'read' over "
                    f"scope '{path}' or the scope is invalid.",
                )
        if low == "/subscriptions":
            self._arm_gate("subscriptions", "", "Microsoft.Resources/subscriptions/read", path)
            subs = [self._subscription_object(e) for e in idx.entries if e.type_l == SUBSCRIPTION]
            return self._list(subs, params, base, path)
        if low == "/providers/microsoft.management/managementgroups":
            self._arm_gate(
                "managementGroups", "", "Microsoft.Management/managementGroups/read", path
            )
            rows = [idx.arm_row(e) for e in idx.entries if e.type_l == MANAGEMENT_GROUP]
            return self._list(rows, params, base, path)
        surface = self._arm_surface(parts, low, params, base, path)
        if surface is not None:
            return surface
        entry = idx.by_id.get(low)
        if entry is not None:
            self._arm_gate(
                collection_of(entry.type_l, low), low, f"{idx.arm_type(entry, '', path)}/read", path
            )
            return 200, {}, _ENC.encode(idx.arm_row(entry))
        children = idx.by_parent.get(low)
        if not children and _names_resource(low):
            self._missing_resource(low, path)
        scoped = "/".join(parts[-2:]) in _SCOPED_TYPES
        rows_e: list[Entry] | None = (
            list(children) if children and not scoped else self._typed_list(parts, params)
        )
        list_coll, scope, rtype = self._list_collection(low)
        if list_coll is None:
            if rows_e:
                return self._list([idx.arm_row(e) for e in rows_e], params, base, path)
            raise HttpError(404, "ResourceNotFound", f"The resource '{path}' was not found.")
        verdict = self.coverage.verdict(list_coll, scope, has_rows=bool(rows_e))
        self._arm_refuse(verdict, list_coll, f"{rtype}/read", path)
        if not rows_e and not self._scope_exists(scope):
            raise HttpError(404, "ResourceNotFound", f"The resource '{path}' was not found.")
        rows = [idx.arm_row(e) for e in rows_e or []]
        return self._list(rows, params, base, path, partial=verdict.status)

    def _list_collection(self, low: str) -> tuple[str | None, str, str]:
        """(collection, coverage scope, ARM type) of a list path; collection None when the path
        names no collection (an unknown resource)."""
        parts = low.split("/")
        if len(parts) == 4 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
            return "resourceGroups", low.rsplit("/", 1)[0], "Microsoft.Resources/resourceGroups"
        child = type_from_id(f"{low}/x")
        if child is None:
            return None, "", ""
        if "/providers/" in low and low.rsplit("/providers/", 1)[1].count("/") == 1:
            scope = low.rsplit("/providers/", 1)[0]  # {scope}/providers/{ns}/{type}
        else:
            scope = low.rsplit("/", 1)[0]  # {parent id}/{child type}
        coll, rtype = self._type_collection(child, f"{low}/x")
        return coll, scope, rtype

    def _type_collection(self, rtype: str, rid_l: str) -> tuple[str, str]:
        """(collection, canonical ARM type) of rows of `rtype` with an id like `rid_l`."""
        type_l = rtype.lower()
        canonical = self.index.canonical.get(type_l, rtype)
        if type_l in _LIST_COLLECTIONS:
            return _LIST_COLLECTIONS[type_l], canonical
        coll = collection_of(type_l, rid_l)
        # A child type no collection records: served when the snapshot holds rows of it (under
        # the resources' coverage), otherwise never invented.
        if (
            coll == "resources"
            and type_l.count("/") > 1
            and type_l not in CHILD_COLLECTIONS
            and type_l not in self._types
        ):
            return type_l, canonical
        return coll, canonical

    def _missing_resource(self, low: str, path: str) -> None:
        """A GET of a resource the snapshot does not hold: 403 or 501 when its collection was
        not read there, else ARM's 404 (the snapshot is complete for it: it does not exist)."""
        rtype = type_from_id(path) or ""
        coll, canonical = self._type_collection(rtype, low)
        self._arm_refuse(self.coverage.verdict(coll, low), coll, f"{canonical}/read", path)
        raise HttpError(
            404,
            "ResourceNotFound",
            f"The Resource '{canonical}/{path.rsplit('/', 1)[-1]}' was not found. For more "
            "details please go to https://aka.ms/ARMResourceNotFoundFix",
        )

    def _scope_exists(self, scope: str) -> bool:
        return scope in self.index.by_id or self._is_known_scope(scope)

    def _arm_gate(self, coll: str, scope: str, action: str, path: str) -> None:
        verdict = self.coverage.verdict(coll, scope, has_rows=True)
        self._arm_refuse(verdict, coll, action, path)

    def _arm_refuse(self, verdict: Verdict, coll: str, action: str, path: str) -> None:
        """Raise ARM's answer for what the snapshot does not hold (see fakeazure/coverage.py)."""
        if verdict.status is CoverageStatus.DENIED:
            raise HttpError(
                403,
                "AuthorizationFailed",
                cov.arm_denied_message(action, verdict.scope or path, self._client_oid),
            )
        if not verdict.serves_rows:
            raise HttpError(
                cov.NOT_SERVED_STATUS,
                cov.not_served_code(verdict.status),
                cov.not_served_message(coll, verdict.scope, verdict.reason),
            )

    def _is_known_scope(self, low: str) -> bool:
        parts = low.split("/")
        if len(parts) == 3 and parts[1] == "subscriptions":
            return f"/subscriptions/{parts[2]}" in self.index.by_id
        if len(parts) == 5 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
            return True
        return low == ""

    def _typed_list(self, parts: list[str], params: Mapping[str, str]) -> list[Entry] | None:
        """/subscriptions/{s}[/resourceGroups/{rg}]/providers/{ns}/{type}."""
        if len(parts) == 6 and parts[1] == "subscriptions" and parts[3] == "providers":
            sub, rg, rtype = parts[2], "", f"{parts[4]}/{parts[5]}"
        elif (
            len(parts) == 8
            and parts[1] == "subscriptions"
            and parts[3] == "resourcegroups"
            and parts[5] == "providers"
        ):
            sub, rg, rtype = parts[2], parts[4], f"{parts[6]}/{parts[7]}"
        else:
            return None
        rows = self.index.by_sub_type.get((sub, rtype), [])
        if rtype in _SCOPED_TYPES:
            # Role and policy assignments list every one in the scope, at any depth, or with
            # $filter=atScope() only those at the scope itself.
            scope = "/".join(parts[: 5 if rg else 3])
            at_scope = "atscope()" in params.get("$filter", "").lower().replace(" ", "")
            return [
                e
                for e in rows
                if (not rg or e.rg == rg)
                and (
                    not at_scope or e.id_l.split("/providers/microsoft.authorization/")[0] == scope
                )
            ] or None
        # Only resources of that type itself: not extension resources nested under others.
        return [
            e for e in rows if (not rg or e.rg == rg) and e.id_l.count("/providers/") == 1
        ] or None

    def _arm_surface(
        self, parts: list[str], low: str, params: Mapping[str, str], base: str, path: str
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Tenants, locations, provider lists and the generic resource list."""
        idx = self.index
        sub_scope = len(parts) > 2 and parts[1] == "subscriptions"
        if low == "/tenants":
            return self._list(surface.tenants(idx), params, base, path)
        if sub_scope and len(parts) == 4 and parts[3] == "locations":
            self._require_subscription(parts[2], path)
            used = {
                str(_DEC.decode(e.raw).get("location") or "").lower().replace(" ", "")
                for e in idx.entries
                if e.table == "resources"
            }
            return self._list(
                surface.locations(parts[2], used - {"", "global"}), params, base, path
            )
        if sub_scope and len(parts) in (4, 5) and parts[3] == "providers":
            self._require_subscription(parts[2], path)
            provs = surface.providers(idx, parts[2])
            if len(parts) == 4:
                return self._list(provs, params, base, path)
            hit = [p for p in provs if str(p["namespace"]).lower() == parts[4]]
            if not hit:
                raise HttpError(
                    404,
                    "InvalidResourceNamespace",
                    f"The resource namespace '{parts[4]}' is invalid.",
                )
            return 200, {}, _ENC.encode(hit[0])
        is_sub_list = sub_scope and len(parts) == 4 and parts[3] == "resources"
        is_rg_list = (
            sub_scope
            and len(parts) == 6
            and parts[3] == "resourcegroups"
            and parts[5] == "resources"
        )
        if is_sub_list or is_rg_list:
            scope = low.rsplit("/", 1)[0]
            self._arm_gate("resources", scope, "Microsoft.Resources/resources/read", path)
            rg = parts[4] if is_rg_list else ""
            wanted = _arm_filter(params.get("$filter", ""))
            rows = []
            for e in idx.by_table.get("resources", []):
                if e.sub != parts[2] or (rg and e.rg != rg) or e.type_l.count("/") != 1:
                    continue
                row = idx.arm_row(e)
                if all(str(row.get(k) or "").lower() == v for k, v in wanted.items()):
                    rows.append(row)
            return self._list(rows, params, base, path)
        return None

    def _require_subscription(self, sub: str, path: str) -> None:
        if f"/subscriptions/{sub}" not in self.index.by_id:
            raise HttpError(
                404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found."
            )

    def _subscription_object(self, e: Entry) -> dict[str, Any]:
        row = self.index.arm_row(e)
        props = row.get("properties") if isinstance(row.get("properties"), dict) else {}
        return {
            "id": row.get("id"),
            "subscriptionId": e.sub,
            "displayName": row.get("name"),
            "state": (props or {}).get("state", "Enabled"),
            "tenantId": row.get("tenantId") or self.index.tenant_id,
        }

    def _list(
        self,
        rows: list[dict[str, Any]],
        params: Mapping[str, str],
        base: str,
        path: str,
        partial: CoverageStatus = CoverageStatus.COMPLETE,
    ) -> tuple[int, dict[str, str], bytes]:
        size = self.limits.arm_page
        if "$top" in params:
            size = max(1, min(size, _int_param(params, "$top")))
        offset = self._offset(params, path)
        page = rows[offset : offset + size]
        doc: dict[str, Any] = {"value": page}
        nxt = self._page_link(len(rows), offset, size, params, base, path, partial)
        nxt = self._next_link(base, path, params, nxt)
        if nxt:
            doc["nextLink"] = nxt
        return 200, {}, _ENC.encode(doc)

    def _offset(self, params: Mapping[str, str], path: str) -> int:
        """Where a page starts; the page past the end of a partial list is refused."""
        if "$skiptoken" not in params:
            return 0
        state = _untoken(params["$skiptoken"])
        if state.get("end"):
            raise HttpError(
                cov.NOT_SERVED_STATUS,
                cov.NOT_COLLECTED,
                f"The served snapshot holds only part of '{path}' and no further pages.",
            )
        return int(state.get("o", 0))

    @staticmethod
    def _page_link(
        total: int,
        offset: int,
        size: int,
        params: Mapping[str, str],
        base: str,
        path: str,
        partial: CoverageStatus,
    ) -> str:
        """The next link after a page: to the next page, or, when the snapshot holds only part
        of the collection, past the last page (that page says there are no further pages)."""
        state: dict[str, Any] | None = None
        if offset + size < total:
            state = {"o": offset + size}
        elif partial is CoverageStatus.PARTIAL:
            state = {"o": total, "end": 1}
        if state is None:
            return ""
        query = {k: v for k, v in params.items() if k != "$skiptoken"}
        query["$skiptoken"] = _token(state)
        return f"{base}{quote(path)}?{urlencode(query)}"

    # ---- Microsoft Graph ---------------------------------------------------------------------

    def _graph(
        self, rest: str, params: Mapping[str, str], base: str, path: str
    ) -> tuple[int, dict[str, str], bytes]:
        idx = self.index
        parts = rest.split("/")
        if len(parts) == 3 and parts[0] == "groups" and parts[2] == "members":
            gid = parts[1]
            if not any(str(g.get("id", "")).lower() == gid for g in idx.graph.get("groups", [])):
                raise HttpError(404, "Request_ResourceNotFound", f"Resource '{gid}' does not exist")
            objs = []
            for mid in idx.members.get(gid, []):
                kind = idx.graph_kind.get(mid.lower(), "directoryObject")
                objs.append({"@odata.type": f"#microsoft.graph.{kind}", "id": mid})
            name = "groupMembers"
        else:
            name = _GRAPH_ROUTES_L.get(rest, "")
            if not name:
                raise HttpError(400, "BadRequest", f"Resource not found for the segment '{rest}'.")
            objs = idx.graph.get(name, [])
        if name in self.faults.graph_unlicensed:
            raise HttpError(
                403,
                "AadPremiumLicenseRequired",
                "The tenant needs an AAD Premium license to access this resource",
            )
        if name in self.faults.graph_denied:
            raise _graph_denied()
        verdict = self.coverage.verdict(f"graph.{name}", "", has_rows=bool(objs))
        if verdict.status is CoverageStatus.DENIED:
            raise _graph_denied()
        if not verdict.serves_rows:
            code = cov.not_served_code(verdict.status)
            msg = cov.not_served_message(f"graph.{name}", "", verdict.reason)
            raise HttpError(cov.NOT_SERVED_STATUS, code, msg, body=cov.graph_error(code, msg))
        objs = _graph_filter(objs, params.get("$filter", ""))
        select = [c.strip() for c in params.get("$select", "").split(",") if c.strip()]
        if name in GRAPH_SINGLETONS:
            if not objs:
                raise HttpError(404, "Request_ResourceNotFound", f"Resource '{rest}' not found.")
            one = {"@odata.context": f"{base}/v1.0/$metadata#policies/{name}/$entity"}
            one.update(_graph_select(objs[0], select))
            return 200, {}, _ENC.encode(one)
        top = _int_param(params, "$top") if "$top" in params else self.limits.graph_page
        top = max(1, min(top, 999, self.limits.graph_max_page))
        offset = self._offset(params, path)
        doc: dict[str, Any] = {
            "@odata.context": f"{base}/v1.0/$metadata#{name}",
            "value": [_graph_select(o, select) for o in objs[offset : offset + top]],
        }
        nxt = self._page_link(len(objs), offset, top, params, base, path, verdict.status)
        nxt = self._next_link(base, path, params, nxt)
        if nxt:
            doc["@odata.nextLink"] = nxt
        return 200, {}, _ENC.encode(doc)


_GRAPH_EQ = re.compile(r"^\s*([\w/]+)\s+eq\s+(?:'([^']*)'|(true|false|\d+))\s*$", re.I)
_GRAPH_STARTS = re.compile(r"^\s*startswith\(\s*([\w/]+)\s*,\s*'([^']*)'\s*\)\s*$", re.I)


def _graph_filter(objs: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Graph's $filter as clients use it on these collections: `prop eq 'v'` (or a boolean or
    number), `startswith(prop,'v')`, joined with `and`; anything else is Graph's 400."""
    if not text.strip():
        return objs
    tests: list[tuple[bool, str, str]] = []  # (prefix match, property path, lower value)
    for term in re.split(r"\s+and\s+", text.strip(), flags=re.I):
        m = _GRAPH_EQ.match(term)
        if m:
            value = m.group(2) if m.group(2) is not None else m.group(3)
            tests.append((False, m.group(1), value.lower()))
            continue
        m = _GRAPH_STARTS.match(term)
        if m:
            tests.append((True, m.group(1), m.group(2).lower()))
            continue
        raise HttpError(
            400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter clause: {term}"
        )

    def keep(o: Mapping[str, Any]) -> bool:
        for prefix, prop, value in tests:
            got = _graph_text(o, prop)
            if not (got.startswith(value) if prefix else got == value):
                return False
        return True

    return [o for o in objs if keep(o)]


def _graph_text(obj: Mapping[str, Any], prop: str) -> str:
    value: Any = obj
    for part in prop.split("/"):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).lower()


def _graph_select(obj: dict[str, Any], select: list[str]) -> dict[str, Any]:
    """$select: the listed properties (and the @odata annotations), as Graph returns them."""
    if not select:
        return obj
    out = {k: v for k, v in obj.items() if k.startswith("@odata.")}
    out.update({k: obj.get(k) for k in select})
    return out


def _aad_error(status: int, error: str, description: str) -> HttpError:
    """Entra ID's OAuth error body (error, error_description, error_codes...)."""
    code = description.split(":", 1)[0]
    number = int(code[6:]) if code.startswith("AADSTS") and code[6:].isdigit() else 0
    rid = secrets.token_hex(16)
    body = {
        "error": error,
        "error_description": description,
        "error_codes": [number] if number else [],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": rid,
        "correlation_id": rid,
    }
    return HttpError(status, error, description, body=body)


def _graph_denied() -> HttpError:
    msg = "Insufficient privileges to complete the operation."
    return HttpError(
        403,
        "Authorization_RequestDenied",
        msg,
        body=cov.graph_error("Authorization_RequestDenied", msg),
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: Callable[..., BaseHTTPRequestHandler],
        fake: FakeAzure,
        ctx: ssl.SSLContext,
    ) -> None:
        super().__init__(address, handler)
        self.fake = fake
        self.ctx = ctx

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = self.socket.accept()
        # Handshake in the handler thread (finish_request), not in the accept loop.
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet; the fake keeps its own request log (never headers or tokens)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        # Read the body even when the answer is an error, or keep-alive desynchronises.
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.fake.port}"
        fake = self.server.fake
        authorized = "authorization" in headers
        parts = urlsplit(self.path)
        if fake.should_drop(parts.path):
            fake.record(self.command, parts.path, parts.query, 0, authorized)
            self.close_connection = True
            return
        status, extra, payload = fake.handle(self.command, self.path, headers, body, host)
        fake.record(self.command, parts.path, parts.query, status, authorized)
        self.send_response(status)
        self.send_header(
            "Content-Type", extra.pop("Content-Type", "application/json; charset=utf-8")
        )
        self.send_header("Content-Length", str(len(payload)))
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve
    do_HEAD = _serve
