"""Live collection: Resource Graph for the bulk, ARM for what it does not index, Microsoft
Graph for identities; produces a Snapshot with a coverage record per collection and scope.

Order of work: discover subscriptions and management groups; query each Resource Graph table
in subscription batches (plus one tenant-level query for management-group-scoped rows); list
child collections per parent over ARM (bounded concurrency); read Microsoft Graph. A denied or
failed subscription, parent or Graph collection becomes a coverage record and the run goes on.
Ctrl-C or a fatal error stops the run; what was collected is returned with the unfinished
collections marked partial.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from aiposture.collect.live import arm as arm_mod
from aiposture.collect.live import graph_api
from aiposture.collect.live.clients import (
    DEFAULT_MAX_PAGES,
    DEFAULT_RETRY_BUDGET,
    NOT_COLLECTED,
    NOT_SERVED_CODES,
    PARTIAL_CODES,
    ApiError,
    CredentialRejected,
    HttpClient,
    Stats,
    arm_client,
    graph_client,
)
from aiposture.collect.live.cloud import Cloud
from aiposture.collect.live.resourcegraph import (
    MAX_BATCH,
    MAX_PAGE,
    TRUNCATED,
    ResourceGraph,
    Row,
    RowHead,
    head,
    table_query,
)
from aiposture.errors import CollectionError
from aiposture.model.snapshot import Coverage, Metadata, Snapshot, ToolInfo, collection_of
from aiposture.model.types import CoverageStatus

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from aiposture.model.inventory import Inventory

# Given the interim inventory of what Resource Graph returned, the ids of further resources
# whose diagnostic settings to list. The collector never imports rules: the caller (the CLI or
# app layer) passes the rules' own target selection in.
DiagnosticTargets = Callable[["Inventory"], Iterable[str]]

SUBSCRIPTION = "microsoft.resources/subscriptions"
ROLE_DEFINITION = "microsoft.authorization/roledefinitions"
BUILTIN_ROLES = "roleDefinitions.builtIn"  # coverage of the tenant's built-in definitions
RESOURCE_GROUP = "microsoft.resources/subscriptions/resourcegroups"
MANAGEMENT_GROUP = "microsoft.management/managementgroups"


@dataclass(frozen=True)
class TableQuery:
    table: str
    types: tuple[str, ...] = ()
    # Also query rows that belong to no subscription (management-group and tenant scope).
    tenant_level: bool = False

    def collections(self) -> list[str]:
        if not self.types:
            return ["resources"]
        return sorted({collection_of(t, "") for t in self.types})


# The bulk of the tenant, queried per subscription batch.
TABLES = (
    TableQuery("resourcecontainers", (RESOURCE_GROUP,)),
    TableQuery("resources"),
    TableQuery(
        "authorizationresources",
        ("microsoft.authorization/roleassignments", "microsoft.authorization/roledefinitions"),
        tenant_level=True,
    ),
    TableQuery(
        "policyresources",
        (
            "microsoft.authorization/policyassignments",
            "microsoft.authorization/policyexemptions",
            "microsoft.authorization/policydefinitions",
            "microsoft.authorization/policysetdefinitions",
            "microsoft.policyinsights/policystates",
        ),
        tenant_level=True,
    ),
    TableQuery("securityresources", ("microsoft.security/pricings",)),
    # Change records (who changed what, 14 days): read by history/ only, never by rules.
    TableQuery("resourcechanges", ("microsoft.resources/changes",)),
)
CHILD_COLLECTIONS = (
    "deployments",
    "raiPolicies",
    "defenderForAISettings",
    "projects",
    "computes",
    "connections",
    "datastores",
    "privateDnsZoneGroups",
    "sentinel",
    "apiManagementBackends",
)
SUBSCRIPTION_COLLECTIONS = ("activityLogExport", "roleEligibilitySchedules")


class ProgressSink(Protocol):
    def start(self, phase: str, total: int | None = None) -> None: ...

    def advance(self, phase: str, n: int = 1) -> None: ...

    def finish(self, phase: str) -> None: ...


class NullProgress:
    def start(self, phase: str, total: int | None = None) -> None:
        return None

    def advance(self, phase: str, n: int = 1) -> None:
        return None

    def finish(self, phase: str) -> None:
        return None


@dataclass(frozen=True)
class CollectOptions:
    subscriptions: tuple[str, ...] = ()
    management_groups: tuple[str, ...] = ()
    concurrency: int = 8
    page_size: int = MAX_PAGE
    batch_size: int = MAX_BATCH
    read_timeout: float = 60.0
    retry_total: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    graph: bool = True
    # Total time one call may spend on retries (azure-core RetryPolicy `timeout`, and the
    # Resource Graph loop), and the most pages followed per collection.
    retry_budget: float = DEFAULT_RETRY_BUDGET
    max_pages: int = DEFAULT_MAX_PAGES
    diagnostic_targets: DiagnosticTargets | None = None
    # Per-parent ARM lists go 20 at a time through ARM's batch endpoint (False: one GET each).
    arm_batch: bool = True


@dataclass
class RunReport:
    """What the run did, for the final line and the bench."""

    stats: Stats
    arg_queries: int = 0
    arg_pages: int = 0
    arm_calls: int = 0
    graph_calls: int = 0
    aborted: BaseException | None = None
    coverage_gaps: int = 0

    def summary(self) -> str:
        s = self.stats
        text = (
            f"{s.requests:,} requests ({self.arg_pages:,} Resource Graph pages, "
            f"{self.arm_calls:,} ARM lists, {self.graph_calls:,} Graph lists), "
            f"{s.retries:,} retries ({s.retry_seconds:,.1f} s waiting to retry), "
            f"{s.throttled:,} throttled, {self.coverage_gaps:,} coverage gaps"
        )
        if self.aborted is not None:
            text += f"; stopped early ({describe_stop(self.aborted)}): snapshot is partial"
        return text


def describe_stop(exc: BaseException) -> str:
    """Why a run stopped early, in one line."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, CredentialRejected):
        return " ".join(str(exc).split())
    if type(exc).__name__ == "ClientAuthenticationError":
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return (
            f"no usable Azure credential ({first[:160]}); sign in with `az login`, set "
            "AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, or choose one with --auth"
        )
    return " ".join(str(exc).split())[:200] or type(exc).__name__


@dataclass
class _State:
    rows: list[Row] = field(default_factory=list)
    graph: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    coverage: list[Coverage] = field(default_factory=list)
    done: set[str] = field(default_factory=set)  # collections finished
    lock: threading.Lock = field(default_factory=threading.Lock)

    def cover(
        self,
        collection: str,
        scope: str,
        status: CoverageStatus,
        reason: str = "",
        count: int | None = None,
    ) -> None:
        with self.lock:
            self.coverage.append(Coverage(collection, scope, status, reason, count))


class LiveCollector:
    def __init__(
        self,
        cloud: Cloud,
        credential: TokenCredential,
        options: CollectOptions | None = None,
        progress: ProgressSink | None = None,
    ) -> None:
        self.cloud = cloud
        self.credential = credential
        self.options = options or CollectOptions()
        self.progress = progress or NullProgress()
        self.report = RunReport(Stats())
        self._state = _State()
        self._tenant_id = ""
        # Subscriptions whose securityresources were denied: pricings are read over ARM.
        self._pricing_fallback: set[str] = set()

    # ---- public ------------------------------------------------------------------------------

    def collect(self) -> Snapshot:
        """Collect; never raises for Ctrl-C or fatal errors (see report.aborted)."""
        o = self.options
        stats = self.report.stats
        kwargs: dict[str, Any] = {
            "concurrency": o.concurrency,
            "read_timeout": o.read_timeout,
            "retry_total": o.retry_total,
            "backoff_factor": o.backoff_factor,
            "backoff_max": o.backoff_max,
            "retry_budget": o.retry_budget,
            "max_pages": o.max_pages,
        }
        arm = arm_client(self.cloud, self.credential, stats, **kwargs)
        graph = graph_client(self.cloud, self.credential, stats, **kwargs)
        started = dt.datetime.now(dt.UTC)
        try:
            self._run(arm, graph)
        except (KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - recorded, never lost
            self.report.aborted = exc
            self._mark_unfinished(exc)
        finally:
            arm.close()
            graph.close()
        return self._snapshot(started)

    # ---- phases ------------------------------------------------------------------------------

    def _run(self, arm: HttpClient, graph: HttpClient) -> None:
        o = self.options
        arg = ResourceGraph(
            arm,
            page_size=o.page_size,
            max_attempts=o.retry_total + 2,
            backoff_factor=o.backoff_factor,
            backoff_max=o.backoff_max,
            retry_budget=o.retry_budget,
            max_pages=o.max_pages,
            on_page=self._on_page,
        )
        self.progress.start("queries", None)
        subs = self._discover(arm, arg)
        self._tables(arg, subs)
        self.report.arg_queries = arg.queries
        self.progress.finish("queries")
        self._arm_fan_out(arm, subs)
        if o.graph:
            self._graph(graph)

    def _on_page(self, n: int) -> None:
        self.report.arg_pages += n
        self.progress.advance("queries", n)

    def _root_scopes(self) -> list[str]:
        o = self.options
        if o.management_groups:
            return [
                f"/providers/Microsoft.Management/managementGroups/{m}" for m in o.management_groups
            ]
        if o.subscriptions:
            return [f"/subscriptions/{s}" for s in o.subscriptions]
        return ["tenant"]

    def _discover(self, arm: HttpClient, arg: ResourceGraph) -> list[str]:
        """Subscription ids in scope (their container rows are kept) and management groups."""
        o = self.options
        st = self._state
        q = table_query("resourcecontainers", (SUBSCRIPTION,))
        if o.subscriptions:
            found, errors = arg.query_subscriptions(q, list(o.subscriptions), o.batch_size)
            subs = list(dict.fromkeys(s.lower() for s in o.subscriptions))
            for sub, exc in errors.items():
                st.cover("subscriptions", f"/subscriptions/{sub}", _status(exc), exc.reason())
            for sub in subs:
                if sub not in {e.lower() for e in errors}:
                    st.cover("subscriptions", f"/subscriptions/{sub}", CoverageStatus.COMPLETE)
        else:
            try:
                result = arg.query(q, management_groups=list(o.management_groups) or None)
            except ApiError as exc:
                # Nothing to list per subscription; Graph and tenant-level rows still are.
                for scope in self._root_scopes():
                    st.cover("subscriptions", scope, _status(exc), exc.reason())
                st.done.add("subscriptions")
                self._discover_mgs(arg)
                return []
            found = result.rows
            subs = [_sub_of(head(r)) for r in found]
            if result.subscription_limit_hit:
                # Tenant scope sees only the first 10,000 subscriptions: list the rest over ARM
                # and read their container rows in batches.
                known = set(subs)
                extra: list[str] = []
                try:
                    for page in arm.list_paged("/subscriptions", {"api-version": "2022-12-01"}):
                        extra.extend(str(s.get("subscriptionId", "")).lower() for s in page)
                except ApiError as exc:
                    # Those listed before the error are still queried.
                    stopped = ApiError(
                        exc.status,
                        TRUNCATED,
                        "subscriptions beyond the tenant-scope cap could not all be listed: "
                        + exc.reason(),
                        exc.url,
                    )
                    result.stopped = result.stopped or stopped
                extra = [s for s in extra if s and s not in known]
                more, _errors = arg.query_subscriptions(q, extra, o.batch_size)
                found += more
                subs += extra
            for scope in self._root_scopes():
                if result.stopped is not None:
                    st.cover(
                        "subscriptions",
                        scope,
                        CoverageStatus.PARTIAL,
                        result.stopped.reason(),
                        count=len(found),
                    )
                else:
                    st.cover("subscriptions", scope, CoverageStatus.COMPLETE, count=len(found))
            if o.management_groups:
                # Rules look coverage up by subscription id, which an MG scope does not prefix.
                for sub in subs:
                    st.cover("subscriptions", f"/subscriptions/{sub}", CoverageStatus.COMPLETE)
        st.rows.extend(found)
        for r in found:
            tid = head(r).text("tenantId")
            if tid and not self._tenant_id:
                self._tenant_id = tid
        st.done.add("subscriptions")
        self._discover_mgs(arg)
        return list(dict.fromkeys(s for s in subs if s))

    def _discover_mgs(self, arg: ResourceGraph) -> None:
        st = self._state
        # Management groups: the whole visible hierarchy (chains above the assessed scope matter).
        try:
            mg_result = arg.query(table_query("resourcecontainers", (MANAGEMENT_GROUP,)))
            mgs = mg_result.rows
            st.rows.extend(mgs)
            if mg_result.stopped is not None:
                st.cover(
                    "managementGroups",
                    "tenant",
                    CoverageStatus.PARTIAL,
                    mg_result.stopped.reason(),
                    count=len(mgs),
                )
            else:
                st.cover("managementGroups", "tenant", CoverageStatus.COMPLETE, count=len(mgs))
        except ApiError as exc:
            st.cover("managementGroups", "tenant", _status(exc), exc.reason())
        st.done.add("managementGroups")

    def _tables(self, arg: ResourceGraph, subs: Sequence[str]) -> None:
        o = self.options
        st = self._state
        for tq in TABLES:
            rows, errors = arg.query_subscriptions(
                table_query(tq.table, tq.types), subs, o.batch_size
            )
            st.rows.extend(rows)
            lowered = {k.lower(): v for k, v in errors.items()}
            per_col = self._per_collection(arg, tq, lowered)
            if tq.table == "securityresources":
                self._pricing_fallback = {s for s, e in lowered.items() if e.denied}
            for col in tq.collections():
                col_errors = per_col.get(col, lowered)
                for sub in subs:
                    exc = col_errors.get(sub)
                    if sub in self._pricing_fallback and tq.table == "securityresources":
                        continue  # the ARM fallback records this subscription's pricings
                    if exc is None:
                        st.cover(col, f"/subscriptions/{sub}", CoverageStatus.COMPLETE)
                    else:
                        st.cover(col, f"/subscriptions/{sub}", _status(exc), exc.reason())
            if tq.tenant_level:
                self._tenant_level(arg, tq.table, tq.types)
            st.done.update(tq.collections())

    def _per_collection(
        self, arg: ResourceGraph, tq: TableQuery, errors: dict[str, ApiError]
    ) -> dict[str, dict[str, ApiError]]:
        """One query answers several collections (role assignments and definitions...). When
        the service holds some of them only (NotCollected), each collection is asked on its
        own for those subscriptions; the errors per collection are returned ({} when none)."""
        retry = sorted(s for s, e in errors.items() if e.code in NOT_SERVED_CODES)
        cols = tq.collections()
        if not retry or len(cols) < 2:
            return {}
        st = self._state
        out: dict[str, dict[str, ApiError]] = {}
        for col in cols:
            types = tuple(t for t in tq.types if collection_of(t, "") == col)
            rows, errs = arg.query_subscriptions(
                table_query(tq.table, types), retry, self.options.batch_size
            )
            st.rows.extend(rows)
            col_errors = {s: e for s, e in errors.items() if s not in retry}
            col_errors.update({k.lower(): v for k, v in errs.items()})
            out[col] = col_errors
        return out

    def _tenant_level(self, arg: ResourceGraph, table: str, types: Sequence[str]) -> None:
        """Rows of `types` that belong to no subscription (management-group and tenant scope);
        split per collection when the service holds only some of them."""
        st = self._state
        cols = sorted({collection_of(t, "") for t in types})
        query = tenant_level_query(table, types)
        try:
            top_result = arg.query(query)
        except ApiError as exc:
            if exc.code in NOT_SERVED_CODES and len(cols) > 1:
                for col in cols:
                    self._tenant_level(
                        arg, table, [t for t in types if collection_of(t, "") == col]
                    )
                return
            for col in cols:
                st.cover(col, "tenant", _status(exc), exc.reason())
            return
        st.rows.extend(top_result.rows)
        stopped = top_result.stopped
        if ROLE_DEFINITION in types and stopped is None and not top_result.truncated:
            self._cover_builtin_roles(top_result.rows)
        for col in cols:
            if stopped is not None:
                st.cover(col, "tenant", CoverageStatus.PARTIAL, stopped.reason())
            elif top_result.truncated:
                st.cover(
                    col,
                    "tenant",
                    CoverageStatus.PARTIAL,
                    "Resource Graph returned part of the result and no skip token",
                )
            else:
                st.cover(col, "tenant", CoverageStatus.COMPLETE)

    def _cover_builtin_roles(self, rows: Sequence[Row]) -> None:
        """Record whether the tenant's built-in role definitions were read: with them every
        verdict rests on the tenant's own definitions; without them (a Resource Graph that
        leaves them out) built-in roles are judged by aiposture's shipped table. They arrive
        with the tenant-level authorizationresources query: no request of their own."""
        builtin = sum(1 for row in rows if _is_builtin_role(row))
        if builtin:
            self._state.cover(BUILTIN_ROLES, "tenant", CoverageStatus.COMPLETE, count=builtin)
        else:
            self._state.cover(
                BUILTIN_ROLES,
                "tenant",
                CoverageStatus.NOT_COLLECTED,
                "Resource Graph returned no built-in role definitions: built-in roles are "
                "judged by aiposture's shipped table",
            )

    def _arm_fan_out(self, arm: HttpClient, subs: Sequence[str]) -> None:
        st = self._state
        o = self.options
        tasks: list[arm_mod.ListTask] = []
        heads = [head(r) for r in st.rows]
        # Private DNS zone groups are asked for the endpoints of AI resources only: the
        # collection's coverage speaks for those (AIP-NET-019 judges nothing else).
        ai_endpoints = arm_mod.ai_private_endpoints(st.rows)
        for h in heads:
            tasks.extend(
                t
                for t in arm_mod.child_tasks(h)
                if t.collection != "privateDnsZoneGroups" or t.scope.lower() in ai_endpoints
            )
        diag_targets = self._diagnostic_targets(st.rows)
        tasks.extend(arm_mod.diagnostics_task(t) for t in diag_targets)
        for sub in subs:
            tasks.extend(arm_mod.subscription_tasks(sub, pricings=sub in self._pricing_fallback))
        for h in heads:
            if h.text("type").lower() == MANAGEMENT_GROUP and h.text("name"):
                tasks.extend(arm_mod.management_group_tasks(h.text("name")))
        self.progress.start("arm", len(tasks))

        # Per child collection: subscriptions with a listed parent, and those where the service
        # held no parent's children at all (NotCollected): not claimed complete there.
        asked: dict[str, set[str]] = {}
        unheld: dict[str, set[str]] = {}
        held: dict[str, set[str]] = {}

        def done(res: arm_mod.TaskResult) -> None:
            t = res.task
            self.report.arm_calls += 1
            sub = _sub_of_scope(t.scope)
            with st.lock:
                asked.setdefault(t.collection, set()).add(sub)
                if res.error is not None and res.error.code == NOT_COLLECTED:
                    unheld.setdefault(t.collection, set()).add(sub)
                else:
                    held.setdefault(t.collection, set()).add(sub)
            if res.error is not None:
                st.cover(t.collection, t.scope, _status(res.error), res.error.reason())
                if res.rows:  # paging stopped early: what was read is kept
                    with st.lock:
                        st.rows.extend(res.rows)
            else:
                with st.lock:
                    st.rows.extend(res.rows)
                if t.collection in ("diagnosticSettings", "pricings") or t.collection in (
                    SUBSCRIPTION_COLLECTIONS
                ):
                    st.cover(t.collection, t.scope, CoverageStatus.COMPLETE, count=len(res.rows))
            self.progress.advance("arm")

        batch = (
            arm_mod.BatchOptions(
                retries=o.retry_total,
                backoff_factor=o.backoff_factor,
                backoff_max=o.backoff_max,
                budget=o.retry_budget,
            )
            if o.arm_batch
            else None
        )
        arm_mod.fan_out(arm, tasks, o.concurrency, done, batch)
        self.progress.finish("arm")
        unread = {
            c.scope.lower(): c.status
            for c in st.coverage
            if c.collection == "resources" and c.status is not CoverageStatus.COMPLETE
        }
        for sub in subs:
            scope = f"/subscriptions/{sub}"
            status = unread.get(scope)
            if status is not None:
                # Children of resources that were not read were not listed either.
                reason = (
                    "the subscription's resources were only partly returned, so were their "
                    "child resources"
                    if status is CoverageStatus.PARTIAL
                    else "the subscription's resources could not be read, so neither could "
                    "their child resources"
                )
                for col in (*CHILD_COLLECTIONS, "diagnosticSettings"):
                    st.cover(col, scope, status, reason)
                continue
            for col in CHILD_COLLECTIONS:
                not_held = unheld.get(col, set())
                if sub in not_held - held.get(col, set()) or (
                    sub not in asked.get(col, set()) and not_held and not held.get(col)
                ):
                    st.cover(
                        col,
                        scope,
                        CoverageStatus.NOT_COLLECTED,
                        "the service holds no data for this collection (NotCollected)",
                    )
                else:
                    st.cover(col, scope, CoverageStatus.COMPLETE)
            st.cover(
                "diagnosticSettings",
                scope,
                CoverageStatus.PARTIAL,
                "diagnostic settings are read for AI and AI-linked resources, API Management "
                "gateways and the resources rules check them on",
            )
        st.done.update(CHILD_COLLECTIONS)
        st.done.update(("diagnosticSettings", "pricings", *SUBSCRIPTION_COLLECTIONS))

    def _diagnostic_targets(self, rows: list[Row]) -> list[str]:
        """Resources whose diagnostic settings are listed: AI and AI-linked resources, API
        Management gateways, and whatever the caller's selector adds (the CLI passes the
        targets of the rules that need diagnostic settings, run on what Resource Graph
        returned; the collector itself never imports rules)."""
        from aiposture.model.normalize import normalize

        interim = normalize(Snapshot(metadata=Metadata(), resources=rows, origin="live"))
        out = {
            r.id
            for r in interim.all_resources()
            if interim.is_ai(r)
            or interim.is_ai_linked(r.key)
            or r.type == "microsoft.apimanagement/service"
        }
        if self.options.diagnostic_targets is not None:
            out.update(self.options.diagnostic_targets(interim))
        return sorted(i for i in out if "/resourcegroups/" in i.lower())

    def _graph(self, graph: HttpClient) -> None:
        st = self._state
        self.progress.start("graph", len(graph_api.COLLECTIONS) + 1)
        for coll in graph_api.COLLECTIONS:
            name = f"graph.{coll.name}"
            try:
                objs, stopped = graph_api.list_collection(graph, coll, on_page=self._on_graph_page)
                st.graph[coll.name] = objs
                if stopped is not None:
                    st.cover(
                        name, "tenant", CoverageStatus.PARTIAL, stopped.reason(), count=len(objs)
                    )
                else:
                    st.cover(name, "tenant", CoverageStatus.COMPLETE, count=len(objs))
            except ApiError as exc:
                st.cover(name, "tenant", *_graph_gap(exc, coll.permission))
            st.done.add(name)
            self.progress.advance("graph")
        groups = [g["id"] for g in st.graph.get("groups", []) if isinstance(g.get("id"), str)]
        members: list[dict[str, Any]] = []
        errors: list[ApiError] = []

        def one(gid: str) -> None:
            with st.lock:
                self.report.graph_calls += 1
            try:
                got = graph_api.group_members(graph, gid)
            except ApiError as exc:
                with st.lock:
                    errors.append(exc)
                return
            with st.lock:
                members.extend(got)

        if "graph.groups" in {
            c.collection for c in st.coverage if c.status is CoverageStatus.COMPLETE
        }:
            with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
                list(pool.map(one, groups))
            st.graph["groupMembers"] = members
            if (
                errors
                and len(errors) == len(groups)
                and all(e.code == NOT_COLLECTED for e in errors)
            ):
                st.cover(
                    "graph.groupMembers",
                    "tenant",
                    CoverageStatus.NOT_COLLECTED,
                    errors[0].reason(),
                )
            elif errors:
                _unused, reason = _graph_gap(errors[0], graph_api.GROUP_MEMBERS_PERMISSION)
                st.cover(
                    "graph.groupMembers",
                    "tenant",
                    CoverageStatus.PARTIAL,
                    f"{len(errors)} of {len(groups)} groups unreadable: {reason}",
                )
            else:
                st.cover(
                    "graph.groupMembers", "tenant", CoverageStatus.COMPLETE, count=len(members)
                )
        else:
            st.cover(
                "graph.groupMembers",
                "tenant",
                CoverageStatus.NOT_COLLECTED,
                "groups could not be listed",
            )
        st.done.add("graph.groupMembers")
        self.progress.advance("graph")
        self.progress.finish("graph")

    def _on_graph_page(self, n: int) -> None:
        self.report.graph_calls += n

    # ---- result ------------------------------------------------------------------------------

    def _planned(self) -> list[str]:
        cols = ["subscriptions", "managementGroups"]
        for tq in TABLES:
            cols.extend(tq.collections())
        cols.extend((*CHILD_COLLECTIONS, "diagnosticSettings", *SUBSCRIPTION_COLLECTIONS))
        if self.options.graph:
            cols.extend(f"graph.{c.name}" for c in graph_api.COLLECTIONS)
            cols.append("graph.groupMembers")
        return list(dict.fromkeys(cols))

    def _mark_unfinished(self, exc: BaseException) -> None:
        reason = f"collection stopped early: {describe_stop(exc)}"
        for col in self._planned():
            if col not in self._state.done:
                self._state.cover(col, "tenant", CoverageStatus.PARTIAL, reason)

    def _snapshot(self, started: dt.datetime) -> Snapshot:
        st = self._state
        self.report.coverage_gaps = sum(
            1 for c in st.coverage if c.status is not CoverageStatus.COMPLETE
        )
        meta = Metadata(
            tenant_id=self._tenant_id,
            cloud=self.cloud.name,
            collected_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            tool=ToolInfo(),
            source="live",
            scopes=tuple(self._root_scopes()),
        )
        return Snapshot(
            metadata=meta,
            coverage=list(st.coverage),
            resources=list(st.rows),
            graph={k: list(v) for k, v in st.graph.items()},
            origin=f"live ({self.cloud.name})",
        )


def _sub_of(h: RowHead) -> str:
    if h.text("subscriptionId"):
        return h.text("subscriptionId").lower()
    parts = h.text("id").split("/")
    return parts[2].lower() if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def _sub_of_scope(scope: str) -> str:
    parts = scope.lower().split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else ""


def tenant_level_query(table: str, types: Sequence[str]) -> str:
    """The query for rows of `types` that belong to no subscription (management-group and
    tenant scope); shared with the export script (collect/export_script.py)."""
    return " | ".join(
        [
            table,
            f"where type in~ ({_quoted(types)})",
            "where subscriptionId == ''",
            "order by id asc",
        ]
    )


def _quoted(types: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in types)


class _RoleProps(msgspec.Struct):
    type: Any = None


class _RoleRow(msgspec.Struct):
    type: Any = ""
    properties: _RoleProps | None = None


_ROLE_ROW = msgspec.json.Decoder(_RoleRow)


def _is_builtin_role(row: Row) -> bool:
    """A built-in role definition row (properties.type BuiltInRole)."""
    try:
        r = (
            _ROLE_ROW.decode(row)
            if isinstance(row, msgspec.Raw)
            else msgspec.convert(row, _RoleRow)
        )
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    kind = r.properties.type if r.properties is not None else None
    return str(r.type).lower() == ROLE_DEFINITION and str(kind or "").lower() == "builtinrole"


def _status(exc: ApiError) -> CoverageStatus:
    if exc.code == TRUNCATED or exc.code in PARTIAL_CODES:
        return CoverageStatus.PARTIAL
    if exc.code == NOT_COLLECTED:
        return CoverageStatus.NOT_COLLECTED
    return CoverageStatus.DENIED if exc.denied else CoverageStatus.FAILED


def _graph_gap(exc: ApiError, permission: str) -> tuple[CoverageStatus, str]:
    if exc.code == NOT_COLLECTED:
        return CoverageStatus.NOT_COLLECTED, exc.reason()
    if graph_api.is_licence_error(exc):
        return CoverageStatus.NOT_COLLECTED, f"tenant licence does not allow it: {exc.reason()}"
    if exc.denied:
        return (
            CoverageStatus.DENIED,
            f"needs Graph application permission {permission}: {exc.reason()}",
        )
    return CoverageStatus.FAILED, exc.reason()


class LiveSource:
    """`scan --live`: collect, then hand the snapshot to the scan like any other source."""

    def __init__(
        self,
        cloud: Cloud,
        auth: str = "default",
        options: CollectOptions | None = None,
        progress: ProgressSink | None = None,
        credential: TokenCredential | None = None,
    ) -> None:
        self.cloud = cloud
        self.auth = auth
        self.options = options or CollectOptions()
        self.progress = progress
        self.credential = credential
        self.collector: LiveCollector | None = None
        # Kept even when load() raises KeyboardInterrupt, so `collect` can write it (partial).
        self.last_snapshot: Snapshot | None = None

    def describe(self) -> str:
        return f"live collection ({self.cloud.name}, {self.cloud.arm_endpoint})"

    def load(self) -> Snapshot:
        from aiposture.collect.live.credentials import make_credential

        cred = self.credential or make_credential(self.auth, self.cloud)
        self.collector = LiveCollector(self.cloud, cred, self.options, self.progress)
        snap = self.collector.collect()
        self.last_snapshot = snap
        aborted = self.collector.report.aborted
        if isinstance(aborted, KeyboardInterrupt):
            raise aborted
        if aborted is not None and not snap.resource_count:
            raise CollectionError(f"live collection failed: {describe_stop(aborted)}")
        return snap
