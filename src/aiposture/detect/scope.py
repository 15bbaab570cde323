"""What a tenant's detections are tailored to: its AI accounts, gateways and change admins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiposture.model.inventory import Inventory


@dataclass(frozen=True, slots=True)
class TenantScope:
    """The tenant's values filled into the KQL. Every one of them is attacker-influenced
    (resource names, UPNs) and only ever reaches KQL through kql_text.kql_string."""

    tenant: str = ""
    ai_accounts: tuple[str, ...] = ()  # ARM ids of Cognitive Services / AI Foundry accounts
    apim_services: tuple[str, ...] = ()  # ARM ids of API Management services
    change_admins: tuple[str, ...] = ()  # UPNs / app ids allowed to change AI configuration
    ai_identities: tuple[str, ...] = ()  # object ids of the AI workloads' managed identities

    def resources_for(self, source_name: str) -> tuple[str, ...]:
        if source_name in ("aoai_requests", "aoai_token_metrics"):
            return self.ai_accounts
        if source_name == "apim_llm":
            return self.apim_services
        if source_name in ("kv_secret_reads", "blob_reads"):
            return self.ai_identities
        return ()


def scope_from_inventory(inv: Inventory, change_admins: Iterable[str] = ()) -> TenantScope:
    return TenantScope(
        tenant=inv.metadata.tenant_id,
        ai_accounts=tuple(sorted(a.id for a in inv.accounts.values())),
        apim_services=tuple(sorted(s.id for s in inv.api_managements.values())),
        change_admins=tuple(sorted({a.strip() for a in change_admins if a.strip()})),
        ai_identities=tuple(
            sorted(
                {
                    pid.lower()
                    for table in (inv.accounts, inv.workspaces, inv.search_services)
                    for r in table.values()
                    for pid in r.identity.principal_ids
                }
            )
        ),
    )
