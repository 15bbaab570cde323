"""Demo part for AIP-MDL-011 (issue 18): ML endpoints serving registry models.

- The corp hub serves Meta's Llama from Microsoft's curated `azureml-meta` registry through a
  serverless endpoint (PASS), and an online deployment of a model registered in the hub
  itself (a workspace model, not a registry one: PASS with the default settings).
- The sandbox workspace's online endpoint serves a model pulled from a community registry
  nobody reviewed (wrong on purpose: FAIL).

Resource Graph indexes serverless endpoints, online endpoints and their deployments in the
`resources` table, so they are rows of the `resources` collection.
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.contoso import LOC, Contoso


def _tags(parent: dict[str, Any]) -> dict[str, str]:
    return dict(parent.get("tags") or {})


def build(c: Contoso) -> None:
    hub = c.res["corp_hub"]
    serverless = c.b.child(
        hub,
        "serverlessEndpoints",
        "llama-chat",
        {
            "authMode": "Key",
            "modelSettings": {
                "modelId": "azureml://registries/azureml-meta/models/Meta-Llama-3.1-8B-Instruct"
            },
            "provisioningState": "Succeeded",
            "endpointState": "Online",
            "contentSafety": {"contentSafetyStatus": "Enabled"},
        },
        sku={"name": "Consumption"},
        location=LOC,
    )
    serverless["tags"] = _tags(hub)
    c.res["corp_serverless"] = serverless
    corp_ep = c.b.child(
        hub,
        "onlineEndpoints",
        "ep-claims-triage",
        {"authMode": "AADToken", "publicNetworkAccess": "Disabled", "traffic": {"blue": 100}},
        location=LOC,
    )
    corp_ep["tags"] = _tags(hub)
    corp_dep = c.b.child(
        corp_ep,
        "deployments",
        "blue",
        {
            "endpointComputeType": "Managed",
            "model": f"{hub['id']}/models/claims-triage/versions/3",
            "instanceType": "Standard_DS3_v2",
            "provisioningState": "Succeeded",
        },
        sku={"name": "Default", "capacity": 1},
        location=LOC,
    )
    corp_dep["tags"] = _tags(hub)
    c.res["corp_online_dep"] = corp_dep

    mlw = c.res["sb_workspace"]
    sb_ep = c.b.child(
        mlw,
        "onlineEndpoints",
        "ep-sandbox-chat",
        {"authMode": "Key", "publicNetworkAccess": "Enabled", "traffic": {"green": 100}},
        location=LOC,
    )
    sb_ep["tags"] = _tags(mlw)
    sb_dep = c.b.child(
        sb_ep,
        "deployments",
        "green",
        {
            "endpointComputeType": "Managed",
            "model": "azureml://registries/hf-community-share/models/uncensored-chat/versions/2",
            "instanceType": "Standard_NC6s_v3",
            "provisioningState": "Succeeded",
        },
        sku={"name": "Default", "capacity": 1},
        location=LOC,
    )
    sb_dep["tags"] = _tags(mlw)
    c.res["sb_online_dep"] = sb_dep
