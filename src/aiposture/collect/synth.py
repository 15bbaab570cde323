"""Synthetic tenants of any size, for benchmarks and (later) the fake Azure.

`write_synth(path, resources=N, seed=S)` streams a snapshot of N ARM resources (top-level and
child resources; role assignments, diagnostic settings, pricings, policy assignments,
subscriptions, resource groups and management groups come on top) through SnapshotWriter.
Rows are generated workload by workload and written at once, so memory does not grow with N
except for two small indexes (the principal pool and the managed identities, which Graph needs
at the end). The same seed gives the same bytes: every choice comes from one random.Random.

The mix is meant to look like a real enterprise tenant: mostly VMs, disks, NICs, networks,
storage, web apps and databases, with a minority of AI workloads (Azure OpenAI / AI Services
accounts with deployments and content filters, ML workspaces and hubs with computes and linked
storage / key vault / registry, AI Search, AKS clusters with GPU pools), configured securely or
not at random, so every rule sees PASS and FAIL rows.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aiposture.collect.demo.builder import ROLE
from aiposture.model.snapshot import Coverage, Metadata, SnapshotWriter, ToolInfo
from aiposture.model.types import CoverageStatus

COLLECTED_AT = "2026-11-01T00:00:00Z"
NAMESPACE = uuid.UUID("0b7c4d8e-5f1a-4e2b-9c3d-7a6b5c4d3e2f")

LOCATIONS = ("swedencentral", "westeurope", "northeurope", "eastus2", "francecentral", "uksouth")
ENVS = ("prod", "dev", "test", "sandbox")
TEAMS = ("payments", "retail", "hr", "finance", "marketing", "research", "platform", "support")

# Collections a synthetic snapshot covers completely (what a full live collection records).
COLLECTIONS = (
    "resourceChanges",
    "resources",
    "subscriptions",
    "managementGroups",
    "resourceGroups",
    "deployments",
    "raiPolicies",
    "defenderForAISettings",
    "projects",
    "computes",
    "connections",
    "datastores",
    "privateDnsZoneGroups",
    "apiManagementBackends",
    "diagnosticSettings",
    "activityLogExport",
    "pricings",
    "roleAssignments",
    # Custom role definitions only: built-in definitions are the roles data's business.
    "roleDefinitions",
    "roleEligibilitySchedules",
    "policyAssignments",
    "policyExemptions",
    "policyStates",
    "policyDefinitions",
    "sentinel",
    "graph.servicePrincipals",
    "graph.applications",
    "graph.users",
    "graph.groups",
    "graph.groupMembers",
    "graph.directoryRoleAssignments",
    "graph.roleEligibilitySchedules",
    "graph.conditionalAccessPolicies",
)

# Every plan ARM lists in a subscription's Defender pricing list (the list always has them
# all, Free ones included, each with freeTrialRemainingTime).
DEFENDER_PLANS = (
    "VirtualMachines",
    "SqlServers",
    "AppServices",
    "StorageAccounts",
    "SqlServerVirtualMachines",
    "KeyVaults",
    "Dns",
    "Arm",
    "OpenSourceRelationalDatabases",
    "CosmosDbs",
    "Containers",
    "CloudPosture",
    "Api",
    "AI",
)

# Role mix for assignments: mostly data-plane and reader roles, some broad ones.
_ROLE_WEIGHTS = (
    ("Reader", 20),
    ("Contributor", 10),
    ("Owner", 2),
    ("User Access Administrator", 1),
    ("Storage Blob Data Reader", 8),
    ("Storage Blob Data Contributor", 6),
    ("Storage Blob Data Owner", 2),
    ("Key Vault Secrets User", 6),
    ("Key Vault Administrator", 1),
    ("Cognitive Services OpenAI User", 6),
    ("Cognitive Services OpenAI Contributor", 2),
    ("Cognitive Services User", 3),
    ("Cognitive Services Contributor", 1),
    ("Search Index Data Reader", 3),
    ("AzureML Data Scientist", 3),
    ("Azure AI Developer", 2),
    ("AcrPull", 6),
    ("AcrPush", 1),
    ("Security Reader", 2),
)
_ROLES = tuple(ROLE[name] for name, _ in _ROLE_WEIGHTS)
_ROLE_CUM = tuple(sum(w for _, w in _ROLE_WEIGHTS[: i + 1]) for i in range(len(_ROLE_WEIGHTS)))

MCSB_INITIATIVE = "1f3afdf9-d0c9-4c3d-847f-89da613e70a8"
POLICY_AI_NETWORK = "037eea7a-bd0a-46c5-9a66-03aea78705d3"
POLICY_AI_LOCAL_AUTH = "71ef260a-8f18-47b7-abcb-62d0673d94dc"
POLICY_ALLOWED_LOCATIONS = "e56962a6-4747-49cd-b67b-bf8b01975c4c"
AUTH = "providers/Microsoft.Authorization"

Row = dict[str, Any]


@dataclass
class SynthStats:
    resources: int = 0  # ARM resources (top-level and child), the N asked for
    rows: int = 0  # every row written to `resources`, including role assignments etc.
    role_assignments: int = 0
    subscriptions: int = 0
    principals: int = 0
    ai_resources: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


class _Synth:
    def __init__(self, writer: SnapshotWriter, resources: int, seed: int) -> None:
        self.w = writer
        self.n = resources
        self.seed = seed
        self.rng = random.Random(seed)
        self.tenant = str(uuid.uuid5(NAMESPACE, f"tenant/{seed}"))
        self.stats = SynthStats()
        # Principal pool: users, groups and application service principals.
        scale = max(resources, 100)
        self.users = [self._guid() for _ in range(max(20, scale // 40))]
        self.groups = [self._guid() for _ in range(max(5, scale // 400))]
        self.apps = [self._guid() for _ in range(max(10, scale // 100))]
        # Managed identities seen on resources: (principal id, name, resource id).
        self.mis: list[tuple[str, str, str]] = []
        self.n_subs = min(max(2, resources // 2500), 1000)
        self.subs = [self._guid() for _ in range(self.n_subs)]
        self.sub_index = -1
        self.rg = ""
        self.rg_left = 0
        self.rg_seq = 0
        self.law_id = ""
        self.seq = 0
        self.change_targets: list[str] = []  # AI accounts that get change records (history/)

    # ---- helpers -------------------------------------------------------------------------

    def _guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    def _pick(self, seq: tuple[Any, ...] | list[Any]) -> Any:
        return seq[int(self.rng.random() * len(seq))]

    def _role(self) -> str:
        x = self.rng.random() * _ROLE_CUM[-1]
        for i, c in enumerate(_ROLE_CUM):
            if x < c:
                return _ROLES[i]
        return _ROLES[-1]  # pragma: no cover - float edge

    def _emit(self, row: Row) -> None:
        self.w.add(row)
        self.stats.rows += 1

    def _tags(self) -> dict[str, str]:
        if self._chance(0.2):
            return {}
        tags = {"environment": self._pick(ENVS), "owner": f"{self._pick(TEAMS)}@contoso.com"}
        if self._chance(0.5):
            tags["costCenter"] = f"cc-{self.rng.randint(1000, 9999)}"
        return tags

    def _identity(self, name: str, rid: str, p: float) -> dict[str, Any] | None:
        if not self._chance(p):
            return None
        pid = self._guid()
        self.mis.append((pid, name, rid))
        return {"type": "SystemAssigned", "principalId": pid, "tenantId": self.tenant}

    # ---- tenant scaffolding ---------------------------------------------------------------

    def management_groups(self) -> None:
        root = self.tenant
        tree = [
            (root, "Tenant Root Group", None),
            ("mg-contoso", "Contoso", root),
            ("mg-platform", "Platform", "mg-contoso"),
            ("mg-landingzones", "Landing zones", "mg-contoso"),
            ("mg-corp", "Corp", "mg-landingzones"),
            ("mg-online", "Online", "mg-landingzones"),
            ("mg-sandbox", "Sandbox", "mg-contoso"),
        ]
        parents = {name: parent for name, _, parent in tree}
        displays = {name: display for name, display, _ in tree}
        for name, display, parent in tree:
            self._emit(
                {
                    "id": f"/providers/Microsoft.Management/managementGroups/{name}",
                    "name": name,
                    "type": "Microsoft.Management/managementGroups",
                    "tenantId": self.tenant,
                    "properties": {
                        "displayName": display,
                        "tenantId": self.tenant,
                        "details": {
                            "parent": {
                                "id": f"/providers/Microsoft.Management/managementGroups/{parent}",
                                "name": parent,
                            }
                            if parent
                            else None,
                            "managementGroupAncestorsChain": [
                                {"name": a, "displayName": displays[a]}
                                for a in self._ancestors(parent, parents)
                            ],
                        },
                    },
                }
            )
        self.mg_chains = {
            leaf: [{"name": a, "displayName": displays[a]} for a in self._ancestors(leaf, parents)]
            for leaf in ("mg-platform", "mg-corp", "mg-online", "mg-sandbox")
        }
        mg_root = f"/providers/Microsoft.Management/managementGroups/{root}"
        self._policy(mg_root, "mcsb", MCSB_INITIATIVE, "Microsoft cloud security benchmark", True)
        self._role_assignment(mg_root, ROLE["Owner"], self._pick(self.groups), "Group")
        self._eligibility(mg_root, ROLE["Owner"], self._pick(self.users))
        # A custom initiative at the Contoso group (what a landing-zone deployment leaves),
        # assigned to the landing zones; and the allowed-locations guardrail there.
        mg = "/providers/Microsoft.Management/managementGroups"
        self._emit(
            {
                "id": f"{mg}/mg-contoso/{AUTH}/policySetDefinitions/ai-guardrails",
                "name": "ai-guardrails",
                "type": "Microsoft.Authorization/policySetDefinitions",
                "properties": {
                    "policyType": "Custom",
                    "displayName": "AI guardrails",
                    "parameters": {},
                    "policyDefinitions": [
                        {
                            "policyDefinitionId": f"/{AUTH}/policyDefinitions/{guid_}",
                            "policyDefinitionReferenceId": ref,
                            "parameters": {},
                        }
                        for guid_, ref in (
                            (POLICY_AI_NETWORK, "aiNetwork"),
                            (POLICY_AI_LOCAL_AUTH, "aiLocalAuth"),
                        )
                    ],
                },
            }
        )
        self._emit(
            {
                "id": f"{mg}/mg-contoso/{AUTH}/policyDefinitions/deny-ai-kinds",
                "name": "deny-ai-kinds",
                "type": "Microsoft.Authorization/policyDefinitions",
                "properties": {
                    "policyType": "Custom",
                    "mode": "Indexed",
                    "displayName": "Only approved Cognitive Services kinds",
                    "parameters": {},
                    "policyRule": {
                        "if": {
                            "field": "type",
                            "equals": "Microsoft.CognitiveServices/accounts",
                        },
                        "then": {"effect": "Audit"},
                    },
                },
            }
        )
        lz = f"{mg}/mg-landingzones"
        self._policy(
            lz,
            "allowed-locations",
            POLICY_ALLOWED_LOCATIONS,
            "Allowed locations",
            False,
            {"listOfAllowedLocations": {"value": list(LOCATIONS)}},
        )

    @staticmethod
    def _ancestors(name: str | None, parents: dict[str, str | None]) -> list[str]:
        out = []
        while name:
            out.append(name)
            name = parents[name]
        return out

    def _policy(
        self,
        scope: str,
        name: str,
        definition: str,
        display: str,
        initiative: bool,
        parameters: dict[str, Any] | None = None,
    ) -> str:
        kind = "policySetDefinitions" if initiative else "policyDefinitions"
        aid = f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}"
        self._emit(
            {
                "id": aid,
                "name": name,
                "type": "Microsoft.Authorization/policyAssignments",
                "properties": {
                    "displayName": display,
                    "policyDefinitionId": f"/providers/Microsoft.Authorization/{kind}/{definition}",
                    "scope": scope,
                    "notScopes": [],
                    "enforcementMode": "Default" if self._chance(0.7) else "DoNotEnforce",
                    "parameters": parameters or {},
                },
            }
        )
        return aid

    def _exemption(self, scope: str, assignment_id: str) -> None:
        """A waiver on one policy assignment; a third never expire (what AIP-GOV-005 looks for)."""
        name = f"exempt-{self.rng.randint(1000, 9999)}"
        props: dict[str, Any] = {
            "policyAssignmentId": assignment_id,
            "exemptionCategory": self._pick(("Waiver", "Mitigated")),
            "displayName": name,
        }
        if self._chance(0.67):
            props["expiresOn"] = self._pick(("2026-03-31T00:00:00Z", "2027-06-30T00:00:00Z"))
        self._emit(
            {
                "id": f"{scope}/{AUTH}/policyExemptions/{name}",
                "name": name,
                "type": "Microsoft.Authorization/policyExemptions",
                "properties": props,
            }
        )

    def _eligibility(self, scope: str, role_guid: str, principal: str) -> None:
        """PIM: an eligible (not active) Azure role, as roleEligibilitySchedules lists it."""
        name = self._guid()
        sub = scope.split("/")[2] if scope.startswith("/subscriptions/") else None
        prefix = f"/subscriptions/{sub}" if sub else ""
        self._emit(
            {
                "id": f"{scope}/{AUTH}/roleEligibilitySchedules/{name}",
                "name": name,
                "type": "Microsoft.Authorization/roleEligibilitySchedules",
                "properties": {
                    "principalId": principal,
                    "principalType": "User",
                    "roleDefinitionId": f"{prefix}/{AUTH}/roleDefinitions/{role_guid}",
                    "scope": scope,
                    "memberType": "Direct",
                    "status": "Provisioned",
                    "startDateTime": "2026-01-05T08:00:00Z",
                    "endDateTime": self._pick(("2027-01-05T08:00:00Z", None)),
                },
            }
        )

    def _policy_states(self, resource_id: str, compliant: dict[str, bool]) -> None:
        """Compliance of one AI resource against the AI assignments of its subscription."""
        for aid, (definition, ok) in self.sub_policies.items():
            state = compliant.get(definition, ok)
            name = str(uuid.uuid5(NAMESPACE, f"policystate/{resource_id}/{aid}"))
            self._emit(
                {
                    "id": f"{resource_id}/providers/Microsoft.PolicyInsights/policyStates/{name}",
                    "name": name,
                    "type": "Microsoft.PolicyInsights/policyStates",
                    "properties": {
                        "complianceState": "Compliant" if state else "NonCompliant",
                        "resourceId": resource_id,
                        "policyAssignmentId": aid,
                        "policyDefinitionId": f"/{AUTH}/policyDefinitions/{definition}",
                        "timestamp": "2026-11-01T06:00:00Z",
                    },
                }
            )

    def _next_subscription(self) -> None:
        self.sub_index += 1
        sid = self.subs[self.sub_index]
        leaf = (
            "mg-platform"
            if self.sub_index == 0
            else self._pick(("mg-corp", "mg-corp", "mg-online", "mg-sandbox"))
        )
        team = self._pick(TEAMS)
        self._emit(
            {
                "id": f"/subscriptions/{sid}",
                "name": f"sub-{team}-{self.sub_index:04d}",
                "type": "Microsoft.Resources/subscriptions",
                "subscriptionId": sid,
                "tenantId": self.tenant,
                "properties": {
                    "state": "Enabled",
                    "managementGroupAncestorsChain": self.mg_chains[leaf],
                },
            }
        )
        self.stats.subscriptions += 1
        scope = f"/subscriptions/{sid}"
        for plan in DEFENDER_PLANS:
            tier = "Standard" if self._chance(0.5) else "Free"
            if plan == "AI" and self.sub_index < 2:
                tier = ("Standard", "Free")[self.sub_index]  # even tiny tenants show both
            props: dict[str, Any] = {"pricingTier": tier, "freeTrialRemainingTime": "PT0S"}
            if plan == "AI" and tier == "Standard":
                props["extensions"] = [
                    {
                        "name": "AIPromptEvidence",
                        "isEnabled": "True" if self._chance(0.5) else "False",
                    }
                ]
            self._emit(
                {
                    "id": f"{scope}/providers/Microsoft.Security/pricings/{plan}",
                    "name": plan,
                    "type": "Microsoft.Security/pricings",
                    "properties": props,
                }
            )
        # AI policy assignments of this subscription: id -> (definition, default compliance).
        self.sub_policies: dict[str, tuple[str, bool]] = {}
        first = self.sub_index == 0  # even tiny tenants have one of each
        if self._chance(0.5) or first:
            aid = self._policy(
                scope,
                "deny-ai-public",
                POLICY_AI_NETWORK,
                "Azure AI Services resources should restrict network access",
                False,
            )
            self.sub_policies[aid] = (POLICY_AI_NETWORK, True)
            if self._chance(0.3) or first:
                self._exemption(scope, aid)
        if self._chance(0.3):
            aid = self._policy(
                scope,
                "ai-local-auth",
                POLICY_AI_LOCAL_AUTH,
                "Azure AI Services resources should have key access disabled",
                False,
            )
            self.sub_policies[aid] = (POLICY_AI_LOCAL_AUTH, True)
        if first or uuid.uuid5(NAMESPACE, f"bot-guardrails/{scope}").int % 3 == 0:
            self._bot_guardrails(scope)
        if self._chance(0.3) or first:
            # A custom role scoped to this subscription, and who may hold Owner through PIM.
            self._custom_role(scope)
        if self._chance(0.5) or first:
            self._eligibility(scope, ROLE["Owner"], self._pick(self.users))
        if self.law_id and self._chance(0.6):
            self._diag(scope, "activity-to-law", ["Administrative", "Security", "Policy"])
        for _ in range(self.rng.randint(1, 3)):
            self._role_assignment(scope, self._role(), *self._principal())
        self.rg_left = 0

    def _bot_guardrails(self, scope: str) -> None:
        """The ALZ Enforce-Guardrails-BotService initiative on a third of the subscriptions (GOV-002
        and -003 PASS for their bots); no random draws, so the rest of the tenant is unchanged."""
        name = "enforce-gr-botservice"
        self._emit(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}",
                "name": name,
                "type": "Microsoft.Authorization/policyAssignments",
                "properties": {
                    "displayName": "Enforce recommended guardrails for Bot Service",
                    "policyDefinitionId": f"/providers/Microsoft.Management/managementGroups/"
                    f"{self.tenant}/providers/Microsoft.Authorization/policySetDefinitions/"
                    "Enforce-Guardrails-BotService",
                    "scope": scope,
                    "notScopes": [],
                    "enforcementMode": "Default",
                    "parameters": {},
                },
            }
        )

    def _custom_role(self, scope: str) -> None:
        guid_ = str(uuid.uuid5(NAMESPACE, f"customrole/{scope}"))
        self._emit(
            {
                "id": f"{scope}/{AUTH}/roleDefinitions/{guid_}",
                "name": guid_,
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": f"AI Operator {scope.rsplit('/', 1)[-1][:8]}",
                    "type": "CustomRole",
                    "description": "MLOps on-call: manage AI accounts",
                    "assignableScopes": [scope],
                    "permissions": [
                        {
                            "actions": [
                                "Microsoft.CognitiveServices/*",
                                "Microsoft.Resources/subscriptions/resourceGroups/read",
                            ],
                            "notActions": [],
                            "dataActions": [],
                            "notDataActions": [],
                        }
                    ],
                },
            }
        )
        self._role_assignment(scope, guid_, *self._principal())

    def _child(self, parent: Row, rtype: str, name: str, props: dict[str, Any]) -> None:
        """A child row that is configuration, not a resource (no role assignments, not in N)."""
        self._emit(
            {
                "id": f"{parent['id']}/{rtype}/{name}",
                "name": name,
                "type": f"{parent['type']}/{rtype}",
                "properties": props,
            }
        )

    def _next_rg(self) -> None:
        sid = self.subs[self.sub_index]
        self.rg_seq += 1
        name = f"rg-{self._pick(TEAMS)}-{self._pick(ENVS)}-{self.rg_seq:06d}"
        self.rg = f"/subscriptions/{sid}/resourceGroups/{name}"
        self.location = self._pick(LOCATIONS)
        self._emit(
            {
                "id": self.rg,
                "name": name,
                "type": "Microsoft.Resources/resourceGroups",
                "location": self.location,
                "tags": self._tags(),
                "properties": {"provisioningState": "Succeeded"},
            }
        )
        self.rg_left = self.rng.randint(6, 40)

    # ---- per-resource extras --------------------------------------------------------------

    def _principal(self) -> tuple[str, str]:
        x = self.rng.random()
        if x < 0.45:
            return self._pick(self.users), "User"
        if x < 0.65:
            return self._pick(self.groups), "Group"
        if x < 0.85 or not self.mis:
            return self._pick(self.apps), "ServicePrincipal"
        return self.mis[int(self.rng.random() * len(self.mis))][0], "ServicePrincipal"

    def _role_assignment(self, scope: str, role_guid: str, principal: str, ptype: str) -> None:
        name = self._guid()
        sub = scope.split("/")[2] if scope.startswith("/subscriptions/") else None
        prefix = f"/subscriptions/{sub}" if sub else ""
        self._emit(
            {
                "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
                "name": name,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": f"{prefix}/providers/Microsoft.Authorization/"
                    f"roleDefinitions/{role_guid}",
                    "principalId": principal,
                    "principalType": ptype,
                    "scope": scope,
                    "createdOn": "2025-06-01T10:00:00Z",
                },
            }
        )
        self.stats.role_assignments += 1

    def _diag(self, target: str, name: str, categories: list[str] | None = None) -> None:
        if categories is None:
            logs: list[dict[str, Any]] = (
                [{"categoryGroup": "allLogs", "enabled": True}]
                if self._chance(0.6)
                else [{"category": "Audit", "enabled": True}]
            )
        else:
            logs = [{"category": c, "enabled": True} for c in categories]
        props: dict[str, Any] = {
            "logs": logs,
            "metrics": [{"category": "AllMetrics", "enabled": True}],
        }
        props["workspaceId"] = self.law_id
        self._emit(
            {
                "id": f"{target}/providers/microsoft.insights/diagnosticSettings/{name}",
                "name": name,
                "type": "Microsoft.Insights/diagnosticSettings",
                "properties": props,
            }
        )

    def _resource(
        self,
        rtype: str,
        name: str,
        props: dict[str, Any],
        *,
        parent: Row | None = None,
        kind: str | None = None,
        sku: dict[str, Any] | None = None,
        identity_p: float = 0.0,
        diag_p: float = 0.0,
        ai: bool = False,
    ) -> Row:
        """Emit one ARM resource with its role assignments and maybe a diagnostic setting."""
        if parent is None:
            rid = f"{self.rg}/providers/{rtype}/{name}"
            row: Row = {
                "id": rid,
                "name": name,
                "type": rtype,
                "location": self.location,
                "tags": self._tags(),
            }
        else:
            rid = f"{parent['id']}/{rtype}/{name}"
            row = {"id": rid, "name": name, "type": f"{parent['type']}/{rtype}"}
        if kind is not None:
            row["kind"] = kind
        if sku is not None:
            row["sku"] = sku
        ident = self._identity(name, rid, identity_p) if identity_p else None
        if ident is not None:
            row["identity"] = ident
        row["properties"] = props
        self._emit(row)
        st = self.stats
        st.resources += 1
        st.by_type[row["type"]] = st.by_type.get(row["type"], 0) + 1
        if ai:
            st.ai_resources += 1
        if diag_p and self.law_id and self._chance(diag_p):
            self._diag(rid, "to-law")
        # 2-5 role assignments per resource: mostly at the resource, some at its group and a
        # few at the subscription (~7 per resource group and ~40 per subscription, as in real
        # tenants; broad scopes grant on everything below them).
        sub_scope = self.rg.rsplit("/resourceGroups/", 1)[0]
        for _ in range(self.rng.randint(2, 5)):
            x = self.rng.random()
            scope = rid if x < 0.9 else (self.rg if x < 0.995 else sub_scope)
            self._role_assignment(scope, self._role(), *self._principal())
        return row

    def _name(self, prefix: str) -> str:
        self.seq += 1
        return f"{prefix}{self.seq:07d}"

    # ---- workloads ------------------------------------------------------------------------

    def _public(self) -> str:
        return "Enabled" if self._chance(0.5) else "Disabled"

    def _storage(self, name: str | None = None) -> Row:
        props: dict[str, Any] = {"supportsHttpsTrafficOnly": True}
        if self._chance(0.7):
            props["allowBlobPublicAccess"] = self._chance(0.2)
        if self._chance(0.6):
            props["minimumTlsVersion"] = self._pick(("TLS1_2", "TLS1_2", "TLS1_0"))
        if self._chance(0.5):
            props["allowSharedKeyAccess"] = self._chance(0.5)
        if self._chance(0.6):
            props["publicNetworkAccess"] = self._public()
        props["networkAcls"] = {
            "defaultAction": "Deny" if self._chance(0.4) else "Allow",
            "bypass": "AzureServices",
            "ipRules": [],
            "virtualNetworkRules": [],
        }
        props["encryption"] = {
            "keySource": "Microsoft.Storage",
            "services": {"blob": {"enabled": True}},
        }
        props["privateEndpointConnections"] = []
        return self._resource(
            "Microsoft.Storage/storageAccounts",
            name or self._name("st"),
            props,
            kind="StorageV2",
            sku={"name": self._pick(("Standard_LRS", "Standard_ZRS", "Standard_GRS"))},
            diag_p=0.2,
        )

    def _key_vault(self) -> Row:
        name = self._name("kv-")
        props: dict[str, Any] = {
            "tenantId": self.tenant,
            "sku": {"family": "A", "name": "standard"},
            "enableSoftDelete": True,
            "vaultUri": f"https://{name}.vault.azure.net/",
            "privateEndpointConnections": [],
        }
        if self._chance(0.6):
            props["enableRbacAuthorization"] = True
        else:
            props["accessPolicies"] = []
        if self._chance(0.5):
            props["enablePurgeProtection"] = True
        if self._chance(0.5):
            props["publicNetworkAccess"] = self._public()
        return self._resource("Microsoft.KeyVault/vaults", name, props, diag_p=0.4)

    def _registry(self) -> Row:
        props = {
            "adminUserEnabled": self._chance(0.3),
            "publicNetworkAccess": self._public(),
            "privateEndpointConnections": [],
        }
        return self._resource(
            "Microsoft.ContainerRegistry/registries",
            self._name("cr"),
            props,
            sku={"name": self._pick(("Basic", "Standard", "Premium"))},
        )

    def _app_insights(self) -> Row:
        return self._resource(
            "Microsoft.Insights/components",
            self._name("appi-"),
            {"Application_Type": "web", "WorkspaceResourceId": self.law_id},
            kind="web",
        )

    def _private_endpoint(self, target: Row, group: str) -> dict[str, Any]:
        vnet = self._vnet()
        pe = self._resource(
            "Microsoft.Network/privateEndpoints",
            f"pe-{target['name']}",
            {
                "privateLinkServiceConnections": [
                    {
                        "name": f"plsc-{target['name']}",
                        "properties": {
                            "privateLinkServiceId": target["id"],
                            "groupIds": [group],
                            "privateLinkServiceConnectionState": {"status": "Approved"},
                        },
                    }
                ],
                "subnet": {"id": f"{vnet['id']}/subnets/snet-0"},
            },
        )
        # AIP-NET-019: one endpoint in three without a zone group, from the target's name
        # sequence number (the random stream untouched).
        if int("".join(ch for ch in target["name"] if ch.isdigit()) or "0") % 3:
            zone = "privatelink.cognitiveservices.azure.com"
            self._child(
                pe,
                "privateDnsZoneGroups",
                "default",
                {
                    "privateDnsZoneConfigs": [
                        {
                            "name": zone.replace(".", "-"),
                            "properties": {
                                "privateDnsZoneId": f"{vnet['id'].split('/providers/')[0]}"
                                f"/providers/Microsoft.Network/privateDnsZones/{zone}"
                            },
                        }
                    ]
                },
            )
        return {
            "id": f"{target['id']}/privateEndpointConnections/{pe['name']}",
            "properties": {
                "privateEndpoint": {"id": pe["id"]},
                "privateLinkServiceConnectionState": {"status": "Approved"},
                "groupIds": [group],
            },
        }

    def w_openai(self) -> None:
        kind = self._pick(
            ("OpenAI", "OpenAI", "AIServices", "AIServices", "TextAnalytics", "FormRecognizer")
        )
        name = self._name("oai-" if kind == "OpenAI" else "ais-")
        private = self._chance(0.4)
        props: dict[str, Any] = {
            "customSubDomainName": name,
            "endpoint": f"https://{name}.openai.azure.com/",
        }
        if private or self._chance(0.5):
            props["publicNetworkAccess"] = "Disabled" if private else "Enabled"
        if self._chance(0.5):
            props["networkAcls"] = {
                "defaultAction": "Deny" if self._chance(0.6) else "Allow",
                "ipRules": [{"value": f"203.0.113.{self.rng.randint(0, 255)}"}]
                if self._chance(0.5)
                else [],
                "virtualNetworkRules": [],
            }
        if self._chance(0.6):
            props["disableLocalAuth"] = self._chance(0.6)
        if self._chance(0.2):
            props["encryption"] = {
                "keySource": "Microsoft.KeyVault",
                "keyVaultProperties": {
                    "keyName": "cmk",
                    "keyVersion": "1",
                    "keyVaultUri": "https://kv-cmk.vault.azure.net/",
                },
            }
        if self._chance(0.2):
            st = self._storage()
            props["userOwnedStorage"] = [{"resourceId": st["id"]}]
        # AIP-DAT-014: ARM always returns the capabilities; the kinds that can keep their data
        # in customer-owned storage carry CustomerManagedStorage.
        caps = [{"name": "VirtualNetworks"}, {"name": "CustomerManagedKey"}]
        if kind != "OpenAI":
            caps.append({"name": "CustomerManagedStorage"})
        props["capabilities"] = caps
        acc_id = f"{self.rg}/providers/Microsoft.CognitiveServices/accounts/{name}"
        # Built before the account so the account row carries its connection.
        props["privateEndpointConnections"] = (
            [self._private_endpoint({"id": acc_id, "name": name}, "account")] if private else []
        )
        acc = self._resource(
            "Microsoft.CognitiveServices/accounts",
            name,
            props,
            kind=kind,
            sku={"name": "S0"},
            identity_p=0.6,
            diag_p=0.5,
            ai=True,
        )
        self._policy_states(
            acc_id,
            {
                POLICY_AI_NETWORK: props.get("publicNetworkAccess") == "Disabled",
                POLICY_AI_LOCAL_AUTH: props.get("disableLocalAuth") is True,
            },
        )
        if len(self.change_targets) < _MAX_CHANGE_TARGETS:
            self.change_targets.append(acc["id"])
        if kind not in ("OpenAI", "AIServices"):
            return
        if uuid.uuid5(NAMESPACE, f"bot/{acc['id']}").int % 5 < 2:
            self._bot(acc)
        # Defender for AI settings: ARM lists one "Default" per OpenAI / AI Services account.
        self._child(
            acc,
            "defenderForAISettings",
            "Default",
            {"state": "Enabled" if self._chance(0.6) else "Disabled"},
        )
        if kind == "AIServices":
            for _ in range(self.rng.randint(0, 2)):
                self._resource(
                    "projects",
                    self._name("proj-"),
                    {"displayName": "project", "isDefault": False},
                    parent=acc,
                    identity_p=1.0,
                    ai=True,
                )
        custom: list[str] = []
        if self._chance(0.4):
            pol = f"filter-{self.rng.randint(1, 99)}"
            custom.append(pol)
            blocking = self._chance(0.6)
            self._resource(
                "raiPolicies",
                pol,
                {
                    "basePolicyName": "Microsoft.DefaultV2",
                    "mode": "Blocking" if blocking else "Asynchronous_filter",
                    "type": "UserManaged",
                    "contentFilters": [
                        *(
                            {
                                "name": cat,
                                "enabled": True,
                                "blocking": True,
                                "severityThreshold": self._pick(("Low", "Medium", "High")),
                                "source": src,
                            }
                            for cat in ("Hate", "Sexual", "Violence", "Selfharm")
                            for src in ("Prompt", "Completion")
                        ),
                        {
                            "name": "Jailbreak",
                            "enabled": True,
                            "blocking": blocking,
                            "source": "Prompt",
                        },
                        # AIP-MDL-010; from the name sequence, not the random stream.
                        *(
                            {
                                "name": f"Protected Material {kind}",
                                "enabled": True,
                                "blocking": self.seq % 3 != 0,
                                "source": "Completion",
                            }
                            for kind in ("Text", "Code")
                        ),
                    ],
                },
                parent=acc,
                ai=True,
            )
        models = (
            ("gpt-4o", "2024-11-20"),
            ("gpt-4o-mini", "2024-07-18"),
            ("text-embedding-3-large", "1"),
            ("gpt-35-turbo", "0613"),
            ("o3-mini", "2025-01-31"),
        )
        for i in range(self.rng.randint(1, 4)):
            model, version = self._pick(models)
            dprops: dict[str, Any] = {
                "model": {"format": "OpenAI", "name": model, "version": version},
                "versionUpgradeOption": self._pick(
                    ("OnceNewDefaultVersionAvailable", "NoAutoUpgrade")
                ),
            }
            rai = self._pick(
                (None, "Microsoft.DefaultV2", "Microsoft.Default", "Microsoft.Nil", *custom)
            )
            if rai is not None:
                dprops["raiPolicyName"] = rai
            self._resource(
                "deployments",
                f"{model}-{i}",
                dprops,
                parent=acc,
                sku={
                    "name": self._pick(("Standard", "GlobalStandard", "ProvisionedManaged")),
                    "capacity": self.rng.randint(1, 300),
                },
                ai=True,
            )

    def _bot(self, acc: Row) -> None:
        """An Azure Bot (agent channel) in front of two in five OpenAI / AI Services accounts,
        its settings chosen from a hash of the account id and written as a per-resource extra (no
        role assignments, not in N, no random draws), so the rest of the tenant is unchanged.
        About a third are isolated with an approved private endpoint, half have local auth
        disabled, one in five uses a customer-managed key, one in seven still posts to a
        plain-HTTP endpoint; a few use a multi-tenant app registration."""
        h = uuid.uuid5(NAMESPACE, f"bot/{acc['id']}").int // 5
        name = f"bot-{acc['name']}"
        rid = f"{self.rg}/providers/Microsoft.BotService/botServices/{name}"
        n = h % 2520  # divisible by 9, 7, 5 and 4: the choices below are independent
        isolated = n % 9 in (0, 4, 7)
        props: dict[str, Any] = {
            "displayName": name,
            "endpoint": f"{'http' if n % 7 == 3 else 'https'}://app-{name}.azurewebsites.net"
            "/api/messages",
            "msaAppType": ("UserAssignedMSI", "SingleTenant", "MultiTenant")[n % 5 % 3],
            "msaAppId": str(uuid.uuid5(NAMESPACE, f"bot-app/{rid}")),
            "tenantId": self.tenant,
            "isCmekEnabled": n % 5 == 0,
            "privateEndpointConnections": [],
        }
        if props["isCmekEnabled"]:
            props["cmekKeyVaultUrl"] = f"https://kv-{name}.vault.azure.net/keys/bot"
        if n % 4:  # absent on one in four: the REST default (Enabled) applies
            props["publicNetworkAccess"] = "Disabled" if isolated else "Enabled"
        if n % 2 == 0:
            props["disableLocalAuth"] = True
        if isolated:
            pe = f"{self.rg}/providers/Microsoft.Network/privateEndpoints/pe-{name}"
            props["privateEndpointConnections"] = [
                {
                    "id": f"{rid}/privateEndpointConnections/pe-{name}",
                    "properties": {
                        "privateEndpoint": {"id": pe},
                        "privateLinkServiceConnectionState": {"status": "Approved"},
                        "groupIds": ["Bot"],
                    },
                }
            ]
        self._emit(
            {
                "id": rid,
                "name": name,
                "type": "Microsoft.BotService/botServices",
                "location": "global",
                "kind": "azurebot",
                "sku": {"name": "S1"},
                "tags": dict(acc.get("tags") or {}),
                "properties": props,
            }
        )

    def w_ml(self) -> None:
        st = self._storage()
        kv = self._key_vault()
        acr = self._registry()
        appi = self._app_insights()
        hub = self._chance(0.4)
        props: dict[str, Any] = {
            "friendlyName": f"{self._pick(TEAMS)} workspace",
            "storageAccount": st["id"],
            "keyVault": kv["id"],
            "containerRegistry": acr["id"],
            "applicationInsights": appi["id"],
        }
        if self._chance(0.6):
            props["publicNetworkAccess"] = self._public()
        props["privateEndpointConnections"] = []
        # Returned by API 2024-04-01 and later (AIP-DAT-009). Chosen from the name sequence, not
        # the random stream, so that adding it left the rest of the tenant unchanged.
        props["systemDatastoresAuthMode"] = "identity" if self.seq % 3 else "accesskey"
        if self._chance(0.4):
            props["managedNetwork"] = {
                "isolationMode": self._pick(
                    ("Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound")
                )
            }
        ws = self._resource(
            "Microsoft.MachineLearningServices/workspaces",
            self._name("hub-" if hub else "mlw-"),
            props,
            kind="Hub" if hub else "Default",
            sku={"name": "Basic", "tier": "Basic"},
            identity_p=0.95,
            diag_p=0.4,
            ai=True,
        )
        if hub:
            self._resource(
                "Microsoft.MachineLearningServices/workspaces",
                self._name("proj-"),
                {
                    "friendlyName": "project",
                    "hubResourceId": ws["id"],
                    "storageAccount": st["id"],
                    "keyVault": kv["id"],
                },
                kind="Project",
                sku={"name": "Basic", "tier": "Basic"},
                identity_p=0.95,
                ai=True,
            )
        self._datastores(ws, st["name"], props["systemDatastoresAuthMode"])
        for i in range(self.rng.randint(0, 3)):
            category, auth = self._pick(
                (
                    ("AzureOpenAI", "AAD"),
                    ("AzureOpenAI", "ApiKey"),
                    ("AzureBlob", "AccountKey"),
                    ("AzureBlob", "AAD"),
                    ("Git", "PAT"),
                    ("CognitiveSearch", "ApiKey"),
                )
            )
            self._child(
                ws,
                "connections",
                f"conn-{category.lower()}-{i}",
                {
                    "category": category,
                    "authType": auth,
                    "target": f"https://{category.lower()}-{i}.example.azure.com/",
                    "isSharedToAll": self._chance(0.5),
                },
            )
        for _ in range(self.rng.randint(1, 3)):
            ci = self._chance(0.5)
            cprops: dict[str, Any] = {
                "vmSize": self._pick(
                    ("Standard_DS3_v2", "Standard_NC6s_v3", "Standard_NC24ads_A100_v4")
                ),
                "enableNodePublicIp": self._chance(0.5),
            }
            if ci:
                cprops["sshSettings"] = {"sshPublicAccess": self._pick(("Enabled", "Disabled"))}
                # AIP-GOV-010; from the name sequence, like systemDatastoresAuthMode above.
                cprops["osImageMetadata"] = {"isLatestOsImageVersion": self.seq % 4 != 0}
                if self.seq % 5:  # AIP-GOV-011; absent means no idle shutdown
                    cprops["idleTimeBeforeShutdown"] = ("PT30M", "PT60M", "PT2H")[self.seq % 3]
            else:
                cprops["scaleSettings"] = {
                    "minNodeCount": 0,
                    "maxNodeCount": self.rng.randint(1, 8),
                }
            self._resource(
                "computes",
                self._name("ci-" if ci else "cc-"),
                {
                    "computeType": "ComputeInstance" if ci else "AmlCompute",
                    "computeLocation": self.location,
                    "disableLocalAuth": self._chance(0.5),
                    "properties": cprops,
                },
                parent=ws,
                identity_p=0.3,
                ai=True,
            )
        self._ml_endpoint(ws)
        if self.seq % 2 == 0:
            self._databricks(ws)

    def _databricks(self, ws: Row) -> None:
        """An Azure Databricks workspace next to every other ML workspace (AIP-NET-013..016,
        AIP-MON-012), its settings chosen from the name sequence and written as per-resource
        extras (no role assignments, not in N, no random draws), so adding them left the rest
        of the tenant unchanged. Proportions as in tenants that grew from the portal's
        defaults: public access mostly on, secure cluster connectivity mostly on (the default
        since API 2024-05-01), VNet injection in most, private link only where public access
        is off."""
        n = self.seq
        m = n // 2  # n is even here
        name = f"dbw-{n:07d}"
        rid = f"{self.rg}/providers/Microsoft.Databricks/workspaces/{name}"
        sub = self.rg.rsplit("/resourceGroups/", 1)[0]
        private = m % 3 == 0
        params: dict[str, Any] = {
            "enableNoPublicIp": {"type": "Bool", "value": m % 4 != 2},
            "prepareEncryption": {"type": "Bool", "value": False},
            "requireInfrastructureEncryption": {"type": "Bool", "value": m % 2 == 0},
            "storageAccountName": {"type": "String", "value": f"dbstorage{n:07d}"},
        }
        if m % 5 < 3:
            vnet = f"{self.rg}/providers/Microsoft.Network/virtualNetworks/vnet-{name}"
            params["customVirtualNetworkId"] = {"type": "String", "value": vnet}
            params["customPublicSubnetName"] = {"type": "String", "value": "snet-dbx-host"}
            params["customPrivateSubnetName"] = {"type": "String", "value": "snet-dbx-container"}
        else:
            params["vnetAddressPrefix"] = {"type": "String", "value": "10.139"}
        pecs: list[dict[str, Any]] = []
        net = f"{self.rg}/providers/Microsoft.Network"
        if private or m % 7 == 1:
            pecs.append(
                {
                    "id": f"{rid}/privateEndpointConnections/{name}.pe",
                    "name": f"{name}.pe",
                    "type": "Microsoft.Databricks/workspaces/privateEndpointConnections",
                    "properties": {
                        "privateEndpoint": {"id": f"{net}/privateEndpoints/pe-{name}"},
                        "groupIds": ["databricks_ui_api"],
                        "privateLinkServiceConnectionState": {
                            "status": "Approved" if private else "Pending"
                        },
                    },
                }
            )
        self._emit(
            {
                "id": rid,
                "name": name,
                "type": "Microsoft.Databricks/workspaces",
                "location": self.location,
                "tags": dict(ws.get("tags") or {}),
                "sku": {"name": "premium" if m % 6 else "standard"},
                "properties": {
                    "managedResourceGroupId": f"{sub}/resourceGroups/databricks-rg-{name}",
                    "parameters": params,
                    "provisioningState": "Succeeded",
                    "publicNetworkAccess": "Disabled" if private else "Enabled",
                    "requiredNsgRules": "NoAzureDatabricksRules" if private else "AllRules",
                    "privateEndpointConnections": pecs,
                },
            }
        )
        if self.law_id and m % 8 < 5:
            self._diag(rid, "to-law", ["accounts", "clusters", "jobs", "notebook", "secrets"])

    def _ml_endpoint(self, ws: Row) -> None:
        """One serverless endpoint or online deployment per workspace (AIP-MDL-011), chosen
        from the name sequence and written as per-resource extras (no role assignments, not
        in N, no random draws), so adding them left the rest of the tenant unchanged."""
        registry = ("azureml-meta", "azureml", "hf-community-share", "azureml-mistral")[
            self.seq % 4
        ]
        model = f"azureml://registries/{registry}/models/model-{self.seq % 7}"
        name = f"ep-{self.seq:07d}"
        base = {"location": self.location, "tags": dict(ws.get("tags") or {})}
        if self.seq % 2:
            self._emit(
                {
                    "id": f"{ws['id']}/serverlessEndpoints/{name}",
                    "name": name,
                    "type": f"{ws['type']}/serverlessEndpoints",
                    **base,
                    "sku": {"name": "Consumption"},
                    "properties": {"authMode": "Key", "modelSettings": {"modelId": model}},
                }
            )
            return
        ep_id = f"{ws['id']}/onlineEndpoints/{name}"
        self._emit(
            {
                "id": ep_id,
                "name": name,
                "type": f"{ws['type']}/onlineEndpoints",
                **base,
                "properties": {"authMode": "AADToken", "traffic": {"blue": 100}},
            }
        )
        self._emit(
            {
                "id": f"{ep_id}/deployments/blue",
                "name": "blue",
                "type": f"{ws['type']}/onlineEndpoints/deployments",
                **base,
                "sku": {"name": "Default", "capacity": 1},
                "properties": {
                    "endpointComputeType": "Managed",
                    "model": f"{model}/versions/1",
                },
            }
        )

    def _datastores(self, ws: Row, storage: str, auth_mode: str) -> None:
        """System datastores (credential per systemDatastoresAuthMode) and one user datastore
        (AIP-DAT-013), chosen from the name sequence so the random stream is untouched."""
        system = "None" if auth_mode == "identity" else "AccountKey"
        user = ("None", "AccountKey", "None", "Sas", "None", "ServicePrincipal")[self.seq % 6]
        for name, cred, container in (
            ("workspaceblobstore", system, "azureml-blobstore"),
            (f"data-{self.seq}", user, "training-data"),
        ):
            self._child(
                ws,
                "datastores",
                name,
                {
                    "datastoreType": "AzureBlob",
                    "accountName": storage,
                    "containerName": container,
                    "endpoint": "core.windows.net",
                    "protocol": "https",
                    "isDefault": name == "workspaceblobstore",
                    "credentials": {"credentialsType": cred},
                },
            )

    def w_search(self) -> None:
        props: dict[str, Any] = {
            "hostingMode": "default",
            "networkRuleSet": {"ipRules": []},
            "privateEndpointConnections": [],
            # AIP-DAT-010; ARM returns it (Unspecified when never set). From the name sequence.
            "encryptionWithCmk": {
                "enforcement": ("Unspecified", "Enabled", "Disabled")[self.seq % 3]
            },
        }
        if self._chance(0.7):
            props["publicNetworkAccess"] = self._pick(("enabled", "disabled"))
        if self._chance(0.5):
            props["disableLocalAuth"] = self._chance(0.5)
        self._resource(
            "Microsoft.Search/searchServices",
            self._name("srch-"),
            props,
            sku={"name": self._pick(("basic", "standard", "standard2"))},
            identity_p=0.5,
            diag_p=0.4,
            ai=True,
        )

    def _vnet(self) -> Row:
        name = self._name("vnet-")
        vid = f"{self.rg}/providers/Microsoft.Network/virtualNetworks/{name}"
        return self._resource(
            "Microsoft.Network/virtualNetworks",
            name,
            {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [
                    {
                        "id": f"{vid}/subnets/snet-{i}",
                        "name": f"snet-{i}",
                        "properties": {"addressPrefix": f"10.0.{i}.0/24"},
                    }
                    for i in range(self.rng.randint(1, 4))
                ],
            },
        )

    def w_aks(self) -> None:
        vnet = self._vnet()
        gpu = self._chance(0.5)
        pools: list[dict[str, Any]] = [
            {
                "name": "system",
                "mode": "System",
                "count": 3,
                "vmSize": "Standard_D4s_v5",
                "vnetSubnetID": f"{vnet['id']}/subnets/snet-0",
            }
        ]
        if gpu:
            pools.append(
                {
                    "name": "gpu",
                    "mode": "User",
                    "count": self.rng.randint(1, 8),
                    "vmSize": self._pick(
                        ("Standard_NC24ads_A100_v4", "Standard_NC6s_v3", "Standard_ND96asr_v4")
                    ),
                    "nodeTaints": ["sku=gpu:NoSchedule"],
                }
            )
        props: dict[str, Any] = {
            "kubernetesVersion": "1.31.2",
            "enableRBAC": True,
            "agentPoolProfiles": pools,
            "networkProfile": {
                "networkPlugin": "azure",
                "networkPolicy": self._pick(("azure", "cilium", "none")),
            },
        }
        if self._chance(0.5):
            props["apiServerAccessProfile"] = {"enablePrivateCluster": self._chance(0.5)}
        if self._chance(0.6):
            props["aadProfile"] = {"managed": True, "enableAzureRBAC": self._chance(0.7)}
        if self._chance(0.5):
            props["disableLocalAccounts"] = True
        self._resource(
            "Microsoft.ContainerService/managedClusters",
            self._name("aks-"),
            props,
            identity_p=1.0,
            diag_p=0.3,
            ai=gpu,
        )

    def w_vm(self) -> None:
        nsg = self._resource(
            "Microsoft.Network/networkSecurityGroups",
            self._name("nsg-"),
            {
                "securityRules": [
                    {
                        "name": "allow-ssh",
                        "properties": {
                            "protocol": "Tcp",
                            "sourceAddressPrefix": self._pick(("*", "10.0.0.0/8", "Internet")),
                            "destinationPortRange": "22",
                            "access": "Allow",
                            "direction": "Inbound",
                            "priority": 100,
                        },
                    }
                ]
                if self._chance(0.5)
                else []
            },
        )
        nic_props: dict[str, Any] = {
            "ipConfigurations": [
                {
                    "name": "ipconfig1",
                    "properties": {"privateIPAddress": f"10.0.0.{self.rng.randint(4, 250)}"},
                }
            ],
            "networkSecurityGroup": {"id": nsg["id"]},
        }
        if self._chance(0.3):
            pip = self._resource(
                "Microsoft.Network/publicIPAddresses",
                self._name("pip-"),
                {
                    "publicIPAllocationMethod": "Static",
                    "ipAddress": f"198.51.100.{self.rng.randint(1, 254)}",
                },
                sku={"name": "Standard"},
            )
            nic_props["ipConfigurations"][0]["properties"]["publicIPAddress"] = {"id": pip["id"]}
        nic = self._resource("Microsoft.Network/networkInterfaces", self._name("nic-"), nic_props)
        vm_name = self._name("vm-")
        disks = []
        for i in range(self.rng.randint(1, 3)):
            disks.append(
                self._resource(
                    "Microsoft.Compute/disks",
                    f"{vm_name}-disk{i}",
                    {
                        "diskSizeGB": self._pick((32, 64, 128, 256, 1024)),
                        "diskState": "Attached",
                        "encryption": {"type": "EncryptionAtRestWithPlatformKey"},
                    },
                    sku={"name": self._pick(("Premium_LRS", "StandardSSD_LRS"))},
                )
            )
        self._resource(
            "Microsoft.Compute/virtualMachines",
            vm_name,
            {
                "hardwareProfile": {
                    "vmSize": self._pick(
                        ("Standard_B2s", "Standard_D4s_v5", "Standard_E8s_v5", "Standard_NC6s_v3")
                    )
                },
                "storageProfile": {
                    "osDisk": {"name": disks[0]["name"], "managedDisk": {"id": disks[0]["id"]}},
                    "dataDisks": [
                        {"lun": i, "managedDisk": {"id": d["id"]}} for i, d in enumerate(disks[1:])
                    ],
                },
                "networkProfile": {"networkInterfaces": [{"id": nic["id"]}]},
                "osProfile": {"computerName": vm_name, "adminUsername": "azureuser"},
            },
            identity_p=0.3,
        )

    def w_web(self) -> None:
        plan = self._resource(
            "Microsoft.Web/serverfarms",
            self._name("asp-"),
            {"reserved": True},
            kind="linux",
            sku={"name": self._pick(("P1v3", "S1", "B1"))},
        )
        for _ in range(self.rng.randint(1, 3)):
            name = self._name("app-")
            self._resource(
                "Microsoft.Web/sites",
                name,
                {
                    "serverFarmId": plan["id"],
                    "httpsOnly": self._chance(0.7),
                    "defaultHostName": f"{name}.azurewebsites.net",
                    "siteConfig": {
                        "minTlsVersion": "1.2",
                        "ftpsState": self._pick(("Disabled", "AllAllowed")),
                    },
                },
                kind="app,linux",
                identity_p=0.4,
            )

    def w_sql(self) -> None:
        srv = self._resource(
            "Microsoft.Sql/servers",
            self._name("sql-"),
            {
                "administratorLogin": "sqladmin",
                "version": "12.0",
                "publicNetworkAccess": self._public(),
                "minimalTlsVersion": "1.2",
            },
            identity_p=0.3,
        )
        for _ in range(self.rng.randint(1, 3)):
            self._resource(
                "databases",
                self._name("db-"),
                {"collation": "SQL_Latin1_General_CP1_CI_AS", "maxSizeBytes": 34359738368},
                parent=srv,
                sku={"name": "GP_Gen5", "tier": "GeneralPurpose", "capacity": 2},
            )

    def w_misc(self) -> None:
        choice = self.rng.randint(0, 3)
        if choice == 0:
            self._resource(
                "Microsoft.ManagedIdentity/userAssignedIdentities",
                self._name("id-"),
                {"principalId": self._guid(), "clientId": self._guid(), "tenantId": self.tenant},
            )
        elif choice == 1:
            self._resource(
                "Microsoft.EventHub/namespaces",
                self._name("evh-"),
                {"disableLocalAuth": self._chance(0.5), "minimumTlsVersion": "1.2"},
                sku={"name": "Standard"},
            )
        elif choice == 2:
            self._resource(
                "Microsoft.Compute/snapshots",
                self._name("snap-"),
                {"diskSizeGB": 128, "incremental": True},
            )
        else:
            self._vnet()

    # ---- driver ---------------------------------------------------------------------------

    def run(self) -> None:
        workloads = (
            (self.w_vm, 30),
            (self._storage, 14),
            (self.w_web, 14),
            (self.w_sql, 8),
            (self._key_vault, 7),
            (self.w_misc, 10),
            (self._registry, 2),
            (self.w_openai, 6),
            (self.w_ml, 4),
            (self.w_search, 3),
            (self.w_aks, 2),
        )
        funcs = tuple(f for f, _ in workloads)
        singles = (self._storage, self._key_vault, self._registry, self.w_search)
        cum = []
        total = 0
        for _, w in workloads:
            total += w
            cum.append(total)
        self.management_groups()
        self._next_subscription()
        self._next_rg()
        # The central Log Analytics workspace every diagnostic setting points to.
        law = self._resource(
            "Microsoft.OperationalInsights/workspaces",
            "law-central",
            {"customerId": self._guid(), "retentionInDays": 90, "sku": {"name": "PerGB2018"}},
        )
        self.law_id = law["id"]
        # Microsoft Sentinel is onboarded on the central workspace.
        self._emit(
            {
                "id": f"{law['id']}/providers/Microsoft.SecurityInsights/onboardingStates/default",
                "name": "default",
                "type": "Microsoft.SecurityInsights/onboardingStates",
                "properties": {"customerManagedKey": False},
            }
        )
        per_sub = max(1, self.n // self.n_subs)
        while self.stats.resources < self.n:
            want_sub = min(self.stats.resources // per_sub, self.n_subs - 1)
            if want_sub > self.sub_index:
                self._next_subscription()
            if self.rg_left <= 0:
                self._next_rg()
            before = self.stats.resources
            if self.n - self.stats.resources < 16:
                # Near the end only one-resource workloads, so exactly N resources are written.
                self._pick(singles)()
            else:
                x = self.rng.random() * total
                for i, c in enumerate(cum):
                    if x < c:
                        funcs[i]()
                        break
            self.rg_left -= self.stats.resources - before
        _resource_changes(self)

    def graph(self) -> dict[str, Iterator[Row]]:
        rng = random.Random(self.seed + 1)
        tenant = self.tenant

        def users() -> Iterator[Row]:
            for i, uid in enumerate(self.users):
                guest = rng.random() < 0.05
                upn = (
                    f"user{i}_fabrikam.com#EXT#@contoso.onmicrosoft.com"
                    if guest
                    else f"user{i}@contoso.com"
                )
                yield {
                    "id": uid,
                    "displayName": f"User {i}",
                    "userPrincipalName": upn,
                    "userType": "Guest" if guest else "Member",
                    "accountEnabled": rng.random() < 0.95,
                }

        def groups() -> Iterator[Row]:
            for i, gid in enumerate(self.groups):
                yield {"id": gid, "displayName": f"Group {i}", "securityEnabled": True}

        def members() -> Iterator[Row]:
            for gid in self.groups:
                for _ in range(rng.randint(1, 6)):
                    yield {
                        "groupId": gid,
                        "memberId": self.users[int(rng.random() * len(self.users))],
                    }

        def sps() -> Iterator[Row]:
            for i, sid in enumerate(self.apps):
                yield {
                    "id": sid,
                    "appId": str(uuid.uuid5(NAMESPACE, f"app/{sid}")),
                    "displayName": f"sp-app-{i}",
                    "servicePrincipalType": "Application",
                    "accountEnabled": True,
                    "appOwnerOrganizationId": tenant,
                    "passwordCredentials": [],
                    "keyCredentials": [],
                }
            for pid, name, rid in self.mis:
                yield {
                    "id": pid,
                    "appId": str(uuid.uuid5(NAMESPACE, f"mi/{pid}")),
                    "displayName": name,
                    "servicePrincipalType": "ManagedIdentity",
                    "accountEnabled": True,
                    "alternativeNames": ["isExplicit=False", rid],
                }

        def apps() -> Iterator[Row]:
            for i, sid in enumerate(self.apps):
                creds = []
                if rng.random() < 0.6:
                    creds.append(
                        {
                            "keyId": str(uuid.uuid5(NAMESPACE, f"secret/{sid}")),
                            "displayName": "secret",
                            "startDateTime": "2025-01-01T00:00:00Z",
                            "endDateTime": self._pick(
                                (
                                    "2026-06-01T00:00:00Z",
                                    "2027-06-01T00:00:00Z",
                                    "2099-12-31T00:00:00Z",
                                )
                            ),
                        }
                    )
                yield {
                    "id": str(uuid.uuid5(NAMESPACE, f"appobj/{sid}")),
                    "appId": str(uuid.uuid5(NAMESPACE, f"app/{sid}")),
                    "displayName": f"sp-app-{i}",
                    "passwordCredentials": creds,
                    "keyCredentials": [],
                }

        def dir_roles() -> Iterator[Row]:
            ga = "62e90394-69f5-4237-9190-012177145e10"
            for uid in self.users[: max(2, len(self.users) // 500)]:
                yield {
                    "id": str(uuid.uuid5(NAMESPACE, f"dra/{uid}")),
                    "principalId": uid,
                    "roleDefinitionId": ga,
                    "directoryScopeId": "/",
                }

        def dir_eligible() -> Iterator[Row]:
            ga = "62e90394-69f5-4237-9190-012177145e10"
            for uid in self.users[: max(2, len(self.users) // 200)]:
                yield {
                    "id": str(uuid.uuid5(NAMESPACE, f"dre/{uid}")),
                    "principalId": uid,
                    "roleDefinitionId": ga,
                    "directoryScopeId": "/",
                    "memberType": "Direct",
                    "status": "Provisioned",
                }

        def ca() -> Iterator[Row]:
            yield {
                "id": str(uuid.uuid5(NAMESPACE, f"ca/{tenant}")),
                "displayName": "Require MFA for all users",
                "state": "enabled",
                "conditions": {
                    "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": []},
                    "applications": {"includeApplications": ["All"], "excludeApplications": []},
                    "clientAppTypes": ["all"],
                },
                "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
            }

        return {
            "users": users(),
            "groups": groups(),
            "groupMembers": members(),
            "servicePrincipals": sps(),
            "applications": apps(),
            "directoryRoleAssignments": dir_roles(),
            "roleEligibilitySchedules": dir_eligible(),
            "conditionalAccessPolicies": ca(),
        }


_MAX_CHANGE_TARGETS = 64


def _resource_changes(gen: _Synth) -> None:
    """Resource Graph change records (`resourcechanges` rows) for a few AI accounts: guardrail
    changes (network opened, key auth re-enabled) by named users in the two weeks before
    collection. A random generator of their own keeps the rest of the tenant unchanged."""
    from aiposture.collect.demo.changes import change_row

    rng = random.Random(gen.seed + 2)
    kinds = (
        ("properties.publicNetworkAccess", "Disabled", "Enabled"),
        ("properties.networkAcls.defaultAction", "Deny", "Allow"),
        ("properties.disableLocalAuth", "True", "False"),
    )
    for i, target in enumerate(gen.change_targets[::4]):
        path, before, after = kinds[i % len(kinds)]
        day, sec = rng.randint(1, 13), rng.randint(0, 86399)
        when = f"2026-10-{31 - day:02d}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"
        gen._emit(
            change_row(
                target,
                "microsoft.cognitiveservices/accounts",
                "Update",
                when,
                f"user{rng.randint(1, 500)}@contoso.com",
                rng.choice(("Azure Portal", "Azure CLI", "ARM Template")),
                "Microsoft.CognitiveServices/accounts/write",
                {path: (before, after)},
                tenant_id=gen.tenant,
            )
        )


def synth_to(target: Path | IO[bytes], resources: int, seed: int) -> SynthStats:
    """Write a synthetic tenant of `resources` ARM resources to a path (gzip if *.gz) or stream."""
    if resources < 1:
        raise ValueError("resources must be at least 1")
    meta = Metadata(
        tenant_id=str(uuid.uuid5(NAMESPACE, f"tenant/{seed}")),
        cloud="AzureCloud",
        collected_at=COLLECTED_AT,
        tool=ToolInfo(),
        source=f"synth:resources={resources},seed={seed}",
        scopes=("tenant",),
    )
    writer = SnapshotWriter(target, meta)
    with writer:
        gen = _Synth(writer, resources, seed)
        gen.run()
        gen.stats.principals = len(gen.users) + len(gen.groups) + len(gen.apps) + len(gen.mis)
        writer.close(
            gen.graph(),
            [
                Coverage(collection=c, scope="tenant", status=CoverageStatus.COMPLETE)
                for c in COLLECTIONS
            ],
        )
    return gen.stats
