"""Rules added for parity with Defender for Cloud and Azure Policy (issue 18): AIP-DAT-009,
AIP-DAT-010, AIP-NET-012, AIP-MON-011, AIP-GOV-010."""

from __future__ import annotations

from typing import Any

from aiposture.app import ScanResult
from root_helpers import run_rules, statuses

SUB = "00000000-0000-0000-0000-00000000c001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-ai"
WS_TYPE = "Microsoft.MachineLearningServices/workspaces"
SEARCH_TYPE = "Microsoft.Search/searchServices"
APPI = f"{RG}/providers/Microsoft.Insights/components/appi-hub"


def workspace(name: str, kind: str = "Hub", **props: Any) -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/{WS_TYPE}/{name}",
        "name": name,
        "type": WS_TYPE,
        "kind": kind,
        "location": "westeurope",
        "properties": props,
    }


def search(name: str, sku: str = "standard", **props: Any) -> dict[str, Any]:
    return {
        "id": f"{RG}/providers/{SEARCH_TYPE}/{name}",
        "name": name,
        "type": SEARCH_TYPE,
        "location": "westeurope",
        "sku": {"name": sku},
        "properties": props,
    }


def _pe(status: str) -> list[dict[str, Any]]:
    return [
        {
            "id": "pec1",
            "properties": {
                "privateEndpoint": {"id": "pe1"},
                "privateLinkServiceConnectionState": {"status": status},
            },
        }
    ]


def test_default_storage_auth_mode() -> None:
    hub_key = workspace("hub-key", systemDatastoresAuthMode="AccessKey")
    hub_id = workspace("hub-id", systemDatastoresAuthMode="identity")
    hub_sas = workspace("hub-sas", systemDatastoresAuthMode="UserDelegationSAS")
    hub_old = workspace("hub-old")
    project = workspace("proj", kind="Project", hubResourceId=hub_key["id"])
    r = run_rules([hub_key, hub_id, hub_sas, hub_old, project])
    assert statuses(r, "AIP-DAT-009") == {
        ("hub-key", "FAIL"),
        ("hub-id", "PASS"),
        ("hub-sas", "PASS"),
        ("hub-old", "UNKNOWN"),  # absent: read with an older API version, no default
    }
    (old,) = [f for f in r.findings if f.rule.id == "AIP-DAT-009" and f.resource_name == "hub-old"]
    assert old.missing == ("resources",)


def test_search_cmk_enforcement() -> None:
    rows = [
        search("s-on", encryptionWithCmk={"enforcement": "Enabled"}),
        search("s-off", encryptionWithCmk={"enforcement": "Disabled"}),
        search("s-unspecified", encryptionWithCmk={"enforcement": "Unspecified"}),
        search("s-absent"),
    ]
    assert statuses(run_rules(rows), "AIP-DAT-010") == {
        ("s-on", "PASS"),
        ("s-off", "FAIL"),
        ("s-unspecified", "FAIL"),
        ("s-absent", "UNKNOWN"),
    }


def test_private_endpoint_for_workspaces_and_search() -> None:
    rows = [
        workspace("hub-pe", privateEndpointConnections=_pe("Approved")),
        workspace("hub-pending", privateEndpointConnections=_pe("Pending")),
        workspace("hub-closed", publicNetworkAccess="Disabled"),
        workspace("hub-open", publicNetworkAccess="Enabled"),
        workspace("proj", kind="Project"),  # reached through its hub: not judged
        search("s-pe", privateEndpointConnections=_pe("Approved")),
        search("s-free", sku="free"),
        search("s-open", publicNetworkAccess="enabled"),
        search("s-closed", publicNetworkAccess="disabled"),
    ]
    r = run_rules(rows)
    assert statuses(r, "AIP-NET-012") == {
        ("hub-pe", "PASS"),
        ("hub-pending", "FAIL"),
        ("hub-closed", "PASS"),
        ("hub-open", "FAIL"),
        ("s-pe", "PASS"),
        ("s-free", "FAIL"),
        ("s-open", "FAIL"),
        ("s-closed", "PASS"),
    }
    groups = {
        f.resource_name: f.remediation.az_cli.split("--group-id ")[1].split()[0]
        for f in r.findings
        if f.rule.id == "AIP-NET-012" and f.status.value == "FAIL"
    }
    assert groups["hub-open"].strip("'") == "amlworkspace"
    assert groups["s-open"].strip("'") == "searchService"


def test_workspace_application_insights() -> None:
    appi = {
        "id": APPI,
        "name": "appi-hub",
        "type": "Microsoft.Insights/components",
        "location": "westeurope",
        "kind": "web",
        "properties": {},
    }
    gone = f"{RG}/providers/Microsoft.Insights/components/appi-deleted"
    rows = [
        appi,
        workspace("hub-appi", applicationInsights=APPI),
        workspace("hub-none"),
        workspace("hub-dangling", applicationInsights=gone),
        workspace("proj", kind="Project"),
    ]
    assert statuses(run_rules(rows), "AIP-MON-011") == {
        ("hub-appi", "PASS"),
        ("hub-none", "FAIL"),
        ("hub-dangling", "FAIL"),  # every resource was read: the component is gone
    }


def test_demo_has_a_pass_and_a_fail_for_each_new_rule(demo_result: ScanResult) -> None:
    for rid in ("AIP-DAT-009", "AIP-DAT-010", "AIP-NET-012", "AIP-MON-011", "AIP-GOV-010"):
        seen = {f.status.value for f in demo_result.findings if f.rule.id == rid}
        assert {"PASS", "FAIL"} <= seen, rid


def compute(name: str, compute_type: str = "ComputeInstance", **inner: Any) -> dict[str, Any]:
    ws = workspace("hub")
    return {
        "id": f"{ws['id']}/computes/{name}",
        "name": name,
        "type": f"{WS_TYPE}/computes",
        "location": "westeurope",
        "properties": {"computeType": compute_type, "properties": inner},
    }


def test_compute_instance_os_image() -> None:
    rows = [
        workspace("hub"),
        compute("ci-old", osImageMetadata={"isLatestOsImageVersion": False}),
        compute("ci-new", osImageMetadata={"isLatestOsImageVersion": True}),
        compute("ci-unknown"),
        compute("cluster", compute_type="AmlCompute"),  # clusters reimage their nodes
    ]
    assert statuses(run_rules(rows, complete=("resources", "computes")), "AIP-GOV-010") == {
        ("ci-old", "FAIL"),
        ("ci-new", "PASS"),
        ("ci-unknown", "UNKNOWN"),
    }


def test_compute_instance_idle_shutdown() -> None:
    rows = [
        workspace("hub"),
        compute("ci-idle", idleTimeBeforeShutdown="PT60M"),
        compute("ci-none"),  # absent: the policy (679ddf89) decides on existence
        compute("ci-empty", idleTimeBeforeShutdown=""),
        compute("cluster", compute_type="AmlCompute"),
    ]
    result = run_rules(rows, complete=("resources", "computes"))
    assert statuses(result, "AIP-GOV-011") == {
        ("ci-idle", "PASS"),
        ("ci-none", "FAIL"),
        ("ci-empty", "FAIL"),
        ("cluster", "NOT_APPLICABLE"),
    }
    (ok,) = [f for f in result.findings if f.rule.id == "AIP-GOV-011" and f.status.value == "PASS"]
    assert [(e.path, e.value) for e in ok.evidence] == [
        ("properties.properties.idleTimeBeforeShutdown", "PT60M")
    ]


def test_compute_instance_idle_shutdown_unknown_when_computes_not_collected() -> None:
    rows = [workspace("hub"), compute("ci-none")]
    result = run_rules(rows, complete=("resources",))
    assert statuses(result, "AIP-GOV-011") == {("ci-none", "UNKNOWN")}
    (f,) = [f for f in result.findings if f.rule.id == "AIP-GOV-011"]
    assert "computes" in f.missing


ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai"


def account() -> dict[str, Any]:
    return {
        "id": ACCOUNT,
        "name": "oai",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "westeurope",
        "properties": {"publicNetworkAccess": "Disabled"},
    }


def rai(name: str, *filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{ACCOUNT}/raiPolicies/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts/raiPolicies",
        "properties": {"basePolicyName": "Microsoft.DefaultV2", "contentFilters": list(filters)},
    }


def pm(kind: str, enabled: bool | None = True, blocking: bool | None = True) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f"Protected Material {kind}", "source": "Completion"}
    if enabled is not None:
        out["enabled"] = enabled
    if blocking is not None:
        out["blocking"] = blocking
    return out


def deployment(name: str, policy: str | None, model: str = "gpt-4o") -> dict[str, Any]:
    props: dict[str, Any] = {"model": {"format": "OpenAI", "name": model, "version": "1"}}
    if policy is not None:
        props["raiPolicyName"] = policy
    return {
        "id": f"{ACCOUNT}/deployments/{name}",
        "name": name,
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "sku": {"name": "Standard", "capacity": 10},
        "properties": props,
    }


def test_protected_material_filters() -> None:
    rows = [
        account(),
        rai("both", pm("Text"), pm("Code")),
        rai("text-only", pm("Text")),
        rai("code-annotate", pm("Text"), pm("Code", blocking=False)),
        rai("text-off", pm("Text", enabled=False), pm("Code")),
        rai("flags-absent", pm("Text", None, None), pm("Code")),
        # snake_case spelling from the REST spec examples, other sources ignored
        rai(
            "snake",
            {
                "name": "protected_material_text",
                "enabled": True,
                "blocking": True,
                "source": "Completion",
            },
            {
                "name": "protected_material_code",
                "enabled": True,
                "blocking": True,
                "source": "Prompt",
            },
        ),
        deployment("d-both", "both"),
        deployment("d-text-only", "text-only"),
        deployment("d-code-annotate", "code-annotate"),
        deployment("d-text-off", "text-off"),
        deployment("d-flags-absent", "flags-absent"),
        deployment("d-snake", "snake"),
        deployment("d-default", "Microsoft.DefaultV2"),
        deployment("d-account-default", None),
        deployment("d-nil", "Microsoft.Nil"),
        deployment("d-gone", "not-collected"),
        deployment("d-embed", "Microsoft.Nil", model="text-embedding-3-large"),
    ]
    full = ("resources", "deployments", "raiPolicies")
    assert statuses(run_rules(rows, complete=full), "AIP-MDL-010") == {
        ("d-both", "PASS"),
        ("d-text-only", "FAIL"),
        ("d-code-annotate", "FAIL"),
        ("d-text-off", "FAIL"),
        ("d-flags-absent", "FAIL"),
        ("d-snake", "FAIL"),  # code only on prompts: not a completion filter
        ("d-default", "PASS"),  # Microsoft's default policy has both on completions
        ("d-account-default", "PASS"),
        ("d-nil", "FAIL"),
        ("d-gone", "UNKNOWN"),  # a name not among the raiPolicies: unresolved, as for MDL-001
        ("d-embed", "NOT_APPLICABLE"),
    }


def test_protected_material_unknown_when_rai_policies_not_collected() -> None:
    rows = [account(), deployment("d-custom", "custom-filter")]
    result = run_rules(rows, complete=("resources", "deployments"))
    assert statuses(result, "AIP-MDL-010") == {("d-custom", "UNKNOWN")}
    (f,) = [f for f in result.findings if f.rule.id == "AIP-MDL-010"]
    assert f.missing == ("raiPolicies",)


def test_demo_has_a_pass_and_a_fail_for_the_second_batch(demo_result: ScanResult) -> None:
    for rid in ("AIP-GOV-011", "AIP-MDL-010"):
        seen = {f.status.value for f in demo_result.findings if f.rule.id == rid}
        assert {"PASS", "FAIL"} <= seen, rid
