"""`scan --input PATH...`: native snapshots and exported JSON (az CLI, ARM lists, Resource Graph).

Accepted per file: an aiposture snapshot; a bare JSON array of ARM resources; an object with
`value` (ARM list, `az resource list`) or `data` (`az graph query`, objectArray or table form);
one resource object (`az resource show`, an ARM GET body); an export manifest
(`aiposture-manifest.json`, docs/export-manifest.md). Directories are read recursively (*.json,
*.json.gz, *.jsonc).

Coverage is what the input shows, never more (docs/snapshot-format.md, "Exports"):
* a list's rows make their collection complete for the scopes the rows show: their
  subscription, or their parent resource for child lists (deployments of one account), or the
  resource a diagnostic setting is attached to;
* a single-object file (a GET body) makes its collection complete for that resource only;
* rows whose id shows no subscription (tenant-level) prove nothing: partial;
* a truncated result (`nextLink`, `skipToken`, `totalRecords` above the rows) and a file with
  unusable rows make the collection partial for the scopes concerned;
* an export manifest states coverage per collection and scope; a gap the rows show still wins;
* every known collection that nothing shows is not_collected.

Rows with the same id are merged deterministically, whatever the file order (`_pick`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import stat
import tarfile
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    InputLimits,
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
    too_deep,
)
from aiposture.model.types import CoverageStatus

JSON_SUFFIXES = (".json", ".json.gz", ".jsonc")
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
MANIFEST_NAME = "aiposture-manifest.json"
MANIFEST_FORMAT = "aiposture-export-manifest"
# Collections a live collection records; an export-only scan lists the absent ones.
_KNOWN_COLLECTIONS = (
    *dict.fromkeys(CHILD_COLLECTIONS.values()),
    "diagnosticSettings",
    "activityLogExport",
    *(f"graph.{g}" for g in GRAPH_COLLECTIONS),
)
# Children listed per parent resource: a list of them covers that parent.
_PARENT_SCOPED = frozenset(
    {
        "deployments",
        "raiPolicies",
        "raiBlocklists",
        "defenderForAISettings",
        "projects",
        "computes",
        "connections",
        "datastores",
        "privateDnsZoneGroups",
    }
)
# Extension resources listed per target resource (`<target>/providers/<ns>/<type>/<name>`).
_TARGET_SCOPED = frozenset({"diagnosticSettings", "sentinel"})
# Listed for the whole tenant only: rows cannot show that the list was complete.
_TENANT_ONLY = frozenset({"managementGroups"})
# How bad a gap is, for choosing the one record of a (collection, scope) several sources state.
_GAP_ORDER = (
    CoverageStatus.DENIED,
    CoverageStatus.FAILED,
    CoverageStatus.PARTIAL,
    CoverageStatus.NOT_COLLECTED,
)
_MANIFEST_STATUS = {
    "complete": CoverageStatus.COMPLETE,
    "partial": CoverageStatus.PARTIAL,
    "denied": CoverageStatus.DENIED,
    "failed": CoverageStatus.FAILED,
    "skipped": CoverageStatus.NOT_COLLECTED,
    "not_collected": CoverageStatus.NOT_COLLECTED,
}
MAX_WARNINGS_KEPT = 1000


def expand_paths(paths: Iterable[Path], warnings: list[str] | None = None) -> list[Path]:
    """Files to read: given files as they are, directories searched recursively for JSON.

    A directory entry with a JSON name that is not a regular file (broken link, FIFO, device)
    is skipped with a warning; a given path that is not a regular file is read by read_bytes,
    which refuses it.
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found: list[Path] = []
            for f in sorted(path.rglob("*")):
                if not f.name.lower().endswith(JSON_SUFFIXES):
                    continue
                try:
                    mode = f.stat().st_mode
                except OSError:
                    _warn(warnings, f"{f}: skipped: broken symbolic link or unreadable entry")
                    continue
                if stat.S_ISREG(mode):
                    found.append(f)
                elif not stat.S_ISDIR(mode):
                    _warn(warnings, f"{f}: skipped: not a regular file (FIFO, device or socket)")
            if not found:
                raise InputError(
                    f"{path}: directory holds no .json or .json.gz files (regular files); "
                    "point --input at exported JSON files or a snapshot"
                )
            out.extend(found)
        elif path.exists() or path.is_symlink():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or directory; check the --input path")
    return out


def _warn(warnings: list[str] | None, line: str) -> None:
    if warnings is not None and len(warnings) < MAX_WARNINGS_KEPT:
        warnings.append(line)


# ---------------------------------------------------------------------------------------------
# One export file


@dataclass(frozen=True, slots=True)
class _Export:
    """The rows of one export file and what the file says about its own completeness."""

    path: str
    shape: str  # "array", "value", "data" or "object"
    rows: list[Any]
    truncated: str = ""  # why the file is not the whole result ("" = it is)


def _table_rows(path: Path, data: Mapping[str, Any]) -> list[Any]:
    cols = data.get("columns")
    rows = data.get("rows")
    if not isinstance(cols, list) or not isinstance(rows, list):
        raise InputError(f"{path}: `data` is neither an array nor a table (columns/rows)")
    names = [c.get("name") if isinstance(c, Mapping) else None for c in cols]
    out: list[Any] = []
    for r in rows:
        if isinstance(r, list):
            out.append({n: v for n, v in zip(names, r, strict=False) if isinstance(n, str)})
        else:
            out.append(r)  # reported as an unusable row
    return out


def _truncation(doc: Mapping[str, Any], rows: int) -> str:
    """Why an ARM list page or a Resource Graph result is not the whole result, or ""."""
    for key in ("nextLink", "@odata.nextLink"):
        link = props.get(doc, key)
        if isinstance(link, str) and link:
            return f"`{key}` present: only the first page was exported"
    for key in ("skip_token", "skipToken", "$skipToken"):
        token = props.get(doc, key)
        if isinstance(token, str) and token:
            return f"`{key}` present: the Resource Graph result has more pages"
    for key in ("total_records", "totalRecords"):
        total = props.get(doc, key)
        if isinstance(total, int) and not isinstance(total, bool) and total > rows:
            return f"`{key}` is {total} but the file holds {rows} rows"
    return ""


def _export_rows(path: Path, data: bytes) -> _Export:
    """Decode an export and return its rows, shape and truncation."""
    try:
        doc = msgspec.json.decode(data)
    except RecursionError:
        raise too_deep(path) from None
    except msgspec.DecodeError as exc:
        raise InputError(decode_error_line(path, data, exc)) from None
    if isinstance(doc, list):
        return _Export(str(path), "array", doc)
    if isinstance(doc, Mapping):
        if isinstance(doc.get("value"), list):
            rows = doc["value"]
            return _Export(str(path), "value", rows, _truncation(doc, len(rows)))
        inner = doc.get("data")
        if isinstance(inner, list):
            return _Export(str(path), "data", inner, _truncation(doc, len(inner)))
        if isinstance(inner, Mapping):
            rows = _table_rows(path, inner)
            return _Export(str(path), "data", rows, _truncation(doc, len(rows)))
        rid = doc.get("id")
        if rid is None:
            rid = props.get(doc, "id")
        if isinstance(rid, str) and rid and (props.get(doc, "type") or infer_type(doc, rid)):
            return _Export(str(path), "object", [doc])  # `az resource show`, an ARM GET body
    raise InputError(
        f"{path}: not a recognised shape: expected an aiposture snapshot, a JSON array of "
        "resources, an object with `value` (ARM list / az resource list) or `data` "
        "(az graph query), or one resource object with an ARM `id`"
    )


def _row_problem(row: object) -> tuple[str, str, str] | str:
    """(id, lower-case type, collection) of a usable row, or what is wrong with it."""
    if not isinstance(row, dict):  # decoded JSON: objects are dicts
        return "is not a JSON object; each resource must be an object with id and type"
    rid = row.get("id")
    if rid is None:  # PowerShell-style exports spell it Id / ResourceId
        rid = props.get(row, "id") or props.get(row, "resourceId")
    if not isinstance(rid, str) or not rid:
        return "has no `id`; every ARM resource row needs its id"
    rtype = row.get("type")
    if rtype is None:
        rtype = props.get(row, "type") or props.get(row, "resourceType")
    if not isinstance(rtype, str) or not rtype:
        inferred = infer_type(row, rid)
        if inferred is None:
            return (
                f"({rid}) has no `type` and its id is not an ARM resource id; every ARM "
                "resource row needs its type"
            )
        rtype = inferred
    tl = rtype.lower()
    return rid, tl, collection_of(tl, rid.lower())


# ---------------------------------------------------------------------------------------------
# The manifest (docs/export-manifest.md)


class ManifestEntry(msgspec.Struct, frozen=True):
    collection: str
    scope: str
    status: str
    reason: str = ""


class ManifestFile(msgspec.Struct, frozen=True):
    """One response file the export script wrote (manifest 1.1): its page within one paged
    request (`group`), and for Microsoft Graph files the collection it belongs to."""

    path: str
    group: str = ""
    page: int = 1
    last: bool = True
    collection: str = ""
    group_id: str = ""  # graph.groupMembers: the group whose members the file lists


class Manifest(msgspec.Struct, frozen=True):
    format: str
    version: str = "1.0"
    tenant_id: str = ""
    coverage: list[ManifestEntry] = []
    files: list[ManifestFile] = []
    started_at: str = ""
    finished_at: str = ""


def is_manifest(path: Path, top: object) -> bool:
    if path.name.lower() == MANIFEST_NAME:
        return True
    if isinstance(top, dict) and "format" in top:
        try:
            return bool(msgspec.json.decode(top["format"]) == MANIFEST_FORMAT)
        except msgspec.DecodeError:
            return False
    return False


def load_manifest(path: Path, data: bytes) -> Manifest:
    hint = "see docs/export-manifest.md"
    try:
        manifest = msgspec.json.decode(data, type=Manifest)
    except msgspec.ValidationError as exc:
        raise InputError(f"{path}: export manifest is malformed: {exc}; {hint}") from None
    except msgspec.DecodeError as exc:
        raise InputError(decode_error_line(path, data, exc)) from None
    if manifest.format != MANIFEST_FORMAT:
        raise InputError(f"{path}: `format` must be {MANIFEST_FORMAT!r}; {hint}")
    if manifest.version.split(".", 1)[0] != "1":
        raise InputError(
            f"{path}: export manifest version {manifest.version} is not supported (1.x); "
            "upgrade aiposture"
        )
    for i, e in enumerate(manifest.coverage):
        if e.status.lower() not in _MANIFEST_STATUS:
            raise InputError(
                f"{path}: coverage[{i}]: status {e.status!r} is not one of "
                f"{', '.join(_MANIFEST_STATUS)}; {hint}"
            )
        if not e.collection:
            raise InputError(f"{path}: coverage[{i}]: empty `collection`; {hint}")
        if e.scope != "tenant" and not e.scope.startswith("/"):
            raise InputError(
                f"{path}: coverage[{i}]: scope {e.scope!r} is neither `tenant` nor an ARM "
                f"scope id (/subscriptions/...); {hint}"
            )
    return manifest


# ---------------------------------------------------------------------------------------------
# Coverage evidence, per (collection, scope)


@dataclass(slots=True)
class _Evidence:
    complete: list[str] = field(default_factory=list)  # reasons it is complete
    gaps: list[tuple[CoverageStatus, str]] = field(default_factory=list)  # shown gaps
    weak: list[str] = field(default_factory=list)  # reasons nothing proves it complete
    count: int = 0
    # Tenant-level rows only: the management group each was read at (None: none shown).
    management_groups: set[str | None] = field(default_factory=set)

    def record(self, collection: str, scope: str) -> Coverage:
        if self.gaps:
            worst = min(self.gaps, key=lambda g: _GAP_ORDER.index(g[0]))[0]
            reasons = list(dict.fromkeys(r for s, r in self.gaps if s is worst))
            status, reason = worst, _join(reasons)
        elif self.complete:
            status, reason = CoverageStatus.COMPLETE, _join(list(dict.fromkeys(self.complete)))
        else:
            status, reason = CoverageStatus.PARTIAL, _join(list(dict.fromkeys(self.weak)))
        return Coverage(collection, scope, status, reason, self.count or None)


def _join(reasons: list[str]) -> str:
    text = "; ".join(reasons[:3])
    return text + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")


def _subscription_scope(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) > 2 and parts[1] == "subscriptions" and parts[2]:
        return f"/subscriptions/{parts[2]}"
    return None


def list_scope(collection: str, type_lower: str, key: str) -> str | None:
    """The scope a complete list of `collection` holding this row covers, or None when the
    row cannot show it (tenant-level rows)."""
    return _list_scopes(collection, type_lower, key)[0]


def _management_group(key: str) -> str | None:
    """The management-group scope a (lower-case) row id sits under, if any."""
    parts = key.split("/", 5)
    if len(parts) > 4 and parts[1:4] == ["providers", "microsoft.management", "managementgroups"]:
        return "/".join(parts[:5])
    return None


def _settle_management_group_rows(evidence: dict[tuple[str, str], _Evidence]) -> None:
    """Rows read at management groups prove nothing by themselves (a subscription's list also
    returns the assignments inherited from above), so they leave their collection partial at
    tenant level; but when a manifest states each of those management groups' lists complete,
    the rows are accounted for and the tenant-level doubt goes."""
    for (col, scope), ev in list(evidence.items()):
        if scope != "tenant" or ev.gaps or ev.complete or not ev.management_groups:
            continue
        if all(
            mg is not None and (found := evidence.get((col, mg))) is not None and found.complete
            for mg in ev.management_groups
        ):
            del evidence[(col, scope)]


def _list_scopes(collection: str, type_lower: str, key: str) -> tuple[str | None, str | None]:
    """(list_scope, the row's resource group when that scope is its subscription: "" for a
    subscription-level row, None when the scope is not a subscription)."""
    if collection in _TENANT_ONLY:
        return None, None
    if collection in _TARGET_SCOPED or collection == "activityLogExport":
        head = key.rsplit("/providers/", 1)[0]
        return head or None, None
    if collection in _PARENT_SCOPED or (collection == "resources" and type_lower.count("/") > 1):
        # A child list (`.../accounts/a/deployments`) covers its parent.
        head = key.rstrip("/").rsplit("/", 2)[0]
        return (head if head.count("/") >= 2 else None), None
    parts = key.split("/", 5)
    if len(parts) > 2 and parts[1] == "subscriptions" and parts[2]:
        sub = f"/subscriptions/{parts[2]}"
        if len(parts) > 4 and parts[3] == "resourcegroups":
            return sub, f"{sub}/resourcegroups/{parts[4]}"
        return sub, ""
    return None, None


# ---------------------------------------------------------------------------------------------
# Duplicate ids


@dataclass(frozen=True, slots=True)
class _Row:
    key: str
    row: Mapping[str, Any]
    file: str
    index: int
    single: bool  # from a single-object file (a GET body)


_ENCODER = msgspec.json.Encoder(order="sorted")
_FRACTION = re.compile(r"(\.\d{6})\d+")


def _last_modified(row: Mapping[str, Any]) -> float:
    """systemData.lastModifiedAt as a timestamp; -inf when absent or unreadable."""
    text = props.text(props.path(row, "systemData.lastModifiedAt"))
    if not text:
        return float("-inf")
    try:
        when = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00")))
    except ValueError:
        return float("-inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _size(row: Mapping[str, Any]) -> int:
    inner = props.get(row, "properties")
    return len(row) + (len(inner) if isinstance(inner, Mapping) else 0)


def _pick(rows: list[_Row]) -> tuple[_Row, list[tuple[_Row, str]]]:
    """The row kept for one id, and each differing row left out with the reason.

    Identical rows (same canonical JSON) count once. Among differing rows: a GET body (a
    single-object file) beats a list row; then the newer `systemData.lastModifiedAt`; then
    the row with more properties (top level plus `properties`); then the smaller canonical
    JSON (keys sorted), which makes the choice independent of file order.
    """
    if len(rows) == 1:
        return rows[0], []
    try:
        canon = [_ENCODER.encode(r.row) for r in rows]
    except RecursionError:
        raise too_deep(f"{rows[0].file}: item [{rows[0].index}]") from None
    distinct: dict[bytes, _Row] = {}
    for c, r in sorted(zip(canon, rows, strict=True), key=lambda x: (x[0], x[1].file, x[1].index)):
        distinct.setdefault(c, r)
    if len(distinct) == 1:
        return next(iter(distinct.values())), []

    def rank(item: tuple[bytes, _Row]) -> tuple[bool, float, int, bytes]:
        c, r = item
        return (not r.single, -_last_modified(r.row), -_size(r.row), c)

    ranked = sorted(distinct.items(), key=rank)
    best_c, best = ranked[0]
    lost: list[tuple[_Row, str]] = []
    for c, r in ranked[1:]:
        a, b = rank((best_c, best)), rank((c, r))
        if a[0] != b[0]:
            why = "a GET body beats a list row"
        elif a[1] != b[1]:
            why = "newer systemData.lastModifiedAt"
        elif a[2] != b[2]:
            why = "more properties"
        else:
            why = "same date and size: first in canonical JSON order"
        lost.append((r, why))
    return best, lost


# ---------------------------------------------------------------------------------------------
# The source


class FileSource:
    """Snapshots and exports read from files and directories."""

    def __init__(
        self, paths: Sequence[Path], *, stream: bool = False, strict: bool = False
    ) -> None:
        if not paths:
            raise InputError("no --input path given")
        self.paths = list(paths)
        # Opt-in: a streamed Snapshot has its rows in `stream` (read once through
        # iter_resources), not in `resources`, and its graph/coverage only after that read.
        self.stream = stream
        # Warnings (skipped entries, unusable rows, conflicting duplicates) become an error.
        self.strict = strict
        self.warnings: list[str] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def describe(self) -> str:
        return ", ".join(str(p) for p in self.paths)

    def _unpacked(self) -> list[Path]:
        """The paths, with each archive (.tar.gz, .tgz, .zip: what the export script writes)
        replaced by a temporary directory it is unpacked into (removed when the source is)."""
        out: list[Path] = []
        for path in self.paths:
            if path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES):
                if self._tmp is None:
                    self._tmp = tempfile.TemporaryDirectory(prefix="aiposture-export-")
                target = Path(self._tmp.name) / f"{len(out)}"
                unpack_archive(path, target, InputLimits.from_env())
                out.append(target)
            else:
                out.append(path)
        return out

    def load(self) -> Snapshot:
        self.warnings = []
        snap = self._load()
        snap.warnings = self.warnings
        if self.strict and self.warnings:
            more = f" (and {len(self.warnings) - 1} more)" if len(self.warnings) > 1 else ""
            raise InputError(
                f"{self.warnings[0]}{more}; --strict makes input warnings errors: fix the "
                "input or drop --strict"
            )
        return snap

    def _load(self) -> Snapshot:
        warnings = self.warnings
        limits = InputLimits.from_env()
        files = expand_paths(self._unpacked(), warnings)
        if self.stream and len(files) == 1:
            # One snapshot as aiposture writes it: read row by row (a million resources).
            streamed = open_streaming(files[0])
            if streamed is not None:
                return streamed
        natives: list[Snapshot] = []
        manifests: list[tuple[Path, Manifest]] = []
        exports: list[_Export] = []
        decoded: list[tuple[Path, bytes, Any]] = []
        for path in files:
            data = read_bytes(path, limits)
            top = decode_top(path, data)
            if is_manifest(path, top):
                manifests.append((path, load_manifest(path, data)))
            else:
                decoded.append((path, data, top))
        listed = _listed_files(manifests)
        graph_rows: dict[str, list[Any]] = {}
        graph_files: list[tuple[_Export, ManifestFile]] = []
        for path, data, top in decoded:
            if is_native(top):
                assert isinstance(top, dict)
                natives.append(load_native(path, data, top))
                continue
            entry = listed.get(_file_key(path))
            if entry is not None and entry.collection.startswith("graph."):
                graph_files.append((_graph_rows(path, data), entry))
            else:
                exports.append(_export_rows(path, data))
        exports = _join_pages(exports, listed, warnings)
        gaps = _read_graph(graph_files, listed, graph_rows, warnings)
        if len(natives) == 1 and not exports and not manifests and not graph_rows:
            return natives[0]
        return _combine(natives, exports, manifests, warnings, graph_rows, gaps)


def _combine(
    natives: list[Snapshot],
    exports: list[_Export],
    manifests: list[tuple[Path, Manifest]],
    warnings: list[str],
    graph_rows: Mapping[str, list[Any]] | None = None,
    graph_gaps: Sequence[tuple[str, str]] = (),
) -> Snapshot:
    evidence: dict[tuple[str, str], _Evidence] = defaultdict(_Evidence)
    for collection, why in graph_gaps:
        evidence[(collection, "tenant")].gaps.append((CoverageStatus.PARTIAL, why))
    pool: dict[str, list[_Row]] = defaultdict(list)
    tenant_ids: set[str] = set()
    for snap in natives:
        for i, row in enumerate(snap.iter_resources()):
            rid = row.get("id")
            if rid is None:
                rid = props.get(row, "id")
            key = rid.lower() if isinstance(rid, str) and rid else f"\0{snap.origin}#{i}"
            pool[key].append(_Row(key, row, snap.origin, i, single=False))
    for exp in exports:
        _read_export(exp, evidence, pool, tenant_ids, warnings)
    for path, manifest in manifests:
        if manifest.tenant_id:
            tenant_ids = {manifest.tenant_id.lower()}
        for e in manifest.coverage:
            scope = e.scope if e.scope == "tenant" else e.scope.lower().rstrip("/")
            status = _MANIFEST_STATUS[e.status.lower()]
            reason = e.reason or f"stated by {path}"
            ev = evidence[(e.collection, scope)]
            if status is CoverageStatus.COMPLETE:
                ev.complete.append(reason)
            else:
                ev.gaps.append((status, reason))
    _settle_management_group_rows(evidence)

    resources: list[Mapping[str, Any]] = []
    for key in sorted(pool):
        keep, lost = _pick(pool[key])
        resources.append(keep.row)
        for r, why in lost:
            _warn(
                warnings,
                f"{keep.file}: item [{keep.index}] and {r.file}: item [{r.index}] both hold "
                f"{r.row.get('id') or key} and differ; kept the first ({why})",
            )

    cov: list[Coverage] = []
    graph: dict[str, list[Any]] = {}
    meta: Metadata | None = None
    for snap in natives:
        meta = meta or snap.metadata
        cov.extend(snap.coverage)
        for k, v in snap.graph.items():
            graph.setdefault(k, []).extend(v)
    for k, v in (graph_rows or {}).items():
        graph.setdefault(k, []).extend(v)
    cov.extend(evidence[k].record(*k) for k in sorted(evidence))
    export_files = [e.path for e in exports] + [str(p) for p, _ in manifests]
    if not exports and graph_rows:
        export_files.append("Microsoft Graph exports")
    if not natives:
        # Say so explicitly for what the exports do not show, so reports show the gap and
        # rules needing it answer UNKNOWN.
        shown = {c for c, _ in evidence}
        for col in _KNOWN_COLLECTIONS:
            if col not in shown:
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
    return Snapshot(
        metadata=meta or Metadata(source="export"),
        coverage=cov,
        resources=resources,
        graph=graph,
        origin=", ".join(export_files) or (natives[0].origin if natives else ""),
    )


def _read_export(
    exp: _Export,
    evidence: dict[tuple[str, str], _Evidence],
    pool: dict[str, list[_Row]],
    tenant_ids: set[str],
    warnings: list[str],
) -> None:
    """Add one file's usable rows to the pool and what they show to the evidence."""
    path = exp.path
    bad: list[str] = []
    scopes: dict[tuple[str, str], int] = defaultdict(int)
    tenant_cols: set[str] = set()
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for i, row in enumerate(exp.rows):
        got = _row_problem(row)
        if isinstance(got, str):
            bad.append(f"{path}: item [{i}] {got}")
            continue
        assert isinstance(row, dict)
        rid, tl, col = got
        key = rid.lower()
        if not isinstance(row.get("type"), str) and not props.get(row, "type"):
            row = {**row, "type": tl}
        pool[key].append(_Row(key, row, path, i, single=exp.shape == "object"))
        tid = row.get("tenantId")
        if isinstance(tid, str) and tid:
            tenant_ids.add(tid.lower())
        scope, group = _list_scopes(col, tl, key)
        if exp.shape == "object":
            # A GET body shows that resource, not the rest of its list.
            evidence[(col, key)].complete.append(f"resource read by itself in {path}")
            evidence[(col, key)].count += 1
            if scope is not None and scope != key:
                evidence[(col, scope)].weak.append(
                    f"only single resources exported ({path}), not the {col} list"
                )
            continue
        if scope is None:
            tenant_cols.add(col)
            evidence[(col, "tenant")].weak.append(
                f"rows in {path} do not show which subscription the list covered"
            )
            evidence[(col, "tenant")].count += 1
            evidence[(col, "tenant")].management_groups.add(_management_group(key))
            continue
        if group is not None:
            groups[(col, scope)].add(group)
        scopes[(col, scope)] += 1
    if bad and len(bad) == len(exp.rows):
        raise InputError(bad[0] + " (no usable row in the file)")
    for line in bad:
        _warn(warnings, line + "; row skipped, its collection counted as partial")
    if exp.truncated:
        _warn(warnings, f"{path}: truncated result: {exp.truncated}; collections counted partial")
    for (col, scope), n in scopes.items():
        # Rows all in one resource group show that group, not their whole subscription.
        narrow = groups.get((col, scope), set())
        if len(narrow) == 1:
            scope = next(iter(narrow)) or scope
        ev = evidence[(col, scope)]
        ev.count += n
        if exp.truncated:
            ev.gaps.append((CoverageStatus.PARTIAL, f"{path}: {exp.truncated}"))
        elif bad:
            ev.gaps.append((CoverageStatus.PARTIAL, f"{path}: {len(bad)} unusable row(s) skipped"))
        else:
            ev.complete.append(f"list exported in {path}")
    gap = exp.truncated or (f"{len(bad)} unusable row(s) skipped" if bad else "")
    for col in tenant_cols if gap else ():
        evidence[(col, "tenant")].gaps.append((CoverageStatus.PARTIAL, f"{path}: {gap}"))


# ---------------------------------------------------------------------------------------------
# What the export script writes (aiposture export-script, docs/export.md)


def unpack_archive(path: Path, target: Path, limits: InputLimits) -> None:
    """Unpack an export archive safely: regular files and directories only, no absolute or
    `..` member names, no links, and at most limits.max_decompressed_bytes in all."""
    budget = limits.max_decompressed_bytes or None
    total = 0
    target.mkdir(parents=True, exist_ok=True)
    hint = "send the .tar.gz or .zip the export script wrote, or point --input at its directory"
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    name = info.filename.replace("\\", "/")
                    if name.startswith("/") or ".." in name.split("/"):
                        raise InputError(f"{path}: archive member {name!r} escapes the archive")
                    total += info.file_size
                    if budget is not None and total > budget:
                        raise InputError(f"{path}: archive unpacks to more than {budget:,} bytes")
                    if info.is_dir():
                        continue
                    dest = target / name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, dest.open("wb") as out:
                        out.write(src.read())
            return
        with tarfile.open(path, "r:*") as tf:
            members = []
            for m in tf.getmembers():
                if not (m.isfile() or m.isdir()):
                    continue  # links and devices are never part of an export
                total += m.size
                if budget is not None and total > budget:
                    raise InputError(f"{path}: archive unpacks to more than {budget:,} bytes")
                members.append(m)
            tf.extractall(target, members=members, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(f"{path}: not a readable archive ({exc}); {hint}") from None


def _file_key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path)


def _listed_files(manifests: Sequence[tuple[Path, Manifest]]) -> dict[str, ManifestFile]:
    """The response files manifests list, by resolved path."""
    out: dict[str, ManifestFile] = {}
    for mpath, manifest in manifests:
        for entry in manifest.files:
            rel = Path(entry.path)
            if rel.is_absolute() or ".." in rel.parts:
                raise InputError(
                    f"{mpath}: files entry {entry.path!r} is not inside the export directory; "
                    "see docs/export-manifest.md"
                )
            out[_file_key(mpath.parent / rel)] = entry
    return out


def _groups(listed: Mapping[str, ManifestFile]) -> dict[str, list[ManifestFile]]:
    groups: dict[str, list[ManifestFile]] = defaultdict(list)
    for entry in listed.values():
        if entry.group:
            groups[entry.group].append(entry)
    return groups


def _whole(pages: Sequence[ManifestFile], present: set[str], keys: Mapping[int, str]) -> bool:
    """Pages 1..N of one request are all there and the last is marked last."""
    by_page = {p.page: p for p in pages}
    n = max(by_page, default=0)
    return (
        n > 0
        and by_page[n].last
        and all(i in by_page and keys.get(id(by_page[i]), "") in present for i in range(1, n + 1))
    )


def _join_pages(
    exports: list[_Export], listed: Mapping[str, ManifestFile], warnings: list[str]
) -> list[_Export]:
    """A page of a paged request carries the marker of the next page (`skip_token`,
    `nextLink`, a `total_records` above its rows); when the manifest lists every page and the
    last one is here too, those markers are not gaps. Otherwise they stay gaps."""
    if not listed:
        return exports
    keys = {id(e): k for k, e in listed.items()}
    present = {_file_key(Path(e.path)) for e in exports}
    groups = _groups(listed)
    rows_in: dict[str, int] = defaultdict(int)
    for e in exports:
        entry = listed.get(_file_key(Path(e.path)))
        if entry is not None and entry.group:
            rows_in[entry.group] += len(e.rows)
    out: list[_Export] = []
    for e in exports:
        entry = listed.get(_file_key(Path(e.path)))
        if entry is None or not entry.group or not e.truncated:
            out.append(e)
            continue
        if not _whole(groups[entry.group], present, keys):
            out.append(e)
            continue
        truncated = ""
        if entry.last:
            truncated = _group_total(e, rows_in[entry.group])
        out.append(dataclasses.replace(e, truncated=truncated))
    return out


def _group_total(last: _Export, rows: int) -> str:
    """The last page's own truncation, judged on the rows of all pages."""
    text = last.truncated
    if text.startswith("`total_records` is ") or text.startswith("`totalRecords` is "):
        total = int(text.split(" is ", 1)[1].split(" ", 1)[0])
        return "" if total <= rows else f"the pages hold {rows} rows of {total}"
    return text


def _graph_rows(path: Path, data: bytes) -> _Export:
    """A Microsoft Graph list page (`value`, `@odata.nextLink`)."""
    try:
        doc = msgspec.json.decode(data)
    except RecursionError:
        raise too_deep(path) from None
    except msgspec.DecodeError as exc:
        raise InputError(decode_error_line(path, data, exc)) from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("value"), list):
        raise InputError(
            f"{path}: a Microsoft Graph export must be an object with a `value` list "
            "(the answer of az rest --method get)"
        )
    rows = doc["value"]
    return _Export(str(path), "value", rows, _truncation(doc, len(rows)))


def _read_graph(
    files: Sequence[tuple[_Export, ManifestFile]],
    listed: Mapping[str, ManifestFile],
    graph: dict[str, list[Any]],
    warnings: list[str],
) -> list[tuple[str, str]]:
    """Graph objects into `graph` (groupMembers as the snapshot's {groupId, memberId} pairs);
    returns the (collection, why) of the collections whose pages are not all here."""
    keys = {id(e): k for k, e in listed.items()}
    present = {_file_key(Path(e.path)) for e, _ in files}
    groups = _groups(listed)
    gaps: list[tuple[str, str]] = []
    for exp, entry in sorted(files, key=lambda f: (f[1].group, f[1].page)):
        name = entry.collection.split(".", 1)[1]
        bucket = graph.setdefault(name, [])
        if name == "groupMembers":
            for obj in exp.rows:
                mid = obj.get("id") if isinstance(obj, Mapping) else None
                if isinstance(mid, str) and mid and entry.group_id:
                    bucket.append({"groupId": entry.group_id, "memberId": mid})
        else:
            bucket.extend(o for o in exp.rows if isinstance(o, Mapping))
        whole = entry.group and _whole(groups[entry.group], present, keys)
        if exp.truncated and not whole:
            why = f"{exp.path}: {exp.truncated}"
            gaps.append((entry.collection, why))
            _warn(warnings, f"{why}; {entry.collection} counted partial")
    return gaps
