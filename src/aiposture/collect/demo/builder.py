"""A small builder that writes Azure-shaped JSON for the demo tenant (and tests).

Everything it emits has the shape Azure returns (ARM GET casing for types, properties nested
under `properties`), so the demo exercises the same normalization as a real snapshot.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from aiposture.model.snapshot import Coverage, Metadata, Snapshot, ToolInfo
from aiposture.model.types import CoverageStatus

NAMESPACE = uuid.UUID("5a1d2c3e-0000-4000-8000-00000000a1a1")

ROLE = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services OpenAI Contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Cognitive Services User": "a97b65f3-24c7-4388-baec-2e87135dc908",
    "Cognitive Services Contributor": "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68",
    "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Search Index Data Reader": "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    "Search Index Data Contributor": "8ebe5a00-799e-43f5-93ac-243d3dce84a7",
    "AzureML Data Scientist": "f6c7c914-8db3-469d-8ca1-694a8f32e121",
    "Azure AI Developer": "64702f94-c441-49e6-a78b-ef80e0188fee",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Security Reader": "39bc4728-0917-49c7-9d2c-d95423bc2eb4",
    "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
}


def guid(*parts: str) -> str:
    """A deterministic GUID from a name, so the demo is identical on every run."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


class TenantBuilder:
    def __init__(self, tenant_id: str, collected_at: str, source: str = "demo") -> None:
        self.tenant_id = tenant_id
        self.collected_at = collected_at
        self.source = source
        self.rows: list[dict[str, Any]] = []
        self.graph: dict[str, list[dict[str, Any]]] = {}
        self.coverage: list[Coverage] = []
        self._ids: set[str] = set()

    # ---- ARM ---------------------------------------------------------------------------------

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        key = row["id"].lower()
        if key in self._ids:
            raise ValueError(f"duplicate demo resource {row['id']}")
        self._ids.add(key)
        self.rows.append(row)
        return row

    def management_group(
        self, name: str, display: str, parent: str | None, chain: list[tuple[str, str]]
    ) -> dict[str, Any]:
        pid = f"/providers/Microsoft.Management/managementGroups/{parent}" if parent else None
        return self.add(
            {
                "id": f"/providers/Microsoft.Management/managementGroups/{name}",
                "name": name,
                "type": "Microsoft.Management/managementGroups",
                "tenantId": self.tenant_id,
                "properties": {
                    "displayName": display,
                    "tenantId": self.tenant_id,
                    "details": {
                        "parent": {"id": pid, "name": parent} if parent else None,
                        "managementGroupAncestorsChain": [
                            {"name": n, "displayName": d} for n, d in chain
                        ],
                    },
                },
            }
        )

    def subscription(
        self, sub_id: str, display: str, chain: list[tuple[str, str]]
    ) -> dict[str, Any]:
        return self.add(
            {
                "id": f"/subscriptions/{sub_id}",
                "name": display,
                "type": "Microsoft.Resources/subscriptions",
                "subscriptionId": sub_id,
                "tenantId": self.tenant_id,
                "properties": {
                    "state": "Enabled",
                    "managementGroupAncestorsChain": [
                        {"name": n, "displayName": d} for n, d in chain
                    ],
                },
            }
        )

    def resource_group(self, sub_id: str, name: str, location: str) -> str:
        rid = f"/subscriptions/{sub_id}/resourceGroups/{name}"
        self.add(
            {
                "id": rid,
                "name": name,
                "type": "Microsoft.Resources/resourceGroups",
                "location": location,
                "properties": {"provisioningState": "Succeeded"},
            }
        )
        return rid

    def resource(
        self,
        rg_id: str,
        rtype: str,
        name: str,
        location: str,
        properties: Mapping[str, Any],
        *,
        kind: str | None = None,
        sku: Mapping[str, Any] | None = None,
        identity: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": f"{rg_id}/providers/{rtype}/{name}",
            "name": name,
            "type": rtype,
            "location": location,
            "tags": dict(tags or {}),
            "properties": dict(properties),
        }
        if kind is not None:
            row["kind"] = kind
        if sku is not None:
            row["sku"] = dict(sku)
        if identity is not None:
            row["identity"] = dict(identity)
        return self.add(row)

    def child(
        self,
        parent: Mapping[str, Any],
        child_type: str,
        name: str,
        properties: Mapping[str, Any],
        *,
        sku: Mapping[str, Any] | None = None,
        identity: Mapping[str, Any] | None = None,
        location: str | None = None,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": f"{parent['id']}/{child_type}/{name}",
            "name": name,
            "type": f"{parent['type']}/{child_type}",
            "properties": dict(properties),
        }
        if sku is not None:
            row["sku"] = dict(sku)
        if identity is not None:
            row["identity"] = dict(identity)
        if location is not None:
            row["location"] = location
        return self.add(row)

    def system_identity(self, name: str) -> dict[str, Any]:
        return {
            "type": "SystemAssigned",
            "principalId": guid("mi", name),
            "tenantId": self.tenant_id,
        }

    def role_assignment(
        self,
        scope: str,
        role: str,
        principal_id: str,
        principal_type: str,
        *,
        condition: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        role_guid = ROLE.get(role, role)
        sub_part = scope.split("/")[2] if scope.lower().startswith("/subscriptions/") else None
        rd_prefix = f"/subscriptions/{sub_part}" if sub_part else ""
        name = guid("ra", scope.lower(), role_guid, principal_id)
        props: dict[str, Any] = {
            "roleDefinitionId": f"{rd_prefix}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role_guid}",
            "principalId": principal_id,
            "principalType": principal_type,
            "scope": scope,
            "createdOn": "2025-03-01T10:00:00Z",
        }
        if condition:
            props["condition"] = condition
            props["conditionVersion"] = "2.0"
        if description:
            props["description"] = description
        return self.add(
            {
                "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/"
                f"roleAssignments/{name}",
                "name": name,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": props,
            }
        )

    def diagnostic_setting(
        self,
        target_id: str,
        name: str,
        *,
        workspace_id: str | None = None,
        storage_account_id: str | None = None,
        logs: list[dict[str, Any]],
    ) -> dict[str, Any]:
        props: dict[str, Any] = {"logs": logs, "metrics": []}
        if workspace_id:
            props["workspaceId"] = workspace_id
        if storage_account_id:
            props["storageAccountId"] = storage_account_id
        return self.add(
            {
                "id": f"{target_id}/providers/microsoft.insights/diagnosticSettings/{name}",
                "name": name,
                "type": "Microsoft.Insights/diagnosticSettings",
                "properties": props,
            }
        )

    def pricing(
        self, sub_id: str, plan: str, tier: str, extensions: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        props: dict[str, Any] = {"pricingTier": tier}
        if extensions is not None:
            props["extensions"] = extensions
        return self.add(
            {
                "id": f"/subscriptions/{sub_id}/providers/Microsoft.Security/pricings/{plan}",
                "name": plan,
                "type": "Microsoft.Security/pricings",
                "properties": props,
            }
        )

    def policy_assignment(
        self,
        scope: str,
        name: str,
        definition_guid: str,
        display: str,
        *,
        enforcement: str = "Default",
        not_scopes: list[str] | None = None,
        initiative: bool = False,
        parameters: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        kind = "policySetDefinitions" if initiative else "policyDefinitions"
        return self.add(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}",
                "name": name,
                "type": "Microsoft.Authorization/policyAssignments",
                "properties": {
                    "displayName": display,
                    "policyDefinitionId": f"/providers/Microsoft.Authorization/{kind}/"
                    f"{definition_guid}",
                    "scope": scope,
                    "notScopes": list(not_scopes or []),
                    "enforcementMode": enforcement,
                    "parameters": dict(parameters or {}),
                },
            }
        )

    # ---- Graph -------------------------------------------------------------------------------

    def graph_object(self, collection: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.graph.setdefault(collection, []).append(obj)
        return obj

    # ---- result ------------------------------------------------------------------------------

    def complete(self, *collections: str) -> None:
        for c in collections:
            self.coverage.append(
                Coverage(collection=c, scope="tenant", status=CoverageStatus.COMPLETE)
            )

    def snapshot(self) -> Snapshot:
        return Snapshot(
            metadata=Metadata(
                tenant_id=self.tenant_id,
                cloud="AzureCloud",
                collected_at=self.collected_at,
                tool=ToolInfo(),
                source=self.source,
                scopes=("tenant",),
            ),
            coverage=list(self.coverage),
            resources=list(self.rows),
            graph={k: list(v) for k, v in self.graph.items()},
            origin=self.source,
        )
