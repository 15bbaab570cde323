"""`aiposture permissions --role`: a role's reach into AI resources in the graph's terms."""

from __future__ import annotations

import json

import pytest

from aiposture.cli.main import main
from aiposture.facts.builtin_roles import builtin_role_by_name
from aiposture.facts.role_capabilities import PROBES, role_capabilities
from aiposture.graph import build as graph_build


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _granted(name: str) -> set[str]:
    role = builtin_role_by_name(name)
    assert role is not None, name
    return {c.probe.capability for c in role_capabilities(role) if c.granted}


def test_probes_cover_every_action_behind_a_graph_capability_edge() -> None:
    graph_caps = [
        cap
        for name in dir(graph_build)
        if name.endswith("_CAPS") or name == "_ML_RUN"
        for cap in (
            getattr(graph_build, name)
            if isinstance(getattr(graph_build, name), tuple)
            else (getattr(graph_build, name),)
        )
    ]
    assert graph_caps
    probed = {(p.action.lower(), p.data) for p in PROBES}
    assert {(c.action.lower(), c.data) for c in graph_caps} <= probed


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Owner", {"key", "change model/filter", "write data", "escalate"}),
        ("Reader", set()),
        ("Cognitive Services OpenAI User", {"use", "read data"}),
        ("Cognitive Services User", {"use", "key", "read data"}),
        ("Azure AI Administrator", {"key", "change model/filter", "write data", "escalate"}),
        ("Storage Blob Data Reader", {"read data"}),
        ("Key Vault Secrets User", {"read data"}),
        ("Managed Identity Operator", {"escalate"}),
        ("Cognitive Services LUIS Owner", {"key"}),
    ],
)
def test_capabilities_of_builtin_roles(name: str, expected: set[str]) -> None:
    assert _granted(name) == expected


def test_cli_terminal_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "permissions", "--role", "azure ai administrator")
    assert code == 0 and "Azure AI Administrator" in out and "list the search admin keys" in out
    code, out, _ = run(
        capsys, "permissions", "--role", "b78c5d69-af96-48a3-bf8d-a8b4d589de94", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["role"]["definition"] == "table"
    assert doc["role"]["source"]["pageDate"] == "2025-12-31"
    key_probes = {p["action"]: p["granted"] for p in doc["capabilities"]["key"]["probes"]}
    assert key_probes["Microsoft.Search/searchServices/listAdminKeys/action"] is True
    assert {k for k, v in doc["capabilities"].items() if v["granted"]} == {
        "key",
        "change model/filter",
        "write data",
        "escalate",
    }


def test_cli_uses_the_tenants_definition_and_custom_roles(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "permissions", "--demo", "-q", "--role", "Owner", "--format", "json")
    assert code == 0 and json.loads(out)["role"]["definition"] == "tenant"
    # A custom role exists only in the tenant: found with --demo, unknown without.
    code, out, _ = run(
        capsys, "permissions", "--demo", "-q", "--role", "Contoso AI Operator", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["role"]["type"] == "CustomRole" and doc["role"]["source"] is None
    assert {k for k, v in doc["capabilities"].items() if v["granted"]} == {
        "key",
        "change model/filter",
        "escalate",
    }
    code, _, _ = run(capsys, "permissions", "--role", "Contoso AI Operator")
    assert code == 2


def test_cli_unknown_role_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "permissions", "--role", "Nobody Has This Role")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--role" in lines[0] and "GUID" in lines[0]
    assert "Traceback" not in err
