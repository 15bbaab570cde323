"""The scan store: SQLite (default, one file in the user's data directory, or a path) or
PostgreSQL by URL (psycopg 3). The schema is migrated with Alembic when a store is opened.

A scan is written in one transaction: stored whole or not at all. Scan numbers come from the
database (an autoincrement key), so several runners may write to one PostgreSQL store at once;
the first open of an empty database migrates under an advisory lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from aiposture.errors import InputError, StoreError
from aiposture.history import schema
from aiposture.history.record import (
    AccessGrant,
    ChangeRecord,
    FindingState,
    ResourceState,
    ScanMeta,
    ScanRecord,
)
from aiposture.model.entities import PropertyChange

DEFAULT_FILE = "history.sqlite"
_CHUNK = 5000
_PG_LOCK = 0x41495053  # "AIPS": the advisory lock held while migrating


def default_url() -> str:
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('aiposture')) / DEFAULT_FILE}"


def resolve_url(value: str | None) -> str:
    """`--store` value -> SQLAlchemy URL: none or "default" is the user's data directory; a
    postgres URL gets the psycopg 3 driver; anything else without a scheme is a file path."""
    if not value or value == "default":
        return default_url()
    if value.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def redact_url(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<invalid store URL>"


class Store:
    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        try:
            parsed = sa.engine.make_url(url)
        except sa.exc.ArgumentError:
            raise InputError(
                f"--store {url!r}: not a store URL or path; pass a file path, "
                "sqlite:///PATH or postgresql://USER@HOST/DB"
            ) from None
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = sa.create_engine(parsed, future=True)
        if migrate:
            self.upgrade()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- schema ------------------------------------------------------------------------------

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def upgrade(self, target: str = "head") -> None:
        cfg = _alembic_config()
        try:
            with self.engine.begin() as conn:
                if self.is_postgres:
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, target)
        except sa.exc.OperationalError as exc:
            raise StoreError(
                f"store {redact_url(self.url)}: cannot open ({_first_line(exc)}); check the "
                "path or URL and that the database is reachable"
            ) from None

    # ---- writing -----------------------------------------------------------------------------

    def save(self, rec: ScanRecord) -> int:
        """Store one scan atomically; returns its number."""
        m = rec.meta
        with self.engine.begin() as conn:
            scan_id = conn.execute(
                schema.scans.insert().returning(schema.scans.c.id),
                {
                    "uid": m.uid,
                    "tenant_id": m.tenant_id,
                    "scanned_at": m.scanned_at.astimezone(dt.UTC),
                    "stored_at": dt.datetime.now(dt.UTC),
                    "source": m.source,
                    "tool_version": m.tool_version,
                    "config_hash": m.config_hash,
                    "resource_count": m.resource_count,
                    "counts": dict(m.counts),
                    "coverage": list(m.coverage),
                },
            ).scalar_one()
            _insert(
                conn,
                schema.resources,
                (
                    {
                        "scan_id": scan_id,
                        "key": r.key,
                        "resource_id": r.resource_id,
                        "type": r.type,
                        "name": r.name,
                        "props": dict(r.props),
                    }
                    for r in rec.resources
                ),
            )
            _insert(
                conn,
                schema.findings,
                (
                    {
                        "scan_id": scan_id,
                        "fingerprint": f.fingerprint,
                        "rule_id": f.rule_id,
                        "resource_key": f.resource_key,
                        "resource_name": f.resource_name,
                        "title": f.title,
                        "status": f.status,
                        "severity": f.severity,
                        "suppressed": f.suppressed,
                        "evidence": [list(e) for e in f.evidence],
                        "missing": list(f.missing),
                    }
                    for f in rec.findings
                ),
            )
            _insert(conn, schema.access, ({"scan_id": scan_id, **_fields(g)} for g in rec.access))
            _insert(
                conn,
                schema.changes,
                (
                    {
                        "scan_id": scan_id,
                        "change_id": c.change_id,
                        "target_key": c.target_key,
                        "target_type": c.target_type,
                        "change_type": c.change_type,
                        "timestamp": c.timestamp,
                        "changed_by": c.changed_by,
                        "client_type": c.client_type,
                        "operation": c.operation,
                        "origin": c.origin,
                        "properties": [
                            {"path": p.path, "before": p.before, "after": p.after}
                            for p in c.properties
                        ],
                    }
                    for c in rec.changes
                ),
            )
        return int(scan_id)

    # ---- reading -----------------------------------------------------------------------------

    def scans(
        self,
        tenant: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[ScanMeta]:
        t = schema.scans
        q = sa.select(t).order_by(t.c.scanned_at, t.c.id)
        if tenant:
            q = q.where(t.c.tenant_id == tenant.lower())
        if since is not None:
            q = q.where(t.c.scanned_at >= since.astimezone(dt.UTC))
        if until is not None:
            q = q.where(t.c.scanned_at <= until.astimezone(dt.UTC))
        with self.engine.connect() as conn:
            return [_meta(row) for row in conn.execute(q).mappings()]

    def scan(self, ref: str | int) -> ScanMeta:
        """A scan by number or uid; InputError when there is none."""
        t = schema.scans
        key = str(ref).lstrip("#")
        cond = t.c.id == int(key) if key.isdigit() else t.c.uid == key
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(cond)).mappings().first()
        if row is None:
            raise InputError(
                f"scan {ref}: not in the store {redact_url(self.url)}; "
                "`aiposture history` lists the stored scans"
            )
        return _meta(row)

    def latest(self, count: int, tenant: str | None = None) -> list[ScanMeta]:
        """The `count` latest scans (oldest first), of `tenant` or of the latest scan's tenant."""
        t = schema.scans
        with self.engine.connect() as conn:
            if tenant is None:
                tenant = conn.execute(
                    sa.select(t.c.tenant_id).order_by(t.c.scanned_at.desc(), t.c.id.desc())
                ).scalar()
            if tenant is None:
                return []
            rows = conn.execute(
                sa.select(t)
                .where(t.c.tenant_id == tenant.lower())
                .order_by(t.c.scanned_at.desc(), t.c.id.desc())
                .limit(count)
            ).mappings()
            return [_meta(r) for r in reversed(list(rows))]

    def load(self, meta: ScanMeta) -> ScanRecord:
        sid = meta.id
        with self.engine.connect() as conn:
            res = [
                ResourceState(r.key, r.resource_id, r.type, r.name, r.props or {})
                for r in conn.execute(
                    sa.select(schema.resources).where(schema.resources.c.scan_id == sid)
                )
            ]
            fnd = [
                FindingState(
                    r.fingerprint,
                    r.rule_id,
                    r.resource_key,
                    r.resource_name,
                    r.title,
                    r.status,
                    r.severity,
                    bool(r.suppressed),
                    tuple((e[0], e[1]) for e in r.evidence or []),
                    tuple(r.missing or []),
                )
                for r in conn.execute(
                    sa.select(schema.findings).where(schema.findings.c.scan_id == sid)
                )
            ]
            acc = self._access(conn, sid)
            chg = [
                ChangeRecord(
                    r.change_id,
                    r.target_key,
                    r.target_type,
                    r.change_type,
                    r.timestamp,
                    r.changed_by,
                    r.client_type,
                    r.operation,
                    r.origin,
                    tuple(
                        PropertyChange(p["path"], p.get("before"), p.get("after"))
                        for p in r.properties or []
                    ),
                )
                for r in conn.execute(
                    sa.select(schema.changes).where(schema.changes.c.scan_id == sid)
                )
            ]
        return ScanRecord(meta, res, fnd, acc, chg)

    def access(self, meta: ScanMeta) -> list[AccessGrant]:
        with self.engine.connect() as conn:
            return self._access(conn, meta.id)

    def _access(self, conn: sa.Connection, sid: int | None) -> list[AccessGrant]:
        cols = [c.name for c in schema.access.columns if c.name != "scan_id"]
        return [
            AccessGrant(**{c: getattr(r, c) for c in cols})
            for r in conn.execute(sa.select(schema.access).where(schema.access.c.scan_id == sid))
        ]

    def timeline(
        self, rule: str | None = None, resource: str | None = None, tenant: str | None = None
    ) -> list[tuple[ScanMeta, FindingState]]:
        """Per scan, the findings of a rule and/or resource (name or id), oldest first."""
        s, f = schema.scans, schema.findings
        q = sa.select(s, f).join(f, f.c.scan_id == s.c.id).order_by(s.c.scanned_at, s.c.id)
        if rule:
            q = q.where(f.c.rule_id == rule.upper())
        if resource:
            low = resource.lower()
            q = q.where(sa.or_(f.c.resource_key == low, sa.func.lower(f.c.resource_name) == low))
        if tenant:
            q = q.where(s.c.tenant_id == tenant.lower())
        out = []
        with self.engine.connect() as conn:
            for row in conn.execute(q).mappings():
                state = FindingState(
                    row["fingerprint"],
                    row["rule_id"],
                    row["resource_key"],
                    row["resource_name"],
                    row["title"],
                    row["status"],
                    row["severity"],
                    bool(row["suppressed"]),
                )
                out.append((_meta(row), state))
        return out


def _fields(g: AccessGrant) -> dict[str, Any]:
    return {name: getattr(g, name) for name in g.__slots__}


def _insert(conn: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    for chunk in _chunks(rows, _CHUNK):
        conn.execute(table.insert(), chunk)


def _chunks(rows: Iterable[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    buf: list[dict[str, Any]] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def _meta(row: Any) -> ScanMeta:
    when = row["scanned_at"]
    if when.tzinfo is None:  # SQLite keeps no offset: stored values are UTC
        when = when.replace(tzinfo=dt.UTC)
    return ScanMeta(
        uid=row["uid"],
        tenant_id=row["tenant_id"],
        scanned_at=when,
        source=row["source"],
        tool_version=row["tool_version"],
        config_hash=row["config_hash"],
        resource_count=row["resource_count"],
        counts=row["counts"] or {},
        coverage=row["coverage"] or [],
        id=row["id"],
    )


def _alembic_config() -> Config:
    cfg = Config()
    where = importlib_resources.files("aiposture.history") / "migrations"
    cfg.set_main_option("script_location", str(where))
    return cfg


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def tables() -> Sequence[str]:
    return sorted(schema.metadata.tables)
