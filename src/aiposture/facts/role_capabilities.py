"""What one role can do to AI resources, in the security graph's capability terms.

For reviewers (`aiposture permissions --role`): a role's actions are matched, with the same
semantics as every rule (facts.permissions), against the actions behind the graph's capability
edges, grouped as a reviewer thinks of them: use the model, get a key, change the model or its
content filter, write data, read data, escalate. Every probe is an action the graph or a rule
asks about (tests/facts/test_role_capabilities.py keeps this list and the graph's in step).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from aiposture.facts.builtin_roles import builtin_role, builtin_role_by_name
from aiposture.facts.permissions import (
    BLOB_READ,
    BLOB_WRITE,
    CS_DEPLOYMENT_WRITE,
    CS_LIST_KEYS,
    CS_RAI_POLICY_WRITE,
    KV_SECRET_GET,
    MI_ASSIGN,
    ROLE_ASSIGNMENT_WRITE,
    STORAGE_LIST_KEYS,
    RoleOrigin,
    role_guid,
    role_permits,
)
from aiposture.model.entities import RoleDefinition

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CAPABILITIES = ("use", "key", "change model/filter", "write data", "read data", "escalate")


@dataclass(frozen=True, slots=True)
class Probe:
    capability: str
    target: str  # the kind of resource the action applies to
    action: str
    data: bool  # a data-plane action
    what: str


PROBES: tuple[Probe, ...] = (
    Probe(
        "use",
        "AI Services / OpenAI account",
        "Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action",
        True,
        "call a model deployment",
    ),
    Probe("key", "AI Services / OpenAI account", CS_LIST_KEYS, False, "list the account keys"),
    Probe(
        "key",
        "AI Search service",
        "Microsoft.Search/searchServices/listAdminKeys/action",
        False,
        "list the search admin keys",
    ),
    Probe("key", "storage account", STORAGE_LIST_KEYS, False, "list the storage account keys"),
    Probe(
        "key",
        "Machine Learning workspace",
        "Microsoft.MachineLearningServices/workspaces/listKeys/action",
        False,
        "list the workspace's storage and registry keys",
    ),
    Probe(
        "change model/filter",
        "AI Services / OpenAI account",
        CS_DEPLOYMENT_WRITE,
        False,
        "deploy or change a model",
    ),
    Probe(
        "change model/filter",
        "AI Services / OpenAI account",
        CS_RAI_POLICY_WRITE,
        False,
        "write a content filter",
    ),
    Probe(
        "change model/filter",
        "AI Services / OpenAI account",
        "Microsoft.CognitiveServices/accounts/write",
        False,
        "change the account (network, keys on/off)",
    ),
    Probe("write data", "storage account", BLOB_WRITE, True, "write blobs"),
    Probe(
        "write data",
        "AI Search service",
        "Microsoft.Search/searchServices/indexes/documents/write",
        True,
        "write index documents",
    ),
    Probe(
        "write data",
        "Machine Learning workspace",
        "Microsoft.MachineLearningServices/workspaces/datastores/write",
        False,
        "point a datastore elsewhere",
    ),
    Probe("read data", "storage account", BLOB_READ, True, "read blobs"),
    Probe(
        "read data",
        "AI Search service",
        "Microsoft.Search/searchServices/indexes/documents/read",
        True,
        "read index documents",
    ),
    Probe("read data", "key vault (RBAC)", KV_SECRET_GET, True, "read secrets"),
    Probe(
        "read data",
        "AI Services / OpenAI account",
        "Microsoft.CognitiveServices/accounts/OpenAI/files/read",
        True,
        "read uploaded files (fine-tuning data)",
    ),
    Probe("escalate", "any scope", ROLE_ASSIGNMENT_WRITE, False, "grant roles (itself anything)"),
    Probe(
        "escalate",
        "user-assigned identity",
        MI_ASSIGN,
        False,
        "attach the identity to compute it controls",
    ),
    Probe(
        "escalate",
        "Machine Learning workspace",
        "Microsoft.MachineLearningServices/workspaces/jobs/write",
        False,
        "run jobs as the compute's identity",
    ),
    Probe(
        "escalate",
        "AKS cluster",
        "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action",
        False,
        "get cluster-admin credentials",
    ),
    Probe(
        "escalate",
        "AKS cluster",
        "Microsoft.ContainerService/managedClusters/runCommand/action",
        False,
        "run commands in the cluster",
    ),
    Probe(
        "escalate",
        "virtual machine",
        "Microsoft.Compute/virtualMachines/runCommand/action",
        False,
        "run commands on the VM as its identity",
    ),
    Probe(
        "escalate",
        "key vault (access policies)",
        "Microsoft.KeyVault/vaults/write",
        False,
        "edit access policies (full secret access)",
    ),
)


@dataclass(frozen=True, slots=True)
class Capability:
    probe: Probe
    granted: bool


def role_capabilities(role: RoleDefinition) -> list[Capability]:
    """Every probe, with whether the role grants it (notActions subtracted, as Azure does)."""
    return [Capability(p, role_permits(role, p.action, data=p.data)) for p in PROBES]


def conditional(role: RoleDefinition) -> bool:
    """The role's definition carries an ABAC condition (it may be narrower than its actions)."""
    return any(p.condition and p.condition.strip() for p in role.permissions)


def find_role(
    query: str, tenant: Mapping[str, RoleDefinition]
) -> tuple[list[RoleDefinition], RoleOrigin | None]:
    """The roles `query` names (a GUID, a role definition id, or a role name compared
    case-insensitively), the tenant's definitions first, then the shipped table."""
    text = query.strip()
    guid = role_guid(text)
    if _GUID.fullmatch(guid):
        if guid in tenant:
            return [tenant[guid]], "tenant"
        found = builtin_role(guid)
        return ([found], "table") if found is not None else ([], None)
    low = text.lower()
    mine = [r for r in tenant.values() if r.role_name.lower() == low]
    if mine:
        return sorted(mine, key=lambda r: r.guid), "tenant"
    found = builtin_role_by_name(text)
    return ([found], "table") if found is not None else ([], None)
