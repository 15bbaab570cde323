"""An SVG plot per anomaly (pygal): the hourly series, its baseline and the flagged hours."""

from __future__ import annotations

import base64

import pygal
from pygal.style import Style

from aiposture.detect.analyze import Finding

_STYLE = Style(colors=("#1f6feb", "#8b949e", "#d1242f"), background="white")


def finding_svg(finding: Finding) -> str | None:
    """The plot of a series finding's evidence window; None for the other detections.

    Only numbers and hours go into the chart (no entity names): the SVG carries no
    tenant-controlled text."""
    ev = finding.evidence
    if "values" not in ev:
        return None
    chart = pygal.Line(
        js=[],  # no script fetched from the internet
        disable_xml_declaration=True,
        width=900,
        height=320,
        style=_STYLE,
        show_x_labels=True,
        x_labels_major_every=24,
        show_minor_x_labels=False,
        x_label_rotation=20,
        dots_size=2,
        title=f"{finding.detection} from {finding.start:%Y-%m-%d %H:%M} UTC",
    )
    chart.x_labels = [h[5:13].replace("T", " ") + "h" for h in ev["hours"]]
    chart.add("value per hour", ev["values"])
    chart.add("baseline (hour of week)", ev["baseline"])
    chart.add(
        "anomalous",
        [v if a else None for v, a in zip(ev["values"], ev["anomalous"], strict=True)],
        stroke=False,
        dots_size=5,
    )
    svg: str = chart.render(is_unicode=True)
    return svg


def svg_data_uri(svg: str) -> str:
    """For <img src>: an image runs no script, whatever the SVG holds."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
