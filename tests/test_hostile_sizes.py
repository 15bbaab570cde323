"""Display limits: a 5 MiB resource name (and tag, and location) renders in every report format
with an output of bounded size (it used to give a 1.6 GB JSON report at 20 MiB, and minutes of
terminal layout at 1 MiB); the shown name is cut with its original length noted."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from rich.console import Console

sys.path.insert(0, str(Path(__file__).parent / "report"))

from report_tenants import SUB_A, account, result_for, small_coverage, snapshot

from aiposture.app import ScanResult
from aiposture.report import FILE_FORMATS
from aiposture.report.terminal import render_terminal

HUGE = 5 << 20  # characters
BOUND = 2 << 20  # bytes any one report may take for this one-account tenant


@pytest.fixture(scope="module")
def huge_result() -> ScanResult:
    name = "n" * HUGE
    acc = account(
        SUB_A, "rg-big", name, {"publicNetworkAccess": "Enabled"}, tags={"t" * HUGE: "v" * HUGE}
    )
    acc["location"] = "l" * HUGE
    return result_for(snapshot([acc], small_coverage()[:3]))


@pytest.mark.parametrize("fmt", sorted(FILE_FORMATS))
def test_file_formats_are_bounded(huge_result: ScanResult, fmt: str) -> None:
    out = FILE_FORMATS[fmt][1]()(huge_result)
    assert len(out) < BOUND, (fmt, len(out))
    text = out.decode("utf-8")
    assert "5,242,880 chars" in text  # the cut is stated, not silent
    if fmt == "json":
        doc = json.loads(text)
        names = {f["resource_name"] for f in doc["findings"]}
        assert len(names) == 1 and len(names.pop()) < 300


def test_terminal_is_bounded(huge_result: ScanResult) -> None:
    buf = io.StringIO()
    render_terminal(huge_result, Console(file=buf, width=100, color_system=None), verbose=True)
    out = buf.getvalue()
    assert len(out.encode("utf-8")) < BOUND
    assert "5,242,880 chars" in out
