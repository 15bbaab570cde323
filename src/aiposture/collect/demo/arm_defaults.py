"""The fields ARM always returns, filled into the demo's rows where the parts left them out.

The demo parts write what each rule needs; a real `GET` returns more. Strict clients (the
azure-mgmt-* SDKs, Prowler) and the fake Azure's consumers expect those fields, so this last
part adds them without changing anything a rule reads:

* Defender for Cloud: `GET /subscriptions/{id}/providers/Microsoft.Security/pricings` lists
  every plan, Free where it is off, each with `freeTrialRemainingTime` and `enforce`
  (REST example ListPricings_example.json, Microsoft.Security 2024-01-01). Plans a part did
  not set are Free, which is what their absence already meant to the rules.
* Storage accounts: `encryption` (Microsoft-managed keys, blob and file services on: Azure
  Storage encrypts all data at rest and cannot be turned off) and `privateEndpointConnections`
  (an empty list when none), as StorageAccountGetProperties 2024-01-01 returns them.
  Deliberately absent settings the rules test (`supportsHttpsTrafficOnly`,
  `allowBlobPublicAccess`, ...) stay absent.
* AI services accounts: `capabilities` (read-only; Azure sets them per kind and SKU), a
  shortened list without CustomerManagedStorage where a part did not write its own
  (AIP-DAT-014 reads it; catalog_h writes the accounts that have it).
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.contoso import Contoso

# Microsoft.Security/pricings names listed for a subscription (ListPricings 2024-01-01 plus the
# AI and CosmosDbs plans); deprecated ones are still listed by ARM, marked as such.
PLANS = (
    "VirtualMachines",
    "SqlServers",
    "AppServices",
    "StorageAccounts",
    "SqlServerVirtualMachines",
    "KubernetesService",
    "ContainerRegistry",
    "KeyVaults",
    "Dns",
    "Arm",
    "OpenSourceRelationalDatabases",
    "CosmosDbs",
    "Containers",
    "CloudPosture",
    "Api",
    "AI",
)
_DEPRECATED = {
    "KubernetesService": ["Containers"],
    "ContainerRegistry": ["Containers"],
    "Dns": ["VirtualMachines"],
}


def _storage_encryption() -> dict[str, Any]:
    service = {"keyType": "Account", "enabled": True}
    return {
        "services": {"blob": dict(service), "file": dict(service)},
        "keySource": "Microsoft.Storage",
    }


_ACCOUNT_CAPABILITIES = (
    {"name": "VirtualNetworks"},
    {"name": "CustomerManagedKey"},
    {"name": "TrustedServices", "value": "Microsoft.CognitiveServices,Microsoft.Search"},
)


def build(c: Contoso) -> None:
    b = c.b
    have: dict[str, set[str]] = {}
    for row in b.rows:
        kind = row["type"].lower()
        props = row.setdefault("properties", {})
        if kind == "microsoft.security/pricings":
            sub = row["id"].split("/")[2].lower()
            have.setdefault(sub, set()).add(row["name"].lower())
            props.setdefault("freeTrialRemainingTime", "PT0S")
            props.setdefault("enforce", "False")
        elif kind == "microsoft.storage/storageaccounts":
            props.setdefault("encryption", _storage_encryption())
            props.setdefault("privateEndpointConnections", [])
        elif kind == "microsoft.cognitiveservices/accounts":
            props.setdefault("capabilities", [dict(cap) for cap in _ACCOUNT_CAPABILITIES])
    for sub_id in sorted(c.subs.values()):
        present = have.get(sub_id.lower(), set())
        for plan in PLANS:
            if plan.lower() in present:
                continue
            row = b.pricing(sub_id, plan, "Free")
            row["properties"].update(freeTrialRemainingTime="PT0S", enforce="False")
            if plan in _DEPRECATED:
                row["properties"].update(deprecated=True, replacedBy=_DEPRECATED[plan])
