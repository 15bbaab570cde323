"""Exports of the security graph: BloodHound OpenGraph JSON and GraphML.

OpenGraph: every node carries an `AIP`-prefixed kind (AIPUser, AIPAIAccount, ...) plus
`AIPBase`, every edge an `AIP`-prefixed kind (AIPReadData, AIPControl, ...), so the data loads
into BloodHound CE next to AzureHound's without clashing with its AZ kinds. Properties are
flat primitives, as the OpenGraph schema requires. GraphML is written by rustworkx.

Exports keep strings as data (secrets masked, lengths capped: model.sanitize.tree); the
terminal views and the access-review CSV go through the human-readable sanitizer.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import rustworkx as rx
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from aiposture import __version__
from aiposture.graph.access import AccessEntry
from aiposture.graph.build import Edge, Node, NodeKind, SecurityGraph
from aiposture.graph.paths import (
    AttackPath,
    Cut,
    PathSet,
    cheapest_cut,
    cut_counts,
    path_cut,
)
from aiposture.model.sanitize import NAME_LIMIT, csv_cell, data, one_line, tree

SOURCE_KIND = "AIPBase"

_RESOURCE_KINDS = {
    "microsoft.cognitiveservices/accounts": "AIPAIAccount",
    "microsoft.cognitiveservices/accounts/deployments": "AIPModelDeployment",
    "microsoft.machinelearningservices/workspaces": "AIPMLWorkspace",
    "microsoft.machinelearningservices/workspaces/computes": "AIPCompute",
    "microsoft.search/searchservices": "AIPSearchService",
    "microsoft.botservice/botservices": "AIPBotService",
    "microsoft.containerservice/managedclusters": "AIPKubernetesCluster",
    "microsoft.storage/storageaccounts": "AIPStorageAccount",
    "microsoft.keyvault/vaults": "AIPKeyVault",
    "microsoft.containerregistry/registries": "AIPContainerRegistry",
    "microsoft.managedidentity/userassignedidentities": "AIPUserAssignedIdentity",
    "microsoft.compute/virtualmachines": "AIPVirtualMachine",
}
_NODE_KINDS = {
    NodeKind.INTERNET: "AIPInternet",
    NodeKind.USER: "AIPUser",
    NodeKind.GUEST: "AIPUser",
    NodeKind.GROUP: "AIPGroup",
    NodeKind.SERVICE_PRINCIPAL: "AIPServicePrincipal",
    NodeKind.MANAGED_IDENTITY: "AIPManagedIdentity",
    NodeKind.UNKNOWN_PRINCIPAL: "AIPPrincipal",
    NodeKind.ROOT: "AIPTenantRoot",
    NodeKind.MANAGEMENT_GROUP: "AIPManagementGroup",
    NodeKind.SUBSCRIPTION: "AIPSubscription",
    NodeKind.RESOURCE_GROUP: "AIPResourceGroup",
    NodeKind.RESOURCE: "AIPResource",
}


def node_kinds(n: Node) -> list[str]:
    kinds = [_RESOURCE_KINDS.get(n.rtype, _NODE_KINDS[n.kind])]
    if n.kind is NodeKind.GUEST:
        kinds.append("AIPGuest")
    if n.ai:
        kinds.append("AIPAIResource")
    kinds.append(SOURCE_KIND)
    return list(dict.fromkeys(kinds))


def edge_kind(e: Edge) -> str:
    v = e.kind.value
    return "AIP" + v[0].upper() + v[1:]


def _node_props(n: Node) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": n.name,
        "objectid": n.key,
        "aip_kind": n.kind.value,
    }
    if n.rtype:
        props["azure_type"] = n.rtype
    if n.resource_id:
        props["azure_id"] = n.resource_id
    for flag in ("ai", "ai_linked", "password_credential", "certificate_credential", "external"):
        if getattr(n, flag):
            props[flag] = True
    return props


def _edge_props(e: Edge) -> dict[str, Any]:
    props: dict[str, Any] = {"why": e.why}
    for name in ("role", "scope", "assignment_id", "setting", "guard"):
        value = getattr(e, name)
        if value:
            props[name] = value
    for flag in ("inherited", "conditional", "eligible"):
        if getattr(e, flag):
            props[flag] = True
    return props


def render_opengraph(sg: SecurityGraph) -> bytes:
    nodes = [
        {"id": n.key, "kinds": node_kinds(n), "properties": _node_props(n)} for n in sg.nodes()
    ]
    edges = [
        {
            "kind": edge_kind(e),
            "start": {"value": s.key, "match_by": "id"},
            "end": {"value": d.key, "match_by": "id"},
            "properties": _edge_props(e),
        }
        for s, d, e in sg.edges()
    ]
    doc = {
        "metadata": {"source_kind": SOURCE_KIND, "generator": f"aiposture {__version__}"},
        "graph": {"nodes": nodes, "edges": edges},
    }
    # ensure_ascii keeps control characters in attacker-chosen names escaped.
    return json.dumps(tree(doc), indent=1).encode("ascii") + b"\n"


def render_graphml(sg: SecurityGraph) -> bytes:
    out: rx.PyDiGraph = rx.PyDiGraph(multigraph=True)
    index: dict[int, int] = {}
    for idx in sg.g.node_indices():
        n: Node = sg.g[idx]
        attrs = {k: _xml_safe(data(str(v))) for k, v in _node_props(n).items()}
        attrs["kinds"] = ",".join(node_kinds(n))
        index[idx] = out.add_node(attrs)
    for src, dst, e in sg.g.weighted_edge_list():
        attrs = {k: _xml_safe(data(str(v))) for k, v in _edge_props(e).items()}
        attrs["kind"] = edge_kind(e)
        out.add_edge(index[src], index[dst], attrs)
    # rustworkx writes to a path only; explicit keys keep key ids unique across domains.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "graph.graphml"
        rx.write_graphml(out, str(path), keys=_graphml_keys(out))
        return path.read_bytes()


# Characters XML 1.0 cannot carry at all (escaping does not help); names may contain them.
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


def _graphml_keys(g: rx.PyDiGraph) -> list[Any]:
    # The type stubs of rustworkx 0.18 lag behind the runtime API for GraphMLKey.
    key: Any = rx.GraphMLKey
    domain: Any = getattr(rx, "GraphMLDomain")  # noqa: B009
    kind: Any = getattr(rx, "GraphMLType")  # noqa: B009
    node_keys = sorted({k for i in g.node_indices() for k in g[i]})
    edge_keys = sorted({k for _s, _d, a in g.weighted_edge_list() for k in a})
    return [
        *(key(f"n_{k}", domain.Node, k, kind.String, None) for k in node_keys),
        *(key(f"e_{k}", domain.Edge, k, kind.String, None) for k in edge_keys),
    ]


# ---- attack paths ---------------------------------------------------------------------------


def paths_dict(ps: PathSet) -> dict[str, Any]:
    """Paths worst first, each hop with the assignment or setting that creates it, plus the
    cheapest cut over all paths and per (rule, subject)."""
    groups: dict[tuple[str, str], list[AttackPath]] = {}
    for p in ps.worst_first():
        groups.setdefault((p.rule_id, p.subject), []).append(p)
    overall = cheapest_cut(ps.paths)
    counts = cut_counts(ps.paths)
    return {
        "schema": "aiposture-paths/1",
        "tool_version": __version__,
        "count": len(ps.paths),
        "cheapest_cut": _cut_dict(overall),
        "groups": [
            {
                "rule_id": rule_id,
                "subject": subject,
                "total": ps.total(rule_id, subject),
                "cut": _cut_dict(cheapest_cut(paths)),
                "paths": [_path_dict(p, counts, len(ps.paths)) for p in paths],
            }
            for (rule_id, subject), paths in groups.items()
        ],
    }


def _path_dict(p: AttackPath, counts: Counter[str], of: int) -> dict[str, Any]:
    return {
        "cut": _cut_dict(path_cut(p, counts, of)),
        "rule_id": p.rule_id,
        "severity": p.severity.value,
        "entry": {"id": p.entry.key, "name": p.entry.name, "kind": p.entry_kind},
        "target": {"id": p.target.resource_id or p.target.key, "name": p.target.name},
        "target_kind": p.target_kind,
        "summary": p.summary(),
        "hops": [
            {
                "from": h.src.key,
                "to": h.dst.key,
                "kind": h.edge.kind.value,
                "explanation": h.explain(),
                **_edge_props(h.edge),
            }
            for h in p.hops
        ],
    }


def _cut_dict(cut: Cut | None) -> dict[str, Any] | None:
    if cut is None:
        return None
    return {
        "key": cut.key,
        "hop": cut.hop.explain(),
        "breaks": cut.breaks,
        "of": cut.of,
        "remediation": cut.fix(),
    }


def render_paths_json(ps: PathSet) -> bytes:
    doc = tree(paths_dict(ps))
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8", "replace") + b"\n"


def render_paths_terminal(ps: PathSet, console: Console, limit: int = 50) -> None:
    ordered = ps.worst_first()
    counts = cut_counts(ordered)
    # Path summaries and hop explanations embed tenant names: one_line() each.
    console.print(Text(f"{len(ordered)} attack path(s), worst first"))
    for i, p in enumerate(ordered[:limit], 1):
        head = Text(f"\n{i}. [{p.severity.value.upper()}] {p.rule_id} ", style="bold")
        head.append(Text(one_line(f"{p.entry_kind}: {p.summary()}")))
        console.print(head)
        for hop in p.hops:
            console.print(Text(f"   - {one_line(hop.explain())}"))
        own = path_cut(p, counts, len(ordered))
        if own is not None:
            why = one_line(own.hop.edge.why)
            console.print(Text(f"   cut: {why} (breaks {own.breaks} of {own.of} paths)"))
    if len(ordered) > limit:
        console.print(Text(f"\n... {len(ordered) - limit} more (use --format json)"))
    cut = cheapest_cut(ordered)
    if cut is not None:
        explain = one_line(cut.hop.explain())
        console.print(Text(f"\nCheapest cut (breaks {cut.breaks} of {cut.of}): {explain}"))
        console.print(Text(f"   {one_line(cut.fix()['az_cli'])}"))


# ---- access review --------------------------------------------------------------------------

ACCESS_FIELDS = (
    "resource_name",
    "question",
    "principal_name",
    "principal_type",
    "role",
    "scope",
    "granted",
    "assignment",
    "conditional",
    "via_group",
    "via_group_id",
    "principal_id",
    "resource_id",
    "assignment_id",
)


def render_access_json(entries: list[AccessEntry], incomplete: list[str] | None = None) -> bytes:
    rows = [{f: getattr(e, f) for f in ACCESS_FIELDS} for e in entries]
    doc = {
        "schema": "aiposture-access/1",
        "tool_version": __version__,
        "incomplete": list(incomplete or []),  # collections missing: the list may be short
        "entries": rows,
    }
    return json.dumps(tree(doc), indent=2, ensure_ascii=False).encode("utf-8", "replace") + b"\n"


def render_access_csv(entries: list[AccessEntry]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(ACCESS_FIELDS)
    for e in entries:
        writer.writerow([_cell(getattr(e, f)) for f in ACCESS_FIELDS])
    return buf.getvalue().encode("utf-8")


def _cell(value: object) -> str:
    # Spreadsheet formula injection, controls and secrets: names are attacker-controlled.
    return csv_cell(value)


def short_scope(scope: str) -> str:
    """An ARM scope as people read it: "root", "mg <name>", "sub 572e23bd…", "rg <name>",
    "<name> (<type>)"; the full id stays in the JSON and CSV."""
    s = scope.strip().rstrip("/")
    if not s:
        return "root (/)"
    parts = s.split("/")
    low = [p.lower() for p in parts]
    if len(parts) == 5 and low[1] == "providers" and low[3] == "managementgroups":
        return f"mg {parts[4]}"
    if len(parts) >= 3 and low[1] == "subscriptions":
        if len(parts) == 3:
            return f"sub {parts[2]}"
        if len(parts) == 5 and low[3] == "resourcegroups":
            return f"rg {parts[4]}"
        if len(parts) >= 9 and low[5] == "providers":
            return f"{parts[-1]} ({parts[-2]})"
    return s


def render_access_terminal(entries: list[AccessEntry], console: Console) -> None:
    """Per resource, one entry per principal, role, scope and grant: a line naming them and a
    line with what it can do. Lines wrap between words at any width; scopes are shortened
    (short_scope; the full ids are in `--format json|csv`)."""
    by_resource: dict[str, list[AccessEntry]] = {}
    for e in entries:
        by_resource.setdefault(e.resource_id.lower(), []).append(e)
    for n, group in enumerate(by_resource.values()):
        if n:
            console.print()
        console.print(
            Text.assemble(
                ("Access review: ", "bold"),
                (one_line(group[0].resource_name, NAME_LIMIT), "bold"),
                f"  {len(group)} grant(s)",
            )
        )
        rows: dict[tuple[str, ...], list[str]] = {}
        for e in group:
            how = e.granted + ("" if e.assignment == "permanent" else f", {e.assignment}")
            if e.conditional:
                how += ", conditional"
            if e.via_group:
                how += f", via group {e.via_group}"
            key = (e.principal_name, e.principal_type, e.role, e.scope, how)
            rows.setdefault(key, []).append(e.question)
        for (principal, ptype, role, scope, how), can in rows.items():
            console.print(
                Text.assemble(
                    "- ",
                    (one_line(principal, NAME_LIMIT), "bold"),
                    f" ({one_line(ptype, NAME_LIMIT)}): ",
                    (one_line(role, NAME_LIMIT), "cyan"),
                    f" at {one_line(short_scope(scope))} ({one_line(how)})",
                )
            )
            console.print(
                Padding(Text("can: " + ", ".join(dict.fromkeys(can)), style="dim"), (0, 0, 0, 4))
            )
