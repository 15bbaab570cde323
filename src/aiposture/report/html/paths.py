"""Attack paths (from the scan's graph views, `result.graph.paths`) as inline-SVG diagram data.

The graph stage owns the path format; this reads it leniently: a list of paths (dicts or
dataclasses), each with a title and an ordered list of steps (`steps`, `nodes` or `hops`), a step
being a resource (name/label/id, type/kind) and the relation that reached it (via/relation/
edge/action). Anything unrecognised is skipped rather than guessed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

BOX_W, BOX_H, GAP = 360, 46, 40
MAX_LABEL = 44
MAX_EDGE_LABEL = 90
MAX_PATHS = 30  # worst first; the rest are in the findings


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


def _step(raw: Any) -> dict[str, str] | None:
    if isinstance(raw, str):
        return {"name": raw.rsplit("/", 1)[-1] or raw, "type": "", "id": raw, "via": ""}
    m = _as_mapping(raw)
    if m is None:
        return None
    rid = str(_first(m, "id", "resource_id", "key", "uid") or "")
    name = str(_first(m, "name", "label", "resource_name", "display_name") or "")
    name = name or rid.rsplit("/", 1)[-1]
    if not name:
        return None
    kind_raw = _first(m, "rtype", "type", "resource_type", "kind")
    kind = str(getattr(kind_raw, "value", kind_raw) or "")
    via = str(_first(m, "via", "relation", "edge", "action", "permission") or "")
    return {"name": name, "type": kind, "id": rid, "via": via}


def _hop_steps(hops: list[Any] | tuple[Any, ...]) -> list[dict[str, str]] | None:
    """Steps from hops shaped {src, dst, edge} (the graph stage's AttackPath.hops)."""
    maps = [m for m in (_as_mapping(h) for h in hops) if m is not None and "dst" in m]
    if not maps or len(maps) != len(hops):
        return None
    first = _step(maps[0].get("src"))
    if first is None:
        return None
    steps = [first]
    for m in maps:
        s = _step(m["dst"])
        if s is None:
            return None
        edge = _as_mapping(m.get("edge"))
        if edge is not None:
            kind_raw = edge.get("kind")
            kind = str(getattr(kind_raw, "value", kind_raw) or "")
            why = str(edge.get("why") or "")
            s["via"] = f"{kind}: {why}" if kind and why else (kind or why)
        steps.append(s)
    return steps


def attack_path_diagrams(paths: Any, limit: int = MAX_PATHS) -> list[dict[str, Any]]:
    worst_first = getattr(paths, "worst_first", None)
    if callable(worst_first):
        paths = worst_first()
    if isinstance(paths, Mapping):
        paths = paths.get("paths")
    if not isinstance(paths, list | tuple):
        return []
    out: list[dict[str, Any]] = []
    for raw in paths:
        if len(out) >= limit:
            break
        m = _as_mapping(raw)
        if m is None:
            continue
        raw_steps = _first(m, "steps", "nodes", "hops", "path")
        if not isinstance(raw_steps, list | tuple):
            continue
        hop_steps = _hop_steps(raw_steps)
        steps = hop_steps or [s for s in (_step(x) for x in raw_steps) if s is not None]
        if len(steps) < 2:
            continue
        edges = m.get("edges")
        if isinstance(edges, list | tuple):
            for i, e in enumerate(edges[: len(steps) - 1]):
                em = _as_mapping(e)
                label = _first(em, "label", "relation", "kind", "via") if em else e
                if label and not steps[i + 1]["via"]:
                    steps[i + 1]["via"] = str(label)
        boxes: list[dict[str, Any]] = [
            {
                "x": 10,
                "y": 10 + i * (BOX_H + GAP),
                "w": BOX_W,
                "h": BOX_H,
                "name": _short(s["name"]),
                "type": _short(s["type"]),
                "full": s["id"] or s["name"],
            }
            for i, s in enumerate(steps)
        ]
        arrows = [
            {
                "x": 10 + BOX_W // 2,
                "y1": b["y"] + BOX_H,
                "y2": b["y"] + BOX_H + GAP - 4,
                "label": _short(steps[i + 1]["via"], MAX_EDGE_LABEL),
                "full": steps[i + 1]["via"],
            }
            for i, b in enumerate(boxes[:-1])
        ]
        out.append(
            {
                "title": _title(m, steps),
                "severity": str(m.get("severity") or ""),
                "description": str(_first(m, "description", "narrative", "impact") or ""),
                "boxes": boxes,
                "arrows": arrows,
                "width": BOX_W + 20 + 560,
                "height": 20 + len(boxes) * (BOX_H + GAP) - GAP,
            }
        )
    return out


def _title(m: Mapping[str, Any], steps: list[dict[str, str]]) -> str:
    title = _first(m, "title", "name", "id")
    if title:
        return str(title)
    rule = m.get("rule_id")
    entry, target = m.get("entry_kind"), m.get("target_kind")
    head = f"{rule}: " if rule else ""
    if entry and target:
        return f"{head}{entry} to {target}: {steps[0]['name']} → {steps[-1]['name']}"
    return f"{head}{steps[0]['name']} → {steps[-1]['name']}"
