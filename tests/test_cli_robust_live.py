"""`collect --output` through the real CLI against the loopback fake Azure: the snapshot is
written atomically, and a write failure is one line, exit 2, the previous snapshot intact."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiposture.collect.demo import demo_snapshot
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import load_snapshot

EXE = Path(sys.executable).with_name("aiposture")


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeAzure]:
    with FakeAzure(demo_snapshot(), tmp_path_factory.mktemp("certs")) as server:
        yield server


def collect(
    fake: FakeAzure, out: Path, fsize: int | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AZURE_TENANT_ID": fake.tenant_id,
        "AZURE_CLIENT_ID": "00000000-0000-0000-0000-0000000000c2",
        "AZURE_CLIENT_SECRET": "not-a-real-secret",
        "AZURE_TOKEN_CREDENTIALS": "EnvironmentCredential",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    endpoints = ["--authority", fake.url, "--arm-endpoint", fake.url, "--graph-endpoint", fake.url]

    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [str(EXE), "collect", "--auth", "env", *endpoints, "--ca-bundle", str(fake.ca_path),
         "-o", str(out), "-q"],
        capture_output=True, text=True, env=env, timeout=300, check=False, preexec_fn=limit,
    )  # fmt: skip


def test_collect_output_is_atomic(fake: FakeAzure, tmp_path: Path) -> None:
    out = tmp_path / "tenant.json"
    good = collect(fake, out)
    assert good.returncode == 0, good.stderr
    before = out.read_bytes()
    assert load_snapshot(out).resource_count == demo_snapshot().resource_count
    proc = collect(fake, out, fsize=len(before) // 2)
    assert out.read_bytes() == before
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("aiposture:")]
    assert len(errors) == 1 and "EFBIG" in errors[0] and "unchanged" in errors[0], proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tenant.json"]


def test_collect_to_dev_full(fake: FakeAzure) -> None:
    proc = collect(fake, Path("/dev/full"))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("aiposture: error: /dev/full")
    assert "ENOSPC" in proc.stderr and "Traceback" not in proc.stderr
