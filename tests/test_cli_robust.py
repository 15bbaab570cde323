"""No tracebacks anywhere: every hostile input, output or stream gives one line on stderr and a
documented exit code (README "Exit codes"); 1 only ever means the --fail-on gate tripped.

Real failures only: /dev/full, a closed stdout, a reader that stops reading, missing and
unwritable directories, a path longer than PATH_MAX, deeply nested files, an unexpected
exception raised inside the real `main`.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

EXE = Path(sys.executable).with_name("aiposture")
ENV = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
LONG = "/tmp/" + "a" * 5000
EXIT_INTERNAL = 70
EXIT_BROKEN_PIPE = 141


def _limit_memory() -> None:
    # A regression (reading /dev/zero whole) must fail the test, not the machine.
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run(
    *args: str | Path,
    stdout: Any = subprocess.PIPE,
    preexec: Callable[[], None] = _limit_memory,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXE), *map(str, args)],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env or ENV,
        timeout=timeout,
        check=False,
        preexec_fn=preexec,
    )


def one_line(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == code, proc.stderr[-3000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr[-3000:]
    assert len(lines[0]) < 400, lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


# ---- configuration ----------------------------------------------------------------------------


def test_toml_nested_5000_deep(tmp_path: Path) -> None:
    cfg = tmp_path / "deep.toml"
    cfg.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    one_line(run("scan", "--demo", "--config", cfg), 2, str(cfg), "nested too deeply")


def test_dev_zero_as_config_is_bounded() -> None:
    one_line(run("scan", "--demo", "--config", "/dev/zero", timeout=60), 2, "/dev/zero", "larger")


def test_config_is_a_directory(tmp_path: Path) -> None:
    one_line(run("scan", "--demo", "--config", tmp_path), 2, str(tmp_path), "EISDIR")


def test_config_from_a_fifo_interrupted_exits_130(tmp_path: Path) -> None:
    fifo = tmp_path / "cfg"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [str(EXE), "scan", "--demo", "--config", str(fifo)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        # A test runner started in the background inherits SIGINT ignored, and so would the
        # child (Python then installs no KeyboardInterrupt handler): give it the default back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    # Interrupt once it is blocked opening the FIFO (on a loaded machine the interpreter may
    # still be importing after a fixed delay); /proc tells where it waits.
    wchan = Path(f"/proc/{proc.pid}/wchan")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if wchan.read_text() == "wait_for_partner":
                break
        except OSError:
            break  # no /proc here: fall back to the delay below
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["aiposture: interrupted"]


# ---- paths longer than PATH_MAX ---------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--demo", "--config", LONG),
        ("scan", "--input", LONG),
        ("scan", "--demo", "--format", "json", "--output", LONG),
        ("scan", "--demo", "--output", LONG),
        ("scan", "--demo", "--output-dir", LONG),
        ("graph", "--input", LONG),
        ("synth", "-n", "5", "--output", LONG),
    ],
)
def test_5000_character_path(args: tuple[str, ...]) -> None:
    line = one_line(run(*args), 2, "ENAMETOOLONG", "5,005 characters")
    assert "a" * 200 not in line  # shortened in the message


# ---- outputs that cannot be written -------------------------------------------------------------


def _drop_dac_override() -> None:
    """As root, chmod does not stop writes: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from
    the bounding set so the exec'd aiposture runs without them (a real EACCES)."""
    _limit_memory()
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl")


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    ro = tmp_path / "ro"
    ro.mkdir()
    (ro / "report.txt").write_text("previous\n", encoding="utf-8")
    ro.chmod(0o555)
    yield ro
    ro.chmod(0o755)


@pytest.mark.parametrize("fmt", ["terminal", "json", "csv"])
def test_output_into_missing_directory(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "missing" / "r.out"
    proc = run("scan", "--demo", "--format", fmt, "--output", out)
    one_line(proc, 2, str(out), "ENOENT", "nothing was written")
    assert proc.stdout == ""


@pytest.mark.parametrize("command", [("scan", "--demo"), ("paths", "--demo"), ("rules",)])
def test_terminal_output_into_read_only_directory(
    read_only_dir: Path, command: tuple[str, ...]
) -> None:
    out = read_only_dir / "report.txt"
    proc = run(*command, "--output", out, preexec=_drop_dac_override)
    one_line(proc, 2, str(out), "EACCES", "unchanged")
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_output_dir_read_only(read_only_dir: Path) -> None:
    proc = run(
        "scan", "--demo", "--format", "terminal,json", "--output-dir", read_only_dir,
        preexec=_drop_dac_override,
    )  # fmt: skip
    one_line(proc, 2, str(read_only_dir), "EACCES")
    assert sorted(p.name for p in read_only_dir.iterdir()) == ["report.txt"]


def test_output_on_read_only_file_system(tmp_path: Path) -> None:
    """EROFS from a real read-only bind mount (needs a private mount namespace: root)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = f'mount --bind {mnt} {mnt} && mount -o remount,bind,ro {mnt} || exit 99; exec "$@"'
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", str(EXE), "scan", "--demo", "--format",
         "json", "--output", str(mnt / "r.json")],
        capture_output=True, text=True, env=ENV, timeout=300, check=False,
    )  # fmt: skip
    if (
        proc.returncode == 99
        or "unshare failed" in proc.stderr
        or "Operation not permitted" in (proc.stderr)
    ):
        pytest.skip("no private mount namespace here")
    one_line(proc, 2, "EROFS", str(mnt / "r.json"))


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--demo", "--output", "/dev/full"),
        ("scan", "--demo", "--format", "json", "--output", "/dev/full"),
        ("scan", "--demo", "--format", "html", "--output", "/dev/full"),
        ("paths", "--demo", "--output", "/dev/full"),
        ("access", "--demo", "--format", "csv", "--output", "/dev/full"),
        ("synth", "-n", "50", "--output", "/dev/full"),
    ],
)
def test_output_to_dev_full(args: tuple[str, ...]) -> None:
    one_line(run(*args), 2, "/dev/full", "ENOSPC")
    assert Path("/dev/full").is_char_device()  # written through, never replaced


def test_output_dir_is_a_device() -> None:
    one_line(run("scan", "--demo", "--output-dir", "/dev/full"), 2, "/dev/full", "EEXIST")


# ---- stdout: full, closed, closed early by the reader ---------------------------------------


STDOUT_COMMANDS = [
    ("scan", "--demo"),
    ("scan", "--demo", "--format", "json"),
    ("scan", "--demo", "--format", "csv"),
    ("paths", "--demo"),
    ("rules",),
    ("permissions",),
    ("permissions", "--format", "json"),
]


@pytest.mark.parametrize("args", STDOUT_COMMANDS)
def test_stdout_is_dev_full(args: tuple[str, ...]) -> None:
    with Path("/dev/full").open("wb") as full:
        proc = run(*args, stdout=full)
    line = one_line(proc, 2, "standard output", "ENOSPC")
    assert "Exception ignored" not in line


@pytest.mark.parametrize("args", STDOUT_COMMANDS[:3])
def test_stdout_closed(args: tuple[str, ...]) -> None:
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", str(EXE), *args],
        stderr=subprocess.PIPE, text=True, env=ENV, timeout=300, check=False,
    )  # fmt: skip
    one_line(proc, 2, "standard output", "EBADF")


def test_stdout_closed_does_not_matter_with_output(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", str(EXE), "scan", "--demo", "--format", "json",
         "--output", str(out), "-q"],
        stderr=subprocess.PIPE, text=True, env=ENV, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["findings"]


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--demo"),
        ("scan", "--demo", "--format", "json"),
        ("scan", "--demo", "--fail-on", "high"),
        ("paths", "--demo"),
        ("access", "--demo"),
    ],
)
def test_reader_stops_early_broken_pipe(args: tuple[str, ...]) -> None:
    """`aiposture scan --demo | head -1`: quiet, exit 141 (128 + SIGPIPE), never 1."""
    proc = subprocess.Popen(
        [str(EXE), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=300) == EXIT_BROKEN_PIPE, err
    assert err == ""  # no "Exception ignored ... BrokenPipeError" at shutdown either


def test_shell_pipe_into_head() -> None:
    proc = subprocess.run(
        ["bash", "-c", f'"{EXE}" scan --demo | head -1; echo "status=${{PIPESTATUS[0]}}" >&2'],
        capture_output=True, text=True, env=ENV, timeout=300, check=False,
    )  # fmt: skip
    assert proc.stderr.strip().splitlines() == [f"status={EXIT_BROKEN_PIPE}"]
    assert len(proc.stdout.splitlines()) == 1


# ---- out-of-range options and endless files are usage/input errors, not internal ones -------


@pytest.mark.parametrize(
    "args",
    [
        ("fake-azure", "--demo", "--port", "99999"),
        ("fake-azure", "--demo", "--port", "-1"),
        ("fake-azure", "--demo", "--port", "0", "--latency", "-1"),
        ("fake-azure", "--demo", "--port", "0", "--throttle-every", "-3"),
        ("paths", "--demo", "--limit", "-5"),
        ("scan", "--demo", "--format", ","),
    ],
)
def test_bad_option_values_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    proc = run(*args, "--cert-dir", tmp_path) if args[0] == "fake-azure" else run(*args)
    line = one_line(proc, 2, f"aiposture {args[0]}: error: Invalid value", "--help")
    assert "internal error" not in line


@pytest.mark.parametrize(
    "args",
    [
        ("scan",),
        ("scan", "--demo", "--fail-on", "sometimes"),
        ("scan", "--demo", "--outptu", "x"),
        ("synth", "--resources", "0", "--output", "x.json"),
        ("nosuchcommand",),
        ("scan", "--demo", "--fail-on-new", "high"),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...]) -> None:
    one_line(run(*args), 2, "error:", "--help")


def test_baseline_that_never_ends(tmp_path: Path) -> None:
    one_line(run("scan", "--demo", "--baseline", "/dev/zero", timeout=60), 2, "/dev/zero")


def test_baseline_nested_deeply(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text('{"findings": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    one_line(run("scan", "--demo", "--baseline", base), 2, str(base))


# ---- deeply nested inputs -------------------------------------------------------------------


@pytest.fixture
def deep_json(tmp_path: Path) -> Path:
    path = tmp_path / "deep.json"
    path.write_text('{"value": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("scan", "--format", "json", "--input"),
        ("graph", "--input"),
        ("paths", "--input"),
        ("fake-azure", "--port", "0", "--input"),
    ],
)
def test_json_nested_deeply(tmp_path: Path, deep_json: Path, args: tuple[str, ...]) -> None:
    proc = run(*args, deep_json, timeout=120)
    one_line(proc, 2, str(deep_json))
    assert proc.stdout == ""


@pytest.fixture(scope="module")
def gzip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """800 KB of gzip that inflates to 768 MiB of whitespace."""
    import zlib

    path = tmp_path_factory.mktemp("bomb") / "bomb.json.gz"
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (64 << 20)
    with path.open("wb") as fh:
        fh.write(comp.compress(b"["))
        for _ in range(12):
            fh.write(comp.compress(chunk))
        fh.write(comp.compress(b"]") + comp.flush())
    return path


@pytest.mark.parametrize("command", ["scan", "graph"])
def test_out_of_memory_while_reading(gzip_bomb: Path, command: str) -> None:
    """A real MemoryError (address space capped at 512 MiB) while inflating the input."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))

    proc = run(command, "--input", gzip_bomb, preexec=cap, timeout=120)
    one_line(proc, 2, str(gzip_bomb))
    assert proc.stdout == ""


# ---- internal errors: one line, exit 70, the traceback saved (or shown with --debug) ------------

_BROKEN_COMMAND = textwrap.dedent(
    """
    import sys
    import click
    from aiposture.cli import main as m

    @m.cli.command("boom")
    @click.argument("kind")
    def boom(kind):
        if kind == "value":
            raise ValueError("kaboom in a renderer")
        if kind == "recursion":
            def f(n):
                return f(n + 1) + 1
            f(0)
        if kind == "memory":
            bytearray(1 << 60)
        if kind == "exit1":
            sys.exit(1)

    m.main(sys.argv[1:])
    """
)


def run_broken(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _BROKEN_COMMAND, *args],
        capture_output=True,
        text=True,
        env={**ENV, "TMPDIR": str(tmp_path), **(env or {})},
        timeout=120,
        check=False,
    )


def _saved_traceback(line: str) -> str:
    match = re.search(r"traceback saved to (\S+);", line)
    assert match, line
    return Path(match.group(1)).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("value", "ValueError: kaboom in a renderer"),
        ("recursion", "recursion too deep"),
        ("memory", "out of memory"),
        ("exit1", "SystemExit"),  # 1 is the gate's: an exit(1) elsewhere is a bug
    ],
)
def test_internal_error_one_line_and_saved_traceback(tmp_path: Path, kind: str, what: str) -> None:
    proc = run_broken(tmp_path, "boom", kind)
    line = one_line(proc, EXIT_INTERNAL, "internal error", what, "<string>")
    saved = _saved_traceback(line)
    assert saved.startswith("aiposture ") and "Traceback (most recent call last)" in saved
    assert Path(line.split("traceback saved to ")[1].split(";")[0]).parent == tmp_path


@pytest.mark.parametrize("how", ["flag", "env"])
def test_internal_error_debug_prints_the_traceback(tmp_path: Path, how: str) -> None:
    if how == "flag":
        proc = run_broken(tmp_path, "--debug", "boom", "value")
    else:
        proc = run_broken(tmp_path, "boom", "value", env={"AIPOSTURE_DEBUG": "1"})
    assert proc.returncode == EXIT_INTERNAL
    assert proc.stderr.startswith("Traceback (most recent call last)")
    assert "ValueError: kaboom in a renderer" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("aiposture: internal error:")
    assert list(tmp_path.glob("aiposture-traceback-*")) == []


# ---- --fail-on says what tripped it ---------------------------------------------------------

_GATE = re.compile(
    r"^aiposture: (--fail-on(?:-new)? \w+) tripped by ([\d,]+) (new )?failing finding\(s\): "
    r"(.*?)(?: and ([\d,]+) more)?; exit 1$"
)


def _gate(line: str) -> tuple[str, int, list[tuple[str, str, str]], int]:
    match = _GATE.match(line)
    assert match, line
    shown = [
        (m.group(1), m.group(2), m.group(3))
        for m in re.finditer(r"(AIP-[A-Z]+-\d+) (\S+) \((\w+)\)", match.group(4))
    ]
    more = int((match.group(5) or "0").replace(",", ""))
    return match.group(1), int(match.group(2).replace(",", "")), shown, more


def _failures(report: Path, at_least: set[str]) -> list[dict[str, Any]]:
    doc = json.loads(report.read_text(encoding="utf-8"))
    return [
        f
        for f in doc["findings"]
        if f["status"] == "FAIL" and f["severity"] in at_least and not f["suppressed"]
    ]


def test_fail_on_names_count_and_worst_findings(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = run("scan", "--demo", "-q", "--format", "json", "--output", out, "--fail-on", "high")
    assert proc.returncode == 1
    gate, count, shown, more = _gate(one_line(proc, 1))
    expected = _failures(out, {"critical", "high"})
    assert gate == "--fail-on high"
    assert count == len(expected) and more == count - len(shown) and len(shown) == 3
    rank = {"critical": 0, "high": 1}
    worst = sorted(expected, key=lambda f: (rank[f["severity"]], f["rule_id"], f["resource_name"]))
    assert shown == [(f["rule_id"], f["resource_name"], f["severity"]) for f in worst[:3]]
    assert {s[2] for s in shown} == {"critical"}  # the demo has four criticals: they lead


def test_fail_on_new_names_the_new_finding(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert run("scan", "--demo", "-q", "--format", "json", "--output", base).returncode == 0
    doc = json.loads(base.read_text(encoding="utf-8"))
    high = next(f for f in doc["findings"] if f["status"] == "FAIL" and f["severity"] == "high")
    doc["findings"].remove(high)
    base.write_text(json.dumps(doc), encoding="utf-8")
    proc = run(
        "scan", "--demo", "-q", "--format", "json", "--output", tmp_path / "r.json",
        "--baseline", base, "--fail-on-new", "high",
    )  # fmt: skip
    gate, count, shown, more = _gate(one_line(proc, 1))
    assert (gate, count, more) == ("--fail-on-new high", 1, 0)
    assert shown == [(high["rule_id"], high["resource_name"], "high")]


def test_exit_codes_documented() -> None:
    """README's table and `aiposture --help` list the same codes the CLI uses."""
    from aiposture import errors

    used = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert {int(c) for c in re.findall(r"^\| (\d+) \|", section, re.M)} == used
    help_text = " ".join(run("--help").stdout.split())
    for code in sorted(used):
        assert re.search(rf"\b{code}\b", help_text), code
