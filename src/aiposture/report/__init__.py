"""Reports: each format renders a ScanResult to bytes. RENDERERS maps format names to them."""

from __future__ import annotations

from collections.abc import Callable

from aiposture.app import ScanResult

Renderer = Callable[[ScanResult], bytes]

# Formats written to a file or stdout. The terminal report prints through rich instead.
FILE_FORMATS: dict[str, tuple[str, Callable[[], Renderer]]] = {}


def register(
    name: str, extension: str
) -> Callable[[Callable[[], Renderer]], Callable[[], Renderer]]:
    def deco(factory: Callable[[], Renderer]) -> Callable[[], Renderer]:
        FILE_FORMATS[name] = (extension, factory)
        return factory

    return deco


@register("json", "json")
def _json() -> Renderer:
    from aiposture.report.json import render_json

    return render_json


@register("html", "html")
def _html() -> Renderer:
    from aiposture.report.html import render_html

    return render_html


@register("sarif", "sarif")
def _sarif() -> Renderer:
    from aiposture.report.sarif import render_sarif

    return render_sarif


@register("ocsf", "ocsf.json")
def _ocsf() -> Renderer:
    from aiposture.report.ocsf import render_ocsf

    return render_ocsf


@register("csv", "csv")
def _csv() -> Renderer:
    from aiposture.report.csv_report import render_csv

    return render_csv


@register("md", "md")
def _md() -> Renderer:
    from aiposture.report.markdown import render_markdown

    return render_markdown
