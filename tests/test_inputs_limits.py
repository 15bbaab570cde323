"""Hostile or odd input files: encodings, non-regular files, bombs, depth, size, baselines."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiposture.collect.exports import FileSource
from aiposture.errors import ConfigError, InputError
from aiposture.model.snapshot import InputLimits, Metadata, Snapshot, load_snapshot, write_snapshot
from aiposture.report.baseline import load_baseline

ACC = (
    "/subscriptions/66666666-6666-6666-6666-666666666666/resourceGroups/rg/providers/"
    "Microsoft.CognitiveServices/accounts/oai"
)
ROW = {"id": ACC, "type": "Microsoft.CognitiveServices/accounts", "name": "oai"}


def names(*paths: Path) -> list[str]:
    return [r["name"] for r in FileSource(list(paths)).load().iter_resources()]


def one_line_error(exc: pytest.ExceptionInfo[InputError], path: Path, needle: str) -> None:
    msg = str(exc.value)
    assert msg.startswith(str(path)), msg
    assert needle in msg, msg
    assert "\n" not in msg


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "aiposture", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


# ---- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: t.encode("utf-16"), id="utf-16-bom"),  # PowerShell Out-File
        pytest.param(lambda t: b"\xfe\xff" + t.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(lambda t: t.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda t: gzip.compress(t.encode("utf-16")), id="gzip-utf-16"),
    ],
)
def test_bom_and_utf16_are_read(tmp_path: Path, encode: Any) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(encode(json.dumps({"value": [{**ROW, "tags": {"owner": "Zoë"}}]})))
    (row,) = FileSource([path]).load().iter_resources()
    assert row["tags"] == {"owner": "Zoë"}


def test_broken_utf16_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe" + b"[\x00" + b"\x00\xd8")  # a lone surrogate
    with pytest.raises(InputError) as exc:
        names(path)
    one_line_error(exc, path, "looks like UTF-16")


# ---- only regular files ---------------------------------------------------------------------


def test_fifo_and_devices_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as exc:
        names(fifo)  # would block forever if opened
    one_line_error(exc, fifo, "not a regular file")
    with pytest.raises(InputError) as exc:
        names(Path("/dev/zero"))  # would never end if read
    one_line_error(exc, Path("/dev/zero"), "not a regular file")


def test_directory_skips_broken_links_and_fifos_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps([ROW]), encoding="utf-8")
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    os.mkfifo(tmp_path / "pipe.json")
    snap = FileSource([tmp_path]).load()
    assert [r["name"] for r in snap.iter_resources()] == ["oai"]
    assert sorted(w.split(":", 1)[0] for w in snap.warnings) == [
        str(tmp_path / "gone.json"),
        str(tmp_path / "pipe.json"),
    ]
    with pytest.raises(InputError, match="--strict"):
        FileSource([tmp_path], strict=True).load()
    # Given directly, a broken link is an error.
    with pytest.raises(InputError) as exc:
        names(tmp_path / "gone.json")
    one_line_error(exc, tmp_path / "gone.json", "broken symbolic link")


# ---- size, decompression, depth -------------------------------------------------------------


def test_gzip_bomb_is_refused_by_ratio(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(b"[" + b" " * (80 << 20) + b"]", compresslevel=9))
    with pytest.raises(InputError) as exc:
        names(path)
    one_line_error(exc, path, "gzip expands more than 100x")


def test_decompressed_and_input_size_limits_are_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.json.gz"
    path.write_bytes(gzip.compress(json.dumps([ROW] * 200).encode()))
    assert len(names(path)) == 1
    monkeypatch.setenv("AIPOSTURE_MAX_DECOMPRESSED_BYTES", "1000")
    with pytest.raises(InputError) as exc:
        names(path)
    one_line_error(exc, path, "AIPOSTURE_MAX_DECOMPRESSED_BYTES")
    monkeypatch.setenv("AIPOSTURE_MAX_DECOMPRESSED_BYTES", "0")  # 0 = no limit
    monkeypatch.setenv("AIPOSTURE_MAX_INPUT_BYTES", "100")
    with pytest.raises(InputError) as exc:
        names(path)
    one_line_error(exc, path, "AIPOSTURE_MAX_INPUT_BYTES")
    monkeypatch.setenv("AIPOSTURE_MAX_INPUT_BYTES", "lots")
    with pytest.raises(ConfigError, match="AIPOSTURE_MAX_INPUT_BYTES"):
        names(path)


def test_streamed_snapshot_is_bounded_too(tmp_path: Path) -> None:
    path = tmp_path / "snap.json.gz"
    write_snapshot(Snapshot(metadata=Metadata(source="test"), resources=[ROW] * 2000), path)
    limits = InputLimits(max_decompressed_bytes=10_000)
    from aiposture.model import snapshot as snapshot_mod

    with path.open("rb") as raw, pytest.raises(InputError, match="decompresses to more than"):
        list(snapshot_mod._lines(raw, limits))


def test_deep_nesting_is_one_line_not_a_recursion_error(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    path = tmp_path / "deep.json"
    path.write_text(f'[{{"id": "{ACC}", "type": "x/y", "properties": {deep}}}]', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        names(path)
    one_line_error(exc, path, "nested too deeply")
    for args in (["scan", "--input", str(path)], ["graph", "--input", str(path)]):
        proc = cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "nested too deeply" in proc.stderr


def test_deep_snapshot_resources_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    deep = "[" * 5000 + "]" * 5000
    path.write_text(
        '{"format":"aiposture-snapshot","schema_version":"1.0",\n"metadata":{},\n'
        f'"resources":[\n{{"id":"{ACC}","type":"x/y","p":{deep}}}\n],\n"graph":{{}},'
        '\n"coverage":[]}\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="nested too deeply"):
        list(FileSource([path], stream=True).load().iter_resources())
    with pytest.raises(InputError, match="nested too deeply"):
        list(load_snapshot(path).iter_resources())


# ---- messages and baselines -----------------------------------------------------------------


def test_shape_error_shows_single_braces(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('"text"', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        names(path)
    assert '({"value": [...]})' in str(exc.value) and "{{" not in str(exc.value)


def test_baseline_gzip_accepted_and_bare_findings_refused(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    proc = cli("scan", "--demo", "-q", "--format", "json", "--output", str(report))
    assert proc.returncode == 0, proc.stderr
    gz = tmp_path / "r.json.gz"
    gz.write_bytes(gzip.compress(report.read_bytes()))
    assert load_baseline(gz).findings == load_baseline(report).findings
    bare = tmp_path / "bare.json"
    bare.write_text('{"findings": []}', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_baseline(bare)
    one_line_error(exc, bare, "not an aiposture JSON report")
    proc = cli("scan", "--demo", "-q", "--baseline", str(bare))
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
