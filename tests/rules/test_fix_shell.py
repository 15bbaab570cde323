"""Every rule's az CLI fix, filled with hostile tenant values, is safe to paste into bash: it
parses (`bash -n`), and run with a stub `az` first on PATH it calls az with exactly the argv
the template means (each placeholder one argument holding the value) and does nothing else."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiposture.rules.registry import all_rules
from aiposture.rules.types import PLACEHOLDERS, RuleSpec, _visible, fill_remediation

RULES = sorted(all_rules(), key=lambda r: r.id)
_TOKEN = re.compile(r"<[A-Z][A-Z0-9_]*>")

# The stub records each call as: argc, then the arguments, each NUL-terminated.
STUB = '#!/bin/sh\nprintf \'%s\\0\' "$#" "$@" >> "$AZ_RECORD"\n'

_hostile = st.one_of(
    st.sampled_from(
        [
            "a<LOCATION>",
            "<ID>",
            "$(touch pwned)",
            "`touch pwned`",
            "x'; touch pwned; '",
            'x"; touch pwned; "',
            "a;touch pwned",
            "a\ntouch pwned",
            "a\r\n$(touch pwned)",
            "-rf",
            "*",
            "~root",
            "{a,b}",
            "$HOME",
            "\\",
            "",
            "{{VNET}}",
            "\u202etxt.exe",
            "名前\u2066",
            "a|touch pwned",
            "a&touch pwned&",
            ">pwned",
            "<pwned",
            "#comment",
        ]
    ),
    st.text(
        alphabet=st.sampled_from("ab$()`'\";|&<>{}*?~#\\ \n\t\x00\x1b\u202e-/=:,.%"),
        max_size=12,
    ),
)


Values = dict[str, str | tuple[str, ...]]


def _values(spec: RuleSpec[Any], draw: st.DrawFn) -> Values:
    """Hostile values for the resource's placeholders; the rule's own ones are one value, or
    several (as many for each, as a rule gives them), or none, or unknown (left out)."""
    out: Values = {ph: draw(_hostile) for ph in PLACEHOLDERS}
    n = draw(st.integers(0, 2))
    for ph in spec.remediation.fills:
        kind = draw(st.sampled_from(["one", "several", "unknown"]))
        if kind == "one":
            out[ph] = draw(_hostile)
        elif kind == "several":
            out[ph] = tuple(draw(_hostile) for _ in range(n))
    return out


def _intended(template: str, values: Values) -> list[list[str]]:
    """The calls the template means: each line tokenized as the shell would (comments off),
    with each placeholder in a token replaced by the raw (visible) value; a line with
    several-valued placeholders once per value (none: no call), an unknown one as `{{NAME}}`."""
    calls = []
    for line in template.split("\n"):
        multi = [v for ph in _TOKEN.findall(line) if isinstance(v := values.get(ph), tuple)]
        for i in range(min(len(v) for v in multi) if multi else 1):
            markers: dict[str, str] = {}

            def mark(m: re.Match[str], markers: dict[str, str] = markers, i: int = i) -> str:
                key = f"PLACEHOLDER{len(markers)}X"
                v = values.get(m.group(0))
                if v is None:
                    markers[key] = "{{" + m.group(0)[1:-1] + "}}"
                else:
                    markers[key] = _visible(v[i] if isinstance(v, tuple) else v)
                return key

            tokens = shlex.split(_TOKEN.sub(mark, line), comments=True)
            for key, value in markers.items():
                tokens = [t.replace(key, value) for t in tokens]
            if tokens:
                calls.append(tokens)
    return calls


def _recorded(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    fields = path.read_bytes().split(b"\0")[:-1]
    calls = []
    i = 0
    while i < len(fields):
        argc = int(fields[i])
        calls.append(["az", *(f.decode() for f in fields[i + 1 : i + 1 + argc])])
        i += 1 + argc
    return calls


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fix-shell")
    (root / "bin").mkdir()
    stub = root / "bin" / "az"
    stub.write_text(STUB)
    stub.chmod(0o755)
    return root


@pytest.mark.parametrize("spec", RULES, ids=[r.id for r in RULES])
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_az_cli_fix_runs_exactly_the_intended_commands(
    spec: RuleSpec[Any], data: st.DataObject, sandbox: Path
) -> None:
    values = _values(spec, data.draw)
    az_cli = fill_remediation(spec.remediation, values)[1]
    check = subprocess.run(["bash", "-n"], input=az_cli, capture_output=True, text=True)
    assert check.returncode == 0, (az_cli, check.stderr)

    work = sandbox / "work"
    work.mkdir()
    record = sandbox / "record"
    try:
        env = {
            "PATH": f"{sandbox / 'bin'}:/usr/bin:/bin",
            "AZ_RECORD": str(record),
            "HOME": str(work),
            "LC_ALL": "C.UTF-8",
        }
        run = subprocess.run(
            ["bash", "--noprofile", "--norc", "-c", az_cli],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        assert run.returncode == 0, (az_cli, run.stderr)
        assert _recorded(record) == _intended(spec.remediation.az_cli, values), az_cli
        assert _files(work) == set(), az_cli  # nothing created: no injected command ran
        assert _files(sandbox) <= {"bin", "bin/az", "record", "work"}
    finally:
        record.unlink(missing_ok=True)
        for p in sorted(work.rglob("*"), reverse=True):
            p.unlink() if not p.is_dir() or p.is_symlink() else p.rmdir()
        work.rmdir()


def test_the_stub_catches_an_injection(sandbox: Path, tmp_path: Path) -> None:
    """The property above can fail: a naively filled command is caught."""
    naive = "az x --ids '/s/a'$(touch pwned)''"
    env = {"PATH": f"{sandbox / 'bin'}:/usr/bin:/bin", "AZ_RECORD": str(tmp_path / "rec")}
    subprocess.run(["bash", "-c", naive], cwd=tmp_path, env=env, check=True)
    assert "pwned" in _files(tmp_path)
    assert _recorded(tmp_path / "rec") == [["az", "x", "--ids", "/s/a"]]
    assert os.path.exists(sandbox / "bin" / "az")


def test_a_smuggled_placeholder_in_a_scanned_tenant_stays_one_argument(
    sandbox: Path, tmp_path: Path
) -> None:
    """The reported case, through the engine: an account named `a<LOCATION>` in location
    `$(touch pwned)`. The replace loop turned its fix into `--ids '/…/accounts/a'$(touch
    pwned)''`; now every fix of every rule on it runs as written and creates nothing."""
    import datetime as dt

    from aiposture.config import Settings
    from aiposture.model.normalize import normalize
    from aiposture.model.snapshot import Coverage, Metadata, Snapshot
    from aiposture.model.types import CoverageStatus
    from aiposture.rules.engine import evaluate

    rid = (
        "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg`id`/providers"
        "/Microsoft.CognitiveServices/accounts/a<LOCATION>"
    )
    row = {
        "id": rid,
        "name": "a<LOCATION>",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "$(touch pwned)\u202e",
        "properties": {},
    }
    inv = normalize(
        Snapshot(
            metadata=Metadata(tenant_id="t"),
            coverage=[Coverage("resources", "tenant", CoverageStatus.COMPLETE)],
            resources=[row],
        )
    )
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    findings = [f for f in evaluate(inv, Settings(), now=now) if f.resource_id == rid]
    assert any(f.rule.id == "AIP-IDN-001" and f.status.value == "FAIL" for f in findings)
    work = tmp_path
    env = {"PATH": f"{sandbox / 'bin'}:/usr/bin:/bin", "AZ_RECORD": str(work / "rec")}
    for f in findings:
        az_cli = f.remediation.az_cli
        subprocess.run(["bash", "-c", az_cli], cwd=work, env=env, check=True)
        assert _files(work) <= {"rec"}, (f.rule.id, az_cli)
        ids = [c[c.index("--ids") + 1] for c in _recorded(work / "rec") if "--ids" in c]
        assert all(i == rid for i in ids if not i.startswith("{{")), (f.rule.id, ids)
        (work / "rec").unlink(missing_ok=True)
