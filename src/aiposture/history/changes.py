"""Who changed what: change records from Resource Graph (`resourcechanges`, read with the scan)
or from an exported Activity Log (AzureActivity rows as CSV or JSON, `--activity-log FILE`),
and which of them touch an AI guardrail.

Guardrail changes are worth a reviewer's look even when no rule regressed: a content filter
(raiPolicy) edited, a deployment's model swapped, a network ACL opened, diagnostic settings
deleted, local (key) auth re-enabled, a role assignment made on an AI resource.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from aiposture.errors import InputError
from aiposture.history.record import ChangeRecord
from aiposture.model import props as p
from aiposture.model.snapshot import read_bytes

AI_PROVIDERS = (
    "microsoft.cognitiveservices/",
    "microsoft.machinelearningservices/",
    "microsoft.search/",
)
_ANY_ADDRESS = frozenset({"0.0.0.0/0", "0.0.0.0"})  # noqa: S104 - compared, never bound
# Well-known first-party client application ids (Activity Log `claims.appid`).
_CLIENT_APPS = {
    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c": "Azure Portal",
    "04b07795-8ddb-461a-bbee-02f9e1bf7b46": "Azure CLI",
    "1950a258-227b-4e31-a9cf-717495945fc2": "Azure PowerShell",
}
_HINT = (
    "pass AzureActivity rows exported from Log Analytics (CSV or JSON) or "
    "`az monitor activity-log list` output"
)


def _norm(path: str) -> str:
    """A property path compared loosely: `properties.networkAcls.defaultAction` and the
    store's `network_acls.default_action` both become `networkacls.defaultaction`."""
    low = path.lower().replace("_", "")
    return low.removeprefix("properties.")


def paths_match(change_path: str, setting_path: str) -> bool:
    a, b = _norm(change_path), _norm(setting_path)
    return a == b or a.startswith(b + ".") or b.startswith(a + ".") or a.startswith(b + "[")


def _after(c: ChangeRecord, *names: str) -> list[str]:
    out = []
    for prop in c.properties:
        n = _norm(prop.path)
        if any(n == name or n.endswith("." + name) for name in names):
            out.append(str(prop.after).strip('"').lower() if prop.after is not None else "")
    return out


def guardrail(c: ChangeRecord) -> str | None:
    """Which AI guardrail a change touches (a short label), or None."""
    t, op = c.target_type.lower(), c.operation.lower()
    target = c.target_key.lower()
    on_ai = any(prov in target for prov in AI_PROVIDERS)
    if "raipolicies" in t or "/raipolicies/" in op:
        return "content filter (raiPolicy) " + ("deleted" if _deleted(c) else "changed")
    if t.endswith("/deployments") and on_ai:
        if _after(c, "model.name", "model.version", "model.format"):
            return "deployment model swapped"
        if _after(c, "raipolicyname"):
            return "deployment content filter changed"
    if ("diagnosticsettings" in t or "diagnosticsettings/delete" in op) and _deleted(c):
        return "diagnostic settings deleted"
    role_write = "roleassignments" in t or "roleassignments/write" in op
    if role_write and not _deleted(c):
        if on_ai:
            return "role assignment on an AI resource"
        if _ai_role(c):
            return "AI role granted"
    if any(v == "enabled" for v in _after(c, "publicnetworkaccess")):
        return "public network access enabled"
    if any(v == "allow" for v in _after(c, "networkacls.defaultaction")):
        return "network ACL opened (default action Allow)"
    if (
        any(v in _ANY_ADDRESS for v in _after(c, "value"))
        and "iprules" in str([x.path for x in c.properties]).lower()
    ):
        return "network ACL opened (any address)"
    if any(v == "false" for v in _after(c, "disablelocalauth")):
        return "local (key) authentication re-enabled"
    if any(v == "true" for v in _after(c, "allowsharedkeyaccess")):
        return "storage shared key access re-enabled"
    return None


def _ai_role(c: ChangeRecord) -> bool:
    """A role assignment change whose role is an AI data or control role (built-in roles of
    Cognitive Services / Azure AI / Azure Machine Learning / AI Search)."""
    from aiposture.facts.builtin_roles import builtin_role

    for prop in c.properties:
        if _norm(prop.path).endswith("roledefinitionid") and prop.after:
            role = builtin_role(str(prop.after).rsplit("/", 1)[-1])
            name = role.role_name.lower() if role is not None else ""
            if any(k in name for k in _AI_ROLE_WORDS):
                return True
    return False


_AI_ROLE_WORDS = ("cognitive services", "azure ai", "azureml", "machine learning", "search ")


def _deleted(c: ChangeRecord) -> bool:
    return c.change_type.lower() == "delete" or c.operation.lower().endswith("/delete")


# ---- Activity Log exports ------------------------------------------------------------------------


def read_activity_log(path: Path) -> list[ChangeRecord]:
    """Successful write/delete operations from an exported Activity Log, as change records
    (no property values: the Activity Log does not carry them)."""
    data = read_bytes(path)
    text = data.decode("utf-8-sig", errors="replace")
    stripped = text.lstrip()
    rows: list[Mapping[str, Any]]
    if stripped.startswith(("[", "{")):
        try:
            doc = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(f"{path}: not valid JSON ({exc}); {_HINT}") from None
        found = p.get(doc, "value") if isinstance(doc, Mapping) else doc
        if not isinstance(found, list):
            raise InputError(f"{path}: expected a JSON array of Activity Log rows; {_HINT}")
        rows = [r for r in found if isinstance(r, Mapping)]
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        if (
            rows
            and p.get(rows[0], "OperationNameValue") is None
            and p.get(rows[0], "operationName") is None
        ):
            raise InputError(f"{path}: no OperationNameValue column; {_HINT}")
    return list(_records(rows))


def _records(rows: Iterable[Mapping[str, Any]]) -> Iterable[ChangeRecord]:
    for i, row in enumerate(rows):
        op = _text(p.get(row, "OperationNameValue")) or _text(p.path(row, "operationName.value"))
        status = (
            _text(p.get(row, "ActivityStatusValue"))
            or _text(p.path(row, "status.value"))
            or _text(p.get(row, "ActivityStatus"))
        )
        rid = (
            _text(p.get(row, "_ResourceId"))
            or _text(p.get(row, "ResourceId"))
            or _text(p.get(row, "resourceId"))
        )
        if not op or not rid or status.lower() not in ("success", "succeeded"):
            continue
        low = op.lower()
        if not low.endswith(("/write", "/delete", "/action")):
            continue
        when = (
            _text(p.get(row, "TimeGenerated"))
            or _text(p.get(row, "eventTimestamp"))
            or _text(p.get(row, "EventSubmissionTimestamp"))
        )
        claims = p.get(row, "Claims") or p.get(row, "claims")
        if isinstance(claims, str):
            try:
                claims = json.loads(claims)
            except json.JSONDecodeError:
                claims = {}
        app = _text(p.get(claims, "appid")).lower()
        yield ChangeRecord(
            change_id=_text(p.get(row, "CorrelationId"))
            or _text(p.get(row, "correlationId"))
            or f"activity-{i}",
            target_key=rid.lower(),
            target_type=_type_of(low),
            change_type="Delete" if low.endswith("/delete") else "Update",
            timestamp=when,
            changed_by=_text(p.get(row, "Caller")) or _text(p.get(row, "caller")),
            client_type=_CLIENT_APPS.get(app, ""),
            operation=op,
            origin="activitylog",
        )


def _type_of(operation: str) -> str:
    return operation.rsplit("/", 1)[0]


def _text(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""
