"""ARM list calls for what Resource Graph does not index, fanned out with bounded concurrency.

Each task lists one child collection of one parent (or one subscription). A 403 or 404 on one
parent becomes that parent's coverage record and the other tasks go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from aiposture.collect.live.clients import PARTIAL_CODES, ApiError, HttpClient, cut_short
from aiposture.collect.live.resourcegraph import RowHead

# api-versions per child collection (all GA; they return {"value": [...], "nextLink"?}).
COGNITIVE_API = "2024-10-01"
COGNITIVE_PREVIEW_API = "2025-06-01"  # projects and defenderForAISettings
ML_API = "2024-10-01"
DIAGNOSTICS_API = "2021-05-01-preview"
SENTINEL_API = "2024-03-01"
PIM_API = "2020-10-01"
PRICINGS_API = "2024-01-01"
APIM_API = "2024-05-01"


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


def fan_out(
    arm: HttpClient,
    tasks: Iterable[ListTask],
    concurrency: int,
    on_done: Callable[[TaskResult], None],
) -> None:
    """Run tasks with at most `concurrency` in flight; results are handed over as they finish.

    Only a bounded window of futures exists at any time, so 100k tasks do not queue 100k
    futures. Ctrl-C cancels what has not started and re-raises.
    """
    it = iter(tasks)
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="arm")
    pending: set[Future[TaskResult]] = set()
    try:
        for task in it:
            pending.add(pool.submit(run_task, arm, task))
            if len(pending) >= concurrency * 2:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    on_done(fut.result())
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                on_done(fut.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
