"""Permission semantics live in aiposture.facts.permissions; this name stays for the graph
modules that import it."""

from __future__ import annotations

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
    Grant,
    PermissionIndex,
    action_matches,
    permission_index,
    role_definition,
    role_guid,
    role_permits,
)

__all__ = [
    "BLOB_READ",
    "BLOB_WRITE",
    "CS_DEPLOYMENT_WRITE",
    "CS_LIST_KEYS",
    "CS_RAI_POLICY_WRITE",
    "KV_SECRET_GET",
    "MI_ASSIGN",
    "ROLE_ASSIGNMENT_WRITE",
    "STORAGE_LIST_KEYS",
    "Grant",
    "PermissionIndex",
    "action_matches",
    "permission_index",
    "role_definition",
    "role_guid",
    "role_permits",
]
