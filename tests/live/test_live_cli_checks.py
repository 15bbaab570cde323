"""`collect`, `scan --live` and `fake-azure`: bad options and broken runs end in one line with
the right exit code, before any request when the problem is known up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiposture.cli.main import _register, main
from aiposture.fakeazure.server import FakeAzure, Faults
from aiposture.model.snapshot import load_snapshot
from aiposture.model.types import CoverageStatus


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, clean_fake: FakeAzure) -> FakeAzure:
    _register()
    monkeypatch.setenv("AZURE_TENANT_ID", clean_fake.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c3")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    return clean_fake


def _endpoints(fake: FakeAzure) -> list[str]:
    return [
        "--auth",
        "env",
        "--authority",
        fake.url,
        "--arm-endpoint",
        fake.url,
        "--graph-endpoint",
        fake.url,
        "--ca-bundle",
        str(fake.ca_path),
    ]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    code = info.value.code
    return int(code) if isinstance(code, int) else -1, capsys.readouterr().err.splitlines()


def test_a_revoked_token_ends_collect_with_exit_3_and_a_partial_snapshot(
    env: FakeAzure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.faults = Faults(revoke_after=25)
    out = tmp_path / "t.json"
    code, err = _run(
        ["collect", *_endpoints(env), "--concurrency", "4", "-o", str(out), "-q"], capsys
    )
    assert code == 3
    assert len(err) == 1 and "credential stopped working" in err[0] and "PARTIAL" in err[0]
    snap = load_snapshot(out)
    assert snap.resource_count > 0
    assert not any(c.status is CoverageStatus.DENIED for c in snap.coverage)
    assert sum(1 for r in env.requests if r.status == 401) <= 4


@pytest.mark.parametrize("where", ["missing-dir/t.json", "."])
def test_an_unwritable_output_is_refused_before_collecting(
    env: FakeAzure, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    out = tmp_path / where
    code, err = _run(["collect", *_endpoints(env), "-o", str(out), "-q"], capsys)
    assert code == 2
    assert len(err) == 1 and str(out) in err[0] and "--output" in err[0]
    assert env.requests == []  # nothing was read first
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the check left no file behind


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--arm-endpoint", "not a url"),
        ("--graph-endpoint", "https://"),
        ("--authority", "https://login.example:99999"),
        ("--arm-endpoint", "http://127.0.0.1:8443"),
        ("--max-pages", "0"),
        ("--retry-budget", "0"),
        ("--concurrency", "0"),
    ],
)
def test_bad_live_options_are_one_line_and_exit_2(
    env: FakeAzure,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
) -> None:
    code, err = _run(
        ["collect", *_endpoints(env), option, value, "-o", str(tmp_path / "t.json")], capsys
    )
    assert code == 2
    assert len(err) == 1 and option in err[0]
    assert env.requests == []
    code, err = _run(["scan", "--live", *_endpoints(env), option, value, "-q"], capsys)
    assert code == 2 and len(err) == 1 and option in err[0]


def test_max_pages_and_retry_budget_reach_the_collector(
    env: FakeAzure, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.json"
    argv = ["collect", *_endpoints(env), "--max-pages", "1", "--retry-budget", "5", "-o"]
    code, err = _run([*argv, str(out)], capsys)
    assert code == 0, err
    snap = load_snapshot(out)
    users = [c for c in snap.coverage if c.collection == "graph.users"]
    assert [(c.status, "--max-pages" in c.reason) for c in users] == [
        (CoverageStatus.PARTIAL, True)
    ]
    summary = [line for line in err if line.startswith("live collection:")]
    assert summary and "s waiting to retry" in summary[0] and "-1 retries" not in summary[0]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--port", "70000"], "--port"),
        (["--port", "-1"], "--port"),
        (["--cert-dir", "FILE"], "--cert-dir"),
        (["--host", "0.0.0.0"], "--host"),
    ],
)
def test_fake_azure_bad_options_are_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], option: str
) -> None:
    _register()
    afile = tmp_path / "certs.pem"
    afile.write_text("not a directory")
    args = [str(afile) if a == "FILE" else a for a in args]
    code, err = _run(["fake-azure", "--demo", *args], capsys)
    assert code == 2
    assert len(err) == 1 and option in err[0], err
