"""Tiny Azure-shaped rows for the exposure tests (ARM GET / Resource Graph shapes)."""

from __future__ import annotations

from typing import Any

SUB = "00000000-0000-0000-0000-00000000f001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-exposure"
P = f"{RG}/providers"

ACCOUNT = "Microsoft.CognitiveServices/accounts"
SEARCH = "Microsoft.Search/searchServices"
WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
STORAGE = "Microsoft.Storage/storageAccounts"
VAULT = "Microsoft.KeyVault/vaults"
REGISTRY = "Microsoft.ContainerRegistry/registries"
AKS = "Microsoft.ContainerService/managedClusters"


def rid(rtype: str, name: str) -> str:
    return f"{P}/{rtype}/{name}"


def row(rtype: str, name: str, props: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "id": rid(rtype, name),
        "name": name,
        "type": rtype,
        "location": "swedencentral",
        "properties": props,
        **top,
    }


def account(name: str, **props: Any) -> dict[str, Any]:
    return row(ACCOUNT, name, props, kind="OpenAI")


def search(name: str, **props: Any) -> dict[str, Any]:
    return row(SEARCH, name, props)


def workspace(name: str, kind: str = "Default", **props: Any) -> dict[str, Any]:
    return row(WORKSPACE, name, props, kind=kind)


def storage(name: str, kind: str = "StorageV2", **props: Any) -> dict[str, Any]:
    return row(STORAGE, name, props, kind=kind)


def vault(name: str, **props: Any) -> dict[str, Any]:
    return row(VAULT, name, props)


def registry(name: str, **props: Any) -> dict[str, Any]:
    return row(REGISTRY, name, props)


def gpu_aks(name: str, **api: Any) -> dict[str, Any]:
    """An AKS cluster with a GPU node pool (so it counts as AI) and the given API server
    access profile."""
    props: dict[str, Any] = {
        "agentPoolProfiles": [
            {"name": "gpu", "mode": "User", "vmSize": "Standard_NC6s_v3", "count": 1}
        ],
        "disableLocalAccounts": True,
        "aadProfile": {"managed": True},
        "enableRBAC": True,
    }
    if api:
        props["apiServerAccessProfile"] = api
    return row(AKS, name, props)


def linking_workspace(name: str, *linked: str) -> dict[str, Any]:
    """A private workspace that links storage / key vault ids, making them AI-linked."""
    props: dict[str, Any] = {"publicNetworkAccess": "Disabled"}
    for target in linked:
        key = "storageAccount" if "/storageaccounts/" in target.lower() else "keyVault"
        props[key] = target
    return workspace(name, **props)
