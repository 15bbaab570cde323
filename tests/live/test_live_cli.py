"""The live commands end to end through click: collect, scan --live, permissions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from live_helpers import findings

from aiposture.cli.main import _register, cli, main
from aiposture.fakeazure.server import FakeAzure, Faults
from aiposture.model.snapshot import Snapshot, load_snapshot

SUB = "/subscriptions/426944ef-0078-5ffd-96c3-f10786dc82f7"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, clean_fake: FakeAzure) -> CliRunner:
    _register()
    monkeypatch.setenv("AZURE_TENANT_ID", clean_fake.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c2")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    return CliRunner()


def _endpoints(fake: FakeAzure) -> list[str]:
    return [
        "--authority",
        fake.url,
        "--arm-endpoint",
        fake.url,
        "--graph-endpoint",
        fake.url,
        "--ca-bundle",
        str(fake.ca_path),
    ]


def test_collect_writes_a_snapshot_that_scans_like_the_source(
    runner: CliRunner, clean_fake: FakeAzure, demo: Snapshot, tmp_path: Path
) -> None:
    out = tmp_path / "tenant.json.gz"
    res = runner.invoke(
        cli,
        ["collect", "--live", "--auth", "env", *_endpoints(clean_fake), "-o", str(out), "-q"],
    )
    assert res.exit_code == 0, res.output
    snap = load_snapshot(out)
    assert snap.metadata.source == "live" and snap.metadata.tenant_id == clean_fake.tenant_id
    assert findings(snap) == findings(demo)


def test_scan_live_with_default_credential(
    runner: CliRunner, clean_fake: FakeAzure, demo: Snapshot, tmp_path: Path
) -> None:
    # DefaultAzureCredential restricted to the environment credential (AZURE_TOKEN_CREDENTIALS).
    report = tmp_path / "report.json"
    res = runner.invoke(
        cli,
        [
            "scan",
            "--live",
            *_endpoints(clean_fake),
            "--subscription",
            SUB[len("/subscriptions/") :],
            "--format",
            "json",
            "--output",
            str(report),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(report.read_text())
    ids = {f["resource_id"].lower() for f in doc["findings"]} if "findings" in doc else set()
    assert any(i.startswith(SUB + "/resourcegroups/") for i in ids)
    # Only that subscription's data was asked for.
    subs_asked = {
        r.path.split("/")[2].lower()
        for r in clean_fake.requests
        if r.method == "GET" and r.path.lower().startswith("/subscriptions/")
    }
    assert subs_asked == {SUB.rsplit("/", 1)[1]}


def test_scan_live_rejects_plain_http_endpoints(
    runner: CliRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["scan", "--live", "--arm-endpoint", "http://127.0.0.1:1"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--arm-endpoint" in err[0]


def test_collection_options_need_live(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["scan", "--demo", "--management-group", "mg-landingzones", "--quiet"])
    assert res.exit_code == 2
    assert "--management-group needs --live" in res.output


def test_a_subscription_that_is_not_a_guid_is_refused(
    runner: CliRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["collect", "--subscription", "contoso-prod", "-o", "x.json"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "contoso-prod" in err[0]


def test_permissions_lists_the_minimal_grants(runner: CliRunner) -> None:
    res = runner.invoke(cli, ["permissions", "--format", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    grants = {d["grant"].split(" (")[0]: d for d in doc}
    assert {
        "Reader",
        "Security Reader",
        "Application.Read.All",
        "RoleManagement.Read.Directory",
        "RoleEligibilitySchedule.Read.Directory",
        "Policy.Read.All",
    } <= set(grants)
    assert grants["Reader"]["kind"] == "azure-role"
    assert grants["Policy.Read.All"]["collections"] == ["graph.conditionalAccessPolicies"]
    # Every collection the collector records coverage for is attributed to some grant.
    from aiposture.collect.live.collector import CHILD_COLLECTIONS, SUBSCRIPTION_COLLECTIONS

    covered = {c for d in doc for c in d["collections"]}
    assert set(CHILD_COLLECTIONS) - {"apiManagementBackends"} <= covered
    assert set(SUBSCRIPTION_COLLECTIONS) <= covered


def test_collect_with_a_refused_credential_fails_in_one_line(
    runner: CliRunner, clean_fake: FakeAzure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_fake.faults = Faults(reject_tokens=True)
    out = tmp_path / "t.json"
    with pytest.raises(SystemExit) as exit_info:
        main(["collect", "--auth", "env", *_endpoints(clean_fake), "-o", str(out), "-q"])
    assert exit_info.value.code == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "AADSTS7000215" in err[0]
    assert not out.exists()


def test_offline_scans_never_load_the_azure_sdk(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from aiposture.cli.main import main\n"
        "try:\n"
        f"    main(['scan', '--demo', '--format', 'json', '--output', {str(tmp_path / 'r.json')!r},"
        " '--quiet'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "r.json").stat().st_size > 0
