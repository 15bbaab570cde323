"""The HTML assessment: one self-contained, printable file (inline CSS, JS and SVG; no fetches).

Python builds a plain view model (numbers, strings, chart geometry) of the bounded parts (summary,
charts, top risks, attack paths, compliance); the Jinja2 template renders it with autoescape on,
so every resource-derived string is escaped. Findings and inventory tables, which grow with the
tenant, are embedded once as compact data (data.py) in a non-executed JSON <script> element and
drawn by report.js a page at a time with textContent only (never innerHTML). The CSP lets only
our own script run (its sha256 hash). Every `{{ }}`
string also goes through model.sanitize (the environment's `finalize`): secrets masked, cut to
a display limit, control and bidi characters shown visibly.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
from collections import Counter
from importlib import resources
from typing import IO, Any

import jinja2
import markupsafe

from aiposture.app import ScanResult
from aiposture.model.sanitize import NAME_LIMIT, TEXT_LIMIT, multi_line, tree
from aiposture.model.types import Pillar, Severity, Status
from aiposture.report.html import data
from aiposture.report.html.paths import attack_path_diagrams
from aiposture.report.html.scores import pillar_scores
from aiposture.report.views import clean, inventory_entries, redactions, sort_findings
from aiposture.rules.types import Finding

CHART_SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
TOP_RISKS = 10
TOP_GROUPS = 8


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


class _Clean(str):
    """Text a filter already sanitized (e.g. a script that keeps its newlines)."""

    __slots__ = ()


def _finalize(value: Any) -> Any:
    # Markup (our CSS and JS) and filtered text pass; any other string is tenant-derived
    # until proven otherwise. Newlines may stay: HTML shows them as spaces outside <pre>.
    if isinstance(value, (markupsafe.Markup, _Clean)) or not isinstance(value, str):
        return value
    return multi_line(value, TEXT_LIMIT)


def _jsonv(value: Any) -> _Clean:
    shown = json.dumps(tree(value, TEXT_LIMIT), sort_keys=True, default=str)
    return _Clean(clean(shown))


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aiposture.report.html", "."),
        autoescape=True,  # every {{ }} is HTML-escaped, in text and in attributes
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["clean"] = lambda v: _Clean(clean(str(v)))
    env.filters["name"] = lambda v: _Clean(clean(str(v), NAME_LIMIT))
    env.filters["block"] = lambda v: _Clean(multi_line(str(v)))
    env.filters["jsonv"] = _jsonv
    return env


def _severity_chart(result: ScanResult) -> dict[str, Any]:
    """Stacked bars: failing findings per pillar, split by severity."""
    rows = []
    for p in Pillar:
        fails = [f for f in result.findings if f.is_failure and f.rule.pillar is p]
        counts = Counter(f.severity for f in fails)
        rows.append((p.label, [(s.value, counts.get(s, 0)) for s in CHART_SEVERITIES]))
    biggest = max((sum(n for _, n in segs) for _, segs in rows), default=0) or 1
    label_w, bar_w, row_h = 120, 360, 26
    bars = []
    for i, (label, segs) in enumerate(rows):
        x = float(label_w)
        parts = []
        for sev, n in segs:
            w = bar_w * n / biggest
            if n:
                parts.append({"x": round(x, 1), "w": round(w, 1), "sev": sev, "n": n})
            x += w
        total = sum(n for _, n in segs)
        bars.append(
            {"label": label, "y": 10 + i * row_h, "parts": parts, "total": total, "end": x + 6}
        )
    return {
        "bars": bars,
        "width": label_w + bar_w + 50,
        "height": 20 + len(rows) * row_h,
        "legend": [s.value for s in CHART_SEVERITIES],
    }


def _group_chart(result: ScanResult) -> dict[str, Any]:
    """Horizontal bars: resource groups (or, for subscription-level checks, subscriptions)
    with the most failing findings."""
    subs = result.inventory.subscriptions
    counts = Counter((f.subscription_id, f.resource_group) for f in result.findings if f.is_failure)
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_GROUPS]
    biggest = max((n for _, n in top), default=0) or 1
    label_w, bar_w, row_h = 220, 260, 24
    bars = []
    for i, ((sub_id, rg), n) in enumerate(top):
        sub = subs.get(sub_id)
        sub_name = (sub.display_name or sub.name) if sub is not None else sub_id
        if rg:
            label = rg
        elif sub_id:
            label = f"subscription {sub_name}"
        else:
            label = "tenant-wide"
        bars.append(
            {
                "label": label,
                "sub": sub_name or "-",
                "y": 10 + i * row_h,
                "x": label_w,
                "w": round(bar_w * n / biggest, 1),
                "n": n,
            }
        )
    return {"bars": bars, "width": label_w + bar_w + 50, "height": 20 + len(bars) * row_h}


def _bom(result: ScanResult, rich: Any) -> dict[str, Any]:
    entries = inventory_entries(result.inventory)
    names = {str(e["id"]).lower(): str(e["name"]) for e in entries}
    sections: dict[str, list[dict[str, Any]]] = {
        "AI services accounts": [],
        "Model deployments": [],
        "Machine learning workspaces and compute": [],
        "Search services": [],
        "AKS clusters with GPU": [],
        "Other AI resources": [],
        "Linked data stores, vaults and registries": [],
    }
    for e in entries:
        t = str(e["type"])
        e = dict(e)
        e["used_by_names"] = [names.get(k, k.rsplit("/", 1)[-1]) for k in e["used_by"]]
        res = result.inventory.resource(str(e["id"]))
        e["tags"] = sorted(res.tags.items()) if res is not None else []
        if e["role"] == "ai-linked":
            sections["Linked data stores, vaults and registries"].append(e)
        elif t == "microsoft.cognitiveservices/accounts":
            sections["AI services accounts"].append(e)
        elif t.endswith("/deployments"):
            e["account"] = str(e["id"]).split("/deployments/")[0].rsplit("/", 1)[-1]
            sections["Model deployments"].append(e)
        elif t.startswith("microsoft.machinelearningservices/"):
            sections["Machine learning workspaces and compute"].append(e)
        elif t == "microsoft.search/searchservices":
            sections["Search services"].append(e)
        elif t == "microsoft.containerservice/managedclusters":
            sections["AKS clusters with GPU"].append(e)
        else:
            sections["Other AI resources"].append(e)
    identities = []
    for e in entries:
        ident = e["identity"]
        if ident["type"] or ident["principal_ids"]:
            identities.append(
                {
                    "resource": e["name"],
                    "type": ident["type"] or "-",
                    "principal_ids": ident["principal_ids"],
                }
            )
    return {
        "sections": [(k, v) for k, v in sections.items() if v],
        "identities": identities,
        "count": len(entries),
        "extra": _extra_bom(rich),
        "reach": _identity_reach(rich),
    }


def _identity_reach(bom: Any) -> list[dict[str, Any]]:
    """What each AI resource's identities can do, from a richer BOM (graph stage) if present:
    objects with resources[].identities[].capabilities[] (read leniently, attribute or key)."""

    def get(obj: Any, name: str) -> Any:
        return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)

    rows = []
    for res in get(bom, "resources") or () if bom is not None else ():
        for ident in get(res, "identities") or ():
            for cap in get(ident, "capabilities") or ():
                flags = [
                    label
                    for label in ("inherited", "eligible", "conditional")
                    if get(cap, label) is True
                ]
                rows.append(
                    {
                        "resource": str(get(res, "name") or ""),
                        "identity": f"{get(ident, 'kind') or ''} {get(ident, 'name') or ''}",
                        "can": str(get(cap, "kind") or ""),
                        "target": str(get(cap, "target_name") or ""),
                        "target_id": str(get(cap, "target_id") or ""),
                        "role": str(get(cap, "role") or ""),
                        "scope": str(get(cap, "scope") or ""),
                        "flags": ", ".join(flags),
                    }
                )
    return rows


def _extra_bom(bom: Any) -> list[dict[str, str]]:
    """Components of a richer BOM (CycloneDX-like dict or list) from a later stage, if any."""
    comps: Any = bom.get("components") if isinstance(bom, dict) else bom
    if not isinstance(comps, list):
        return []
    out = []
    for c in comps:
        if not isinstance(c, dict):
            continue
        out.append(
            {
                "name": str(c.get("name", "")),
                "type": str(c.get("type", "")),
                "version": str(c.get("version", "") or ""),
                "ref": str(c.get("bom-ref", c.get("id", "")) or ""),
                "description": str(c.get("description", "") or ""),
            }
        )
    return out


def _compliance(view: Any) -> dict[str, Any] | None:
    """The `--framework` view (report/compliance.py) when the scan computed one."""
    if not isinstance(view, dict) or not isinstance(view.get("controls"), list):
        return None
    controls = [
        {
            "id": str(c.get("id", "")),
            "title": str(c.get("title", "")),
            "status": str(c.get("status", "")),
            "fail": c.get("fail", 0),
            "pass": c.get("pass", 0),
            "unknown": c.get("unknown", 0),
            "rules": [str(r) for r in c.get("rules", [])],
        }
        for c in view["controls"]
        if isinstance(c, dict)
    ]
    summary = view.get("summary")
    return {
        "name": str(view.get("name", "")),
        "controls": controls,
        "summary": summary if isinstance(summary, dict) else {},
    }


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def top_risks(fails: list[Finding]) -> list[dict[str, Any]]:
    """Failing findings grouped by rule, worst first: one plain-language line per risk."""
    by_rule: dict[str, list[Finding]] = {}
    for f in fails:  # already sorted: severity, then rule id
        by_rule.setdefault(f.rule.id, []).append(f)
    groups = sorted(
        by_rule.values(),
        key=lambda fs: (-max(f.severity.rank for f in fs), -len(fs), fs[0].rule.id),
    )
    out = []
    for fs in groups[:TOP_RISKS]:
        first = fs[0]
        names = sorted({f.resource_name for f in fs}, key=str.lower)
        out.append(
            {
                "rule": first.rule,
                "severity": max((f.severity for f in fs), key=lambda s: s.rank).value,
                "count": len(fs),
                "names": names[:4],
                "more": max(0, len(names) - 4),
                "why": _first_sentence(first.rule.rationale),
                "first": first,
            }
        )
    return out


def graph_views(result: ScanResult) -> tuple[Any, Any]:
    """Attack paths and the richer BOM, as the scan took them from its security graph
    (`scan_inventory(graph_views=True)`); a report never builds a graph of its own."""
    if result.graph is None:
        raise ValueError("the HTML report needs the graph views: scan with graph_views=True")
    return result.graph.paths, result.graph.bom


def _page_model(result: ScanResult, paths: Any) -> dict[str, Any]:
    """What the template renders on the server: the summary, charts, top risks, coverage,
    attack-path pictures and the compliance view (all bounded in size, whatever the tenant).
    Findings and inventory tables come from the embedded data (data.py), drawn by the page."""
    inv = result.inventory
    findings = result.findings
    fails = sort_findings([f for f in findings if f.is_failure])
    scores = pillar_scores(result)
    gaps = inv.coverage.gaps()
    comparison = result.baseline
    js = _asset("report.js")
    return {
        "tool_version": result.tool_version,
        "tenant_id": inv.metadata.tenant_id or "unknown",
        "source": result.source,
        "scanned_at": result.scanned_at.strftime("%Y-%m-%d %H:%M UTC"),
        "collected_at": inv.metadata.collected_at or "",
        "redactions": redactions(result),
        "counts": {
            "fail": len(fails),
            "pass": result.count(Status.PASS),
            "unknown": result.count(Status.UNKNOWN),
            "not_applicable": result.count(Status.NOT_APPLICABLE),
            "suppressed": sum(1 for f in findings if f.suppressed),
            "rules": len(result.rules),
            "ai": len(inv.ai_resources()),
            "ai_linked": len(inv.ai_linked),
            "other": len(inv.other),
            "findings": len(findings),
        },
        "fail_by_severity": [(s.value, sum(1 for f in fails if f.severity is s)) for s in Severity],
        "scores": scores,
        "top_risks": top_risks(fails),
        "gaps": gaps,
        "complete": sorted(
            {c.collection for c in inv.coverage.records} - {g.collection for g in gaps}
        ),
        "unknown_by_pillar": [(ps.label, ps.unknown) for ps in scores if ps.unknown],
        "unmodeled": sorted(inv.other_type_counts.items()),
        "severity_chart": _severity_chart(result),
        "group_chart": _group_chart(result),
        "paths": attack_path_diagrams(
            paths,
            scope_names={
                k.lower(): s.display_name or s.name or k for k, s in inv.subscriptions.items()
            },
        ),
        "compliance": _compliance(result.compliance),
        "pillars": [(p.value, p.label) for p in Pillar],
        "severities": [s.value for s in Severity],
        "statuses": [s.value for s in Status] + ["SUPPRESSED"],
        "rule_options": sorted({(r.id, r.title) for r in result.rules}),
        "baseline": comparison if isinstance(comparison, dict) else None,
        "css": _asset("report.css"),
        "js": js,
        "script_hash": script_hash(js),
    }


DATA_MARKER = "<!--aiposture:data-->"  # in report.html.j2: where the data element goes


def script_hash(js: str) -> str:
    """The CSP source for our one inline script: only that exact text may run (an injected
    <script> element would not, even if some escaping failed)."""
    digest = hashlib.sha256(("\n" + js + "\n").encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def view_model(result: ScanResult) -> dict[str, Any]:
    """The server-rendered part of the page, plus the BOM as sections (for tests and tools)."""
    paths, rich_bom = graph_views(result)
    return {**_page_model(result, paths), "bom": _bom(result, rich_bom)}


def write_html(result: ScanResult, fh: IO[bytes], *, compress: bool | None = None) -> None:
    """Write the report to `fh` piece by piece: the page (bounded), then the data element
    (streamed through the compressor), then the script."""
    paths, rich_bom = graph_views(result)
    parts = data.build(result, _identity_reach(rich_bom), _extra_bom(rich_bom))
    model = _page_model(result, paths)
    model["bom_count"] = sum(len(t["rows"]) for t in parts[0]["tables"]["bom"])
    page = _environment().get_template("report.html.j2").render(**model)
    head, tail = page.split(DATA_MARKER, 1)
    # "replace": a lone surrogate in some name must not abort the whole report.
    fh.write(head.encode("utf-8", "replace"))
    data.write_data(fh, parts, compress=compress)
    fh.write(tail.encode("utf-8", "replace"))


def render_html(result: ScanResult, *, compress: bool | None = None) -> bytes:
    buf = io.BytesIO()
    write_html(result, buf, compress=compress)
    return buf.getvalue()
