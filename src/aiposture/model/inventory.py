"""The Inventory: every typed entity of a snapshot, with relations resolved and coverage indexed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiposture.model.entities import (
    AksCluster,
    ApiManagement,
    ApiManagementBackend,
    AppInsights,
    BotService,
    CognitiveAccount,
    ConditionalAccessPolicy,
    ContainerRegistry,
    DefenderForAISetting,
    Deployment,
    DiagnosticSetting,
    DirectoryRoleAssignment,
    GroupMembership,
    KeyVault,
    LogAnalyticsWorkspace,
    ManagementGroup,
    MLCompute,
    MLConnection,
    MLDatastore,
    MLWorkspace,
    NetworkSecurityGroup,
    PolicyAssignment,
    PolicyExemption,
    PolicySetDefinition,
    PolicyState,
    Pricing,
    Principal,
    PrivateDnsZoneGroup,
    PrivateEndpoint,
    RaiPolicy,
    Resource,
    ResourceChange,
    ResourceGroup,
    RoleAssignment,
    RoleDefinition,
    RoleEligibility,
    SearchService,
    SentinelOnboarding,
    StorageAccount,
    Subnet,
    Subscription,
)
from aiposture.model.role_assignments import RoleAssignments
from aiposture.model.snapshot import Coverage, Metadata
from aiposture.model.types import CoverageStatus

T = TypeVar("T", bound=Resource)
_M = TypeVar("_M")

# Resource types that are "AI resources" in the catalog's sense (AKS counts when it runs GPU
# pools or is tagged as AI; see Inventory.is_ai).
AI_TYPES = frozenset(
    {
        "microsoft.cognitiveservices/accounts",
        "microsoft.cognitiveservices/accounts/deployments",
        "microsoft.cognitiveservices/accounts/raipolicies",
        "microsoft.cognitiveservices/accounts/projects",
        "microsoft.machinelearningservices/workspaces",
        "microsoft.machinelearningservices/workspaces/computes",
        "microsoft.machinelearningservices/workspaces/connections",
        "microsoft.machinelearningservices/workspaces/datastores",
        "microsoft.machinelearningservices/workspaces/onlineendpoints",
        "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments",
        "microsoft.machinelearningservices/workspaces/batchendpoints",
        "microsoft.machinelearningservices/workspaces/serverlessendpoints",
        "microsoft.machinelearningservices/registries",
        "microsoft.search/searchservices",
        "microsoft.databricks/workspaces",  # an ML platform: every workspace is in scope
        "microsoft.botservice/botservices",
    }
)
AI_TAG_KEYS = ("workload", "ai-workload", "purpose", "app-type", "workload-type")
AI_TAG_VALUES = frozenset({"ai", "ml", "genai", "llm", "machine-learning", "openai", "rag"})


@dataclass(frozen=True, slots=True)
class CoverageAnswer:
    status: CoverageStatus
    reason: str
    scope: str = ""

    @property
    def complete(self) -> bool:
        return self.status is CoverageStatus.COMPLETE


class CoverageIndex:
    """Answers "was collection C read completely for the scope of resource R?".

    The most specific record whose scope contains the resource wins; "tenant" and "file:..."
    scopes contain everything. No record at all means not_collected.
    """

    def __init__(self, records: Iterable[Coverage]) -> None:
        self.records = list(records)
        # Per collection: scope -> its first record ("" = everything). A key's containing
        # scopes are the key itself and its prefixes cut at a "/": a few dict lookups per
        # question instead of a scan of every record (one per subscription on large tenants).
        self._by_collection: dict[str, dict[str, tuple[int, Coverage]]] = defaultdict(dict)
        for n, rec in enumerate(self.records):
            scope = rec.scope.lower().rstrip("/")
            if scope in ("tenant", "") or scope.startswith("file:") or scope == "/":
                scope = ""
            self._by_collection[rec.collection.lower()].setdefault(scope, (n, rec))
        self._answers: dict[tuple[str, int], CoverageAnswer] = {}

    def status(self, collection: str, key: str = "") -> CoverageAnswer:
        index = self._by_collection.get(collection.lower())
        if not index:
            return CoverageAnswer(
                CoverageStatus.NOT_COLLECTED, f"collection '{collection}' was not collected"
            )
        # Usually one tenant-wide record: no prefix of the key needs looking up.
        walk = len(index) > 1 or "" not in index
        found = index.get(key) if walk else None
        end = len(key) if walk else 0
        while found is None and end > 0:
            end = key.rfind("/", 0, end)
            if end < 0:
                break
            found = index.get(key[:end])
        if found is None:
            found = index.get("")
        if found is None:
            return CoverageAnswer(
                CoverageStatus.NOT_COLLECTED,
                f"collection '{collection}' was not collected for this scope",
            )
        n, rec = found
        answer = self._answers.get((collection, n))
        if answer is None:
            reason = rec.reason or f"collection '{collection}' is {rec.status.value}"
            if rec.status is not CoverageStatus.COMPLETE and rec.scope:
                reason = f"{reason} (scope {rec.scope})"
            answer = self._answers[(collection, n)] = CoverageAnswer(rec.status, reason, rec.scope)
        return answer

    def gaps(self) -> list[Coverage]:
        return [r for r in self.records if r.status is not CoverageStatus.COMPLETE]


@dataclass
class Inventory:
    metadata: Metadata
    coverage: CoverageIndex
    accounts: dict[str, CognitiveAccount] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    rai_policies: dict[str, RaiPolicy] = field(default_factory=dict)
    defender_for_ai: dict[str, DefenderForAISetting] = field(default_factory=dict)  # by account
    workspaces: dict[str, MLWorkspace] = field(default_factory=dict)
    computes: dict[str, MLCompute] = field(default_factory=dict)
    connections: dict[str, MLConnection] = field(default_factory=dict)
    datastores: dict[str, MLDatastore] = field(default_factory=dict)
    search_services: dict[str, SearchService] = field(default_factory=dict)
    bot_services: dict[str, BotService] = field(default_factory=dict)
    aks_clusters: dict[str, AksCluster] = field(default_factory=dict)
    storage_accounts: dict[str, StorageAccount] = field(default_factory=dict)
    key_vaults: dict[str, KeyVault] = field(default_factory=dict)
    registries: dict[str, ContainerRegistry] = field(default_factory=dict)
    app_insights: dict[str, AppInsights] = field(default_factory=dict)
    log_workspaces: dict[str, LogAnalyticsWorkspace] = field(default_factory=dict)
    api_managements: dict[str, ApiManagement] = field(default_factory=dict)
    apim_backends: dict[str, ApiManagementBackend] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    nsgs: dict[str, NetworkSecurityGroup] = field(default_factory=dict)
    private_endpoints: dict[str, PrivateEndpoint] = field(default_factory=dict)
    # private endpoint key -> its private DNS zone groups (not resources of their own here)
    dns_zone_groups: dict[str, list[PrivateDnsZoneGroup]] = field(
        default_factory=lambda: defaultdict(list)
    )
    other_ai: dict[str, Resource] = field(default_factory=dict)  # endpoints, projects, registries
    subscriptions: dict[str, Subscription] = field(default_factory=dict)  # by subscription id
    management_groups: dict[str, ManagementGroup] = field(default_factory=dict)  # by MG name
    resource_groups: dict[str, ResourceGroup] = field(default_factory=dict)
    role_assignments: RoleAssignments = field(default_factory=RoleAssignments)  # columnar
    role_definitions: dict[str, RoleDefinition] = field(default_factory=dict)  # by guid
    role_eligibilities: list[RoleEligibility] = field(default_factory=list)
    diagnostic_settings: dict[str, list[DiagnosticSetting]] = field(
        default_factory=lambda: defaultdict(list)
    )  # by target key (resource key or /subscriptions/x)
    pricings: dict[str, dict[str, Pricing]] = field(
        default_factory=lambda: defaultdict(dict)
    )  # subscription id -> plan (lower) -> pricing
    policy_assignments: list[PolicyAssignment] = field(default_factory=list)
    policy_exemptions: list[PolicyExemption] = field(default_factory=list)
    policy_set_definitions: dict[str, PolicySetDefinition] = field(default_factory=dict)  # by key
    policy_states: list[PolicyState] = field(default_factory=list)
    sentinel: dict[str, SentinelOnboarding] = field(default_factory=dict)  # by workspace key
    principals: dict[str, Principal] = field(default_factory=dict)
    directory_role_assignments: list[DirectoryRoleAssignment] = field(default_factory=list)
    conditional_access_policies: list[ConditionalAccessPolicy] = field(default_factory=list)
    group_memberships: list[GroupMembership] = field(default_factory=list)
    other: list[Resource] = field(default_factory=list)  # unmodeled types, kept and counted
    other_type_counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    ai_linked: dict[str, set[str]] = field(default_factory=dict)  # linked key -> AI keys using it
    # Resource Graph change records (who changed what); never read by rules (see history/).
    resource_changes: list[ResourceChange] = field(default_factory=list)

    # ---- lookup ---------------------------------------------------------------------------

    def resource(self, key: str) -> Resource | None:
        key = key.lower()
        for table in self._tables():
            found = table.get(key)
            if found is not None:
                return found
        return None

    def _tables(self) -> tuple[dict[str, Resource], ...]:
        return (
            self.accounts,  # type: ignore[return-value]
            self.deployments,
            self.workspaces,
            self.computes,
            self.search_services,
            self.bot_services,
            self.aks_clusters,
            self.storage_accounts,
            self.key_vaults,
            self.registries,
            self.app_insights,
            self.log_workspaces,
            self.connections,
            self.datastores,
            self.rai_policies,
            self.api_managements,
            self.subnets,
            self.nsgs,
            self.private_endpoints,
            self.other_ai,
        )

    def all_resources(self) -> Iterator[Resource]:
        for table in self._tables():
            yield from table.values()

    def of_type(self, cls: type[T]) -> list[T]:
        table = _TABLE_BY_CLASS.get(cls)
        if table is not None:
            return list(getattr(self, table).values())
        if cls is Subscription:
            return list(self.subscriptions.values())  # type: ignore[arg-type]
        if cls is ManagementGroup:
            return list(self.management_groups.values())  # type: ignore[arg-type]
        if cls is RoleDefinition:
            return list(self.role_definitions.values())  # type: ignore[arg-type]
        if cls is RoleAssignment:
            return list(self.role_assignments)  # type: ignore[arg-type]
        if cls is PolicyAssignment:
            return list(self.policy_assignments)  # type: ignore[arg-type]
        return [r for r in self.all_resources() if isinstance(r, cls)]

    def deployments_of(self, account_key: str) -> list[Deployment]:
        keys = self._children("deployments", self.deployments, "account_key").get(account_key, ())
        return [self.deployments[k] for k in keys]

    def computes_of(self, workspace_key: str) -> list[MLCompute]:
        keys = self._children("computes", self.computes, "workspace_key").get(workspace_key, ())
        return [self.computes[k] for k in keys]

    def _children(self, name: str, table: Mapping[str, Any], attr: str) -> dict[str, list[str]]:
        """parent key -> child keys, built once (a scan per parent is quadratic at scale).
        Keys, not entities, are cached: normalization replaces entities under the same key."""
        cached = self.__dict__.get(f"_children_{name}")
        if cached is not None and cached[0] == len(table):
            return cached[1]  # type: ignore[no-any-return]
        index: dict[str, list[str]] = {}
        for key, child in table.items():
            index.setdefault(getattr(child, attr), []).append(key)
        self.__dict__[f"_children_{name}"] = (len(table), index)
        return index

    def diagnostics_for(self, key: str) -> list[DiagnosticSetting]:
        return self.diagnostic_settings.get(key.lower(), [])

    def pricing(self, subscription_id: str, plan: str) -> Pricing | None:
        return self.pricings.get(subscription_id.lower(), {}).get(plan.lower())

    def mg_chain(self, subscription_id: str) -> tuple[str, ...]:
        """Management-group names above a subscription, immediate parent first."""
        sub = self.subscriptions.get(subscription_id.lower())
        if sub is None:
            return ()
        if sub.mg_ancestors:
            return sub.mg_ancestors
        return ()

    def scope_chain(self, key: str) -> list[str]:
        """Every ARM scope containing `key`, most specific first (resource, RG, sub, MGs, /)."""
        key = key.lower()
        chain = [key]
        parts = key.split("/")
        # /subscriptions/{s}/resourcegroups/{rg}/providers/...
        if len(parts) > 5 and parts[3] == "resourcegroups":
            chain.append("/".join(parts[:5]))
        if len(parts) > 3 and parts[1] == "subscriptions":
            chain.append("/".join(parts[:3]))
        if len(parts) >= 3 and parts[1] == "subscriptions":
            for mg in self.mg_chain(parts[2]):
                chain.append(f"/providers/microsoft.management/managementgroups/{mg.lower()}")
        chain.append("/")
        seen: list[str] = []
        for c in chain:
            if c not in seen:
                seen.append(c)
        return seen

    def memo(self, name: str, build: Callable[[], _M]) -> _M:
        """Per-inventory memo for lookups shared by every target of a rule (targets x rows
        would otherwise be quadratic on large tenants). Build it from the inventory only."""
        key = f"_memo_{name}"
        if key not in self.__dict__:
            self.__dict__[key] = build()
        value: _M = self.__dict__[key]
        return value

    # ---- AI classification ------------------------------------------------------------------

    def is_ai(self, res: Resource) -> bool:
        if res.type in AI_TYPES:
            return True
        if isinstance(res, AksCluster):
            return res.has_gpu_pool or _tagged_ai(res)
        return False

    def ai_resources(self) -> list[Resource]:
        return [r for r in self.all_resources() if self.is_ai(r)]

    def is_ai_linked(self, key: str) -> bool:
        return key.lower() in self.ai_linked

    def subscriptions_hosting(self, types: Iterable[type[Resource]] | None = None) -> set[str]:
        """Subscription ids hosting AI resources (optionally only of the given classes)."""
        classes = tuple(types) if types is not None else None
        out: set[str] = set()
        for r in self.all_resources():
            if not self.is_ai(r):
                continue
            if classes is not None and not isinstance(r, classes):
                continue
            if r.subscription_id:
                out.add(r.subscription_id)
        # A subscription whose resources could not be read may host AI: keep it as a target,
        # so its rules say UNKNOWN (through their coverage gate) instead of vanishing.
        for rec in self.coverage.gaps():
            scope = rec.scope.lower().rstrip("/")
            parts = scope.split("/")
            is_sub = len(parts) == 3 and parts[1] == "subscriptions"
            if rec.collection == "resources" and is_sub and parts[2] in self.subscriptions:
                out.add(parts[2])
        return out


def _tagged_ai(res: Resource) -> bool:
    return any(k.lower() in AI_TAG_KEYS and v.lower() in AI_TAG_VALUES for k, v in res.tags.items())


_TABLE_BY_CLASS: dict[type, str] = {
    CognitiveAccount: "accounts",
    Deployment: "deployments",
    RaiPolicy: "rai_policies",
    MLWorkspace: "workspaces",
    MLCompute: "computes",
    MLConnection: "connections",
    MLDatastore: "datastores",
    SearchService: "search_services",
    BotService: "bot_services",
    AksCluster: "aks_clusters",
    StorageAccount: "storage_accounts",
    KeyVault: "key_vaults",
    ContainerRegistry: "registries",
    AppInsights: "app_insights",
    LogAnalyticsWorkspace: "log_workspaces",
    ApiManagement: "api_managements",
    Subnet: "subnets",
    NetworkSecurityGroup: "nsgs",
    PrivateEndpoint: "private_endpoints",
}
