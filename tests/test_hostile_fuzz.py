"""Bounded fuzzing of the report writers: random hostile names, tags and locations render in
every format without an exception, and human-readable formats carry no raw control, bidi or
forged-command text."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent / "report"))

from report_tenants import (
    SUB_A,
    account,
    deployment,
    result_for,
    small_coverage,
    snapshot,
)

from aiposture.report import FILE_FORMATS
from aiposture.report.terminal import render_terminal

# Pieces an attacker would use, mixed with arbitrary text.
PIECES = st.sampled_from(
    [
        "\x1b[31m",
        "\x1b]8;;http://e/\x07",
        "\x1b[2J",
        "\x9b",
        "\x85",
        "\n::error::",
        "\r",
        "\u202e",
        "\u2066",
        "\u200f",
        "[bold]",
        "[/]",
        "=cmd|' /C calc'!A0",
        "<script>",
        "](javascript:x)",
        "|",
        "`",
        "@",
        "AccountKey=FUZZSECRET",
        "&sig=FUZZSECRET",
        "\ud800",
        "\x00",
    ]
)
HOSTILE = st.lists(st.one_of(PIECES, st.text(max_size=12)), min_size=1, max_size=8).map("".join)
# Characters no human-readable output may contain raw (newline and tab are layout there).
FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {
    chr(c) for c in range(0x7F, 0xA0)
}
FORBIDDEN |= set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def _check_human(text: str, fmt: str) -> None:
    text = text.replace("\r\n", "\n") if fmt == "csv" else text
    bad = sorted({repr(c) for c in text if c in FORBIDDEN})
    assert bad == [], (fmt, bad)
    assert "FUZZSECRET" not in text, fmt
    forged = [ln for ln in text.splitlines() if ln.strip().startswith("::")]
    assert forged == [], (fmt, forged[:2])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(name=HOSTILE, tag=HOSTILE, location=HOSTILE, dep=HOSTILE)
def test_report_writers_survive_hostile_text(name: str, tag: str, location: str, dep: str) -> None:
    # Azure names cannot hold "/" (it separates id segments). Lone surrogates cannot reach an
    # id either (the JSON decoders reject them; rule fingerprints hash the id as UTF-8), so
    # they are fuzzed in tags and locations only.
    name = name.replace("/", "").replace("\ud800", "") or "x"
    dep = dep.replace("/", "").replace("\ud800", "") or "d"
    acc = account(SUB_A, "rg", name, {"publicNetworkAccess": "Enabled"}, tags={tag: tag})
    acc["location"] = location
    rows = [acc, deployment(acc, dep, "gpt-4o", "Microsoft.Nil")]
    result = result_for(snapshot(rows, small_coverage()[:3]))
    for fmt, (_ext, factory) in FILE_FORMATS.items():
        text = factory()(result).decode("utf-8")
        if fmt in ("json", "sarif", "ocsf"):
            json.loads(text)
            assert "FUZZSECRET" not in text, fmt
        else:
            _check_human(text, fmt)
    buf = io.StringIO()
    render_terminal(result, Console(file=buf, width=100, color_system=None), verbose=True)
    _check_human(buf.getvalue(), "terminal")
