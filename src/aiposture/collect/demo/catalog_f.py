"""Demo part for the Azure Databricks rules (issue 18): AIP-NET-013..016 and AIP-MON-012.

- The corp subscription's feature-engineering workspace is done right: Premium, public
  network access off (requiredNsgRules NoAzureDatabricksRules, so the clusters reach the
  control plane over back-end private link), secure cluster connectivity on, injected into the
  production virtual network, an approved private endpoint, and all logs sent to the central
  Log Analytics workspace (PASS on all five).
- The sandbox's workspace was created from the portal's defaults by a data scientist: public
  network access on, cluster nodes with public IPs, the Databricks-managed virtual network, no
  private endpoint and no diagnostic setting (wrong on purpose: FAIL on all five).

Resource Graph indexes Microsoft.Databricks/workspaces in the `resources` table with the same
properties as ARM's GET (REST 2024-05-01, examples/WorkspaceGetParameters.json): the creation
parameters as `parameters.<name>.{type,value}`.
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.builder import guid
from aiposture.collect.demo.contoso import LOC, Contoso

_TYPE = "Microsoft.Databricks/workspaces"


def _param(kind: str, value: Any) -> dict[str, Any]:
    return {"type": kind, "value": value}


def _workspace_id(name: str) -> str:
    """The numeric workspace id Azure Databricks assigns (stable for the demo)."""
    return str(int(guid("databricks", name).replace("-", "")[:13], 16))


def build(c: Contoso) -> None:
    b = c.b
    hub = c.res["corp_hub"]
    rg_corp = c.rgs["corp"]
    corp_sub = c.subs["corp"]
    vnet = f"{rg_corp}/providers/Microsoft.Network/virtualNetworks/vnet-contoso-ai-prod"
    name = "dbw-contoso-features"
    corp_id = f"{rg_corp}/providers/{_TYPE}/{name}"
    dbw_id = _workspace_id(name)
    corp = b.resource(
        rg_corp,
        _TYPE,
        name,
        LOC,
        {
            "managedResourceGroupId": f"/subscriptions/{corp_sub}/resourceGroups/"
            f"databricks-rg-{name}",
            "parameters": {
                "customVirtualNetworkId": _param("String", vnet),
                "customPublicSubnetName": _param("String", "snet-dbx-host"),
                "customPrivateSubnetName": _param("String", "snet-dbx-container"),
                "enableNoPublicIp": _param("Bool", True),
                "amlWorkspaceId": _param("String", hub["id"]),
                "prepareEncryption": _param("Bool", False),
                "requireInfrastructureEncryption": _param("Bool", True),
                "storageAccountName": _param("String", "dbstoragecontosofeat"),
            },
            "provisioningState": "Succeeded",
            "publicNetworkAccess": "Disabled",
            "requiredNsgRules": "NoAzureDatabricksRules",
            "workspaceId": dbw_id,
            "workspaceUrl": f"adb-{dbw_id}.4.azuredatabricks.net",
            "privateEndpointConnections": [
                {
                    "id": f"{corp_id}/privateEndpointConnections/{name}.pe-ui-api",
                    "name": f"{name}.pe-ui-api",
                    "type": f"{_TYPE}/privateEndpointConnections",
                    "properties": {
                        "privateEndpoint": {
                            "id": f"{rg_corp}/providers/Microsoft.Network/privateEndpoints/"
                            f"pe-{name}-ui-api"
                        },
                        "groupIds": ["databricks_ui_api"],
                        "privateLinkServiceConnectionState": {
                            "status": "Approved",
                            "description": "Auto-Approved",
                            "actionsRequired": "None",
                        },
                        "provisioningState": "Succeeded",
                    },
                }
            ],
        },
        sku={"name": "premium"},
        tags=dict(hub.get("tags") or {}),
    )
    c.res["corp_databricks"] = corp
    b.diagnostic_setting(
        corp["id"],
        "to-law",
        workspace_id=c.law_id,
        logs=[{"categoryGroup": "allLogs", "enabled": True}],
    )

    rg_sb = c.rgs["sandbox"]
    sb_sub = c.subs["sandbox"]
    mlw = c.res["sb_workspace"]
    name = "dbw-sandbox-experiments"
    dbw_id = _workspace_id(name)
    c.res["sb_databricks"] = b.resource(
        rg_sb,
        _TYPE,
        name,
        LOC,
        {
            "managedResourceGroupId": f"/subscriptions/{sb_sub}/resourceGroups/"
            f"databricks-rg-{name}",
            "parameters": {
                "enableNoPublicIp": _param("Bool", False),
                "prepareEncryption": _param("Bool", False),
                "requireInfrastructureEncryption": _param("Bool", False),
                "storageAccountName": _param("String", "dbstoragesandboxexp"),
                "storageAccountSkuName": _param("String", "Standard_GRS"),
                "vnetAddressPrefix": _param("String", "10.139"),
            },
            "provisioningState": "Succeeded",
            "publicNetworkAccess": "Enabled",
            "requiredNsgRules": "AllRules",
            "workspaceId": dbw_id,
            "workspaceUrl": f"adb-{dbw_id}.4.azuredatabricks.net",
            "privateEndpointConnections": [],
        },
        sku={"name": "standard"},
        tags=dict(mlw.get("tags") or {}),
    )
