"""Applicability and documented defaults (issue 9 item 6): one tiny fixture per defect."""

from __future__ import annotations

from typing import Any

from exposure_rows import ACCOUNT, account, gpu_aks, linking_workspace, rid, storage

from root_helpers import run_rules, statuses

ACC = rid(ACCOUNT, "oai")
DEPLOYMENT_COVERAGE = ("resources", "deployments", "raiPolicies")


def deployment(name: str, model: str, fmt: str, **top: Any) -> dict[str, Any]:
    return {
        "id": f"{ACC}/deployments/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "sku": {"name": "GlobalStandard", "capacity": 10},
        "properties": {"model": {"format": fmt, "name": model, "version": "1"}},
        **top,
    }


def test_dat_003_file_storage_has_no_blob_service() -> None:
    st_files = storage("stfiles", kind="FileStorage")
    st_blobs = storage("stblobs")
    rows = [st_files, st_blobs, linking_workspace("mlw-a", st_files["id"])]
    rows.append(linking_workspace("mlw-b", st_blobs["id"]))
    assert statuses(run_rules(rows), "AIP-DAT-003") == {
        ("stfiles", "NOT_APPLICABLE"),  # was FAIL
        ("stblobs", "FAIL"),
    }


def test_net_002_passes_when_public_access_is_disabled() -> None:
    rows = [
        account("oai-closed", publicNetworkAccess="Disabled"),
        account("oai-acl", networkAcls={"defaultAction": "Deny"}),
        account("oai-open"),
    ]
    assert statuses(run_rules(rows), "AIP-NET-002") == {
        ("oai-closed", "PASS"),  # was FAIL
        ("oai-acl", "FAIL"),  # still uses its public endpoint, through the firewall
        ("oai-open", "FAIL"),
    }


def test_mdl_002_embedding_models_are_not_applicable() -> None:
    rows = [
        account("oai", publicNetworkAccess="Disabled"),
        deployment("embed-openai", "text-embedding-3-large", "OpenAI"),
        deployment("embed-cohere", "Cohere-embed-v3-english", "Cohere"),
        deployment("embed-v4", "embed-v-4-0", "Cohere"),
        deployment("chat", "gpt-4o", "OpenAI"),
    ]
    found = statuses(run_rules(rows, complete=DEPLOYMENT_COVERAGE), "AIP-MDL-002")
    assert found == {
        ("embed-openai", "NOT_APPLICABLE"),
        ("embed-cohere", "NOT_APPLICABLE"),  # was FAIL
        ("embed-v4", "NOT_APPLICABLE"),  # was FAIL
        ("chat", "FAIL"),  # Microsoft default filter: no indirect-attack shield
    }


def test_idn_013_absent_enable_rbac_is_unknown() -> None:
    absent = gpu_aks("aks-absent")
    del absent["properties"]["enableRBAC"]
    rows = [absent, gpu_aks("aks-on")]
    result = run_rules(rows)
    assert statuses(result, "AIP-IDN-013") == {("aks-absent", "UNKNOWN"), ("aks-on", "PASS")}
    [finding] = [
        f for f in result.findings if f.rule.id == "AIP-IDN-013" and f.resource_name == "aks-absent"
    ]
    assert finding.missing == ("properties.enableRBAC",)


def test_mdl_009_unknown_exposure_is_not_a_failure() -> None:
    nsp = account("oai", publicNetworkAccess="SecuredByPerimeter")
    uncapped = deployment("chat", "gpt-4o", "OpenAI", sku={"name": "GlobalStandard"})
    assert statuses(run_rules([nsp, uncapped], complete=DEPLOYMENT_COVERAGE), "AIP-MDL-009") == {
        ("chat", "UNKNOWN")  # was FAIL: the perimeter's access rules are not collected
    }
