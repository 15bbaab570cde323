"""CLI: inventory, paths, graph and access on the demo and on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rustworkx as rx

from aiposture.cli.main import main
from root_helpers import make_inventory


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")


def test_inventory_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "inventory", "--demo")
    assert code == 0 and "oai-contoso-corp-prod" in out and "gpt-4o-prod" in out
    target = tmp_path / "aibom.cdx.json"
    code, _, _ = run(
        capsys, "inventory", "--demo", "--format", "cyclonedx", "--output", str(target)
    )
    doc = json.loads(target.read_text())
    assert code == 0 and doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    code, out, _ = run(capsys, "inventory", "--demo", "--format", "json")
    assert code == 0 and json.loads(out)["schema"] == "aiposture-aibom/1"


def test_paths_json_and_rule_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "paths", "--demo", "--format", "json", "--rule", "AIP-PATH-003")
    data = json.loads(out)
    assert code == 0
    assert {g["rule_id"] for g in data["groups"]} == {"AIP-PATH-003"}
    entries = {p["entry"]["name"] for g in data["groups"] for p in g["paths"]}
    assert {"Vendor Consultant", "sp-chatbot-pipeline"} <= entries
    assert all(g["cut"]["remediation"]["az_cli"] for g in data["groups"])
    assert all(p["cut"]["breaks"] >= 1 for g in data["groups"] for p in g["paths"])
    code, out, _ = run(capsys, "paths", "--demo")
    assert code == 0 and "Cheapest cut" in out
    code, _, err = run(capsys, "paths", "--demo", "--rule", "AIP-NET-001")
    assert code == 2 and "not a path rule" in err


def test_graph_exports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    og = tmp_path / "g.json"
    code, _, _ = run(capsys, "graph", "--demo", "--format", "opengraph", "--output", str(og))
    doc = json.loads(og.read_text())
    assert code == 0 and doc["metadata"]["source_kind"] == "AIPBase"
    ids = {n["id"] for n in doc["graph"]["nodes"]}
    assert all(
        e["start"]["value"] in ids and e["end"]["value"] in ids for e in doc["graph"]["edges"]
    )
    assert all(
        isinstance(v, (str, int, float, bool))
        for n in doc["graph"]["nodes"]
        for v in n["properties"].values()
    )
    kinds = {e["kind"] for e in doc["graph"]["edges"]}
    assert {"AIPPublicAccess", "AIPHasIdentity", "AIPWriteData", "AIPControl"} <= kinds
    gm = tmp_path / "g.graphml"
    code, _, _ = run(capsys, "graph", "--demo", "--format", "graphml", "--output", str(gm))
    [g] = rx.read_graphml(str(gm))
    assert code == 0 and g.num_nodes() == len(ids) and g.num_edges() == len(doc["graph"]["edges"])


def test_access_csv_and_unknown_resource(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "access", "--demo", "--resource", "ais-contoso-chatbot", "--format", "csv"
    )
    assert code == 0 and out.startswith("resource_name,question,")
    assert "Vendor Consultant" in out
    code, _, err = run(capsys, "access", "--demo", "--resource", "nope")
    assert code == 2 and "--resource nope" in err


def test_bad_input_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run(capsys, "paths", "--input", str(bad))
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_missing_role_data_is_reported_not_silent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    export = tmp_path / "export.json"
    export.write_text(
        json.dumps(
            [
                {
                    "id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/"
                    "rg/providers/Microsoft.CognitiveServices/accounts/oai-x",
                    "name": "oai-x",
                    "type": "Microsoft.CognitiveServices/accounts",
                    "kind": "OpenAI",
                    "properties": {},
                }
            ]
        )
    )
    code, out, err = run(capsys, "access", "--input", str(export), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["entries"] == []
    assert any(line.startswith("roleAssignments:") for line in doc["incomplete"])
    assert "warning: the access review may be incomplete" in err
    code, _out, err = run(capsys, "paths", "--input", str(export), "--format", "json")
    assert code == 0 and "roleAssignments" in err


def test_graphml_stays_well_formed_with_hostile_names(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from aiposture.graph.build import build_graph
    from aiposture.report.graph_export import render_graphml, render_opengraph

    rid = (
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/"
        "Microsoft.CognitiveServices/accounts/a"
    )
    name = 'a\x01<b>&"\u2028'
    inv = make_inventory(
        [{"id": rid, "name": name, "type": "Microsoft.CognitiveServices/accounts"}]
    )
    sg = build_graph(inv)
    root = ET.fromstring(render_graphml(sg))
    names = {d.text for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data")}
    assert 'a\ufffd<b>&"\u2028' in names
    nodes = json.loads(render_opengraph(sg))["graph"]["nodes"]
    assert name in {n["properties"]["name"] for n in nodes}
