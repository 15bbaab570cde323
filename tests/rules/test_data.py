"""AIP-DAT-*: encryption, public blob access, Shared Key, TLS, key vault hygiene, connections."""

from __future__ import annotations

from typing import Any

from root_helpers import run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000da01"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-data"
P = f"{RG}/providers"
ST = "Microsoft.Storage/storageAccounts"
KV = "Microsoft.KeyVault/vaults"


def row(rtype: str, name: str, props: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {
        "id": f"{P}/{rtype}/{name}",
        "name": name,
        "type": rtype,
        "location": "westeurope",
        "properties": props,
        **top,
    }


def odd(rtype: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
    """A Resource Graph row: lower-case type; property names as some exports spell them."""
    return {"id": f"{P}/{rtype}/{name}", "name": name, "type": rtype.lower(), "properties": props}


def linked(storage: tuple[str, ...] = (), vaults: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Accounts that make the given storage accounts / vaults AI-linked."""
    out = [
        row(
            "Microsoft.CognitiveServices/accounts",
            f"oai-{s}",
            {"userOwnedStorage": [{"resourceId": f"{P}/{ST}/{s}"}]},
            kind="OpenAI",
        )
        for s in storage
    ]
    out += [
        row(
            "Microsoft.MachineLearningServices/workspaces", f"ws-{v}", {"keyVault": f"{P}/{KV}/{v}"}
        )
        for v in vaults
    ]
    return out


def test_dat_001_account_cmk() -> None:
    rows = [
        row(
            "Microsoft.CognitiveServices/accounts",
            "cmk",
            {
                "encryption": {
                    "keySource": "Microsoft.KeyVault",
                    "keyVaultProperties": {
                        "keyName": "k",
                        "keyVaultUri": "https://kv.vault.azure.net/",
                    },
                }
            },
            kind="OpenAI",
        ),
        row("Microsoft.CognitiveServices/accounts", "mmk", {}, kind="OpenAI"),
        odd(
            "Microsoft.CognitiveServices/accounts",
            "odd",
            {"Encryption": {"KeySource": "microsoft.keyvault"}},
        ),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-001") == {
        ("cmk", "PASS"),
        ("mmk", "FAIL"),
        ("odd", "PASS"),
    }


def test_dat_002_workspace_cmk() -> None:
    ws = "Microsoft.MachineLearningServices/workspaces"
    rows = [
        row(
            ws,
            "ws-cmk",
            {
                "encryption": {
                    "status": "Enabled",
                    "keyVaultProperties": {
                        "keyVaultArmId": f"{P}/{KV}/kv",
                        "keyIdentifier": "https://kv/keys/k",
                    },
                }
            },
        ),
        row(ws, "hub-mmk", {"encryption": {"status": "Disabled"}}, kind="Hub"),
        row(ws, "proj", {"hubResourceId": f"{P}/{ws}/hub-mmk"}, kind="Project"),
        odd(ws, "ws-odd", {"Encryption": {"Status": "enabled"}}),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-002") == {
        ("ws-cmk", "PASS"),
        ("hub-mmk", "FAIL"),
        ("ws-odd", "PASS"),
    }


def test_dat_003_blob_public_access() -> None:
    rows = [
        *linked(("st-off", "st-on", "st-absent")),
        row(ST, "st-off", {"allowBlobPublicAccess": False}),
        row(ST, "st-on", {"allowBlobPublicAccess": True}),
        row(ST, "st-absent", {}),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-003") == {
        ("st-off", "PASS"),
        ("st-on", "FAIL"),
        ("st-absent", "FAIL"),
    }


def test_dat_004_shared_key() -> None:
    rows = [
        *linked(("st-aad", "st-keys", "st-odd", "st-absent")),
        row(ST, "st-aad", {"allowSharedKeyAccess": False}),
        row(ST, "st-keys", {"allowSharedKeyAccess": True}),
        odd(ST, "st-odd", {"AllowSharedKeyAccess": "false"}),
        row(ST, "st-absent", {}),
        row(ST, "st-not-ai", {"allowSharedKeyAccess": True}),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-004") == {
        ("st-aad", "PASS"),
        ("st-keys", "FAIL"),
        ("st-odd", "PASS"),
        ("st-absent", "FAIL"),
    }


def test_dat_004_scope_all_widens_to_every_storage_account() -> None:
    from aiposture.config import Settings

    rows = [row(ST, "st-not-ai", {"allowSharedKeyAccess": True})]
    assert statuses(run_rules(rows, Settings(scope="all")), "AIP-DAT-004") == {
        ("st-not-ai", "FAIL")
    }


def test_dat_005_tls() -> None:
    rows = [
        *linked(("tls12", "tls10", "http", "absent", "tls13")),
        row(ST, "tls12", {"minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": True}),
        row(ST, "tls10", {"minimumTlsVersion": "TLS1_0", "supportsHttpsTrafficOnly": True}),
        row(ST, "http", {"minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": False}),
        row(ST, "absent", {}),
        odd(ST, "tls13", {"MinimumTlsVersion": "tls1_3"}),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-005") == {
        ("tls12", "PASS"),
        ("tls10", "FAIL"),
        ("http", "FAIL"),
        ("absent", "FAIL"),
        ("tls13", "PASS"),
    }


def test_dat_006_007_key_vaults() -> None:
    rows = [
        *linked(vaults=("kv-good", "kv-bad", "kv-odd")),
        row(KV, "kv-good", {"enablePurgeProtection": True, "enableRbacAuthorization": True}),
        row(KV, "kv-bad", {"enableSoftDelete": True, "accessPolicies": []}),
        odd(KV, "kv-odd", {"EnablePurgeProtection": "true", "EnableRbacAuthorization": "false"}),
    ]
    result = run_rules(rows)
    assert statuses(result, "AIP-DAT-006") == {
        ("kv-good", "PASS"),
        ("kv-bad", "FAIL"),
        ("kv-odd", "PASS"),
    }
    assert statuses(result, "AIP-DAT-007") == {
        ("kv-good", "PASS"),
        ("kv-bad", "FAIL"),
        ("kv-odd", "FAIL"),
    }


def connection(name: str, auth: str | None, category: str = "AzureOpenAI") -> dict[str, Any]:
    props: dict[str, Any] = {"category": category, "target": "https://x.openai.azure.com/"}
    if auth is not None:
        props["authType"] = auth
    return {
        "id": f"{P}/Microsoft.MachineLearningServices/workspaces/hub/connections/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/connections",
        "properties": props,
    }


def test_dat_008_connections() -> None:
    rows = [
        row("Microsoft.MachineLearningServices/workspaces", "hub", {}, kind="Hub"),
        connection("aoai-aad", "AAD"),
        connection("aoai-key", "ApiKey"),
        connection("blob-sas", "SAS", "AzureBlob"),
        connection("git-pat", "PAT", "Git"),
        connection("mi", "ManagedIdentity", "AzureBlob"),
        connection("weird", "SomethingNew"),
    ]
    complete = ("resources", "connections")
    assert statuses(run_rules(rows, complete=complete), "AIP-DAT-008") == {
        ("aoai-aad", "PASS"),
        ("aoai-key", "FAIL"),
        ("blob-sas", "FAIL"),
        ("git-pat", "FAIL"),
        ("mi", "PASS"),
        ("weird", "UNKNOWN"),
    }
    assert {s for _, s in statuses(run_rules(rows), "AIP-DAT-008")} == {"UNKNOWN"}
