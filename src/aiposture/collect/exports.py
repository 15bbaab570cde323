"""`scan --input PATH...`: native snapshots and exported JSON (az CLI, ARM lists, Resource Graph).

Accepted per file: an aiposture snapshot; a bare JSON array of ARM resources; an object with
`value` (ARM list, `az resource list`) or `data` (`az graph query`, objectArray or table form).
Directories are read recursively (*.json, *.json.gz). Collections that plain exports do not
carry are recorded as not_collected, so rules needing them say UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from aiposture.errors import InputError
from aiposture.model import props
from aiposture.model.normalize import infer_type
from aiposture.model.snapshot import (
    CHILD_COLLECTIONS,
    GRAPH_COLLECTIONS,
    Coverage,
    Metadata,
    Snapshot,
    ToolInfo,
    collection_of,
    decode_error_line,
    decode_top,
    is_native,
    load_native,
    open_streaming,
    read_bytes,
)
from aiposture.model.types import CoverageStatus

JSON_SUFFIXES = (".json", ".json.gz", ".jsonc")
# Collections a live collection records; an export-only scan lists the absent ones.
_KNOWN_COLLECTIONS = (
    *dict.fromkeys(CHILD_COLLECTIONS.values()),
    "diagnosticSettings",
    "activityLogExport",
    *(f"graph.{g}" for g in GRAPH_COLLECTIONS),
)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                f for f in path.rglob("*") if f.is_file() and f.name.lower().endswith(JSON_SUFFIXES)
            )
            if not found:
                raise InputError(
                    f"{path}: directory holds no .json or .json.gz files; point --input at "
                    "exported JSON files or a snapshot"
                )
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or directory; check the --input path")
    return out


def _table_rows(path: Path, data: Mapping[str, Any]) -> list[Any]:
    cols = data.get("columns")
    rows = data.get("rows")
    if not isinstance(cols, list) or not isinstance(rows, list):
        raise InputError(f"{path}: `data` is neither an array nor a table (columns/rows)")
    names = [c.get("name") if isinstance(c, Mapping) else None for c in cols]
    out = []
    for r in rows:
        if isinstance(r, list):
            out.append({n: v for n, v in zip(names, r, strict=False) if isinstance(n, str)})
    return out


def _export_rows(path: Path, data: bytes) -> tuple[list[Any], str]:
    """Decode an export and return its rows and a description of the shape."""
    try:
        doc = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise InputError(decode_error_line(path, data, exc)) from None
    if isinstance(doc, list):
        return doc, "array"
    if isinstance(doc, Mapping):
        if isinstance(doc.get("value"), list):
            return doc["value"], "value"
        inner = doc.get("data")
        if isinstance(inner, list):
            return inner, "data"
        if isinstance(inner, Mapping):
            return _table_rows(path, inner), "data"
        if "id" in doc and "type" in doc:
            return [doc], "object"  # a single `az resource show` object
    raise InputError(
        f"{path}: not a recognised shape: expected an aiposture snapshot, a JSON array of "
        "resources, an object with `value` (ARM list / az resource list) or `data` "
        "(az graph query)"
    )


class FileSource:
    """Snapshots and exports read from files and directories."""

    def __init__(self, paths: Sequence[Path], *, stream: bool = False) -> None:
        if not paths:
            raise InputError("no --input path given")
        self.paths = list(paths)
        # Opt-in: a streamed Snapshot has its rows in `stream` (read once through
        # iter_resources), not in `resources`, and its graph/coverage only after that read.
        self.stream = stream

    def describe(self) -> str:
        return ", ".join(str(p) for p in self.paths)

    def load(self) -> Snapshot:
        files = expand_paths(self.paths)
        if self.stream and len(files) == 1:
            # One snapshot as aiposture writes it: read row by row (a million resources).
            streamed = open_streaming(files[0])
            if streamed is not None:
                return streamed
        natives: list[Snapshot] = []
        export_rows: list[Mapping[str, Any]] = []
        export_coverage: dict[str, str] = {}
        export_files: list[str] = []
        tenant_ids: set[str] = set()
        for path in files:
            data = read_bytes(path)
            top = decode_top(path, data)
            if is_native(top):
                assert isinstance(top, dict)
                natives.append(load_native(path, data, top))
                continue
            rows, _shape = _export_rows(path, data)
            export_files.append(str(path))
            for i, row in enumerate(rows):
                if not isinstance(row, Mapping):
                    raise InputError(
                        f"{path}: item [{i}] is not a JSON object; each resource must be an "
                        "object with id and type"
                    )
                rid = row.get("id")
                if rid is None:  # PowerShell-style exports spell it Id / ResourceId
                    rid = props.get(row, "id") or props.get(row, "resourceId")
                if not isinstance(rid, str) or not rid:
                    raise InputError(
                        f"{path}: item [{i}] has no `id`; every ARM resource row needs its id"
                    )
                rtype = row.get("type")
                if rtype is None:
                    rtype = props.get(row, "type") or props.get(row, "resourceType")
                if not isinstance(rtype, str) or not rtype:
                    inferred = infer_type(row, rid)
                    if inferred is None:
                        raise InputError(
                            f"{path}: item [{i}] ({rid}) has no `type`; every ARM resource row "
                            "needs its type"
                        )
                    rtype = inferred
                    row = {**row, "type": inferred}
                col = collection_of(rtype.lower(), rid.lower())
                export_coverage.setdefault(col, str(path))
                tid = row.get("tenantId")
                if isinstance(tid, str) and tid:
                    tenant_ids.add(tid.lower())
                export_rows.append(row)
        return _merge(natives, export_rows, export_coverage, export_files, tenant_ids)


def _merge(
    natives: list[Snapshot],
    rows: list[Mapping[str, Any]],
    coverage: dict[str, str],
    export_files: list[str],
    tenant_ids: set[str],
) -> Snapshot:
    if len(natives) == 1 and not rows:
        return natives[0]
    cov: list[Coverage] = []
    resources: list[Any] = []
    graph: dict[str, list[Any]] = {}
    meta: Metadata | None = None
    for snap in natives:
        meta = meta or snap.metadata
        cov.extend(snap.coverage)
        resources.extend(snap.resources)
        for k, v in snap.graph.items():
            graph.setdefault(k, []).extend(v)
    for col, path in sorted(coverage.items()):
        cov.append(
            Coverage(
                collection=col,
                scope=f"file:{path}",
                status=CoverageStatus.COMPLETE,
                reason=f"rows present in export {path}",
            )
        )
    if rows and not natives:
        # Say so explicitly for what plain exports do not carry, so reports show the gap and
        # rules needing it answer UNKNOWN.
        for col in _KNOWN_COLLECTIONS:
            if col not in coverage:
                cov.append(
                    Coverage(
                        collection=col,
                        scope="tenant",
                        status=CoverageStatus.NOT_COLLECTED,
                        reason="not present in the exported files",
                    )
                )
        tenant = next(iter(tenant_ids)) if len(tenant_ids) == 1 else ""
        meta = Metadata(
            tenant_id=tenant, source="export", tool=ToolInfo(), scopes=tuple(export_files)
        )
    resources.extend(rows)
    return Snapshot(
        metadata=meta or Metadata(source="export"),
        coverage=cov,
        resources=resources,
        graph=graph,
        origin=", ".join(export_files) or (natives[0].origin if natives else ""),
    )
