"""The least-privilege grants the live collector needs, and what is lost without each.

One table drives `aiposture permissions` and docs/permissions.md. Every grant is read-only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Requirement:
    grant: str
    kind: str  # "azure-role" or "graph-application-permission"
    where: str
    used_for: str
    lost_without: str
    collections: tuple[str, ...]  # coverage collections that depend on it
    required: bool = True
    role_id: str = ""  # built-in role definition GUID (Azure roles)

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["collections"] = list(self.collections)
        return d


REQUIREMENTS = (
    Requirement(
        "Reader",
        "azure-role",
        "root scope to assess: tenant root management group, a management group, or each "
        "subscription",
        "Resource Graph (resources, subscriptions, RBAC, policy) and ARM lists: model "
        "deployments, content filters, projects, ML computes, connections and datastores "
        "(metadata only), private DNS zone groups of AI private endpoints, diagnostic settings, "
        "activity-log export, PIM eligibility for Azure roles",
        "everything in Azure: the subscription is recorded as denied and its rules are UNKNOWN",
        (
            "resources",
            "subscriptions",
            "managementGroups",
            "resourceGroups",
            "deployments",
            "raiPolicies",
            "projects",
            "computes",
            "connections",
            "datastores",
            "privateDnsZoneGroups",
            "diagnosticSettings",
            "activityLogExport",
            "roleAssignments",
            "roleDefinitions",
            "roleEligibilitySchedules",
            "policyAssignments",
            "policyExemptions",
            "policyDefinitions",
            "policyStates",
        ),
        role_id="acdd72a7-3385-48ef-bd42-f606fba81ae7",
    ),
    Requirement(
        "Security Reader",
        "azure-role",
        "same root scope",
        "Defender for Cloud plans (pricings, including the AI plan) and per-account Defender "
        "for AI settings; Sentinel onboarding state",
        "Defender rules are UNKNOWN where pricings cannot be read (Reader usually can)",
        ("pricings", "defenderForAISettings", "sentinel"),
        required=False,
        role_id="39bc4728-0917-49c7-9d2c-d95423bc2eb4",
    ),
    Requirement(
        "Application.Read.All",
        "graph-application-permission",
        "Microsoft Graph (admin consent)",
        "service principals and app registrations with credential metadata (expiry, type; "
        "never secret values)",
        "identity rules on service principals and app credentials, and attack paths through "
        "them, are UNKNOWN",
        ("graph.servicePrincipals", "graph.applications"),
    ),
    Requirement(
        "RoleManagement.Read.Directory",
        "graph-application-permission",
        "Microsoft Graph (admin consent)",
        "Entra directory role assignments (Global Administrator, Application Administrator...)",
        "privileged directory roles of identities that reach AI resources are unknown",
        ("graph.directoryRoleAssignments",),
    ),
    Requirement(
        "RoleEligibilitySchedule.Read.Directory",
        "graph-application-permission",
        "Microsoft Graph (admin consent); needs Entra ID P2",
        "PIM eligible directory roles",
        "standing-vs-eligible privilege checks are UNKNOWN (also without a P2 licence)",
        ("graph.roleEligibilitySchedules",),
    ),
    Requirement(
        "Policy.Read.All",
        "graph-application-permission",
        "Microsoft Graph (admin consent); needs Entra ID P1",
        "Conditional Access policies",
        "Conditional Access coverage of AI administrators is UNKNOWN (also without a P1 licence)",
        ("graph.conditionalAccessPolicies",),
    ),
    Requirement(
        "User.Read.All and GroupMember.Read.All",
        "graph-application-permission",
        "Microsoft Graph (admin consent)",
        "users, groups and group membership, to resolve who holds a role through a group",
        "principals behind group role assignments stay unresolved; their rules are UNKNOWN",
        ("graph.users", "graph.groups", "graph.groupMembers"),
        required=False,
    ),
)
