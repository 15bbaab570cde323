"""A missing credential is one line on stderr and exit code 3, never the SDK's log dump."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_no_credential_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
    # Only the environment credential: fails at once, never probes IMDS or the internet.
    env["AZURE_TOKEN_CREDENTIALS"] = "EnvironmentCredential"
    env["HOME"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "aiposture.cli", "scan", "--live", "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "no usable Azure credential" in lines[0]
    assert "az login" in lines[0]
