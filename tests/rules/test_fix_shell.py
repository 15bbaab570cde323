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


def _values(spec: RuleSpec[Any], draw: st.DrawFn) -> dict[str, str]:
    names = {*PLACEHOLDERS, *spec.remediation.fills}
    return {ph: draw(_hostile) for ph in sorted(names)}


def _intended(template: str, values: dict[str, str]) -> list[list[str]]:
    """The calls the template means: each line tokenized as the shell would (comments off),
    with each placeholder in a token replaced by the raw (visible) value."""
    calls = []
    for line in template.split("\n"):
        markers: dict[str, str] = {}

        def mark(m: re.Match[str], markers: dict[str, str] = markers) -> str:
            key = f"PLACEHOLDER{len(markers)}X"
            ph = m.group(0)
            markers[key] = _visible(values[ph]) if ph in values else "{{" + ph[1:-1] + "}}"
            return key

        tokens = shlex.split(_TOKEN.sub(mark, line), comments=True)
        if not tokens:
            continue
        for key, value in markers.items():
            tokens = [t.replace(key, value) for t in tokens]
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
        assert _files(sandbox) == {"bin", "bin/az", "record", "work"}
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
