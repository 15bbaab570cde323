"""DAT: protection of the data AI uses (encryption, public blob access, ...)."""

from __future__ import annotations

from aiposture.model.entities import CognitiveAccount, StorageAccount
from aiposture.model.types import Pillar, Severity
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    passed,
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
        '"keyVaultProperties": {"keyName": "<KEY>", "keyVersion": "<VERSION>", '
        '"keyVaultUri": "https://<VAULT>.vault.azure.net/"}}\'',
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
        checkov=("CKV2_AZURE_22",),
        psrule=("Azure.Cognitive.CustomerManagedKey",),
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
    API versions treat it as allowed, so only an explicit false passes."""
    value = sa.allow_blob_public_access
    evidence = ev("properties.allowBlobPublicAccess", value)
    if value is False:
        return passed("anonymous blob access is disallowed", evidence)
    return failed(
        "anonymous blob access is "
        + ("allowed" if value else "not explicitly disallowed (property absent)"),
        evidence,
    )
