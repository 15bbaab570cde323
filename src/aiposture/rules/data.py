"""DAT: protection of the data AI uses (encryption, public blob access, ...)."""

from __future__ import annotations

from collections.abc import Iterable

from aiposture.config import Settings
from aiposture.facts.data_stores import customer_storage, datastore_keyless, is_system_datastore
from aiposture.facts.foundry import default_storage_keyless
from aiposture.model.entities import (
    CognitiveAccount,
    KeyVault,
    MLConnection,
    MLDatastore,
    MLWorkspace,
    Resource,
    SearchService,
    StorageAccount,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.common import verdict_from_fact
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    not_applicable,
    passed,
    unknown,
)


@rule(
    id="AIP-DAT-001",
    title="AI services account is not encrypted with a customer-managed key",
    pillar=Pillar.DATA,
    severity=Severity.LOW,
    target=CognitiveAccount,
    remediation=Remediation(
        summary="Encrypt <NAME> with a customer-managed key from a key vault with purge "
        "protection, using the account's managed identity to reach the key.",
        az_cli="az cognitiveservices account update --name <NAME> --resource-group <RG> "
        '--subscription <SUB> --encryption \'{"keySource": "Microsoft.KeyVault", '
        '"keyVaultProperties": {"keyName": "{{KEY_NAME}}", "keyVersion": "{{KEY_VERSION}}", '
        '"keyVaultUri": "https://{{KEY_VAULT_NAME}}.vault.azure.net/"}}\'',
        bicep="resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  identity: { type: 'SystemAssigned' }\n"
        "  properties: {\n    encryption: {\n      keySource: 'Microsoft.KeyVault'\n"
        "      keyVaultProperties: { keyName: keyName, keyVersion: keyVersion, "
        "keyVaultUri: vault.properties.vaultUri }\n    }\n  }\n}",
        terraform='resource "azurerm_cognitive_account_customer_managed_key" "cmk" {\n'
        '  cognitive_account_id = "<ID>"\n'
        "  key_vault_key_id     = azurerm_key_vault_key.cmk.id\n}",
        portal="Azure portal > <NAME> > Resource Management > Encryption > Encryption type: "
        "Customer Managed Keys > select the key vault and key > Save.",
        policy=(
            PolicyFix(
                "67121cc7-ff39-4ab8-b7e3-95b84dab487d",
                "Audit",
                "Azure AI Services resources should encrypt data at rest with a "
                "customer-managed key (CMK)",
            ),
        ),
    ),
    references=Refs(
        mcsb=("DP-5",),
        azure_policy=("67121cc7-ff39-4ab8-b7e3-95b84dab487d",),
        prowler=("aiservices_account_encrypted_with_cmk",),
        checkov=("CKV2_AZURE_22",),
    ),
)
def account_cmk(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Fine-tuning files, uploaded documents, stored completions and assistants' threads sit
    at rest in the service. A customer-managed key lets the organisation revoke access to
    that data and satisfies regulated workloads' key-custody requirements."""
    source = account.encryption_key_source
    evidence = ev("properties.encryption.keySource", source)
    if (source or "").lower() == "microsoft.keyvault":
        return passed("encrypted with a customer-managed key", evidence)
    return failed(
        f"encryption key source is {source or 'absent (Microsoft-managed key)'}", evidence
    )


@rule(
    id="AIP-DAT-003",
    title="Storage account used by AI allows anonymous (public) blob access",
    pillar=Pillar.DATA,
    severity=Severity.HIGH,
    target=StorageAccount,
    target_label="storage account (AI-linked)",
    remediation=Remediation(
        summary="Disallow anonymous blob access on storage account <NAME>.",
        az_cli="az storage account update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --allow-blob-public-access false",
        bicep="resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    allowBlobPublicAccess: false\n  }\n}",
        terraform='resource "azurerm_storage_account" "this" {\n'
        '  name                            = "<NAME>"\n'
        '  resource_group_name             = "<RG>"\n'
        "  allow_nested_items_to_be_public = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Configuration > Allow Blob anonymous "
        "access: Disabled > Save.",
        policy=(
            PolicyFix(
                "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",
                "Deny",
                "Storage account public access should be disallowed",
            ),
        ),
    ),
    references=Refs(
        mcsb=("NS-2", "DP-2"),
        azure_policy=("4fa4b6c0-31ca-4c0d-b10d-24b96f62a751",),
        owasp_llm=("LLM04", "LLM02"),
        atlas=("AML.T0020", "AML.T0070"),
        prowler=("storage_blob_public_access_level_is_disabled",),
        checkov=("CKV_AZURE_190",),
        psrule=("Azure.Storage.BlobPublicAccess",),
    ),
)
def storage_blob_public_access(sa: StorageAccount, ctx: RuleContext) -> Verdict:
    """Training sets, grounding documents and model artefacts in a storage account that
    allows anonymous access are one container ACL away from being readable by anyone, and
    a public container is an open door for data poisoning. When the property is absent older
    API versions treat it as allowed, so only an explicit false passes. FileStorage accounts
    (premium file shares) have no blob service, so there is no container to make public:
    NOT_APPLICABLE (storage account kinds: https://learn.microsoft.com/azure/storage/common/
    storage-account-overview; PSRule's Azure.Storage.BlobPublicAccess likewise skips them)."""
    if sa.kind.lower() == "filestorage":
        return not_applicable("FileStorage account: no blob service")
    value = sa.allow_blob_public_access
    evidence = ev("properties.allowBlobPublicAccess", value)
    if value is False:
        return passed("anonymous blob access is disallowed", evidence)
    return failed(
        "anonymous blob access is "
        + ("allowed" if value else "not explicitly disallowed (property absent)"),
        evidence,
    )


def _workspaces_with_encryption(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    # Hub-based projects are encrypted by their hub; judging them again adds noise.
    return [w for w in inv.workspaces.values() if w.kind.lower() != "project"]


@rule(
    id="AIP-DAT-002",
    title="ML workspace is not encrypted with a customer-managed key",
    pillar=Pillar.DATA,
    severity=Severity.LOW,
    target=MLWorkspace,
    target_label="ML workspace / Foundry hub",
    select=_workspaces_with_encryption,
    remediation=Remediation(
        summary="Customer-managed keys can only be set when a workspace is created: create a "
        "replacement for <NAME> with encryption from a key vault (purge protection on) and move "
        "its assets.",
        az_cli="az ml workspace create --name <NAME>-cmk --resource-group <RG> "
        "--subscription <SUB> --customer-managed-key {{KEY_URI}} --key-vault {{KEY_VAULT_ID}}",
        bicep="resource ws 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  identity: { type: 'SystemAssigned' }\n"
        "  properties: {\n    encryption: {\n      status: 'Enabled'\n"
        "      keyVaultProperties: { keyVaultArmId: keyVaultId, keyIdentifier: keyUri }\n"
        "    }\n  }\n}",
        terraform='resource "azurerm_machine_learning_workspace" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  encryption {\n"
        "    key_vault_id = azurerm_key_vault.cmk.id\n"
        "    key_id       = azurerm_key_vault_key.cmk.id\n"
        "  }\n"
        "  # ... other arguments unchanged (forces a new workspace)\n}",
        portal="Azure portal > Create Azure Machine Learning workspace > Encryption: 'Encrypt "
        "data using a customer-managed key' > select vault and key (existing workspace <NAME> "
        "cannot be switched).",
        policy=(
            PolicyFix(
                "ba769a63-b8cc-4b2d-abf6-ac33c7204be8",
                "Deny",
                "Azure Machine Learning workspaces should be encrypted with a customer-managed key",
            ),
        ),
    ),
    references=Refs(
        mcsb=("DP-5",),
        azure_policy=("ba769a63-b8cc-4b2d-abf6-ac33c7204be8",),
        owasp_llm=("LLM02",),
    ),
)
def workspace_cmk(ws: MLWorkspace, ctx: RuleContext) -> Verdict:
    """Workspace metadata, run history, environments and the Cosmos DB / search instances
    Azure ML provisions for it are encrypted with Microsoft-managed keys unless a
    customer-managed key is configured; regulated training data usually needs key custody and
    revocation. `encryption.status` absent means Disabled."""
    status = ws.encryption_status
    evidence = ev("properties.encryption.status", status)
    if (status or "").lower() == "enabled":
        return passed("encrypted with a customer-managed key", evidence)
    return failed(f"encryption.status is {status or 'absent (Microsoft-managed keys)'}", evidence)


@rule(
    id="AIP-DAT-004",
    title="Storage account used by AI accepts Shared Key (account key / SAS) authorization",
    pillar=Pillar.DATA,
    severity=Severity.MEDIUM,
    target=StorageAccount,
    target_label="storage account (AI-linked)",
    remediation=Remediation(
        summary="Disallow Shared Key authorization on storage account <NAME> after moving its "
        "clients (ML datastores, AI Search indexers, apps) to Entra ID.",
        az_cli="az storage account update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --allow-shared-key-access false",
        bicep="resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    allowSharedKeyAccess: false\n    defaultToOAuthAuthentication: true\n  }\n}",
        terraform='resource "azurerm_storage_account" "this" {\n'
        '  name                            = "<NAME>"\n'
        '  resource_group_name             = "<RG>"\n'
        "  shared_access_key_enabled       = false\n"
        "  default_to_oauth_authentication = true\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Configuration > Allow storage account key "
        "access: Disabled > Save.",
        policy=(
            PolicyFix(
                "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",
                "Deny",
                "Storage accounts should prevent shared key access",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54",),
        owasp_llm=("LLM04", "LLM02"),
        atlas=("AML.T0020",),
        prowler=("storage_account_key_access_disabled",),
        checkov=("CKV2_AZURE_40",),
        psrule=("Azure.Storage.LocalAuth",),
    ),
)
def storage_shared_key(sa: StorageAccount, ctx: RuleContext) -> Verdict:
    """Account keys and the SAS tokens signed with them grant access that RBAC cannot scope
    or revoke per caller and that the logs cannot attribute; anyone who can list keys (every
    Contributor) gets all the AI training and grounding data. `allowSharedKeyAccess` absent is
    equivalent to true."""
    value = sa.allow_shared_key_access
    evidence = ev("properties.allowSharedKeyAccess", value)
    if value is False:
        return passed("Shared Key authorization is disallowed", evidence)
    return failed(
        f"Shared Key authorization is allowed (allowSharedKeyAccess is "
        f"{'absent (true)' if value is None else value})",
        evidence,
    )


_TLS_ORDER = {"tls1_0": 0, "tls1_1": 1, "tls1_2": 2, "tls1_3": 3}


@rule(
    id="AIP-DAT-005",
    title="Storage account used by AI allows old TLS versions or plain HTTP",
    pillar=Pillar.DATA,
    severity=Severity.MEDIUM,
    target=StorageAccount,
    target_label="storage account (AI-linked)",
    remediation=Remediation(
        summary="Require TLS 1.2 or later and HTTPS-only traffic on storage account <NAME>.",
        az_cli="az storage account update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --min-tls-version TLS1_2 --https-only true",
        bicep="resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    minimumTlsVersion: 'TLS1_2'\n    supportsHttpsTrafficOnly: true\n  }\n}",
        terraform='resource "azurerm_storage_account" "this" {\n'
        '  name                       = "<NAME>"\n'
        '  resource_group_name        = "<RG>"\n'
        '  min_tls_version            = "TLS1_2"\n'
        "  https_traffic_only_enabled = true\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Configuration: Secure transfer required "
        "Enabled, Minimum TLS version 'Version 1.2' > Save.",
        policy=(
            PolicyFix(
                "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
                "Deny",
                "Storage accounts should have the specified minimum TLS version",
            ),
            PolicyFix(
                "404c3081-a854-4457-ae30-26a93ef643f9",
                "Deny",
                "Secure transfer to storage accounts should be enabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("DP-3",),
        azure_policy=(
            "fe83a0eb-a853-422d-aac2-1bffd182c5d0",
            "404c3081-a854-4457-ae30-26a93ef643f9",
        ),
        prowler=(
            "storage_ensure_minimum_tls_version_12",
            "storage_secure_transfer_required_is_enabled",
        ),
        checkov=("CKV_AZURE_44", "CKV_AZURE_3"),
        psrule=("Azure.Storage.MinTLS", "Azure.Storage.SecureTransfer"),
    ),
)
def storage_tls(sa: StorageAccount, ctx: RuleContext) -> Verdict:
    """Training data and model artefacts in transit over TLS 1.0/1.1 or plain HTTP can be read
    or altered on the path. `minimumTlsVersion` absent meant TLS1_0 for accounts created
    through older API versions, so only an explicit TLS1_2 or later passes;
    `supportsHttpsTrafficOnly` absent takes the current default (true).

    Note: Microsoft announced that Azure Storage stops accepting TLS 1.0/1.1 after 3 February
    2026, so in the public cloud an old minimum is now configuration drift (Azure Policy and
    audits still report it, and the setting comes back into force wherever the retirement does
    not apply) rather than an open downgrade; plain HTTP remains a real exposure. The rule keeps
    the catalog's FAIL condition and says so in the message."""
    tls = sa.minimum_tls_version
    https = sa.supports_https_traffic_only
    evidence = (
        ev("properties.minimumTlsVersion", tls),
        ev("properties.supportsHttpsTrafficOnly", https),
    )
    problems = []
    if _TLS_ORDER.get((tls or "").lower(), -1) < _TLS_ORDER["tls1_2"]:
        problems.append(
            f"minimum TLS version is {tls or 'absent (TLS1_0 on older accounts)'} (Azure "
            "Storage refuses TLS 1.0/1.1 since February 2026; align the setting)"
        )
    if https is False:
        problems.append("plain HTTP is allowed (supportsHttpsTrafficOnly false)")
    if problems:
        return failed("; ".join(problems), *evidence)
    return passed(f"TLS {tls} minimum, HTTPS only", *evidence)


@rule(
    id="AIP-DAT-006",
    title="Key vault used by AI has no purge protection",
    pillar=Pillar.DATA,
    severity=Severity.MEDIUM,
    target=KeyVault,
    target_label="key vault (AI-linked)",
    remediation=Remediation(
        summary="Enable purge protection on key vault <NAME> (it cannot be turned off again).",
        az_cli="az keyvault update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--enable-purge-protection true",
        bicep="resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    enableSoftDelete: true\n    enablePurgeProtection: true\n  }\n}",
        terraform='resource "azurerm_key_vault" "this" {\n'
        '  name                     = "<NAME>"\n'
        '  resource_group_name      = "<RG>"\n'
        "  purge_protection_enabled = true\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Properties > Purge protection: 'Enable purge "
        "protection' > Save.",
        policy=(
            PolicyFix(
                "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
                "Deny",
                "Key vaults should have deletion protection enabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("DP-6", "DP-8"),
        azure_policy=("0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",),
        prowler=("keyvault_recoverable",),
        checkov=("CKV_AZURE_110",),
        psrule=("Azure.KeyVault.PurgeProtect",),
    ),
)
def key_vault_purge_protection(kv: KeyVault, ctx: RuleContext) -> Verdict:
    """The vault holds the customer-managed keys of AI accounts and workspaces and their
    connection secrets. Without purge protection an attacker or a mistake can permanently
    destroy those keys, and with them every byte encrypted under them (a ransom lever).
    Absent means not enabled."""
    value = kv.enable_purge_protection
    evidence = ev("properties.enablePurgeProtection", value)
    if value is True:
        return passed("purge protection is enabled", evidence)
    return failed("purge protection is not enabled", evidence)


@rule(
    id="AIP-DAT-007",
    title="Key vault used by AI uses access policies instead of Azure RBAC",
    pillar=Pillar.DATA,
    severity=Severity.LOW,
    target=KeyVault,
    target_label="key vault (AI-linked)",
    remediation=Remediation(
        summary="Switch key vault <NAME> to the Azure RBAC permission model after recreating "
        "its access policies as role assignments (Key Vault Secrets User, Crypto User, ...).",
        az_cli="az keyvault update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--enable-rbac-authorization true",
        bicep="resource kv 'Microsoft.KeyVault/vaults@2023-07-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    enableRbacAuthorization: true\n  }\n}",
        terraform='resource "azurerm_key_vault" "this" {\n'
        '  name                      = "<NAME>"\n'
        '  resource_group_name       = "<RG>"\n'
        "  enable_rbac_authorization = true\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Access configuration > Permission model: "
        "'Azure role-based access control' > Apply.",
        policy=(
            PolicyFix(
                "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
                "Deny",
                "Azure Key Vault should use RBAC permission model",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1", "PA-7"),
        azure_policy=("12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",),
        prowler=("keyvault_rbac_enabled",),
        psrule=("Azure.KeyVault.RBAC",),
    ),
)
def key_vault_rbac(kv: KeyVault, ctx: RuleContext) -> Verdict:
    """With access policies, anyone who can write the vault resource (every Contributor, Key
    Vault Contributor) can grant themselves every secret: the access policy is part of the
    resource. Azure RBAC separates managing the vault from reading its secrets, supports PIM
    and shows up in access reviews. Absent means access policies."""
    value = kv.enable_rbac_authorization
    evidence = ev("properties.enableRbacAuthorization", value)
    if value is True:
        return passed("Azure RBAC permission model", evidence)
    return failed("access-policy permission model (enableRbacAuthorization not true)", evidence)


_CREDENTIAL_AUTH = frozenset(
    {
        "apikey",
        "accesskey",
        "accountkey",
        "customkeys",
        "pat",
        "usernamepassword",
        "sas",
        "serviceprincipal",
        "oauth2",
    }
)
_IDENTITY_AUTH = frozenset({"aad", "managedidentity", "none"})


@rule(
    id="AIP-DAT-008",
    title="ML workspace / Foundry connection stores a credential instead of using Entra ID",
    pillar=Pillar.DATA,
    severity=Severity.MEDIUM,
    target=MLConnection,
    requires=("connections",),  # the deciding property is in the connection row
    remediation=Remediation(
        summary="Recreate connection <NAME> of workspace <PARENT> with Microsoft Entra ID "
        "(identity-based) authentication, give the workspace / project identity a data role on "
        "the target, and rotate the credential it stored.",
        az_cli="az ml connection create --workspace-name <PARENT> --resource-group <RG> "
        "--subscription <SUB> --file connection.yml  "
        "# connection.yml: same name and target, no api_key/credentials (Entra ID auth)",
        bicep="resource conn 'Microsoft.MachineLearningServices/workspaces/connections"
        "@2024-10-01' = {\n  name: '<PARENT>/<NAME>'\n  properties: {\n"
        "    category: category\n    target: target\n    authType: 'AAD'\n  }\n}",
        terraform="# azurerm has no workspace connection resource; use azapi:\n"
        'resource "azapi_resource" "conn" {\n'
        '  type      = "Microsoft.MachineLearningServices/workspaces/connections@2024-10-01"\n'
        '  name      = "<NAME>"\n'
        '  parent_id = "<PARENT_ID>"\n'
        "  body = { properties = { category = var.category, target = var.target, "
        'authType = "AAD" } }\n}',
        portal="Azure AI Foundry portal > Management center > Connected resources > <NAME> > "
        "Edit: Authentication 'Microsoft Entra ID' > Save (or delete and recreate it).",
    ),
    references=Refs(mcsb=("IM-3", "IM-1"), owasp_llm=("LLM02",), atlas=("AML.T0024",)),
)
def connection_auth(conn: MLConnection, ctx: RuleContext) -> Verdict:
    """Credential-based connections store an API key, account key, SAS, PAT or password in the
    workspace's key vault; every user who can use the connection can read or exfiltrate the
    secret, and it works outside Azure too. Entra ID connections use the caller's or the
    workspace's identity. Beyond the catalog's list, AccountKey, CustomKeys, ServicePrincipal
    (client secret) and OAuth2 (client secret) also store a credential and fail; authType None
    (anonymous target) stores nothing and passes."""
    auth = conn.auth_type
    evidence = (ev("properties.authType", auth), ev("properties.category", conn.category))
    low = (auth or "").lower()
    if low in _CREDENTIAL_AUTH:
        return failed(f"connection stores a credential (authType {auth})", *evidence)
    if low in _IDENTITY_AUTH:
        return passed(f"no stored credential (authType {auth})", *evidence)
    return unknown(
        f"authType {auth or 'absent'} is not one aiposture knows",
        "properties.authType",
        evidence=evidence,
    )


def _storage_owning_workspaces(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    # A hub-based project reaches its hub's storage with its hub's setting: judge the hub.
    return [w for w in inv.workspaces.values() if w.kind.lower() != "project"]


@rule(
    id="AIP-DAT-009",
    title="ML workspace / Foundry hub reaches its default storage with the account key",
    pillar=Pillar.DATA,
    severity=Severity.HIGH,
    target=MLWorkspace,
    target_label="ML workspace / Foundry hub (projects use their hub's storage)",
    select=_storage_owning_workspaces,
    remediation=Remediation(
        summary="Switch <NAME> to identity-based access for its system datastores "
        "(systemDatastoresAuthMode Identity), grant its managed identity Storage Blob Data "
        "Contributor and Storage File Data Privileged Contributor on the default storage "
        "account, then disable Shared Key on that account (AIP-DAT-004).",
        az_cli="az resource update --ids <ID> --api-version 2024-10-01 "
        "--set properties.systemDatastoresAuthMode=Identity",
        bicep="resource ws 'Microsoft.MachineLearningServices/workspaces@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    systemDatastoresAuthMode: 'Identity'\n"
        "    // storageAccount, keyVault, ... unchanged\n  }\n}",
        terraform="# azurerm does not expose systemDatastoresAuthMode: set it with azapi\n"
        'resource "azapi_update_resource" "keyless_datastores" {\n'
        '  type        = "Microsoft.MachineLearningServices/workspaces@2024-10-01"\n'
        '  resource_id = "<ID>"\n'
        '  body = { properties = { systemDatastoresAuthMode = "Identity" } }\n}',
        portal="Azure portal > <NAME> > Properties (or Foundry portal > Management center > "
        "hub <NAME> > Overview) > Storage account access: Identity-based > Save; then "
        "Access control (IAM) on the storage account: grant the workspace identity the "
        "Storage Blob Data Contributor and Storage File Data Privileged Contributor roles.",
    ),
    references=Refs(
        mcsb=("IM-1", "DP-3"),
        other=(
            "Defender for Cloud: Microsoft Entra ID should be used when connecting Azure AI "
            "Foundry to default storage account (High)",
        ),
    ),
)
def default_storage_keys(ws: MLWorkspace, ctx: RuleContext) -> Verdict:
    """A workspace whose system datastores use the storage account key keeps that key in its
    key vault and uses it for every read and write of training data, models and prompt flow
    artifacts: anyone who can read the vault secret (or list the account keys) has full data
    access with no Entra ID sign-in, no Conditional Access and no per-user audit. It also
    forces Shared Key to stay enabled on the account. Identity (or user-delegation SAS,
    signed with Entra credentials) removes the key from the path. Defender for Cloud rates
    this High; no built-in Azure Policy audits it."""
    fact = default_storage_keyless(ctx.inventory, ws)
    return verdict_from_fact(fact)


SEARCH_CMK_AUDIT = "76a56461-9dc0-40f0-82f5-2453283afa2f"
SEARCH_CMK_DENY = "356da939-f20a-4bb9-86f8-5db445b0e354"


@rule(
    id="AIP-DAT-010",
    title="AI Search service does not enforce customer-managed-key encryption",
    pillar=Pillar.DATA,
    severity=Severity.LOW,
    target=SearchService,
    remediation=Remediation(
        summary="Set encryptionWithCmk.enforcement to Enabled on search service <NAME> so it "
        "rejects indexes, synonym maps and other objects not encrypted with a customer-managed "
        "key, and re-create existing objects with an encryptionKey from your key vault.",
        az_cli="az search service update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --set properties.encryptionWithCmk.enforcement=Enabled",
        bicep="resource search 'Microsoft.Search/searchServices@2023-11-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    encryptionWithCmk: { enforcement: 'Enabled' }\n"
        "    // sku, replicaCount, ... unchanged\n  }\n}",
        terraform='resource "azurerm_search_service" "this" {\n'
        '  name                                     = "<NAME>"\n'
        "  customer_managed_key_enforcement_enabled = true\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > search service <NAME> > Settings > Encryption > Enforce "
        "customer-managed keys: Enabled > Save.",
        policy=(
            PolicyFix(
                SEARCH_CMK_DENY,
                "Deny",
                "Configure Azure AI Search services to use customer-managed keys to encrypt "
                "data at rest",
            ),
            PolicyFix(
                SEARCH_CMK_AUDIT,
                "Audit",
                "Azure Cognitive Search services should use customer-managed keys to encrypt "
                "data at rest",
            ),
        ),
    ),
    references=Refs(mcsb=("DP-5",), azure_policy=(SEARCH_CMK_AUDIT, SEARCH_CMK_DENY)),
)
def search_cmk(svc: SearchService, ctx: RuleContext) -> Verdict:
    """An AI Search index holds the grounding data a RAG application retrieves (often copies
    of confidential documents). Where key control is required, enforcement is what makes it
    hold: without encryptionWithCmk.enforcement Enabled, any new index is created with
    Microsoft-managed keys only. Same rationale and severity as the account and workspace
    CMK rules (AIP-DAT-001, AIP-DAT-002): it matters where compliance requires it."""
    value = svc.cmk_enforcement
    evidence = ev("properties.encryptionWithCmk.enforcement", value)
    if value is None:
        return unknown(
            "encryptionWithCmk.enforcement is not in the data", "resources", evidence=[evidence]
        )
    if value.lower() == "enabled":
        return passed("customer-managed-key encryption is enforced", evidence)
    return failed(f"customer-managed-key encryption is not enforced ({value})", evidence)


def _user_datastores(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    # The workspace's own system datastores are AIP-DAT-009's (systemDatastoresAuthMode).
    return [d for d in inv.datastores.values() if not is_system_datastore(d)]


@rule(
    id="AIP-DAT-013",
    title="ML workspace / Foundry datastore holds an account key, SAS or secret",
    pillar=Pillar.DATA,
    severity=Severity.HIGH,
    target=MLDatastore,
    target_label="ML / Foundry datastore (system datastores: AIP-DAT-009)",
    select=_user_datastores,
    requires=("datastores",),  # the deciding property is in the datastore row
    remediation=Remediation(
        summary="Recreate datastore <NAME> of workspace <PARENT> with identity-based access "
        "(credentials None), give the users and the workspace / project identity a data role "
        "(Storage Blob Data Reader or Contributor) on the storage, then rotate the key, SAS "
        "token or client secret the datastore stored.",
        az_cli="az ml datastore create --workspace-name <PARENT> --resource-group <RG> "
        "--subscription <SUB> --file datastore.yml  "
        "# datastore.yml: name <NAME>, same type, account and container, no credentials "
        "section (identity-based access)",
        bicep="resource ds 'Microsoft.MachineLearningServices/workspaces/datastores"
        "@2024-10-01' = {\n  name: '<PARENT>/<NAME>'\n  properties: {\n"
        "    datastoreType: datastoreType\n    accountName: accountName\n"
        "    containerName: containerName\n    credentials: { credentialsType: 'None' }\n"
        "  }\n}",
        terraform="# identity-based: no account key or SAS in the azurerm datastore resource; "
        "azapi shown\n"
        'resource "azapi_resource" "datastore" {\n'
        '  type      = "Microsoft.MachineLearningServices/workspaces/datastores@2024-10-01"\n'
        '  name      = "<NAME>"\n'
        '  parent_id = "<PARENT_ID>"\n'
        "  body = { properties = { datastoreType = var.datastore_type, accountName = "
        "var.account_name, containerName = var.container_name, credentials = { "
        'credentialsType = "None" } } }\n}',
        portal="Azure Machine Learning studio (or Foundry portal > Management center) > "
        "workspace <PARENT> > Data > Datastores > <NAME> > Update authentication: 'Save "
        "credentials with the datastore for data access' No (identity-based) > Save.",
    ),
    references=Refs(
        mcsb=("IM-1", "IM-3", "DP-3"),
        owasp_llm=("LLM02",),
        other=(
            "Defender for Cloud: Microsoft Entra ID should be used when connecting to data "
            "stores on Azure AI Foundry project (High)",
        ),
    ),
)
def datastore_credentials(ds: MLDatastore, ctx: RuleContext) -> Verdict:
    """A datastore created with an account key, SAS token, service-principal secret or
    certificate keeps that secret in the workspace's key vault and uses it for every job,
    notebook and prompt flow that reads the data: anyone who can use the datastore (or read
    the vault) reads the storage with no Entra ID sign-in, no Conditional Access and no
    per-user audit, and an account key or SAS keeps working outside Azure until rotated.
    Identity-based datastores (credentialsType None) use the caller's or the workspace's
    Entra ID identity. Defender for Cloud rates this High; no built-in Azure Policy audits it.
    The list aiposture reads returns the credential type only (the secret would need the
    listSecrets action, which aiposture never calls). Connections are AIP-DAT-008; the
    workspace's system datastores follow systemDatastoresAuthMode (AIP-DAT-009)."""
    fact = datastore_keyless(ds)
    return verdict_from_fact(fact)


CUSTOMER_STORAGE = "46aa9b05-0e60-4eae-a88b-1e9d374fa515"


@rule(
    id="AIP-DAT-014",
    title="AI services account that supports customer-owned storage does not use it",
    pillar=Pillar.DATA,
    severity=Severity.LOW,
    target=CognitiveAccount,
    remediation=Remediation(
        summary="Link a storage account you own to <NAME> (userOwnedStorage) so the data it "
        "keeps at rest (audio, custom models, uploaded documents, logs) stays under your "
        "keys, network rules and retention; give the account's managed identity Storage Blob "
        "Data Contributor on it. Some kinds accept it only at creation: recreate the account "
        "with it then.",
        az_cli="az cognitiveservices account update --name <NAME> --resource-group <RG> "
        '--subscription <SUB> --storage \'[{"resourceId": "{{OWNED_STORAGE_ID}}"}]\'',
        bicep="resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  identity: { type: 'SystemAssigned' }\n"
        "  properties: {\n    userOwnedStorage: [\n"
        "      { resourceId: '{{OWNED_STORAGE_ID}}' }\n    ]\n  }\n}",
        terraform='resource "azurerm_cognitive_account" "this" {\n'
        '  name = "<NAME>"\n'
        "  storage {\n"
        '    storage_account_id = "{{OWNED_STORAGE_ID}}"\n  }\n'
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME>: customer-owned storage is set when the resource is "
        "created (Create > Storage / 'Bring your own storage'): create the account anew with "
        "your storage account and move the workload to it.",
        policy=(
            PolicyFix(
                CUSTOMER_STORAGE,
                "Audit",
                "Cognitive Services accounts should use customer owned storage",
            ),
        ),
    ),
    references=Refs(mcsb=("DP-4", "DP-5"), azure_policy=(CUSTOMER_STORAGE,)),
)
def customer_owned_storage(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """Accounts whose kind supports it (Speech, Language, Document Intelligence, ... : the
    CustomerManagedStorage capability) can keep the data they hold at rest (recordings,
    transcripts, custom models, batch documents) in a storage account the customer owns,
    under the customer's encryption keys, network rules, retention and access reviews; without
    it that data sits in Microsoft-managed storage the tenant cannot inspect, restrict or
    delete on its own schedule. Like customer-managed keys (AIP-DAT-001) it matters where
    compliance requires data residency and control. As policy 46aa9b05 (v2.0.0) does, the rule
    asks for userOwnedStorage only where the capability is present; an account without it
    PASSes with the capabilities as evidence."""
    fact = customer_storage(account)
    return verdict_from_fact(fact)
