"""examples/: the GitHub Actions workflow validates against the GitHub workflow JSON schema
(shipped by check-jsonschema, a test dependency) and the Azure Container Apps job is a
scheduled, managed-identity job; in both, every `aiposture` command line parses with our CLI."""

from __future__ import annotations

import copy
import json
import re
import shlex
from importlib import resources
from pathlib import Path
from typing import Any

import click
import jsonschema
import pytest
import yaml

from aiposture.cli.main import _register, cli

ROOT = Path(__file__).resolve().parents[2] / "examples"
WORKFLOW = ROOT / "github-actions" / "aiposture-scheduled.yml"
ACA_JOB = ROOT / "azure-container-apps" / "job.yaml"


def _workflow_schema() -> dict[str, Any]:
    files = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    return json.loads((files / "github-workflows.json").read_text())  # type: ignore[no-any-return]


def _load_workflow() -> dict[Any, Any]:
    """PyYAML reads the key `on` as YAML 1.1's boolean true: GitHub (YAML 1.2) reads "on"."""
    doc: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


def _aiposture_commands(script: str) -> list[list[str]]:
    joined = re.sub(r"\\\n\s*", " ", script)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        at = line.find("aiposture ")
        if at < 0 or line.startswith("#"):
            continue
        words = shlex.split(line[at:].split("|")[0])
        out.append([re.sub(r"\$\{?\w+.*", "VALUE", w) for w in words[1:]])
    return out


def _parses(args: list[str]) -> None:
    _register()
    command = cli.commands[args[0]]
    command.make_context(args[0], args[1:])  # raises on an unknown option or a bad value


def test_workflow_is_valid() -> None:
    doc = _load_workflow()
    jsonschema.validate(doc, _workflow_schema())
    assert doc["permissions"]["id-token"] == "write"  # OIDC, no client secret
    assert doc["permissions"]["security-events"] == "write"
    steps = doc["jobs"]["scan"]["steps"]
    uses = {s.get("uses", "").split("@")[0] for s in steps}
    assert {"azure/login", "github/codeql-action/upload-sarif"} <= uses
    login = next(s for s in steps if s.get("uses", "").startswith("azure/login"))
    assert "client-secret" not in login["with"] and "creds" not in login["with"]
    commands = [c for s in steps if "run" in s for c in _aiposture_commands(s["run"])]
    assert {c[0] for c in commands} >= {"scan", "history", "diff"}
    for c in commands:
        _parses(c)


def test_schema_check_can_fail() -> None:
    doc = _load_workflow()
    broken = copy.deepcopy(doc)
    del broken["jobs"]["scan"]["runs-on"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _workflow_schema())
    with pytest.raises(click.NoSuchOption):
        _parses(["scan", "--live", "--no-such-option"])


def test_container_apps_job() -> None:
    doc = yaml.safe_load(ACA_JOB.read_text())
    assert doc["identity"]["type"] == "UserAssigned"
    conf = doc["properties"]["configuration"]
    assert conf["triggerType"] == "Schedule"
    assert len(conf["scheduleTriggerConfig"]["cronExpression"].split()) == 5
    assert all("keyVaultUrl" in s and "identity" in s for s in conf["secrets"])
    [container] = doc["properties"]["template"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert "AZURE_CLIENT_ID" in env and "secretRef" in env["AIPOSTURE_STORE"]
    [command] = _aiposture_commands(" ".join(container["args"]))
    assert command[:4] == ["scan", "--live", "--auth", "managed-identity"]
    _parses(command)
