"""aiposture.toml: every setting users need, and one clear line (exit 2) for a bad file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from aiposture.cli.main import main
from aiposture.config import Settings, Suppression, load_settings
from aiposture.errors import ConfigError
from aiposture.model.types import Severity
from aiposture.rules.registry import all_rules
from root_helpers import FIXED_NOW, run_rules, statuses

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "aiposture.example.toml"
RG = "/subscriptions/00000000-0000-0000-0000-00000000d001/resourceGroups/rg-cfg"
ACC = f"{RG}/providers/Microsoft.CognitiveServices/accounts/oai-cfg"
ACCOUNT: dict[str, Any] = {
    "id": ACC,
    "name": "oai-cfg",
    "type": "Microsoft.CognitiveServices/accounts",
    "kind": "OpenAI",
    "location": "swedencentral",
    "properties": {"publicNetworkAccess": "Enabled"},
}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aiposture.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_example_file_parses_and_names_real_rules() -> None:
    s = load_settings(EXAMPLE)
    s.check_rule_ids(r.id for r in all_rules())
    assert s.scope == "ai"
    assert "AIP-DAT-001" in s.disabled_rules
    assert s.severity_overrides["AIP-IDN-004"] is Severity.MEDIUM
    assert s.required_tags == ("owner", "environment", "data-classification")
    assert [(a.publisher, a.name, a.version) for a in s.approved_models] == [
        ("OpenAI", "gpt-4o", "2024-11-20"),
        ("OpenAI", "text-embedding-3-large", None),
    ]
    assert s.max_model_admins == 5 and len(s.model_admins) == 1
    assert s.model_retirements[0].retires == dt.date(2026, 6, 30)
    assert s.allowed_regions == ("swedencentral", "westeurope")
    assert [x.expires for x in s.suppressions] == [dt.date(2027, 1, 31), None]


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(None) == Settings()


def test_disable_and_severity_override() -> None:
    base = run_rules([ACCOUNT])
    assert any(f.rule.id == "AIP-NET-001" for f in base.findings)
    off = run_rules([ACCOUNT], Settings(disabled_rules=frozenset({"AIP-NET-001"})))
    assert not any(f.rule.id == "AIP-NET-001" for f in off.findings)
    assert all(r.id != "AIP-NET-001" for r in off.rules)
    lowered = run_rules([ACCOUNT], Settings(severity_overrides={"AIP-NET-001": Severity.LOW}))
    (f,) = [f for f in lowered.findings if f.rule.id == "AIP-NET-001"]
    assert f.severity is Severity.LOW


def test_scope_all_widens_storage_rules() -> None:
    storage = {
        "id": f"{RG}/providers/Microsoft.Storage/storageAccounts/stunrelated",
        "name": "stunrelated",
        "type": "Microsoft.Storage/storageAccounts",
        "properties": {"allowBlobPublicAccess": True},
    }
    complete = ("resources", "roleAssignments", "pricings")
    ai = run_rules([ACCOUNT, storage], complete=complete)
    assert statuses(ai, "AIP-MDL-008") == set()
    everything = run_rules([ACCOUNT, storage], Settings(scope="all"), complete=complete)
    assert statuses(everything, "AIP-MDL-008") == {("stunrelated", "FAIL")}


def test_suppression_active_and_expired() -> None:
    active = Suppression("AIP-NET-*", "*/accounts/OAI-CFG", "accepted risk", dt.date(2027, 1, 1))
    expired = Suppression("AIP-NET-001", ACC, "was temporary", dt.date(2026, 1, 1))
    r = run_rules([ACCOUNT], Settings(suppressions=(active,)))
    (f,) = [f for f in r.findings if f.rule.id == "AIP-NET-001"]
    assert f.suppressed and not f.is_failure
    assert f.suppression is not None and f.suppression.reason == "accepted risk"
    r = run_rules([ACCOUNT], Settings(suppressions=(expired,)))
    (f,) = [f for f in r.findings if f.rule.id == "AIP-NET-001"]
    assert not f.suppressed and f.is_failure
    assert f.suppression is not None and f.suppression.expired
    assert FIXED_NOW.date() > dt.date(2026, 1, 1)


def test_suppressions_visible_in_json_and_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # one finding per line in the terminal report
    cfg = _write(
        tmp_path,
        """
[[suppress]]
rule = "AIP-MDL-001"
resource = "*/deployments/gpt-4o-mini-chat"
reason = "launch exception"

[[suppress]]
rule = "AIP-GOV-001"
resource = "/subscriptions/*"
reason = "legacy move scheduled"
expires = 2025-12-31
""",
    )
    code, out, _ = _run(["scan", "--demo", "-q", "--format", "json", "--config", str(cfg)], capsys)
    assert code == 0
    findings = json.loads(out)["findings"]
    sup = [f for f in findings if f["rule_id"] == "AIP-MDL-001" and f["suppressed"]]
    assert [(f["resource_name"], f["suppression"]["reason"]) for f in sup] == [
        ("gpt-4o-mini-chat", "launch exception")
    ]
    gov = [f for f in findings if f["rule_id"] == "AIP-GOV-001" and f["status"] == "FAIL"]
    assert gov and all(not f["suppressed"] and f["suppression"]["expired"] is True for f in gov)
    code, out, _ = _run(["scan", "--demo", "-q", "--config", str(cfg)], capsys)
    assert code == 0
    assert "suppressed: launch exception" in out
    assert "suppression expired 2025-12-31" in out


def test_fail_on_ignores_suppressed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(tmp_path, '[[suppress]]\nrule = "AIP-*"\nresource = "*"\nreason = "all"\n')
    code, _, _ = _run(["scan", "--demo", "-q", "--fail-on", "low", "--config", str(cfg)], capsys)
    assert code == 0
    code, _, _ = _run(["scan", "--demo", "-q", "--fail-on", "low"], capsys)
    assert code == 1


BAD = {
    "invalid toml": "scope = ",
    "unknown key": "[rules]\nignore = ['AIP-NET-001']\n",
    "bad scope": 'scope = "everything"\n',
    "bad severity": '[rules]\nseverity = { "AIP-NET-001" = "urgent" }\n',
    "unknown rule": '[rules]\ndisable = ["AIP-NET-0001"]\n',
    "unknown severity rule": '[rules]\nseverity = { "AIP-XYZ-001" = "low" }\n',
    "suppression without reason": '[[suppress]]\nrule = "AIP-NET-001"\nresource = "*"\n'
    'reason = " "\n',
    "suppression of no rule": '[[suppress]]\nrule = "NET-1"\nresource = "*"\nreason = "x"\n',
    "bad expiry": '[[suppress]]\nrule = "AIP-NET-001"\nresource = "*"\nreason = "x"\n'
    'expires = "soon"\n',
    "negative max_admins": "[models]\nmax_admins = -1\n",
    "approved model without name": '[models]\napproved = [{ publisher = "OpenAI" }]\n',
    "retirement without date": '[models]\nretirements = [{ name = "m", version = "1" }]\n',
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_config_is_one_line_and_exit_2(
    label: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _write(tmp_path, BAD[label])
    code, out, err = _run(["scan", "--demo", "-q", "--config", str(cfg)], capsys)
    assert code == 2, label
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert str(cfg) in lines[0] and "Traceback" not in err
    assert out == ""


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["scan", "--demo", "--config", str(tmp_path / "nope.toml")], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1


def test_check_rule_ids_direct() -> None:
    with pytest.raises(ConfigError):
        Settings(disabled_rules=frozenset({"AIP-NOPE-001"})).check_rule_ids(["AIP-NET-001"])
    Settings(disabled_rules=frozenset({"AIP-NET-001"})).check_rule_ids(["AIP-NET-001"])
