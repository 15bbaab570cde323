"""Typed, frozen entities: the inventory after normalization.

Every field is parsed once from Azure's JSON (case-insensitively) in model/normalize.py. `None`
means "absent in the source", which rules interpret with Azure's default. Ids are kept as Azure
gave them in `id`; `key` is the lower-cased id used for every lookup and relation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# GPU VM families (NC, ND, NV, NG) as AKS node pools and ML computes name them.
_GPU_SIZE = re.compile(r"(?i)^standard_n[cdvg]")

# ---------------------------------------------------------------------------------------------
# Building blocks


@dataclass(frozen=True, slots=True)
class UserAssignedIdentityRef:
    resource_id: str
    principal_id: str | None = None
    client_id: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """A resource's `identity` block."""

    type: str = (
        ""  # as given: "", None, SystemAssigned, UserAssigned, "SystemAssigned, UserAssigned"
    )
    principal_id: str | None = None
    tenant_id: str | None = None
    user_assigned: tuple[UserAssignedIdentityRef, ...] = ()

    @property
    def is_managed(self) -> bool:
        t = self.type.replace(" ", "").lower()
        return bool(t and t != "none") or bool(self.principal_id) or bool(self.user_assigned)

    @property
    def principal_ids(self) -> tuple[str, ...]:
        ids = [self.principal_id] if self.principal_id else []
        ids += [u.principal_id for u in self.user_assigned if u.principal_id]
        return tuple(i.lower() for i in ids)


NO_IDENTITY = Identity()


@dataclass(frozen=True, slots=True)
class NetworkAcls:
    default_action: str | None = None  # Allow | Deny (None = absent = Allow)
    bypass: str | None = None
    ip_rules: tuple[str, ...] = ()
    virtual_network_rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PrivateEndpointConnection:
    id: str
    private_endpoint_id: str | None
    status: str | None  # Approved | Pending | Rejected | Disconnected


# ---------------------------------------------------------------------------------------------
# Resources


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """Any ARM resource. Modeled types subclass it; others stay as plain Resource rows."""

    id: str
    key: str
    name: str
    type: str  # lower-case ARM type
    location: str = ""
    subscription_id: str = ""  # lower-case
    resource_group: str = ""  # lower-case
    kind: str = ""
    sku: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    identity: Identity = NO_IDENTITY

    @property
    def parent_key(self) -> str:
        """The lower-cased id of the parent (child resources) or resource group."""
        return self.key.rsplit("/", 2)[0]

    def tag(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.tags.items():
            if k.lower() == low:
                return v
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class CognitiveAccount(Resource):
    """Microsoft.CognitiveServices/accounts (Azure OpenAI, AI Services / Foundry, ...)."""

    public_network_access: str | None = None
    disable_local_auth: bool | None = None
    network_acls: NetworkAcls | None = None
    encryption_key_source: str | None = None
    cmk_key_vault_uri: str | None = None
    restrict_outbound_network_access: bool | None = None
    allowed_fqdn_list: tuple[str, ...] = ()
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()
    custom_subdomain: str | None = None
    endpoint: str | None = None
    user_owned_storage: tuple[str, ...] = ()  # lower-cased storage account ids
    dynamic_throttling_enabled: bool | None = None
    # properties.capabilities[].name (read-only, set by Azure per kind/SKU); None when the row
    # carries no capabilities list at all (an export that dropped it): not the same as [].
    capabilities: tuple[str, ...] | None = None

    @property
    def is_openai_capable(self) -> bool:
        return self.kind.lower() in ("openai", "aiservices")


@dataclass(frozen=True, slots=True)
class ContentFilterSetting:
    name: str  # lower-case, spaces/underscores unified to "_" (e.g. "jailbreak", "indirect_attack")
    source: str  # prompt | completion
    enabled: bool | None
    blocking: bool | None
    severity_threshold: str | None  # low | medium | high (lower-case)


@dataclass(frozen=True, slots=True, kw_only=True)
class RaiPolicy(Resource):
    """accounts/raiPolicies: a content filter configuration."""

    account_key: str
    base_policy_name: str | None = None
    mode: str | None = None  # Default | Deferred | Blocking | Asynchronous_filter
    policy_type: str | None = None  # SystemManaged | UserManaged
    content_filters: tuple[ContentFilterSetting, ...] = ()


@dataclass(frozen=True, slots=True)
class EffectiveContentFilter:
    """What actually filters a deployment's traffic.

    origin: "custom" (a raiPolicy on the account), "microsoft" (a Microsoft default such as
    Microsoft.DefaultV2), "none" (Microsoft.Nil), or "unresolved" (names a custom policy that
    was not collected: rules that need it report UNKNOWN).
    """

    policy_name: str
    origin: str
    mode: str | None = None
    settings: tuple[ContentFilterSetting, ...] = ()
    reason: str = ""

    def setting(self, name: str, source: str) -> ContentFilterSetting | None:
        for s in self.settings:
            if s.name == name and s.source == source:
                return s
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment(Resource):
    """accounts/deployments: a model deployment."""

    account_key: str
    model_format: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    model_publisher: str | None = None
    model_source: str | None = None
    rai_policy_name: str | None = None
    version_upgrade_option: str | None = None
    sku_capacity: int | None = None
    rate_limits: tuple[tuple[str, int | None, int | None], ...] = ()  # (key, count, period s)
    content_filter: EffectiveContentFilter | None = None  # resolved after all rows are read


@dataclass(frozen=True, slots=True, kw_only=True)
class DefenderForAISetting(Resource):
    account_key: str
    state: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MLWorkspace(Resource):
    """Microsoft.MachineLearningServices/workspaces: kind Default, Hub, Project, FeatureStore."""

    public_network_access: str | None = None
    allow_public_access_when_behind_vnet: bool | None = None
    managed_network_isolation: str | None = None
    encryption_status: str | None = None
    storage_account: str | None = None  # lower-cased ids of linked resources
    key_vault: str | None = None
    container_registry: str | None = None
    application_insights: str | None = None
    hub_id: str | None = None
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()
    hbi_workspace: bool | None = None
    system_datastores_auth_mode: str | None = None

    @property
    def linked_keys(self) -> tuple[str, ...]:
        ids = (self.storage_account, self.key_vault, self.container_registry)
        return tuple(i for i in (*ids, self.application_insights) if i)


@dataclass(frozen=True, slots=True, kw_only=True)
class MLCompute(Resource):
    workspace_key: str
    compute_type: str | None = None
    disable_local_auth: bool | None = None
    enable_node_public_ip: bool | None = None
    subnet_id: str | None = None
    vm_size: str | None = None
    ssh_public_access: str | None = None
    remote_login_port_public_access: str | None = None
    is_attached: bool | None = None
    compute_resource_id: str | None = None
    os_image_is_latest: bool | None = None  # properties.osImageMetadata.isLatestOsImageVersion
    idle_time_before_shutdown: str | None = None  # properties.idleTimeBeforeShutdown (ISO 8601)


@dataclass(frozen=True, slots=True, kw_only=True)
class MLModelEndpoint(Resource):
    """A model an Azure ML / Foundry workspace serves: a serverless endpoint
    (workspaces/serverlessEndpoints, properties.modelSettings.modelId) or an online endpoint
    deployment (workspaces/onlineEndpoints/deployments, properties.model). Both are asset ids:
    `azureml://registries/<registry>/models/<name>[/versions/<v>]` for a registry model, a
    workspace model's ARM id or `azureml:<name>:<version>` otherwise."""

    workspace_key: str
    endpoint_kind: str  # "serverless" or "online"
    model_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DatabricksWorkspace(Resource):
    """Microsoft.Databricks/workspaces (REST 2024-05-01): `properties.publicNetworkAccess`
    (Enabled | Disabled), `properties.requiredNsgRules`, `properties.privateEndpointConnections`
    and the creation parameters under `properties.parameters.<name>.value`
    (enableNoPublicIp, customVirtualNetworkId, customPublicSubnetName, customPrivateSubnetName,
    amlWorkspaceId). `parameters_read` is False when the row carried no `parameters` object."""

    public_network_access: str | None = None
    required_nsg_rules: str | None = None
    parameters_read: bool = False
    enable_no_public_ip: bool | None = None
    custom_virtual_network_id: str | None = None  # lower-cased
    custom_public_subnet: str | None = None
    custom_private_subnet: str | None = None
    aml_workspace_id: str | None = None  # lower-cased: the linked Azure ML workspace, if any
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MLConnection(Resource):
    workspace_key: str
    category: str | None = None
    auth_type: str | None = None
    target: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MLDatastore(Resource):
    """Microsoft.MachineLearningServices/workspaces/datastores: a storage target a workspace
    (or Foundry hub / project) reads data from. The list returns the credential TYPE only; the
    secret comes from the listSecrets action, which aiposture never calls."""

    workspace_key: str
    datastore_type: str | None = None  # AzureBlob | AzureDataLakeGen1 | AzureDataLakeGen2 | ...
    credentials_type: str | None = None  # properties.credentials.credentialsType
    is_default: bool | None = None
    account_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchService(Resource):
    public_network_access: str | None = None
    disable_local_auth: bool | None = None
    ip_rules: tuple[str, ...] = ()
    bypass: str | None = None  # networkRuleSet.bypass (2025-05-01): None | AzureServices
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()
    cmk_enforcement: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BotService(Resource):
    """Microsoft.BotService/botServices: an Azure Bot (the channel registration of an agent).

    Properties as in the REST spec (Microsoft.BotService 2022-09-15 / 2023-09-15-preview,
    BotProperties): publicNetworkAccess (Enabled | Disabled | SecuredByPerimeter, default
    Enabled), disableLocalAuth (no default: local auth is on unless true), isCmekEnabled
    (default false), cmekKeyVaultUrl, endpoint (required, nullable), msaAppType
    (UserAssignedMSI | SingleTenant | MultiTenant), msaAppId, msaAppTenantId, tenantId,
    privateEndpointConnections (read-only)."""

    public_network_access: str | None = None
    disable_local_auth: bool | None = None
    is_cmek_enabled: bool | None = None
    cmek_key_vault_url: str | None = None
    endpoint: str | None = None
    endpoint_present: bool = False  # properties.endpoint was in the row (even null)
    msa_app_type: str | None = None
    msa_app_id: str | None = None
    msa_app_tenant_id: str | None = None
    tenant_id: str | None = None
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()


@dataclass(frozen=True, slots=True)
class AgentPool:
    name: str
    mode: str | None
    vm_size: str | None
    count: int | None
    enable_node_public_ip: bool | None
    vnet_subnet_id: str | None

    @property
    def is_gpu(self) -> bool:
        return bool(self.vm_size and _GPU_SIZE.match(self.vm_size))


@dataclass(frozen=True, slots=True, kw_only=True)
class AksCluster(Resource):
    enable_private_cluster: bool | None = None
    authorized_ip_ranges: tuple[str, ...] = ()
    disable_local_accounts: bool | None = None
    aad_managed: bool | None = None
    enable_azure_rbac: bool | None = None
    enable_rbac: bool | None = None
    network_policy: str | None = None
    agent_pools: tuple[AgentPool, ...] = ()

    @property
    def has_gpu_pool(self) -> bool:
        return any(p.is_gpu for p in self.agent_pools)


@dataclass(frozen=True, slots=True, kw_only=True)
class StorageAccount(Resource):
    public_network_access: str | None = None
    network_acls: NetworkAcls | None = None
    allow_blob_public_access: bool | None = None
    allow_shared_key_access: bool | None = None
    minimum_tls_version: str | None = None
    supports_https_traffic_only: bool | None = None
    encryption_key_source: str | None = None
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyVault(Resource):
    public_network_access: str | None = None
    network_acls: NetworkAcls | None = None
    enable_purge_protection: bool | None = None
    enable_soft_delete: bool | None = None
    enable_rbac_authorization: bool | None = None
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class UserAssignedIdentity(Resource):
    """Microsoft.ManagedIdentity/userAssignedIdentities (kept in Inventory.other)."""

    principal_id: str | None = None  # lower-case
    client_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerRegistry(Resource):
    admin_user_enabled: bool | None = None
    public_network_access: str | None = None
    anonymous_pull_enabled: bool | None = None
    network_default_action: str | None = None
    ip_rules: tuple[str, ...] = ()  # networkRuleSet.ipRules[].value


@dataclass(frozen=True, slots=True, kw_only=True)
class AppInsights(Resource):
    workspace_resource_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LogAnalyticsWorkspace(Resource):
    customer_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiManagement(Resource):
    public_network_access: str | None = None
    virtual_network_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiManagementBackend(Resource):
    """service/backends: where an API Management gateway forwards calls (e.g. Azure OpenAI)."""

    service_key: str
    url: str | None = None
    resource_id: str | None = None  # lower-cased ARM id of the Azure resource it points to


@dataclass(frozen=True, slots=True, kw_only=True)
class Subnet(Resource):
    """A subnet (from a virtualNetworks row or a subnets child row)."""

    vnet_key: str
    address_prefix: str | None = None
    nsg_id: str | None = None


@dataclass(frozen=True, slots=True)
class SecurityRule:
    name: str
    direction: str  # inbound | outbound (lower)
    access: str  # allow | deny (lower)
    priority: int | None
    protocol: str | None
    source_prefixes: tuple[str, ...]
    destination_ports: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkSecurityGroup(Resource):
    rules: tuple[SecurityRule, ...] = ()


# AI resource types a private endpoint can connect to (its privateLinkServiceId's type).
AI_PRIVATE_LINK_TYPES = (
    "microsoft.cognitiveservices/accounts",
    "microsoft.machinelearningservices/workspaces",
    "microsoft.search/searchservices",
)


def ai_private_link_type(target_id: str) -> str | None:
    """The AI resource type a private link service id points at, or None."""
    low = target_id.lower()
    for rtype in AI_PRIVATE_LINK_TYPES:
        segment = "/providers/" + rtype + "/"
        at = low.find(segment)
        # The target itself, not a child of it (private link goes to the resource).
        if at >= 0 and "/" not in low[at + len(segment) :]:
            return rtype
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateEndpoint(Resource):
    subnet_id: str | None = None
    target_ids: tuple[str, ...] = ()  # lower-cased private link service ids
    # (lower-cased target id, connection status) per private link service connection
    target_states: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PrivateDnsZoneGroup(Resource):
    """Microsoft.Network/privateEndpoints/privateDnsZoneGroups: the private DNS zones Azure
    keeps the endpoint's A records in (privateDnsZoneConfigs[].privateDnsZoneId)."""

    endpoint_key: str
    zone_ids: tuple[str, ...] = ()  # lower-cased privateDnsZones ids


# ---------------------------------------------------------------------------------------------
# Scopes


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription(Resource):
    subscription_id_value: str = ""
    display_name: str = ""
    state: str | None = None
    mg_ancestors: tuple[str, ...] = ()  # management-group names, immediate parent first


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagementGroup(Resource):
    display_name: str = ""
    parent_name: str | None = None
    ancestors: tuple[str, ...] = ()  # immediate parent first


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceGroup(Resource):
    pass


# ---------------------------------------------------------------------------------------------
# Authorization


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleAssignment(Resource):
    principal_id: str  # lower-case
    principal_type: str | None  # User | Group | ServicePrincipal | ForeignGroup | Device
    role_definition_id: str  # lower-case full id
    role_definition_guid: str  # lower-case last segment
    scope: str  # lower-case
    condition: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Permission:
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    data_actions: tuple[str, ...] = ()
    not_data_actions: tuple[str, ...] = ()
    condition: str | None = None  # ABAC condition on the block (e.g. which roles it may assign)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleDefinition(Resource):
    role_name: str
    guid: str  # lower-case last segment of the id
    role_type: str | None = None  # BuiltInRole | CustomRole
    description: str | None = None
    assignable_scopes: tuple[str, ...] = ()
    permissions: tuple[Permission, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleEligibility(Resource):
    """Azure RBAC PIM eligibility schedule (Microsoft.Authorization/roleEligibilitySchedules)."""

    principal_id: str
    role_definition_guid: str
    scope: str
    end_date_time: str | None = None


# ---------------------------------------------------------------------------------------------
# Monitoring and governance


@dataclass(frozen=True, slots=True)
class LogSetting:
    category: str | None
    category_group: str | None
    enabled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosticSetting(Resource):
    target_key: str  # the resource (or subscription) the setting belongs to
    workspace_id: str | None = None
    storage_account_id: str | None = None
    event_hub_rule_id: str | None = None
    logs: tuple[LogSetting, ...] = ()
    metrics: tuple[LogSetting, ...] = ()  # category (AllMetrics) and enabled

    @property
    def has_destination(self) -> bool:
        return bool(self.workspace_id or self.storage_account_id or self.event_hub_rule_id)

    def sends(self, *categories: str, groups: tuple[str, ...] = ("alllogs",)) -> bool:
        """True when every given category (or one of the groups) is enabled."""
        on_groups = {(s.category_group or "").lower() for s in self.logs if s.enabled}
        if any(g in on_groups for g in groups):
            return True
        on = {(s.category or "").lower() for s in self.logs if s.enabled}
        return bool(categories) and all(c.lower() in on for c in categories)

    def sends_metrics(self, category: str = "AllMetrics") -> bool:
        return any(
            (m.category or "").lower() == category.lower() and m.enabled for m in self.metrics
        )


@dataclass(frozen=True, slots=True)
class PricingExtension:
    name: str
    is_enabled: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pricing(Resource):
    """Defender for Cloud plan for one subscription (name = plan, e.g. AI, CloudPosture)."""

    plan: str
    pricing_tier: str | None = None
    sub_plan: str | None = None
    extensions: tuple[PricingExtension, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyAssignment(Resource):
    display_name: str | None = None
    policy_definition_id: str = ""  # lower-case
    scope: str = ""  # lower-case
    not_scopes: tuple[str, ...] = ()  # lower-case
    enforcement_mode: str | None = None  # Default | DoNotEnforce
    parameters: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PolicySetMember:
    definition_guid: str  # lower-case last segment of the member's policyDefinitionId
    effect: str | None = None  # a literal effect value, when the member fixes one
    effect_parameter: str | None = None  # the initiative parameter feeding its effect


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicySetDefinition(Resource):
    """An initiative (built-in or custom): its members and parameter defaults."""

    members: tuple[PolicySetMember, ...] = ()
    parameter_defaults: Mapping[str, object] = field(default_factory=dict)  # lower-case names


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyExemption(Resource):
    policy_assignment_id: str = ""
    scope: str = ""
    exemption_category: str | None = None
    expires_on: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyState(Resource):
    compliance_state: str | None = None
    policy_assignment_id: str | None = None
    policy_definition_id: str | None = None
    resource_id: str = ""  # lower-case


@dataclass(frozen=True, slots=True, kw_only=True)
class SentinelOnboarding(Resource):
    workspace_key: str


# ---------------------------------------------------------------------------------------------
# Microsoft Graph (Entra ID)


@dataclass(frozen=True, slots=True)
class Credential:
    kind: str  # password | certificate
    key_id: str | None
    display_name: str | None
    start: str | None  # ISO 8601
    end: str | None


@dataclass(frozen=True, slots=True)
class Principal:
    """A user, group, service principal or managed identity (Graph object)."""

    id: str  # lower-case object id
    kind: str  # user | group | servicePrincipal | managedIdentity
    display_name: str = ""
    app_id: str | None = None
    user_type: str | None = None  # Member | Guest (users)
    user_principal_name: str | None = None
    service_principal_type: str | None = None  # Application | ManagedIdentity | Legacy
    account_enabled: bool | None = None
    app_owner_tenant_id: str | None = None
    credentials: tuple[Credential, ...] = ()

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "").lower() == "guest" or (
            self.kind == "user" and "#ext#" in (self.user_principal_name or "").lower()
        )


@dataclass(frozen=True, slots=True)
class DirectoryRoleAssignment:
    principal_id: str
    role_definition_id: str  # template id, lower-case
    directory_scope_id: str = "/"
    eligible: bool = False


@dataclass(frozen=True, slots=True)
class ConditionalAccessPolicy:
    id: str
    display_name: str
    state: str  # enabled | disabled | enabledForReportingButNotEnforced
    include_users: tuple[str, ...] = ()
    exclude_users: tuple[str, ...] = ()
    include_groups: tuple[str, ...] = ()
    include_roles: tuple[str, ...] = ()
    include_applications: tuple[str, ...] = ()
    exclude_applications: tuple[str, ...] = ()
    built_in_controls: tuple[str, ...] = ()  # lower-case
    has_authentication_strength: bool = False


@dataclass(frozen=True, slots=True)
class GroupMembership:
    group_id: str
    member_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Tenant(Resource):
    """The tenant itself, as the target of tenant-wide rules (Conditional Access, ...)."""

    tenant_id: str = ""


@dataclass(frozen=True, slots=True)
class PropertyChange:
    """One property of a change record: its path and the values before and after (as Resource
    Graph gives them, usually strings; None when absent)."""

    path: str
    before: object = None
    after: object = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceChange:
    """A Resource Graph `resourcechanges` row (type Microsoft.Resources/changes): which resource
    changed, how, who changed it, when and through which client. Kept apart from resources: a
    change record is not a resource and never feeds a rule."""

    id: str
    target_key: str  # lower-cased id of the changed resource
    target_type: str  # lower case
    change_type: str  # Create | Update | Delete
    timestamp: str  # ISO 8601
    changed_by: str = ""
    changed_by_type: str = ""
    client_type: str = ""
    operation: str = ""
    changes: tuple[PropertyChange, ...] = ()
