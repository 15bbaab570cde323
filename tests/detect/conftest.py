"""Shared fixtures: the Kusto language service (node) and synthetic log directories."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from aiposture.detect.schemas import SCHEMAS, kql_schema
from aiposture.detect.synth import synth_logs

KUSTO_DIR = Path(__file__).resolve().parent.parent / "kusto"

KqlCheck = Callable[[Sequence[tuple[str, str]]], dict[str, dict[str, Any]]]


@pytest.fixture(scope="session")
def kusto() -> KqlCheck:
    """Checks (id, query) pairs with Microsoft's Kusto language service against the declared
    table schemas; returns id -> {"diagnostics": [...], "literals": [...]}.

    Skips only when node is absent; with node present the service must be installed
    (`make kusto`), else the tests fail rather than pass unchecked."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the KQL language-service checks cannot run")
    if not (KUSTO_DIR / "node_modules" / "@kusto" / "language-service-next").is_dir():
        pytest.fail("the Kusto language service is missing: run `make kusto`")

    def check(queries: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        payload = {
            "tables": {t: kql_schema(t) for t in SCHEMAS},
            "queries": [{"id": i, "query": q} for i, q in queries],
        }
        proc = subprocess.run(
            [node, str(KUSTO_DIR / "check_kql.js")],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=KUSTO_DIR,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return {r["id"]: r for r in json.loads(proc.stdout)}

    return check


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four weeks of synthetic logs (seed 5) with ground_truth.json."""
    out = tmp_path_factory.mktemp("logs")
    synth_logs(out, seed=5, weeks=4)
    return out
