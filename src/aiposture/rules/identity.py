"""IDN: identities and keys of AI workloads."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from aiposture.config import Settings
from aiposture.facts.defaults import AKS_ENABLE_RBAC
from aiposture.facts.permissions import (
    BLOB_READ,
    BLOB_WRITE,
    CS_DEPLOYMENT_WRITE,
    CS_LIST_KEYS,
    CS_RAI_POLICY_WRITE,
    KV_SECRET_GET,
    ROLE_ASSIGNMENT_WRITE,
    STORAGE_LIST_KEYS,
    Access,
    Grant,
    PermissionIndex,
    permission_index,
    role_definition,
    role_permits,
    unresolved_role,
)
from aiposture.facts.subjects import ai_clusters, principal_label, scope_level
from aiposture.model.entities import (
    AksCluster,
    CognitiveAccount,
    ContainerRegistry,
    MLCompute,
    MLWorkspace,
    Principal,
    Resource,
    RoleAssignment,
    RoleDefinition,
    RoleEligibility,
    SearchService,
    Tenant,
)
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    PolicyFix,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    not_applicable,
    passed,
    scope_of,
    settle,
    unknown,
)


@rule(
    id="AIP-IDN-001",
    title="AI services account accepts API keys (local authentication enabled)",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=CognitiveAccount,
    remediation=Remediation(
        summary="Disable key-based (local) authentication on <NAME>; give callers an Entra ID "
        "identity with 'Cognitive Services OpenAI User' (or the narrowest data role) instead.",
        az_cli="az resource update --ids <ID> --set properties.disableLocalAuth=true",
        bicep="resource account 'Microsoft.CognitiveServices/accounts@2024-10-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    disableLocalAuth: true\n  }\n}",
        terraform='resource "azurerm_cognitive_account" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  local_auth_enabled  = false\n"
        "  # ... other arguments unchanged\n}",
        portal="The portal has no switch for this: use the az CLI or template form. First move "
        "every client of <NAME> to Entra ID (DefaultAzureCredential / managed identity).",
        policy=(
            PolicyFix(
                "71ef260a-8f18-47b7-abcb-62d0673d94dc",
                "Deny",
                "Azure AI Services resources should have key access disabled (disable local "
                "authentication)",
            ),
            PolicyFix(
                "14de9e63-1b31-492e-a5a3-c3f7fd57f555",
                "Modify",
                "Configure Cognitive Services accounts to disable local authentication methods",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("71ef260a-8f18-47b7-abcb-62d0673d94dc",),
        owasp_llm=("LLM02", "LLM10"),
        atlas=("AML.T0024", "AML.T0034"),
        prowler=("aiservices_account_local_auth_disabled",),
        checkov=("CKV_AZURE_236",),
        psrule=("Azure.AI.DisableLocalAuth",),
    ),
)
def account_local_auth(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """API keys are bearer secrets with full data-plane access, no identity, no Conditional
    Access and no per-caller audit trail; they leak through code, notebooks and logs. With
    keys disabled every call needs an Entra ID token that RBAC can scope. `disableLocalAuth`
    absent means keys are allowed."""
    value = account.disable_local_auth
    evidence = ev("properties.disableLocalAuth", value)
    if value is True:
        return passed("key-based authentication is disabled", evidence)
    return failed(
        f"API keys are accepted (disableLocalAuth is {'absent' if value is None else value})",
        evidence,
    )


@rule(
    id="AIP-IDN-002",
    title="AI Search service accepts API keys (local authentication enabled)",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=SearchService,
    remediation=Remediation(
        summary="Disable API-key authentication on search service <NAME> and use Entra ID "
        "roles (Search Index Data Reader / Contributor) for the applications that query it.",
        az_cli="az search service update --name <NAME> --resource-group <RG> "
        "--subscription <SUB> --disable-local-auth true",
        bicep="resource search 'Microsoft.Search/searchServices@2023-11-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    disableLocalAuth: true\n  }\n}",
        terraform='resource "azurerm_search_service" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  local_authentication_enabled = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Keys > API access control: "
        "'Role-based access control' > Save.",
        policy=(
            PolicyFix(
                "6300012e-e9a4-4649-b41f-a85f5c43be91",
                "Deny",
                "Azure AI Search services should have local authentication methods disabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("6300012e-e9a4-4649-b41f-a85f5c43be91",),
        owasp_llm=("LLM08",),
        atlas=("AML.T0070",),
    ),
)
def search_local_auth(svc: SearchService, ctx: RuleContext) -> Verdict:
    """An admin key of a search service can read, rewrite or delete every index: the RAG
    grounding data a model trusts. Keys carry no identity, so poisoning through a leaked key
    leaves no attributable trail."""
    value = svc.disable_local_auth
    evidence = ev("properties.disableLocalAuth", value)
    if value is True:
        return passed("API-key authentication is disabled", evidence)
    return failed(
        f"API keys are accepted (disableLocalAuth is {'absent' if value is None else value})",
        evidence,
    )


def _identity_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [*inv.accounts.values(), *inv.search_services.values(), *inv.workspaces.values()]


@rule(
    id="AIP-IDN-004",
    title="AI resource has no managed identity",
    pillar=Pillar.IDENTITY,
    severity=Severity.LOW,
    target=Resource,
    target_label="AI services account, AI Search service, ML workspace",
    select=_identity_targets,
    remediation=Remediation(
        summary="Enable a system-assigned (or user-assigned) managed identity on <NAME> so it "
        "reaches storage, key vaults and other services with Entra ID instead of stored keys.",
        az_cli="az resource update --ids <ID> --set identity.type=SystemAssigned",
        bicep="// in the resource declaration of '<NAME>' (accounts, searchServices or "
        "workspaces):\nidentity: {\n  type: 'SystemAssigned'\n}",
        terraform='# in the resource block of <NAME>:\nidentity {\n  type = "SystemAssigned"\n}',
        portal="Azure portal > <NAME> > Identity (Resource Management or Settings) > "
        "System assigned > Status: On > Save.",
        policy=(
            PolicyFix(
                "fe3fd216-4f83-4fc1-8984-2bbec80a3418",
                "Audit",
                "Cognitive Services accounts should use a managed identity",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-3",),
        azure_policy=("fe3fd216-4f83-4fc1-8984-2bbec80a3418",),
        checkov=("CKV_AZURE_238",),
    ),
)
def managed_identity(res: Resource, ctx: RuleContext) -> Verdict:
    """Without a managed identity an AI service can only reach its data stores, vaults and
    registries with keys or connection strings stored somewhere, which are long-lived, shared
    and invisible to RBAC reviews."""
    ident = res.identity
    evidence = ev("identity.type", ident.type or None)
    if ident.is_managed:
        return passed(f"managed identity: {ident.type or 'present'}", evidence)
    return failed("no managed identity (identity.type absent or None)", evidence)


# ---- shared permission helpers ---------------------------------------------------------------

# An action no real role names explicitly: only all-provider patterns ("*", "*/write") match
# it, so it tells "full control-plane write on every resource type" apart from narrow roles.
ANY_RESOURCE_WRITE = "Microsoft.AIPostureProbe/anyResource/write"
T = TypeVar("T")


def is_privileged(idx: PermissionIndex, grant: Grant) -> bool:
    """Can the grant write role assignments, or write any resource of any type (`*`)?"""
    return idx.permits(grant, ROLE_ASSIGNMENT_WRITE) or idx.permits(grant, ANY_RESOURCE_WRITE)


def describe(grant: Grant, inv: Inventory | None = None) -> str:
    flags = [
        f for f, on in (("conditional", grant.conditional), ("eligible", grant.eligible)) if on
    ]
    extra = f" [{', '.join(flags)}]" if flags else ""
    who = principal_label(inv, grant.principal_id) if inv is not None else grant.principal_id
    return f"{who}: {grant.role_name} at {grant.scope}{extra}"


def _workload_identities(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [r for r in inv.ai_resources() if r.identity.principal_ids]


def _ai_keys(inv: Inventory) -> set[str]:
    return _cached(inv, "ai_keys", lambda: {r.key for r in inv.ai_resources()})


def _ai_scopes(inv: Inventory, idx: PermissionIndex) -> set[str]:
    """Every scope at which an assignment reaches some AI resource."""

    def build() -> set[str]:
        out: set[str] = set()
        for key in _ai_keys(inv):
            out.update(idx.scopes_containing(key))
        return out

    return _cached(inv, "ai_scopes", build)


def _grant_reaches_ai(grant: Grant, ai_scopes: set[str], ai_keys: set[str]) -> bool:
    if grant.scope in ai_scopes:
        return True
    # Assignments below an AI resource (e.g. on one deployment) reach it too.
    parts = grant.scope.split("/")
    return any("/".join(parts[:i]) in ai_keys for i in range(3, len(parts)))


def _cached(inv: Inventory, name: str, build: Callable[[], T]) -> T:
    """Per-inventory memo for lookups every target of a rule shares (targets x rows would
    otherwise be quadratic on large tenants)."""
    return inv.memo(f"identity_{name}", build)


def _eligible_keys(inv: Inventory) -> set[tuple[str, str, str]]:
    return _cached(
        inv,
        "eligible_keys",
        lambda: {(e.principal_id, e.role_definition_guid, e.scope) for e in inv.role_eligibilities},
    )


def _group_members(inv: Inventory) -> dict[str, list[str]]:
    def build() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for m in inv.group_memberships:
            out.setdefault(m.group_id, []).append(m.member_id)
        return out

    return _cached(inv, "group_members", build)


def _guests(inv: Inventory) -> tuple[frozenset[str], dict[str, list[str]]]:
    """Guest principal ids, and each group's guest members in membership order (large groups
    are walked once, not once per target and probe)."""

    def build() -> tuple[frozenset[str], dict[str, list[str]]]:
        guests = frozenset(pid for pid, p in inv.principals.items() if p.is_guest)
        members: dict[str, list[str]] = {}
        for gid, ids in _group_members(inv).items():
            found = [m for m in ids if m in guests]
            if found:
                members[gid] = found
        return guests, members

    return _cached(inv, "guests", build)


# ---- rules ---------------------------------------------------------------------------------


@rule(
    id="AIP-IDN-003",
    title="ML compute accepts local (key / SSH password) authentication",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=MLCompute,
    requires=("computes",),  # the deciding property is in the compute row
    remediation=Remediation(
        summary="Recreate compute <NAME> with local authentication disabled so only Entra ID "
        "identities can use it.",
        az_cli="az ml compute create --name <NAME> --workspace-name <PARENT> "
        "--resource-group <RG> --subscription <SUB> --file compute.yml  "
        "# compute.yml sets disable_local_auth: true (existing computes cannot be changed)",
        bicep="resource compute 'Microsoft.MachineLearningServices/workspaces/computes@2024-10-01'"
        " = {\n  name: '<PARENT>/<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    computeType: 'AmlCompute'\n    disableLocalAuth: true\n"
        "    properties: { vmSize: vmSize }\n  }\n}",
        terraform='resource "azurerm_machine_learning_compute_cluster" "this" {\n'
        '  name                          = "<NAME>"\n'
        '  machine_learning_workspace_id = "<PARENT_ID>"\n'
        "  local_auth_enabled            = false\n"
        "  # ... vm_size, scale_settings unchanged\n}",
        portal="Azure ML studio > Compute: create a replacement for <NAME> with SSH access "
        "off and local authentication disabled, then delete <NAME>.",
        policy=(
            PolicyFix(
                "e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",
                "Deny",
                "Azure Machine Learning Computes should have local authentication methods disabled",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f",),
        owasp_llm=("LLM03",),
        psrule=("Azure.ML.DisableLocalAuth",),
    ),
)
def compute_local_auth(compute: MLCompute, ctx: RuleContext) -> Verdict:
    """Local authentication on a compute means SSH keys or passwords and compute keys that
    bypass Entra ID, Conditional Access and RBAC; whoever holds them runs code as the compute's
    managed identity. `disableLocalAuth` absent means local auth is allowed. Only compute
    instances and clusters carry the setting; attached computes are not applicable."""
    ctype = (compute.compute_type or "").lower()
    if ctype not in ("computeinstance", "amlcompute"):
        return not_applicable(f"compute type {compute.compute_type or 'unknown'} is attached")
    value = compute.disable_local_auth
    evidence = ev("properties.disableLocalAuth", value)
    if value is True:
        return passed("local authentication is disabled", evidence)
    return failed(
        f"local authentication is allowed (disableLocalAuth is "
        f"{'absent' if value is None else value})",
        evidence,
    )


@rule(
    id="AIP-IDN-005",
    title="AI workload identity can grant access or write any resource (privilege escalation)",
    pillar=Pillar.IDENTITY,
    severity=Severity.CRITICAL,
    target=Resource,
    target_label="AI resource with a managed identity",
    select=_workload_identities,
    requires=(),  # three-valued: the permission query names what it could not see
    requires_to_pass=("roleAssignments",),
    remediation=Remediation(
        summary="Remove the privileged role assignments of <NAME>'s managed identity at resource "
        "group scope or above; grant it only the data roles it needs on the resources it uses.",
        az_cli="az role assignment list --all --assignee <PRINCIPAL_ID> --output table\n"
        "az role assignment delete --ids <ROLE_ASSIGNMENT_ID>",
        bicep="// Delete the roleAssignments resource that gives the identity of '<NAME>' Owner, "
        "User Access Administrator, RBAC Administrator or Contributor at RG/subscription "
        "scope,\n// and assign narrow roles on the target resource instead:\n"
        "resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  scope: targetStorage\n  name: guid(targetStorage.id, principalId, roleId)\n"
        "  properties: { principalId: principalId, roleDefinitionId: roleId, "
        "principalType: 'ServicePrincipal' }\n}",
        terraform='# remove the azurerm_role_assignment granting the identity of "<NAME>" a '
        "privileged role at RG scope or above, then:\n"
        'resource "azurerm_role_assignment" "narrow" {\n'
        "  scope                = azurerm_storage_account.data.id\n"
        '  role_definition_name = "Storage Blob Data Reader"\n'
        "  principal_id         = var.principal_id\n}",
        portal="Azure portal > <NAME> > Identity > Azure role assignments: review the list; "
        "for each privileged role at resource group, subscription or management group scope, "
        "open that scope > Access control (IAM) > Role assignments > Remove.",
        fills=("<PRINCIPAL_ID>", "<ROLE_ASSIGNMENT_ID>"),
    ),
    references=Refs(
        mcsb=("PA-7",),
        owasp_llm=("LLM06",),
        atlas=("AML.T0024",),
    ),
)
def workload_privileged(res: Resource, ctx: RuleContext) -> Verdict:
    """An AI workload's identity is reachable by whoever can run code or prompts through the
    workload (prompt injection into agents with tools, notebooks, jobs). If that identity can
    write role assignments or every resource at resource-group scope or above, compromising the
    AI workload means owning the environment. Matched on actions (`*`, roleAssignments/write,
    Authorization/*), not role names, so custom roles count. The workload identities considered
    are the resource's system- and user-assigned managed identities (their principal ids from
    the `identity` block); service principals that a workload only references in a connection
    are not resolved to it yet. Conditional grants count and are marked."""
    idx = permission_index(ctx.inventory)
    access = _holdings(idx, res).only(lambda g: scope_level(g.scope) != "resource")
    found = [g for g in access.grants if g.role is not None and is_privileged(idx, g)]
    evidence = ev("identity.principalIds", list(res.identity.principal_ids))
    failure = None
    if found:
        failure = failed(
            "managed identity holds privileged permissions: "
            + "; ".join(describe(g, ctx.inventory) for g in found),
            evidence,
            ev("roleAssignments", [g.assignment_id for g in found]),
            fill={
                "<PRINCIPAL_ID>": list(dict.fromkeys(g.principal_id for g in found)),
                "<ROLE_ASSIGNMENT_ID>": list(dict.fromkeys(g.assignment_id for g in found)),
            },
        )
    return settle(
        failure,
        passed("no privileged role at resource group scope or above", evidence),
        access.missing,
    )


def _holdings(idx: PermissionIndex, res: Resource) -> Access:
    """Everything the resource's managed identities hold (directly or through groups)."""
    access = Access(())
    for pid in res.identity.principal_ids:
        access += idx.what_can(pid)
    return access


_DATA_ACTIONS: tuple[tuple[str, bool, str], ...] = (
    (BLOB_READ, True, "read blobs"),
    (BLOB_WRITE, True, "write blobs"),
    (KV_SECRET_GET, True, "read key vault secrets"),
    (STORAGE_LIST_KEYS, False, "list storage account keys (all data through Shared Key)"),
)


@rule(
    id="AIP-IDN-006",
    title="AI workload identity can read or write data across a whole subscription",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=Resource,
    target_label="AI resource with a managed identity",
    select=_workload_identities,
    requires=(),  # three-valued: the permission query names what it could not see
    requires_to_pass=("roleAssignments",),
    remediation=Remediation(
        summary="Replace the subscription- or management-group-wide data roles of <NAME>'s "
        "identity with assignments on the specific storage accounts / key vaults it uses.",
        az_cli="az role assignment delete --ids <ROLE_ASSIGNMENT_ID>\n"
        "az role assignment create --assignee-object-id <PRINCIPAL_ID> "
        "--assignee-principal-type ServicePrincipal --role 'Storage Blob Data Reader' "
        "--scope {{STORAGE_ACCOUNT_ID}}",
        bicep="resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  scope: dataStorage // the one account '<NAME>' reads, not the subscription\n"
        "  name: guid(dataStorage.id, principalId, blobReaderRoleId)\n"
        "  properties: { principalId: principalId, roleDefinitionId: blobReaderRoleId, "
        "principalType: 'ServicePrincipal' }\n}",
        terraform='resource "azurerm_role_assignment" "data" {\n'
        "  scope                = azurerm_storage_account.data.id  # not the subscription\n"
        '  role_definition_name = "Storage Blob Data Reader"\n'
        "  principal_id         = var.principal_id\n}",
        portal="Azure portal > Subscriptions (or Management groups) > Access control (IAM) > "
        "Role assignments: remove the data roles held by <NAME>'s identity; add them on the "
        "individual storage account / key vault instead.",
        fills=("<PRINCIPAL_ID>", "<ROLE_ASSIGNMENT_ID>"),
    ),
    references=Refs(mcsb=("PA-7", "DP-2"), owasp_llm=("LLM02", "LLM06"), atlas=("AML.T0024",)),
)
def workload_broad_data(res: Resource, ctx: RuleContext) -> Verdict:
    """A model endpoint or agent whose identity can read every blob or secret in a subscription
    turns any prompt injection or SSRF into tenant-wide data exfiltration. Data roles should sit
    on the resources the workload uses. Counted: blob read/write and secret get data actions,
    and storage listKeys (Shared Key gives all data), granted at subscription or management
    group scope."""
    idx = permission_index(ctx.inventory)
    access = _holdings(idx, res).only(
        lambda g: scope_level(g.scope) in ("subscription", "managementGroup", "root")
    )
    found: list[str] = []
    ids: list[str] = []
    holders: list[str] = []
    for g in access.grants:
        what = [label for action, data, label in _DATA_ACTIONS if idx.permits(g, action, data=data)]
        if what:
            found.append(f"{describe(g, ctx.inventory)} ({', '.join(what)})")
            ids.append(g.assignment_id)
            holders.append(g.principal_id)
    evidence = ev("identity.principalIds", list(res.identity.principal_ids))
    failure = None
    if found:
        failure = failed(
            "broad data access: " + "; ".join(found),
            evidence,
            ev("roleAssignments", ids),
            fill={
                "<PRINCIPAL_ID>": list(dict.fromkeys(holders)),
                "<ROLE_ASSIGNMENT_ID>": list(dict.fromkeys(ids)),
            },
        )
    return settle(
        failure,
        passed("no data-plane access at subscription or management group scope", evidence),
        access.missing,
    )


@rule(
    id="AIP-IDN-007",
    title="Non-administrators can list the API keys of an AI services account",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=CognitiveAccount,
    requires=(),  # three-valued: the permission query names what it could not see
    requires_to_pass=("roleAssignments",),
    remediation=Remediation(
        summary="Disable keys on <NAME> (preferred), or replace 'Cognitive Services User' / "
        "'Cognitive Services Contributor' assignments of application and user principals with "
        "'Cognitive Services OpenAI User', which cannot list keys.",
        az_cli="az resource update --ids <ID> --set properties.disableLocalAuth=true\n"
        "az role assignment delete --ids <ROLE_ASSIGNMENT_ID>\n"
        "az role assignment create --assignee-object-id <PRINCIPAL_ID> "
        "--role 'Cognitive Services OpenAI User' --scope <ID>",
        bicep="resource ra 'Microsoft.Authorization/roleAssignments@2022-04-01' = {\n"
        "  scope: account // '<NAME>'\n  name: guid(account.id, principalId, openAiUser)\n"
        "  properties: {\n    principalId: principalId\n"
        "    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions',"
        " '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd')\n  }\n}",
        terraform='resource "azurerm_role_assignment" "openai_user" {\n'
        '  scope                = "<ID>"\n'
        '  role_definition_name = "Cognitive Services OpenAI User"\n'
        "  principal_id         = var.principal_id\n}\n"
        "# and remove the Cognitive Services User / Contributor assignment",
        portal="Azure portal > <NAME> > Access control (IAM) > Role assignments: remove "
        "'Cognitive Services User' / 'Cognitive Services Contributor' from non-admins and "
        "assign 'Cognitive Services OpenAI User'.",
        fills=("<PRINCIPAL_ID>", "<ROLE_ASSIGNMENT_ID>"),
    ),
    references=Refs(mcsb=("IM-8", "PA-7"), owasp_llm=("LLM02", "LLM10"), atlas=("AML.T0034",)),
)
def account_key_listers(account: CognitiveAccount, ctx: RuleContext) -> Verdict:
    """An API key is a bearer secret: once listed it works from anywhere, for anyone, with no
    audit trail of who uses it. "Cognitive Services User" sounds harmless but includes
    listKeys. Administrators (principals that can already write role assignments on the
    account, or the configured model admins) are not counted, since they could grant
    themselves the right anyway."""
    if account.disable_local_auth is True:
        return not_applicable("keys are disabled (disableLocalAuth true)")
    idx = permission_index(ctx.inventory)
    admins = idx.who_can(account.key, ROLE_ASSIGNMENT_WRITE)
    known_admins = admins.principals | set(ctx.settings.model_admins)
    access = idx.who_can(account.key, CS_LIST_KEYS)
    listers = [g for g in access.grants if g.principal_id not in known_admins]
    failure = None
    # A lister is a certain non-admin only when every administrator is known.
    if listers and not admins.missing:
        failure = failed(
            f"{len({g.principal_id for g in listers})} non-admin principal(s) can list keys: "
            + "; ".join(describe(g, ctx.inventory) for g in listers),
            ev("properties.disableLocalAuth", account.disable_local_auth),
            ev("roleAssignments", [g.assignment_id for g in listers]),
            fill={
                "<PRINCIPAL_ID>": list(dict.fromkeys(g.principal_id for g in listers)),
                "<ROLE_ASSIGNMENT_ID>": list(dict.fromkeys(g.assignment_id for g in listers)),
            },
        )
    missing = access.missing + (admins.missing if listers else ())
    return settle(
        failure,
        passed(
            "only administrators can list keys",
            ev("properties.disableLocalAuth", account.disable_local_auth),
        ),
        missing,
    )


# ---- service principals with credentials ------------------------------------------------------

_SP_TYPE = "microsoft.graph/serviceprincipals"


def principal_entity(pid: str, principal: Principal | None) -> Resource:
    """A Graph principal as a rule target (Graph objects have no ARM id)."""
    rid = f"/servicePrincipals/{pid}"
    name = principal.display_name if principal and principal.display_name else pid
    return Resource(id=rid, key=rid.lower(), name=name, type=_SP_TYPE)


def _sp_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    idx = permission_index(inv)
    ai_scopes, ai_keys = _ai_scopes(inv, idx), _ai_keys(inv)
    seen: dict[str, Resource] = {}
    ras = inv.role_assignments  # columnar (model/role_assignments.py): read the columns
    for row, (pid, ptype) in enumerate(zip(ras.principal_ids, ras.principal_types, strict=True)):
        if (ptype or "").lower() != "serviceprincipal":
            continue
        principal = inv.principals.get(pid)
        if principal is not None and principal.kind != "servicePrincipal":
            continue  # managed identities have no credentials to leak
        if pid in seen:
            continue
        grant = Grant(
            pid,
            ptype,
            None,
            ras.role_definition_guids[row],
            ras.scopes[row],
            ras.id_of(row),
            False,
            False,
            False,
        )
        if _grant_reaches_ai(grant, ai_scopes, ai_keys):
            seen[pid] = principal_entity(pid, principal)
    return [seen[k] for k in sorted(seen)]


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


MAX_CREDENTIAL_DAYS = 365


@rule(
    id="AIP-IDN-008",
    title="Service principal with access to AI resources uses a client secret or long-lived "
    "credential",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="service principal with an Azure role over AI resources",
    select=_sp_targets,
    requires=("roleAssignments", "graph.servicePrincipals", "graph.applications"),
    remediation=Remediation(
        summary="Replace the client secrets of <NAME> with workload identity federation (or a "
        "managed identity); if a credential must stay, use a certificate valid for at most a "
        "year, and delete expired credentials.",
        az_cli="az ad app federated-credential create --id <APP_ID> --parameters fic.json\n"
        "az ad app credential list --id <APP_ID>\n"
        "az ad app credential delete --id <APP_ID> --key-id <KEY_ID>",
        bicep="// Bicep cannot manage Entra application credentials (Microsoft Graph Bicep "
        "extension):\nextension microsoftGraphV1\n"
        "resource fic 'Microsoft.Graph/applications/federatedIdentityCredentials@v1.0' = {\n"
        "  name: '${app.uniqueName}/github-main'\n"
        "  audiences: [ 'api://AzureADTokenExchange' ]\n"
        "  issuer: 'https://token.actions.githubusercontent.com'\n"
        "  subject: 'repo:{{REPO_OWNER}}/{{REPO}}:ref:refs/heads/main'\n}",
        terraform="# azurerm cannot manage Entra credentials; use the azuread provider:\n"
        'resource "azuread_application_federated_identity_credential" "ci" {\n'
        "  application_id = azuread_application.app.id\n"
        '  display_name   = "ci"\n'
        '  audiences      = ["api://AzureADTokenExchange"]\n'
        '  issuer         = "https://token.actions.githubusercontent.com"\n'
        '  subject        = "repo:{{REPO_OWNER}}/{{REPO}}:ref:refs/heads/main"\n}\n'
        "# and delete the azuread_application_password resources",
        portal="Microsoft Entra admin center > App registrations > <NAME> > Certificates & "
        "secrets: add a federated credential, then delete the client secrets and expired "
        "certificates.",
        fills=("<APP_ID>", "<KEY_ID>"),
    ),
    references=Refs(mcsb=("IM-3", "IM-8"), owasp_llm=("LLM03",), atlas=("AML.T0024",)),
)
def sp_credentials(res: Resource, ctx: RuleContext) -> Verdict:
    """A client secret is a password that works from anywhere; pipelines and apps that can
    deploy models or read AI data with one are the easiest way in (secrets leak through CI
    logs, repos and laptops). Federated credentials or managed identities have no secret.
    Credentials valid for more than a year, and expired ones left behind, show an unmanaged
    lifecycle. Credentials of the app registration and of the service principal both count."""
    pid = res.key.rsplit("/", 1)[-1]
    principal = ctx.inventory.principals.get(pid)
    if principal is None:
        # Graph was read completely (coverage gate): an assignment whose principal is gone is
        # an orphan ("Identity not found" in the portal), with no credential left to leak.
        return not_applicable("orphaned assignment: the principal no longer exists in Entra ID")
    problems: list[str] = []
    bad_keys: list[str] = []  # key ids of the credentials with a problem (for the fix)
    for c in principal.credentials:
        found_before = len(problems)
        label = c.display_name or c.key_id or c.kind
        start, end = _parse_time(c.start), _parse_time(c.end)
        kind = "client secret" if c.kind == "password" else c.kind
        if c.kind == "password":
            problems.append(f"client secret '{label}'")
        if end is not None and end < ctx.now:
            problems.append(f"expired {kind} '{label}' (ended {c.end})")
        elif start is not None and end is not None and (end - start).days > MAX_CREDENTIAL_DAYS:
            problems.append(f"{kind} '{label}' valid {(end - start).days} days")
        if len(problems) > found_before and c.key_id:
            bad_keys.append(c.key_id)
    evidence = ev(
        "passwordCredentials/keyCredentials",
        [f"{c.kind}:{c.display_name or c.key_id}:{c.end}" for c in principal.credentials],
    )
    if problems:
        return failed(
            "; ".join(problems),
            evidence,
            fill={"<APP_ID>": principal.app_id, "<KEY_ID>": list(dict.fromkeys(bad_keys))},
        )
    if principal.credentials:
        return passed("only short-lived certificates", evidence)
    return passed("no secrets or certificates (federated or none)", evidence)


# ---- PIM -------------------------------------------------------------------------------------

_ADMIN_SCOPES = ("subscription", "managementGroup", "root")


def _privileged_role(inv: Inventory, guid: str) -> bool:
    """Privileged, or of unknown definition (a custom role not collected may be privileged:
    its assignments stay targets and say UNKNOWN rather than vanish)."""
    role = role_definition(inv, guid)
    return role is None or (
        role_permits(role, ROLE_ASSIGNMENT_WRITE) or role_permits(role, ANY_RESOURCE_WRITE)
    )


def _pim_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    """Privileged assignments and eligibilities of users and groups at subscription / MG /
    root scope whose scope contains AI resources."""
    idx = permission_index(inv)
    ai_scopes = _ai_scopes(inv, idx)
    out: list[Resource] = []
    ras = inv.role_assignments  # columnar (model/role_assignments.py): read the columns
    for row, (ptype, scope) in enumerate(zip(ras.principal_types, ras.scopes, strict=True)):
        if (ptype or "").lower() not in ("user", "group", "foreigngroup"):
            continue  # PIM for groups/users; workload identities are AIP-IDN-005's
        if (
            scope_level(scope) in _ADMIN_SCOPES
            and scope in ai_scopes
            and _privileged_role(inv, ras.role_definition_guids[row])
        ):
            out.append(ras[row])
    for el in inv.role_eligibilities:
        if (
            scope_level(el.scope) in _ADMIN_SCOPES
            and el.scope in ai_scopes
            and _privileged_role(inv, el.role_definition_guid)
        ):
            out.append(el)
    return out


@rule(
    id="AIP-IDN-009",
    title="Privileged role over AI resources is assigned permanently to a user or group",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=Resource,
    target_label="privileged role assignment / eligibility at subscription or management group "
    "scope over AI resources",
    select=_pim_targets,
    requires=("roleAssignments", "roleEligibilitySchedules"),
    remediation=Remediation(
        summary="Replace permanent privileged assignment <NAME> with a PIM eligible assignment "
        "(time-bound activation with MFA / approval), then remove the permanent one.",
        az_cli="az rest --method put --url https://management.azure.com<SCOPE>/providers/"
        "Microsoft.Authorization/roleEligibilityScheduleRequests/<REQUEST_GUID>"
        "'?api-version=2020-10-01' --body @eligible.json\n"
        "az role assignment delete --ids <ID>",
        bicep="targetScope = 'subscription'\n"
        "resource eligible 'Microsoft.Authorization/roleEligibilityScheduleRequests@2022-04-01-"
        "preview' = {\n  name: guid(subscription().id, principalId, roleId)\n  properties: {\n"
        "    principalId: principalId\n    roleDefinitionId: roleId\n"
        "    requestType: 'AdminAssign'\n"
        "    scheduleInfo: { expiration: { type: 'AfterDuration', duration: 'P180D' } }\n"
        "  }\n}\n// and remove the roleAssignments resource <NAME>",
        terraform='resource "azurerm_pim_eligible_role_assignment" "this" {\n'
        "  scope              = var.scope\n"
        "  role_definition_id = var.role_definition_id\n"
        "  principal_id       = var.principal_id\n"
        "  schedule {\n    expiration { duration_days = 180 }\n  }\n}\n"
        "# and remove the azurerm_role_assignment <NAME>",
        portal="Azure portal > Privileged Identity Management > Azure resources > the "
        "subscription or management group > Assignments: add an Eligible assignment for the "
        "principal, then remove its Active permanent assignment.",
        fills=("<SCOPE>", "<REQUEST_GUID>"),
    ),
    references=Refs(mcsb=("PA-2", "PA-1")),
)
def permanent_privileged(res: Resource, ctx: RuleContext) -> Verdict:
    """Standing Owner / User Access Administrator / RBAC Administrator / Contributor access over
    the subscriptions that host AI workloads means every phished admin session can rewrite
    content filters, read keys or grant access. Privileged access should be eligible and
    activated just in time. Privileged is matched on actions (role assignment write, or write
    on every resource type), so custom roles count. An active assignment matching a PIM
    eligibility (same principal, role and scope) is an activation and passes; eligibilities
    themselves pass. Service principals are out of scope (AIP-IDN-005 covers workload
    identities)."""
    inv = ctx.inventory
    if isinstance(res, RoleEligibility):
        return passed(
            f"eligible through PIM: {principal_label(inv, res.principal_id)} at {res.scope}",
            ev("properties.principalId", res.principal_id),
            ev("properties.scope", res.scope),
        )
    if not isinstance(res, RoleAssignment):
        return not_applicable("not a role assignment")
    role = role_definition(inv, res.role_definition_guid)
    role_name = role.role_name if role else res.role_definition_guid
    evidence = (
        ev("properties.principalId", res.principal_id),
        ev("properties.principalType", res.principal_type),
        ev("properties.roleDefinitionId", res.role_definition_id),
        ev("properties.scope", res.scope),
    )
    activated = (res.principal_id, res.role_definition_guid, res.scope) in _eligible_keys(inv)
    if activated:
        return passed(f"{role_name} is a PIM activation of an eligible assignment", *evidence)
    if role is None:
        return unknown(
            f"permanent assignment of custom role {res.role_definition_guid}, whose definition "
            "was not collected: whether it is privileged is unknown",
            unresolved_role(res.role_definition_guid),
            evidence=evidence,
        )
    return failed(
        f"{res.principal_type or 'principal'} {principal_label(inv, res.principal_id)} holds "
        f"{role_name} permanently at {res.scope}",
        *evidence,
        fill={
            "<SCOPE>": scope_of(res.id),
            # The request's name: any new GUID; derived from the assignment so reruns agree.
            "<REQUEST_GUID>": str(uuid.uuid5(uuid.NAMESPACE_URL, res.id.lower())),
        },
    )


# ---- Conditional Access ------------------------------------------------------------------------

AZURE_MANAGEMENT_APP = "797f4846-ba00-4fd7-ba43-dac1f8f63013"


@rule(
    id="AIP-IDN-010",
    title="No Conditional Access policy requires MFA for Azure management",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=Tenant,
    requires=("graph.conditionalAccessPolicies",),
    remediation=Remediation(
        summary="Create an enabled Conditional Access policy for all users on 'Windows Azure "
        "Service Management API' (or all cloud apps) that requires MFA or a phishing-resistant "
        "authentication strength; exclude only break-glass accounts.",
        az_cli="az rest --method post --url https://graph.microsoft.com/v1.0/identity/"
        "conditionalAccess/policies --body @ca-mfa-azure-management.json",
        bicep="// Conditional Access is not an ARM resource and the Microsoft Graph Bicep "
        "extension does not cover it;\n// deploy it with Microsoft Graph (az rest) or the "
        "azuread Terraform provider.",
        terraform="# azurerm cannot manage Conditional Access; use the azuread provider:\n"
        'resource "azuread_conditional_access_policy" "mfa_azure_management" {\n'
        '  display_name = "Require MFA for Azure management"\n'
        '  state        = "enabled"\n'
        "  conditions {\n"
        '    client_app_types = ["all"]\n'
        '    applications { included_applications = ["797f4846-ba00-4fd7-ba43-dac1f8f63013"] }\n'
        '    users { included_users = ["All"] excluded_users = [var.break_glass_id] }\n'
        "  }\n"
        '  grant_controls { operator = "OR" built_in_controls = ["mfa"] }\n}',
        portal="Microsoft Entra admin center > Protection > Conditional Access > Create new "
        "policy from template 'Require multifactor authentication for Azure management' > "
        "Enable policy: On.",
    ),
    references=Refs(
        mcsb=("IM-7", "IM-6"),
        prowler=("entra_conditional_access_policy_require_mfa_for_management_api",),
    ),
)
def ca_mfa_management(tenant: Tenant, ctx: RuleContext) -> Verdict:
    """Everyone who manages the AI estate (deployments, content filters, keys, role
    assignments) does it through Azure Resource Manager. Without a Conditional Access policy
    requiring MFA there, one phished password is enough. Report-only policies do not count; a
    policy must cover all users and the Azure management app or all apps."""
    good: list[str] = []
    partial: list[str] = []
    for pol in ctx.inventory.conditional_access_policies:
        mfa = "mfa" in pol.built_in_controls or pol.has_authentication_strength
        if not mfa:
            continue
        apps = {a.lower() for a in pol.include_applications}
        covers_app = "all" in apps or AZURE_MANAGEMENT_APP in apps
        covers_users = any(u.lower() == "all" for u in pol.include_users)
        if not (covers_app and covers_users):
            continue
        (good if pol.state.lower() == "enabled" else partial).append(pol.display_name or pol.id)
    evidence = ev("conditionalAccessPolicies(mfa, all users, Azure management)", good + partial)
    if good:
        return passed(f"enforced by: {', '.join(good)}", evidence)
    if partial:
        return failed(
            f"matching policies are not enabled (report-only or off): {', '.join(partial)}",
            evidence,
        )
    return failed("no Conditional Access policy requires MFA for Azure management", evidence)


# ---- custom roles ------------------------------------------------------------------------------


def _custom_roles(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    idx = permission_index(inv)
    ai_scopes = _ai_scopes(inv, idx)
    out: list[Resource] = []
    for rd in inv.role_definitions.values():
        if (rd.role_type or "").lower() != "customrole":
            continue
        scopes = {s.rstrip("/") or "/" for s in rd.assignable_scopes}
        if scopes & ai_scopes:
            out.append(rd)
    return out


@rule(
    id="AIP-IDN-011",
    title="Custom role assignable over AI resources grants full control or role assignment",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=RoleDefinition,
    target_label="custom role definition assignable over AI resources",
    select=_custom_roles,
    requires=("roleDefinitions",),
    remediation=Remediation(
        summary="Narrow custom role <ROLE_NAME>: replace `*` with the specific actions the job "
        "needs, and remove Microsoft.Authorization/roleAssignments/write (use the built-in RBAC "
        "Administrator with an ABAC condition when delegation is really needed).",
        az_cli="az role definition update --role-definition role.json  "
        "# role.json: the narrowed Actions / NotActions of <ROLE_NAME>",
        bicep="resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {\n"
        "  name: '<NAME>'\n  properties: {\n    roleName: '<ROLE_NAME>'\n"
        "    permissions: [ { actions: [ 'Microsoft.CognitiveServices/accounts/read' ], "
        "notActions: [] } ]\n    assignableScopes: [ subscription().id ]\n  }\n}",
        terraform='resource "azurerm_role_definition" "this" {\n'
        '  name  = "<ROLE_NAME>"\n'
        '  scope = "/subscriptions/<SUB>"\n'
        "  permissions {\n"
        '    actions     = ["Microsoft.CognitiveServices/accounts/read"]\n'
        "    not_actions = []\n"
        "  }\n}",
        portal="Azure portal > Subscriptions > Access control (IAM) > Roles > <ROLE_NAME> > Edit: "
        "remove '*' and Microsoft.Authorization write permissions > Review + update.",
        policy=(
            PolicyFix(
                "a451c1ef-c6ca-483d-87ed-f49761e3ffb5",
                "Audit",
                "Audit usage of custom RBAC roles",
            ),
        ),
        fills=("<ROLE_NAME>",),
    ),
    references=Refs(
        mcsb=("PA-7",),
        azure_policy=("a451c1ef-c6ca-483d-87ed-f49761e3ffb5",),
        checkov=("CKV_AZURE_39",),
        prowler=("iam_subscription_roles_owner_custom_not_created",),
    ),
)
def custom_role_privileged(rd: RoleDefinition, ctx: RuleContext) -> Verdict:
    """Custom roles escape the scrutiny built-in Owner gets: a role called "AI Ops" with `*`
    or roleAssignments/write is Owner in disguise for every AI resource it can be assigned
    over. Matched on effective actions (wildcards expanded, notActions subtracted)."""
    what = []
    if role_permits(rd, ROLE_ASSIGNMENT_WRITE):
        what.append("Microsoft.Authorization/roleAssignments/write")
    if role_permits(rd, ANY_RESOURCE_WRITE):
        what.append("write on every resource type (*)")
    evidence = (
        ev("properties.permissions[].actions", [a for p in rd.permissions for a in p.actions]),
        ev("properties.assignableScopes", list(rd.assignable_scopes)),
    )
    if what:
        return failed(
            f"custom role '{rd.role_name}' grants {' and '.join(what)}",
            *evidence,
            fill={"<ROLE_NAME>": rd.role_name},
        )
    return passed(
        f"custom role '{rd.role_name}': no full-control or role-assignment permission", *evidence
    )


@rule(
    id="AIP-IDN-012",
    title="Container registry used by AI has the admin user enabled",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=ContainerRegistry,
    target_label="container registry (AI-linked)",
    remediation=Remediation(
        summary="Disable the admin user of registry <NAME>; pull and push with Entra ID "
        "identities holding AcrPull / AcrPush.",
        az_cli="az acr update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--admin-enabled false",
        bicep="resource acr 'Microsoft.ContainerRegistry/registries@2023-07-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  sku: { name: 'Premium' }\n"
        "  properties: { adminUserEnabled: false }\n}",
        terraform='resource "azurerm_container_registry" "this" {\n'
        '  name                = "<NAME>"\n'
        '  resource_group_name = "<RG>"\n'
        "  admin_enabled       = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Access keys > Admin user: off.",
        policy=(
            PolicyFix(
                "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
                "Deny",
                "Container registries should have local admin account disabled.",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1",),
        azure_policy=("dc921057-6b28-4fbe-9b83-f7bec05db6c2",),
        owasp_llm=("LLM03",),
        atlas=("AML.T0010",),
        checkov=("CKV_AZURE_137",),
        prowler=("containerregistry_admin_user_disabled",),
        psrule=("Azure.ACR.AdminUser",),
    ),
)
def registry_admin_user(acr: ContainerRegistry, ctx: RuleContext) -> Verdict:
    """The registry of an ML workspace holds the environment images that training jobs and
    model endpoints run. Its admin user is a shared username/password with push rights: whoever
    has it can replace an image and run code with the workload's identity (supply-chain
    poisoning). Absent means disabled (Azure's default)."""
    value = acr.admin_user_enabled
    evidence = ev("properties.adminUserEnabled", value)
    if value is True:
        return failed("the admin user (shared password with push rights) is enabled", evidence)
    return passed("admin user disabled", evidence)


def _ai_clusters(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return ai_clusters(inv)


@rule(
    id="AIP-IDN-013",
    title="AKS cluster running AI workloads allows local accounts or lacks Entra ID / RBAC",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=AksCluster,
    target_label="AKS cluster (GPU node pool or tagged AI)",
    select=_ai_clusters,
    remediation=Remediation(
        summary="Enable AKS-managed Entra ID integration with Azure RBAC on <NAME> and disable "
        "local accounts.",
        az_cli="az aks update --name <NAME> --resource-group <RG> --subscription <SUB> "
        "--enable-aad --enable-azure-rbac --disable-local-accounts",
        bicep="resource aks 'Microsoft.ContainerService/managedClusters@2024-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    enableRBAC: true\n    disableLocalAccounts: true\n"
        "    aadProfile: { managed: true, enableAzureRBAC: true }\n  }\n}",
        terraform='resource "azurerm_kubernetes_cluster" "this" {\n'
        '  name                   = "<NAME>"\n'
        '  resource_group_name    = "<RG>"\n'
        "  local_account_disabled = true\n"
        "  role_based_access_control_enabled = true\n"
        "  azure_active_directory_role_based_access_control {\n"
        "    azure_rbac_enabled = true\n"
        "  }\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Settings > Security configuration: Authentication and "
        "Authorization 'Microsoft Entra ID authentication with Azure RBAC', Local accounts "
        "disabled > Apply.",
        policy=(
            PolicyFix(
                "993c2fcd-2b29-49d2-9eb0-df2c3a730c32",
                "Deny",
                "Azure Kubernetes Service Clusters should have local authentication methods "
                "disabled",
            ),
            PolicyFix(
                "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457",
                "Audit",
                "Role-Based Access Control (RBAC) should be used on Kubernetes Services",
            ),
        ),
    ),
    references=Refs(
        mcsb=("IM-1", "PA-7"),
        azure_policy=(
            "993c2fcd-2b29-49d2-9eb0-df2c3a730c32",
            "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457",
        ),
        prowler=("aks_cluster_rbac_enabled",),
        checkov=("CKV_AZURE_141", "CKV_AZURE_5"),
        psrule=("Azure.AKS.LocalAccounts", "Azure.AKS.ManagedAAD", "Azure.AKS.UseRBAC"),
    ),
)
def aks_identity(cluster: AksCluster, ctx: RuleContext) -> Verdict:
    """Local accounts give a static cluster-admin kubeconfig that bypasses Entra ID, MFA and
    Conditional Access; without Entra integration or Kubernetes RBAC, access to the model
    serving pods, their secrets and their GPUs cannot be scoped or reviewed.
    `disableLocalAccounts` absent means local accounts are enabled; `enableRBAC` has no
    documented default (the managedClusters REST spec in azure-rest-api-specs gives none; see
    facts/defaults.py AKS_ENABLE_RBAC), so when it is absent and nothing else fails the verdict
    is UNKNOWN; legacy (non-managed) AAD integration is retired and counts as missing."""
    problems = []
    if cluster.disable_local_accounts is not True:
        problems.append("local accounts enabled")
    if cluster.aad_managed is not True:
        problems.append("no managed Entra ID integration")
    if cluster.enable_rbac is False:
        problems.append("Kubernetes RBAC disabled")
    evidence = (
        ev("properties.disableLocalAccounts", cluster.disable_local_accounts),
        ev("properties.aadProfile.managed", cluster.aad_managed),
        ev("properties.enableRBAC", cluster.enable_rbac),
    )
    if problems:
        return failed("; ".join(problems), *evidence)
    if cluster.enable_rbac is None:
        return unknown(
            "Entra ID integration on and local accounts off, but enableRBAC is absent and "
            "Azure documents no default for it",
            AKS_ENABLE_RBAC.prop,
            evidence=evidence,
        )
    return passed("Entra ID integration, RBAC on, local accounts off", *evidence)


# ---- guests ------------------------------------------------------------------------------------

# Per AI resource type: (action, data plane) pairs that mean "can write or use its data".
_GUEST_PROBES: dict[type[Resource], tuple[tuple[str, bool], ...]] = {
    CognitiveAccount: (
        ("Microsoft.CognitiveServices/accounts/write", False),
        (CS_LIST_KEYS, False),
        (CS_DEPLOYMENT_WRITE, False),
        (CS_RAI_POLICY_WRITE, False),
        ("Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action", True),
        ("Microsoft.CognitiveServices/accounts/OpenAI/files/read", True),
    ),
    SearchService: (
        ("Microsoft.Search/searchServices/write", False),
        ("Microsoft.Search/searchServices/listAdminKeys/action", False),
        ("Microsoft.Search/searchServices/indexes/documents/read", True),
        ("Microsoft.Search/searchServices/indexes/documents/write", True),
    ),
    MLWorkspace: (
        ("Microsoft.MachineLearningServices/workspaces/write", False),
        ("Microsoft.MachineLearningServices/workspaces/jobs/write", False),
        ("Microsoft.MachineLearningServices/workspaces/datastores/write", False),
        ("Microsoft.MachineLearningServices/workspaces/listKeys/action", False),
    ),
}


def _guest_targets(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [*inv.accounts.values(), *inv.search_services.values(), *inv.workspaces.values()]


@rule(
    id="AIP-IDN-014",
    title="Guest or foreign principal can change or use the data of an AI resource",
    pillar=Pillar.IDENTITY,
    severity=Severity.MEDIUM,
    target=Resource,
    target_label="AI services account, AI Search service, ML workspace",
    select=_guest_targets,
    requires=(),  # three-valued: assignments, members and users asked per finding
    requires_to_pass=("roleAssignments", "graph.users"),
    remediation=Remediation(
        summary="Remove write and data roles on <NAME> from guest users and foreign groups (or "
        "the guests from the groups that hold them); if "
        "external collaboration is needed, use a time-bound access package with review.",
        az_cli="az role assignment list --scope <ID> --include-inherited --output table\n"
        "az role assignment delete --ids <ROLE_ASSIGNMENT_ID>\n"
        "az ad group member remove --group <GROUP_ID> --member-id <MEMBER_ID>",
        bicep="// Remove the roleAssignments resource whose principalId is the guest / foreign "
        "group on '<NAME>' (or its resource group / subscription) from the template.",
        terraform='# remove the azurerm_role_assignment for the guest on "<NAME>"; grant external '
        "collaborators access through an azuread_access_package with an expiry instead",
        portal="Azure portal > <NAME> > Access control (IAM) > Role assignments: filter Type = "
        "User (guest) / Foreign group and remove write or data roles.",
        fills=("<ROLE_ASSIGNMENT_ID>", "<GROUP_ID>", "<MEMBER_ID>"),
    ),
    references=Refs(mcsb=("PA-1", "PA-4"), owasp_llm=("LLM02", "LLM04")),
)
def guest_access(res: Resource, ctx: RuleContext) -> Verdict:
    """Guests and foreign-tenant groups are governed by another organisation's joiner/leaver
    process. Write or data access for them on a model endpoint, its search index or its
    workspace is a standing path for data leakage and poisoning that your own access reviews
    rarely catch. Direct assignments and assignments to a group the guest belongs to (direct
    membership) both count."""
    inv = ctx.inventory
    idx = permission_index(inv)
    probes = next((v for k, v in _GUEST_PROBES.items() if isinstance(res, k)), ())
    guests, guest_members = _guests(inv)
    hits: dict[str, str] = {}
    direct: dict[str, None] = {}  # assignments to a guest or foreign group (for the fix)
    via_group: dict[tuple[str, str], None] = {}  # (group, guest member)
    missing: list[str] = list(ctx.coverage("graph.users").missing)  # who is a guest
    for action, data in probes:
        access = idx.who_can(res.key, action, data=data, within=True)  # within: one deployment
        missing += access.missing
        for g in access.grants:
            ptype = (g.principal_type or "").lower()
            if ptype == "foreigngroup":
                hits.setdefault(g.principal_id, f"foreign group via {describe(g, inv)}")
                direct.setdefault(g.assignment_id)
                continue
            who: Sequence[str] = ()
            if ptype == "group":
                who = guest_members.get(g.principal_id, ())
                if not ctx.coverage("graph.groupMembers").is_true:
                    missing.append("graph.groupMembers")  # its guests are unknown
            elif g.principal_id in guests:
                who = (g.principal_id,)
            for pid in who:
                if pid == g.principal_id:
                    hits.setdefault(pid, f"guest {describe(g, inv)}")
                    direct.setdefault(g.assignment_id)
                else:
                    via_group.setdefault((g.principal_id, pid))
                    hits.setdefault(
                        pid,
                        f"guest {principal_label(inv, pid)} as member of {describe(g, inv)}",
                    )
    failure = None
    if hits:
        failure = failed(
            f"{len(hits)} guest/foreign principal(s) with write or data access: "
            + "; ".join(hits[k] for k in sorted(hits)),
            ev("principals", sorted(hits)),
            fill={
                "<ROLE_ASSIGNMENT_ID>": list(direct),
                "<GROUP_ID>": [grp for grp, _ in via_group],
                "<MEMBER_ID>": [member for _, member in via_group],
            },
        )
    return settle(
        failure, passed("no guest or foreign principal has write or data access"), missing
    )
