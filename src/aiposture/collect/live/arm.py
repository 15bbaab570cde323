"""ARM list calls for what Resource Graph does not index, fanned out with bounded concurrency.

Each task lists one child collection of one parent (or one subscription). A 403 or 404 on one
parent becomes that parent's coverage record and the other tasks go on.

Resource Graph does not index these children (Microsoft's table reference lists
`microsoft.cognitiveservices/accounts` but none of its deployments, raiPolicies, projects or
defenderForAISettings, nor ML workspace computes or connections, nor diagnostic settings), so
each is one ARM list per parent. They are sent through ARM's batch endpoint
(`POST /batch?api-version=2020-06-01`, the one the Azure portal uses): up to 20 GETs per
request, each answered with its own status. Only GETs go inside a batch. An inner 429 or 5xx is
retried on its own (Retry-After honoured, jittered backoff otherwise); a later page of an inner
list (its nextLink) goes into a later batch. When the batch endpoint itself is refused, or an
inner answer is one the plain GET path handles specially (401, a redirect, a body that is not
JSON), that list is made as a plain GET instead.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import msgspec

from aiposture.collect.live.clients import (
    DEFAULT_RETRY_BUDGET,
    MALFORMED,
    PAGE_LIMIT,
    PAGING_LOOP,
    PARTIAL_CODES,
    RETRY_BUDGET,
    ApiError,
    HttpClient,
    cut_short,
    error_from_body,
)
from aiposture.collect.live.resourcegraph import RowHead, head
from aiposture.model.entities import ai_private_link_type

BATCH_PATH = "/batch"
BATCH_API = "2020-06-01"
BATCH_SIZE = 20  # the most inner requests ARM takes in one batch

# api-versions per child collection (all GA; they return {"value": [...], "nextLink"?}).
COGNITIVE_API = "2024-10-01"
COGNITIVE_PREVIEW_API = "2025-06-01"  # projects and defenderForAISettings
ML_API = "2024-10-01"
DIAGNOSTICS_API = "2021-05-01-preview"
SENTINEL_API = "2024-03-01"
PIM_API = "2020-10-01"
PRICINGS_API = "2024-01-01"
NETWORK_API = "2024-05-01"  # privateEndpoints/privateDnsZoneGroups
APIM_API = "2024-05-01"


PRIVATE_ENDPOINT = "microsoft.network/privateendpoints"


def is_ai_endpoint_row(row: dict[str, Any]) -> bool:
    props = row.get("properties")
    if not isinstance(props, dict):
        return False
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        conns = props.get(key)
        for c in conns if isinstance(conns, list) else ():
            cp = c.get("properties") if isinstance(c, dict) else None
            target = cp.get("privateLinkServiceId") if isinstance(cp, dict) else None
            if isinstance(target, str) and ai_private_link_type(target) is not None:
                return True
    return False


@dataclass(frozen=True)
class ListTask:
    collection: str  # coverage collection name
    scope: str  # ARM id the coverage record is for (the parent)
    path: str  # ARM path to list
    api_version: str


@dataclass
class TaskResult:
    task: ListTask
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: ApiError | None = None
    fatal: BaseException | None = None


def child_tasks(parent: RowHead) -> list[ListTask]:
    """Child collections to list for one Resource Graph row."""
    rid = parent.text("id")
    rtype = parent.text("type").lower()
    kind = parent.text("kind").lower()
    out: list[ListTask] = []
    if rtype == "microsoft.cognitiveservices/accounts":
        out.append(ListTask("deployments", rid, f"{rid}/deployments", COGNITIVE_API))
        out.append(ListTask("raiPolicies", rid, f"{rid}/raiPolicies", COGNITIVE_API))
        if kind in ("openai", "aiservices"):
            out.append(
                ListTask(
                    "defenderForAISettings",
                    rid,
                    f"{rid}/defenderForAISettings",
                    COGNITIVE_PREVIEW_API,
                )
            )
        if kind == "aiservices":
            out.append(ListTask("projects", rid, f"{rid}/projects", COGNITIVE_PREVIEW_API))
    elif rtype == "microsoft.machinelearningservices/workspaces":
        out.append(ListTask("computes", rid, f"{rid}/computes", ML_API))
        out.append(ListTask("connections", rid, f"{rid}/connections", ML_API))
        # Metadata only: the credential type, never the secret (listSecrets is never called).
        out.append(ListTask("datastores", rid, f"{rid}/datastores", ML_API))
    elif rtype == "microsoft.network/privateendpoints":
        # Zone groups are a child type Resource Graph does not index. The collector asks only
        # for endpoints that connect to AI resources (ai_private_endpoints).
        out.append(
            ListTask("privateDnsZoneGroups", rid, f"{rid}/privateDnsZoneGroups", NETWORK_API)
        )
    elif rtype == "microsoft.apimanagement/service":
        # Backends show which AI endpoints a gateway fronts (LLM logging checks).
        out.append(ListTask("apiManagementBackends", rid, f"{rid}/backends", APIM_API))
    elif rtype == "microsoft.operationalinsights/workspaces":
        out.append(
            ListTask(
                "sentinel",
                rid,
                f"{rid}/providers/Microsoft.SecurityInsights/onboardingStates",
                SENTINEL_API,
            )
        )
    return out


def ai_private_endpoints(rows: Iterable[Any]) -> set[str]:
    """Lower-cased ids of the private endpoints (Resource Graph rows, raw or decoded) that
    connect to an AI services account, ML workspace or AI Search service."""
    out: set[str] = set()
    for row in rows:
        h = head(row)
        if h.text("type").lower() != PRIVATE_ENDPOINT:
            continue
        decoded = msgspec.json.decode(row) if isinstance(row, msgspec.Raw) else row
        if isinstance(decoded, dict) and is_ai_endpoint_row(decoded):
            out.add(h.text("id").lower())
    return out


def diagnostics_task(resource_id: str) -> ListTask:
    return ListTask(
        "diagnosticSettings",
        resource_id,
        f"{resource_id}/providers/Microsoft.Insights/diagnosticSettings",
        DIAGNOSTICS_API,
    )


def subscription_tasks(sub_id: str, *, pricings: bool) -> list[ListTask]:
    scope = f"/subscriptions/{sub_id}"
    out = [
        ListTask(
            "activityLogExport",
            scope,
            f"{scope}/providers/Microsoft.Insights/diagnosticSettings",
            DIAGNOSTICS_API,
        ),
        ListTask(
            "roleEligibilitySchedules",
            scope,
            f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules",
            PIM_API,
        ),
    ]
    if pricings:
        out.append(
            ListTask(
                "pricings", scope, f"{scope}/providers/Microsoft.Security/pricings", PRICINGS_API
            )
        )
    return out


def management_group_tasks(mg_name: str) -> list[ListTask]:
    """PIM eligibility for Azure roles granted at a management group."""
    scope = f"/providers/Microsoft.Management/managementGroups/{mg_name}"
    return [
        ListTask(
            "roleEligibilitySchedules",
            scope,
            f"{scope}/providers/Microsoft.Authorization/roleEligibilitySchedules",
            PIM_API,
        )
    ]


def run_task(arm: HttpClient, task: ListTask) -> TaskResult:
    result = TaskResult(task)
    pages = 0
    try:
        for page in arm.list_paged(task.path, {"api-version": task.api_version}):
            result.rows.extend(page)
            pages += 1
    except ApiError as err:
        exc = cut_short(err, pages)
        # Paging stopped by a loop or the page limit keeps what was read (partial); any other
        # error leaves nothing trustworthy for that parent.
        if exc.code not in PARTIAL_CODES:
            result.rows = []
        result.error = exc
    return result


@dataclass(frozen=True)
class BatchOptions:
    """Per-inner-request retries (the pipeline's RetryPolicy sees only the batch POST)."""

    size: int = BATCH_SIZE
    retries: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    budget: float = DEFAULT_RETRY_BUDGET  # seconds one list may spend retrying


@dataclass
class _Inner:
    task: ListTask
    url: str
    result: TaskResult
    pages: int = 0
    attempts: int = 0
    failing_since: float = 0.0
    seen: set[str] = field(default_factory=set)


class _BatchRefused(Exception):
    """The batch endpoint did not answer with a batch: the lists go as plain GETs."""


def _retry_wait(inner: _Inner, headers: Any, opts: BatchOptions) -> float:
    if isinstance(headers, dict):
        for k, v in headers.items():
            if str(k).lower() == "retry-after":
                try:
                    return min(opts.backoff_max, max(0.0, float(v)))
                except (TypeError, ValueError):
                    break
    wait_s = opts.backoff_factor * float(2 ** max(0, inner.attempts - 1))
    return min(opts.backoff_max, wait_s) * random.uniform(0.5, 1.5)


def _post_batch(arm: HttpClient, inners: list[_Inner]) -> list[dict[str, Any]]:
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    body = json.dumps(
        {
            "requests": [
                {"httpMethod": "GET", "name": str(i), "url": inner.url}
                for i, inner in enumerate(inners)
            ]
        }
    ).encode()
    try:
        status, data, _headers = arm.send(
            "POST", BATCH_PATH, params={"api-version": BATCH_API}, body=body
        )
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise _BatchRefused(str(exc)) from None
    if status != 200:
        raise _BatchRefused(f"HTTP {status}")
    try:
        doc = json.loads(data)
    except ValueError:
        raise _BatchRefused("not JSON") from None
    responses = doc.get("responses") if isinstance(doc, dict) else None
    if not isinstance(responses, list) or len(responses) != len(inners):
        raise _BatchRefused("no responses")
    by_name = {str(r.get("name")): r for r in responses if isinstance(r, dict)}
    if set(by_name) != {str(i) for i in range(len(inners))}:
        raise _BatchRefused("responses do not match the requests")
    return [by_name[str(i)] for i in range(len(inners))]


def run_batch(arm: HttpClient, tasks: list[ListTask], opts: BatchOptions) -> list[TaskResult]:
    """List every task through ARM batches; results in the order of `tasks`."""
    inners = [
        _Inner(t, f"{t.path}?{urlencode({'api-version': t.api_version})}", TaskResult(t))
        for t in tasks
    ]
    todo = list(inners)
    plain: list[_Inner] = []
    while todo:
        chunk, todo = todo[: opts.size], todo[opts.size :]
        try:
            answers = _post_batch(arm, chunk)
        except _BatchRefused:
            plain.extend(chunk)
            continue
        wait_s = 0.0
        for inner, ans in zip(chunk, answers, strict=True):
            status = ans.get("httpStatusCode")
            content = ans.get("content")
            url = arm.url(inner.url)
            if not isinstance(status, int) or status == 401 or 300 <= status < 400:
                plain.append(inner)
                continue
            if status == 429 or status >= 500:
                arm.stats.add("throttled" if status == 429 else "server_errors")
                now = time.monotonic()
                if inner.attempts == 0:
                    inner.failing_since = now
                inner.attempts += 1
                left = opts.budget - (now - inner.failing_since)
                if left <= 0:
                    _fail(
                        inner,
                        ApiError(
                            0,
                            RETRY_BUDGET,
                            f"gave up after retrying for the "
                            f"{opts.budget:g} s budget (--retry-budget)",
                            url,
                        ),
                    )
                    continue
                if inner.attempts <= opts.retries:
                    arm.stats.add("manual_retries")
                    wait_s = max(wait_s, min(left, _retry_wait(inner, ans.get("headers"), opts)))
                    todo.append(inner)
                    continue
            if status >= 400:
                body = json.dumps(content).encode() if content is not None else b""
                _fail(inner, cut_short(error_from_body(status, body, url), inner.pages))
                continue
            if content is None:
                content = {}
            if not isinstance(content, dict):
                # HTML from a proxy, a bare list...: that list alone fails, as a plain GET does.
                text = content if isinstance(content, str) else type(content).__name__
                snippet = " ".join(text[:60].split())
                _fail(
                    inner,
                    ApiError(
                        200, MALFORMED, f"the answer is not JSON (starts with {snippet!r})", url
                    ),
                )
                continue
            inner.attempts = 0
            inner.pages += 1
            inner.seen.add(url)
            value = content.get("value")
            if isinstance(value, list):
                inner.result.rows.extend(v for v in value if isinstance(v, dict))
            nxt = content.get("nextLink")
            if not isinstance(nxt, str) or not nxt:
                continue
            try:
                arm.check_link(nxt)
            except ApiError as exc:
                _fail(inner, exc)
                continue
            if arm.url(nxt) in inner.seen:
                _fail(
                    inner,
                    ApiError(
                        200,
                        PAGING_LOOP,
                        f"stopped after {inner.pages} pages: nextLink repeats",
                        nxt,
                    ),
                )
            elif inner.pages >= arm.max_pages:
                _fail(
                    inner,
                    ApiError(
                        200,
                        PAGE_LIMIT,
                        f"stopped at the page limit ({arm.max_pages} pages, --max-pages)",
                        nxt,
                    ),
                )
            else:
                inner.url = nxt
                todo.append(inner)
        if wait_s > 0:
            arm.stats.add("retry_seconds", wait_s)
            time.sleep(wait_s)
    for inner in plain:
        inner.result = run_task(arm, inner.task)
    return [inner.result for inner in inners]


def _fail(inner: _Inner, exc: ApiError) -> None:
    # As run_task: paging stopped by a loop or a limit keeps what was read (partial).
    if exc.code not in PARTIAL_CODES:
        inner.result.rows = []
    inner.result.error = exc


def fan_out(
    arm: HttpClient,
    tasks: Iterable[ListTask],
    concurrency: int,
    on_done: Callable[[TaskResult], None],
    batch: BatchOptions | None = None,
) -> None:
    """Run tasks with at most `concurrency` requests in flight; results are handed over as they
    finish. With `batch`, each worker sends its tasks `batch.size` at a time through ARM's
    batch endpoint.

    Only a bounded window of futures exists at any time, so 100k tasks do not queue 100k
    futures. Ctrl-C cancels what has not started and re-raises.
    """
    it = iter(tasks)
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="arm")
    pending: set[Future[list[TaskResult]]] = set()

    def one(task: ListTask) -> list[TaskResult]:
        return [run_task(arm, task)]

    def submit(chunk: list[ListTask]) -> None:
        if batch is None:
            pending.add(pool.submit(one, chunk[0]))
        else:
            pending.add(pool.submit(run_batch, arm, chunk, batch))

    size = 1 if batch is None else max(1, batch.size)
    try:
        chunk: list[ListTask] = []
        for task in it:
            chunk.append(task)
            if len(chunk) < size:
                continue
            submit(chunk)
            chunk = []
            if len(pending) >= concurrency * 2:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    for res in fut.result():
                        on_done(res)
        if chunk:
            submit(chunk)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                for res in fut.result():
                    on_done(res)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
