"""Every file aiposture writes appears whole or not at all (aiposture.atomic).

The failures are real kernel failures, not mocks: RLIMIT_FSIZE set in the child process makes
its writes fail with EFBIG part-way (CPython ignores SIGXFSZ), exactly like a disk filling up.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import io
import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from aiposture.atomic import atomic_output
from aiposture.cli.common import stream_output, write_output
from aiposture.collect.demo import demo_snapshot
from aiposture.errors import OutputError
from aiposture.model.snapshot import SnapshotWriter, load_snapshot, write_snapshot

EXE = Path(sys.executable).with_name("aiposture")
ENV = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}


def run(
    *args: str | Path, fsize: int | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [str(EXE), *map(str, args)],
        capture_output=True,
        text=True,
        env=env or ENV,
        timeout=300,
        check=False,
        preexec_fn=limit,
    )


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def assert_write_refused(proc: subprocess.CompletedProcess[str], target: Path) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1, proc.stderr
    assert str(target) in lines[0] and "EFBIG" in lines[0], lines[0]
    assert "unchanged" in lines[0], lines[0]


# ---- a failed write leaves the previous report byte-identical ------------------------------

FORMATS = ["json", "csv", "html", "sarif", "ocsf", "md", "terminal"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_report_write_keeps_previous_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    good = run("scan", "--demo", "--format", fmt, "--output", out, "-q")
    assert good.returncode == 0, good.stderr
    before = out.read_bytes()
    assert len(before) > 4096
    # The second write fails half-way: the first report must survive, whole.
    proc = run("scan", "--demo", "--format", fmt, "--output", out, "-q", fsize=len(before) // 2)
    assert out.read_bytes() == before
    assert_write_refused(proc, out)
    assert leftovers(tmp_path) == []


def test_failed_csv_is_not_left_truncated(tmp_path: Path) -> None:
    """The reported defect: 350 of 439 rows that still parse. Now: no file at all."""
    out = tmp_path / "r.csv"
    proc = run("scan", "--demo", "--format", "csv", "--output", out, "-q", fsize=100_000)
    assert proc.returncode == 2, proc.stderr
    assert "nothing was written" in proc.stderr
    assert not out.exists()
    assert leftovers(tmp_path) == []
    full = run("scan", "--demo", "--format", "csv", "--output", out, "-q")
    assert full.returncode == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) > 300


def test_failed_output_dir_keeps_every_previous_file(tmp_path: Path) -> None:
    fmts = "json,html,sarif,ocsf,csv,md,terminal"
    good = run("scan", "--demo", "--format", fmts, "--output-dir", tmp_path, "-q")
    assert good.returncode == 0, good.stderr
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert len(before) == 7
    proc = run("scan", "--demo", "--format", fmts, "--output-dir", tmp_path, "-q", fsize=50_000)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "unchanged" in proc.stderr
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("synth", "-n", "400", "--seed", "3", "-q", "--output"), "t.json.gz"),
        (("graph", "--demo", "-q", "--format", "opengraph", "--output"), "g.json"),
        (("access", "--demo", "-q", "--format", "csv", "--output"), "access.csv"),
        (("paths", "--demo", "-q", "--output"), "paths.txt"),
        (("inventory", "--demo", "-q", "--format", "cyclonedx", "--output"), "bom.json"),
        (("rules", "--format", "md", "--output"), "rules.md"),
    ],
)
def test_other_outputs_are_atomic(tmp_path: Path, args: tuple[str, ...], name: str) -> None:
    out = tmp_path / name
    good = run(*args, out)
    assert good.returncode == 0, good.stderr
    before = out.read_bytes()
    proc = run(*args, out, fsize=len(before) // 2)
    assert out.read_bytes() == before
    assert_write_refused(proc, out)
    assert leftovers(tmp_path) == []


# ---- concurrent writers never interleave ---------------------------------------------------


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Big enough that a report takes many write() calls (megabytes of JSON)."""
    path = tmp_path_factory.mktemp("tenant") / "t.json.gz"
    proc = run("synth", "-n", "1000", "--seed", "11", "-q", "--output", path)
    assert proc.returncode == 0, proc.stderr
    return path


def _parses(fmt: str, data: bytes) -> int:
    """The number of findings in a complete report; raises on a partial one."""
    if fmt == "json":
        doc = json.loads(data)
        assert len(doc["findings"]) == sum(doc["summary"]["by_status"].values())
        return len(doc["findings"])
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and all(r["rule_id"].startswith("AIP-") and r["fingerprint"] for r in rows)
    return len(rows)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_concurrent_scans_to_one_output_always_parse(
    tmp_path: Path, tenant: Path, fmt: str
) -> None:
    """Three scans write the same --output at once, three rounds, while a reader keeps
    reading it: every read, and the file left at the end, is one whole report."""
    out = tmp_path / f"r.{fmt}"
    args = [str(EXE), "scan", "--input", str(tenant), "--format", fmt, "--output", str(out), "-q"]
    assert subprocess.run(args, env=ENV, check=False, capture_output=True).returncode == 0
    expected = _parses(fmt, out.read_bytes())
    reads = 0
    for _round in range(3):
        procs = [
            subprocess.Popen(args, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(3)
        ]
        while any(p.poll() is None for p in procs):
            assert _parses(fmt, out.read_bytes()) == expected
            reads += 1
        assert [p.wait(timeout=300) for p in procs] == [0, 0, 0]
        assert _parses(fmt, out.read_bytes()) == expected
        assert leftovers(tmp_path) == []
    assert reads > 3


# ---- the writer's own API -------------------------------------------------------------------


def _fails_half_way(fh: IO[bytes]) -> None:
    fh.write(b'{"partial": ')
    raise OSError(errno.ENOSPC, "No space left on device")


def test_writer_failure_keeps_previous_and_removes_temp(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    write_output(b'{"ok": true}\n', out)
    with pytest.raises(OutputError) as err:
        stream_output(_fails_half_way, out)
    assert "ENOSPC" in str(err.value) and "unchanged" in str(err.value)
    assert out.read_bytes() == b'{"ok": true}\n'
    assert leftovers(tmp_path) == []


def test_unexpected_error_while_writing_also_discards(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with pytest.raises(KeyError), atomic_output(out) as fh:
        fh.write(b"half")
        raise KeyError("renderer bug")
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_snapshot_writer_interrupted_leaves_no_partial_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "s.json.gz"
    snap = demo_snapshot()
    write_snapshot(snap, out)
    before = out.read_bytes()
    with pytest.raises(RuntimeError), SnapshotWriter(out, snap.metadata) as writer:
        writer.add_all(snap.iter_resources())
        raise RuntimeError("collection aborted")
    assert out.read_bytes() == before
    assert load_snapshot(out).resource_count == snap.resource_count
    assert leftovers(tmp_path) == []


def test_existing_mode_kept_new_file_follows_umask_symlink_kept(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    write_output(b"1", out)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    out.chmod(0o640)
    write_output(b"2", out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    link = tmp_path / "link.json"
    link.symlink_to(out)
    write_output(b"3", link)
    assert link.is_symlink() and out.read_bytes() == b"3"


def _without_dac_override() -> None:
    """Root ignores file modes: drop CAP_DAC_OVERRIDE/READ_SEARCH for the exec'd CLI."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):
            assert libc.prctl(24, cap, 0, 0, 0) == 0  # PR_CAPBSET_DROP


def test_read_only_report_is_not_replaced(tmp_path: Path) -> None:
    """Renaming over a file needs only the directory: a read-only report would silently lose
    its protection. It stays as it is, as if written in place."""
    out = tmp_path / "r.json"
    write_output(b"keep", out)
    out.chmod(0o444)
    proc = subprocess.run(
        [str(EXE), "scan", "--demo", "--format", "json", "--output", str(out), "-q"],
        capture_output=True, text=True, env=ENV, timeout=300, check=False,
        preexec_fn=_without_dac_override,
    )  # fmt: skip
    assert out.read_bytes() == b"keep"
    assert proc.returncode == 2, proc.stderr
    assert "EACCES" in proc.stderr and "unchanged" in proc.stderr
    assert leftovers(tmp_path) == []


def test_device_target_is_written_through(tmp_path: Path) -> None:
    write_output(b"x" * 10, Path(os.devnull))  # cannot be replaced; must not be
    assert Path(os.devnull).is_char_device()
    with pytest.raises(OutputError) as err:
        write_output(b"x", tmp_path)
    assert "EISDIR" in str(err.value)


def test_fake_azure_certificates_atomic_and_key_private(tmp_path: Path) -> None:
    from aiposture.fakeazure.server import FakeAzure

    ca = FakeAzure.certificates(tmp_path / "certs")
    key = tmp_path / "certs" / "server.pem"
    assert b"PRIVATE KEY" in key.read_bytes()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert leftovers(tmp_path / "certs") == []
