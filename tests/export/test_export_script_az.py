"""The generated bash script run with the real Azure CLI against the fake Azure: scanning the
archive it writes gives the findings of scanning the served snapshot, finding for finding."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "live"))
from azcli import AzCli, missing_reason
from live_helpers import collect, findings

from aiposture.collect.demo import demo_snapshot
from aiposture.collect.export_script import ExportOptions, render
from aiposture.collect.exports import FileSource
from aiposture.collect.synth import synth_to
from aiposture.fakeazure.server import (
    ARG_PATH,
    FakeAzure,
    Faults,
    Limits,
    is_secret_request,
)
from aiposture.model.snapshot import Snapshot
from aiposture.model.types import CoverageStatus

pytestmark = pytest.mark.skipif(bool(missing_reason()), reason=missing_reason() or "ready")

# Small Resource Graph and Graph pages: skip-token and nextLink paging are exercised.
LIMITS = Limits(graph_page=3, graph_max_page=3, arg_page=20)
# Collections neither the live collector nor the script gathers.
NEVER_GATHERED = {
    ("raiBlocklists", CoverageStatus.NOT_COLLECTED),
    ("securityAssessments", CoverageStatus.NOT_COLLECTED),
}


def _export(
    fake: FakeAzure, tmp: Path, options: ExportOptions | None = None
) -> tuple[Snapshot, Path]:
    cli = AzCli(fake, tmp / "home")
    cli.sign_in()
    script = tmp / "aiposture-export.sh"
    script.write_text(render(options or ExportOptions()))
    out = tmp / "home" / "export"
    done = cli.run_script(script, out)
    assert done.returncode == 0, done.stderr[-3000:]
    archive = out.with_name("export.tar.gz")
    assert archive.is_file(), done.stderr[-2000:]
    source = FileSource([archive])
    snap = source.load()
    assert source.warnings == []
    return snap, out


def _canon(objs: list[object]) -> list[str]:
    return sorted(json.dumps(o, sort_keys=True) for o in objs)


def _assert_read_only(fake: FakeAzure) -> None:
    for req in fake.requests:
        assert (
            req.method == "GET"
            or (req.method == "POST" and req.path.lower().rstrip("/") in (ARG_PATH,))
            or req.path.lower().endswith("/oauth2/v2.0/token")
        ), req
        assert not is_secret_request(req.path), req


@pytest.fixture(scope="module")
def demo() -> Snapshot:
    return demo_snapshot()


@pytest.fixture(scope="module")
def demo_fake(demo: Snapshot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    with FakeAzure(demo, tmp_path_factory.mktemp("certs"), limits=LIMITS) as server:
        yield server


def test_demo_export_scans_like_the_served_snapshot(
    demo_fake: FakeAzure, demo: Snapshot, tmp_path: Path
) -> None:
    snap, out = _export(demo_fake, tmp_path)
    assert findings(snap) == findings(demo)
    for name, objs in demo.graph.items():
        assert _canon(objs) == _canon(snap.graph.get(name, [])), name
    gaps = {
        (c.collection, c.status) for c in snap.coverage if c.status is not CoverageStatus.COMPLETE
    }
    assert gaps == {("diagnosticSettings", CoverageStatus.PARTIAL)} | NEVER_GATHERED
    manifest = json.loads((out / "aiposture-manifest.json").read_text())
    assert manifest["tenant_id"] == demo_fake.tenant_id
    assert manifest["started_at"] <= manifest["finished_at"]
    # Paging really happened: some request needed more than one page.
    assert any(f["page"] > 1 for f in manifest["files"] if f["path"].startswith("arg/"))
    assert any(f["page"] > 1 for f in manifest["files"] if f["path"].startswith("graph/"))
    _assert_read_only(demo_fake)


def test_denied_subscription_is_recorded_and_the_script_goes_on(
    demo_fake: FakeAzure, demo: Snapshot, tmp_path: Path
) -> None:
    sub = next(
        str(r["id"]).split("/")[2]
        for r in demo.resources
        if str(r.get("type", "")).lower() == "microsoft.cognitiveservices/accounts"
    )
    other = next(
        str(r["id"]).split("/")[2]
        for r in demo.resources
        if str(r.get("type", "")).lower() == "microsoft.cognitiveservices/accounts"
        and str(r["id"]).split("/")[2] != sub
    )
    # Two subscriptions keep the run short (each az call costs about a second).
    scope = (sub, other)
    demo_fake.faults = Faults(deny_subscriptions={sub})
    try:
        snap, out = _export(demo_fake, tmp_path, ExportOptions(subscriptions=scope))
        _collector, live = collect(demo_fake, subscriptions=scope)
    finally:
        demo_fake.faults = Faults()
    manifest = json.loads((out / "aiposture-manifest.json").read_text())
    denied = {
        (e["collection"], e["scope"]) for e in manifest["coverage"] if e["status"] == "denied"
    }
    assert ("resources", f"/subscriptions/{sub}") in denied
    statuses = {(c.collection, c.scope.lower()): c.status for c in snap.coverage}
    assert statuses[("resources", f"/subscriptions/{sub}".lower())] is CoverageStatus.DENIED
    # The same verdicts as a live collection under the same denial: the other subscriptions
    # were still exported, the denied one's rules are UNKNOWN, not PASS.
    got = findings(snap)
    assert got == findings(live)
    assert {f for f in got if f[1].startswith(f"/subscriptions/{other}/") and f[2] != "UNKNOWN"}
    assert not {f for f in got if f[1].startswith(f"/subscriptions/{sub}/") and f[2] == "PASS"}


def test_synthetic_tenant_export_scans_like_a_live_collection(tmp_path: Path) -> None:
    path = tmp_path / "synth.json"
    synth_to(path, 12, 7)
    served = FileSource([path]).load()
    with FakeAzure(served, tmp_path / "certs", limits=LIMITS) as fake:
        snap, _out = _export(fake, tmp_path)
        _collector, live = collect(fake)
    got, direct = findings(snap), findings(served)
    assert got == findings(live)
    # Where the export differs from the served snapshot, so does the live collector (the
    # synthetic tenant's Sentinel coverage: AIP-MON-008, see the report); nothing else.
    assert got ^ direct == findings(live) ^ direct
    assert len(got ^ direct) <= 4
