"""History store benchmark: store a scan of a synthetic tenant and diff two stored scans, on
SQLite and on PostgreSQL (time and peak memory).

    .venv/bin/python bench/bench_history.py --resources 100000
    .venv/bin/python bench/bench_history.py --resources 100000 --postgres postgresql://...

Without --postgres a throwaway PostgreSQL cluster is started (initdb/pg_ctl in a temporary
directory on a free loopback port, as the tests do) when the server binaries are installed.

Steps (each timed; then repeated under tracemalloc for the peak of Python allocations):
* record: the ScanRecord of the scan (flattened properties, findings, access review);
* save: one transaction writing the scan;
* diff: load the two latest scans of the tenant from the store and diff them (the second scan
  is the first with 1 % of resources' settings changed and 1 % of findings regressed).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from aiposture.app import scan
from aiposture.collect.exports import FileSource
from aiposture.collect.synth import synth_to
from aiposture.config import Settings
from aiposture.history.diff import diff
from aiposture.history.record import ResourceState, ScanRecord, from_result
from aiposture.history.store import Store, resolve_url


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _second(rec: ScanRecord) -> ScanRecord:
    """The next day: 1 % of resources with a changed setting, 1 % of passing findings failing."""
    res = [
        ResourceState(r.key, r.resource_id, r.type, r.name, {**r.props, "location": "moved"})
        if i % 100 == 0
        else r
        for i, r in enumerate(rec.resources)
    ]
    fnd = [
        dataclasses.replace(f, status="FAIL") if f.status == "PASS" and i % 100 == 0 else f
        for i, f in enumerate(rec.findings)
    ]
    meta = dataclasses.replace(
        rec.meta,
        uid=rec.meta.uid[:-4] + "beef",
        scanned_at=rec.meta.scanned_at + dt.timedelta(days=1),
    )
    return ScanRecord(meta, res, fnd, rec.access, rec.changes)


def _bench_store(url: str, rec: ScanRecord, rec2: ScanRecord) -> dict[str, float]:
    out: dict[str, float] = {}
    with Store(url) as store:
        out["save"], _ = _timed(lambda: store.save(rec))
        store.save(rec2)

        def load_and_diff() -> Any:
            a, b = store.latest(2, rec.meta.tenant_id)
            return diff(store.load(a), store.load(b))

        out["diff"], d = _timed(load_and_diff)
        out["regressed"] = len(d.of("regressed"))
        out["settings"] = len(d.settings)
        out["save_peak"] = _peak(
            lambda: store.save(
                dataclasses.replace(rec, meta=dataclasses.replace(rec.meta, uid="x" * 36))
            )
        )
        out["diff_peak"] = _peak(load_and_diff)
    return out


@contextlib.contextmanager
def _throwaway_postgres() -> Iterator[str | None]:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not bins:
        yield None
        return
    bin_dir = Path(bins[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="aiposture-pg-bench-"))
    root.chmod(0o755)
    run_as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(root, "nobody", "nogroup")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = root / "data"
    try:
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE bench")
        yield f"postgresql://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def _stop_on_sigterm() -> None:
    """SIGTERM (a `timeout`) unwinds like Ctrl-C, so the throwaway server is stopped."""
    import signal

    def stop(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--postgres", help="PostgreSQL URL (an empty database)")
    ap.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="stores to run"
    )
    args = ap.parse_args(argv)
    _stop_on_sigterm()
    with tempfile.TemporaryDirectory() as tmp:
        snap = Path(tmp) / "synth.json.gz"
        synth_to(snap, args.resources, args.seed)
        t_scan, result = _timed(
            lambda: scan(
                Settings(),
                FileSource([snap], stream=True),
                now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
            )
        )
        t_rec, rec = _timed(partial(from_result, result))
        rec_peak = _peak(partial(from_result, result))
        result = None  # the inventory can go: the record is what is stored
        rec2 = _second(rec)
        print(
            f"{args.resources:,} resources: scan {t_scan:.1f} s; record {t_rec:.2f} s "
            f"(peak {rec_peak / 2**20:.0f} MiB traced); {len(rec.resources):,} resources, "
            f"{len(rec.findings):,} findings, {len(rec.access):,} access rows, "
            f"{len(rec.changes):,} change records"
        )
        print()
        print(
            "| store | save (1 scan) | save peak | load 2 + diff | diff peak | regressed "
            "| settings changed |"
        )
        print("|---|---|---|---|---|---|---|")
        backends: list[tuple[str, str | None]] = []
        if args.backend != "postgresql":
            backends.append(("SQLite", f"sqlite:///{tmp}/h.sqlite"))
        with contextlib.ExitStack() as stack:
            if args.backend != "sqlite":
                pg = args.postgres or stack.enter_context(_throwaway_postgres())
                backends.append(("PostgreSQL", resolve_url(pg) if pg else None))
            for name, url in backends:
                if url is None:
                    print(f"| {name} | (no server) | | | | | |")
                    continue
                r = _bench_store(url, rec, rec2)
                print(
                    f"| {name} | {r['save']:.1f} s | {r['save_peak'] / 2**20:.0f} MiB | "
                    f"{r['diff']:.1f} s | {r['diff_peak'] / 2**20:.0f} MiB | "
                    f"{int(r['regressed']):,} | {int(r['settings']):,} |"
                )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\nprocess peak RSS (scan included): {rss:.2f} GiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
