"""HTML view model and optional sections: attack paths and the richer BOM from later stages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from aiposture.app import GraphViews, ScanResult
from aiposture.report.html import render_html, view_model
from aiposture.report.html.paths import attack_path_diagrams


@dataclass(frozen=True)
class _Node:
    name: str
    rtype: str
    resource_id: str = ""


@dataclass(frozen=True)
class _Edge:
    kind: str
    why: str


@dataclass(frozen=True)
class _Hop:
    src: _Node
    dst: _Node
    edge: _Edge


@dataclass(frozen=True)
class _Path:
    rule_id: str
    entry_kind: str
    target_kind: str
    hops: tuple[_Hop, ...]
    severity: str


class _Svg(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.texts: list[str] = []
        self.rects = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        self.rects += tag == "rect" and any(
            k == "class" and v and v.startswith("node") for k, v in attrs
        )

    def handle_endtag(self, tag: str) -> None:
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "text":
            self.texts.append(data)


def _hop_path() -> _Path:
    internet = _Node("Internet", "internet")
    acc = _Node("oai-<b>x</b>", "microsoft.cognitiveservices/accounts", "/subscriptions/s/a")
    st = _Node("stdata", "microsoft.storage/storageaccounts", "/subscriptions/s/st")
    return _Path(
        rule_id="AIP-PATH-001",
        entry_kind="internet",
        target_kind="data-read",
        hops=(
            _Hop(internet, acc, _Edge("publicAccess", "publicNetworkAccess=Enabled")),
            _Hop(acc, st, _Edge("readData", "role 'Storage Blob Data Reader'")),
        ),
        severity="critical",
    )


def test_paths_from_hops_and_from_steps() -> None:
    diagrams = attack_path_diagrams(
        [
            _hop_path(),
            {
                "title": "guest to secrets",
                "severity": "high",
                "steps": [
                    {"name": "guest@contoso", "type": "user"},
                    {"name": "kv-prod", "type": "vault", "via": "Key Vault Secrets User"},
                ],
            },
            {"title": "too short", "steps": [{"name": "only-one"}]},
            "not a path",
        ]
    )
    assert [(d["title"], len(d["boxes"]), [a["label"] for a in d["arrows"]]) for d in diagrams] == [
        (
            "AIP-PATH-001: internet to data-read: Internet → stdata",
            3,
            [
                "publicAccess: publicNetworkAccess=Enabled",
                "readData: role 'Storage Blob Data Reader'",
            ],
        ),
        ("guest to secrets", 2, ["Key Vault Secrets User"]),
    ]
    assert attack_path_diagrams(None) == [] and attack_path_diagrams({"paths": 3}) == []


def test_paths_and_reach_render_as_escaped_svg_and_table(small_result: ScanResult) -> None:
    assert view_model(small_result)["paths"] == []
    assert 'id="paths"' not in render_html(small_result).decode()
    bom: dict[str, Any] = {
        "resources": [
            {
                "name": "oai-prod",
                "identities": [
                    {
                        "kind": "system-assigned",
                        "name": "oai-prod",
                        "capabilities": [
                            {
                                "kind": "readData",
                                "target_name": "st<script>x</script>",
                                "target_id": "/subscriptions/s/st",
                                "role": "Storage Blob Data Reader",
                                "scope": "/subscriptions/s",
                                "inherited": True,
                            }
                        ],
                    }
                ],
            }
        ]
    }
    small_result.graph = GraphViews(paths=[_hop_path()], bom=bom)  # type: ignore[arg-type]
    page = render_html(small_result).decode()
    section = page[page.index('<section id="paths">') : page.index('<section id="findings">')]
    svg = _Svg()
    svg.feed(section)
    assert svg.rects == 3
    assert {"Internet", "oai-<b>x</b>", "stdata"} <= set(svg.texts)
    assert "<b>x</b>" not in section  # escaped, shown as text
    reach = view_model(small_result)["bom"]["reach"]
    assert [(r["resource"], r["can"], r["target"], r["flags"]) for r in reach] == [
        ("oai-prod", "readData", "st<script>x</script>", "inherited")
    ]
    # The reach table is drawn from the embedded data: the name is there, JSON-escaped.
    assert "st\\u003cscript\\u003ex\\u003c/script\\u003e" in page and "st<script>" not in page


def test_summary_counts_match_the_result(small_result: ScanResult) -> None:
    vm = view_model(small_result)
    assert vm["counts"]["fail"] == len(small_result.failures())
    assert vm["counts"]["unknown"] == 1
    assert [g.collection for g in vm["gaps"]] == ["diagnosticSettings"]
    # Top risks: one per failing rule, worst first, most resources first.
    risks = [(r["rule"].id, r["severity"], r["count"], r["names"]) for r in vm["top_risks"]]
    assert risks == [
        ("AIP-IDN-001", "high", 2, ["oai-legacy", "oai-sandbox"]),
        ("AIP-MDL-001", "high", 1, ["gpt-4o-mini"]),
        ("AIP-MON-001", "high", 1, ["oai-sandbox"]),
        ("AIP-NET-001", "high", 1, ["oai-sandbox"]),
    ]
    groups = {(b["label"], b["n"]) for b in vm["group_chart"]["bars"]}
    assert groups == {("rg-sandbox", 4), ("rg-legacy", 1)}
    sev = {b["label"]: b["total"] for b in vm["severity_chart"]["bars"]}
    assert sev == {
        "Identity": 2,
        "Data": 0,
        "Model risk": 1,
        "Network": 1,
        "Governance": 0,
        "Monitoring": 1,
    }
    sections = {title: len(items) for title, items in vm["bom"]["sections"]}
    assert sections == {"AI services accounts": 3, "Model deployments": 2}


def test_compliance_view_section(small_result: ScanResult) -> None:
    from aiposture.report.compliance import attach_compliance

    assert view_model(small_result)["compliance"] is None
    view = attach_compliance(small_result, "owasp-llm")
    vm = view_model(small_result)["compliance"]
    assert vm is not None and vm["name"] == view["name"]
    assert [(c["id"], c["status"], c["fail"]) for c in vm["controls"]] == [
        (c["id"], c["status"], c["fail"]) for c in view["controls"]
    ]
    # The rules of this tenant appear as links that filter the findings.
    page = render_html(small_result).decode()
    section = page[page.index('<section id="compliance">') : page.index('<section id="findings">')]
    linked = set(re.findall(r'data-rule="([A-Z0-9-]+)"', section))
    assert {"AIP-NET-001", "AIP-IDN-001", "AIP-MDL-001", "AIP-MON-001"} <= linked


def test_demo_paths_and_reach_come_from_the_graph(demo_result: ScanResult) -> None:
    from aiposture.graph.build import build_graph
    from aiposture.graph.paths import find_paths

    ps = find_paths(build_graph(demo_result.inventory), demo_result.settings.model_admins)
    worst = ps.worst_first()
    assert worst, "the demo tenant has attack paths"
    vm = view_model(demo_result)
    # One picture per target: every path is in exactly one of them.
    targets = {p.target.key for p in worst}
    assert len(vm["paths"]) == min(20, len(targets))
    assert sum(p["count"] for p in vm["paths"]) == len(worst)
    first = vm["paths"][0]
    assert first["severity"] == worst[0].severity.value
    assert first["target"] == worst[0].target.name
    names = {b["name"] for b in first["boxes"]}
    assert {worst[0].hops[0].src.name, *(h.dst.name for h in worst[0].hops)} <= names
    assert vm["bom"]["reach"], "demo AI identities hold data roles"
    page = render_html(demo_result).decode()
    assert page.count('<svg class="pathsvg"') == len(vm["paths"])


def test_demo_path_pictures_explain_each_hop_and_the_cut(demo_result: ScanResult) -> None:
    from aiposture.graph.paths import cheapest_cut

    assert demo_result.graph is not None and demo_result.graph.paths is not None
    worst = demo_result.graph.paths.worst_first()
    pics = {p["target"]: p for p in view_model(demo_result)["paths"]}
    # Read and write paths to one store are merged into one picture and told apart.
    store = pics["stchatbotdata"]
    assert store["access"] == ["read", "write"]
    to_store = [p for p in worst if p.target.name == "stchatbotdata"]
    assert store["count"] == len(to_store) == 2
    hops = {(a["kind"], a["access"], a["lines"][0], a["lines"][-1]) for a in store["arrows"]}
    assert ("readData", "read", "Storage Blob Data Owner", "reading blobs") in hops
    assert ("writeData", "write", "Storage Blob Data Owner", "writing blobs") in hops
    # The scope (a subscription, by its display name) and that the role is inherited from it.
    sub = demo_result.inventory.subscriptions["572e23bd-c4a7-583d-bc3f-dc6096242177"]
    data_hops = [a for a in store["arrows"] if a["kind"] in ("readData", "writeData")]
    for a in data_hops:
        assert a["inherited"] and a["lines"][1].endswith(" · inherited")
        shown = a["lines"][1].removesuffix(" · inherited").rstrip("…")
        assert f"subscription {sub.display_name}".startswith(shown) and len(shown) > 12
        assert "(inherited)" in a["label"] and "572e23bd-c4a7-583d-bc3f-dc6096242177" in a["label"]
    # The cheapest cut over these paths, as `aiposture paths` computes it, is the one drawn.
    cut = cheapest_cut(to_store)
    assert cut is not None and store["cut"] is not None
    assert (store["cut"]["hop"], store["cut"]["breaks"], store["cut"]["of"]) == (
        cut.hop.explain(),
        cut.breaks,
        len(to_store),
    )
    assert store["cut"]["az_cli"] == cut.fix()["az_cli"]
    cut_arrows = [a for a in store["arrows"] if a["cut"]]
    assert cut_arrows and all(a["kind"] in {"readData", "writeData"} for a in cut_arrows)
    # Columns by hop across the width: the entry at the left, the target at the right.
    boxes = {b["name"]: b for b in store["boxes"]}
    assert boxes["Internet"]["x"] == 10
    assert boxes["stchatbotdata"]["x"] + boxes["stchatbotdata"]["w"] >= store["width"] - 12
    page = render_html(demo_result).decode()
    assert page.count('class="cutline"') == sum(
        1 for p in pics.values() for a in p["arrows"] if a["cut"]
    )


def test_paths_left_out_when_path_rules_are_not_run(small_result: ScanResult) -> None:
    assert not any(r.id.startswith("AIP-PATH-") for r in small_result.rules)
    assert view_model(small_result)["paths"] == []
