"""AIP-MON-*: diagnostic settings, Defender plans, Sentinel, activity log, LLM gateway logs."""

from __future__ import annotations

from typing import Any

from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus
from root_helpers import run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000c001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-mon"
LAW = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law"
ALL = (
    "resources",
    "diagnosticSettings",
    "pricings",
    "sentinel",
    "activityLogExport",
    "defenderForAISettings",
    "apiManagementBackends",
)


def account(name: str = "oai-mon", kind: str = "OpenAI") -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/Microsoft.CognitiveServices/accounts/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": kind,
        "location": "swedencentral",
        "properties": {
            "customSubDomainName": name,
            "endpoint": f"https://{name}.openai.azure.com/",
        },
    }


def diag(target: str, name: str, logs: list[dict[str, Any]], **dest: str) -> dict[str, Any]:
    return {
        "id": f"{target}/providers/microsoft.insights/diagnosticSettings/{name}",
        "name": name,
        "type": "Microsoft.Insights/diagnosticSettings",
        "properties": {"logs": logs, "metrics": [], **dest},
    }


def pricing(plan: str, tier: str, extensions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"pricingTier": tier}
    if extensions is not None:
        props["extensions"] = extensions
    return {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Security/pricings/{plan}",
        "name": plan,
        "type": "Microsoft.Security/pricings",
        "properties": props,
    }


def law(name: str = "law") -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/Microsoft.OperationalInsights/workspaces/{name}",
        "name": name,
        "type": "Microsoft.OperationalInsights/workspaces",
        "properties": {"customerId": "x"},
    }


SUB_NAME = SUB  # subscriptions not in the inventory are named by their id


# ---- MON-001 -------------------------------------------------------------------------------


def test_account_diagnostics() -> None:
    rows = [
        account("all-logs"),
        account("audit-only"),
        account("to-storage"),
        account("none"),
        diag(
            f"{RG}/providers/Microsoft.CognitiveServices/accounts/all-logs",
            "d",
            [{"categoryGroup": "allLogs", "enabled": True}],
            workspaceId=LAW,
        ),
        diag(
            f"{RG}/providers/Microsoft.CognitiveServices/accounts/audit-only",
            "d",
            [{"category": "Audit", "enabled": True}],
            workspaceId=LAW,
        ),
        diag(
            f"{RG}/providers/Microsoft.CognitiveServices/accounts/to-storage",
            "d",
            [{"categoryGroup": "allLogs", "enabled": True}],
            storageAccountId="/x/st",
        ),
    ]
    r = run_rules(rows, complete=ALL)
    assert statuses(r, "AIP-MON-001") == {
        ("all-logs", "PASS"),
        ("audit-only", "FAIL"),
        ("to-storage", "FAIL"),
        ("none", "FAIL"),
    }
    r = run_rules(rows, complete=("resources",))
    assert {s for _, s in statuses(r, "AIP-MON-001")} == {"UNKNOWN"}


# ---- MON-002 -------------------------------------------------------------------------------


def test_search_and_workspace_audit_logs() -> None:
    srch = f"{RG}/providers/Microsoft.Search/searchServices/srch"
    mlw = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw"
    rows = [
        {"id": srch, "name": "srch", "type": "Microsoft.Search/searchServices", "properties": {}},
        {
            "id": mlw,
            "name": "mlw",
            "type": "Microsoft.MachineLearningServices/workspaces",
            "kind": "Hub",
            "properties": {},
        },
        diag(srch, "d", [{"category": "OperationLogs", "enabled": True}], workspaceId=LAW),
        diag(mlw, "d", [{"categoryGroup": "audit", "enabled": False}], workspaceId=LAW),
    ]
    r = run_rules(rows, complete=ALL)
    assert statuses(r, "AIP-MON-002") == {("srch", "PASS"), ("mlw", "FAIL")}
    r = run_rules(rows, complete=("resources",))
    assert {s for _, s in statuses(r, "AIP-MON-002")} == {"UNKNOWN"}


# ---- MON-003 / 004 / 005 / 010: Defender plans ------------------------------------------------


def test_defender_plans() -> None:
    st = f"{RG}/providers/Microsoft.Storage/storageAccounts/stdata"
    rows = [
        {
            **account(),
            "properties": {**account()["properties"], "userOwnedStorage": [{"resourceId": st}]},
        },
        {"id": st, "name": "stdata", "type": "Microsoft.Storage/storageAccounts", "properties": {}},
        pricing("AI", "Standard", [{"name": "AIPromptEvidence", "isEnabled": "True"}]),
        pricing("CloudPosture", "Standard"),
        pricing("StorageAccounts", "Standard"),
    ]
    r = run_rules(rows, complete=ALL)
    for rid in ("AIP-MON-003", "AIP-MON-004", "AIP-MON-005"):
        assert statuses(r, rid) == {(SUB_NAME, "PASS")}, rid
    assert statuses(r, "AIP-MON-010") == {("stdata", "PASS")}

    off = [rows[0], rows[1], pricing("AI", "Free"), pricing("CloudPosture", "Free")]
    r = run_rules(off, complete=ALL)
    assert statuses(r, "AIP-MON-003") == {(SUB_NAME, "FAIL")}
    assert statuses(r, "AIP-MON-004") == {(SUB_NAME, "NOT_APPLICABLE")}
    assert statuses(r, "AIP-MON-005") == {(SUB_NAME, "FAIL")}
    assert statuses(r, "AIP-MON-010") == {("stdata", "FAIL")}  # absent pricing = Free

    no_evidence = [
        rows[0],
        pricing("AI", "Standard", [{"name": "AIPromptEvidence", "isEnabled": "False"}]),
    ]
    assert statuses(run_rules(no_evidence, complete=ALL), "AIP-MON-004") == {(SUB_NAME, "FAIL")}

    r = run_rules(rows, complete=("resources",))
    for rid in ("AIP-MON-003", "AIP-MON-004", "AIP-MON-005"):
        assert statuses(r, rid) == {(SUB_NAME, "UNKNOWN")}, rid
    assert statuses(r, "AIP-MON-010") == {("stdata", "UNKNOWN")}


def test_pricing_export_shape_with_odd_casing() -> None:
    rows = [
        account(),
        {
            "id": f"/subscriptions/{SUB}/providers/microsoft.security/pricings/ai",
            "type": "microsoft.security/pricings",
            "name": "ai",
            "Properties": {
                "PricingTier": "standard",
                "Extensions": [{"Name": "aipromptevidence", "IsEnabled": "true"}],
            },
        },
    ]
    r = run_rules(rows, complete=ALL)
    assert statuses(r, "AIP-MON-003") == {(SUB_NAME, "PASS")}
    assert statuses(r, "AIP-MON-004") == {(SUB_NAME, "PASS")}


# ---- MON-006 -------------------------------------------------------------------------------


def test_sentinel_on_ai_log_workspace() -> None:
    other = f"{RG}/providers/Microsoft.OperationalInsights/workspaces/law2"
    rows = [
        account("a1"),
        account("a2"),
        law(),
        law("law2"),
        diag(
            f"{RG}/providers/Microsoft.CognitiveServices/accounts/a1",
            "d",
            [{"categoryGroup": "allLogs", "enabled": True}],
            workspaceId=LAW,
        ),
        diag(
            f"{RG}/providers/Microsoft.CognitiveServices/accounts/a2",
            "d",
            [{"categoryGroup": "allLogs", "enabled": True}],
            workspaceId=other,
        ),
        {
            "id": f"{LAW}/providers/Microsoft.SecurityInsights/onboardingStates/default",
            "name": "default",
            "type": "Microsoft.SecurityInsights/onboardingStates",
            "properties": {},
        },
    ]
    r = run_rules(rows, complete=ALL)
    assert statuses(r, "AIP-MON-006") == {("law", "PASS"), ("law2", "FAIL")}
    r = run_rules(rows, complete=("resources", "diagnosticSettings"))
    assert {s for _, s in statuses(r, "AIP-MON-006")} == {"UNKNOWN"}
    r = run_rules(rows, complete=("resources", "sentinel"))
    assert statuses(r, "AIP-MON-006") == {("law", "UNKNOWN"), ("law2", "UNKNOWN")}


# ---- MON-007 -------------------------------------------------------------------------------


def test_activity_log_export() -> None:
    exported = [
        account(),
        diag(
            f"/subscriptions/{SUB}",
            "act",
            [{"category": "Administrative", "enabled": True}],
            workspaceId=LAW,
        ),
    ]
    assert statuses(run_rules(exported, complete=ALL), "AIP-MON-007") == {(SUB_NAME, "PASS")}
    to_storage = [
        account(),
        diag(
            f"/subscriptions/{SUB}",
            "act",
            [{"category": "Administrative", "enabled": True}],
            storageAccountId="/x/st",
        ),
    ]
    assert statuses(run_rules(to_storage, complete=ALL), "AIP-MON-007") == {(SUB_NAME, "FAIL")}
    r = run_rules(exported, complete=("resources",))
    assert statuses(r, "AIP-MON-007") == {(SUB_NAME, "UNKNOWN")}


# ---- MON-008 -------------------------------------------------------------------------------


def test_defender_per_account_setting() -> None:
    def setting(name: str, state: str) -> dict[str, Any]:
        return {
            "id": f"{RG}/providers/Microsoft.CognitiveServices/accounts/{name}/"
            "defenderForAISettings/Default",
            "name": "Default",
            "type": "Microsoft.CognitiveServices/accounts/defenderForAISettings",
            "properties": {"state": state},
        }

    rows = [
        account("on"),
        account("off"),
        account("absent"),
        setting("on", "Enabled"),
        setting("off", "Disabled"),
        pricing("AI", "Standard"),
    ]
    r = run_rules(rows, complete=ALL)
    assert statuses(r, "AIP-MON-008") == {("on", "PASS"), ("off", "FAIL"), ("absent", "PASS")}
    rows_free = [account("off"), setting("off", "Disabled"), pricing("AI", "Free")]
    assert statuses(run_rules(rows_free, complete=ALL), "AIP-MON-008") == {
        ("off", "NOT_APPLICABLE")
    }
    r = run_rules(rows, complete=("resources", "pricings"))
    assert {s for _, s in statuses(r, "AIP-MON-008")} == {"UNKNOWN"}


# ---- MON-009 -------------------------------------------------------------------------------


def test_llm_gateway_logging() -> None:
    apim = f"{RG}/providers/Microsoft.ApiManagement/service/apim"

    def backend(name: str, url: str) -> dict[str, Any]:
        return {
            "id": f"{apim}/backends/{name}",
            "name": name,
            "type": "Microsoft.ApiManagement/service/backends",
            "properties": {"protocol": "http", "url": url},
        }

    rows = [
        account("fronted"),
        account("bypassed"),
        account("speech", kind="SpeechServices"),  # not an OpenAI-capable account
        {"id": apim, "name": "apim", "type": "Microsoft.ApiManagement/service", "properties": {}},
        backend("b1", "https://FRONTED.openai.azure.com/openai"),
        diag(apim, "llm", [{"category": "GatewayLlmLogs", "enabled": True}], workspaceId=LAW),
    ]
    r = run_rules(rows, complete=ALL)
    assert statuses(r, "AIP-MON-009") == {("fronted", "PASS"), ("bypassed", "FAIL")}

    no_llm_logs = [
        *rows[:5],
        diag(apim, "gw", [{"category": "GatewayLogs", "enabled": True}], workspaceId=LAW),
    ]
    assert ("fronted", "FAIL") in statuses(run_rules(no_llm_logs, complete=ALL), "AIP-MON-009")
    # Backends not recorded as collected: the gateway that was read and logs still passes
    # (changed: was UNKNOWN); "no gateway" cannot fail, another backend may front it.
    r = run_rules(rows, complete=("resources", "diagnosticSettings"))
    assert statuses(r, "AIP-MON-009") == {("fronted", "PASS"), ("bypassed", "UNKNOWN")}
    # Partial in another subscription is enough to keep "no gateway" open.
    other = Coverage("apiManagementBackends", "/subscriptions/other", CoverageStatus.PARTIAL)
    r = run_rules(rows, complete=ALL, coverage=[other])
    assert statuses(r, "AIP-MON-009") == {("fronted", "PASS"), ("bypassed", "UNKNOWN")}

    by_resource_id = [
        *rows[:4],
        {
            "id": f"{apim}/backends/b2",
            "name": "b2",
            "type": "Microsoft.ApiManagement/service/backends",
            "properties": {
                "protocol": "http",
                "url": "https://gateway.contoso.example/openai",
                "resourceId": f"https://management.azure.com{ACC.rsplit('/', 1)[0]}/BYPASSED",
            },
        },
        rows[5],
    ]
    r = run_rules(by_resource_id, complete=ALL)
    assert ("bypassed", "PASS") in statuses(r, "AIP-MON-009")
