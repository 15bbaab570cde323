"""Fixtures: the small fixed tenant (goldens) and the hostile one (escaping)."""

from __future__ import annotations

import pytest
from report_tenants import hostile_tenant, result_for, small_coverage, small_rows, snapshot

from aiposture.app import ScanResult


@pytest.fixture()
def small_result() -> ScanResult:
    return result_for(snapshot(small_rows(), small_coverage()))


@pytest.fixture()
def hostile_result() -> ScanResult:
    return hostile_tenant()
