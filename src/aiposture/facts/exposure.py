"""Is a resource reachable from public networks? One answer, asked by rules and the graph.

Each function answers for one resource kind as a three-valued Fact:

* True: some address on the internet can open a connection (public network access enabled and
  the firewall allows all, or allows a broad range);
* False: public network access is disabled, or the firewall denies by default and allows only
  narrow IP ranges, virtual network rules or private endpoints;
* unknown: the answer depends on something not collected (a network security perimeter's access
  rules, the hub of a Foundry project) or on a value that cannot be read.

Absent properties take the defaults documented in facts/defaults.py (each with its source).
The AIP-NET rules FAIL/PASS/UNKNOWN exactly when the fact is true/false/unknown, and the
security graph draws Internet -> resource exactly when it is true.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiposture.facts import botservice
from aiposture.facts import defaults as d
from aiposture.facts.base import Fact, known, unknown_fact
from aiposture.facts.databricks import publicly_reachable, workspaces
from aiposture.model.entities import (
    AksCluster,
    BotService,
    CognitiveAccount,
    ContainerRegistry,
    DatabricksWorkspace,
    KeyVault,
    MLWorkspace,
    NetworkAcls,
    Resource,
    SearchService,
    StorageAccount,
)
from aiposture.model.inventory import Inventory

PNA = "properties.publicNetworkAccess"


def _low(value: str | None) -> str:
    return (value or "").strip().lower()


def public_access_disabled(pna: str | None) -> bool:
    """publicNetworkAccess explicitly Disabled (any casing): no public endpoint at all."""
    return _low(pna) == "disabled"


def _shown(value: str | bool | None, default: d.Default) -> str:
    if value is not None and value != "":
        return str(value)
    return f"absent ({default.value}, the documented default)"


def _pna_gate(pna: str | None, default: d.Default, evidence: list[tuple[str, Any]]) -> Fact | None:
    """Decide on publicNetworkAccess alone when it decides (Disabled, SecuredByPerimeter,
    unreadable); None when it is Enabled and the firewall decides."""
    effective = _low(pna) if pna and pna.strip() else _low(str(default.value))
    if effective == "disabled":
        return known(False, "public network access is disabled", *evidence)
    if effective == "securedbyperimeter":
        return unknown_fact(
            "public access is decided by a network security perimeter whose access rules "
            "were not collected",
            d.PERIMETER_ACCESS_RULES,
            evidence=tuple(evidence),
        )
    if effective != "enabled":
        return unknown_fact(
            f"publicNetworkAccess has an unrecognised value {pna!r}", PNA, evidence=tuple(evidence)
        )
    return None


def _ip_rules_fact(
    rules: Sequence[str], path: str, what: str, evidence: list[tuple[str, Any]]
) -> Fact:
    """The firewall allows only its rules: exposed when one of them is broad."""
    broad = [r for r in rules if d.ip_rule_breadth(r) is True]
    if broad:
        return known(
            True,
            f"{what}, but IP rule(s) {', '.join(broad)} admit public networks at large "
            f"(prefix /{d.BROAD_IPV4_PREFIX} or broader)",
            *evidence,
        )
    unreadable = [r for r in rules if d.ip_rule_breadth(r) is None]
    if unreadable:
        return unknown_fact(
            f"{what}; IP rule(s) {', '.join(unreadable)} cannot be read as addresses",
            path,
            evidence=tuple(evidence),
        )
    allowed = f"{len(rules)} narrow IP rule(s)" if rules else "no IP rules"
    return known(False, f"{what}; {allowed}", *evidence)


def _firewalled(
    pna: str | None,
    acls: NetworkAcls | None,
    pna_default: d.Default,
    action_default: d.Default,
) -> Fact:
    """publicNetworkAccess + networkAcls (AI services, storage, key vault)."""
    default_action = acls.default_action if acls else None
    ip_rules = acls.ip_rules if acls else ()
    vnet_rules = acls.virtual_network_rules if acls else ()
    evidence: list[tuple[str, Any]] = [
        (PNA, pna),
        ("properties.networkAcls.defaultAction", default_action),
    ]
    gate = _pna_gate(pna, pna_default, evidence)
    if gate is not None:
        return gate
    if _low(default_action or str(action_default.value)) != "deny":
        return known(
            True,
            f"reachable from any network: publicNetworkAccess is {_shown(pna, pna_default)} "
            f"and networkAcls.defaultAction is {_shown(default_action, action_default)}",
            *evidence,
        )
    evidence.append(("properties.networkAcls.ipRules", list(ip_rules)))
    what = "firewall default action is Deny"
    if vnet_rules:
        what += f" ({len(vnet_rules)} virtual network rule(s))"
    return _ip_rules_fact(ip_rules, "properties.networkAcls.ipRules", what, evidence)


def account_exposure(acc: CognitiveAccount) -> Fact:
    return _firewalled(
        acc.public_network_access,
        acc.network_acls,
        d.ACCOUNT_PUBLIC_NETWORK_ACCESS,
        d.ACCOUNT_ACL_DEFAULT_ACTION,
    )


def storage_exposure(st: StorageAccount) -> Fact:
    return _firewalled(
        st.public_network_access,
        st.network_acls,
        d.STORAGE_PUBLIC_NETWORK_ACCESS,
        d.STORAGE_ACL_DEFAULT_ACTION,
    )


def key_vault_exposure(kv: KeyVault) -> Fact:
    return _firewalled(
        kv.public_network_access,
        kv.network_acls,
        d.KEY_VAULT_PUBLIC_NETWORK_ACCESS,
        d.KEY_VAULT_ACL_DEFAULT_ACTION,
    )


def registry_exposure(acr: ContainerRegistry) -> Fact:
    pna = acr.public_network_access
    action = acr.network_default_action
    evidence: list[tuple[str, Any]] = [
        (PNA, pna),
        ("properties.networkRuleSet.defaultAction", action),
    ]
    gate = _pna_gate(pna, d.REGISTRY_PUBLIC_NETWORK_ACCESS, evidence)
    if gate is not None:
        return gate
    if _low(action or str(d.REGISTRY_DEFAULT_ACTION.value)) != "deny":
        return known(
            True,
            "registry reachable from any network: publicNetworkAccess is "
            f"{_shown(pna, d.REGISTRY_PUBLIC_NETWORK_ACCESS)} and networkRuleSet.defaultAction "
            f"is {_shown(action, d.REGISTRY_DEFAULT_ACTION)}",
            *evidence,
        )
    evidence.append(("properties.networkRuleSet.ipRules", list(acr.ip_rules)))
    return _ip_rules_fact(
        acr.ip_rules, "properties.networkRuleSet.ipRules", "registry denies by default", evidence
    )


def search_exposure(svc: SearchService) -> Fact:
    """AI Search has no default action: enabled with no IP rules is open to every network;
    with IP rules only those ranges (plus trusted Azure services when bypass is AzureServices,
    which is not public) get in."""
    pna = svc.public_network_access
    evidence: list[tuple[str, Any]] = [
        (PNA, pna),
        ("properties.networkRuleSet.ipRules", list(svc.ip_rules)),
        ("properties.networkRuleSet.bypass", svc.bypass),
    ]
    gate = _pna_gate(pna, d.SEARCH_PUBLIC_NETWORK_ACCESS, evidence)
    if gate is not None:
        return gate
    if not svc.ip_rules:
        return known(
            True,
            f"publicNetworkAccess is {_shown(pna, d.SEARCH_PUBLIC_NETWORK_ACCESS)} and there "
            "are no IP rules: any network",
            *evidence,
        )
    return _ip_rules_fact(
        svc.ip_rules,
        "properties.networkRuleSet.ipRules",
        "public access limited to IP rules",
        evidence,
    )


def _workspace_own(ws: MLWorkspace) -> Fact:
    pna = ws.public_network_access
    behind = ws.allow_public_access_when_behind_vnet
    evidence: list[tuple[str, Any]] = [
        (PNA, pna),
        ("properties.allowPublicAccessWhenBehindVnet", behind),
    ]
    if behind is True:
        return known(
            True,
            "allowPublicAccessWhenBehindVnet is true: public access is allowed even behind "
            "private endpoints",
            *evidence,
        )
    gate = _pna_gate(pna, d.WORKSPACE_PUBLIC_NETWORK_ACCESS, evidence)
    if gate is not None:
        return gate
    return known(
        True,
        f"publicNetworkAccess is {_shown(pna, d.WORKSPACE_PUBLIC_NETWORK_ACCESS)}",
        *evidence,
    )


def workspace_exposure(inv: Inventory, ws: MLWorkspace) -> Fact:
    """A hub-based project has no network of its own: its effective network is its hub's."""
    if ws.kind.lower() != "project" or not ws.hub_id:
        return _workspace_own(ws)
    hub = inv.workspaces.get(ws.hub_id.lower())
    hub_ev = ("properties.hubResourceId", ws.hub_id)
    if hub is None:
        return unknown_fact(
            "a hub project uses its hub's network, and the hub is not in the snapshot",
            "resources",
            evidence=(hub_ev,),
        )
    fact = _workspace_own(hub)
    return Fact(
        fact.value,
        f"hub {hub.name}: {fact.reason}",
        (hub_ev, *((f"hub.{path}", value) for path, value in fact.evidence)),
        fact.missing,
    )


def aks_exposure(cluster: AksCluster) -> Fact:
    """The API server: private clusters have no public endpoint; a public one is open unless
    authorized IP ranges are set, and a range of 0.0.0.0/0 restricts nothing."""
    ranges = list(cluster.authorized_ip_ranges)
    evidence: list[tuple[str, Any]] = [
        ("properties.apiServerAccessProfile.enablePrivateCluster", cluster.enable_private_cluster),
        ("properties.apiServerAccessProfile.authorizedIPRanges", ranges),
    ]
    if cluster.enable_private_cluster is True:
        return known(False, "private cluster: the API server has no public endpoint", *evidence)
    if not ranges:
        return known(True, "public API server with no authorized IP ranges", *evidence)
    open_ranges = [r for r in ranges if d.is_any_address(r)]
    if open_ranges:
        return known(
            True,
            f"public API server; authorized range(s) {', '.join(open_ranges)} admit any address",
            *evidence,
        )
    return known(False, f"API server restricted to {len(ranges)} authorized range(s)", *evidence)


def exposure(inv: Inventory, res: Resource) -> Fact | None:
    """The exposure fact of any resource kind that has one (None: not a network endpoint that
    aiposture models)."""
    if isinstance(res, CognitiveAccount):
        return account_exposure(res)
    if isinstance(res, SearchService):
        return search_exposure(res)
    if isinstance(res, MLWorkspace):
        return workspace_exposure(inv, res)
    if isinstance(res, StorageAccount):
        return storage_exposure(res)
    if isinstance(res, KeyVault):
        return key_vault_exposure(res)
    if isinstance(res, ContainerRegistry):
        return registry_exposure(res)
    if isinstance(res, AksCluster):
        return aks_exposure(res)
    if isinstance(res, DatabricksWorkspace):
        return publicly_reachable(res)
    if isinstance(res, BotService):
        return botservice.public_exposure(res)
    return None


def exposed_resources(inv: Inventory) -> list[tuple[Resource, Fact]]:
    """Every modeled endpoint with its exposure fact (in a stable order: by kind, then key)."""
    out: list[tuple[Resource, Fact]] = []
    groups: tuple[dict[str, Any], ...] = (
        inv.accounts,
        inv.search_services,
        inv.workspaces,
        inv.storage_accounts,
        inv.key_vaults,
        inv.registries,
        inv.aks_clusters,
        {w.key: w for w in workspaces(inv)},
        inv.bot_services,
    )
    for group in groups:
        for res in group.values():
            fact = exposure(inv, res)
            if fact is not None:
                out.append((res, fact))
    return out
