"""The Contoso AI demo tenant: core landing zone, AI estate and identities.

What is deliberately wrong (and right) is documented in docs/demo-tenant.md. Other parts
(catalog_a, catalog_b, paths) add resources on top, using the handles in `Contoso`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiposture.collect.demo.builder import TenantBuilder, guid

TENANT_ID = "72f988bf-0000-4c3b-9d2a-c0a705ee0001"
LOC = "swedencentral"
LOC2 = "westeurope"

MG_ROOT = TENANT_ID  # the tenant root management group's name is the tenant id


@dataclass
class Contoso:
    """Handles to what the core part created, for the other demo parts."""

    b: TenantBuilder
    subs: dict[str, str] = field(default_factory=dict)  # key -> subscription id
    rgs: dict[str, str] = field(default_factory=dict)  # key -> resource group id
    res: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> row
    principals: dict[str, str] = field(default_factory=dict)  # key -> object id
    law_id: str = ""

    def sub_scope(self, key: str) -> str:
        return f"/subscriptions/{self.subs[key]}"


def _mgs(b: TenantBuilder) -> None:
    root = (MG_ROOT, "Tenant Root Group")
    contoso = ("contoso", "Contoso")
    platform = ("contoso-platform", "Platform")
    lz = ("contoso-landingzones", "Landing zones")
    b.management_group(*root, None, [])
    b.management_group(*contoso, MG_ROOT, [root])
    b.management_group(*platform, "contoso", [contoso, root])
    b.management_group(*lz, "contoso", [contoso, root])
    b.management_group("contoso-corp", "Corp", "contoso-landingzones", [lz, contoso, root])
    b.management_group("contoso-online", "Online", "contoso-landingzones", [lz, contoso, root])
    b.management_group("contoso-sandbox", "Sandbox", "contoso", [contoso, root])


def build(b: TenantBuilder) -> Contoso:
    c = Contoso(b=b)
    _mgs(b)
    root = (MG_ROOT, "Tenant Root Group")
    contoso = ("contoso", "Contoso")
    lz = ("contoso-landingzones", "Landing zones")
    chains = {
        "mgmt": [("contoso-platform", "Platform"), contoso, root],
        "corp": [("contoso-corp", "Corp"), lz, contoso, root],
        "online": [("contoso-online", "Online"), lz, contoso, root],
        "sandbox": [("contoso-sandbox", "Sandbox"), contoso, root],
        "legacy": [root],
    }
    names = {
        "mgmt": "contoso-platform-management",
        "corp": "contoso-corp-ai-prod",
        "online": "contoso-online-chatbot-prod",
        "sandbox": "contoso-sandbox-ai-experiments",
        "legacy": "contoso-legacy-research",
    }
    for key, display in names.items():
        sid = guid("sub", key)
        c.subs[key] = sid
        b.subscription(sid, display, chains[key])

    # ---- platform management: Log Analytics + Sentinel ----------------------------------
    rg_mgmt = c.rgs["mgmt"] = b.resource_group(c.subs["mgmt"], "rg-security-operations", LOC2)
    law = b.resource(
        rg_mgmt,
        "Microsoft.OperationalInsights/workspaces",
        "law-contoso-security",
        LOC2,
        {"customerId": guid("law"), "retentionInDays": 90, "sku": {"name": "PerGB2018"}},
        tags={"owner": "secops@contoso.com", "environment": "prod"},
    )
    c.res["law"] = law
    c.law_id = law["id"]
    b.add(
        {
            "id": f"{law['id']}/providers/Microsoft.SecurityInsights/onboardingStates/default",
            "name": "default",
            "type": "Microsoft.SecurityInsights/onboardingStates",
            "properties": {"customerManagedKey": False},
        }
    )

    # ---- corp: the well-run production AI landing zone ------------------------------------
    rg = c.rgs["corp"] = b.resource_group(c.subs["corp"], "rg-ai-prod", LOC)
    prod_tags = {
        "owner": "ai-platform@contoso.com",
        "environment": "prod",
        "data-classification": "confidential",
        "workload": "ai",
    }
    oai = b.resource(
        rg,
        "Microsoft.CognitiveServices/accounts",
        "oai-contoso-corp-prod",
        LOC,
        {
            "customSubDomainName": "oai-contoso-corp-prod",
            "endpoint": "https://oai-contoso-corp-prod.openai.azure.com/",
            "publicNetworkAccess": "Disabled",
            "disableLocalAuth": True,
            "networkAcls": {"defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []},
            "restrictOutboundNetworkAccess": True,
            "allowedFqdnList": ["srch-contoso-corp.search.windows.net"],
            "encryption": {
                "keySource": "Microsoft.KeyVault",
                "keyVaultProperties": {
                    "keyName": "cmk-oai",
                    "keyVersion": "3f2a",
                    "keyVaultUri": "https://kv-contoso-aihub.vault.azure.net/",
                },
            },
            "privateEndpointConnections": [
                {
                    "id": f"{rg}/providers/Microsoft.CognitiveServices/accounts/"
                    "oai-contoso-corp-prod/privateEndpointConnections/pe-oai-corp",
                    "properties": {
                        "privateEndpoint": {
                            "id": f"{rg}/providers/Microsoft.Network/privateEndpoints/pe-oai-corp"
                        },
                        "privateLinkServiceConnectionState": {"status": "Approved"},
                        "groupIds": ["account"],
                    },
                }
            ],
        },
        kind="OpenAI",
        sku={"name": "S0"},
        identity=b.system_identity("oai-contoso-corp-prod"),
        tags=prod_tags,
    )
    c.res["corp_oai"] = oai
    b.child(
        oai,
        "raiPolicies",
        "contoso-strict",
        {
            "basePolicyName": "Microsoft.DefaultV2",
            "mode": "Blocking",
            "type": "UserManaged",
            "contentFilters": [
                *(
                    {
                        "name": cat,
                        "enabled": True,
                        "blocking": True,
                        "severityThreshold": "Low",
                        "source": src,
                    }
                    for cat in ("Hate", "Sexual", "Violence", "Selfharm")
                    for src in ("Prompt", "Completion")
                ),
                {"name": "Jailbreak", "enabled": True, "blocking": True, "source": "Prompt"},
                {"name": "Indirect Attack", "enabled": True, "blocking": True, "source": "Prompt"},
                {
                    "name": "Protected Material Text",
                    "enabled": True,
                    "blocking": True,
                    "source": "Completion",
                },
            ],
        },
    )
    c.res["corp_gpt4o"] = b.child(
        oai,
        "deployments",
        "gpt-4o-prod",
        {
            "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
            "raiPolicyName": "contoso-strict",
            "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
            "rateLimits": [{"key": "request", "renewalPeriod": 10, "count": 300}],
        },
        sku={"name": "ProvisionedManaged", "capacity": 100},
    )
    c.res["corp_embed"] = b.child(
        oai,
        "deployments",
        "text-embedding-3-large",
        {
            "model": {"format": "OpenAI", "name": "text-embedding-3-large", "version": "1"},
            "versionUpgradeOption": "OnceNewDefaultVersionAvailable",
        },
        sku={"name": "Standard", "capacity": 120},
    )
    b.diagnostic_setting(
        oai["id"],
        "to-law",
        workspace_id=c.law_id,
        logs=[{"categoryGroup": "allLogs", "enabled": True}],
    )

    st_hub = b.resource(
        rg,
        "Microsoft.Storage/storageAccounts",
        "stcontosoaihub",
        LOC,
        {
            "publicNetworkAccess": "Disabled",
            "allowBlobPublicAccess": False,
            "allowSharedKeyAccess": False,
            "minimumTlsVersion": "TLS1_2",
            "supportsHttpsTrafficOnly": True,
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            "encryption": {"keySource": "Microsoft.Storage"},
        },
        kind="StorageV2",
        sku={"name": "Standard_ZRS"},
        tags=prod_tags,
    )
    c.res["corp_storage"] = st_hub
    kv_hub = b.resource(
        rg,
        "Microsoft.KeyVault/vaults",
        "kv-contoso-aihub",
        LOC,
        {
            "tenantId": TENANT_ID,
            "sku": {"family": "A", "name": "premium"},
            "enableRbacAuthorization": True,
            "enablePurgeProtection": True,
            "enableSoftDelete": True,
            "publicNetworkAccess": "Disabled",
            "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
            "vaultUri": "https://kv-contoso-aihub.vault.azure.net/",
        },
        tags=prod_tags,
    )
    c.res["corp_kv"] = kv_hub
    acr = b.resource(
        rg,
        "Microsoft.ContainerRegistry/registries",
        "crcontosoai",
        LOC,
        {
            "adminUserEnabled": False,
            "publicNetworkAccess": "Disabled",
            "anonymousPullEnabled": False,
        },
        sku={"name": "Premium"},
        tags=prod_tags,
    )
    c.res["corp_acr"] = acr
    appi = b.resource(
        rg,
        "Microsoft.Insights/components",
        "appi-contoso-aihub",
        LOC,
        {"Application_Type": "web", "WorkspaceResourceId": c.law_id},
        kind="web",
        tags=prod_tags,
    )
    hub = b.resource(
        rg,
        "Microsoft.MachineLearningServices/workspaces",
        "hub-contoso-corp",
        LOC,
        {
            "friendlyName": "Contoso corp AI hub",
            "publicNetworkAccess": "Disabled",
            "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound"},
            "storageAccount": st_hub["id"],
            "keyVault": kv_hub["id"],
            "containerRegistry": acr["id"],
            "applicationInsights": appi["id"],
            "encryption": {"status": "Enabled"},
        },
        kind="Hub",
        sku={"name": "Basic", "tier": "Basic"},
        identity=b.system_identity("hub-contoso-corp"),
        tags=prod_tags,
    )
    c.res["corp_hub"] = hub
    proj = b.resource(
        rg,
        "Microsoft.MachineLearningServices/workspaces",
        "proj-contoso-rag",
        LOC,
        {
            "friendlyName": "RAG assistant",
            "hubResourceId": hub["id"],
            "storageAccount": st_hub["id"],
            "keyVault": kv_hub["id"],
        },
        kind="Project",
        sku={"name": "Basic", "tier": "Basic"},
        identity=b.system_identity("proj-contoso-rag"),
        tags=prod_tags,
    )
    c.res["corp_project"] = proj
    srch = b.resource(
        rg,
        "Microsoft.Search/searchServices",
        "srch-contoso-corp",
        LOC,
        {
            "publicNetworkAccess": "disabled",
            "disableLocalAuth": True,
            "networkRuleSet": {"ipRules": []},
            "hostingMode": "default",
            "semanticSearch": "standard",
        },
        sku={"name": "standard"},
        identity=b.system_identity("srch-contoso-corp"),
        tags=prod_tags,
    )
    c.res["corp_search"] = srch
    aks = b.resource(
        rg,
        "Microsoft.ContainerService/managedClusters",
        "aks-contoso-inference",
        LOC,
        {
            "kubernetesVersion": "1.31.2",
            "enableRBAC": True,
            "disableLocalAccounts": True,
            "aadProfile": {"managed": True, "enableAzureRBAC": True},
            "apiServerAccessProfile": {"enablePrivateCluster": True},
            "networkProfile": {"networkPlugin": "azure", "networkPolicy": "cilium"},
            "agentPoolProfiles": [
                {"name": "system", "mode": "System", "count": 3, "vmSize": "Standard_D4s_v5"},
                {
                    "name": "gpu",
                    "mode": "User",
                    "count": 2,
                    "vmSize": "Standard_NC24ads_A100_v4",
                    "nodeTaints": ["sku=gpu:NoSchedule"],
                },
            ],
        },
        identity=b.system_identity("aks-contoso-inference"),
        tags=prod_tags,
    )
    c.res["corp_aks"] = aks
    b.pricing(c.subs["corp"], "AI", "Standard", [{"name": "AIPromptEvidence", "isEnabled": "True"}])
    b.pricing(c.subs["corp"], "CloudPosture", "Standard")
    b.pricing(c.subs["corp"], "StorageAccounts", "Standard")

    # ---- online: a public chatbot shipped in a hurry ---------------------------------------
    rg_bot = c.rgs["online"] = b.resource_group(c.subs["online"], "rg-chatbot", LOC2)
    bot_tags = {"owner": "digital@contoso.com", "environment": "prod", "workload": "ai"}
    st_bot = b.resource(
        rg_bot,
        "Microsoft.Storage/storageAccounts",
        "stchatbotdata",
        LOC2,
        {
            "allowBlobPublicAccess": True,
            "minimumTlsVersion": "TLS1_0",
            "supportsHttpsTrafficOnly": True,
            "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
        },
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        tags=bot_tags,
    )
    c.res["bot_storage"] = st_bot
    bot = b.resource(
        rg_bot,
        "Microsoft.CognitiveServices/accounts",
        "ais-contoso-chatbot",
        LOC2,
        {
            "customSubDomainName": "ais-contoso-chatbot",
            "endpoint": "https://ais-contoso-chatbot.cognitiveservices.azure.com/",
            "publicNetworkAccess": "Enabled",
            "userOwnedStorage": [{"resourceId": st_bot["id"]}],
        },
        kind="AIServices",
        sku={"name": "S0"},
        identity=b.system_identity("ais-contoso-chatbot"),
        tags=bot_tags,
    )
    c.res["bot_account"] = bot
    b.child(
        bot,
        "raiPolicies",
        "chatbot-relaxed",
        {
            "basePolicyName": "Microsoft.DefaultV2",
            "mode": "Asynchronous_filter",
            "type": "UserManaged",
            "contentFilters": [
                *(
                    {
                        "name": cat,
                        "enabled": True,
                        "blocking": True,
                        "severityThreshold": "High",
                        "source": src,
                    }
                    for cat in ("Hate", "Sexual", "Violence", "Selfharm")
                    for src in ("Prompt", "Completion")
                ),
                {"name": "Jailbreak", "enabled": True, "blocking": False, "source": "Prompt"},
            ],
        },
    )
    c.res["bot_chat"] = b.child(
        bot,
        "deployments",
        "gpt-4o-mini-chat",
        {
            "model": {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"},
            "raiPolicyName": "Microsoft.Nil",
            "versionUpgradeOption": "OnceCurrentVersionExpired",
        },
        sku={"name": "GlobalStandard", "capacity": 450},
    )
    c.res["bot_legacy"] = b.child(
        bot,
        "deployments",
        "gpt-35-turbo-legacy",
        {
            "model": {"format": "OpenAI", "name": "gpt-35-turbo", "version": "0613"},
            "raiPolicyName": "chatbot-relaxed",
            "versionUpgradeOption": "NoAutoUpgrade",
        },
        sku={"name": "Standard", "capacity": 60},
    )
    b.diagnostic_setting(
        bot["id"],
        "audit-to-storage",
        storage_account_id=st_bot["id"],
        logs=[{"category": "Audit", "enabled": True}],
    )
    srch_bot = b.resource(
        rg_bot,
        "Microsoft.Search/searchServices",
        "srch-chatbot-public",
        LOC2,
        {"publicNetworkAccess": "enabled", "networkRuleSet": {"ipRules": []}},
        sku={"name": "basic"},
        tags=bot_tags,
    )
    c.res["bot_search"] = srch_bot
    b.pricing(c.subs["online"], "AI", "Free")
    b.pricing(c.subs["online"], "CloudPosture", "Free")
    b.pricing(c.subs["online"], "StorageAccounts", "Free")

    # ---- sandbox: experiments with production data -----------------------------------------
    rg_sb = c.rgs["sandbox"] = b.resource_group(c.subs["sandbox"], "rg-ml-experiments", LOC)
    sb_tags = {"owner": "datascience@contoso.com", "environment": "sandbox"}
    st_sb = b.resource(
        rg_sb,
        "Microsoft.Storage/storageAccounts",
        "stsandboxml",
        LOC,
        {"minimumTlsVersion": "TLS1_2"},
        kind="StorageV2",
        sku={"name": "Standard_LRS"},
        tags=sb_tags,
    )
    c.res["sb_storage"] = st_sb
    kv_sb = b.resource(
        rg_sb,
        "Microsoft.KeyVault/vaults",
        "kv-sandbox-ml",
        LOC,
        {
            "tenantId": TENANT_ID,
            "sku": {"family": "A", "name": "standard"},
            "enableSoftDelete": True,
            "accessPolicies": [],
            "vaultUri": "https://kv-sandbox-ml.vault.azure.net/",
        },
        tags=sb_tags,
    )
    c.res["sb_kv"] = kv_sb
    acr_sb = b.resource(
        rg_sb,
        "Microsoft.ContainerRegistry/registries",
        "crsandboxml",
        LOC,
        {"adminUserEnabled": True, "publicNetworkAccess": "Enabled"},
        sku={"name": "Basic"},
        tags=sb_tags,
    )
    c.res["sb_acr"] = acr_sb
    mlw = b.resource(
        rg_sb,
        "Microsoft.MachineLearningServices/workspaces",
        "mlw-sandbox-experiments",
        LOC,
        {
            "friendlyName": "Sandbox experiments",
            "storageAccount": st_sb["id"],
            "keyVault": kv_sb["id"],
            "containerRegistry": acr_sb["id"],
        },
        kind="Default",
        sku={"name": "Basic", "tier": "Basic"},
        identity=b.system_identity("mlw-sandbox-experiments"),
        tags=sb_tags,
    )
    c.res["sb_workspace"] = mlw
    c.res["sb_ci"] = b.child(
        mlw,
        "computes",
        "ci-datascientist-01",
        {
            "computeType": "ComputeInstance",
            "computeLocation": LOC,
            "disableLocalAuth": False,
            "properties": {
                "vmSize": "Standard_DS3_v2",
                "enableNodePublicIp": True,
                "sshSettings": {"sshPublicAccess": "Enabled", "adminUserName": "azureuser"},
            },
        },
        identity=b.system_identity("ci-datascientist-01"),
        location=LOC,
    )
    c.res["sb_gpu"] = b.child(
        mlw,
        "computes",
        "gpu-cluster",
        {
            "computeType": "AmlCompute",
            "computeLocation": LOC,
            "disableLocalAuth": True,
            "properties": {
                "vmSize": "Standard_NC6s_v3",
                "enableNodePublicIp": False,
                "subnet": {
                    "id": f"{rg_sb}/providers/Microsoft.Network/virtualNetworks/"
                    "vnet-sandbox/subnets/snet-ml"
                },
                "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 4},
            },
        },
        location=LOC,
    )
    oai_sb = b.resource(
        rg_sb,
        "Microsoft.CognitiveServices/accounts",
        "oai-sandbox-playground",
        LOC,
        {
            "customSubDomainName": "oai-sandbox-playground",
            "publicNetworkAccess": "Enabled",
            "networkAcls": {
                "defaultAction": "Deny",
                "ipRules": [{"value": "203.0.113.0/24"}],
            },
        },
        kind="OpenAI",
        sku={"name": "S0"},
        tags=sb_tags,
    )
    c.res["sb_oai"] = oai_sb
    c.res["sb_gpt"] = b.child(
        oai_sb,
        "deployments",
        "gpt-4o-playground",
        {
            "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-08-06"},
            "raiPolicyName": "Microsoft.DefaultV2",
        },
        sku={"name": "Standard", "capacity": 10},
    )
    b.pricing(c.subs["sandbox"], "AI", "Free")

    # ---- legacy research subscription, directly under the tenant root ------------------------
    rg_leg = c.rgs["legacy"] = b.resource_group(c.subs["legacy"], "rg-research", LOC2)
    c.res["legacy_oai"] = b.resource(
        rg_leg,
        "Microsoft.CognitiveServices/accounts",
        "oai-research-legacy",
        LOC2,
        {"publicNetworkAccess": "Enabled", "disableLocalAuth": False},
        kind="OpenAI",
        sku={"name": "S0"},
    )

    # Non-AI resources, unmodeled: present in every real tenant and ignored by the rules.
    b.resource(
        rg_mgmt,
        "Microsoft.Compute/virtualMachines",
        "vm-jumpbox-01",
        LOC2,
        {"hardwareProfile": {"vmSize": "Standard_B2s"}},
    )

    _identities(c)
    return c


def _identities(c: Contoso) -> None:
    """Users, groups, service principals and role assignments (some over-privileged)."""
    b = c.b
    admin = c.principals["admin"] = guid("user", "alex.admin")
    ds = c.principals["data_scientist"] = guid("user", "dana.scientist")
    guest = c.principals["guest"] = guid("user", "vendor.guest")
    admins = c.principals["platform_admins"] = guid("group", "platform-admins")
    sp_bot = c.principals["sp_chatbot"] = guid("sp", "sp-chatbot-pipeline")
    sp_mlops = c.principals["sp_mlops"] = guid("sp", "sp-mlops-deploy")
    b.graph_object(
        "users",
        {
            "id": admin,
            "displayName": "Alex Admin",
            "userPrincipalName": "alex.admin@contoso.com",
            "userType": "Member",
            "accountEnabled": True,
        },
    )
    b.graph_object(
        "users",
        {
            "id": ds,
            "displayName": "Dana Scientist",
            "userPrincipalName": "dana.scientist@contoso.com",
            "userType": "Member",
            "accountEnabled": True,
        },
    )
    b.graph_object(
        "users",
        {
            "id": guest,
            "displayName": "Vendor Consultant",
            "userPrincipalName": "consultant_fabrikam.com#EXT#@contoso.onmicrosoft.com",
            "userType": "Guest",
            "accountEnabled": True,
        },
    )
    b.graph_object("groups", {"id": admins, "displayName": "Platform Admins"})
    b.graph_object("groupMembers", {"groupId": admins, "memberId": admin})
    for key, name, app in (
        ("sp_chatbot", "sp-chatbot-pipeline", "chatbot"),
        ("sp_mlops", "sp-mlops-deploy", "mlops"),
    ):
        b.graph_object(
            "servicePrincipals",
            {
                "id": c.principals[key],
                "appId": guid("app", app),
                "displayName": name,
                "servicePrincipalType": "Application",
                "accountEnabled": True,
                "appOwnerOrganizationId": TENANT_ID,
                "passwordCredentials": [],
                "keyCredentials": [],
            },
        )
    b.graph_object(
        "applications",
        {
            "id": guid("appobj", "chatbot"),
            "appId": guid("app", "chatbot"),
            "displayName": "sp-chatbot-pipeline",
            "passwordCredentials": [
                {
                    "keyId": guid("secret", "chatbot"),
                    "displayName": "ci-secret",
                    "startDateTime": "2025-01-10T00:00:00Z",
                    "endDateTime": "2027-01-10T00:00:00Z",
                }
            ],
            "keyCredentials": [],
        },
    )
    b.graph_object(
        "applications",
        {
            "id": guid("appobj", "mlops"),
            "appId": guid("app", "mlops"),
            "displayName": "sp-mlops-deploy",
            "passwordCredentials": [],
            "keyCredentials": [
                {
                    "keyId": guid("cert", "mlops"),
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "startDateTime": "2026-06-01T00:00:00Z",
                    "endDateTime": "2027-05-31T00:00:00Z",
                }
            ],
        },
    )
    # Managed identities appear as service principals of type ManagedIdentity.
    for key, row in c.res.items():
        ident = row.get("identity") or {}
        pid = ident.get("principalId")
        if pid:
            b.graph_object(
                "servicePrincipals",
                {
                    "id": pid,
                    "appId": guid("miapp", key),
                    "displayName": row["name"],
                    "servicePrincipalType": "ManagedIdentity",
                    "accountEnabled": True,
                    "alternativeNames": ["isExplicit=False", row["id"]],
                },
            )

    mg_root = f"/providers/Microsoft.Management/managementGroups/{MG_ROOT}"
    b.role_assignment(mg_root, "Owner", admins, "Group")
    corp = c.sub_scope("corp")
    online = c.sub_scope("online")
    b.role_assignment(
        c.res["corp_oai"]["id"],
        "Cognitive Services OpenAI User",
        c.res["corp_project"]["identity"]["principalId"],
        "ServicePrincipal",
    )
    b.role_assignment(
        c.res["corp_storage"]["id"],
        "Storage Blob Data Contributor",
        c.res["corp_hub"]["identity"]["principalId"],
        "ServicePrincipal",
    )
    b.role_assignment(
        c.res["corp_search"]["id"],
        "Search Index Data Reader",
        c.res["corp_oai"]["identity"]["principalId"],
        "ServicePrincipal",
    )
    # Over-privileged: the chatbot's identity owns every blob in the subscription.
    b.role_assignment(
        online,
        "Storage Blob Data Owner",
        c.res["bot_account"]["identity"]["principalId"],
        "ServicePrincipal",
        description="chatbot needs to read its documents",
    )
    # A pipeline service principal with a client secret and Contributor on the subscription.
    b.role_assignment(online, "Contributor", sp_bot, "ServicePrincipal")
    b.role_assignment(corp, "Cognitive Services OpenAI Contributor", sp_mlops, "ServicePrincipal")
    b.role_assignment(corp, "User Access Administrator", admin, "User")
    b.role_assignment(c.rgs["online"], "Cognitive Services Contributor", guest, "User")
    b.role_assignment(c.rgs["sandbox"], "AzureML Data Scientist", ds, "User")
    b.role_assignment(c.rgs["sandbox"], "Contributor", ds, "User")

    b.graph_object(
        "directoryRoleAssignments",
        {
            "id": guid("dra", "admin-ga"),
            "principalId": admin,
            "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
            "directoryScopeId": "/",
        },
    )
    b.graph_object(
        "conditionalAccessPolicies",
        {
            "id": guid("ca", "mfa-all"),
            "displayName": "Require MFA for all users",
            "state": "enabled",
            "conditions": {
                "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": []},
                "applications": {"includeApplications": ["All"], "excludeApplications": []},
                "clientAppTypes": ["all"],
            },
            "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
        },
    )
