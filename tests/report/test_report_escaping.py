"""Hostile names, tags and descriptions (`<script>`, quotes, HTML, Markdown, formulas, escape
sequences) come out as inert text in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from report_tenants import HOSTILE_DEPLOYMENT, HOSTILE_TAGS
from rich.console import Console

from aiposture.app import ScanResult
from aiposture.report import FILE_FORMATS
from aiposture.report.html.data import decode
from aiposture.report.terminal import render_terminal


class Elements(HTMLParser):
    """Every element and attribute the browser would build, and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.data: list[tuple[str, str]] = []  # (encoding, text) of inert JSON data elements
        self._in_script = False
        self._data_encoding: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)
        self._in_script = tag == "script"
        a = dict(attrs)
        if tag == "script" and a.get("type") == "application/json":
            self._data_encoding = a.get("data-encoding") or "json"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False
        self._data_encoding = None

    def handle_data(self, data: str) -> None:
        if self._data_encoding is not None:
            self.data.append((self._data_encoding, data))
        else:
            (self.scripts if self._in_script else self.text).append(data)


def _parse(markup: str) -> Elements:
    p = Elements()
    p.feed(markup)
    p.close()
    return p


def _hostile_name(result: ScanResult) -> str:
    names = {f.resource_name for f in result.findings if f.resource_type.endswith("/accounts")}
    assert len(names) == 1
    return names.pop()


def test_fixture_is_hostile(hostile_result: ScanResult) -> None:
    name = _hostile_name(hostile_result)
    assert "<script>" in name and '"' in name and "'" in name and "|" in name
    assert any(f.is_failure for f in hostile_result.findings)


def test_html_injects_nothing(hostile_result: ScanResult) -> None:
    page = FILE_FORMATS["html"][1]()(hostile_result).decode("utf-8")
    doc = _parse(page)
    # Ours, at the end, and the two inert data elements (application/json, never run).
    assert doc.tags.count("script") == 3
    assert len(doc.data) == 2 and len(doc.scripts) == 1
    assert "img" not in doc.tags and "b" not in doc.tags
    assert "svg" in doc.tags  # our charts
    # No event handler attributes at all (ours use addEventListener).
    assert [a for a, _ in doc.attrs if a.startswith("on")] == []
    # Our single script holds no tenant data.
    assert "alert(" not in "".join(doc.scripts)
    # The data element cannot end itself or open a comment: no "<" in it at all, and it
    # parses back (the page draws findings and inventory from it with textContent).
    strings = []
    for encoding, payload in doc.data:
        assert "<" not in payload and "&" not in payload
        strings += decode(payload.encode(), encoding)["s"]
    # ...and the hostile values are still shown, as text (the summary) or as data.
    text = "".join(doc.text) + "\n".join(strings)
    assert _hostile_name(hostile_result) in text
    assert "' onmouseover='alert(3)" in text and "<b>note</b>" in text
    assert "could not read <script>alert(5)</script> scope" in text
    assert "gpt-4o<svg onload=alert(4)>" in text
    # Terminal escapes never reach the page either.
    assert "\x1b" not in page


def test_markdown_injects_nothing(hostile_result: ScanResult) -> None:
    text = FILE_FORMATS["md"][1]()(hostile_result).decode("utf-8")
    rendered = MarkdownIt("commonmark").enable("table").render(text)
    doc = _parse(rendered)
    assert "script" not in doc.tags and "img" not in doc.tags and "svg" not in doc.tags
    assert [a for a, _ in doc.attrs if a.startswith("on")] == []
    assert "a" not in doc.tags  # the [link](...) in the name is not a link
    # No @mention in rendered text outside code blocks (where GitHub does not link them).
    prose = re.sub(r"<pre>.*?</pre>", "", rendered, flags=re.S)
    assert "".join(_parse(prose).text).count("@admin") == 0
    # Pipes in names do not add table cells: every failing-findings row has 5 cells.
    tables = rendered.split("<table>")[1:]
    findings_table = tables[-1]
    rows = findings_table.split("<tr>")[2:]
    assert rows and all(r.count("<td") == 5 for r in rows)
    # The name survives as visible text (with a zero-width space after "@").
    shown = "".join(doc.text).replace("\u200b", "")
    assert _hostile_name(hostile_result) in shown
    assert "\x1b" not in text


def test_csv_neutralises_formulas(hostile_result: ScanResult) -> None:
    text = FILE_FORMATS["csv"][1]()(hostile_result).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
            assert "\x1b" not in value
    groups = {r["resource_group"] for r in rows}
    assert all(g.startswith("'=") for g in groups)
    deployments = {r["resource_name"] for r in rows if r["rule_id"] == "AIP-MDL-001"}
    # ESC is shown as its Control Picture (visible), not replaced by U+FFFD.
    assert deployments == {"'" + HOSTILE_DEPLOYMENT.replace("\x1b", "\u241b")}


def test_json_formats_round_trip(hostile_result: ScanResult) -> None:
    name = _hostile_name(hostile_result)
    doc = json.loads(FILE_FORMATS["json"][1]()(hostile_result))
    assert name in {f["resource_name"] for f in doc["findings"]}
    sarif = json.loads(FILE_FORMATS["sarif"][1]()(hostile_result))
    fq = {r["locations"][0]["logicalLocations"][0]["name"] for r in sarif["runs"][0]["results"]}
    assert name in fq
    for r in sarif["runs"][0]["results"]:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert not set(uri) & set("<>\"' |`")
    ocsf = json.loads(FILE_FORMATS["ocsf"][1]()(hostile_result))
    labels = {lab for r in ocsf for lab in r["resources"][0]["labels"]}
    assert {f"{k}:{v}" for k, v in HOSTILE_TAGS.items()} <= labels


def test_terminal_prints_no_escape_sequences_or_markup(hostile_result: ScanResult) -> None:
    buf = io.StringIO()
    render_terminal(hostile_result, Console(file=buf, width=200, color_system=None), verbose=True)
    out = buf.getvalue()
    assert "\x1b" not in out
    assert "[bold]markup[/bold]" in out  # rich markup in a name is printed, not applied
