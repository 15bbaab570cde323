"""The scan store on SQLite and on a real PostgreSQL: round trip, atomicity, migrations from
empty and from the previous schema version, concurrent writers."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import ACC, ST, T0, change, finding, grant, record, resource

from aiposture.cli.main import main
from aiposture.history import schema
from aiposture.history.record import ScanRecord
from aiposture.history.store import Store, resolve_url


def _rec(i: int = 0) -> ScanRecord:
    return record(
        T0 + dt.timedelta(hours=i),
        [resource(ACC, public_network_access="Enabled", tags={"a": "b"}), resource(ST)],
        [finding("AIP-NET-001", ACC, "FAIL"), finding("AIP-DAT-001", ST, "PASS", "medium")],
        [grant(ACC, "p1"), grant(ACC, "p2", "grant-access", stale="guest account")],
        [change(ACC, "properties.publicNetworkAccess", "Disabled", "Enabled")],
    )


def test_round_trip(store_url: str) -> None:
    rec = _rec()
    with Store(resolve_url(store_url)) as store:
        sid = store.save(rec)
        [meta] = store.scans()
        assert meta.id == sid and meta.tenant_id == rec.meta.tenant_id
        assert meta.scanned_at == T0
        assert meta.counts == {"status": {"FAIL": 1, "PASS": 1}, "severity": {"high": 1}}
        back = store.load(meta)
    assert {r.key: dict(r.props) for r in back.resources} == {
        r.key: dict(r.props) for r in rec.resources
    }
    key = lambda f: f.fingerprint  # noqa: E731
    assert sorted(back.findings, key=key) == sorted(rec.findings, key=key)
    assert set(back.access) == set(rec.access)
    assert back.changes == rec.changes


def test_a_failed_save_stores_nothing(store_url: str) -> None:
    rec = _rec()
    rec.resources.append(resource(ACC))  # duplicate key: fails
    with Store(resolve_url(store_url)) as store:
        with pytest.raises(sa.exc.IntegrityError):
            store.save(rec)
        assert store.scans() == []
        with store.engine.connect() as conn:
            for table in (schema.resources, schema.findings, schema.access, schema.changes):
                assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_migrations_from_empty_match_the_schema(store_url: str) -> None:
    store = Store(resolve_url(store_url), migrate=False)
    assert store.revision() is None
    store.upgrade()
    assert store.revision() == schema.SCHEMA_REVISION
    insp = sa.inspect(store.engine)
    for name, table in schema.metadata.tables.items():
        got = {c["name"] for c in insp.get_columns(name)}
        assert got == {c.name for c in table.columns}, name
    store.close()


def test_migration_from_the_previous_version_keeps_scans(store_url: str) -> None:
    url = resolve_url(store_url)
    old = Store(url, migrate=False)
    old.upgrade("0001")
    assert old.revision() == "0001"
    assert "changes" not in sa.inspect(old.engine).get_table_names()
    rec = _rec()
    rec.changes = []
    # Written with the 0001 tables only (what an older aiposture wrote).
    with old.engine.begin() as conn:
        conn.execute(
            sa.insert(schema.scans),
            {
                **{
                    c: getattr(rec.meta, c)
                    for c in (
                        "uid",
                        "tenant_id",
                        "scanned_at",
                        "source",
                        "tool_version",
                        "config_hash",
                        "resource_count",
                    )
                },
                "stored_at": T0,
                "counts": {"status": {"FAIL": 1}},
                "coverage": [],
            },
        )
    old.close()
    with Store(url) as store:
        assert store.revision() == "0002"
        [meta] = store.scans()
        assert meta.uid == rec.meta.uid
        store.save(_rec(1))  # the new table is usable
        assert len(store.load(store.scans()[-1]).changes) == 1


def _writer(url: str, n: int, out: multiprocessing.Queue) -> None:
    with Store(url) as store:  # both processes migrate the empty database at once
        out.put([store.save(_rec(i)) for i in range(n)])


def test_concurrent_writers_to_postgresql(pg_url: str) -> None:
    url = resolve_url(pg_url)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, 5, out)) for _ in range(2)]
    for p in procs:
        p.start()
    ids = [i for _ in procs for i in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(set(ids)) == 10
    with Store(url) as store:
        scans = store.scans()
        assert sorted(m.id for m in scans) == sorted(ids)
        assert all(len(store.load(m).findings) == 2 for m in scans)


def test_default_store_is_in_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'aiposture' / 'history.sqlite'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_unreachable_store_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["history", "--store", "postgresql://u:secret@127.0.0.1:1/none"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot open" in err[0] and "secret" not in err[0]


def test_scan_store_alone_uses_the_env_or_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    args = [
        "scan",
        "--demo",
        "--store",
        "-q",
        "--format",
        "json",
        "--output",
        str(tmp_path / "r.json"),
    ]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    assert (tmp_path / "xdg" / "aiposture" / "history.sqlite").is_file()
    monkeypatch.setenv("AIPOSTURE_STORE", str(tmp_path / "env.sqlite"))
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    with Store(resolve_url(str(tmp_path / "env.sqlite"))) as store:
        assert len(store.scans()) == 1
