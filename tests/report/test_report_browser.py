"""The HTML report in headless Chromium (Debian's package): loads offline with no console
errors, filters work, copy buttons work, hostile names run nothing. Screenshots go to
tests/artifacts/ (not committed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_tenants import hostile_tenant

from aiposture.app import ScanResult
from aiposture.model.types import Pillar, Status
from aiposture.report.html import render_html

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page with console errors, page errors, dialogs and non-local requests recorded."""

    def __init__(self, browser: Any, html: bytes, path: Path) -> None:
        path.write_bytes(html)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.remote: list[str] = []
        self.context = browser.new_context(
            viewport={"width": 1366, "height": 900},
            permissions=["clipboard-read", "clipboard-write"],
        )
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on(
            "request",
            lambda r: None if r.url.startswith(("file:", "data:")) else self.remote.append(r.url),
        )
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        # The findings are drawn from the embedded data once it is decoded.
        self.page.wait_for_function("document.documentElement.dataset.ready", timeout=30000)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visible_ids(self) -> set[str]:
        ids: list[str] = self.page.eval_on_selector_all(
            "details.finding", "els => els.filter(e => !e.hidden).map(e => e.id)"
        )
        return set(ids)

    def shown_text(self) -> str:
        return str(self.page.text_content("#shown-count"))


def _ids(findings: Any) -> set[str]:
    return {f"f-{f.fingerprint}" for f in findings}


def test_demo_report_in_browser(browser: Any, demo_result: ScanResult, tmp_path: Path) -> None:
    p = Page(browser, render_html(demo_result), tmp_path / "report.html")
    page = p.page
    page.screenshot(path=str(ARTIFACTS / "report-demo-top.png"))
    everything = _ids(demo_result.findings)
    # By default the list shows what needs attention: unsuppressed FAIL and UNKNOWN.
    attention = _ids(f for f in demo_result.findings if f.is_failure or f.status is Status.UNKNOWN)
    assert p.visible_ids() == attention
    assert p.shown_text() == f"{len(attention)} of {len(everything)} shown"
    page.select_option("#filter-status", "")
    assert p.visible_ids() == everything

    # Text filter: a rule id.
    rule_id = next(
        r.id
        for r in demo_result.rules
        if {Status.FAIL, Status.PASS}
        <= {f.status for f in demo_result.findings if f.rule.id == r.id}
    )
    page.fill("#filter-text", rule_id.lower())
    by_rule = [f for f in demo_result.findings if f.rule.id == rule_id]
    assert p.visible_ids() == _ids(by_rule)
    # ... combined with a status.
    page.select_option("#filter-status", "FAIL")
    assert p.visible_ids() == _ids(f for f in by_rule if f.is_failure)
    assert p.shown_text().startswith(f"{sum(1 for f in by_rule if f.is_failure)} of ")

    # Text filter: a resource name, words in any order.
    page.click("#filter-reset")
    target = next(f for f in demo_result.findings if f.is_failure)
    page.fill("#filter-text", target.resource_name.upper())
    visible = p.visible_ids()
    assert f"f-{target.fingerprint}" in visible
    assert visible < everything

    # Pillar and severity selects.
    page.click("#filter-reset")
    page.select_option("#filter-status", "")
    page.select_option("#filter-pillar", Pillar.IDENTITY.value)
    page.select_option("#filter-severity", "high")
    assert p.visible_ids() == _ids(
        f
        for f in demo_result.findings
        if f.rule.pillar is Pillar.IDENTITY and f.severity.value == "high"
    )
    page.select_option("#filter-status", Status.PASS.value)
    page.fill("#filter-text", "no-such-thing-anywhere")
    assert p.visible_ids() == set()
    assert page.is_visible("#no-match")

    # Open a failing finding and copy its az CLI fix.
    page.click("#filter-reset")
    page.fill("#filter-text", target.resource_name)
    page.click(f"#f-{target.fingerprint} > summary")
    button = page.locator(f"#f-{target.fingerprint} button.copy").first
    button.click()
    page.wait_for_function(
        "b => b.textContent !== 'Copy'", arg=button.element_handle(), timeout=5000
    )
    assert button.text_content() == "Copied"
    assert page.text_content(f"#f-{target.fingerprint}-1") == target.remediation.az_cli
    assert page.evaluate("navigator.clipboard.readText()") == target.remediation.az_cli
    page.locator("#findings").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "report-demo-finding.png"))

    # A top risk links to its rule's findings.
    link = page.locator("ol.risks a.rule-link").first
    linked_rule = str(link.get_attribute("data-rule"))
    link.click()
    assert p.visible_ids() == _ids(f for f in demo_result.findings if f.rule.id == linked_rule)

    # Print view: no filter bar, and every finding and path is expanded for the paper.
    page.emulate_media(media="print")
    assert not page.is_visible("#filters")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    closed = page.eval_on_selector_all("details", "els => els.filter(e => !e.open).length")
    assert closed == 0
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    assert page.eval_on_selector_all("details.finding[open]", "els => els.length") == 1
    page.emulate_media(media="screen")
    page.screenshot(path=str(ARTIFACTS / "report-demo-full.png"), full_page=True)

    assert p.errors == []
    assert p.remote == []
    assert p.dialogs == []
    p.context.close()


def test_hostile_report_runs_nothing(browser: Any, tmp_path: Path) -> None:
    result = hostile_tenant()
    p = Page(browser, render_html(result), tmp_path / "hostile.html")
    page = p.page
    page.click("#expand-all")
    page.hover("details.finding summary")
    page.screenshot(path=str(ARTIFACTS / "report-hostile.png"), full_page=True)
    assert p.dialogs == []
    assert p.errors == []
    assert p.remote == []
    # Exactly our one script element (and the inert data element); no injected images or
    # SVG handlers.
    assert page.eval_on_selector_all("script", "els => els.length") == 3
    assert page.eval_on_selector_all("script:not([type])", "els => els.length") == 1
    assert page.eval_on_selector_all('script[type="application/json"]', "e => e.length") == 2
    assert page.eval_on_selector_all("img", "els => els.length") == 0
    onload = page.eval_on_selector_all("[onload],[onerror],[onmouseover]", "e => e.length")
    assert onload == 0
    name = next(f.resource_name for f in result.findings if f.resource_type.endswith("/accounts"))
    assert name in str(page.text_content("#finding-list"))
    p.context.close()


def test_large_report_draws_a_page_at_a_time(browser: Any, tmp_path: Path) -> None:
    """2,000 synthetic resources (2,700+ findings), data compressed: the page decodes it,
    draws the first 500 rows, draws more on demand, and filters over all of them."""
    from aiposture.app import scan
    from aiposture.collect.exports import FileSource
    from aiposture.collect.synth import synth_to
    from aiposture.config import Settings
    from aiposture.report.views import clean

    snap = tmp_path / "synth.json.gz"
    synth_to(snap, 2000, 11)
    result = scan(Settings(), FileSource([snap], stream=True), graph_views=True)
    p = Page(browser, render_html(result, compress=True), tmp_path / "large.html")
    page = p.page
    attention = [f for f in result.findings if f.is_failure or f.status is Status.UNKNOWN]
    assert len(attention) > 1000
    assert len(p.visible_ids()) == 500
    assert p.visible_ids() <= _ids(attention)
    assert p.shown_text() == f"{len(attention)} of {len(result.findings)} shown"
    page.click("#show-more")
    assert len(p.visible_ids()) == 1000
    # Rule filter, over every finding; the fingerprints the page derives are the real ones.
    rule_id = "AIP-NET-001"
    page.select_option("#filter-status", "")
    page.select_option("#filter-rule", rule_id)
    by_rule = [f for f in result.findings if f.rule.id == rule_id]
    assert 0 < len(by_rule) <= 500
    assert p.visible_ids() == _ids(by_rule)
    # A PASS finding's detail is built when it is opened.
    passed = next(f for f in by_rule if f.status is Status.PASS)
    row = f"#f-{passed.fingerprint}"
    assert page.eval_on_selector(row, "d => d.querySelector('.body') === null")
    page.click(f"{row} > summary")
    assert page.text_content(f"{row} .msg") == clean(passed.message)
    page.screenshot(path=str(ARTIFACTS / "report-2k-findings.png"))
    assert p.errors == []
    p.context.close()
