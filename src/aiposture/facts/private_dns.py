"""Private DNS for the private endpoints of AI resources.

A private endpoint gets a private IP, but clients still resolve the resource's public name
(`<account>.openai.azure.com`, `<ws>.api.azureml.ms`, `<svc>.search.windows.net`); the name
resolves to that IP only through a private DNS zone (`privatelink.openai.azure.com`, ...).
Azure keeps the A records in the zones of the endpoint's private DNS zone group
(Microsoft.Network/privateEndpoints/{pe}/privateDnsZoneGroups, Network API 2024-05-01,
`properties.privateDnsZoneConfigs[].properties.privateDnsZoneId`). Resource Graph does not
index zone groups (a child type of privateEndpoints), so they are one ARM list per private
endpoint, asked only for the endpoints that connect to AI resources.

The policies c4bc6f10 (Cognitive Services), ee40564d (ML workspace) and fbc14a67 (AI Search)
deploy such a zone group when one is missing (DeployIfNotExists).
"""

from __future__ import annotations

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.model.entities import PrivateEndpoint, ai_private_link_type
from aiposture.model.inventory import Inventory

# Resource types whose private endpoints the DNS-zone policies cover, with their policy.
AI_LINK_TYPES = {
    "microsoft.cognitiveservices/accounts": "c4bc6f10-cb41-49eb-b000-d5ab82e2a091",
    "microsoft.machinelearningservices/workspaces": "ee40564d-486e-4f68-a5ca-7a621edae0fb",
    "microsoft.search/searchservices": "fbc14a67-53e4-4932-abcc-2049c6706009",
}
ZONE_CONFIGS = "privateDnsZoneGroups[].properties.privateDnsZoneConfigs[].privateDnsZoneId"


def link_type(target_id: str) -> str | None:
    """The AI resource type a private link service id points at, or None."""
    return ai_private_link_type(target_id)


def is_ai_endpoint(pe: PrivateEndpoint) -> bool:
    """True when one of the endpoint's connections goes to an AI services account, ML
    workspace or AI Search service."""
    return any(link_type(t) is not None for t in pe.target_ids)


def ai_target_states(inv: Inventory, pe: PrivateEndpoint) -> tuple[tuple[str, str | None], ...]:
    """(AI target id, connection status) of the endpoint's connections: the endpoint row's
    state, else the state the target resource's privateEndpointConnections give for this
    endpoint (None when neither says)."""
    out = []
    for target, status in pe.target_states:
        if link_type(target) is None:
            continue
        if status is None:
            res = inv.resource(target)
            pecs = getattr(res, "private_endpoint_connections", ())
            status = next(
                (c.status for c in pecs if (c.private_endpoint_id or "") == pe.key and c.status),
                None,
            )
        out.append((target, status))
    return tuple(out)


def approved_ai_targets(states: tuple[tuple[str, str | None], ...]) -> tuple[str, ...]:
    """AI targets the endpoint's connection to is Approved (auto-approved or approved by the
    resource owner): only then does the endpoint carry traffic that needs the private name."""
    return tuple(t for t, status in states if (status or "").lower() == "approved")


def has_dns_zone_group(inv: Inventory, pe: PrivateEndpoint) -> Fact:
    """True when the endpoint has a private DNS zone group with at least one zone."""
    groups = inv.dns_zone_groups.get(pe.key, [])
    zones = sorted({z for g in groups for z in g.zone_ids})
    names = [g.name for g in groups]
    evidence = (("privateDnsZoneGroups[].name", names), (ZONE_CONFIGS, zones))
    if not inv.coverage.status("privateDnsZoneGroups", pe.key).complete:
        return unknown_fact(
            "the endpoint's private DNS zone groups were not read",
            "privateDnsZoneGroups",
            evidence=evidence,
        )
    if zones:
        return known(True, f"private DNS zone group with {len(zones)} zone(s)", *evidence)
    if groups:
        return known(False, "a private DNS zone group exists but names no zone", *evidence)
    return known(False, "no private DNS zone group", *evidence)
