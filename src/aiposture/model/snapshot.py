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
import itertools
import os
import stat
import zlib
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from aiposture import __version__
from aiposture.atomic import AtomicFile
from aiposture.errors import ConfigError, InputError
from aiposture.model.redact import redact_row
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
    # Secrets masked when the snapshot was written (model.redact); the writer puts the final
    # count after the rows (top-level `redactions`), where readers take it from.
    redactions: int = 0


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
    # Problems that did not stop the read (one line each: file, position, what was done).
    warnings: list[str] = field(default_factory=list)

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
                except RecursionError:
                    raise too_deep(f"{self.origin}: resources[{i}]") from None
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


@dataclass(frozen=True, slots=True)
class InputLimits:
    """Bounds on what one input file may cost (see docs/snapshot-format.md, "Limits").

    Every limit can be changed with an environment variable of the same name in upper case
    with an `AIPOSTURE_` prefix (`AIPOSTURE_MAX_INPUT_BYTES=...`); 0 disables a limit.
    """

    max_input_bytes: int = 4 << 30  # the file as stored (compressed or not)
    max_decompressed_bytes: int = 8 << 30  # gunzipped size (1M synth resources: ~3.4 GB)
    max_compression_ratio: int = 100  # gunzipped / stored, checked beyond 64 MiB
    ratio_floor: int = 64 << 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> InputLimits:
        env = os.environ if env is None else env
        values: dict[str, int] = {}
        for name in ("max_input_bytes", "max_decompressed_bytes", "max_compression_ratio"):
            var = f"AIPOSTURE_{name.upper()}"
            text = env.get(var)
            if text is None or not text.strip():
                continue
            try:
                value = int(text.strip())
            except ValueError:
                value = -1
            if value < 0:
                raise ConfigError(
                    f"{var}={text!r}: expected a whole number (bytes or a ratio; 0 = no limit)"
                )
            values[name] = value
        return cls(**values)

    def check_decompressed(self, path: object, stored: int, total: int) -> None:
        """Raise once gunzipped data passes the size or ratio limit."""
        if self.max_decompressed_bytes and total > self.max_decompressed_bytes:
            raise InputError(
                f"{path}: decompresses to more than {self.max_decompressed_bytes:,} bytes "
                "(AIPOSTURE_MAX_DECOMPRESSED_BYTES); split the export or raise the limit"
            )
        if (
            self.max_compression_ratio
            and total > self.ratio_floor
            and total > self.max_compression_ratio * max(stored, 1)
        ):
            raise InputError(
                f"{path}: gzip expands more than {self.max_compression_ratio}x "
                f"({stored:,} bytes to over {total:,}); not a plausible export (a "
                "decompression bomb?); raise AIPOSTURE_MAX_COMPRESSION_RATIO if it is genuine"
            )


def check_regular(path: Path, limits: InputLimits | None = None) -> int:
    """The size of `path` when it is a regular file within the size limit, else InputError.

    FIFOs, devices (`/dev/zero`), sockets and directories are refused before they are opened
    (opening a FIFO blocks, reading a device never ends).
    """
    limits = limits or InputLimits.from_env()
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(
                f"{path}: broken symbolic link; point --input at the file itself"
            ) from None
        raise InputError(f"{path}: no such file; check the path given to --input") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory where a file was expected")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"{path}: not a regular file (FIFO, device or socket); save the export to a file "
            "and pass that"
        )
    if limits.max_input_bytes and st.st_size > limits.max_input_bytes:
        raise InputError(
            f"{path}: {st.st_size:,} bytes is over the input limit of "
            f"{limits.max_input_bytes:,} (AIPOSTURE_MAX_INPUT_BYTES); split the export or "
            "raise the limit"
        )
    return st.st_size


def gunzip(path: object, data: bytes, limits: InputLimits) -> bytes:
    """Decompress gzip data (several members too) without passing the limits."""
    return b"".join(_inflate(path, iter((data,)), limits, len(data)))


def _inflate(
    path: object, chunks: Iterator[bytes], limits: InputLimits, stored: int | None = None
) -> Iterator[bytes]:
    """Gunzip `chunks` (concatenated members too), at most 1 MiB of output per step, so a
    bomb is refused at the limit instead of after it has filled memory. `stored` is the
    compressed size when known; otherwise the bytes read so far."""
    total = 0
    read = 0
    dec = zlib.decompressobj(wbits=31)
    try:
        for chunk in chunks:
            read += len(chunk)
            buf = chunk
            while buf:
                if dec.eof:
                    if buf[:2] != b"\x1f\x8b":
                        return  # trailing bytes after the last member are ignored, as gzip does
                    dec = zlib.decompressobj(wbits=31)
                out = dec.decompress(buf, _CHUNK)
                buf = dec.unconsumed_tail or dec.unused_data
                while True:
                    if out:
                        total += len(out)
                        limits.check_decompressed(path, stored or read, total)
                        yield out
                    if dec.eof or dec.unconsumed_tail:
                        break
                    out = dec.decompress(b"", _CHUNK)
                    if not out:
                        break
        if not dec.eof:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(
            f"{path}: corrupt or truncated gzip data ({exc}); re-create the file"
        ) from None


def to_utf8(path: object, data: bytes) -> bytes:
    """UTF-8 bytes of a document that may carry a UTF-8 BOM or be UTF-16 (PowerShell's
    `Out-File`/`>` write UTF-16 LE with a BOM)."""
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:]
    encoding = None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif len(data) >= 2 and data[0] and not data[1]:
        encoding = "utf-16-le"  # no BOM: an ASCII first character then a NUL
    elif len(data) >= 2 and not data[0] and data[1]:
        encoding = "utf-16-be"
    if encoding is None:
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeError as exc:
        raise InputError(
            f"{path}: looks like UTF-16 but does not decode ({exc.__class__.__name__} at byte "
            f"{getattr(exc, 'start', '?')}); save it as UTF-8 (Out-File -Encoding utf8)"
        ) from None


def read_bytes(path: Path, limits: InputLimits | None = None) -> bytes:
    """The file's bytes as UTF-8 JSON: gunzipped when it is gzip (by magic number, not by
    name), BOM removed, UTF-16 converted; refused beyond `limits`."""
    limits = limits or InputLimits.from_env()
    check_regular(path, limits)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path given to --input") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory where a file was expected") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if data[:2] == b"\x1f\x8b":
        data = gunzip(path, data, limits)
    return to_utf8(path, data)


def too_deep(path: object) -> InputError:
    """The error for JSON nested deeper than the decoder's recursion limit."""
    return InputError(
        f"{path}: JSON nested too deeply for the reader (about {_MAX_DEPTH_HINT} levels; Azure "
        "JSON nests a few dozen); check how the file was produced"
    )


_MAX_DEPTH_HINT = 900


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
    except RecursionError:
        raise too_deep(path) from None
    except msgspec.ValidationError:
        raise InputError(
            f"{path}: top-level JSON value is neither an object nor an array; expected an "
            'aiposture snapshot, an ARM list ({"value": [...]}), an `az graph query` result '
            '({"data": [...]}) or an array of resources'
        ) from None
    except msgspec.DecodeError as exc:
        raise InputError(decode_error_line(path, data, exc)) from None


def raw_list(path: Path, data: bytes, raw: msgspec.Raw, where: str) -> list[msgspec.Raw]:
    try:
        return _RAW_LIST_DECODER.decode(raw)
    except RecursionError:  # pragma: no cover - the top level already parsed
        raise too_deep(path) from None
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
        except RecursionError:
            raise too_deep(f"{path}: `{name}`") from None
        except msgspec.ValidationError as exc:
            raise InputError(f"{path}: `{name}` is malformed: {exc}") from None

    version = member("schema_version", str, None)
    if version is None:
        raise InputError(f"{path}: missing schema_version; is this an aiposture snapshot?")
    _check_version(path, version)
    metadata = member("metadata", Metadata, Metadata())
    redactions = member("redactions", int, None)
    if redactions is not None:
        metadata = msgspec.structs.replace(metadata, redactions=redactions)
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
    redactions: int | None = None


def open_streaming(path: Path) -> Snapshot | None:
    """A snapshot whose rows are read lazily, or None when `path` is not in the writer's
    one-row-per-line layout (the caller then reads it whole)."""
    limits = InputLimits.from_env()
    try:
        check_regular(path, limits)
        raw: IO[bytes] = path.open("rb")
    except (OSError, InputError):
        return None  # read_bytes gives the proper error
    lines = _lines(raw, limits)
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
    except (_NotStreamable, StopIteration, msgspec.DecodeError, InputError, RecursionError):
        lines.close()
        return None
    _check_version(path, version)
    snap = Snapshot(metadata=metadata, origin=str(path))
    snap.stream = _stream_rows(path, snap, lines)
    return snap


class _NotStreamable(Exception):
    pass


_CHUNK = 1 << 20


def _lines(raw: IO[bytes], limits: InputLimits | None = None) -> Generator[bytes, None, None]:
    """The lines of a plain or gzip file, decompressed in 1 MiB chunks (zlib and bytes.split
    do the work in C; GzipFile.readline per row is several times slower)."""
    path = getattr(raw, "name", "input")
    limits = limits or InputLimits.from_env()

    def read_chunks() -> Iterator[bytes]:
        while chunk := raw.read(_CHUNK):
            yield chunk

    try:
        first = raw.read(_CHUNK)
        gz = first[:2] == b"\x1f\x8b"
        source = itertools.chain((first,), read_chunks())
        chunks = _inflate(path, source, limits) if gz else source
        rest = b""
        checked = False
        for data in chunks:
            if not checked:
                if not (rest + data).startswith(_STREAM_HEAD[: len(rest + data)]):
                    raise _NotStreamable  # decided on the first bytes, before reading on
                checked = len(rest + data) >= len(_STREAM_HEAD)
            parts = (rest + data).split(b"\n")
            rest = parts.pop()
            yield from parts
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
            except RecursionError:
                raise too_deep(f"{path}: line {lineno}") from None
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
        except RecursionError:
            raise too_deep(f"{path}: graph or coverage") from None
        except msgspec.ValidationError as exc:
            raise InputError(f"{path}: graph or coverage is malformed: {exc}") from None
        except msgspec.DecodeError as exc:
            raise InputError(
                f"{path}: invalid JSON after the resources (line {lineno + 1} on): {exc}; "
                "fix the file or write it again"
            ) from None
        snap.graph = tail.graph  # type: ignore[assignment]
        snap.coverage = tail.coverage
        if tail.redactions is not None:
            snap.metadata = msgspec.structs.replace(snap.metadata, redactions=tail.redactions)
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
        # Secrets masked so far (rows and graph objects), on top of the metadata's own count.
        self.redactions = metadata.redactions
        head = (
            b'{"format":"aiposture-snapshot","schema_version":'
            + _ENCODER.encode(SCHEMA_VERSION)
            + b',\n"metadata":'
            + _ENCODER.encode(metadata)
            + b',\n"resources":[\n'
        )
        self._out.write(head)

    def add(self, row: Row) -> None:
        # Secrets that some GET responses carry never reach the file (model.redact).
        row, masked = redact_row(row)
        self.redactions += masked
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
                obj, masked = redact_row(obj)
                self.redactions += masked
                self._out.write(_ENCODER.encode(obj))
            self._out.write(b"\n]")
        count = b',\n"redactions":' + _ENCODER.encode(self.redactions) if self.redactions else b""
        self._out.write(b'},\n"coverage":' + _ENCODER.encode(list(coverage)) + count + b"}\n")
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
    "microsoft.machinelearningservices/workspaces/datastores": "datastores",
    "microsoft.network/privateendpoints/privatednszonegroups": "privateDnsZoneGroups",
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
    "microsoft.resources/changes": "resourceChanges",
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
