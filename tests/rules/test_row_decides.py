"""Compute-only and connection-only exports: the deciding property is in the row, so the rule
decides (defect: the coverage gate also required the "resources" collection)."""

from __future__ import annotations

from typing import Any

from root_helpers import run_rules, statuses

WS = (
    "/subscriptions/00000000-0000-0000-0000-00000000e001/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/ws"
)


def compute(name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"{WS}/computes/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/computes",
        "properties": props,
    }


def connection(name: str, auth: str) -> dict[str, Any]:
    return {
        "id": f"{WS}/connections/{name}",
        "name": name,
        "type": "Microsoft.MachineLearningServices/workspaces/connections",
        "properties": {"category": "AzureOpenAI", "authType": auth},
    }


def test_compute_only_export() -> None:
    rows = [
        compute("public", {"computeType": "AmlCompute", "disableLocalAuth": True}),
        compute(
            "private",
            {
                "computeType": "ComputeInstance",
                "properties": {
                    "enableNodePublicIp": False,
                    "subnet": {"id": f"{WS}/../virtualNetworks/v/subnets/s"},
                },
            },
        ),
        compute(
            "no-subnet", {"computeType": "AmlCompute", "properties": {"enableNodePublicIp": False}}
        ),
    ]
    r = run_rules(rows, complete=("computes",))
    assert statuses(r, "AIP-IDN-003") == {
        ("public", "PASS"),
        ("private", "FAIL"),
        ("no-subnet", "FAIL"),
    }
    assert statuses(r, "AIP-NET-007") == {
        ("public", "FAIL"),
        ("private", "PASS"),
        ("no-subnet", "UNKNOWN"),  # the workspace (managed network?) was not read
    }
    # Nothing decided when the computes themselves were not collected.
    r = run_rules(rows, complete=("resources",))
    assert {s for _, s in statuses(r, "AIP-IDN-003")} == {"UNKNOWN"}


def test_connection_only_export() -> None:
    rows = [connection("aad", "AAD"), connection("key", "ApiKey")]
    r = run_rules(rows, complete=("connections",))
    assert statuses(r, "AIP-DAT-008") == {("aad", "PASS"), ("key", "FAIL")}
