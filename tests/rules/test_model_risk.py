"""AIP-MDL-*: tiny tenants in the shapes Azure returns (ARM GET and Resource Graph rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiposture.config import ApprovedModel, ModelRetirement, Settings
from root_helpers import run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000a001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-test"
FULL = (
    "resources",
    "deployments",
    "raiPolicies",
    "roleAssignments",
    "policyAssignments",
    "policyExemptions",
)

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
BLOB_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"


def account(public: bool = True, **props: Any) -> dict[str, Any]:
    base = {"publicNetworkAccess": "Enabled" if public else "Disabled"}
    base.update(props)
    return {
        "id": ACC,
        "name": "oai-test",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "swedencentral",
        "sku": {"name": "S0"},
        "properties": base,
    }


def deployment(
    name: str = "chat",
    *,
    model: tuple[str, str] = ("gpt-4o", "2024-11-20"),
    rai: str | None = None,
    sku: dict[str, Any] | None = None,
    **props: Any,
) -> dict[str, Any]:
    p: dict[str, Any] = {"model": {"format": "OpenAI", "name": model[0], "version": model[1]}}
    if rai is not None:
        p["raiPolicyName"] = rai
    p.update(props)
    return {
        "id": f"{ACC}/deployments/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "sku": sku if sku is not None else {"name": "GlobalStandard", "capacity": 10},
        "properties": p,
    }


def flt(
    name: str,
    source: str = "Prompt",
    *,
    enabled: bool = True,
    blocking: bool = True,
    threshold: str | None = None,
) -> dict[str, Any]:
    f: dict[str, Any] = {"name": name, "enabled": enabled, "blocking": blocking, "source": source}
    if threshold:
        f["severityThreshold"] = threshold
    return f


def harm(threshold: str = "Medium", blocking: bool = True) -> list[dict[str, Any]]:
    return [
        flt(c, s, threshold=threshold, blocking=blocking)
        for c in ("Hate", "Sexual", "Violence", "Selfharm")
        for s in ("Prompt", "Completion")
    ]


def rai_policy(name: str, filters: list[dict[str, Any]], mode: str = "Blocking") -> dict[str, Any]:
    return {
        "id": f"{ACC}/raiPolicies/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts/raiPolicies",
        "properties": {
            "basePolicyName": "Microsoft.DefaultV2",
            "mode": mode,
            "type": "UserManaged",
            "contentFilters": filters,
        },
    }


def role_assignment(scope: str, role: str, principal: str, ptype: str = "User") -> dict[str, Any]:
    name = f"{abs(hash((scope, role, principal))) % 10**12:012d}"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "name": name,
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role}",
            "principalId": principal,
            "principalType": ptype,
            "scope": scope,
        },
    }


def pid(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


# ---- MDL-001 / 002 / 003 / 004: content filters ------------------------------------------


def test_prompt_shield_pass_fail_unknown() -> None:
    rows = [
        account(),
        rai_policy("strict", [*harm(), flt("Jailbreak"), flt("Indirect Attack")]),
        rai_policy("annotate", [*harm(), flt("Jailbreak", blocking=False)]),
        deployment("shielded", rai="strict"),
        deployment("default"),  # no raiPolicyName: the Microsoft default, shields on
        deployment("nil", rai="Microsoft.Nil"),
        deployment("annotate-only", rai="annotate"),
        deployment("unknown-filter", rai="not-collected"),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-001") == {
        ("shielded", "PASS"),
        ("default", "PASS"),
        ("nil", "FAIL"),
        ("annotate-only", "FAIL"),
        ("unknown-filter", "UNKNOWN"),
    }


def test_content_filters_unknown_when_rai_policies_not_collected() -> None:
    rows = [account(), deployment("custom", rai="team-filter")]
    r = run_rules(rows, complete=("resources", "deployments"))
    for rid in ("AIP-MDL-001", "AIP-MDL-002", "AIP-MDL-003", "AIP-MDL-004"):
        assert statuses(r, rid) == {("custom", "UNKNOWN")}, rid
        (f,) = [f for f in r.findings if f.rule.id == rid]
        assert "raiPolicies" in f.missing


def test_deployment_rules_unknown_when_deployments_not_collected() -> None:
    r = run_rules([account(), deployment("d")], complete=("resources",))
    assert statuses(r, "AIP-MDL-006") == {("d", "UNKNOWN")}


def test_indirect_attack() -> None:
    rows = [
        account(),
        rai_policy("strict", [*harm(), flt("Jailbreak"), flt("Indirect Attack")]),
        rai_policy("off", [*harm(), flt("Jailbreak"), flt("Indirect Attack", enabled=False)]),
        deployment("strict", rai="strict"),
        deployment("off", rai="off"),
        deployment("default", rai="Microsoft.DefaultV2"),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-002") == {
        ("strict", "PASS"),
        ("off", "FAIL"),
        ("default", "FAIL"),  # Microsoft's default does not include indirect-attack shields
    }


def test_harm_filters() -> None:
    rows = [
        account(),
        rai_policy("medium", [*harm("Medium"), flt("Jailbreak")]),
        rai_policy("high-only", [*harm("High"), flt("Jailbreak")]),
        rai_policy("annotate", [*harm("Low", blocking=False), flt("Jailbreak")]),
        rai_policy("partial", [flt("Hate", threshold="Low"), flt("Jailbreak")]),
        deployment("medium", rai="medium"),
        deployment("high-only", rai="high-only"),
        deployment("annotate", rai="annotate"),
        deployment("partial", rai="partial"),
        deployment("default"),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-003") == {
        ("medium", "PASS"),
        ("default", "PASS"),
        ("high-only", "FAIL"),
        ("annotate", "FAIL"),
        ("partial", "FAIL"),
    }


def test_async_filter() -> None:
    rows = [
        account(),
        rai_policy("async", [*harm(), flt("Jailbreak")], mode="Asynchronous_filter"),
        rai_policy("deferred", [*harm(), flt("Jailbreak")], mode="Deferred"),
        rai_policy("sync", [*harm(), flt("Jailbreak")], mode="Default"),
        deployment("async", rai="async"),
        deployment("deferred", rai="deferred"),
        deployment("sync", rai="sync"),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-004") == {
        ("async", "FAIL"),
        ("deferred", "FAIL"),
        ("sync", "PASS"),
    }


def test_content_filter_export_shape_with_odd_casing() -> None:
    """Resource Graph lower-cases types; exports vary property-name casing."""
    rows = [
        {
            "id": ACC.lower(),
            "name": "oai-test",
            "type": "microsoft.cognitiveservices/accounts",
            "kind": "openai",
            "properties": {"PublicNetworkAccess": "enabled"},
        },
        {
            "ID": f"{ACC}/raiPolicies/Weak".upper(),
            "Type": "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/RAIPOLICIES",
            "Properties": {
                "Mode": "asynchronous_filter",
                "ContentFilters": [
                    {"Name": "jailbreak", "Enabled": True, "Blocking": False, "Source": "prompt"},
                    *[
                        {
                            "NAME": c,
                            "ENABLED": True,
                            "BLOCKING": True,
                            "SeverityThreshold": "high",
                            "SOURCE": s,
                        }
                        for c in ("hate", "sexual", "violence", "selfharm")
                        for s in ("prompt", "completion")
                    ],
                ],
            },
        },
        {
            "id": f"{ACC}/deployments/Chat".lower(),
            "type": "microsoft.cognitiveservices/accounts/deployments",
            "properties": {
                "RaiPolicyName": "WEAK",
                "Model": {"Format": "OpenAI", "Name": "gpt-35-turbo", "Version": "0613"},
                "VersionUpgradeOption": "noautoupgrade",
            },
        },
    ]
    r = run_rules(rows, complete=FULL)
    for rid in ("AIP-MDL-001", "AIP-MDL-003", "AIP-MDL-004", "AIP-MDL-006"):
        assert statuses(r, rid) == {("chat", "FAIL")}, rid


# ---- MDL-005: approved models --------------------------------------------------------------


def test_approved_models_from_config() -> None:
    rows = [account(), deployment("ok"), deployment("other", model=("gpt-4o-mini", "2024-07-18"))]
    settings = Settings(
        approved_models=(ApprovedModel(name="gpt-4o", publisher="OpenAI", version="2024-11-20"),)
    )
    r = run_rules(rows, settings, complete=FULL)
    assert statuses(r, "AIP-MDL-005") == {("ok", "PASS"), ("other", "FAIL")}


def _approved_policy(scope: str, assets: list[str]) -> dict[str, Any]:
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/approved",
        "name": "approved",
        "type": "Microsoft.Authorization/policyAssignments",
        "properties": {
            "policyDefinitionId": "/providers/Microsoft.Authorization/policyDefinitions/"
            "aafe3651-cb78-4f68-9f81-e7e41509110f",
            "scope": scope,
            "enforcementMode": "Default",
            "parameters": {
                "effect": {"value": "Audit"},
                "allowedPublishers": {"value": []},
                "allowedAssetIds": {"value": assets},
            },
        },
    }


def test_approved_models_from_tenant_policy() -> None:
    rows = [
        account(),
        deployment("ok"),
        deployment("other", model=("Phi-4", "7")),
        _approved_policy(
            f"/subscriptions/{SUB}",
            ["azureml://registries/azure-openai/models/gpt-4o/versions/2024-11-20"],
        ),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-005") == {("ok", "PASS"), ("other", "FAIL")}


def test_approved_models_not_applicable_or_unknown_without_a_list() -> None:
    rows = [account(), deployment("d")]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-005") == {("d", "NOT_APPLICABLE")}
    r = run_rules(rows, complete=("resources", "deployments"))
    assert statuses(r, "AIP-MDL-005") == {("d", "UNKNOWN")}


# ---- MDL-006: retired models ---------------------------------------------------------------


def test_retired_model_versions() -> None:
    rows = [
        account(),
        deployment("retired", model=("gpt-35-turbo", "0613"), versionUpgradeOption="NoAutoUpgrade"),
        deployment(
            "auto", model=("gpt-35-turbo", "0613"), versionUpgradeOption="OnceCurrentVersionExpired"
        ),
        deployment("future", model=("gpt-5.1", "2025-11-13"), versionUpgradeOption="NoAutoUpgrade"),
        deployment("custom", model=("acme-llm", "1"), versionUpgradeOption="NoAutoUpgrade"),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-006") == {
        ("retired", "FAIL"),
        ("auto", "PASS"),
        ("future", "PASS"),
        ("custom", "PASS"),
    }
    extended = Settings(model_retirements=(ModelRetirement("acme-llm", "1", dt.date(2026, 1, 1)),))
    r = run_rules(rows, extended, complete=FULL)
    assert ("custom", "FAIL") in statuses(r, "AIP-MDL-006")


# ---- MDL-007: model admins -------------------------------------------------------------------


def test_model_admins_threshold_and_allow_list() -> None:
    few = [
        account(),
        role_assignment(ACC, CONTRIBUTOR, pid(1)),
        role_assignment(RG, OWNER, pid(2), "Group"),
        role_assignment(ACC, OPENAI_USER, pid(3)),
    ]  # a user role: cannot change models
    r = run_rules(few, complete=FULL)
    assert statuses(r, "AIP-MDL-007") == {("oai-test", "PASS")}

    admins_only = Settings(model_admins=frozenset({pid(1), pid(2)}))
    assert statuses(run_rules(few, admins_only, complete=FULL), "AIP-MDL-007") == {
        ("oai-test", "PASS")
    }
    one_admin = Settings(model_admins=frozenset({pid(1)}))
    assert statuses(run_rules(few, one_admin, complete=FULL), "AIP-MDL-007") == {
        ("oai-test", "FAIL")
    }

    many = [account()] + [role_assignment(RG, CONTRIBUTOR, pid(i)) for i in range(10, 16)]
    assert statuses(run_rules(many, complete=FULL), "AIP-MDL-007") == {("oai-test", "FAIL")}
    assert statuses(
        run_rules(many, Settings(max_model_admins=6), complete=FULL), "AIP-MDL-007"
    ) == {("oai-test", "PASS")}


def test_model_admins_unknown_without_role_assignments() -> None:
    r = run_rules([account()], complete=("resources",))
    assert statuses(r, "AIP-MDL-007") == {("oai-test", "UNKNOWN")}


# ---- MDL-008: data poisoning -----------------------------------------------------------------

ST = f"{RG}/providers/Microsoft.Storage/storageAccounts/sttraining"
WS = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/mlw"
WS_MI = pid(500)


def _training_store(public_blob: bool | None = False) -> list[dict[str, Any]]:
    props: dict[str, Any] = {"minimumTlsVersion": "TLS1_2"}
    if public_blob is not None:
        props["allowBlobPublicAccess"] = public_blob
    return [
        {
            "id": ST,
            "name": "sttraining",
            "type": "Microsoft.Storage/storageAccounts",
            "kind": "StorageV2",
            "properties": props,
        },
        {
            "id": WS,
            "name": "mlw",
            "type": "Microsoft.MachineLearningServices/workspaces",
            "kind": "Default",
            "identity": {"type": "SystemAssigned", "principalId": WS_MI},
            "properties": {"storageAccount": ST},
        },
    ]


def test_training_data_writers() -> None:
    scoped = [*_training_store(), role_assignment(ST, BLOB_CONTRIBUTOR, WS_MI, "ServicePrincipal")]
    assert statuses(run_rules(scoped, complete=FULL), "AIP-MDL-008") == {("sttraining", "PASS")}

    # the workload itself at resource-group scope is accepted; anyone else there is not
    rg_workload = [
        *_training_store(),
        role_assignment(RG, BLOB_CONTRIBUTOR, WS_MI, "ServicePrincipal"),
    ]
    assert statuses(run_rules(rg_workload, complete=FULL), "AIP-MDL-008") == {
        ("sttraining", "PASS")
    }
    rg_other = [*_training_store(), role_assignment(RG, BLOB_CONTRIBUTOR, pid(7))]
    assert statuses(run_rules(rg_other, complete=FULL), "AIP-MDL-008") == {("sttraining", "FAIL")}

    sub_wide = [
        *_training_store(),
        role_assignment(f"/subscriptions/{SUB}", BLOB_CONTRIBUTOR, WS_MI, "ServicePrincipal"),
    ]
    assert statuses(run_rules(sub_wide, complete=FULL), "AIP-MDL-008") == {("sttraining", "FAIL")}

    anonymous = _training_store(public_blob=True)
    assert statuses(run_rules(anonymous, complete=FULL), "AIP-MDL-008") == {("sttraining", "FAIL")}


def test_training_data_unknown_without_role_assignments() -> None:
    r = run_rules(_training_store(), complete=("resources",))
    assert statuses(r, "AIP-MDL-008") == {("sttraining", "UNKNOWN")}


CUSTOM_ROLE = "11111111-2222-3333-4444-555555555555"  # a custom role whose definition is absent


def test_training_data_unknown_when_a_custom_role_definition_was_not_collected() -> None:
    # Defect: "0 writer(s)" PASS although the custom role may well grant blobs/write.
    rows = [*_training_store(), role_assignment(RG, CUSTOM_ROLE, pid(7))]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-008") == {("sttraining", "UNKNOWN")}
    (f,) = [f for f in r.findings if f.rule.id == "AIP-MDL-008"]
    assert f.missing == (f"roleDefinitions:{CUSTOM_ROLE}",)
    # A grant already found fails whatever the unresolved role allows.
    rows.append(role_assignment(f"/subscriptions/{SUB}", BLOB_CONTRIBUTOR, pid(8)))
    assert statuses(run_rules(rows, complete=FULL), "AIP-MDL-008") == {("sttraining", "FAIL")}


def test_training_data_fail_is_certain_without_role_assignments() -> None:
    # Anonymous blob access fails whatever the role assignments say.
    r = run_rules(_training_store(public_blob=True), complete=("resources",))
    assert statuses(r, "AIP-MDL-008") == {("sttraining", "FAIL")}


def test_training_data_unknown_with_role_assignments_partial_for_its_scope() -> None:
    from aiposture.model.snapshot import Coverage
    from aiposture.model.types import CoverageStatus

    partial = Coverage("roleAssignments", f"/subscriptions/{SUB}", CoverageStatus.PARTIAL)
    rows = [*_training_store(), role_assignment(ST, BLOB_CONTRIBUTOR, WS_MI, "ServicePrincipal")]
    r = run_rules(rows, complete=FULL, coverage=[partial])
    assert statuses(r, "AIP-MDL-008") == {("sttraining", "UNKNOWN")}


def test_model_admins_unknown_when_a_custom_role_definition_was_not_collected() -> None:
    rows = [account(), role_assignment(RG, CUSTOM_ROLE, pid(7))]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-007") == {("oai-test", "UNKNOWN")}
    many = rows + [role_assignment(RG, CONTRIBUTOR, pid(i)) for i in range(10, 16)]
    assert statuses(run_rules(many, complete=FULL), "AIP-MDL-007") == {("oai-test", "FAIL")}


def test_model_admins_at_management_group_scope_need_the_subscription_ancestry() -> None:
    mg = "/providers/Microsoft.Management/managementGroups/mg-ai"
    grants = [role_assignment(mg, CONTRIBUTOR, pid(i)) for i in range(10, 16)]
    # The subscription (and so its management-group ancestry) was not read: the six
    # Contributors at mg-ai may or may not apply; never a PASS.
    r = run_rules([account(), *grants], complete=FULL)
    assert statuses(r, "AIP-MDL-007") == {("oai-test", "UNKNOWN")}
    sub = {
        "id": f"/subscriptions/{SUB}",
        "name": SUB,
        "type": "microsoft.resources/subscriptions",
        "subscriptionId": SUB,
        "properties": {"managementGroupAncestorsChain": [{"name": "mg-ai"}]},
    }
    r = run_rules([account(), sub, *grants], complete=(*FULL, "subscriptions"))
    assert statuses(r, "AIP-MDL-007") == {("oai-test", "FAIL")}


# ---- MDL-009: cost caps ------------------------------------------------------------------------


def test_cost_cap_on_public_paygo() -> None:
    rows = [
        account(public=True),
        deployment("capped", sku={"name": "GlobalStandard", "capacity": 30}),
        deployment("uncapped", sku={"name": "GlobalStandard"}),
        deployment("ptu", sku={"name": "ProvisionedManaged", "capacity": 100}),
    ]
    r = run_rules(rows, complete=FULL)
    assert statuses(r, "AIP-MDL-009") == {
        ("capped", "PASS"),
        ("uncapped", "FAIL"),
        ("ptu", "NOT_APPLICABLE"),
    }
    r = run_rules(rows, complete=("resources",))
    assert {s for _, s in statuses(r, "AIP-MDL-009")} == {"UNKNOWN"}
    private = [account(public=False), deployment("uncapped", sku={"name": "Standard"})]
    assert statuses(run_rules(private, complete=FULL), "AIP-MDL-009") == {("uncapped", "PASS")}


def test_content_filter_rules_do_not_apply_to_embeddings_or_speech() -> None:
    rows = [
        account(),
        deployment("embed", model=("text-embedding-3-large", "1"), rai="Microsoft.Nil"),
        deployment("stt", model=("whisper", "001")),
        deployment("voice", model=("gpt-4o-mini-tts", "2025-03-20")),
    ]
    r = run_rules(rows, complete=FULL)
    for rid in ("AIP-MDL-001", "AIP-MDL-002", "AIP-MDL-003", "AIP-MDL-004"):
        assert {s for _, s in statuses(r, rid)} == {"NOT_APPLICABLE"}, rid


def test_training_data_writable_through_account_keys() -> None:
    sub = f"/subscriptions/{SUB}"
    contributor = role_assignment(sub, CONTRIBUTOR, pid(8))  # listKeys, no data actions
    keys_on = [*_training_store(), contributor]
    assert statuses(run_rules(keys_on, complete=FULL), "AIP-MDL-008") == {("sttraining", "FAIL")}
    keys_off = _training_store()
    keys_off[0]["properties"]["allowSharedKeyAccess"] = False
    assert statuses(run_rules([*keys_off, contributor], complete=FULL), "AIP-MDL-008") == {
        ("sttraining", "PASS")
    }
    owner = role_assignment(sub, OWNER, pid(9))  # an administrator: reported by IDN/PATH rules
    assert statuses(run_rules([*_training_store(), owner], complete=FULL), "AIP-MDL-008") == {
        ("sttraining", "PASS")
    }


def test_model_rules_unknown_when_the_model_is_missing_from_the_export() -> None:
    bare = deployment("bare")
    del bare["properties"]["model"]
    settings = Settings(approved_models=(ApprovedModel(name="gpt-4o"),))
    r = run_rules([account(), bare], settings, complete=FULL)
    assert statuses(r, "AIP-MDL-005") == {("bare", "UNKNOWN")}
    assert statuses(r, "AIP-MDL-006") == {("bare", "UNKNOWN")}
