"""Every command and format through the real CLI on a hostile tenant (tests/hostile_tenant.py):
no raw escape, control or bidi character, forged line, applied markup or formula reaches a
human-readable output, and no seeded secret reaches any output at all (JSON included)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from aiposture.cli.main import main
from hostile_tenant import (
    FORMULA,
    HOSTILE_NAME,
    RAW_SEQUENCES,
    SECRETS,
    hostile_snapshot_doc,
)

HUMAN = ("terminal", "html", "md", "csv")
MACHINE = ("json", "sarif", "ocsf")


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.fixture(scope="module")
def snapshot_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "hostile.json"
    path.write_text(json.dumps(hostile_snapshot_doc()), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")


def assert_no_secret(text: str, where: str) -> None:
    leaked = [k for k, v in SECRETS.items() if v in text or json.dumps(v)[1:-1] in text]
    assert leaked == [], f"{where}: secrets survived: {leaked}"


def assert_human_safe(text: str, where: str) -> None:
    assert_no_secret(text, where)
    text = text.replace("\r\n", "\n")  # CSV line ends (RFC 4180) are ours
    raw = [repr(s) for s in RAW_SEQUENCES if s in text]
    assert raw == [], f"{where}: raw sequences survived: {raw}"
    # No line can be read as a GitHub Actions workflow command.
    forged = [line for line in text.splitlines() if line.lstrip(" │|").startswith("::")]
    assert forged == [], f"{where}: forged lines: {forged[:3]}"


def _scan_outputs(
    capsys: pytest.CaptureFixture[str], snapshot_file: Path, out_dir: Path
) -> Iterator[tuple[str, str]]:
    code, out, err = run(
        capsys,
        "scan",
        "--input",
        snapshot_file,
        "--format",
        ",".join(("terminal", *HUMAN[1:], *MACHINE)),
        "--output-dir",
        out_dir,
        "-q",
    )
    assert code == 0, err
    for path in sorted(out_dir.iterdir()):
        yield path.name, path.read_text(encoding="utf-8-sig")
    code, out, err = run(capsys, "scan", "--input", snapshot_file, "-q", "--verbose")
    assert code == 0, err
    yield "scan terminal stdout", out + err


def test_scan_every_format(
    capsys: pytest.CaptureFixture[str], snapshot_file: Path, tmp_path: Path
) -> None:
    outputs = dict(_scan_outputs(capsys, snapshot_file, tmp_path))
    assert set(outputs) == {
        "report.txt",
        "aiposture-report.html",
        "aiposture-report.md",
        "aiposture-report.csv",
        "aiposture-report.json",
        "aiposture-report.sarif",
        "aiposture-report.ocsf.json",
        "scan terminal stdout",
    }
    for name, text in outputs.items():
        if name.endswith((".json", ".sarif")):
            assert_no_secret(text, name)
        else:
            assert_human_safe(text, name)

    # The hostile account was assessed and is shown (visibly neutralised), not dropped.
    report = json.loads(outputs["aiposture-report.json"])
    hostile = [f for f in report["findings"] if f["resource_name"].startswith("=cmd")]
    assert {(f["rule_id"], f["status"]) for f in hostile} >= {
        ("AIP-NET-001", "FAIL"),
        ("AIP-IDN-001", "FAIL"),
    }
    # JSON keeps the name as data (escaped by the encoder) but without its secrets.
    assert hostile[0]["resource_name"] == HOSTILE_NAME
    assert report["redactions"]["report"] > 0
    # Rich markup in a name is printed, not applied; escapes are shown, not run.
    terminal = outputs["scan terminal stdout"]
    assert "[bold]BOLD[/bold]" in terminal and "\u241b[31mRED" in terminal
    assert "secret value(s) redacted" in terminal
    # SARIF message texts hold no control characters at all.
    sarif = json.loads(outputs["aiposture-report.sarif"])
    for res in sarif["runs"][0]["results"]:
        assert not any(ch in res["message"]["text"] for ch in (*RAW_SEQUENCES, "\n"))
    # Every CSV cell is formula-safe.
    rows = list(csv.reader(io.StringIO(outputs["aiposture-report.csv"])))
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    assert any(cell.startswith("'=cmd") for r in rows for cell in r)
    # Markdown: the link syntax is escaped (or inert in code and HTML blocks): no link, no HTML.
    rendered = MarkdownIt("commonmark").enable("table").render(outputs["aiposture-report.md"])
    assert "<a " not in rendered  # "](javascript:...)" stays text
    assert "<script>" not in rendered
    assert "<script>alert" not in outputs["aiposture-report.html"]
    assert "redacted" in outputs["aiposture-report.html"]


@pytest.mark.parametrize(
    ("argv", "human"),
    [
        (("inventory",), True),
        (("inventory", "--format", "json"), False),
        (("inventory", "--format", "cyclonedx"), False),
        (("paths",), True),
        (("paths", "--format", "json"), False),
        (("access",), True),
        (("access", "--format", "csv"), True),
        (("access", "--format", "json"), False),
        (("graph",), False),
        (("graph", "--format", "graphml"), False),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_graph_commands(
    capsys: pytest.CaptureFixture[str],
    snapshot_file: Path,
    tmp_path: Path,
    argv: tuple[str, ...],
    human: bool,
) -> None:
    target = tmp_path / "out"
    code, _out, err = run(capsys, *argv, "--input", snapshot_file, "--output", target, "-q")
    assert code == 0, err
    written = target.read_text(encoding="utf-8")
    code, stdout, err2 = run(capsys, *argv, "--input", snapshot_file, "-q")
    assert code == 0, err2
    for where, text in ((f"{argv} file", written), (f"{argv} stdout", stdout + err + err2)):
        assert text.strip(), where
        if human:
            assert_human_safe(text, where)
        else:
            assert_no_secret(text, where)
    if argv == ("access", "--format", "csv"):
        rows = list(csv.reader(io.StringIO(written)))
        names = {r[2] for r in rows[1:]}
        assert any(n.startswith("'" + FORMULA) for n in names), names
        assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for c in r)
    if argv == ("paths", "--format", "json"):
        # The hostile account is reached by a path, and its name is shown as data.
        targets = {p["target"]["name"] for g in json.loads(written)["groups"] for p in g["paths"]}
        assert HOSTILE_NAME in targets
