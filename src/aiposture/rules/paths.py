"""PATH: attack paths through the security graph (combinations no single-resource check sees).

Each rule looks up the paths the graph search found for its target resource. A FAIL carries
every hop of the first paths with the role or setting that creates it, and the cheapest cut:
the one assignment, membership or setting whose removal breaks the most of the target's paths,
with the command to remove it (evidence `cut.*`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from aiposture.config import Settings
from aiposture.facts.permissions import permission_index
from aiposture.graph.build import UAMI_TYPE, EdgeKind, SecurityGraph, build_graph
from aiposture.graph.paths import (
    AttackPath,
    cheapest_cut,
    cut_counts,
    find_rule_paths,
    path_cut,
)
from aiposture.model.entities import Resource
from aiposture.model.inventory import Inventory
from aiposture.model.types import Pillar, Severity, Status
from aiposture.rules.registry import rule
from aiposture.rules.types import (
    Evidence,
    Refs,
    Remediation,
    RuleContext,
    Verdict,
    ev,
    failed,
    fill_values,
    passed,
    settle,
    unknown,
)

SHOWN_PATHS = 3
RBAC = ("resources", "roleAssignments")
RBAC_AND_GRAPH = (*RBAC, "graph.users", "graph.servicePrincipals", "graph.applications")
MEMBERS = ("graph.groupMembers",)
ENTRY_POINTS = ("graph.users", "graph.servicePrincipals", "graph.applications", *MEMBERS)
# What can only add paths: memberships, PIM eligibilities (the graph counts them) and, where
# the path may start from a principal someone else can take over, Entra directory roles
# (an application administrator can add a secret to any service principal).
REACH = (*MEMBERS, "roleEligibilitySchedules")
TAKEOVER = (*REACH, "graph.directoryRoleAssignments")

_CUT_NOTE = (
    "\n# The finding's evidence names the exact cut (cut.az_cli): the single assignment or "
    "setting whose removal breaks the most paths to <NAME>."
)


def _graph(ctx: RuleContext) -> SecurityGraph | None:
    g = ctx.graph
    return g if isinstance(g, SecurityGraph) else None


def _verdict(
    rule_id: str,
    res: Resource,
    ctx: RuleContext,
    what: str,
    principals: Iterable[str] = (),
    needs: tuple[str, ...] = (),
    within: bool = False,
) -> Verdict:
    """FAIL with hops and cut when paths exist (certain: every hop was read). Otherwise PASS
    only when nothing unread could add a path: the collections in `needs` (entry points,
    memberships, eligibilities, directory roles), and what the permission queries on the
    target and on the identities on the way could not see (assignments not read, custom roles
    not resolved, management-group ancestry, resources not read under a scope an identity
    holds a role on); else UNKNOWN naming them."""
    sg = _graph(ctx)
    if sg is None:
        return unknown("the security graph was not built for this scan", "graph")
    ps = find_rule_paths(sg, rule_id, ctx.settings.model_admins)
    paths = ps.for_subject(rule_id, res.key)
    if paths:
        total = ps.total(rule_id, res.key)
        return failed(_message(paths, total, what), *_evidence(paths, total))
    idx = permission_index(ctx.inventory)
    missing = [*ctx.missing(res.key, *needs), *idx.gaps_on(res.key, within=within, eligible=True)]
    for pid in principals:
        access = idx.what_can(pid, include_eligible=True)
        missing += access.missing
        # A data store not read under a scope the identity holds a role on could end a path.
        for scope in {g.scope.lower() for g in access.grants}:
            missing += ctx.missing_under(scope, "resources")
    return settle(None, passed(f"no {what}"), missing)


def _message(paths: list[AttackPath], total: int, what: str) -> str:
    first = paths[0]
    return (
        f"{total} {what}(s); worst: {first.summary()} ({first.entry_kind} -> {first.target_kind})"
    )


def _evidence(paths: list[AttackPath], total: int) -> list[Evidence]:
    out = [ev("paths.count", total)]
    counts = cut_counts(paths)
    for i, p in enumerate(_shown(paths)):
        out.append(ev(f"path[{i}]", f"{p.summary()} [{p.severity.value}]"))
        for j, hop in enumerate(p.hops):
            out.append(ev(f"path[{i}].hop[{j}]", hop.explain()))
        own = path_cut(p, counts, len(paths))
        if own is not None:
            out.append(ev(f"path[{i}].cut", own.hop.explain()))
    cut = cheapest_cut(paths, counts)
    if cut is not None:
        out.append(ev("cut", cut.hop.explain()))
        kept = "" if total <= cut.of else f" kept ({total} in all)"
        out.append(ev("cut.breaks", f"{cut.breaks} of {cut.of} paths{kept}"))
        for form, text in cut.fix().items():
            out.append(ev(f"cut.{form}", text))
    return out


def _shown(paths: list[AttackPath]) -> list[AttackPath]:
    """The SHOWN_PATHS worst paths, ordered by (severity, hops, summary). Summaries are composed
    only for the paths that tie with the shown ones on the cheap part of the key."""

    def cheap(p: AttackPath) -> tuple[int, int]:
        return (-p.severity.rank, len(p.hops))

    if len(paths) > SHOWN_PATHS:
        cutoff = sorted(map(cheap, paths))[SHOWN_PATHS - 1]
        paths = [p for p in paths if cheap(p) <= cutoff]
    return sorted(paths, key=lambda p: (*cheap(p), p.summary()))[:SHOWN_PATHS]


def _identity_principals(res: Resource) -> tuple[str, ...]:
    return res.identity.principal_ids


def _with_subjects(
    rule_id: str, base: list[Resource], inv: Inventory, settings: Settings
) -> list[Resource]:
    """The rule's usual targets plus every resource the path search found a path to for this
    rule (a VM whose identity reads AI data, a store an AI identity indexes), so that `scan`
    reports what `aiposture paths` shows."""
    if not inv.coverage.status("roleAssignments").complete:
        return base  # no paths to add; the coverage gate makes the base targets UNKNOWN
    ps = find_rule_paths(build_graph(inv), rule_id, settings.model_admins)
    have = {r.key for r in base}
    extra = sorted({p.subject for p in ps.paths if p.rule_id == rule_id} - have)
    if not extra:
        return base
    others = {r.key: r for r in inv.other}
    out = list(base)
    for key in extra:
        res = inv.resource(key) or others.get(key)
        if res is not None:
            out.append(res)
    return out


# ---- AIP-PATH-001 ---------------------------------------------------------------------------


def _ai_endpoints(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [*inv.accounts.values(), *inv.search_services.values(), *inv.workspaces.values()]


@rule(
    id="AIP-PATH-001",
    uses_graph=True,
    title="Internet-facing AI endpoint whose identity can read or write data stores",
    pillar=Pillar.IDENTITY,
    severity=Severity.CRITICAL,
    target=Resource,
    target_label="AI services account, AI Search service, ML workspace",
    select=_ai_endpoints,
    requires=RBAC,
    remediation=Remediation(
        summary="Break the path at <NAME>: disable its public network access (private "
        "endpoint), and/or narrow its managed identity's data role to the one storage "
        "account or container it needs, at that resource's scope.",
        az_cli="az resource update --ids <ID> --set properties.publicNetworkAccess=Disabled"
        + _CUT_NOTE,
        bicep="// in the declaration of '<NAME>':\nproperties: {\n"
        "  publicNetworkAccess: 'Disabled'\n}\n// and scope the identity's data role to the "
        "storage account it reads, e.g. scope: storageAccount",
        terraform='# in the resource block of "<NAME>":\npublic_network_access_enabled = false\n'
        "# and give azurerm_role_assignment.scope the storage account id, not the subscription",
        portal="Azure portal > <NAME> > Networking > Public network access: Disabled. Then "
        "Identity > Azure role assignments: remove roles broader than the resources it uses.",
    ),
    references=Refs(
        mcsb=("NS-2", "PA-7"),
        owasp_llm=("LLM02", "LLM06"),
        atlas=("AML.T0051", "AML.T0024"),
        other=("Defender CSPM attack path: internet-exposed AI service with data access",),
    ),
)
def internet_ai_data(res: Resource, ctx: RuleContext) -> Verdict:
    """An AI endpoint reachable from the Internet acts on prompts from anyone who gets a key or
    token, and tools, agents or plug-ins run with its managed identity. When that identity can
    read or write storage or read key vault secrets, one prompt injection or leaked key turns
    into data exfiltration or tampering far beyond the AI service itself."""
    return _verdict(
        "AIP-PATH-001",
        res,
        ctx,
        "internet-to-data attack path",
        _identity_principals(res),
        needs=REACH,
    )


# ---- AIP-PATH-002 ---------------------------------------------------------------------------


def _ai_workloads(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    return [r for r in inv.ai_resources() if r.identity.principal_ids]


@rule(
    id="AIP-PATH-002",
    uses_graph=True,
    title="AI workload identity can escalate privileges (write role assignments)",
    pillar=Pillar.IDENTITY,
    severity=Severity.CRITICAL,
    target=Resource,
    target_label="AI resource with a managed identity",
    select=_ai_workloads,
    requires=RBAC,
    remediation=Remediation(
        summary="Remove Owner, User Access Administrator, RBAC Administrator or any role with "
        "Microsoft.Authorization/roleAssignments/write from the identity of <NAME>; give it "
        "only the data roles it needs on the resources it uses.",
        az_cli="az role assignment list --all --assignee <PRINCIPAL_ID> -o table" + _CUT_NOTE,
        bicep="// Remove the roleAssignments resource granting Owner / User Access "
        "Administrator to the identity of '<NAME>' and declare narrow data roles instead.",
        terraform="# Remove the azurerm_role_assignment granting Owner / User Access "
        'Administrator to the identity of "<NAME>".',
        portal="Azure portal > <NAME> > Identity > Azure role assignments > remove Owner, User "
        "Access Administrator and Role Based Access Control Administrator.",
        fills=("<PRINCIPAL_ID>",),
    ),
    references=Refs(mcsb=("PA-7", "PA-1"), owasp_llm=("LLM06",), atlas=("AML.T0051",)),
)
def workload_escalation(res: Resource, ctx: RuleContext) -> Verdict:
    """A workload identity that can write role assignments can grant itself, or anyone, any
    role at that scope. Whoever runs code in the workload (a prompt-injected agent, a
    compromised notebook, a malicious model file) inherits that: the whole scope is one
    exploit away."""
    verdict = _verdict(
        "AIP-PATH-002",
        res,
        ctx,
        "privilege-escalation path",
        _identity_principals(res),
        needs=REACH,
    )
    if verdict.status is not Status.FAIL:
        return verdict
    # The fix lists the grants of the workload's identities.
    return dataclasses.replace(
        verdict, fill=fill_values({"<PRINCIPAL_ID>": _identity_principals(res)})
    )


# ---- AIP-PATH-003 ---------------------------------------------------------------------------


@rule(
    id="AIP-PATH-003",
    uses_graph=True,
    title="Guest or secret-bearing service principal can read AI keys or change model safety",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=Resource,
    target_label="AI services account",
    select=lambda inv, settings: list(inv.accounts.values()),
    requires=RBAC_AND_GRAPH,
    remediation=Remediation(
        summary="Remove the guest's or client-secret service principal's role on <NAME> (or "
        "its resource group / subscription); move pipelines to workload identity federation "
        "or a certificate, and give them 'Cognitive Services OpenAI User' only if they just "
        "call the model.",
        az_cli="az role assignment list --scope <ID> --include-inherited -o table" + _CUT_NOTE,
        bicep="// Delete the roleAssignments resource for the guest / pipeline principal on "
        "'<NAME>' and declare a federated credential for the pipeline app instead:\n"
        "// Microsoft.Graph/applications/federatedIdentityCredentials (Bicep Graph extension)",
        terraform="# Remove the azurerm_role_assignment for the principal on <NAME>; use\n"
        "# azuread_application_federated_identity_credential instead of a client secret.",
        portal="Azure portal > <NAME> > Access control (IAM) > Role assignments: remove guest "
        "and client-secret principals; Entra admin center > App registrations > the pipeline "
        "app > Certificates & secrets > Federated credentials.",
    ),
    references=Refs(mcsb=("IM-3", "IM-8", "PA-1"), owasp_llm=("LLM03", "LLM10")),
)
def credential_ai_control(res: Resource, ctx: RuleContext) -> Verdict:
    """A client secret is a password that leaks from CI logs and repositories; a guest is an
    account whose lifecycle another company controls; a tenant-wide application administrator
    can add a secret to any service principal and sign in as it. Any of them that can list an
    AI account's keys gets unattributed model access, and one that can write deployments or
    content filters can switch prompt shields off or swap the model."""
    return _verdict("AIP-PATH-003", res, ctx, "credential-to-AI-control path", needs=TAKEOVER)


# ---- AIP-PATH-004 ---------------------------------------------------------------------------


def _ai_storage(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    linked: list[Resource] = [s for s in inv.storage_accounts.values() if inv.is_ai_linked(s.key)]
    return _with_subjects("AIP-PATH-004", linked, inv, settings)


@rule(
    id="AIP-PATH-004",
    uses_graph=True,
    title="Storage feeding an ML workspace, AI Search or AI account is writable by outsiders",
    pillar=Pillar.DATA,
    severity=Severity.HIGH,
    target=Resource,
    target_label="storage account feeding AI (AI-linked)",
    select=_ai_storage,
    requires=RBAC,
    remediation=Remediation(
        summary="Make <NAME> writable only by the pipeline that curates the data: remove "
        "subscription-wide data and Contributor roles, disable anonymous blob access and "
        "shared keys, and close the public network.",
        az_cli="az storage account update --name <NAME> --resource-group <RG> --subscription "
        "<SUB> --allow-blob-public-access false --allow-shared-key-access false "
        "--public-network-access Disabled" + _CUT_NOTE,
        bicep="resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: '<NAME>'\n  location: '<LOCATION>'\n  properties: {\n"
        "    allowBlobPublicAccess: false\n    allowSharedKeyAccess: false\n"
        "    publicNetworkAccess: 'Disabled'\n  }\n}",
        terraform='resource "azurerm_storage_account" "this" {\n'
        '  name                            = "<NAME>"\n'
        '  resource_group_name             = "<RG>"\n'
        "  allow_nested_items_to_be_public = false\n"
        "  shared_access_key_enabled       = false\n"
        "  public_network_access_enabled   = false\n"
        "  # ... other arguments unchanged\n}",
        portal="Azure portal > <NAME> > Configuration: Allow Blob anonymous access Disabled, "
        "Allow storage account key access Disabled; Networking: Disabled; Access control "
        "(IAM): remove broad writers.",
    ),
    references=Refs(
        mcsb=("DP-2", "PA-7"),
        owasp_llm=("LLM04", "LLM08"),
        atlas=("AML.T0020", "AML.T0070"),
    ),
)
def poisoning(res: Resource, ctx: RuleContext) -> Verdict:
    """Training data and RAG grounding documents decide what a model learns and says.
    Whoever can write them (anonymously, with a leaked secret, as a guest, or through a role
    granted on the whole subscription) can plant instructions or bias that every user of
    the AI then receives, without touching the AI service."""
    return _verdict(
        "AIP-PATH-004",
        res,
        ctx,
        "data-poisoning path",
        needs=(*ENTRY_POINTS, *TAKEOVER),
        within=True,
    )


# ---- AIP-PATH-005 ---------------------------------------------------------------------------


def _assumable(inv: Inventory, settings: Settings) -> Iterable[Resource]:
    out: list[Resource] = []
    for c in inv.computes.values():
        if c.identity.principal_ids:
            out.append(c)
    for a in inv.aks_clusters.values():
        if inv.is_ai(a) and a.identity.principal_ids:
            out.append(a)
    rows = {r.key: r for r in inv.other if r.type == UAMI_TYPE}
    for r in inv.ai_resources():
        for ua in r.identity.user_assigned:
            key = ua.resource_id.lower()
            if key not in rows:
                rows[key] = Resource(
                    id=ua.resource_id,
                    key=key,
                    name=key.rsplit("/", 1)[-1],
                    type=UAMI_TYPE,
                    subscription_id=key.split("/")[2] if key.startswith("/subscriptions/") else "",
                    resource_group=key.split("/")[4] if key.count("/") >= 4 else "",
                )
    used = {ua.resource_id.lower() for r in inv.ai_resources() for ua in r.identity.user_assigned}
    out.extend(r for k, r in sorted(rows.items()) if k in used)
    return _with_subjects("AIP-PATH-005", out, inv, settings)


@rule(
    id="AIP-PATH-005",
    uses_graph=True,
    title="Non-admin can act as a powerful compute or user-assigned identity",
    pillar=Pillar.IDENTITY,
    severity=Severity.HIGH,
    target=Resource,
    target_label="ML compute, AI AKS cluster, user-assigned identity used by AI",
    select=_assumable,
    requires=RBAC,
    remediation=Remediation(
        summary="Either narrow what the identity of <NAME> can reach, or remove the roles that "
        "let others run code as it (Managed Identity Operator, Contributor, AzureML Data "
        "Scientist on the workspace of a compute whose identity holds data roles).",
        az_cli="az role assignment list --scope <ID> --include-inherited -o table" + _CUT_NOTE,
        bicep="// Give the identity of '<NAME>' data roles only on the containers its jobs "
        "need; remove Managed Identity Operator / Contributor from people who do not operate "
        "it.",
        terraform='# Scope the azurerm_role_assignment resources of "<NAME>" to the data it '
        "needs; remove Managed Identity Operator assignments on it.",
        portal="Azure portal > <NAME> > Access control (IAM): review who can run code on or "
        "assign this identity; Identity > Azure role assignments: remove broad data roles.",
    ),
    references=Refs(mcsb=("PA-7", "IM-3"), owasp_llm=("LLM06",), atlas=("AML.T0024",)),
)
def identity_hijack(res: Resource, ctx: RuleContext) -> Verdict:
    """Running code on a compute gives its managed identity's token to whoever wrote the
    code: a data scientist who can submit a job, or anyone who can attach a user-assigned
    identity to a VM they control (Managed Identity Operator), gets everything that identity
    can read. Powerful identities on shared compute undo least privilege for every user."""
    principals: tuple[str, ...] = _identity_principals(res)
    if res.type == UAMI_TYPE:
        sg = _graph(ctx)
        if sg is not None:
            principals = tuple(
                mi.key for mi, e in sg.out_edges(res.key) if e.kind is EdgeKind.HAS_IDENTITY
            )
    return _verdict("AIP-PATH-005", res, ctx, "identity-hijack path", principals, needs=TAKEOVER)
