"""Azure built-in role definitions shipped with aiposture.

Used when a snapshot lacks role definitions (ARM exports, `az role assignment list` files), so
identity rules can still match actions. The data in builtin_roles.json is transcribed from
Microsoft's generated reference (MicrosoftDocs azure-docs,
articles/role-based-access-control/built-in-roles/*.md): GUIDs are the same in every tenant.
A snapshot's own definitions always win over this table.

Provenance: the privileged, AI, storage and key-vault roles were checked against Microsoft's
reference (built-in-roles/*.md JSON blocks; the Foundry roles, whose definitions carry an ABAC
`condition`, against the Foundry RBAC article). The long tail (AKS RBAC, Container Apps, Logic
App, Automation, Cosmos DB, Data Factory, Security) was transcribed without a line-by-line
check: collect roleDefinitions (ARG authorizationresources) for exact results.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from aiposture.model.entities import Permission, RoleDefinition

_RESOURCE = "builtin_roles.json"


def _strings(obj: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(v) for v in obj.get(key, ()))


def _definition(raw: dict[str, Any]) -> RoleDefinition:
    guid = str(raw["name"]).lower()
    rid = f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    return RoleDefinition(
        id=rid,
        key=rid.lower(),
        name=guid,
        type="microsoft.authorization/roledefinitions",
        role_name=str(raw["roleName"]),
        guid=guid,
        role_type="BuiltInRole",
        description=raw.get("description"),
        assignable_scopes=tuple(s.lower() for s in raw.get("assignableScopes", ["/"])),
        permissions=tuple(
            Permission(
                actions=_strings(p, "actions"),
                not_actions=_strings(p, "notActions"),
                data_actions=_strings(p, "dataActions"),
                not_data_actions=_strings(p, "notDataActions"),
                condition=p.get("condition"),
            )
            for p in raw["permissions"]
        ),
    )


@cache
def builtin_roles() -> dict[str, RoleDefinition]:
    """Every shipped built-in role by lower-case GUID."""
    text = resources.files("aiposture.facts").joinpath(_RESOURCE).read_text(encoding="utf-8")
    table: dict[str, RoleDefinition] = {}
    for raw in json.loads(text):
        role = _definition(raw)
        table[role.guid] = role
    return table


def builtin_role(guid: str) -> RoleDefinition | None:
    return builtin_roles().get(guid.lower())


def builtin_role_by_name(name: str) -> RoleDefinition | None:
    """Look a built-in role up by its display name (case-insensitive): for tests and the demo,
    never for decisions (rules match actions)."""
    low = name.lower()
    for role in builtin_roles().values():
        if role.role_name.lower() == low:
            return role
    return None
