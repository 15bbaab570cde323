"""A hostile tenant: the demo tenant plus resources, tags, principals and connections whose text
carries terminal escapes, forged lines, bidi overrides, markup, formulas and seeded secrets.

`hostile_snapshot_doc()` is a native snapshot document written *without* SnapshotWriter (as an
older aiposture or a hand-made export would), so the report-time redaction is exercised too.
"""

from __future__ import annotations

from typing import Any

import msgspec

from aiposture.collect.demo import demo_snapshot

SUB = "/subscriptions/426944ef-0078-5ffd-96c3-f10786dc82f7"
RG = f"{SUB}/resourceGroups/rg-ai-prod"
WORKSPACE = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/hub-contoso-corp"
OPENAI_CONTRIBUTOR = "a001fd3d-188f-4b5d-821b-7da978bf7442"
HOSTILE_USER_ID = "0badf00d-0000-4000-8000-000000000666"

ANSI = "\x1b[31mRED\x1b[0m"
OSC8 = "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
CLEAR = "\x1b[2J\x1b[3J\x1bc"
C1 = "\x9b31m\x85\x90q"
GHA = "\n::error::forged\r\n::add-mask::x"
RLO = "\u202efdp.exe\u202c\u2066\u200f\u061c"
RICH = "[bold]BOLD[/bold][link=https://evil.example]L[/link]"
FORMULA = "=cmd|' /C calc'!A0"
HTML = "<script>alert(1)</script>"
MD = "](javascript:alert(1))|pipe|"

# Seeded secrets: each a unique token, none may survive in any output.
SECRETS = {
    "tag_account_key": "SEEDaccountkeyAAAA0001+/==",
    "tag_sas": "SEEDsassig0002%2Bz%3D",
    "tag_bearer": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJTRUVEMDAwMyJ9.SEEDjwt0003sig",
    "tag_service_bus": "SEEDsharedaccesskey0004=",
    "endpoint_sig": "SEEDendpointsig0005",
    "evidence_password": "SEEDpassword0006",
    "conn_credentials": "SEEDconncredential0007",
    "conn_metadata": "SEEDconnmetadata0008",
    "conn_string": "SEEDconnstring0009",
    "principal_sig": "SEEDprincipalsig0010",
    "location_key": "SEEDlocationkey0011",
}

# Azure names cannot hold "/", which separates id segments; the rest is fair game.
HOSTILE_NAME = (
    "=cmd|' C calc'!A0" + ANSI + OSC8 + CLEAR + C1 + GHA + RLO + RICH + HTML.replace("/", "") + MD
)
HOSTILE_ACCOUNT_ID = (
    f"{RG}/providers/Microsoft.CognitiveServices/accounts/{HOSTILE_NAME.replace('/', '')}"
)

# The raw sequences that must not reach a human-readable output.
RAW_SEQUENCES = (
    "\x1b",
    "\x07",
    "\x9b",
    "\x85",
    "\x90",
    "\r",
    "\u202e",
    "\u202c",
    "\u2066",
    "\u200f",
    "\u061c",
)


def hostile_rows() -> list[dict[str, Any]]:
    s = SECRETS
    account = {
        "id": HOSTILE_ACCOUNT_ID,
        "name": HOSTILE_NAME,
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": f"swedencentral{ANSI}{GHA} AccountKey={s['location_key']}",
        "subscriptionId": SUB.rsplit("/", 1)[-1],
        "resourceGroup": "rg-ai-prod",
        "tags": {
            "conn": (
                "DefaultEndpointsProtocol=https;AccountName=st;"
                f"AccountKey={s['tag_account_key']};EndpointSuffix=core.windows.net"
            ),
            "sas": f"https://st.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig={s['tag_sas']}",
            "auth": f"Authorization: Bearer {s['tag_bearer']}",
            "bus": (
                "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;"
                f"SharedAccessKey={s['tag_service_bus']}"
            ),
            f"note{RICH}": FORMULA + OSC8 + RLO + HTML + MD + GHA,
        },
        "properties": {
            "endpoint": f"https://oai-hostile.openai.azure.com/?sv=1&sig={s['endpoint_sig']}",
            "publicNetworkAccess": "Enabled",
            "networkAcls": {
                "defaultAction": f"Allow{CLEAR};Password={s['evidence_password']};{GHA}",
            },
        },
        "identity": {
            "type": "SystemAssigned",
            "principalId": "0badf00d-0000-4000-8000-00000000a11",
        },
    }
    connection = {
        "id": f"{WORKSPACE}/connections/conn-hostile",
        "name": "conn-hostile",
        "type": "Microsoft.MachineLearningServices/workspaces/connections",
        "properties": {
            "category": "AzureOpenAI",
            "target": "https://oai-hostile.openai.azure.com/",
            "authType": "ApiKey",
            "credentials": {"key": s["conn_credentials"]},
            "metadata": {"ApiType": "Azure", "ApiKey": s["conn_metadata"]},
            "connectionString": f"Server=x;Password={s['conn_string']}",
        },
    }
    grant = {
        "id": f"{HOSTILE_ACCOUNT_ID}/providers/Microsoft.Authorization/roleAssignments/"
        "0badf00d-0000-4000-8000-0000000000aa",
        "name": "0badf00d-0000-4000-8000-0000000000aa",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
            f"{OPENAI_CONTRIBUTOR}",
            "principalId": HOSTILE_USER_ID,
            "principalType": "User",
            "scope": HOSTILE_ACCOUNT_ID,
        },
    }
    return [account, connection, grant]


def hostile_user() -> dict[str, Any]:
    return {
        "id": HOSTILE_USER_ID,
        "displayName": f"{FORMULA}{ANSI}{OSC8}{GHA}{RLO}{RICH} sig={SECRETS['principal_sig']}",
        "userPrincipalName": f"eve{HTML.replace('/', '')}#EXT#@contoso.onmicrosoft.com",
        "userType": "Guest",
        "accountEnabled": True,
    }


def hostile_snapshot_doc() -> dict[str, Any]:
    demo = demo_snapshot()
    graph = {k: list(v) for k, v in demo.graph.items()}
    graph["users"] = [*graph.get("users", []), hostile_user()]
    meta = msgspec.to_builtins(demo.metadata)
    return {
        "format": "aiposture-snapshot",
        "schema_version": "1.0",
        "metadata": meta,
        "resources": [*demo.iter_resources(), *hostile_rows()],
        "graph": graph,
        "coverage": msgspec.to_builtins(demo.coverage),
    }
