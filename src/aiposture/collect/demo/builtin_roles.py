"""The demo tenant's built-in role definitions, as Resource Graph returns them.

A real tenant's `authorizationresources` table holds every built-in role definition
(properties.type BuiltInRole, no subscription); a live scan reads them, so verdicts rest on the
tenant's own definitions. The demo carries the same rows (taken from the shipped table, which
is generated from Microsoft's reference), so the demo and its round trip through the fake Azure
never need the shipped table: tests check that nothing was resolved from it.
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.contoso import Contoso
from aiposture.facts.builtin_roles import builtin_roles


def build(c: Contoso) -> None:
    for role in sorted(builtin_roles().values(), key=lambda r: r.guid):
        perms: list[dict[str, Any]] = []
        for p in role.permissions:
            block: dict[str, Any] = {
                "actions": list(p.actions),
                "notActions": list(p.not_actions),
                "dataActions": list(p.data_actions),
                "notDataActions": list(p.not_data_actions),
            }
            if p.condition:
                block["condition"] = p.condition
                block["conditionVersion"] = "2.0"
            perms.append(block)
        c.b.add(
            {
                "id": f"/providers/Microsoft.Authorization/RoleDefinitions/{role.guid}",
                "name": role.guid,
                "type": "microsoft.authorization/roledefinitions",
                "properties": {
                    "roleName": role.role_name,
                    "type": "BuiltInRole",
                    "description": role.description,
                    "assignableScopes": list(role.assignable_scopes),
                    "permissions": perms,
                },
            }
        )
