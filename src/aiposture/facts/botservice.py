"""Azure Bot Service (Microsoft.BotService/botServices): one answer per question, asked by the
Bot Service rules, the governance rules and the security graph.

Each deciding property was read in the REST specification (azure-rest-api-specs,
specification/botservice, BotProperties) and in the policyRule of the built-in that audits it
(Azure/azure-policy, built-in-policies/policyDefinitions/Bot Service/):

* publicNetworkAccess: Enabled | Disabled | SecuredByPerimeter, default Enabled. Both
  5e8168db ("public network access disabled") and 52152f42 v2 ("isolated mode", which used to
  read the retired `isIsolated` property) check `publicNetworkAccess notEquals Disabled`:
  isolated mode *is* public network access Disabled.
* disableLocalAuth: no default; ffea632e checks `notEquals true`, so absent means local
  (Direct Line / Web Chat secret) authentication is on.
* isCmekEnabled: default false; 51522a96 checks `notEquals true`. cmekKeyVaultUrl names the key.
* endpoint: required but nullable; 6164527b checks `notLike "https://*"` (null and "" fail).
* privateEndpointConnections (read-only): ad5621d6 counts those whose
  privateLinkServiceConnectionState.status equals Approved.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.facts.defaults import Default
from aiposture.model.entities import BotService

_SPEC = (
    "https://github.com/Azure/azure-rest-api-specs/blob/main/specification/botservice/"
    "BotService.Management/models.tsp (BotProperties)"
)
BOT_PUBLIC_NETWORK_ACCESS = Default("properties.publicNetworkAccess", "Enabled", _SPEC)
BOT_CMK_ENABLED = Default("properties.isCmekEnabled", False, _SPEC)
# The spec documents no default for disableLocalAuth; the built-in (ffea632e) treats anything
# but true as local auth on, and so does the service.
BOT_DISABLE_LOCAL_AUTH = Default("properties.disableLocalAuth", None, _SPEC)

PNA = "properties.publicNetworkAccess"
ENDPOINT = "properties.endpoint"
PECS = "properties.privateEndpointConnections[].privateLinkServiceConnectionState.status"
# The network security perimeter's access rules decide SecuredByPerimeter bots.
PERIMETER = "networkSecurityPerimeterConfigurations"


def _low(value: str | None) -> str:
    return (value or "").strip().lower()


def public_exposure(bot: BotService) -> Fact:
    """True when the bot's public endpoint accepts traffic from public networks (and public
    channels: Teams, Web Chat, Direct Line over the internet); False when public network
    access is Disabled (isolated mode: only the Direct Line App Service extension over a
    private endpoint)."""
    pna = bot.public_network_access
    evidence: tuple[str, Any] = (PNA, pna)
    effective = _low(pna) if pna and pna.strip() else _low(str(BOT_PUBLIC_NETWORK_ACCESS.value))
    if effective == "disabled":
        return known(False, "public network access is disabled (isolated mode)", evidence)
    if effective == "securedbyperimeter":
        return unknown_fact(
            "public access is decided by a network security perimeter whose access rules were "
            "not collected",
            PERIMETER,
            evidence=(evidence,),
        )
    if effective != "enabled":
        return unknown_fact(
            f"publicNetworkAccess has an unrecognised value {pna!r}", PNA, evidence=(evidence,)
        )
    shown = pna if pna else "absent (Enabled, the documented default)"
    return known(
        True,
        f"publicNetworkAccess is {shown}: the bot takes traffic from public networks and "
        "public channels (not isolated)",
        evidence,
    )


def approved_private_endpoints(bot: BotService) -> tuple[str, ...]:
    """Ids of the bot's private endpoint connections whose state is Approved."""
    return tuple(c.id for c in bot.private_endpoint_connections if _low(c.status) == "approved")


def private_link(bot: BotService) -> Fact:
    """True when at least one private endpoint connection is Approved (policy ad5621d6)."""
    statuses = [c.status for c in bot.private_endpoint_connections]
    evidence: tuple[str, Any] = (PECS, statuses)
    approved = approved_private_endpoints(bot)
    if approved:
        return known(True, f"{len(approved)} approved private endpoint connection(s)", evidence)
    if statuses:
        return known(
            False, f"private endpoint connections exist but none is Approved ({statuses})", evidence
        )
    return known(False, "no private endpoint connection", evidence)


def local_auth_enabled(bot: BotService) -> Fact:
    """True when channel secrets (Direct Line, Web Chat keys) still authenticate callers:
    disableLocalAuth is anything but true."""
    value = bot.disable_local_auth
    evidence = (
        ("properties.disableLocalAuth", value),
        # Context, not decisive: creating MultiTenant bots is deprecated since 31 July 2025.
        ("properties.msaAppType", bot.msa_app_type),
    )
    if value is True:
        return known(
            False, "disableLocalAuth is true: only Entra ID tokens are accepted", *evidence
        )
    shown = "false" if value is False else "absent (local authentication stays on)"
    return known(True, f"disableLocalAuth is {shown}", *evidence)


def customer_managed_key(bot: BotService) -> Fact:
    """True when the bot's data at rest is encrypted with a customer-managed key."""
    evidence = (
        ("properties.isCmekEnabled", bot.is_cmek_enabled),
        ("properties.cmekKeyVaultUrl", bot.cmek_key_vault_url),
    )
    if bot.is_cmek_enabled is True:
        key = f" with key {bot.cmek_key_vault_url}" if bot.cmek_key_vault_url else ""
        return known(True, f"customer-managed key encryption is enabled{key}", *evidence)
    shown = "false" if bot.is_cmek_enabled is False else "absent (false, the documented default)"
    return known(False, f"isCmekEnabled is {shown}: Microsoft-managed keys", *evidence)


def https_endpoint(bot: BotService) -> Fact:
    """True when the messaging endpoint is a valid HTTPS URI (scheme https and a host): the
    Bot Connector then posts channel messages to the bot over TLS only."""
    evidence: tuple[str, Any] = (ENDPOINT, bot.endpoint)
    if not bot.endpoint_present:
        return unknown_fact(
            "the bot's messaging endpoint is not in the snapshot", ENDPOINT, evidence=(evidence,)
        )
    endpoint = (bot.endpoint or "").strip()
    if not endpoint:
        return known(
            False, "no messaging endpoint is set (the policy treats it as invalid)", evidence
        )
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname
    except ValueError:
        return known(False, f"endpoint {endpoint!r} is not a valid URI", evidence)
    if parts.scheme.lower() != "https":
        return known(False, f"endpoint {endpoint!r} does not use HTTPS", evidence)
    if not host:
        return known(False, f"endpoint {endpoint!r} has no host", evidence)
    return known(True, f"endpoint is HTTPS ({host})", evidence)


def guard(bot: BotService) -> str:
    """What authenticates callers of the bot's public endpoint (the graph's edge label)."""
    return "keys+entra" if local_auth_enabled(bot).is_true else "entra"
