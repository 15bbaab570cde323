"""`scan` selection, display filters, grouped terminal view, gates, baseline, output flags and
`rules ID` (issue 11): the real CLI in process, asserting structured output and exit codes."""

from __future__ import annotations

import csv
import fnmatch
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from aiposture.cli.main import main

SUB = "/subscriptions/33333333-3333-3333-3333-333333333333"


def _account(i: int) -> dict[str, Any]:
    return {
        "id": f"{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai-{i:02d}",
        "name": f"oai-{i:02d}",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "swedencentral",
        "properties": {"publicNetworkAccess": "Enabled"},
    }


STORAGE = {
    "id": f"{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stunused",
    "name": "stunused",
    "type": "Microsoft.Storage/storageAccounts",
    "location": "swedencentral",
    "properties": {"publicNetworkAccess": "Enabled"},
}


@pytest.fixture()
def tenant(tmp_path: Path) -> Path:
    """12 public OpenAI accounts (one rule fails on 12 resources) and a storage account no AI
    resource uses (left out by scope "ai")."""
    path = tmp_path / "tenant.json"
    path.write_text(json.dumps([_account(i) for i in range(12)] + [STORAGE]), encoding="utf-8")
    return path


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str | Path,
    columns: int = 100,
) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("NO_COLOR", "1")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def one_line_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]


def findings(doc: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["rule_id"], f["resource_name"], f["status"]) for f in doc["findings"]}


# ---- selection: what is evaluated -------------------------------------------------------


def test_checks_glob_and_excluded(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json", "-c", "AIP-NET-*",
        "-e", "AIP-NET-002,AIP-NET-003",
    )  # fmt: skip
    assert code == 0
    doc = json.loads(out)
    ids = {f["rule_id"] for f in doc["findings"]}
    assert ids and all(fnmatch.fnmatch(i, "AIP-NET-*") for i in ids)
    assert not ids & {"AIP-NET-002", "AIP-NET-003"}
    assert doc["summary"]["rules_evaluated"] == len(doc["selection"]["rules_selected"])
    assert "AIP-NET-001" in doc["selection"]["rules_selected"]


def test_pillar_selects_rules(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json", "--pillar", "identity"
    )
    assert code == 0
    assert {f["pillar"] for f in json.loads(out)["findings"]} == {"identity"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("-c", "AIP-NOPE-*"), "--checks 'AIP-NOPE-*' matches no rule"),
        (("-e", "AIP-XYZ-001"), "--excluded-checks 'AIP-XYZ-001' matches no rule"),
        (("--pillar", "cooking"), "--pillar 'cooking' is not a pillar"),
        (("--status", "BROKEN"), "--status 'BROKEN' is not a status"),
        (("--severity", "urgent"), "--severity"),
        (("-c", "AIP-NET-001", "--pillar", "data"), "leave no rule"),
        (("--output", "a.json", "--output-dir", "d"), "not both"),
        (("--framework", "mcsb,bogus"), "unknown framework 'bogus'"),
        (("--output-filename", "a/b"), "not a plain file name"),
        (("--format", "json,csv"), "several formats on standard output"),
    ],
)
def test_bad_selection_is_one_line(
    capsys: Any, monkeypatch: Any, args: tuple[str, ...], needle: str
) -> None:
    one_line_error(*run(capsys, monkeypatch, "scan", "--demo", "-q", *args), needle)


# ---- display filters: what is shown ----------------------------------------------------


def test_status_filter_every_format_but_gate_counts_all(
    capsys: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json,csv,sarif,md",
        "--output-dir", tmp_path, "--status", "PASS", "--fail-on", "critical",
    )  # fmt: skip
    assert code == 1  # the gate sees the critical FAILs the display filter hides
    assert "--fail-on critical tripped" in err
    doc = json.loads((tmp_path / "aiposture-report.json").read_text())
    assert {f["status"] for f in doc["findings"]} == {"PASS"}
    sel = doc["selection"]
    assert sel["statuses"] == ["PASS"] and sel["hidden_findings"] > 0
    assert sel["shown_findings"] == len(doc["findings"])
    text = (tmp_path / "aiposture-report.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(doc["findings"]) and {r["status"] for r in rows} == {"PASS"}
    sarif = json.loads((tmp_path / "aiposture-report.sarif").read_text())
    assert sarif["runs"][0]["results"] == [] or all(
        r.get("kind") == "pass" for r in sarif["runs"][0]["results"]
    )
    assert "showing" in (tmp_path / "aiposture-report.md").read_text()


def test_severity_at_or_above_and_list(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json", "--severity", "high"
    )
    assert code == 0
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"high", "critical"}
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json",
        "--severity", "low", "--severity", "medium",
    )  # fmt: skip
    assert {f["severity"] for f in json.loads(out)["findings"]} == {"low", "medium"}


# ---- grouped terminal view -------------------------------------------------------------


def test_grouped_view_caps_resources(capsys: Any, monkeypatch: Any, tenant: Path) -> None:
    code, out, _ = run(capsys, monkeypatch, "scan", "--input", tenant, "-q", "-c", "AIP-NET-001")
    assert code == 0
    group = [ln for ln in out.splitlines() if "AIP-NET-001" in ln and "resources" in ln]
    assert len(group) == 1 and "12 resources" in group[0]
    listed = re.findall(r"^\s+- (oai-\d\d)\b", out, re.M)
    assert len(listed) == 10
    assert re.search(r"^\s+and 2 more\s*$", out, re.M)
    # --details: every finding; JSON: all of them.
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--input", tenant, "-q", "-c", "AIP-NET-001", "--details"
    )
    assert len(re.findall(r"^FAIL\s+HIGH\s+AIP-NET-001 oai-\d\d", out, re.M)) == 12


def test_header_names_config_and_scope_exclusions(
    capsys: Any, monkeypatch: Any, tenant: Path, tmp_path: Path
) -> None:
    code, out, _ = run(capsys, monkeypatch, "scan", "--input", tenant, "-q", "--scope", "ai")
    assert code == 0
    assert "config none" in out
    assert re.search(r"scope ai: not assessed: 1 not used by AI \(1 storageaccounts", out)
    cfg = tmp_path / "aiposture.toml"
    cfg.write_text('scope = "all"\n', encoding="utf-8")
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--input", tenant, "-q", "--config", cfg, "--format", "json"
    )
    sel = json.loads(out)["selection"]
    assert sel["config"] == str(cfg)
    assert sel["scope"]["scope"] == "all" and sel["scope"]["excluded_by_scope"] == {}
    code, out, _ = run(capsys, monkeypatch, "scan", "--input", tenant, "-q", "--format", "json")
    sel = json.loads(out)["selection"]
    assert sel["config"] is None
    assert sel["scope"]["excluded_by_scope"] == {"microsoft.storage/storageaccounts": 1}


@pytest.mark.parametrize("columns", [80, 100])
@pytest.mark.parametrize("extra", [(), ("--details",), ("--framework", "owasp-llm")])
def test_terminal_fits_width(
    capsys: Any, monkeypatch: Any, columns: int, extra: tuple[str, ...]
) -> None:
    code, out, _ = run(capsys, monkeypatch, "scan", "--demo", "-q", *extra, columns=columns)
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= columns
    assert "Secure score" in out


# ---- names people read -----------------------------------------------------------------


def test_role_assignments_named_by_principal_role_scope(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(
        capsys,
        monkeypatch,
        "scan",
        "--demo",
        "-q",
        "--format",
        "json",
        "-c",
        "AIP-IDN-009,AIP-IDN-011",
    )
    assert code == 0
    doc = json.loads(out)
    assert {(r, n, s) for r, n, s in findings(doc) if s == "FAIL"} == {
        ("AIP-IDN-009", "Platform Admins: Owner at management group Tenant Root Group", "FAIL"),
        (
            "AIP-IDN-009",
            "Alex Admin: User Access Administrator at subscription contoso-corp-ai-prod",
            "FAIL",
        ),
        ("AIP-IDN-011", "role Contoso AI Operator", "FAIL"),
    }
    guid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-")
    assert not [f for f in doc["findings"] if guid.match(f["resource_name"])]


# ---- gates and baseline ------------------------------------------------------------------


def test_gate_closing_block(capsys: Any, monkeypatch: Any) -> None:
    code, out, err = run(capsys, monkeypatch, "scan", "--demo", "-q", "--fail-on", "critical")
    assert code == 1
    code_j, js, _ = run(capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json")
    assert code_j == 0
    crit = [
        f
        for f in json.loads(js)["findings"]
        if f["status"] == "FAIL" and f["severity"] == "critical"
    ]
    block = out[out.index("Gate --fail-on critical") :].splitlines()
    assert f"tripped by {len(crit)} failing finding(s): exit 1" in block[0]
    assert {ln.split()[1] for ln in block[1:] if ln.strip()} == {f["rule_id"] for f in crit}
    assert f"tripped by {len(crit)} failing" in err


def test_baseline_counts_and_new_first(capsys: Any, monkeypatch: Any, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    code, _, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json", "-o", base,
        "-e", "AIP-IDN-001",
    )  # fmt: skip
    assert code == 0 and base.exists()
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--baseline", base, "--fail-on-new", "high"
    )
    assert code == 1
    m = re.search(
        r"Baseline .*?: (\d+)\s+new\s+\((\d+)\s+failing\),\s+(\d+)\s+resolved,\s+(\d+)\s+unchanged",
        out,
        re.S,
    )
    assert m, out[:2000]
    new, new_failing = int(m.group(1)), int(m.group(2))
    # AIP-IDN-001 was left out of the baseline: its 5 findings are new, 3 of them failing
    # (the fifth, a PASS, is catalog_h's Speech account).
    assert new == 5 and new_failing == 3
    section = out[out.index("New failing findings") : out.index("Top risks")]
    assert section.count("AIP-IDN-001") == 3
    section_start = re.search(r"^Identity\s+\d+ rule", out, re.M)
    assert section_start and out.index("New failing findings") < section_start.start()
    assert "Gate --fail-on-new high tripped by 3 new failing finding(s): exit 1" in out


# ---- output flags ---------------------------------------------------------------------------


def test_output_dir_filename_timestamp_and_only_asked_formats(
    capsys: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json,csv",
        "--output-dir", tmp_path, "--output-filename", "contoso", "--timestamp",
    )  # fmt: skip
    assert code == 0, err
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2
    assert all(re.fullmatch(r"contoso-\d{8}T\d{6}Z\.(json|csv)", n) for n in names), names


def test_dash_o_on_scan(capsys: Any, monkeypatch: Any, tmp_path: Path) -> None:
    out = tmp_path / "r.sarif"
    code, stdout, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "sarif", "-o", out
    )
    assert code == 0 and stdout == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"


def test_file_format_on_a_tty_writes_default_file(
    capsys: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, err = run(capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json")
    assert code == 0
    assert out == ""
    assert json.loads((tmp_path / "aiposture-report.json").read_text())["findings"]
    assert "wrote json report to aiposture-report.json" in err


def test_framework_list_comes_first(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--format", "json",
        "--framework", "mcsb,atlas", "--framework", "owasp-llm",
    )  # fmt: skip
    doc = json.loads(out)
    assert doc["compliance"]["framework"] == "mcsb"
    assert [v["framework"] for v in doc["compliance_views"]] == ["mcsb", "atlas", "owasp-llm"]
    code, out, _ = run(
        capsys, monkeypatch, "scan", "--demo", "-q", "--framework", "atlas,owasp-llm"
    )
    assert code == 0
    first_view = out.index("Compliance view: MITRE ATLAS")
    assert first_view < out.index("Compliance view: OWASP") < out.index("Posture by pillar")


# ---- rules ------------------------------------------------------------------------------------


def test_rules_explain_and_list(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(capsys, monkeypatch, "rules", "AIP-GOV-007", "--format", "json")
    assert code == 0
    (doc,) = json.loads(out)
    assert doc["id"] == "AIP-GOV-007" and doc["rationale"]
    assert doc["defaults_assumed"] == {
        "required_tags": ["owner", "environment", "data-classification"]
    }
    code, out, _ = run(capsys, monkeypatch, "rules", "AIP-IDN-001")
    assert code == 0
    for heading in ("Why", "FAILs when", "Needs (else UNKNOWN)", "Fix", "References"):
        assert re.search(rf"^{re.escape(heading)}", out, re.M), heading
    code, out, _ = run(capsys, monkeypatch, "rules", "--pillar", "network", "--format", "json")
    assert {r["pillar"] for r in json.loads(out)} == {"network"}
    one_line_error(*run(capsys, monkeypatch, "rules", "AIP-XYZ-404"), "AIP-XYZ-404", "no rule")


# ---- no word broken or cut at 80 / 100 columns ---------------------------------------------

_BOX = set("│┃┏┓┗┛┡┩━─┳╇┴┬└┘┌┐├┤╭╮╰╯═║╞╡╪ ")


def _tokens(text: str) -> set[str]:
    out = set()
    for line in text.splitlines():
        for tok in line.split():
            tok = tok.strip("".join(_BOX) + ";:,")
            if tok:
                out.add(tok)
    return out


@pytest.mark.parametrize(
    "args",
    [
        ("inventory", "--demo"),
        ("permissions",),
        ("access", "--demo", "--resource", "ais-contoso-chatbot"),
        ("scan", "--demo", "-q"),
        ("scan", "--demo", "-q", "--framework", "eu-ai-act,cis-azure"),
    ],
)
@pytest.mark.parametrize("columns", [80, 100])
def test_no_word_broken_or_cut(
    capsys: Any, monkeypatch: Any, args: tuple[str, ...], columns: int
) -> None:
    """Every word printed at 80/100 columns is a word of the same output at 400 columns (a
    word folded mid-way, "swedencentr" + "al", is not) and no word is cut with an ellipsis."""
    code, narrow, _ = run(capsys, monkeypatch, *args, columns=columns)
    assert code == 0
    code, wide, _ = run(capsys, monkeypatch, *args, columns=400)
    assert code == 0
    assert max(len(line) for line in narrow.splitlines()) <= columns
    broken = _tokens(narrow) - _tokens(wide)
    assert not broken, sorted(broken)[:20]
    if args[0] in ("inventory", "permissions", "access"):
        assert "…" not in narrow


def test_access_for_one_resource_is_compact(capsys: Any, monkeypatch: Any) -> None:
    code, out, _ = run(
        capsys, monkeypatch, "access", "--demo", "--resource", "ais-contoso-chatbot", columns=100
    )
    assert code == 0
    code, js, _ = run(
        capsys, monkeypatch, "access", "--demo", "--resource", "ais-contoso-chatbot",
        "--format", "json",
    )  # fmt: skip
    entries = json.loads(js)["entries"]
    grants = {(e["principal_name"], e["role"], e["scope"]) for e in entries}
    assert len(out.splitlines()) <= 2 + 3 * len(grants)  # was 135 lines for this resource
    assert "/subscriptions/" not in out and "/providers/" not in out  # scopes shortened


# ---- progress ------------------------------------------------------------------------------


def test_phases_report_each_phase_on_a_terminal_only() -> None:
    from rich.console import Console

    from aiposture.cli.common import Phases
    from aiposture.collect.demo import DemoSource
    from aiposture.model.normalize import normalize

    inv = normalize(DemoSource().load())
    buf = io.StringIO()
    phases = Phases(Console(file=buf, force_terminal=True, width=100, color_system=None))
    from aiposture.config import Settings
    from aiposture.rules.engine import evaluate
    from aiposture.rules.registry import all_rules

    rules = [r for r in all_rules() if r.id in ("AIP-NET-001", "AIP-IDN-001", "AIP-PATH-001")]
    with phases.phase("evaluating 66 rules"):
        graph = phases.graph_factory()(inv)
        evaluate(inv, Settings(), rules=rules, on_rule=phases.rule_progress())
    assert graph is not None
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buf.getvalue()).replace("\r", "\n")
    lines = [ln.strip() for ln in text.splitlines()]
    assert any(re.fullmatch(r"building the security graph: \d+\.\ds", ln) for ln in lines)
    assert any(re.fullmatch(r"evaluating 66 rules: \d+\.\ds", ln) for ln in lines)
    pillars = {
        m.group(1): int(m.group(2))
        for ln in lines
        if (m := re.fullmatch(r"(\w[\w ]*): (\d+) rule\(s\), \d+\.\ds", ln))
    }
    want: dict[str, int] = {}
    for r in rules:
        want[r.pillar.label] = want.get(r.pillar.label, 0) + 1
    assert pillars == want, lines
    # Not a terminal, or --quiet: nothing at all.
    for console in (
        Console(file=io.StringIO(), force_terminal=False),
        Console(file=io.StringIO(), force_terminal=True, quiet=True),
    ):
        quiet = Phases(console)
        with quiet.phase("writing json report"):
            pass
        assert not quiet.on
        assert console.file.getvalue() == ""  # type: ignore[attr-defined]
