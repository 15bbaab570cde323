"""Demo part for AIP-DAT-013, AIP-DAT-014 and AIP-NET-019 (issue 18).

- Datastores (ARM child list workspaces/datastores; the list carries the credential type, never
  the secret). Every workspace has its system datastores (workspaceblobstore, ...), with the
  credential its systemDatastoresAuthMode gives (AIP-DAT-009 judges those). The RAG project
  reads the claims documents identity-based (PASS); the sandbox workspace reads a partner's
  share with a SAS token and the curated lake with a service-principal secret (wrong on
  purpose: FAIL).
- Customer-owned storage: the chatbot's AI services account keeps its data in its own storage
  account (PASS); a sandbox Speech account that supports it (CustomerManagedStorage) keeps
  call recordings in Microsoft-managed storage (wrong on purpose: FAIL). OpenAI accounts have no
  such capability (PASS, the capability list as evidence); arm_defaults gives every account
  the capabilities ARM returns.
- Private DNS: the corp OpenAI account's private endpoint has a zone group for
  privatelink.openai.azure.com (PASS); the corp search service's new private endpoint was
  created without one, so its name resolves through a hand-made record (wrong on purpose:
  FAIL).
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.contoso import LOC, Contoso

_ML = "Microsoft.MachineLearningServices/workspaces"
_NET = "Microsoft.Network"


def _datastore(
    c: Contoso,
    ws: dict[str, Any],
    name: str,
    dstype: str,
    credentials: str,
    *,
    account: str,
    container: str,
    default: bool = False,
) -> None:
    props: dict[str, Any] = {
        "datastoreType": dstype,
        "accountName": account,
        "endpoint": "core.windows.net",
        "protocol": "https",
        "isDefault": default,
        "credentials": {"credentialsType": credentials},
        "serviceDataAccessAuthIdentity": "None",
        "tags": {},
        "properties": {},
    }
    if dstype == "AzureFile":
        props["fileShareName"] = container
    elif dstype == "AzureDataLakeGen2":
        props["filesystem"] = container
    else:
        props["containerName"] = container
    if credentials == "ServicePrincipal":
        # What the list shows of a service principal: ids, never the client secret.
        props["credentials"].update(
            {
                "authorityUrl": "https://login.microsoftonline.com",
                "clientId": "5b1f3c9e-0c3a-4d8e-9a51-1f2e3d4c5b6a",
                "tenantId": c.b.tenant_id,
                "resourceUrl": "https://storage.azure.com/",
            }
        )
    c.b.child(ws, "datastores", name, props)


def _system_datastores(c: Contoso, ws: dict[str, Any], storage: str, keyless: bool) -> None:
    cred = "None" if keyless else "AccountKey"
    _datastore(
        c,
        ws,
        "workspaceblobstore",
        "AzureBlob",
        cred,
        account=storage,
        container="azureml-blob",
        default=True,
    )
    _datastore(c, ws, "workspacefilestore", "AzureFile", cred, account=storage, container="code")


def _datastores(c: Contoso) -> None:
    hub, proj, mlw = c.res["corp_hub"], c.res["corp_project"], c.res["sb_workspace"]
    corp_st = c.res["corp_storage"]["name"]
    sb_st = c.res["sb_storage"]["name"]
    _system_datastores(c, hub, corp_st, keyless=True)
    _system_datastores(c, proj, corp_st, keyless=True)
    _system_datastores(c, mlw, sb_st, keyless=False)
    _datastore(
        c, proj, "claims-documents", "AzureBlob", "None", account=corp_st, container="claims"
    )
    _datastore(
        c, mlw, "partner-share", "AzureBlob", "Sas", account="stpartnerexchange", container="in"
    )
    _datastore(
        c,
        mlw,
        "lake-curated",
        "AzureDataLakeGen2",
        "ServicePrincipal",
        account="stcontosolake",
        container="curated",
    )


def _customer_storage(c: Contoso) -> None:
    bot = c.res["bot_account"]
    bot["properties"]["capabilities"] = [
        {"name": "VirtualNetworks"},
        {"name": "CustomerManagedKey"},
        {"name": "CustomerManagedStorage"},
        {"name": "TrustedServices", "value": "Microsoft.CognitiveServices,Microsoft.Search"},
    ]
    rg_sb = c.rgs["sandbox"]
    name = "spch-sandbox-callcenter"
    c.res["sb_speech"] = c.b.resource(
        rg_sb,
        "Microsoft.CognitiveServices/accounts",
        name,
        LOC,
        {
            "customSubDomainName": name,
            "endpoint": f"https://{name}.cognitiveservices.azure.com/",
            "publicNetworkAccess": "Disabled",
            "disableLocalAuth": True,
            "networkAcls": {"defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []},
            "capabilities": [
                {"name": "DynamicThrottling"},
                {"name": "VirtualNetworks"},
                {"name": "CustomerManagedKey"},
                {"name": "CustomerManagedStorage"},
                {"name": "Container", "value": "SpeechServices.*"},
            ],
        },
        kind="SpeechServices",
        sku={"name": "S0"},
        identity=c.b.system_identity(name),
        tags={"owner": "datascience@contoso.com", "environment": "sandbox"},
    )
    # Otherwise well kept (no public access, Entra ID only, logs to the SOC workspace), so
    # customer-owned storage is the one thing wrong with it.
    c.b.diagnostic_setting(
        c.res["sb_speech"]["id"],
        "to-law",
        workspace_id=c.law_id,
        logs=[{"categoryGroup": "allLogs", "enabled": True}],
    )


def _private_dns(c: Contoso) -> None:
    b = c.b
    rg = c.rgs["corp"]
    zone = b.resource(rg, f"{_NET}/privateDnsZones", "privatelink.openai.azure.com", "global", {})
    oai = c.res["corp_oai"]
    pe_oai_id = oai["properties"]["privateEndpointConnections"][0]["properties"]["privateEndpoint"][
        "id"
    ]
    pe_oai = next(r for r in b.rows if r["id"] == pe_oai_id)
    b.child(
        pe_oai,
        "privateDnsZoneGroups",
        "default",
        {
            "provisioningState": "Succeeded",
            "privateDnsZoneConfigs": [
                {
                    "name": "privatelink-openai-azure-com",
                    "properties": {
                        "privateDnsZoneId": zone["id"],
                        "recordSets": [
                            {
                                "recordType": "A",
                                "recordSetName": "oai-contoso-corp-prod",
                                "fqdn": "oai-contoso-corp-prod.privatelink.openai.azure.com",
                                "ttl": 10,
                                "ipAddresses": ["10.20.1.4"],
                            }
                        ],
                    },
                }
            ],
        },
    )
    # The search service's endpoint, created without "Integrate with private DNS zone".
    srch = c.res["corp_search"]
    pe_id = f"{rg}/providers/{_NET}/privateEndpoints/pe-srch-corp"
    srch["properties"]["privateEndpointConnections"] = [
        {
            "id": f"{srch['id']}/privateEndpointConnections/pe-srch-corp",
            "properties": {
                "privateEndpoint": {"id": pe_id},
                "privateLinkServiceConnectionState": {"status": "Approved"},
                "groupId": "searchService",
            },
        }
    ]
    subnet = pe_oai["properties"]["subnet"]["id"]
    b.add(
        {
            "id": pe_id,
            "name": "pe-srch-corp",
            "type": f"{_NET}/privateEndpoints",
            "location": LOC,
            "properties": {
                "subnet": {"id": subnet},
                "privateLinkServiceConnections": [
                    {
                        "name": "pe-srch-corp",
                        "properties": {
                            "privateLinkServiceId": srch["id"],
                            "groupIds": ["searchService"],
                            "privateLinkServiceConnectionState": {"status": "Approved"},
                        },
                    }
                ],
            },
        }
    )


def build(c: Contoso) -> None:
    _datastores(c)
    _customer_storage(c)
    _private_dns(c)
