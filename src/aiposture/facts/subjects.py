"""Who and where: the scope level of an assignment scope, a principal's label, the AKS clusters
that run AI. Written once here; rules of every area use these."""

from __future__ import annotations

from aiposture.model.entities import AksCluster
from aiposture.model.inventory import Inventory

_MG_PREFIX = "/providers/microsoft.management/managementgroups/"


def scope_level(scope: str) -> str:
    """root | managementGroup | subscription | resourceGroup | resource.

    Case-insensitive; a missing leading slash or a trailing one does not change the answer."""
    s = scope.strip().lower().strip("/")
    if not s:
        return "root"
    s = "/" + s
    if s.startswith(_MG_PREFIX):
        return "managementGroup"
    parts = s.split("/")
    if len(parts) == 3 and parts[1] == "subscriptions":
        return "subscription"
    if len(parts) == 5 and parts[1] == "subscriptions" and parts[3] == "resourcegroups":
        return "resourceGroup"
    return "resource"


def principal_label(inv: Inventory, principal_id: str) -> str:
    """ "name (object id)" when Graph data names the principal (user principal name first,
    then display name); the bare object id otherwise."""
    p = inv.principals.get(principal_id)
    name = (p.user_principal_name or p.display_name) if p is not None else ""
    return f"{name} ({principal_id})" if name else principal_id


def ai_clusters(inv: Inventory) -> list[AksCluster]:
    """AKS clusters that run AI workloads (a GPU node pool or an AI tag: Inventory.is_ai)."""
    return [c for c in inv.aks_clusters.values() if inv.is_ai(c)]
