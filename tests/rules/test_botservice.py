"""Azure Bot Service rules: AIP-NET-017 (isolated mode / public access, 52152f42 5e8168db),
AIP-NET-018 (private link, ad5621d6), AIP-IDN-015 (local auth, ffea632e), AIP-DAT-011 (CMK,
51522a96), AIP-DAT-012 (HTTPS endpoint, 6164527b), and the governance rules recognising the
Bot Service built-ins and the ALZ Enforce-Guardrails-BotService initiative."""

from __future__ import annotations

from typing import Any

from aiposture.facts.exposure import exposed_resources
from aiposture.graph.build import INTERNET, build_graph
from aiposture.model.entities import BotService
from aiposture.model.snapshot import Coverage
from aiposture.model.types import CoverageStatus
from aiposture.report.graph_export import node_kinds
from root_helpers import make_inventory, run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000b071"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-bots"
PE = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints"


def bot(name: str, **props: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "displayName": name,
        "msaAppId": "00000000-0000-0000-0000-0000000000a1",
        "endpoint": "https://bot.example.com/api/messages",
    }
    body.update(props)
    return {
        "id": f"{RG}/providers/Microsoft.BotService/botServices/{name}",
        "name": name,
        # Resource Graph spells types in lower case.
        "type": "microsoft.botservice/botservices",
        "location": "global",
        "kind": "azurebot",
        "properties": {k: v for k, v in body.items() if v is not _ABSENT},
    }


_ABSENT = object()


def pec(status: str) -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/Microsoft.BotService/botServices/x/privateEndpointConnections/"
        f"{status}",
        "properties": {
            "privateEndpoint": {"id": f"{PE}/pe-{status}"},
            "privateLinkServiceConnectionState": {"status": status},
        },
    }


def test_public_network_access_decides_isolation() -> None:
    rows = [
        bot("disabled", publicNetworkAccess="Disabled"),
        bot("lower", publicNetworkAccess="disabled"),
        bot("enabled", publicNetworkAccess="Enabled"),
        bot("absent"),  # REST default Enabled
        bot("perimeter", publicNetworkAccess="SecuredByPerimeter"),
        bot("odd", publicNetworkAccess="Sometimes"),
    ]
    r = run_rules(rows)
    assert statuses(r, "AIP-NET-017") == {
        ("disabled", "PASS"),
        ("lower", "PASS"),
        ("enabled", "FAIL"),
        ("absent", "FAIL"),
        ("perimeter", "UNKNOWN"),
        ("odd", "UNKNOWN"),
    }
    missing = {f.resource_name: f.missing for f in r.findings if f.rule.id == "AIP-NET-017"}
    assert missing["perimeter"] == ("networkSecurityPerimeterConfigurations",)
    assert missing["odd"] == ("properties.publicNetworkAccess",)


def test_private_link_needs_an_approved_connection() -> None:
    rows = [
        bot("approved", privateEndpointConnections=[pec("Pending"), pec("Approved")]),
        bot("pending", privateEndpointConnections=[pec("Pending")]),
        bot("none", privateEndpointConnections=[]),
        bot("isolated", publicNetworkAccess="Disabled"),
        bot("perimeter", publicNetworkAccess="SecuredByPerimeter"),
    ]
    assert statuses(run_rules(rows), "AIP-NET-018") == {
        ("approved", "PASS"),
        ("pending", "FAIL"),
        ("none", "FAIL"),
        ("isolated", "PASS"),  # no traffic uses the public endpoint
        ("perimeter", "FAIL"),  # no private endpoint, and not isolated
    }


def test_local_auth_only_off_when_true() -> None:
    rows = [
        bot("off", disableLocalAuth=True),
        bot("on", disableLocalAuth=False),
        bot("absent"),
        bot("text", disableLocalAuth="true"),
    ]
    assert statuses(run_rules(rows), "AIP-IDN-015") == {
        ("off", "PASS"),
        ("on", "FAIL"),
        ("absent", "FAIL"),
        ("text", "PASS"),
    }


def test_cmk() -> None:
    rows = [
        bot("cmk", isCmekEnabled=True, cmekKeyVaultUrl="https://kv.vault.azure.net/keys/k"),
        bot("mmk", isCmekEnabled=False),
        bot("absent"),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-011") == {
        ("cmk", "PASS"),
        ("mmk", "FAIL"),
        ("absent", "FAIL"),
    }


def test_endpoint_must_be_a_valid_https_uri() -> None:
    rows = [
        bot("https", endpoint="https://bot.example.com/api/messages"),
        bot("upper", endpoint="HTTPS://bot.example.com/api/messages"),
        bot("http", endpoint="http://bot.example.com/api/messages"),
        bot("nohost", endpoint="https:///api/messages"),
        bot("empty", endpoint=""),
        bot("null", endpoint=None),
        bot("absent", endpoint=_ABSENT),
    ]
    r = run_rules(rows)
    assert statuses(r, "AIP-DAT-012") == {
        ("https", "PASS"),
        ("upper", "PASS"),
        ("http", "FAIL"),
        ("nohost", "FAIL"),
        ("empty", "FAIL"),
        ("null", "FAIL"),
        ("absent", "UNKNOWN"),
    }
    (absent,) = [
        f for f in r.findings if f.rule.id == "AIP-DAT-012" and f.resource_name == "absent"
    ]
    assert absent.missing == ("properties.endpoint",)


def test_resources_not_collected_is_unknown() -> None:
    partial = Coverage("resources", SUB, CoverageStatus.PARTIAL, "403 on the subscription")
    r = run_rules([bot("b", publicNetworkAccess="Disabled")], complete=(), coverage=[partial])
    for rule in ("AIP-NET-017", "AIP-NET-018", "AIP-IDN-015", "AIP-DAT-011", "AIP-DAT-012"):
        assert statuses(r, rule) == {("b", "UNKNOWN")}, rule


def test_normalised_shape() -> None:
    inv = make_inventory(
        [
            bot(
                "b",
                publicNetworkAccess="Disabled",
                disableLocalAuth=True,
                isCmekEnabled=True,
                cmekKeyVaultUrl="https://kv.vault.azure.net/keys/k",
                msaAppType="UserAssignedMSI",
                tenantId="t1",
                privateEndpointConnections=[pec("Approved")],
            )
        ]
    )
    (b,) = inv.of_type(BotService)
    assert (
        b.public_network_access,
        b.disable_local_auth,
        b.is_cmek_enabled,
        b.msa_app_type,
        b.tenant_id,
        b.endpoint_present,
        [c.status for c in b.private_endpoint_connections],
    ) == ("Disabled", True, True, "UserAssignedMSI", "t1", True, ["Approved"])
    assert inv.is_ai(b)


def test_graph_draws_internet_to_public_bots_only() -> None:
    inv = make_inventory(
        [
            bot("public", publicNetworkAccess="Enabled"),
            bot("isolated", publicNetworkAccess="Disabled", disableLocalAuth=True),
        ]
    )
    facts = {r.name: f.value for r, f in exposed_resources(inv) if isinstance(r, BotService)}
    assert facts == {"public": True, "isolated": False}
    sg = build_graph(inv)
    reached = {dst.name: e.guard for src, dst, e in sg.edges() if src.key == INTERNET}
    assert reached.get("public") == "keys+entra"  # channel secrets still authenticate
    assert "isolated" not in reached
    (node,) = [n for n in sg.nodes() if n.name == "public"]
    assert node.ai and node_kinds(node)[0] == "AIPBotService"


ALZ_SET = (
    "/providers/Microsoft.Management/managementGroups/alz/providers/"
    "Microsoft.Authorization/policySetDefinitions/Enforce-Guardrails-BotService"
)


def _assignment(name: str, definition: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/Microsoft.Authorization/policyAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "displayName": name,
            "policyDefinitionId": definition,
            "scope": RG,
            "notScopes": [],
            "enforcementMode": "Default",
            "parameters": {k: {"value": v} for k, v in (params or {}).items()},
        },
    }


POLICY = (
    "resources",
    "policyAssignments",
    "policyExemptions",
    "policyDefinitions",
    "subscriptions",
)


def test_governance_recognises_bot_service_policies() -> None:
    b = bot("b")
    gov = ("AIP-GOV-002", "AIP-GOV-003")
    none = run_rules([b], complete=POLICY)
    assert {rule: statuses(none, rule) for rule in gov} == {
        "AIP-GOV-002": {("b", "FAIL")},
        "AIP-GOV-003": {("b", "FAIL")},
    }
    alz = run_rules([b, _assignment("alz", ALZ_SET)], complete=POLICY)
    assert {rule: statuses(alz, rule) for rule in gov} == {
        "AIP-GOV-002": {("b", "PASS")},
        "AIP-GOV-003": {("b", "PASS")},
    }
    # The initiative with its local-auth member switched off guards public access only.
    off = run_rules(
        [b, _assignment("alz", ALZ_SET, {"botServiceLocalAuth": "Disabled"})], complete=POLICY
    )
    assert {rule: statuses(off, rule) for rule in gov} == {
        "AIP-GOV-002": {("b", "PASS")},
        "AIP-GOV-003": {("b", "FAIL")},
    }
    single = run_rules(
        [
            b,
            _assignment(
                "pna",
                "/providers/Microsoft.Authorization/policyDefinitions/"
                "5e8168db-69e3-4beb-9822-57cb59202a9d",
            ),
        ],
        complete=POLICY,
    )
    assert statuses(single, "AIP-GOV-002") == {("b", "PASS")}
    assert statuses(single, "AIP-GOV-003") == {("b", "FAIL")}
