"""Azure Resource Graph: paged queries, subscription batches, throttle-aware backoff.

azure-core does not retry a 429 on a POST unless it carries Retry-After, and Resource Graph
signals its quota with x-ms-user-quota-remaining / x-ms-user-quota-resets-after instead, so
this module runs its own loop: wait out the quota window, retry 5xx and dropped connections
with jittered exponential backoff, and resend the same body (same query, scopes, skip token).
The loop is bounded by attempts and by time (`retry_budget` per query page), and paging stops
at a repeated skip token or after `max_pages` pages (the rows read so far are kept, and the
collection is recorded as partial).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from aiposture.collect.live.clients import (
    DEFAULT_MAX_PAGES,
    DEFAULT_RETRY_BUDGET,
    MALFORMED,
    NOT_SERVED_CODES,
    PAGE_LIMIT,
    PAGING_LOOP,
    PARTIAL_CODES,
    RETRY_BUDGET,
    ApiError,
    HttpClient,
    error_from_body,
)

ARG_PATH = "/providers/Microsoft.ResourceGraph/resources"
TRUNCATED = "ResultTruncated"  # ApiError code for a result cut short (rows kept: partial)
ARG_API_VERSION = "2024-04-01"
MAX_PAGE = 1000
# Microsoft recommends fewer than 300 subscriptions per query.
MAX_BATCH = 299

_DURATION = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$")


def parse_resets_after(value: str | None) -> float | None:
    """Seconds from `x-ms-user-quota-resets-after` (hh:mm:ss, optionally d.hh:mm:ss)."""
    if not value:
        return None
    m = _DURATION.match(value.strip())
    if not m:
        return None
    days, hours, minutes, seconds = m.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


# Rows stay undecoded (msgspec.Raw slices of the response) until normalization reads them:
# a 100k-resource tenant then costs about its JSON size in memory, not Python dicts.
Row = dict[str, Any] | msgspec.Raw


class RowHead(msgspec.Struct):
    """The few columns the collector itself needs from a row."""

    id: Any = ""
    type: Any = ""
    kind: Any = None
    name: Any = None
    subscriptionId: Any = None
    tenantId: Any = None

    def text(self, attr: str) -> str:
        value = getattr(self, attr)
        return value if isinstance(value, str) else ""


class _Page(msgspec.Struct):
    data: list[msgspec.Raw] = []
    skip_token: str | None = msgspec.field(default=None, name="$skipToken")
    totalRecords: int | None = None
    resultTruncated: str | bool | None = None


_HEAD: msgspec.json.Decoder[RowHead] = msgspec.json.Decoder(RowHead)
_PAGE: msgspec.json.Decoder[_Page] = msgspec.json.Decoder(_Page)


def head(row: Row) -> RowHead:
    if isinstance(row, msgspec.Raw):
        return _HEAD.decode(row)
    return RowHead(
        id=row.get("id"),
        type=row.get("type"),
        kind=row.get("kind"),
        name=row.get("name"),
        subscriptionId=row.get("subscriptionId"),
        tenantId=row.get("tenantId"),
    )


@dataclass
class QueryResult:
    rows: list[Row] = field(default_factory=list)
    pages: int = 0
    # Tenant/MG-scope queries see only the first 10,000 subscriptions.
    subscription_limit_hit: bool = False
    # The service ended the result without a skip token although rows were left.
    truncated: bool = False
    # Paging was stopped (repeated skip token, page limit): rows so far are kept.
    stopped: ApiError | None = None


class ResourceGraph:
    def __init__(
        self,
        arm: HttpClient,
        *,
        page_size: int = MAX_PAGE,
        max_attempts: int = 8,
        backoff_factor: float = 0.8,
        backoff_max: float = 60.0,
        retry_budget: float = DEFAULT_RETRY_BUDGET,
        max_pages: int = DEFAULT_MAX_PAGES,
        on_page: Callable[[int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page size must be 1..{MAX_PAGE}")
        self.arm = arm
        self.page_size = page_size
        self.max_attempts = max_attempts
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.retry_budget = retry_budget
        self.max_pages = max_pages
        self.on_page = on_page
        self.sleep = sleep
        self.queries = 0

    def _backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff_factor * (2 ** (attempt - 1)))
        return float(base * random.uniform(0.5, 1.5))

    def _wait(self, seconds: float, deadline: float, last: ApiError) -> None:
        """Sleep before a re-send, never past the page's retry budget."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise ApiError(
                last.status,
                RETRY_BUDGET,
                f"gave up after retrying for the {self.retry_budget:g} s budget "
                f"(--retry-budget); last answer: {last.reason()}",
                ARG_PATH,
            )
        wait = max(0.0, min(seconds, left))
        self.arm.stats.add("manual_retries")
        self.arm.stats.add("retry_seconds", wait)
        self.sleep(wait)

    def _post(self, body: Mapping[str, Any]) -> tuple[bytes, Mapping[str, str]]:
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError

        payload = json.dumps(body).encode()
        deadline = time.monotonic() + self.retry_budget
        attempt = 0
        while True:
            attempt += 1
            try:
                # azure-core's own retries of this send share what is left of the budget.
                status, data, headers = self.arm.send(
                    "POST",
                    ARG_PATH,
                    params={"api-version": ARG_API_VERSION},
                    body=payload,
                    budget=deadline - time.monotonic(),
                )
            except (ServiceRequestError, ServiceResponseError) as exc:
                if attempt >= self.max_attempts:
                    raise ApiError(0, "ConnectionError", str(exc), ARG_PATH) from None
                self._wait(
                    self._backoff(attempt), deadline, ApiError(0, "ConnectionError", str(exc))
                )
                continue
            if status == 429:
                err = error_from_body(status, data, ARG_PATH)
                if attempt >= self.max_attempts:
                    raise err
                wait = parse_retry_after(headers.get("Retry-After"))
                if wait is None:
                    wait = parse_resets_after(headers.get("x-ms-user-quota-resets-after"))
                self._wait(
                    min(self.backoff_max, wait) if wait is not None else self._backoff(attempt),
                    deadline,
                    err,
                )
                continue
            if (status >= 500 and status != 501) or status == 408:
                err = error_from_body(status, data, ARG_PATH)
                if attempt >= self.max_attempts:
                    raise err
                self._wait(self._backoff(attempt), deadline, err)
                continue
            if status >= 400:
                raise error_from_body(status, data, ARG_PATH)
            # Respect the quota before the next query rather than provoking a 429.
            remaining = headers.get("x-ms-user-quota-remaining")
            if remaining is not None and remaining.strip() == "0":
                wait = parse_resets_after(headers.get("x-ms-user-quota-resets-after"))
                if wait:
                    self.sleep(min(self.backoff_max, wait))
            return data, headers

    def pages(
        self,
        query: str,
        *,
        subscriptions: Sequence[str] | None = None,
        management_groups: Sequence[str] | None = None,
        result: QueryResult | None = None,
    ) -> Iterator[list[Row]]:
        """Every page of one query at one scope (tenant when no scope is given)."""
        body: dict[str, Any] = {
            "query": query,
            "options": {"$top": self.page_size, "resultFormat": "objectArray"},
        }
        if subscriptions:
            body["subscriptions"] = list(subscriptions)
        if management_groups:
            body["managementGroups"] = list(management_groups)
        self.queries += 1
        seen = 0
        tokens: set[str] = set()
        pages = 0
        while True:
            data, headers = self._post(body)
            pages += 1
            if result is not None:
                result.pages += 1
                if headers.get("x-ms-tenant-subscription-limit-hit", "").lower() == "true":
                    result.subscription_limit_hit = True
            if self.on_page is not None:
                self.on_page(1)
            rows, token, total, truncated = _parse_page(data)
            seen += len(rows)
            yield rows
            if not token:
                if result is not None and (
                    str(truncated).lower() == "true" or (total is not None and seen < total)
                ):
                    result.truncated = True
                return
            if token in tokens:
                raise ApiError(
                    200, PAGING_LOOP, f"stopped after {pages} pages: $skipToken repeats", ARG_PATH
                )
            if pages >= self.max_pages:
                raise ApiError(
                    200,
                    PAGE_LIMIT,
                    f"stopped at the page limit ({self.max_pages} pages, --max-pages)",
                    ARG_PATH,
                )
            tokens.add(token)
            body["options"] = {**body["options"], "$skipToken": token}

    def query(
        self,
        query: str,
        *,
        subscriptions: Sequence[str] | None = None,
        management_groups: Sequence[str] | None = None,
    ) -> QueryResult:
        """All rows of one query; a stopped paging (PARTIAL_CODES) keeps the rows read so far
        and sets `stopped`, any other ApiError is raised."""
        result = QueryResult()
        try:
            for rows in self.pages(
                query,
                subscriptions=subscriptions,
                management_groups=management_groups,
                result=result,
            ):
                result.rows.extend(rows)
        except ApiError as exc:
            if exc.code not in PARTIAL_CODES:
                raise
            result.stopped = exc
        return result

    def query_subscriptions(
        self, query: str, subscriptions: Sequence[str], batch_size: int = MAX_BATCH
    ) -> tuple[list[Row], dict[str, ApiError]]:
        """Query in batches; a denied batch is split until the denied subscriptions are found.

        Returns the rows and, per subscription that could not be read, the error.
        """
        rows: list[Row] = []
        errors: dict[str, ApiError] = {}
        batch_size = max(1, min(batch_size, MAX_BATCH))

        def run(batch: Sequence[str]) -> None:
            try:
                result = self.query(query, subscriptions=batch)
                if result.truncated and result.stopped is None and len(batch) > 1:
                    # Find the subscriptions whose results really are cut short: the others
                    # are complete on their own.
                    half = len(batch) // 2
                    run(batch[:half])
                    run(batch[half:])
                    return
                rows.extend(result.rows)
                if result.stopped is not None:
                    errors.update(dict.fromkeys(batch, result.stopped))
                elif result.truncated:
                    trunc = ApiError(
                        200,
                        TRUNCATED,
                        "Resource Graph returned part of the result and no skip token",
                    )
                    errors.update(dict.fromkeys(batch, trunc))
            except ApiError as exc:
                split = exc.status in (401, 403, 404) or exc.code in NOT_SERVED_CODES
                if split and len(batch) > 1:
                    half = len(batch) // 2
                    run(batch[:half])
                    run(batch[half:])
                elif split:
                    errors[batch[0]] = exc
                else:
                    for sub in batch:
                        errors[sub] = exc

        for i in range(0, len(subscriptions), batch_size):
            run(subscriptions[i : i + batch_size])
        return rows, errors


def _parse_page(data: bytes) -> tuple[list[Row], str | None, int | None, object]:
    """Rows (undecoded), skip token, total and truncation flag of one response.

    A body that is not a Resource Graph answer is a MALFORMED ApiError (that query fails, the
    collection goes on)."""
    try:
        page = _PAGE.decode(data)
        if all(bytes(memoryview(r)[:1]) == b"{" for r in page.data):
            return list(page.data), page.skip_token, page.totalRecords, page.resultTruncated
    except msgspec.ValidationError:
        pass  # the table format ({"columns", "rows"}), should the service ignore objectArray
    except msgspec.DecodeError:
        snippet = " ".join(data[:60].decode("utf-8", "replace").split())
        raise ApiError(
            200, MALFORMED, f"the answer is not JSON (starts with {snippet!r})", ARG_PATH
        ) from None
    doc = json.loads(data)
    if not isinstance(doc, dict):
        raise ApiError(200, MALFORMED, "the answer is not a JSON object", ARG_PATH)
    inner = doc.get("data")
    if not isinstance(inner, Mapping | list | None):
        raise ApiError(200, MALFORMED, "the answer has no `data` rows", ARG_PATH)
    if isinstance(inner, Mapping):
        cols = [c.get("name") for c in inner.get("columns", [])]
        rows: list[Row] = [dict(zip(cols, r, strict=False)) for r in inner.get("rows", [])]
    else:
        rows = [r for r in (inner or []) if isinstance(r, dict)]
    total = doc.get("totalRecords")
    token = doc.get("$skipToken")
    return (
        rows,
        token if isinstance(token, str) else None,
        total if isinstance(total, int) else None,
        doc.get("resultTruncated"),
    )


def type_filter(types: Sequence[str]) -> str:
    quoted = ", ".join("'" + t.lower().replace("'", "") + "'" for t in types)
    return f"where type in~ ({quoted})"


def table_query(table: str, types: Sequence[str] = ()) -> str:
    """The query forms the collector sends: a table, an optional type filter, a stable order."""
    parts = [table]
    if types:
        parts.append(type_filter(types))
    parts.append("order by id asc")
    return " | ".join(parts)
