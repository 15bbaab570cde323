"""The snapshot: Azure's own JSON as Azure returned it, plus metadata and coverage.

Format (versioned; documented in docs/snapshot-format.md):

    {"format": "aiposture-snapshot", "schema_version": "1.0",
     "metadata": {tenant_id, cloud, collected_at, tool{name,version}, source, scopes[]},
     "resources": [ARM resources, Resource Graph rows of any table, ARM child resources],
     "graph": {"servicePrincipals": [...], "applications": [...], ...},
     "coverage": [{collection, scope, status, reason, count}]}

Rows are kept verbatim. Reading keeps each row as an undecoded slice of the file (msgspec.Raw)
and decodes it only when normalization reaches it, so memory stays near the JSON size.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from aiposture import __version__
from aiposture.atomic import AtomicFile
from aiposture.errors import InputError
from aiposture.model.types import CoverageStatus

FORMAT_NAME = "aiposture-snapshot"
SCHEMA_VERSION = "1.0"
SUPPORTED_MAJOR = 1

# Graph collections a snapshot may carry (Microsoft Graph v1.0 objects, verbatim).
GRAPH_COLLECTIONS = (
    "servicePrincipals",
    "applications",
    "users",
    "groups",
    "groupMembers",
    "directoryRoleAssignments",
    "roleEligibilitySchedules",
    "conditionalAccessPolicies",
)


class ToolInfo(msgspec.Struct, frozen=True):
    name: str = "aiposture"
    version: str = __version__


class Metadata(msgspec.Struct, frozen=True):
    tenant_id: str = ""
    cloud: str = "AzureCloud"
    collected_at: str = ""
    tool: ToolInfo = ToolInfo()
    source: str = "live"
    scopes: tuple[str, ...] = ()


class Coverage(msgspec.Struct, frozen=True):
    """What was read of one collection at one scope.

    `scope` is "tenant", an ARM scope id (/subscriptions/..., /providers/Microsoft.Management/
    managementGroups/..., a resource id) or "file:<path>" for exports.
    """

    collection: str
    scope: str
    status: CoverageStatus
    reason: str = ""
    count: int | None = None


Row = Mapping[str, Any]


@dataclass
class Snapshot:
    metadata: Metadata
    coverage: list[Coverage] = field(default_factory=list)
    # Either decoded dicts (built in memory) or msgspec.Raw slices (read from a file).
    resources: Sequence[Row | msgspec.Raw] = field(default_factory=list)
    graph: dict[str, list[Row]] = field(default_factory=dict)
    # Where rows came from, for error messages ("<file>" or "demo").
    origin: str = ""
    # Rows still to be read from a file, one at a time (see open_streaming). Single use: when
    # exhausted it fills `graph` and `coverage`, which follow the rows in the file.
    stream: Iterator[Row] | None = None
    streamed: int = 0

    def iter_resources(self) -> Iterator[Row]:
        yield from self._listed_resources()
        if self.stream is not None:
            stream, self.stream = self.stream, None
            for row in stream:
                self.streamed += 1
                yield row

    def _listed_resources(self) -> Iterator[Row]:
        decode = _ROW_DECODER.decode
        for i, row in enumerate(self.resources):
            if isinstance(row, msgspec.Raw):
                try:
                    value = decode(row)
                except msgspec.DecodeError as exc:  # pragma: no cover - validated on read
                    raise InputError(f"{self.origin}: resources[{i}]: {exc}") from None
                if not isinstance(value, Mapping):
                    raise InputError(
                        f"{self.origin}: resources[{i}] is not a JSON object; "
                        "each resource must be an object with id and type"
                    )
                yield value
            else:
                yield row

    @property
    def resource_count(self) -> int:
        """Rows in the snapshot (streamed rows count once they have been read)."""
        return len(self.resources) + self.streamed


_ROW_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder()


# ---------------------------------------------------------------------------------------------
# Reading


def read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (by magic number, not by name)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path given to --input") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory where a file was expected") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(
                f"{path}: corrupt or truncated gzip data ({exc}); re-create the file"
            ) from None
    return data


def decode_error_line(path: Path, data: bytes, exc: msgspec.DecodeError) -> str:
    """One line for a JSON syntax error, with line and column when msgspec gives the byte."""
    msg = str(exc)
    where = ""
    marker = "(byte "
    if marker in msg:
        try:
            pos = int(msg.rsplit(marker, 1)[1].rstrip(")"))
        except ValueError:
            pos = -1
        if 0 <= pos <= len(data):
            line = data.count(b"\n", 0, pos) + 1
            col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
            where = f" at line {line}, column {col}"
    elif "truncated" in msg:
        lines = data.count(b"\n") + 1
        where = f" at end of file (line {lines})"
    return f"{path}: invalid JSON{where}: {msg}; fix the file or export it again"


TopLevel = dict[str, msgspec.Raw] | list[msgspec.Raw]
_TOP_DECODER: msgspec.json.Decoder[TopLevel] = msgspec.json.Decoder(TopLevel)
_RAW_LIST_DECODER: msgspec.json.Decoder[list[msgspec.Raw]] = msgspec.json.Decoder(list[msgspec.Raw])


def decode_top(path: Path, data: bytes) -> TopLevel:
    """Split a JSON document into raw top-level members without decoding the rows."""
    if not data.strip():
        raise InputError(f"{path}: file is empty; expected a JSON snapshot or export")
    try:
        return _TOP_DECODER.decode(data)
    except msgspec.ValidationError:
        raise InputError(
            f"{path}: top-level JSON value is neither an object nor an array; expected an "
            'aiposture snapshot, an ARM list ({{"value": [...]}}), an `az graph query` result '
            '({{"data": [...]}}) or an array of resources'
        ) from None
    except msgspec.DecodeError as exc:
        raise InputError(decode_error_line(path, data, exc)) from None


def raw_list(path: Path, data: bytes, raw: msgspec.Raw, where: str) -> list[msgspec.Raw]:
    try:
        return _RAW_LIST_DECODER.decode(raw)
    except msgspec.ValidationError:
        raise InputError(f"{path}: `{where}` must be a JSON array") from None
    except msgspec.DecodeError as exc:  # pragma: no cover - the top level already parsed
        raise InputError(decode_error_line(path, data, exc)) from None


def is_native(top: TopLevel) -> bool:
    if not isinstance(top, dict):
        return False
    fmt = top.get("format")
    if fmt is not None:
        try:
            return bool(msgspec.json.decode(fmt) == FORMAT_NAME)
        except msgspec.DecodeError:
            return False
    return "schema_version" in top and "resources" in top


def _check_version(path: Path, version: str) -> None:
    major_text = version.split(".", 1)[0]
    if not major_text.isdigit():
        raise InputError(f"{path}: schema_version {version!r} is not a version like '1.0'")
    if int(major_text) > SUPPORTED_MAJOR:
        raise InputError(
            f"{path}: snapshot schema_version {version} is newer than this aiposture supports "
            f"({SUPPORTED_MAJOR}.x); upgrade aiposture"
        )


def load_native(path: Path, data: bytes, top: dict[str, msgspec.Raw]) -> Snapshot:
    """Build a Snapshot from a native file whose top level was already split."""

    def member(name: str, typ: Any, default: Any) -> Any:
        raw = top.get(name)
        if raw is None:
            return default
        try:
            return msgspec.json.decode(raw, type=typ)
        except msgspec.ValidationError as exc:
            raise InputError(f"{path}: `{name}` is malformed: {exc}") from None

    version = member("schema_version", str, None)
    if version is None:
        raise InputError(f"{path}: missing schema_version; is this an aiposture snapshot?")
    _check_version(path, version)
    metadata = member("metadata", Metadata, Metadata())
    coverage = member("coverage", list[Coverage], [])
    graph = member("graph", dict[str, list[dict[str, Any]]], {})
    resources = raw_list(path, data, top["resources"], "resources") if "resources" in top else []
    for i, raw in enumerate(resources):
        # Every row must be an object: cheap to check on the first byte.
        head = bytes(memoryview(raw)[:1])
        if head != b"{":
            raise InputError(
                f"{path}: resources[{i}] is not a JSON object; each resource must be an "
                "object with id and type"
            )
    return Snapshot(
        metadata=metadata, coverage=coverage, resources=resources, graph=graph, origin=str(path)
    )


# SnapshotWriter lays a file out as: this head line, a metadata line, `"resources":[`, one row
# per line, `],`, then graph and coverage. Files in that layout are read row by row, so the
# whole document never sits in memory; anything else is read whole (load_native).
_STREAM_HEAD = b'{"format":"aiposture-snapshot","schema_version":'
_RESOURCES_LINE = b'"resources":['


class _Tail(msgspec.Struct):
    graph: dict[str, list[dict[str, Any]]] = {}
    coverage: list[Coverage] = []


def open_streaming(path: Path) -> Snapshot | None:
    """A snapshot whose rows are read lazily, or None when `path` is not in the writer's
    one-row-per-line layout (the caller then reads it whole)."""
    try:
        raw: IO[bytes] = path.open("rb")
    except OSError:
        return None  # read_bytes gives the proper error
    lines = _lines(raw)
    try:
        head = next(lines)
        if not head.startswith(_STREAM_HEAD) or not head.endswith(b","):
            raise _NotStreamable
        version = msgspec.json.decode(head[len(_STREAM_HEAD) : -1], type=str)
        meta_line = next(lines)
        if not meta_line.startswith(b'"metadata":') or not meta_line.endswith(b","):
            raise _NotStreamable
        metadata = msgspec.json.decode(meta_line[len(b'"metadata":') : -1], type=Metadata)
        if next(lines) != _RESOURCES_LINE:
            raise _NotStreamable
    except (_NotStreamable, StopIteration, msgspec.DecodeError, InputError):
        lines.close()
        return None
    _check_version(path, version)
    snap = Snapshot(metadata=metadata, origin=str(path))
    snap.stream = _stream_rows(path, snap, lines)
    return snap


class _NotStreamable(Exception):
    pass


_CHUNK = 1 << 20


def _lines(raw: IO[bytes]) -> Generator[bytes, None, None]:
    """The lines of a plain or gzip file, decompressed in 1 MiB chunks (zlib and bytes.split
    do the work in C; GzipFile.readline per row is several times slower)."""
    path = getattr(raw, "name", "input")
    try:
        first = raw.read(_CHUNK)
        gz = first[:2] == b"\x1f\x8b"
        dec = zlib.decompressobj(wbits=31) if gz else None
        chunk = first
        rest = b""
        while chunk:
            if dec is not None:
                data = dec.decompress(chunk)
                while dec.eof and dec.unused_data:  # concatenated gzip members
                    more = dec.unused_data
                    dec = zlib.decompressobj(wbits=31)
                    data += dec.decompress(more)
            else:
                data = chunk
            if first and not data.startswith(_STREAM_HEAD):
                raise _NotStreamable  # decided on the first chunk, before reading on
            first = b""
            parts = (rest + data).split(b"\n")
            rest = parts.pop()
            yield from parts
            chunk = raw.read(_CHUNK)
        if dec is not None and not dec.eof:
            raise InputError(
                f"{path}: corrupt or truncated gzip data (compressed file ended before the "
                "end-of-stream marker was reached); re-create the file"
            )
        if rest:
            yield rest
    except (OSError, zlib.error) as exc:
        raise InputError(
            f"{path}: corrupt or truncated gzip data ({exc}); re-create the file"
        ) from None
    finally:
        raw.close()


def _stream_rows(path: Path, snap: Snapshot, lines: Generator[bytes, None, None]) -> Iterator[Row]:
    decode = _ROW_DECODER.decode
    lineno = 3
    index = 0
    try:
        for line in lines:
            lineno += 1
            if line.startswith(b"]"):
                break
            if not line or line.isspace():
                continue
            # A view, not a copy: msgspec decodes from any buffer.
            body = memoryview(line)[:-1] if line.endswith(b",") else line
            try:
                value = decode(body)
            except msgspec.DecodeError as exc:
                raise InputError(
                    f"{path}: invalid JSON at line {lineno}: {exc} (rows of an aiposture "
                    "snapshot are one per line); fix the file or write it again"
                ) from None
            if not isinstance(value, dict):
                raise InputError(
                    f"{path}: resources[{index}] (line {lineno}) is not a JSON object; each "
                    "resource must be an object with id and type"
                )
            index += 1
            yield value
        else:
            raise InputError(f"{path}: file ends inside `resources` (truncated?); re-create it")
        rest = b"\n".join(lines)
        try:
            tail = msgspec.json.decode(b"{" + rest, type=_Tail)
        except msgspec.ValidationError as exc:
            raise InputError(f"{path}: graph or coverage is malformed: {exc}") from None
        except msgspec.DecodeError as exc:
            raise InputError(
                f"{path}: invalid JSON after the resources (line {lineno + 1} on): {exc}; "
                "fix the file or write it again"
            ) from None
        snap.graph = tail.graph  # type: ignore[assignment]
        snap.coverage = tail.coverage
    finally:
        lines.close()


def load_snapshot(path: Path) -> Snapshot:
    """Read a native snapshot (gzip or plain)."""
    data = read_bytes(path)
    top = decode_top(path, data)
    if not isinstance(top, dict) or not is_native(top):
        raise InputError(f"{path}: not an aiposture snapshot (no `format`/`schema_version`)")
    return load_native(path, data, top)


# ---------------------------------------------------------------------------------------------
# Writing (streaming: rows are encoded one by one, so a million-row snapshot never sits in memory)

_ENCODER = msgspec.json.Encoder()


class SnapshotWriter:
    """Write a snapshot incrementally: `add()` rows, then `close()` with graph and coverage."""

    def __init__(self, target: Path | IO[bytes], metadata: Metadata) -> None:
        self._own: IO[bytes] | None = None
        self._atomic: AtomicFile | None = None
        if isinstance(target, Path):
            # Written under a temporary name, moved into place by close(): never half a file.
            self._atomic = AtomicFile(target)
            raw_file: IO[bytes] = self._atomic.file
            self._own = raw_file
            if target.name.endswith(".gz"):
                # No file name or time in the header: same rows, same bytes.
                gz: IO[bytes] = gzip.GzipFile(  # type: ignore[assignment]
                    filename="", fileobj=raw_file, mode="wb", compresslevel=5, mtime=0
                )
                self._out: IO[bytes] = gz
            else:
                self._out = raw_file
        else:
            self._out = target
        self._first = True
        self._closed = False
        self.count = 0
        head = (
            b'{"format":"aiposture-snapshot","schema_version":'
            + _ENCODER.encode(SCHEMA_VERSION)
            + b',\n"metadata":'
            + _ENCODER.encode(metadata)
            + b',\n"resources":[\n'
        )
        self._out.write(head)

    def add(self, row: Row) -> None:
        if not self._first:
            self._out.write(b",\n")
        self._first = False
        self._out.write(_ENCODER.encode(row))
        self.count += 1

    def add_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(row)

    def close(
        self, graph: Mapping[str, Iterable[Row]] | None = None, coverage: Iterable[Coverage] = ()
    ) -> None:
        if self._closed:
            return
        self._closed = True
        self._out.write(b'\n],\n"graph":{')
        for i, (name, objs) in enumerate((graph or {}).items()):
            if i:
                self._out.write(b",")
            self._out.write(_ENCODER.encode(name) + b":[\n")
            for j, obj in enumerate(objs):
                if j:
                    self._out.write(b",\n")
                self._out.write(_ENCODER.encode(obj))
            self._out.write(b"\n]")
        self._out.write(b'},\n"coverage":' + _ENCODER.encode(list(coverage)) + b"}\n")
        self._out.flush()
        if self._own is not None:
            if self._out is not self._own:
                self._out.close()  # the gzip stream; the file itself is committed below
            if self._atomic is not None:
                self._atomic.commit()
                self._atomic = None

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._atomic is not None:  # not committed: drop the partial file
            self._atomic.discard()
            self._atomic = None


def write_snapshot(snapshot: Snapshot, target: Path | IO[bytes]) -> None:
    with SnapshotWriter(target, snapshot.metadata) as writer:
        writer.add_all(snapshot.iter_resources())
        writer.close(snapshot.graph, snapshot.coverage)


def snapshot_to_bytes(snapshot: Snapshot) -> bytes:
    buf = io.BytesIO()
    write_snapshot(snapshot, buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Collections: the names coverage records use, derived from a row's type.

_CHILD_COLLECTIONS = {
    "microsoft.cognitiveservices/accounts/deployments": "deployments",
    "microsoft.cognitiveservices/accounts/raipolicies": "raiPolicies",
    "microsoft.cognitiveservices/accounts/raiblocklists": "raiBlocklists",
    "microsoft.cognitiveservices/accounts/defenderforaisettings": "defenderForAISettings",
    "microsoft.cognitiveservices/accounts/projects": "projects",
    "microsoft.cognitiveservices/accounts/privateendpointconnections": "resources",
    "microsoft.machinelearningservices/workspaces/computes": "computes",
    "microsoft.machinelearningservices/workspaces/connections": "connections",
    "microsoft.security/pricings": "pricings",
    "microsoft.authorization/roleassignments": "roleAssignments",
    "microsoft.authorization/roledefinitions": "roleDefinitions",
    "microsoft.authorization/roleeligibilityschedules": "roleEligibilitySchedules",
    "microsoft.authorization/roleeligibilityscheduleinstances": "roleEligibilitySchedules",
    "microsoft.authorization/policyassignments": "policyAssignments",
    "microsoft.authorization/policyexemptions": "policyExemptions",
    "microsoft.authorization/policydefinitions": "policyDefinitions",
    "microsoft.authorization/policysetdefinitions": "policyDefinitions",
    "microsoft.policyinsights/policystates": "policyStates",
    "microsoft.resources/subscriptions": "subscriptions",
    "microsoft.resources/subscriptions/resourcegroups": "resourceGroups",
    "microsoft.management/managementgroups": "managementGroups",
    "microsoft.securityinsights/onboardingstates": "sentinel",
    "microsoft.security/assessments": "securityAssessments",
}


CHILD_COLLECTIONS: Mapping[str, str] = _CHILD_COLLECTIONS


def collection_of(type_lower: str, id_lower: str) -> str:
    """The collection a row belongs to (coverage is recorded per collection)."""
    if type_lower == "microsoft.insights/diagnosticsettings":
        # Subscription diagnostic settings are the activity-log export.
        head = id_lower.split("/providers/microsoft.insights/", 1)[0]
        if head.count("/") == 2 and head.startswith("/subscriptions/"):
            return "activityLogExport"
        return "diagnosticSettings"
    return _CHILD_COLLECTIONS.get(type_lower, "resources")
