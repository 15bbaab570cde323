"""`aiposture logs analyze`: run the SQL renderings over exported logs with DuckDB.

Exports are CSV (Log Analytics portal / `az monitor log-analytics query -o tsv` turned CSV),
JSON lines, or a JSON array (what `az monitor log-analytics query` prints). Each file's table
is its `Type` column when present, else the table whose required columns it carries. Columns
are read as text and cast by the table's schema, so exports that quote numbers still work.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from aiposture.detect.catalog import DETECTIONS
from aiposture.detect.model import AlertGroup, Detection, EventMatch, RatioBurst, SeriesAnomaly
from aiposture.detect.schemas import DUCKDB_TYPES, SCHEMAS
from aiposture.detect.sql import render_sql
from aiposture.errors import InputError

# Columns that identify a table in a file without a Type column (most specific first).
_SIGNATURES: tuple[tuple[str, frozenset[str]], ...] = (
    ("ApiManagementGatewayLlmLog", frozenset({"TotalTokens", "CorrelationId"})),
    ("ApiManagementGatewayLogs", frozenset({"ApimSubscriptionId", "CorrelationId"})),
    ("AzureActivity", frozenset({"OperationNameValue", "Caller"})),
    ("AzureDiagnostics", frozenset({"ResourceProvider", "Category", "properties_s"})),
    ("StorageBlobLogs", frozenset({"AccountName", "RequesterObjectId", "ObjectKey"})),
    ("SecurityAlert", frozenset({"SystemAlertId", "AlertType", "AlertSeverity"})),
    ("AzureMetrics", frozenset({"MetricName", "Total", "TimeGrain"})),
)
_EVIDENCE_HOURS = 24
DEFAULT_MEMORY_LIMIT = "1GB"


@dataclass(frozen=True, slots=True)
class Finding:
    """One alert: a detection, the entity it is about and its time window.

    `evidence` holds, for series detections, the hourly series around the window with the
    baseline per hour and the anomalous points; for the others the matching counts/events.
    """

    detection: str
    title: str
    severity: str
    entity: str
    start: dt.datetime
    end: dt.datetime
    value: float
    baseline: float | None
    score: float | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "detection": self.detection,
            "title": self.title,
            "severity": self.severity,
            "entity": self.entity,
            "start": self.start.isoformat().replace("+00:00", "Z"),
            "end": self.end.isoformat().replace("+00:00", "Z"),
            "value": self.value,
            "baseline": self.baseline,
            "score": None if self.score is None else round(self.score, 2),
            "evidence": self.evidence,
        }


@dataclass
class AnalysisResult:
    findings: list[Finding]
    tables: dict[str, int]  # table -> rows loaded
    skipped: list[tuple[str, str]]  # (detection id, why it could not run)


def _file_reader(path: Path) -> str:
    name = path.name.lower()
    quoted = "'" + str(path).replace("'", "''") + "'"
    if name.endswith((".csv", ".csv.gz", ".tsv")):
        delim = "\\t" if name.endswith(".tsv") else ","
        return f"read_csv({quoted}, all_varchar = true, header = true, delim = '{delim}')"
    if name.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")):
        return f"read_json({quoted}, format = 'auto', records = true)"
    if name.endswith(".parquet"):
        return f"read_parquet({quoted})"
    raise InputError(
        f"{path}: unknown export format (expected .csv, .tsv, .json, .jsonl or .parquet)"
    )


def _columns(con: duckdb.DuckDBPyConnection, reader: str, path: Path) -> list[str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()  # noqa: S608
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: cannot read as a log export: {first}") from None
    return [str(r[0]) for r in rows]


def _table_of(
    path: Path, columns: Sequence[str], con: duckdb.DuckDBPyConnection, reader: str
) -> str:
    names = {c.split(" [")[0] for c in columns}  # portal CSV: "TimeGenerated [UTC]"
    if "Type" in names:
        found = con.execute(f"SELECT DISTINCT Type FROM {reader} LIMIT 2").fetchall()  # noqa: S608
        if len(found) == 1 and str(found[0][0]) in SCHEMAS:
            return str(found[0][0])
    for table, signature in _SIGNATURES:
        if signature <= names:
            return table
    raise InputError(
        f"{path}: not a recognised log export (no Type column and none of the columns of "
        f"{', '.join(SCHEMAS)}); export one table per file with its column names"
    )


def _cast(column: str, kql_type: str) -> str:
    ident = '"' + column.replace('"', '""') + '"'
    if kql_type == "datetime":
        text = f"CAST({ident} AS VARCHAR)"
        return (
            f"coalesce(TRY_CAST({text} AS TIMESTAMPTZ) AT TIME ZONE 'UTC', "
            f"try_strptime({text}, '%m/%d/%Y, %I:%M:%S.%g %p'), "
            f"try_strptime({text}, '%m/%d/%Y, %I:%M:%S %p'))"
        )
    if kql_type == "bool":
        return f"TRY_CAST(lower(CAST({ident} AS VARCHAR)) AS BOOLEAN)"
    if kql_type in ("string", "dynamic", "guid"):
        return f"CAST({ident} AS VARCHAR)"
    return f"TRY_CAST(CAST({ident} AS VARCHAR) AS {DUCKDB_TYPES[kql_type]})"


def load(con: duckdb.DuckDBPyConnection, files: Iterable[Path]) -> dict[str, int]:
    """Load each export into a typed table named after its Log Analytics table."""
    parts: dict[str, list[str]] = {}
    for path in files:
        if not path.is_file():
            raise InputError(f"{path}: no such file (give exported log files: CSV, JSON, Parquet)")
        reader = _file_reader(path)
        columns = _columns(con, reader, path)
        table = _table_of(path, columns, con, reader)
        by_name = {c.split(" [")[0]: c for c in columns}
        select = []
        for name, kql_type in SCHEMAS[table]:
            raw = by_name.get(name)
            expr = "NULL" if raw is None else _cast(raw, kql_type)
            select.append(f'CAST({expr} AS {DUCKDB_TYPES[kql_type]}) AS "{name}"')
        parts.setdefault(table, []).append(f"SELECT {', '.join(select)} FROM {reader}")  # noqa: S608
    counts: dict[str, int] = {}
    for table, selects in parts.items():
        try:
            con.execute(f'CREATE TABLE "{table}" AS ' + " UNION ALL ".join(selects))
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise InputError(f"{table} export: cannot load: {first}") from None
        row = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()  # noqa: S608
        counts[table] = int(row[0]) if row else 0
    for table, (name, kql_type) in ((t, s[0]) for t, s in SCHEMAS.items()):
        if table not in counts:
            cols = ", ".join(f'CAST(NULL AS {DUCKDB_TYPES[k]}) AS "{n}"' for n, k in SCHEMAS[table])
            con.execute(f'CREATE TABLE "{table}" AS SELECT {cols} LIMIT 0')
        del name, kql_type
    return counts


def _missing(det: Detection, counts: dict[str, int], con: duckdb.DuckDBPyConnection) -> str:
    for table, required in det.logic.source.required_columns:
        if not counts.get(table):
            return f"no {table} rows in the exports"
        for col in required:
            row = con.execute(f'SELECT count("{col}") FROM "{table}"').fetchone()  # noqa: S608
            if not row or not row[0]:
                return f"{table} export has no values in column {col}"
    return ""


def _utc(value: Any) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _series_findings(det: Detection, rows: list[tuple[Any, ...]]) -> list[Finding]:
    out: list[Finding] = []
    by_entity: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_entity.setdefault(str(row[0]), []).append(row)
    for entity, series in by_entity.items():
        flagged = [i for i, r in enumerate(series) if r[5]]
        episodes: list[list[int]] = []
        for i in flagged:
            if episodes and i - episodes[-1][-1] <= 1:
                episodes[-1].append(i)
            else:
                episodes.append([i])
        for ep in episodes:
            peak = max(ep, key=lambda i: float(series[i][4]))
            lo, hi = max(0, ep[0] - _EVIDENCE_HOURS), min(len(series), ep[-1] + _EVIDENCE_HOURS + 1)
            window = series[lo:hi]
            out.append(
                Finding(
                    detection=det.id,
                    title=det.title,
                    severity=det.severity.value,
                    entity=entity,
                    start=_utc(series[ep[0]][1]),
                    end=_utc(series[ep[-1]][1]) + dt.timedelta(hours=1),
                    value=float(series[peak][2]),
                    baseline=float(series[peak][3]),
                    score=float(series[peak][4]),
                    evidence={
                        "hours": [_utc(r[1]).isoformat().replace("+00:00", "Z") for r in window],
                        "values": [float(r[2]) for r in window],
                        "baseline": [float(r[3]) for r in window],
                        "anomalous": [bool(r[5]) for r in window],
                    },
                )
            )
    return out


def run_detection(
    con: duckdb.DuckDBPyConnection, det: Detection, change_admins: tuple[str, ...] = ()
) -> list[Finding]:
    sql, params = render_sql(det, change_admins)
    rows = con.execute(sql, params).fetchall()
    logic = det.logic
    if isinstance(logic, SeriesAnomaly):
        return _series_findings(det, rows)
    if isinstance(logic, RatioBurst):
        return [
            Finding(
                det.id,
                det.title,
                det.severity.value,
                str(r[0]),
                _utc(r[1]),
                _utc(r[1]) + dt.timedelta(hours=1),
                float(r[3]),
                None,
                None,
                {"requests": int(r[2]), "hits": int(r[3])},
            )
            for r in rows
        ]
    if isinstance(logic, AlertGroup):
        return [
            Finding(
                det.id,
                det.title,
                det.severity.value,
                str(r[0]),
                _utc(r[4]),
                _utc(r[5]),
                float(r[2]),
                None,
                None,
                {
                    "day": _utc(r[1]).date().isoformat(),
                    "alert_types": list(r[3]),
                    "severities": list(r[6]),
                },
            )
            for r in rows
        ]
    assert isinstance(logic, EventMatch)
    return [
        Finding(
            det.id,
            det.title,
            det.severity.value,
            str(r[1]),
            _utc(r[0]),
            _utc(r[0]),
            1.0,
            None,
            None,
            {"operation": r[2], "resource": r[3], "ip": r[4]},
        )
        for r in rows
    ]


def analyze(
    files: Sequence[Path],
    change_admins: Sequence[str] = (),
    detections: Sequence[Detection] = DETECTIONS,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> AnalysisResult:
    """Load the exports and run the detections. DuckDB keeps within `memory_limit` and
    spills to a private temporary directory beyond it (tens of millions of rows on a
    laptop)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", memory_limit.strip(), re.IGNORECASE):
        raise InputError(f"memory limit {memory_limit!r}: give a size such as 512MB or 2GB")
    with tempfile.TemporaryDirectory(prefix="aiposture-duckdb-") as spill:
        return _analyze(files, change_admins, detections, memory_limit.strip(), spill)


def _analyze(
    files: Sequence[Path],
    change_admins: Sequence[str],
    detections: Sequence[Detection],
    memory_limit: str,
    spill: str,
) -> AnalysisResult:
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET temp_directory = " + "'" + spill.replace("'", "''") + "'")
        con.execute("SET TimeZone = 'UTC'")
        counts = load(con, files)
        findings: list[Finding] = []
        skipped: list[tuple[str, str]] = []
        for det in detections:
            why = _missing(det, counts, con)
            if why:
                skipped.append((det.id, why))
                continue
            findings.extend(run_detection(con, det, tuple(change_admins)))
    finally:
        con.close()
    findings.sort(key=lambda f: (f.start, f.detection, f.entity))
    return AnalysisResult(findings, counts, skipped)
