"""Collection-time redaction on the live path: `aiposture collect` against the fake Azure (real
azure SDK over loopback HTTPS) serving a tenant whose GET responses carry credentials writes a
snapshot without them, and with the count in its metadata."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from click.testing import CliRunner

from aiposture.cli.main import _register, cli
from aiposture.collect.demo import demo_snapshot
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import Snapshot, load_snapshot
from hostile_tenant import SECRETS, hostile_rows, hostile_user


def test_collect_writes_no_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    demo = demo_snapshot()
    graph = {k: list(v) for k, v in demo.graph.items()}
    graph["users"].append(hostile_user())
    tenant = Snapshot(
        metadata=demo.metadata,
        coverage=demo.coverage,
        resources=[*demo.iter_resources(), *hostile_rows()],
        graph=graph,
    )
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    _register()
    with FakeAzure(tenant, tmp_path / "certs") as fake:
        monkeypatch.setenv("AZURE_TENANT_ID", fake.tenant_id)
        monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c2")
        monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
        out = tmp_path / "tenant.json.gz"
        endpoints = ["--authority", fake.url, "--arm-endpoint", fake.url]
        endpoints += ["--graph-endpoint", fake.url, "--ca-bundle", str(fake.ca_path)]
        res = CliRunner().invoke(
            cli, ["collect", "--live", "--auth", "env", *endpoints, "-o", str(out), "-q"]
        )
    assert res.exit_code == 0, res.output
    text = gzip.decompress(out.read_bytes()).decode("utf-8")
    # The hostile rows were collected (so the check below means something) ...
    assert "conn-hostile" in text and "0badf00d-0000-4000-8000-000000000666" in text
    # ... and not one seeded secret was written.
    assert [k for k, v in SECRETS.items() if v in text] == []
    assert load_snapshot(out).metadata.redactions >= 8
