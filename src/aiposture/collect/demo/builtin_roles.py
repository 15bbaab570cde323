"""The demo tenant's built-in role definitions, as Resource Graph returns them.

A real tenant's `authorizationresources` table holds every built-in role definition
(properties.type BuiltInRole, no subscription); a live scan reads them, so verdicts rest on the
tenant's own definitions. The demo carries the same rows, read as data from the definitions
shipped in aiposture/facts/builtin_roles.json (generated from Microsoft's reference; collectors
do not import the facts layer), so the demo and its round trip through the fake Azure never
need the shipped table: tests check that nothing was resolved from it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from aiposture.collect.demo.contoso import Contoso

_PACKAGE = "aiposture.facts"
_DATA = "builtin_roles.json"


def _published() -> list[dict[str, Any]]:
    text = resources.files(_PACKAGE).joinpath(_DATA).read_text(encoding="utf-8")
    roles: list[dict[str, Any]] = json.loads(text)["roles"]
    return roles


def build(c: Contoso) -> None:
    for raw in sorted(_published(), key=lambda r: str(r["name"]).lower()):
        guid = str(raw["name"]).lower()
        c.b.add(
            {
                "id": f"/providers/Microsoft.Authorization/RoleDefinitions/{guid}",
                "name": guid,
                "type": "microsoft.authorization/roledefinitions",
                "properties": {
                    "roleName": raw["roleName"],
                    "type": "BuiltInRole",
                    "description": raw.get("description"),
                    "assignableScopes": raw.get("assignableScopes", ["/"]),
                    "permissions": raw["permissions"],
                },
            }
        )
