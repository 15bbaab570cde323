"""The HTML report's embedded data: it parses, it holds exactly the scan's findings (with their
fixes, messages and fingerprints as the other formats give them), it cannot break out of its
element, and the CSP lets only our own script run."""

from __future__ import annotations

import base64
import hashlib
import html
import io
import re
from collections import Counter
from typing import Any

import pytest

from aiposture.app import ScanResult
from aiposture.model.sanitize import multi_line
from aiposture.report.html import render_html, write_html
from aiposture.report.html.data import STATUSES, decode, untokenize
from aiposture.report.views import clean


def _data(page: str, element: str = "report-data") -> tuple[str, str, Any]:
    m = re.search(
        f'<script type="application/json" id="{element}" data-encoding="([a-z0-9-]+)">'
        r"([^<]*)</script>",
        page,
    )
    assert m is not None, f"the page embeds its {element} element"
    return m.group(1), m.group(2), decode(m.group(2).encode(), m.group(1))


def _rows(doc: dict[str, Any], detail: dict[str, Any]) -> list[dict[str, Any]]:
    s, f = doc["s"], doc["f"]
    out = []
    for i in range(doc["count"]):
        own = (s[f["id"][i]], s[f["n"][i]], s[f["g"][i]])
        out.append(
            {
                "rule": doc["rules"][f["r"][i]]["id"],
                "status": doc["statuses"][f["st"][i]],
                "severity": doc["severities"][f["sv"][i]],
                "name": s[f["n"][i]],
                "id": s[f["id"][i]],
                "message": untokenize(s[f["m"][i]], own),
                "own": own,
                "detail": detail["d"][i],
            }
        )
    return out


def _status(f: Any) -> str:
    return "SUPPRESSED" if f.suppressed else f.status.value


@pytest.mark.parametrize("compress", [None, False, True])
def test_data_holds_every_finding_once(demo_result: ScanResult, compress: bool | None) -> None:
    page = render_html(demo_result, compress=compress).decode()
    encoding, _, doc = _data(page)
    detail_encoding, _, detail = _data(page, "report-detail")
    assert encoding == detail_encoding == ("gzip-base64" if compress else "json")
    assert doc["count"] == len(demo_result.findings) == len(doc["f"]["r"]) == len(detail["d"])
    rows = _rows(doc, detail)
    got = {(r["rule"], r["id"], r["status"], r["severity"]) for r in rows}
    want = {
        (f.rule.id, clean(f.resource_id), _status(f), f.severity.value)
        for f in demo_result.findings
    }
    assert got == want
    assert Counter(r["status"] for r in rows) == Counter(_status(f) for f in demo_result.findings)
    # The summary the server renders agrees with the data the page draws.
    fails = sum(1 for f in demo_result.findings if f.is_failure)
    assert f'<span class="n">{fails}</span><span class="l">failing checks</span>' in page
    # Messages come back exactly (the finding's own id, name, group are stored as tokens).
    by_key = {(f.rule.id, clean(f.resource_id)): f for f in demo_result.findings}
    for r in rows:
        assert r["message"] == clean(by_key[(r["rule"], r["id"])].message)


def test_fixes_and_fingerprints_come_back_exactly(demo_result: ScanResult) -> None:
    page = render_html(demo_result).decode()
    _, _, doc = _data(page)
    _, _, detail = _data(page, "report-detail")
    s = detail["s"]
    by_key = {(f.rule.id, clean(f.resource_id)): f for f in demo_result.findings}
    for i, r in enumerate(_rows(doc, detail)):
        f = by_key[(r["rule"], r["id"])]
        rem_ix = r["detail"][3]
        if f.status.value in ("FAIL", "UNKNOWN"):
            forms = [untokenize(s[k], r["own"]) for k in detail["rem"][rem_ix][:5]]
            rem = f.remediation
            assert forms == [
                multi_line(rem.summary),
                multi_line(rem.az_cli),
                multi_line(rem.bicep),
                multi_line(rem.terraform),
                multi_line(rem.portal),
            ]
        else:
            assert rem_ix == -1  # PASS and N/A carry no fix
        # Failing rows (first) carry their fingerprint; the page derives the others from the
        # rule id and resource id exactly as rules.types.fingerprint does.
        if r["status"] == "FAIL" or (r["status"] == "SUPPRESSED" and f.status.value == "FAIL"):
            assert doc["f"]["fpl"][i] == f.fingerprint
        else:
            assert i >= len(doc["f"]["fpl"])
            derived = hashlib.sha256(f"{r['rule']}|{r['id'].lower()}".encode()).hexdigest()[:32]
            assert doc["f"]["fp"].get(str(i), derived) == f.fingerprint
    # A rule's fix reads the same for each resource: stored once, not once per finding.
    fixes = [r["detail"][3] for r in _rows(doc, detail) if r["detail"][3] >= 0]
    shared = len(fixes) - len(set(fixes))
    assert shared > 0 and len(detail["rem"]) < len(fixes)


def test_csp_lets_only_our_script_run(small_result: ScanResult) -> None:
    page = render_html(small_result).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    content = html.unescape(csp.group(1))  # as the browser reads the attribute
    policy = dict(p.strip().split(" ", 1) for p in content.split(";"))
    assert policy["default-src"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'sha256-{digest}'"


@pytest.mark.parametrize("compress", [False, True])
def test_hostile_data_cannot_leave_its_element(hostile_result: ScanResult, compress: bool) -> None:
    page = render_html(hostile_result, compress=compress).decode()
    _, payload, doc = _data(page)
    _, detail_payload, _ = _data(page, "report-detail")
    assert not set(payload + detail_payload) & set("<>&")
    names = {f.resource_name for f in hostile_result.findings}
    hostile = next(n for n in names if "<script>" in n)
    assert clean(hostile, 256) in doc["s"]
    # Outside the data element, the raw markup never appears (the summary escapes it).
    rest = page.replace(payload, "").replace(detail_payload, "")
    assert hostile not in rest and "<script>alert" not in rest


def test_written_piece_by_piece(demo_result: ScanResult) -> None:
    """The report is streamed: page, then the data through the compressor in chunks."""

    class Recorder(io.BytesIO):
        sizes: list[int]

        def write(self, b: Any) -> int:
            self.sizes = [*getattr(self, "sizes", []), len(b)]
            return super().write(b)

    out = Recorder()
    write_html(demo_result, out, compress=True)
    assert out.getvalue() == render_html(demo_result, compress=True)
    assert len(out.sizes) >= 4 and max(out.sizes) < len(out.getvalue())


def test_inventory_tables_match_the_bom(demo_result: ScanResult) -> None:
    from aiposture.report.html import view_model

    _, _, doc = _data(render_html(demo_result).decode())
    sections = {t["title"]: len(t["rows"]) for t in doc["tables"]["bom"]}
    assert sections == {t: len(items) for t, items in view_model(demo_result)["bom"]["sections"]}
    reach = doc["tables"]["reach"]["rows"]
    assert len(reach) == len(view_model(demo_result)["bom"]["reach"]) > 0
    assert set(STATUSES) == set(doc["statuses"])
