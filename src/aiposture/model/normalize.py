"""Raw snapshot rows -> typed Inventory, in one streaming pass plus a resolution pass.

Rows are routed by their lower-cased `type`; child resources find their parent from their `id`.
Property names are read case-insensitively (model/props.py). Unknown types are kept as plain
Resource rows, counted, and ignored by rules.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiposture.errors import InputError
from aiposture.model import props as p
from aiposture.model.content_filters import resolve_content_filter
from aiposture.model.entities import (
    NO_IDENTITY,
    AgentPool,
    AksCluster,
    ApiManagement,
    ApiManagementBackend,
    AppInsights,
    BotService,
    CognitiveAccount,
    ConditionalAccessPolicy,
    ContainerRegistry,
    ContentFilterSetting,
    Credential,
    DatabricksWorkspace,
    DefenderForAISetting,
    Deployment,
    DiagnosticSetting,
    DirectoryRoleAssignment,
    GroupMembership,
    Identity,
    KeyVault,
    LogAnalyticsWorkspace,
    LogSetting,
    ManagementGroup,
    MLCompute,
    MLConnection,
    MLDatastore,
    MLModelEndpoint,
    MLWorkspace,
    NetworkAcls,
    NetworkSecurityGroup,
    Permission,
    PolicyAssignment,
    PolicyExemption,
    PolicySetDefinition,
    PolicySetMember,
    PolicyState,
    Pricing,
    PricingExtension,
    Principal,
    PrivateDnsZoneGroup,
    PrivateEndpoint,
    PrivateEndpointConnection,
    PropertyChange,
    RaiPolicy,
    Resource,
    ResourceChange,
    ResourceGroup,
    RoleDefinition,
    RoleEligibility,
    SearchService,
    SecurityRule,
    SentinelOnboarding,
    StorageAccount,
    Subnet,
    Subscription,
    UserAssignedIdentity,
    UserAssignedIdentityRef,
)
from aiposture.model.inventory import CoverageIndex, Inventory
from aiposture.model.snapshot import Snapshot

Row = Mapping[str, Any]
Handler = Callable[[Inventory, Row, dict[str, Any]], None]
_intern = sys.intern
# Shared by every untagged row (entities are frozen; nothing mutates tags).
_NO_TAGS: dict[str, str] = {}


def normalize(snapshot: Snapshot, progress: Callable[[int], None] | None = None) -> Inventory:
    inv = Inventory(metadata=snapshot.metadata, coverage=CoverageIndex(snapshot.coverage))
    origin = snapshot.origin or "snapshot"
    handlers = _HANDLERS
    for i, row in enumerate(snapshot.iter_resources()):
        if progress is not None and i % 10000 == 0:
            progress(i)
        rid = row.get("id")
        rtype = row.get("type")
        if rid is None:
            rid = p.get(row, "id") or p.get(row, "resourceId")
        if rtype is None:
            rtype = p.get(row, "type") or p.get(row, "resourceType")
        if not isinstance(rid, str) or not rid:
            raise InputError(
                f"{origin}: resources[{i}] has no `id`; every ARM resource row needs its id "
                "(re-export with the id column, e.g. `| project id, type, ...`)"
            )
        if not isinstance(rtype, str) or not rtype:
            rtype = infer_type(row, rid)
            if rtype is None:
                raise InputError(
                    f"{origin}: resources[{i}] ({rid}) has no `type`; every ARM resource row "
                    "needs its type (re-export with the type column)"
                )
        tl = rtype.lower()
        base = _base(row, rid, tl)
        handler = handlers.get(tl)
        if handler is None:
            inv.other.append(Resource(**base))
            inv.other_type_counts[tl] += 1
        else:
            handler(inv, row, base)
    # A streamed file carries its coverage after the rows: index it once they are read.
    inv.coverage = CoverageIndex(snapshot.coverage)
    inv.metadata = snapshot.metadata  # and its final redaction count
    for name, objs in snapshot.graph.items():
        _normalize_graph(inv, name, objs, origin)
    _resolve(inv)
    return inv


# ---------------------------------------------------------------------------------------------
# Common parsing


def infer_type(row: Row, rid: str) -> str | None:
    """Type (lower case) of a row that carries none.

    `az role assignment list` rows (flat principalId / roleDefinitionId / scope) are role
    assignments. Otherwise the type follows from the ARM id, as ARM builds ids from types:
    after the last `/providers/<Namespace>`, type and name segments alternate
    (`.../providers/Microsoft.CognitiveServices/accounts/a/raiPolicies/p` is
    `microsoft.cognitiveservices/accounts/raipolicies`; Microsoft's own REST examples of
    raiPolicies carry no `type`). `/subscriptions/<id>` and `.../resourceGroups/<rg>` are the
    resource containers. An id that is none of these gives None.
    """
    if p.has(row, "principalId") and p.has(row, "roleDefinitionId"):
        return "microsoft.authorization/roleassignments"
    return type_from_id(rid)


def type_from_id(rid: str) -> str | None:
    """The ARM resource type an id names, lower case, or None when it is not an ARM id."""
    parts = [x for x in rid.lower().split("/") if x]
    if not parts or not rid.startswith("/"):
        return None
    if "providers" in parts:
        at = len(parts) - 1 - parts[::-1].index("providers")
        rest = parts[at + 1 :]
        # namespace, then (type, name) pairs: an odd count of 3 or more
        if len(rest) < 3 or len(rest) % 2 == 0:
            return None
        return "/".join([rest[0], *rest[1::2]])
    if len(parts) == 2 and parts[0] == "subscriptions":
        return "microsoft.resources/subscriptions"
    if len(parts) == 4 and parts[0] == "subscriptions" and parts[2] == "resourcegroups":
        return "microsoft.resources/subscriptions/resourcegroups"
    return None


def _base(row: Row, rid: str, tl: str) -> dict[str, Any]:
    key = rid.lower()
    parts = key.split("/")
    # Shared by many rows: one copy each (a million-resource tenant has millions of rows).
    sub = _intern(parts[2]) if len(parts) > 2 and parts[1] == "subscriptions" else ""
    rg = _intern(parts[4]) if len(parts) > 4 and parts[3] == "resourcegroups" else ""
    tl = _intern(tl)
    if tl != "microsoft.authorization/roleassignments":
        # Role assignments scoped to this resource (usually several) then share its key, and
        # its id (model/role_assignments.py keeps the scope part of theirs interned).
        key = _intern(key)
        rid = _intern(rid)
    name = row.get("name")
    if not isinstance(name, str):
        name = p.text(p.get(row, "name")) or rid.rstrip("/").rsplit("/", 1)[-1]
    # ARM and Resource Graph spell the envelope in lower case; a row with a literal `id` key is
    # such a row, so absent keys are absent (no case-insensitive scan: this is the hot path).
    get = row.get if "id" in row else lambda k: p.get(row, k)
    sku = get("sku")
    ident = get("identity")
    tags = get("tags")
    location = get("location")
    kind = get("kind")
    if sku is None:
        sku_name = ""  # most rows: skip the (slow) Mapping check
    else:
        sku_name = (p.text(p.get(sku, "name")) or "") if isinstance(sku, Mapping) else ""
    return {
        "id": rid,
        "key": key,
        "name": name,
        "type": tl,
        "location": location if isinstance(location, str) else "",
        "subscription_id": sub,
        "resource_group": rg,
        "kind": kind if isinstance(kind, str) else "",
        "sku": sku_name,
        "tags": p.str_map(tags) if tags else _NO_TAGS,
        "identity": _identity(ident) if ident else NO_IDENTITY,
    }


def _identity(raw: object) -> Identity:
    if not isinstance(raw, Mapping):
        return NO_IDENTITY
    uai: list[UserAssignedIdentityRef] = []
    ua = p.get(raw, "userAssignedIdentities")
    if isinstance(ua, Mapping):
        for rid, info in ua.items():
            uai.append(
                UserAssignedIdentityRef(
                    resource_id=str(rid).lower(),
                    principal_id=p.lower(p.get(info, "principalId")),
                    client_id=p.lower(p.get(info, "clientId")),
                )
            )
    return Identity(
        type=p.text(p.get(raw, "type")) or "",
        principal_id=p.lower(p.get(raw, "principalId")),
        tenant_id=p.lower(p.get(raw, "tenantId")),
        user_assigned=tuple(uai),
    )


def _props(row: Row) -> Mapping[str, Any]:
    props = p.get(row, "properties")
    return props if isinstance(props, Mapping) else {}


def _acls(raw: object) -> NetworkAcls | None:
    if not isinstance(raw, Mapping):
        return None
    return NetworkAcls(
        default_action=p.text(p.get(raw, "defaultAction")),
        bypass=p.text(p.get(raw, "bypass")),
        ip_rules=tuple(
            v
            for v in (p.text(p.get(r, "value")) for r in p.dicts(p.get(raw, "ipRules")))
            if v is not None
        )
        + p.strings(p.get(raw, "ipRules")),
        virtual_network_rules=tuple(
            v.lower()
            for v in (p.text(p.get(r, "id")) for r in p.dicts(p.get(raw, "virtualNetworkRules")))
            if v is not None
        ),
    )


def _pecs(raw: object) -> tuple[PrivateEndpointConnection, ...]:
    out = []
    for c in p.dicts(raw):
        cp = _props(c) or c
        out.append(
            PrivateEndpointConnection(
                id=p.text(p.get(c, "id")) or "",
                private_endpoint_id=p.lower(p.path(cp, "privateEndpoint.id")),
                status=p.text(p.path(cp, "privateLinkServiceConnectionState.status")),
            )
        )
    return tuple(out)


def _parent(key: str, levels: int = 1) -> str:
    """Lower-cased id of the parent `levels` child-levels up (each level is two segments)."""
    return key.rsplit("/", 2 * levels)[0]


# ---------------------------------------------------------------------------------------------
# Handlers (one per modeled type)


def _account(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    enc = p.get(pr, "encryption")
    inv.accounts[base["key"]] = CognitiveAccount(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        disable_local_auth=p.boolean(p.get(pr, "disableLocalAuth")),
        network_acls=_acls(p.get(pr, "networkAcls")),
        encryption_key_source=p.text(p.get(enc, "keySource")),
        cmk_key_vault_uri=p.text(p.path(enc, "keyVaultProperties.keyVaultUri")),
        restrict_outbound_network_access=p.boolean(p.get(pr, "restrictOutboundNetworkAccess")),
        allowed_fqdn_list=p.strings(p.get(pr, "allowedFqdnList")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
        custom_subdomain=p.text(p.get(pr, "customSubDomainName")),
        endpoint=p.text(p.get(pr, "endpoint")),
        user_owned_storage=tuple(
            v.lower()
            for v in (
                p.text(p.get(s, "resourceId")) for s in p.dicts(p.get(pr, "userOwnedStorage"))
            )
            if v
        ),
        dynamic_throttling_enabled=p.boolean(p.get(pr, "dynamicThrottlingEnabled")),
        capabilities=_capabilities(p.get(pr, "capabilities")),
    )


def _capabilities(raw: object) -> tuple[str, ...] | None:
    """properties.capabilities[].name; None when the row carries no list at all."""
    if not isinstance(raw, list):
        return None
    return tuple(n for n in (p.text(p.get(c, "name")) for c in p.dicts(raw)) if n)


def _deployment(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    model = p.get(pr, "model")
    sku = p.get(row, "sku")
    limits = []
    for rl in p.dicts(p.get(pr, "rateLimits")):
        limits.append(
            (
                p.text(p.get(rl, "key")) or "",
                p.integer(p.get(rl, "count")),
                p.integer(p.get(rl, "renewalPeriod")),
            )
        )
    inv.deployments[base["key"]] = Deployment(
        **base,
        account_key=_parent(base["key"]),
        model_format=p.text(p.get(model, "format")),
        model_name=p.text(p.get(model, "name")),
        model_version=p.text(p.get(model, "version")),
        model_publisher=p.text(p.get(model, "publisher")),
        model_source=p.text(p.get(model, "source")),
        rai_policy_name=p.text(p.get(pr, "raiPolicyName")),
        version_upgrade_option=p.text(p.get(pr, "versionUpgradeOption")),
        sku_capacity=p.integer(p.get(sku, "capacity")),
        rate_limits=tuple(limits),
    )


def filter_name(name: str) -> str:
    n = name.strip().lower().replace(" ", "_").replace("-", "_")
    return {"self_harm": "selfharm", "indirectattack": "indirect_attack"}.get(n, n)


def parse_filter_settings(raw: object) -> tuple[ContentFilterSetting, ...]:
    out = []
    for f in p.dicts(raw):
        name = p.text(p.get(f, "name"))
        if not name:
            continue
        out.append(
            ContentFilterSetting(
                name=filter_name(name),
                source=(p.lower(p.get(f, "source")) or "prompt"),
                enabled=p.boolean(p.get(f, "enabled")),
                blocking=p.boolean(p.get(f, "blocking")),
                severity_threshold=p.lower(
                    p.get(f, "severityThreshold") or p.get(f, "allowedContentLevel")
                ),
            )
        )
    return tuple(out)


def _rai_policy(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.rai_policies[base["key"]] = RaiPolicy(
        **base,
        account_key=_parent(base["key"]),
        base_policy_name=p.text(p.get(pr, "basePolicyName")),
        mode=p.text(p.get(pr, "mode")),
        policy_type=p.text(p.get(pr, "type")),
        content_filters=parse_filter_settings(p.get(pr, "contentFilters")),
    )


def _defender_for_ai(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    account_key = _parent(base["key"])
    inv.defender_for_ai[account_key] = DefenderForAISetting(
        **base, account_key=account_key, state=p.text(p.get(_props(row), "state"))
    )


def _other_ai(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    inv.other_ai[base["key"]] = Resource(**base)


def _workspace(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    mn = p.get(pr, "managedNetwork")
    inv.workspaces[base["key"]] = MLWorkspace(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        allow_public_access_when_behind_vnet=p.boolean(
            p.get(pr, "allowPublicAccessWhenBehindVnet")
        ),
        managed_network_isolation=p.text(p.get(mn, "isolationMode")),
        encryption_status=p.text(p.path(pr, "encryption.status")),
        storage_account=p.lower(p.get(pr, "storageAccount")),
        key_vault=p.lower(p.get(pr, "keyVault")),
        container_registry=p.lower(p.get(pr, "containerRegistry")),
        application_insights=p.lower(p.get(pr, "applicationInsights")),
        hub_id=p.lower(p.get(pr, "hubResourceId")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
        hbi_workspace=p.boolean(p.get(pr, "hbiWorkspace")),
        system_datastores_auth_mode=p.text(p.get(pr, "systemDatastoresAuthMode")),
    )


def _compute(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inner = p.get(pr, "properties")
    inv.computes[base["key"]] = MLCompute(
        **base,
        workspace_key=_parent(base["key"]),
        compute_type=p.text(p.get(pr, "computeType")),
        disable_local_auth=p.boolean(p.get(pr, "disableLocalAuth")),
        enable_node_public_ip=p.boolean(p.get(inner, "enableNodePublicIp")),
        subnet_id=p.lower(p.path(inner, "subnet.id")),
        vm_size=p.text(p.get(inner, "vmSize")),
        ssh_public_access=p.text(p.path(inner, "sshSettings.sshPublicAccess")),
        remote_login_port_public_access=p.text(p.get(inner, "remoteLoginPortPublicAccess")),
        is_attached=p.boolean(p.get(pr, "isAttachedCompute")),
        compute_resource_id=p.lower(p.get(pr, "resourceId")),
        os_image_is_latest=p.boolean(p.path(inner, "osImageMetadata.isLatestOsImageVersion")),
        idle_time_before_shutdown=p.text(p.get(inner, "idleTimeBeforeShutdown")),
    )


def _datastore(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.datastores[base["key"]] = MLDatastore(
        **base,
        workspace_key=_parent(base["key"]),
        datastore_type=p.text(p.get(pr, "datastoreType")),
        credentials_type=p.text(p.path(pr, "credentials.credentialsType")),
        is_default=p.boolean(p.get(pr, "isDefault")),
        account_name=p.text(p.get(pr, "accountName")),
    )


def _connection(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.connections[base["key"]] = MLConnection(
        **base,
        workspace_key=_parent(base["key"]),
        category=p.text(p.get(pr, "category")),
        auth_type=p.text(p.get(pr, "authType")),
        target=p.text(p.get(pr, "target")),
    )


def _serverless_endpoint(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.other_ai[base["key"]] = MLModelEndpoint(
        **base,
        workspace_key=_parent(base["key"]),
        endpoint_kind="serverless",
        model_id=p.text(p.path(pr, "modelSettings.modelId")),
    )


def _online_deployment(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.other_ai[base["key"]] = MLModelEndpoint(
        **base,
        workspace_key=_parent(base["key"], 2),
        endpoint_kind="online",
        model_id=p.text(p.get(pr, "model")),
    )


def _databricks(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    params = p.get(pr, "parameters")

    def param(name: str) -> Any:
        return p.get(p.get(params, name), "value")

    inv.other_ai[base["key"]] = DatabricksWorkspace(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        required_nsg_rules=p.text(p.get(pr, "requiredNsgRules")),
        parameters_read=isinstance(params, Mapping),
        enable_no_public_ip=p.boolean(param("enableNoPublicIp")),
        custom_virtual_network_id=p.lower(param("customVirtualNetworkId")),
        custom_public_subnet=p.text(param("customPublicSubnetName")),
        custom_private_subnet=p.text(param("customPrivateSubnetName")),
        aml_workspace_id=p.lower(param("amlWorkspaceId")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
    )


def _search(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.search_services[base["key"]] = SearchService(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        disable_local_auth=p.boolean(p.get(pr, "disableLocalAuth")),
        ip_rules=tuple(
            v
            for v in (
                p.text(p.get(r, "value")) for r in p.dicts(p.path(pr, "networkRuleSet.ipRules"))
            )
            if v
        ),
        bypass=p.text(p.path(pr, "networkRuleSet.bypass")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
        cmk_enforcement=p.text(p.path(pr, "encryptionWithCmk.enforcement")),
    )


def _bot_service(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.bot_services[base["key"]] = BotService(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        disable_local_auth=p.boolean(p.get(pr, "disableLocalAuth")),
        is_cmek_enabled=p.boolean(p.get(pr, "isCmekEnabled")),
        cmek_key_vault_url=p.text(p.get(pr, "cmekKeyVaultUrl")),
        endpoint=p.text(p.get(pr, "endpoint")),
        endpoint_present=p.has(pr, "endpoint"),
        msa_app_type=p.text(p.get(pr, "msaAppType")),
        msa_app_id=p.text(p.get(pr, "msaAppId")),
        msa_app_tenant_id=p.text(p.get(pr, "msaAppTenantId")),
        tenant_id=p.text(p.get(pr, "tenantId")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
    )


def _aks(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    api = p.get(pr, "apiServerAccessProfile")
    aad = p.get(pr, "aadProfile")
    pools = []
    for ap in p.dicts(p.get(pr, "agentPoolProfiles")):
        pools.append(
            AgentPool(
                name=p.text(p.get(ap, "name")) or "",
                mode=p.text(p.get(ap, "mode")),
                vm_size=p.text(p.get(ap, "vmSize")),
                count=p.integer(p.get(ap, "count")),
                enable_node_public_ip=p.boolean(p.get(ap, "enableNodePublicIP")),
                vnet_subnet_id=p.lower(p.get(ap, "vnetSubnetID")),
            )
        )
    inv.aks_clusters[base["key"]] = AksCluster(
        **base,
        enable_private_cluster=p.boolean(p.get(api, "enablePrivateCluster")),
        authorized_ip_ranges=p.strings(p.get(api, "authorizedIPRanges")),
        disable_local_accounts=p.boolean(p.get(pr, "disableLocalAccounts")),
        aad_managed=p.boolean(p.get(aad, "managed")) if isinstance(aad, Mapping) else None,
        enable_azure_rbac=p.boolean(p.get(aad, "enableAzureRBAC")),
        enable_rbac=p.boolean(p.get(pr, "enableRBAC")),
        network_policy=p.text(p.path(pr, "networkProfile.networkPolicy")),
        agent_pools=tuple(pools),
    )


def _storage(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.storage_accounts[base["key"]] = StorageAccount(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        network_acls=_acls(p.get(pr, "networkAcls")),
        allow_blob_public_access=p.boolean(p.get(pr, "allowBlobPublicAccess")),
        allow_shared_key_access=p.boolean(p.get(pr, "allowSharedKeyAccess")),
        minimum_tls_version=p.text(p.get(pr, "minimumTlsVersion")),
        supports_https_traffic_only=p.boolean(p.get(pr, "supportsHttpsTrafficOnly")),
        encryption_key_source=p.text(p.path(pr, "encryption.keySource")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
    )


def _key_vault(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.key_vaults[base["key"]] = KeyVault(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        network_acls=_acls(p.get(pr, "networkAcls")),
        enable_purge_protection=p.boolean(p.get(pr, "enablePurgeProtection")),
        enable_soft_delete=p.boolean(p.get(pr, "enableSoftDelete")),
        enable_rbac_authorization=p.boolean(p.get(pr, "enableRbacAuthorization")),
        private_endpoint_connections=_pecs(p.get(pr, "privateEndpointConnections")),
    )


def _registry(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.registries[base["key"]] = ContainerRegistry(
        **base,
        admin_user_enabled=p.boolean(p.get(pr, "adminUserEnabled")),
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        anonymous_pull_enabled=p.boolean(p.get(pr, "anonymousPullEnabled")),
        network_default_action=p.text(p.path(pr, "networkRuleSet.defaultAction")),
        ip_rules=tuple(
            v
            for v in (
                p.text(p.get(r, "value")) for r in p.dicts(p.path(pr, "networkRuleSet.ipRules"))
            )
            if v
        ),
    )


def _app_insights(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    inv.app_insights[base["key"]] = AppInsights(
        **base, workspace_resource_id=p.lower(p.get(_props(row), "WorkspaceResourceId"))
    )


def _log_workspace(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    inv.log_workspaces[base["key"]] = LogAnalyticsWorkspace(
        **base, customer_id=p.text(p.get(_props(row), "customerId"))
    )


def _apim(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.api_managements[base["key"]] = ApiManagement(
        **base,
        public_network_access=p.text(p.get(pr, "publicNetworkAccess")),
        virtual_network_type=p.text(p.get(pr, "virtualNetworkType")),
    )


def _apim_backend(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    # resourceId is "https://management.azure.com/subscriptions/..." or a bare ARM id.
    target = p.lower(p.get(pr, "resourceId"))
    if target and "/subscriptions/" in target:
        target = "/subscriptions/" + target.split("/subscriptions/", 1)[1]
    inv.apim_backends[base["key"]] = ApiManagementBackend(
        **base,
        service_key=_parent(base["key"]),
        url=p.text(p.get(pr, "url")),
        resource_id=target,
    )


def _subnet_entity(base: dict[str, Any], vnet_key: str, pr: Mapping[str, Any]) -> Subnet:
    return Subnet(
        **base,
        vnet_key=vnet_key,
        address_prefix=p.text(p.get(pr, "addressPrefix")),
        nsg_id=p.lower(p.path(pr, "networkSecurityGroup.id")),
    )


def _vnet(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    inv.other.append(Resource(**base))
    inv.other_type_counts[base["type"]] += 1
    for sn in p.dicts(p.get(_props(row), "subnets")):
        sid = p.text(p.get(sn, "id"))
        if not sid:
            continue
        sb = _base(sn, sid, "microsoft.network/virtualnetworks/subnets")
        inv.subnets[sb["key"]] = _subnet_entity(sb, base["key"], _props(sn))


def _subnet(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    inv.subnets[base["key"]] = _subnet_entity(base, _parent(base["key"]), _props(row))


def _nsg(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    rules = []
    for r in p.dicts(p.get(pr, "securityRules")) + p.dicts(p.get(pr, "defaultSecurityRules")):
        rp = _props(r) or r
        prefixes = list(p.strings(p.get(rp, "sourceAddressPrefixes")))
        single = p.text(p.get(rp, "sourceAddressPrefix"))
        if single:
            prefixes.append(single)
        ports = list(p.strings(p.get(rp, "destinationPortRanges")))
        sport = p.text(p.get(rp, "destinationPortRange"))
        if sport:
            ports.append(sport)
        rules.append(
            SecurityRule(
                name=p.text(p.get(r, "name")) or "",
                direction=p.lower(p.get(rp, "direction")) or "",
                access=p.lower(p.get(rp, "access")) or "",
                priority=p.integer(p.get(rp, "priority")),
                protocol=p.text(p.get(rp, "protocol")),
                source_prefixes=tuple(prefixes),
                destination_ports=tuple(ports),
            )
        )
    inv.nsgs[base["key"]] = NetworkSecurityGroup(**base, rules=tuple(rules))


def _private_endpoint(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    targets = []
    states: list[tuple[str, str | None]] = []
    for key in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for c in p.dicts(p.get(pr, key)):
            cp = _props(c) or c
            t = p.lower(p.path(cp, "privateLinkServiceId"))
            if t:
                targets.append(t)
                states.append((t, p.text(p.path(cp, "privateLinkServiceConnectionState.status"))))
    inv.private_endpoints[base["key"]] = PrivateEndpoint(
        **base,
        subnet_id=p.lower(p.path(pr, "subnet.id")),
        target_ids=tuple(targets),
        target_states=tuple(states),
    )


def _dns_zone_group(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    zones = tuple(
        z
        for z in (
            p.lower(p.path(_props(c) or c, "privateDnsZoneId"))
            for c in p.dicts(p.get(pr, "privateDnsZoneConfigs"))
        )
        if z
    )
    endpoint = _parent(base["key"])
    inv.dns_zone_groups[endpoint].append(
        PrivateDnsZoneGroup(**base, endpoint_key=endpoint, zone_ids=zones)
    )


def _subscription(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    sub_id = (
        p.lower(p.get(row, "subscriptionId"))
        or p.lower(p.get(pr, "subscriptionId"))
        or base["key"].split("/")[2]
    )
    chain = tuple(
        n
        for n in (
            p.text(p.get(a, "name")) for a in p.dicts(p.get(pr, "managementGroupAncestorsChain"))
        )
        if n
    )
    display = p.text(p.get(row, "displayName")) or p.text(p.get(pr, "displayName")) or base["name"]
    inv.subscriptions[sub_id] = Subscription(
        **{**base, "subscription_id": sub_id},
        subscription_id_value=sub_id,
        display_name=display,
        state=p.text(p.get(row, "state")) or p.text(p.get(pr, "state")),
        mg_ancestors=chain,
    )


def _management_group(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    details = p.get(pr, "details")
    chain = tuple(
        n
        for n in (
            p.text(p.get(a, "name"))
            for a in p.dicts(p.get(details, "managementGroupAncestorsChain"))
        )
        if n
    )
    parent = p.text(p.path(details, "parent.name"))
    inv.management_groups[base["name"].lower()] = ManagementGroup(
        **base,
        display_name=p.text(p.get(pr, "displayName")) or base["name"],
        parent_name=parent.lower() if parent else None,
        ancestors=chain,
    )


def _resource_group(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    inv.resource_groups[base["key"]] = ResourceGroup(**base)


def _role_assignment(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = row.get("properties") if type(row) is dict else None
    if type(pr) is not dict or not pr:
        pr = _props(row) or row  # `az role assignment list` rows are flat
    # Usually most rows of a tenant: when the bag is spelled as ARM spells it, absent keys are
    # absent (skip the case-insensitive scan); repeated ids are interned to save memory.
    get = pr.get if type(pr) is dict and "principalId" in pr else lambda k: p.get(pr, k)
    rd = get("roleDefinitionId")
    rd = _intern(rd.lower() if isinstance(rd, str) else "")
    scope = get("scope")
    if isinstance(scope, str):
        scope = scope.lower()
    else:
        scope = p.lower(scope)
        if scope is None:
            scope = base["key"].split("/providers/microsoft.authorization/roleassignments/", 1)[0]
    scope = _intern(scope.rstrip("/") or "/")
    pid = get("principalId")
    ptype = get("principalType")
    # Columnar (model/role_assignments.py): no entity per row, the id kept once.
    inv.role_assignments.add(
        base,
        principal_id=_intern(pid.lower() if isinstance(pid, str) else ""),
        principal_type=_intern(ptype) if isinstance(ptype, str) else None,
        role_definition_id=rd,
        role_definition_guid=_intern(rd.rsplit("/", 1)[-1]),
        scope=scope,
        condition=p.text(get("condition")),
        description=p.text(get("description")),
    )


def _role_definition(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row) or row
    perms = []
    for perm in p.dicts(p.get(pr, "permissions")):
        perms.append(
            Permission(
                actions=p.strings(p.get(perm, "actions")),
                not_actions=p.strings(p.get(perm, "notActions")),
                data_actions=p.strings(p.get(perm, "dataActions")),
                not_data_actions=p.strings(p.get(perm, "notDataActions")),
                condition=p.text(p.get(perm, "condition")),
            )
        )
    guid = base["key"].rsplit("/", 1)[-1]
    inv.role_definitions[guid] = RoleDefinition(
        **base,
        role_name=p.text(p.get(pr, "roleName")) or base["name"],
        guid=guid,
        role_type=p.text(p.get(pr, "type")) or p.text(p.get(pr, "roleType")),
        description=p.text(p.get(pr, "description")),
        assignable_scopes=tuple(s.lower() for s in p.strings(p.get(pr, "assignableScopes"))),
        permissions=tuple(perms),
    )


def _role_eligibility(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row) or row
    rd = p.lower(p.get(pr, "roleDefinitionId")) or ""
    inv.role_eligibilities.append(
        RoleEligibility(
            **base,
            principal_id=p.lower(p.get(pr, "principalId")) or "",
            role_definition_guid=rd.rsplit("/", 1)[-1],
            scope=(p.lower(p.get(pr, "scope")) or "").rstrip("/") or "/",
            end_date_time=p.text(p.get(pr, "endDateTime")),
        )
    )


def _diagnostic_setting(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    target = base["key"].split("/providers/microsoft.insights/diagnosticsettings/", 1)[0]
    logs = []
    for entry in p.dicts(p.get(pr, "logs")):
        logs.append(
            LogSetting(
                category=p.text(p.get(entry, "category")),
                category_group=p.text(p.get(entry, "categoryGroup")),
                enabled=p.boolean(p.get(entry, "enabled")) is True,
            )
        )
    metrics = tuple(
        LogSetting(
            category=p.text(p.get(entry, "category")),
            category_group=None,
            enabled=p.boolean(p.get(entry, "enabled")) is True,
        )
        for entry in p.dicts(p.get(pr, "metrics"))
    )
    inv.diagnostic_settings[target].append(
        DiagnosticSetting(
            **base,
            target_key=target,
            workspace_id=p.lower(p.get(pr, "workspaceId")),
            storage_account_id=p.lower(p.get(pr, "storageAccountId")),
            event_hub_rule_id=p.lower(p.get(pr, "eventHubAuthorizationRuleId")),
            logs=tuple(logs),
            metrics=metrics,
        )
    )


def _pricing(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    exts = tuple(
        PricingExtension(
            name=p.text(p.get(e, "name")) or "", is_enabled=p.boolean(p.get(e, "isEnabled"))
        )
        for e in p.dicts(p.get(pr, "extensions"))
    )
    plan = base["name"]
    inv.pricings[base["subscription_id"]][plan.lower()] = Pricing(
        **base,
        plan=plan,
        pricing_tier=p.text(p.get(pr, "pricingTier")),
        sub_plan=p.text(p.get(pr, "subPlan")),
        extensions=exts,
    )


def _policy_assignment(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    scope = (
        p.lower(p.get(pr, "scope"))
        or base["key"].split("/providers/microsoft.authorization/policyassignments/", 1)[0]
    )
    params = p.get(pr, "parameters")
    inv.policy_assignments.append(
        PolicyAssignment(
            **base,
            display_name=p.text(p.get(pr, "displayName")),
            policy_definition_id=p.lower(p.get(pr, "policyDefinitionId")) or "",
            scope=scope.rstrip("/") or "/",
            not_scopes=tuple(s.lower().rstrip("/") for s in p.strings(p.get(pr, "notScopes"))),
            enforcement_mode=p.text(p.get(pr, "enforcementMode")),
            parameters=dict(params) if isinstance(params, Mapping) else {},
        )
    )


_PARAM_REF = re.compile(r"parameters\(\s*'([^']+)'\s*\)", re.IGNORECASE)


def _policy_set_definition(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    members = []
    for m in p.dicts(p.get(pr, "policyDefinitions")):
        guid = (p.lower(p.get(m, "policyDefinitionId")) or "").rstrip("/").rsplit("/", 1)[-1]
        effect_raw = None
        params = p.get(m, "parameters")
        for name in ("effect", "effects"):
            value = p.get(p.get(params, name), "value")
            if isinstance(value, str):
                effect_raw = value
                break
        ref = _PARAM_REF.search(effect_raw) if effect_raw else None
        members.append(
            PolicySetMember(
                definition_guid=guid,
                effect=None if ref or effect_raw is None else effect_raw,
                effect_parameter=ref.group(1) if ref else None,
            )
        )
    defaults = {}
    declared = p.get(pr, "parameters")
    if isinstance(declared, Mapping):
        for name, spec in declared.items():
            default = p.get(spec, "defaultValue")
            if default is not None:
                defaults[str(name).lower()] = default
    inv.policy_set_definitions[base["key"]] = PolicySetDefinition(
        **base, members=tuple(members), parameter_defaults=defaults
    )


def _policy_exemption(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.policy_exemptions.append(
        PolicyExemption(
            **base,
            policy_assignment_id=p.lower(p.get(pr, "policyAssignmentId")) or "",
            scope=base["key"].split("/providers/microsoft.authorization/policyexemptions/", 1)[0],
            exemption_category=p.text(p.get(pr, "exemptionCategory")),
            expires_on=p.text(p.get(pr, "expiresOn")),
        )
    )


def _policy_state(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.policy_states.append(
        PolicyState(
            **base,
            compliance_state=p.text(p.get(pr, "complianceState")),
            policy_assignment_id=p.lower(p.get(pr, "policyAssignmentId")),
            policy_definition_id=p.lower(p.get(pr, "policyDefinitionId")),
            resource_id=p.lower(p.get(pr, "resourceId")) or "",
        )
    )


def _user_assigned_identity(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    pr = _props(row)
    inv.other.append(
        UserAssignedIdentity(
            **base,
            principal_id=p.lower(p.get(pr, "principalId")),
            client_id=p.lower(p.get(pr, "clientId")),
        )
    )
    inv.other_type_counts[base["type"]] += 1


def _sentinel(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    ws = base["key"].split("/providers/microsoft.securityinsights/", 1)[0]
    inv.sentinel[ws] = SentinelOnboarding(**base, workspace_key=ws)


def _solution(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    """OperationsManagement solution SecurityInsights(<ws>) also means Sentinel is on."""
    inv.other.append(Resource(**base))
    inv.other_type_counts[base["type"]] += 1
    ws = p.lower(p.path(_props(row), "workspaceResourceId"))
    if ws and base["name"].lower().startswith("securityinsights"):
        inv.sentinel.setdefault(ws, SentinelOnboarding(**base, workspace_key=ws))


def _resource_change(inv: Inventory, row: Row, base: dict[str, Any]) -> None:
    """A `resourcechanges` row: kept as a change record, not as a resource."""
    pr = _props(row)
    attrs = p.get(pr, "changeAttributes")
    changes = p.get(pr, "changes")
    inv.resource_changes.append(
        ResourceChange(
            id=base["id"],
            target_key=p.lower(p.get(pr, "targetResourceId")) or "",
            target_type=p.lower(p.get(pr, "targetResourceType")) or "",
            change_type=p.text(p.get(pr, "changeType")) or "",
            timestamp=p.text(p.get(attrs, "timestamp")) or "",
            changed_by=p.text(p.get(attrs, "changedBy")) or "",
            changed_by_type=p.text(p.get(attrs, "changedByType")) or "",
            client_type=p.text(p.get(attrs, "clientType")) or "",
            operation=p.text(p.get(attrs, "operation")) or "",
            changes=tuple(
                PropertyChange(
                    path=str(k),
                    before=p.get(v, "previousValue"),
                    after=p.get(v, "newValue"),
                )
                for k, v in (changes.items() if isinstance(changes, Mapping) else ())
                if isinstance(v, Mapping)
            ),
        )
    )


_HANDLERS: dict[str, Handler] = {
    "microsoft.cognitiveservices/accounts": _account,
    "microsoft.cognitiveservices/accounts/deployments": _deployment,
    "microsoft.cognitiveservices/accounts/raipolicies": _rai_policy,
    "microsoft.cognitiveservices/accounts/defenderforaisettings": _defender_for_ai,
    "microsoft.cognitiveservices/accounts/projects": _other_ai,
    "microsoft.machinelearningservices/workspaces": _workspace,
    "microsoft.machinelearningservices/workspaces/computes": _compute,
    "microsoft.machinelearningservices/workspaces/connections": _connection,
    "microsoft.machinelearningservices/workspaces/datastores": _datastore,
    "microsoft.machinelearningservices/workspaces/onlineendpoints": _other_ai,
    "microsoft.machinelearningservices/workspaces/batchendpoints": _other_ai,
    "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments": _online_deployment,
    "microsoft.machinelearningservices/workspaces/serverlessendpoints": _serverless_endpoint,
    "microsoft.machinelearningservices/registries": _other_ai,
    "microsoft.search/searchservices": _search,
    "microsoft.databricks/workspaces": _databricks,
    "microsoft.botservice/botservices": _bot_service,
    "microsoft.containerservice/managedclusters": _aks,
    "microsoft.storage/storageaccounts": _storage,
    "microsoft.keyvault/vaults": _key_vault,
    "microsoft.containerregistry/registries": _registry,
    "microsoft.insights/components": _app_insights,
    "microsoft.operationalinsights/workspaces": _log_workspace,
    "microsoft.apimanagement/service": _apim,
    "microsoft.apimanagement/service/backends": _apim_backend,
    "microsoft.network/virtualnetworks": _vnet,
    "microsoft.network/virtualnetworks/subnets": _subnet,
    "microsoft.network/networksecuritygroups": _nsg,
    "microsoft.network/privateendpoints": _private_endpoint,
    "microsoft.network/privateendpoints/privatednszonegroups": _dns_zone_group,
    "microsoft.resources/subscriptions": _subscription,
    "microsoft.management/managementgroups": _management_group,
    "microsoft.resources/subscriptions/resourcegroups": _resource_group,
    "microsoft.resources/resourcegroups": _resource_group,
    "microsoft.authorization/roleassignments": _role_assignment,
    "microsoft.authorization/roledefinitions": _role_definition,
    "microsoft.authorization/roleeligibilityschedules": _role_eligibility,
    "microsoft.authorization/roleeligibilityscheduleinstances": _role_eligibility,
    "microsoft.insights/diagnosticsettings": _diagnostic_setting,
    "microsoft.security/pricings": _pricing,
    "microsoft.authorization/policyassignments": _policy_assignment,
    "microsoft.authorization/policyexemptions": _policy_exemption,
    "microsoft.authorization/policysetdefinitions": _policy_set_definition,
    "microsoft.policyinsights/policystates": _policy_state,
    "microsoft.securityinsights/onboardingstates": _sentinel,
    "microsoft.managedidentity/userassignedidentities": _user_assigned_identity,
    "microsoft.operationsmanagement/solutions": _solution,
    "microsoft.resources/changes": _resource_change,
}


# ---------------------------------------------------------------------------------------------
# Microsoft Graph


def _credentials(obj: Row) -> list[Credential]:
    creds = []
    for kind, key in (("password", "passwordCredentials"), ("certificate", "keyCredentials")):
        for c in p.dicts(p.get(obj, key)):
            creds.append(
                Credential(
                    kind=kind,
                    key_id=p.text(p.get(c, "keyId")),
                    display_name=p.text(p.get(c, "displayName")),
                    start=p.text(p.get(c, "startDateTime")),
                    end=p.text(p.get(c, "endDateTime")),
                )
            )
    return creds


def _normalize_graph(inv: Inventory, name: str, objs: Iterable[Row], origin: str) -> None:
    low = name.lower()
    for i, obj in enumerate(objs):
        if not isinstance(obj, Mapping):
            raise InputError(f"{origin}: graph.{name}[{i}] is not a JSON object")
        oid = p.lower(p.get(obj, "id")) or ""
        if low == "serviceprincipals":
            sp_type = p.text(p.get(obj, "servicePrincipalType"))
            inv.principals[oid] = Principal(
                id=oid,
                kind="managedIdentity"
                if (sp_type or "").lower() == "managedidentity"
                else "servicePrincipal",
                display_name=p.text(p.get(obj, "displayName")) or "",
                app_id=p.lower(p.get(obj, "appId")),
                service_principal_type=sp_type,
                account_enabled=p.boolean(p.get(obj, "accountEnabled")),
                app_owner_tenant_id=p.lower(p.get(obj, "appOwnerOrganizationId")),
                credentials=tuple(_credentials(obj)),
            )
        elif low == "applications":
            inv_apps = _APPS_KEY
            apps: dict[str, list[Credential]] = inv.__dict__.setdefault(inv_apps, {})
            app_id = p.lower(p.get(obj, "appId"))
            if app_id:
                apps.setdefault(app_id, []).extend(_credentials(obj))
        elif low == "users":
            inv.principals[oid] = Principal(
                id=oid,
                kind="user",
                display_name=p.text(p.get(obj, "displayName")) or "",
                user_type=p.text(p.get(obj, "userType")),
                user_principal_name=p.text(p.get(obj, "userPrincipalName")),
                account_enabled=p.boolean(p.get(obj, "accountEnabled")),
            )
        elif low == "groups":
            inv.principals[oid] = Principal(
                id=oid, kind="group", display_name=p.text(p.get(obj, "displayName")) or ""
            )
        elif low == "groupmembers":
            gid = p.lower(p.get(obj, "groupId"))
            mid = p.lower(p.get(obj, "memberId"))
            if gid and mid:
                inv.group_memberships.append(GroupMembership(group_id=gid, member_id=mid))
        elif low in ("directoryroleassignments", "roleeligibilityschedules"):
            inv.directory_role_assignments.append(
                DirectoryRoleAssignment(
                    principal_id=p.lower(p.get(obj, "principalId")) or "",
                    role_definition_id=p.lower(p.get(obj, "roleDefinitionId")) or "",
                    directory_scope_id=p.text(p.get(obj, "directoryScopeId")) or "/",
                    eligible=low == "roleeligibilityschedules",
                )
            )
        elif low == "conditionalaccesspolicies":
            cond = p.get(obj, "conditions")
            users = p.get(cond, "users")
            apps_c = p.get(cond, "applications")
            grant = p.get(obj, "grantControls")
            inv.conditional_access_policies.append(
                ConditionalAccessPolicy(
                    id=oid,
                    display_name=p.text(p.get(obj, "displayName")) or "",
                    state=p.text(p.get(obj, "state")) or "",
                    include_users=p.strings(p.get(users, "includeUsers")),
                    exclude_users=p.strings(p.get(users, "excludeUsers")),
                    include_groups=p.strings(p.get(users, "includeGroups")),
                    include_roles=p.strings(p.get(users, "includeRoles")),
                    include_applications=p.strings(p.get(apps_c, "includeApplications")),
                    exclude_applications=p.strings(p.get(apps_c, "excludeApplications")),
                    built_in_controls=tuple(
                        c.lower() for c in p.strings(p.get(grant, "builtInControls"))
                    ),
                    has_authentication_strength=isinstance(
                        p.get(grant, "authenticationStrength"), Mapping
                    ),
                )
            )
        # Unknown graph collections are kept in the snapshot and ignored here.


_APPS_KEY = "_application_credentials"


# ---------------------------------------------------------------------------------------------
# Resolution pass: things that need every row first


def _resolve(inv: Inventory) -> None:
    # Application credentials belong to the app registration; attach them to its principal.
    apps: dict[str, list[Credential]] = inv.__dict__.pop(_APPS_KEY, {})
    if apps:
        for pid, pr in list(inv.principals.items()):
            extra = apps.get(pr.app_id or "")
            if extra:
                inv.principals[pid] = dataclasses.replace(
                    pr, credentials=pr.credentials + tuple(extra)
                )

    # Effective content filter per deployment.
    for key, dep in list(inv.deployments.items()):
        cf = resolve_content_filter(
            dep.rai_policy_name,
            dep.account_key,
            inv.rai_policies,
            inv.coverage.status("raiPolicies", dep.account_key),
        )
        inv.deployments[key] = dataclasses.replace(dep, content_filter=cf)

    # AI-linked resources: what AI resources point to.
    links: dict[str, set[str]] = {}

    def link(target: str | None, source: str) -> None:
        if target:
            links.setdefault(target.lower().rstrip("/"), set()).add(source)

    for ws in inv.workspaces.values():
        for linked in ws.linked_keys:
            link(linked, ws.key)
    for acc in inv.accounts.values():
        for st in acc.user_owned_storage:
            link(st, acc.key)
    for conn in inv.connections.values():
        if conn.target and conn.target.startswith("/subscriptions/"):
            link(conn.target, conn.workspace_key)
    # ...or on which an AI workload's identity holds a role directly (resource scope).
    ai_principals: dict[str, str] = {}
    for res in inv.all_resources():
        if inv.is_ai(res):
            for pid in res.identity.principal_ids:
                ai_principals[pid] = res.key
    if ai_principals:
        ras = inv.role_assignments
        for pid, scope in zip(ras.principal_ids, ras.scopes, strict=True):
            owner = ai_principals.get(pid)
            if owner and (scope in inv.storage_accounts or scope in inv.key_vaults):
                link(scope, owner)
    inv.ai_linked = links
