"""Demo part "paths": identities that turn single misconfigurations into attack paths.

Together with the core (public chatbot whose identity owns every blob of its subscription,
pipeline SP with a client secret and Contributor, guest with Cognitive Services Contributor),
this gives every AIP-PATH rule a FAIL and a PASS. docs/demo-tenant.md, section "Part paths",
lists the expected paths.
"""

from __future__ import annotations

from aiposture.collect.demo.builder import guid
from aiposture.collect.demo.contoso import LOC, TENANT_ID, Contoso


def build(c: Contoso) -> None:
    b = c.b
    rg_corp = c.rgs["corp"]
    rg_sb = c.rgs["sandbox"]

    # AIP-PATH-002 FAIL: the sandbox workspace's identity was made Owner of its resource group
    # "so notebooks can create resources": code in any notebook can grant itself anything there.
    b.role_assignment(
        rg_sb,
        "Owner",
        c.res["sb_workspace"]["identity"]["principalId"],
        "ServicePrincipal",
        description="notebooks create their own resources",
    )

    # AIP-PATH-005 FAIL (run as compute): the data scientist's compute instance reads the
    # production hub storage; anyone who can submit jobs in the sandbox workspace reads it too.
    b.role_assignment(
        c.res["corp_storage"]["id"],
        "Storage Blob Data Reader",
        c.res["sb_ci"]["identity"]["principalId"],
        "ServicePrincipal",
        description="experiments on production documents",
    )

    # A user-assigned identity for batch scoring on the corp hub, with the hub vault's secrets.
    uami_name = "id-batch-scoring"
    uami_pid = guid("mi", uami_name)
    uami = b.resource(
        rg_corp,
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        uami_name,
        LOC,
        {"principalId": uami_pid, "clientId": guid("miclient", uami_name), "tenantId": TENANT_ID},
        tags={"owner": "ai-platform@contoso.com", "environment": "prod"},
    )
    c.res["corp_uami"] = uami
    b.graph_object(
        "servicePrincipals",
        {
            "id": uami_pid,
            "appId": guid("miapp", uami_name),
            "displayName": uami_name,
            "servicePrincipalType": "ManagedIdentity",
            "accountEnabled": True,
            "alternativeNames": ["isExplicit=True", uami["id"]],
        },
    )
    # AIP-PATH-005 PASS (compute): only platform admins can run jobs on the hub's compute.
    c.res["corp_batch"] = b.child(
        c.res["corp_hub"],
        "computes",
        "cpu-batch-scoring",
        {
            "computeType": "AmlCompute",
            "computeLocation": LOC,
            "disableLocalAuth": True,
            "properties": {
                "vmSize": "Standard_D4s_v5",
                "enableNodePublicIp": False,
                "scaleSettings": {"minNodeCount": 0, "maxNodeCount": 2},
            },
        },
        identity={
            "type": "UserAssigned",
            "userAssignedIdentities": {
                uami["id"]: {"principalId": uami_pid, "clientId": guid("miclient", uami_name)}
            },
        },
        location=LOC,
    )
    b.role_assignment(
        c.res["corp_kv"]["id"], "Key Vault Secrets User", uami_pid, "ServicePrincipal"
    )
    # AIP-PATH-005 FAIL (assign identity): the data scientist may attach the batch identity to
    # compute, and as Contributor of the sandbox resource group she can create that compute.
    b.role_assignment(
        uami["id"],
        "Managed Identity Operator",
        c.principals["data_scientist"],
        "User",
        description="debug batch scoring from the sandbox",
    )

    # AIP-PATH-004 FAIL (broad writer): a data-sync service principal (certificate, no secret)
    # writes blobs anywhere in the sandbox subscription, including the workspace's storage.
    sp_sync = c.principals["sp_datasync"] = guid("sp", "sp-data-sync")
    b.graph_object(
        "servicePrincipals",
        {
            "id": sp_sync,
            "appId": guid("app", "datasync"),
            "displayName": "sp-data-sync",
            "servicePrincipalType": "Application",
            "accountEnabled": True,
            "appOwnerOrganizationId": TENANT_ID,
            "passwordCredentials": [],
            "keyCredentials": [],
        },
    )
    b.graph_object(
        "applications",
        {
            "id": guid("appobj", "datasync"),
            "appId": guid("app", "datasync"),
            "displayName": "sp-data-sync",
            "passwordCredentials": [],
            "keyCredentials": [
                {
                    "keyId": guid("cert", "datasync"),
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "startDateTime": "2026-03-01T00:00:00Z",
                    "endDateTime": "2027-02-28T00:00:00Z",
                }
            ],
        },
    )
    b.role_assignment(
        c.sub_scope("sandbox"), "Storage Blob Data Contributor", sp_sync, "ServicePrincipal"
    )

    # AIP-PATH-003 FAIL (app admin): an integrations engineer holds Cloud Application
    # Administrator tenant-wide; she can add a client secret to sp-mlops-deploy, which may
    # rewrite deployments and content filters on the corp OpenAI account.
    casey = c.principals["app_admin"] = guid("user", "casey.integrations")
    b.graph_object(
        "users",
        {
            "id": casey,
            "displayName": "Casey Integrations",
            "userPrincipalName": "casey.integrations@contoso.com",
            "userType": "Member",
            "accountEnabled": True,
        },
    )
    b.graph_object(
        "directoryRoleAssignments",
        {
            "id": guid("dra", "casey-cloud-app-admin"),
            "principalId": casey,
            "roleDefinitionId": "158c047a-c907-4556-b7ef-446551a6b5f7",
            "directoryScopeId": "/",
        },
    )
