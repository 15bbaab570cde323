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
