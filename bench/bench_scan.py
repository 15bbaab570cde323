"""Offline scan benchmark: `aiposture scan` of a synthetic tenant against the JSON parse floor.

In one run, on the same file:
  floor  gunzip + msgspec decode of the whole snapshot document, in a fresh interpreter
         (the time is taken inside the child, so interpreter start-up is not counted);
  scan   `aiposture scan --input FILE --format json --output REPORT -q` in a subprocess
         (wall time including start-up and writing the report, so the ratio is conservative).
Peak memory is the child's max RSS from os.wait4 (per process, not cumulative).
Each measurement is repeated and the fastest run is kept (the machine is shared).

Usage: python bench/bench_scan.py [--resources 100000] [--seed 7] [--repeat 3] [--keep DIR]
Prints a Markdown table; --json FILE also writes the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
AIPOSTURE = BIN / "aiposture"

FLOOR_CODE = """
import gzip, sys, time
import msgspec
t0 = time.perf_counter()
c0 = time.process_time()
with open(sys.argv[1], "rb") as fh:
    data = fh.read()
if data[:2] == b"\\x1f\\x8b":
    data = gzip.decompress(data)
t1 = time.perf_counter()
doc = msgspec.json.decode(data)
t2 = time.perf_counter()
c2 = time.process_time()
print(f"{t2 - t0:.6f} {t1 - t0:.6f} {len(data)} {c2 - c0:.6f}")
"""

TARGET_RATIO = 3.0
TARGET_RSS_100K = 1 * 1024**3
TARGET_RSS_1M = 4 * 1024**3


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system CPU of the child (robust to a loaded machine)
    peak_rss_bytes: int
    stdout: str
    returncode: int


@dataclass
class Result:
    resources: int
    seed: int
    file_bytes: int
    json_bytes: int
    synth_s: float
    synth_peak_rss_bytes: int
    floor_s: float
    floor_gunzip_s: float
    floor_peak_rss_bytes: int
    scan_s: float
    scan_peak_rss_bytes: int
    ratio: float
    floor_cpu_s: float
    scan_cpu_s: float
    cpu_ratio: float
    load: float  # 1-minute load average when the size finished
    findings: int
    unknown: int
    unknown_by: dict[str, int]
    machine: str
    commands: list[str]
    started: str = ""  # UTC, when this size's synth began
    finished: str = ""  # UTC, when its last scan ended
    repeat: int = 0  # runs of floor and scan (the fastest kept)
    command: str = ""  # the benchmark command that measured it


def run_child(cmd: list[str]) -> Run:
    """Run a command; wall time and that child's own peak RSS (os.wait4, Linux KiB)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode()
        if proc.returncode != 0:
            sys.stderr.write(err.read().decode())
            raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, cpu, usage.ru_maxrss * 1024, stdout, proc.returncode)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kib / 1024**2:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import msgspec

    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Linux {platform.release()}; "
        f"Python {platform.python_version()}; msgspec {msgspec.__version__}"
    )


def bench(
    resources: int, seed: int, repeat: int, workdir: Path, config: Path | None = None
) -> Result:
    path = workdir / f"synth-{resources}-{seed}.json.gz"
    synth_cmd = [
        str(AIPOSTURE), "synth", "--resources", str(resources), "--seed", str(seed),
        "--output", str(path), "-q",
    ]  # fmt: skip
    floor_cmd = [sys.executable, "-c", FLOOR_CODE, str(path)]
    report = workdir / f"report-{resources}.json"
    scan_cmd = [
        str(AIPOSTURE), "scan", "--input", str(path), "--format", "json",
        "--output", str(report), "-q",
    ]  # fmt: skip
    if config is not None:
        scan_cmd += ["--config", str(config)]
    print(f"# synth {resources:,} resources ...", file=sys.stderr)
    started = utc_now()
    synth = run_child(synth_cmd)  # re-run even when kept: its time is reported

    floors: list[tuple[float, float, int, int]] = []
    scans: list[Run] = []
    for i in range(repeat):
        print(f"# run {i + 1}/{repeat}: floor, scan ...", file=sys.stderr)
        fl = run_child(floor_cmd)
        total, gunzip, size, cpu = fl.stdout.split()
        floors.append((float(total), float(gunzip), int(size), fl.peak_rss_bytes, float(cpu)))
        scans.append(run_child(scan_cmd))
    floor = min(floors)
    scan = min(scans, key=lambda r: r.wall_s)
    floor_cpu = min(f[4] for f in floors)
    scan_cpu = min(r.cpu_s for r in scans)

    findings, unknown = census(report)
    report.unlink()
    shown = [" ".join(c).replace(sys.executable, "python") for c in (synth_cmd, scan_cmd)]
    return Result(
        resources=resources,
        seed=seed,
        file_bytes=path.stat().st_size,
        json_bytes=floor[2],
        synth_s=synth.wall_s,
        synth_peak_rss_bytes=synth.peak_rss_bytes,
        floor_s=floor[0],
        floor_gunzip_s=floor[1],
        floor_peak_rss_bytes=max(f[3] for f in floors),
        scan_s=scan.wall_s,
        scan_peak_rss_bytes=max(r.peak_rss_bytes for r in scans),
        ratio=scan.wall_s / floor[0],
        floor_cpu_s=floor_cpu,
        scan_cpu_s=scan_cpu,
        cpu_ratio=scan_cpu / floor_cpu,
        load=os.getloadavg()[0],
        findings=findings,
        unknown=sum(unknown.values()),
        unknown_by=dict(unknown.most_common()),
        machine=machine(),
        commands=shown,
        started=started,
        finished=utc_now(),
        repeat=repeat,
        command=bench_command(),
    )


def bench_command() -> str:
    return os.environ.get("AIPOSTURE_BENCH_COMMAND") or " ".join(
        ["python bench/bench_scan.py", *sys.argv[1:]]
    )


def utc_now() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def census(report: Path) -> tuple[int, Counter[str]]:
    """Findings in a JSON report, and the UNKNOWN ones by rule and missing collections.

    Read line by line (the report can be gigabytes): each finding opens with its rule_id at
    six spaces of indentation, then its status, then (after the evidence) its `missing` list.
    """
    findings = 0
    unknown: Counter[str] = Counter()
    rule = ""
    is_unknown = False
    missing: list[str] | None = None
    with report.open("rb") as fh:
        for line in fh:
            if line.startswith(b'      "rule_id": '):
                findings += 1
                rule = json.loads(line.split(b":", 1)[1].rstrip(b",\n"))
                is_unknown = False
            elif line.startswith(b'      "status": '):
                is_unknown = b'"UNKNOWN"' in line
            elif is_unknown and line.startswith(b'      "missing": '):
                if line.rstrip().endswith((b"[],", b"[]")):
                    unknown[f"{rule} (missing: -)"] += 1
                else:
                    missing = []
            elif missing is not None:
                if line.startswith(b"      ]"):
                    unknown[f"{rule} (missing: {', '.join(missing)})"] += 1
                    missing = None
                else:
                    missing.append(json.loads(line.strip().rstrip(b",")))
    return findings, unknown


def gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB"


def markdown(results: list[Result]) -> str:
    lines = [
        "| resources | rows (MB JSON / MB gz) | findings | UNKNOWN | synth | parse floor "
        "wall / CPU | scan wall / CPU | scan / floor, wall | scan / floor, CPU | scan peak RSS "
        "| floor peak RSS | load | targets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        rss_target = TARGET_RSS_100K if r.resources <= 100_000 else TARGET_RSS_1M
        ok = r.scan_peak_rss_bytes < rss_target and r.cpu_ratio <= TARGET_RATIO
        target = f"<= {TARGET_RATIO:g}x and < {gib(rss_target)}"
        lines.append(
            f"| {r.resources:,} | {r.json_bytes / 1e6:,.0f} / {r.file_bytes / 1e6:,.0f} | "
            f"{r.findings:,} | {r.unknown:,} | {r.synth_s:.1f} s | {r.floor_s:.2f} / "
            f"{r.floor_cpu_s:.2f} s | {r.scan_s:.2f} / {r.scan_cpu_s:.2f} s | {r.ratio:.2f}x | "
            f"**{r.cpu_ratio:.2f}x** | {gib(r.scan_peak_rss_bytes)} | "
            f"{gib(r.floor_peak_rss_bytes)} | {r.load:.1f} | "
            f"{target}: {'met' if ok else 'NOT met'} |"
        )
    if len(results) > 1:
        lines.append("")
        lines.append("Growth from one size to the next (1.0x per 1.0x resources is linear):")
        lines.append("")
        lines.append(
            "| from -> to | resources | floor CPU | scan CPU | scan wall | scan peak RSS |"
        )
        lines.append("|---|---|---|---|---|---|")
        for a, b in itertools.pairwise(results):
            lines.append(
                f"| {a.resources:,} -> {b.resources:,} | {b.resources / a.resources:.1f}x | "
                f"{b.floor_cpu_s / a.floor_cpu_s:.1f}x | {b.scan_cpu_s / a.scan_cpu_s:.1f}x | "
                f"{b.scan_s / a.scan_s:.1f}x | "
                f"{b.scan_peak_rss_bytes / a.scan_peak_rss_bytes:.1f}x |"
            )
    lines.append("")
    for r in results:
        if r.unknown_by:
            lines.append(f"UNKNOWN at {r.resources:,}, by rule and missing collection:")
            lines.extend(f"  {n:,}  {key}" for key, n in r.unknown_by.items())
        else:
            lines.append(f"UNKNOWN at {r.resources:,}: none")
    lines.append("")
    lines.append(f"Machine: {results[0].machine}")
    return "\n".join(lines)


def section(results: list[Result]) -> str:
    """The "Offline scan" section of docs/performance.md, as pasted there: the command, when
    and where it ran, the table, the growth table and the UNKNOWN census."""
    first = min(r.started or r.finished for r in results)
    last = max(r.finished for r in results)
    loads = sorted(r.load for r in results)
    load = f"{loads[0]:.1f}" if loads[0] == loads[-1] else f"{loads[0]:.1f}-{loads[-1]:.1f}"
    repeats = ", ".join(
        f"{r.resources:,}: " + (f"fastest of {r.repeat}" if r.repeat > 1 else "one run")
        for r in results
    )
    if last[:10] == first[:10]:
        last = last[11:]
    commands = " and ".join(f"`{c}`" for c in dict.fromkeys(r.command for r in results))
    return "\n".join(
        [
            "### Offline scan (`make bench`)",
            "",
            "    make bench                        # = .venv/bin/python bench/run.py: 10k and 100k",
            "    AIPOSTURE_BENCH_FULL=1 make bench # adds 1M (one run)",
            "",
            f"Generated by {commands} (runs: {repeats}), {first} to {last}, 1-minute load "
            f"average {load} at the end of each size; machine: {results[0].machine}.",
            "",
            markdown(results),
            "",
        ]
    )


def load_results(paths: list[Path]) -> list[Result]:
    """Results written by --json, in order of size (later files win for a size)."""
    by_size: dict[int, Result] = {}
    for path in paths:
        for item in json.loads(path.read_text()):
            r = Result(**item)
            by_size[r.resources] = r
    return [by_size[n] for n in sorted(by_size)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resources", type=int, action="append", help="repeatable; default 100000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="keep the synthetic files in DIR")
    ap.add_argument("--json", type=Path, help="also write the figures to FILE")
    ap.add_argument("--config", type=Path, help="aiposture.toml for the scan (e.g. to disable)")
    ap.add_argument(
        "--markdown",
        type=Path,
        help="also write the docs/performance.md section (command, time, machine, tables)",
    )
    ap.add_argument(
        "--from-json",
        type=Path,
        action="append",
        help="measure nothing: print (and --markdown) the results of earlier --json files, "
        "e.g. a 1M run made apart; repeatable, a later file's size replaces an earlier one's",
    )
    args = ap.parse_args(argv)
    if args.from_json:
        results = load_results(args.from_json)
    else:
        sizes = args.resources or [100_000]
        results = []
        with tempfile.TemporaryDirectory(prefix="aiposture-bench-") as tmp:
            workdir = args.keep or Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            for n in sizes:
                repeat = args.repeat if n <= 100_000 else 1
                results.append(bench(n, args.seed, repeat, workdir, args.config))
    print(markdown(results))
    if args.json and not args.from_json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    if args.markdown:
        args.markdown.write_text(section(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
