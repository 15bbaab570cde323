"""Attack paths (from the scan's graph views, `result.graph.paths`) as inline-SVG pictures.

Why pictures and not lists: a reader has to see, at a glance, how an attacker gets from an entry
point to the data, and which single change breaks the most of it. So:

* paths to the same target are merged into one picture (a node is drawn once however many
  paths cross it), laid out left to right in columns by hop, using the page's width;
* each hop is labelled with what creates it: the role (or the setting) and the scope it was
  granted at, "inherited" when it comes from a parent scope; full text on hover;
* reading and writing are told apart (hop kind readData / writeData: blue dashed / red solid);
* the cheapest cut over the merged paths (graph.paths.cheapest_cut, as `aiposture paths`
  computes it) is drawn in orange with its fix underneath.

The graph stage owns the path format; this also reads simpler shapes leniently (tests, older
stages): a list of paths (dicts or dataclasses), each with a title and an ordered list of
steps (`steps`, `nodes` or `hops`), a step being a resource and the relation that reached it.
Anything unrecognised is skipped rather than guessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiposture.graph.paths import AttackPath, cheapest_cut

MAX_LABEL = 28
MAX_EDGE_LABEL = 30
MAX_PICTURES = 20  # targets, worst first; every path is in the findings and `aiposture paths`
MAX_PATHS_PER_PICTURE = 12
BOX_W, BOX_H, VGAP, MIN_GAP, WIDTH = 150, 48, 40, 200, 1110
CHAR_W = 6.9  # average width of an 11px label character
READ, WRITE = "read", "write"
_READS = {"readData", "readSecrets", "manageKeys"}
_WRITES = {"writeData", "modifySafety", "control", "addCredential", "assignIdentity"}


def _as_mapping(obj: Any) -> Mapping[str, Any] | None:
    if isinstance(obj, Mapping):
        return obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        # Shallow on purpose: nodes and edges are read field by field below.
        out = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        severity = out.get("severity")
        if severity is not None and not isinstance(severity, str):
            out["severity"] = str(getattr(severity, "value", severity))
        return out
    as_dict = getattr(obj, "as_dict", None)
    if callable(as_dict):
        out = as_dict()
        return out if isinstance(out, Mapping) else None
    return None


def _first(m: Mapping[str, Any], *keys: str) -> Any:
    for k in keys:
        v = m.get(k)
        if v not in (None, "", [], ()):
            return v
    return None


def _short(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(v: Any) -> str:
    return str(getattr(v, "value", v) or "")


def _step(raw: Any) -> dict[str, str] | None:
    if isinstance(raw, str):
        return {"name": raw.rsplit("/", 1)[-1] or raw, "type": "", "id": raw, "key": raw}
    m = _as_mapping(raw)
    if m is None:
        return None
    rid = str(_first(m, "resource_id", "id", "key", "uid") or "")
    name = str(_first(m, "name", "label", "resource_name", "display_name") or "")
    name = name or rid.rsplit("/", 1)[-1]
    if not name:
        return None
    kind = _value(_first(m, "rtype", "type", "resource_type", "kind"))
    if not kind and m.get("kind") is not None:
        kind = _value(m.get("kind"))
    key = str(_first(m, "key", "resource_id", "id") or name).lower()
    return {"name": name, "type": kind, "id": rid, "key": key}


def _scope_name(scope: str, names: Mapping[str, str] | None = None) -> str:
    """A scope as a reader names it: the last segment (a subscription by its display name
    when known), with what it is."""
    low = scope.lower().rstrip("/")
    last = scope.rstrip("/").rsplit("/", 1)[-1]
    if names and low.startswith("/subscriptions/") and low.count("/") == 2:
        last = names.get(last.lower()) or last
    if not low:
        return ""
    if low == "/" or low.endswith("/providers/microsoft.management/managementgroups"):
        return "root"
    if "/managementgroups/" in low:
        return f"management group {last}"
    if "/resourcegroups/" in low and low.count("/") == 4:
        return f"resource group {last}"
    if low.startswith("/subscriptions/") and low.count("/") == 2:
        return f"subscription {last}"
    return last


def _hop(edge: Any, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One hop's label: kind, role or setting, scope, inherited; and the cut key."""
    m = _as_mapping(edge) or {}
    kind = _value(m.get("kind"))
    role = str(m.get("role") or "")
    scope = str(m.get("scope") or "")
    inherited = m.get("inherited") is True
    setting = str(m.get("setting") or "") or str(m.get("what") or "")
    why = str(getattr(edge, "why", "") or m.get("why") or "")
    what_text = str(m.get("what") or "")
    if role:
        what = role
    elif ": " in what_text:  # "reachable from any network: publicNetworkAccess=Enabled"
        what = what_text.split(": ", 1)[1]
    else:
        what = what_text or setting or why
    where = _scope_name(scope, names)
    access = WRITE if kind in _WRITES else READ if kind in _READS else ""
    return {
        "kind": kind,
        "what": what,
        "where": where,
        "inherited": inherited,
        "does": what_text if role else "",
        "access": access,
        "full": why or " ".join(x for x in (kind, what, scope) if x),
        "cut_key": str(getattr(edge, "cut_key", "") or ""),
    }


def _normalise(raw: Any, names: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """A path as steps (nodes) and hops (edge labels), whatever shape it came in."""
    m = _as_mapping(raw)
    if m is None:
        return None
    raw_steps = _first(m, "hops", "steps", "nodes", "path")
    if not isinstance(raw_steps, list | tuple):
        return None
    hop_maps = [_as_mapping(h) for h in raw_steps]
    steps: list[dict[str, str]] = []
    hops: list[dict[str, Any]] = []
    if hop_maps and all(h is not None and "dst" in h for h in hop_maps):
        first = _step(hop_maps[0]["src"])  # type: ignore[index]
        if first is None:
            return None
        steps.append(first)
        for h in hop_maps:
            assert h is not None
            s = _step(h["dst"])
            if s is None:
                return None
            steps.append(s)
            hops.append(_hop(h.get("edge"), names))
    else:
        for x in raw_steps:
            s = _step(x)
            if s is None:
                continue
            if steps:
                xm = _as_mapping(x)
                via = (
                    str(_first(xm, "via", "relation", "edge", "action", "permission") or "")
                    if xm
                    else ""
                )
                hops.append(
                    {
                        "kind": "",
                        "what": via,
                        "where": "",
                        "inherited": False,
                        "does": "",
                        "access": "",
                        "full": via,
                        "cut_key": "",
                    }
                )
            steps.append(s)
        edges = m.get("edges")
        if isinstance(edges, list | tuple):
            for i, e in enumerate(edges[: len(hops)]):
                em = _as_mapping(e)
                label = _first(em, "label", "relation", "kind", "via") if em else e
                if label and not hops[i]["what"]:
                    hops[i]["what"] = hops[i]["full"] = str(label)
    if len(steps) < 2:
        return None
    target_kind = str(m.get("target_kind") or "")
    access = WRITE if "write" in target_kind else READ if "read" in target_kind else ""
    return {
        "title": _title(m, steps),
        "severity": str(m.get("severity") or "").lower(),
        "rule": str(m.get("rule_id") or ""),
        "entry_kind": str(m.get("entry_kind") or ""),
        "target_kind": target_kind,
        "access": access or (hops[-1]["access"] if hops else ""),
        "steps": steps,
        "hops": hops,
        "raw": raw if isinstance(raw, AttackPath) else None,
    }


def _title(m: Mapping[str, Any], steps: list[dict[str, str]]) -> str:
    title = _first(m, "title", "name")
    if title:
        return str(title)
    rule = m.get("rule_id")
    entry, target = m.get("entry_kind"), m.get("target_kind")
    head = f"{rule}: " if rule else ""
    if entry and target:
        return f"{head}{entry} to {target}: {steps[0]['name']} → {steps[-1]['name']}"
    return f"{head}{steps[0]['name']} → {steps[-1]['name']}"


_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}


def _ordered(paths: Any) -> list[Any]:
    worst_first = getattr(paths, "worst_first", None)
    if callable(worst_first):
        return list(worst_first())
    if isinstance(paths, Mapping):
        paths = paths.get("paths")
    return list(paths) if isinstance(paths, list | tuple) else []


def path_pictures(
    paths: Any, limit: int = MAX_PICTURES, scope_names: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """One picture per target, worst first: merged paths, labelled hops, the cheapest cut.
    `scope_names`: subscription id (lower case) -> display name, for the hop labels."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for raw in _ordered(paths):
        n = _normalise(raw, scope_names)
        if n is None:
            continue
        key = n["steps"][-1]["key"]
        if key not in groups and len(groups) >= limit:
            continue
        groups.setdefault(key, []).append(n)
    pictures = [_picture(ps) for ps in groups.values()]
    pictures.sort(key=lambda p: (-_RANK.get(p["severity"], 0), -p["count"], p["title"]))
    return pictures


def _picture(all_paths: list[dict[str, Any]]) -> dict[str, Any]:
    shown = all_paths[:MAX_PATHS_PER_PICTURE]
    raw = [p["raw"] for p in all_paths if p["raw"] is not None]
    cut = cheapest_cut(raw) if raw else None
    cut_key = cut.key if cut is not None else ""
    # Nodes in columns: a node's column is the furthest hop at which any path reaches it; the
    # target is last.
    layer: dict[str, int] = {}
    info: dict[str, dict[str, str]] = {}
    for p in shown:
        for i, s in enumerate(p["steps"]):
            layer[s["key"]] = max(layer.get(s["key"], 0), i)
            info.setdefault(s["key"], s)
    target = shown[0]["steps"][-1]["key"]
    last = max(layer.values())
    layer[target] = last
    for k in layer:
        if k != target and layer[k] == last:
            layer[k] = max(0, last - 1)
    columns: dict[int, list[str]] = {}
    for k in info:  # first-seen order within a column
        columns.setdefault(layer[k], []).append(k)
    n_cols = last + 1
    width = max(WIDTH, n_cols * BOX_W + (n_cols - 1) * MIN_GAP) if n_cols > 1 else WIDTH
    gap = (width - 20 - n_cols * BOX_W) / (n_cols - 1) if n_cols > 1 else 0
    tallest = max(len(v) for v in columns.values())
    pairs: dict[tuple[str, str], int] = {}
    for p in shown:
        for i in range(len(p["hops"])):
            pair = (p["steps"][i]["key"], p["steps"][i + 1]["key"])
            kinds = pairs.setdefault(pair, 0)
            pairs[pair] = kinds + 1
    bow = 0.75 * 2 * (BOX_H + 8) if any(n > 1 for n in pairs.values()) else 0
    height = tallest * (BOX_H + VGAP) - VGAP + 2 * (bow + 36)
    pos: dict[str, tuple[float, float]] = {}
    boxes = []
    for c, keys in columns.items():
        col_h = len(keys) * (BOX_H + VGAP) - VGAP
        top = (height - col_h) / 2
        for j, k in enumerate(keys):
            x, y = 10 + c * (BOX_W + gap), top + j * (BOX_H + VGAP)
            pos[k] = (x, y)
            s = info[k]
            boxes.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "w": BOX_W,
                    "h": BOX_H,
                    "name": _short(s["name"]),
                    "type": _short(s["type"].replace("microsoft.", "")),
                    "full": s["id"] or s["name"],
                    "role": "end" if k == target else ("start" if layer[k] == 0 else ""),
                }
            )
    edges: dict[tuple[str, str, str], dict[str, Any]] = {}
    for p in shown:
        for i, h in enumerate(p["hops"]):
            a, b = p["steps"][i]["key"], p["steps"][i + 1]["key"]
            ek = (a, b, str(h["kind"] or h["what"]))
            e = edges.get(ek)
            if e is None:
                e = edges[ek] = {**h, "src": a, "dst": b, "paths": 0}
            e["paths"] += 1
    arrows = []
    chars = max(14, int((gap - 12) / CHAR_W)) if n_cols > 1 else MAX_EDGE_LABEL
    parallel: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for e in edges.values():
        parallel.setdefault((e["src"], e["dst"]), []).append(e)
    for e in edges.values():
        (x1, y1), (x2, y2) = pos[e["src"]], pos[e["dst"]]
        sx, sy, tx, ty = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
        if tx <= sx:  # same or earlier column: go round below
            sx, sy, tx, ty = x1 + BOX_W / 2, y1 + BOX_H, x2 + BOX_W / 2, y2 + BOX_H
        mx = (sx + tx) / 2
        # Hops between the same two nodes (read and write through one role) are bowed apart.
        twins = parallel[(e["src"], e["dst"])]
        off = (twins.index(e) - (len(twins) - 1) / 2) * 2 * (BOX_H + 8)
        lines = [_short(e["what"] or e["kind"], chars)]
        if e["where"] or e["inherited"]:
            # "inherited" always shows: the scope name gives way to it.
            tail = " · inherited" if e["inherited"] else ""
            lines.append(_short(e["where"], max(8, chars - len(tail))) + tail)
        if e["does"]:
            lines.append(_short(e["does"], chars))
        is_cut = bool(cut_key) and e["cut_key"] == cut_key
        mid = (sy + ty) / 2 + off * 0.75
        arrows.append(
            {
                "d": f"M{sx:.1f},{sy:.1f} C{mx:.1f},{sy + off:.1f} {mx:.1f},{ty + off:.1f} "
                f"{tx - 6:.1f},{ty:.1f}",
                "head": f"{tx - 8:.1f},{ty - 5:.1f} {tx - 8:.1f},{ty + 5:.1f} {tx:.1f},{ty:.1f}",
                "lx": round(mx, 1),
                "ly": round(mid - 6.5 * (len(lines) + is_cut) + 10, 1),
                "lines": lines,
                "kind": e["kind"],
                "full": e["full"],
                # One line, as `aiposture paths` words a hop: "kind: role or setting ...".
                "label": f"{e['kind']}: {e['full']}"
                if e["kind"] and e["full"]
                else e["full"] or e["kind"],
                "access": e["access"],
                "cut": is_cut,
                "inherited": e["inherited"],
            }
        )
    _place_labels(arrows, boxes, height)
    access = sorted({p["access"] for p in all_paths if p["access"]})
    sev = max((p["severity"] for p in all_paths), key=lambda s: _RANK.get(s, 0))
    tgt = info[target]
    rules = sorted({p["rule"] for p in all_paths if p["rule"]})
    fix = cut.fix() if cut is not None else None
    return {
        "title": all_paths[0]["title"]
        if len(all_paths) == 1
        else f"{len(all_paths)} paths to {tgt['name']}",
        "target": tgt["name"],
        "target_type": tgt["type"],
        "severity": sev,
        "rules": rules,
        "access": access,  # ["read"], ["write"] or both
        "count": len(all_paths),
        "more": len(all_paths) - len(shown),
        "boxes": boxes,
        "arrows": arrows,
        "width": round(width),
        "height": round(height),
        "cut": None
        if cut is None or fix is None
        else {
            "hop": cut.hop.explain(),
            "breaks": cut.breaks,
            "of": cut.of,
            "summary": fix["summary"],
            "az_cli": fix["az_cli"],
        },
    }


def _place_labels(arrows: list[dict[str, Any]], boxes: list[dict[str, Any]], height: float) -> None:
    """Move hop labels up or down until they overlap no box and no other label (greedy,
    the cut first): merged pictures put several labels in one gap."""
    taken = [(b["x"], b["y"], b["x"] + b["w"], b["y"] + b["h"]) for b in boxes]

    def free(r: tuple[float, float, float, float]) -> bool:
        return (
            r[1] >= 0
            and r[3] <= height
            and all(r[0] >= o[2] or r[2] <= o[0] or r[1] >= o[3] or r[3] <= o[1] for o in taken)
        )

    for a in sorted(arrows, key=lambda a: not a["cut"]):
        n = len(a["lines"]) + (1 if a["cut"] else 0)
        w = max(len(line) for line in a["lines"]) * CHAR_W + 6
        top = a["ly"] - 10
        for shift in (0, *(s * k for k in range(1, 12) for s in (14, -14))):
            r = (a["lx"] - w / 2, top + shift, a["lx"] + w / 2, top + shift + 13 * n)
            if free(r):
                a["ly"] = round(a["ly"] + shift, 1)
                taken.append(r)
                break
        else:
            taken.append((a["lx"] - w / 2, top, a["lx"] + w / 2, top + 13 * n))


def attack_path_diagrams(
    paths: Any, limit: int = MAX_PICTURES, scope_names: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Kept name: the pictures (see path_pictures)."""
    return path_pictures(paths, limit, scope_names)
