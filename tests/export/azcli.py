"""The real Azure CLI (tests/export/.azcli-venv, `make azcli`) registered against a fake Azure.

Each `AzCli` has its own AZURE_CONFIG_DIR in a temporary directory (nothing leaks into the
user's az profile), trusts the fake's trustme CA through REQUESTS_CA_BUNDLE, registers the fake
as a custom cloud with `az cloud register` (endpoints from the fake's ARM metadata endpoint) and
signs in with `az login --service-principal` against the fake's authority.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from aiposture.fakeazure.server import FakeAzure

VENV = Path(__file__).parent / ".azcli-venv"
AZ = VENV / "bin" / "az"
CLIENT_ID = "00000000-0000-0000-0000-0000000000c1"


def missing_reason() -> str:
    """Why the real Azure CLI cannot be used here ("" when it can)."""
    if not AZ.exists() or not (VENV / ".installed").exists():
        return "the Azure CLI test environment is not installed: run `make azcli`"
    if shutil.which("bash") is None or shutil.which("awk") is None or shutil.which("tar") is None:
        return "bash, awk and tar are needed to run the export script"
    return ""


class AzCli:
    def __init__(self, fake: FakeAzure, home: Path) -> None:
        self.fake = fake
        self.home = home
        self.env = {
            "PATH": f"{AZ.parent}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(home),
            "AZURE_CONFIG_DIR": str(home / "azure"),
            "AZURE_EXTENSION_DIR": str(VENV / "extensions"),
            "REQUESTS_CA_BUNDLE": str(fake.ca_path),
            # MSAL would ask login.microsoftonline.com to validate an unknown authority.
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "LANG": "C.UTF-8",
        }
        (home / "azure").mkdir(parents=True, exist_ok=True)

    def az(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AZ), *args], env=self.env, capture_output=True, text=True, timeout=120
        )

    def sign_in(self) -> None:
        for args in (
            ("cloud", "register", "-n", "FakeAzure", "--endpoint-resource-manager", self.fake.url),
            ("cloud", "set", "-n", "FakeAzure"),
            (
                "login",
                "--service-principal",
                "-u",
                CLIENT_ID,
                "-p",
                "not-a-real-secret",
                "--tenant",
                self.fake.tenant_id,
                "--allow-no-subscriptions",
            ),
        ):
            done = self.az(*args)
            assert done.returncode == 0, f"az {' '.join(args[:2])}: {done.stderr[-2000:]}"

    def run_script(self, script: Path, out: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(script), str(out)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            cwd=self.home,
        )
