"""Resource Graph `resourcechanges` on the live path: the collector asks the table once per
subscription batch (read-only), the fake Azure serves the demo's change records, they become
change records (not resources) and `scan --live --store` keeps them for `diff`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from live_helpers import collect
from test_live_cli import _endpoints

from aiposture.cli.main import _register, cli
from aiposture.fakeazure.server import FakeAzure
from aiposture.history.store import Store, resolve_url
from aiposture.model.inventory import CoverageIndex
from aiposture.model.normalize import normalize
from aiposture.model.snapshot import Snapshot
from aiposture.model.types import CoverageStatus


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, clean_fake: FakeAzure) -> CliRunner:
    _register()
    monkeypatch.setenv("AZURE_TENANT_ID", clean_fake.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c2")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    return CliRunner()


def _changes(snap: Snapshot) -> set[tuple[str, str, str, str]]:
    inv = normalize(snap)
    return {(c.target_key, c.change_type, c.changed_by, c.timestamp) for c in inv.resource_changes}


def test_collector_reads_resourcechanges(clean_fake: FakeAzure, demo: Snapshot) -> None:
    clean_fake.clear_log()
    collector, snap = collect(clean_fake)
    assert collector.report.aborted is None
    want = _changes(demo)
    assert len(want) == 5 and _changes(snap) == want
    subs = {
        str(r["subscriptionId"]).lower()
        for r in demo.iter_resources()
        if str(r["type"]).lower() == "microsoft.resources/subscriptions"
    }
    idx = CoverageIndex(snap.coverage)
    for sub in subs:
        assert idx.status("resourceChanges", f"/subscriptions/{sub}").status is (
            CoverageStatus.COMPLETE
        )
    # Change records never count as resources of the inventory.
    inv = normalize(snap)
    assert "microsoft.resources/changes" not in inv.other_type_counts
    assert all(r.method in ("GET", "POST") for r in clean_fake.requests)


def test_scan_live_store_keeps_the_change_records(
    runner: CliRunner,
    clean_fake: FakeAzure,
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "h.sqlite")
    res = runner.invoke(
        cli,
        [
            "scan",
            "--live",
            "--auth",
            "env",
            *_endpoints(clean_fake),
            "--store",
            store,
            "-q",
            "--format",
            "json",
            "--output",
            str(tmp_path / "r.json"),
        ],
    )
    assert res.exit_code == 0, res.output
    with Store(resolve_url(store)) as st:
        [meta] = st.scans()
        rec = st.load(meta)
    assert {(c.changed_by, c.origin) for c in rec.changes} == {
        ("dana.scientist@contoso.com", "resourcechanges"),
        ("consultant_fabrikam.com#EXT#@contoso.onmicrosoft.com", "resourcechanges"),
        ("alex.admin@contoso.com", "resourcechanges"),
    }
