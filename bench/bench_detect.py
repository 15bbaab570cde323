"""Benchmark: precision/recall of the AIP-DET detections on held-out synthetic seeds, and
throughput of `aiposture logs analyze`.

    .venv/bin/python bench/bench_detect.py                       # seeds 101-110, scale 10
    .venv/bin/python bench/bench_detect.py --seeds 101-130 --throughput-scale 40

Thresholds were tuned on seeds 1-3 only; seeds 101+ are held out. A finding is a true
positive when it names the injected anomaly's entity (or an entity the anomaly also moves,
listed as "acceptable" in ground_truth.json, e.g. the deployment of a bursting caller) within
an hour of its window; recall counts only the detection each anomaly is labelled with. The
false-positive rate is per 1,000 entity-hours (entities = the callers, deployments or
principals in the data). Throughput runs the real CLI in a subprocess: rows/s over the whole
command (load + all detections) and its peak RSS. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

from aiposture.detect.analyze import Finding, analyze, load
from aiposture.detect.catalog import DETECTIONS
from aiposture.detect.model import EventMatch
from aiposture.detect.synth import synth_logs


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def _overlaps(f: Finding, label: dict) -> bool:
    start = dt.datetime.fromisoformat(label["start"])
    end = dt.datetime.fromisoformat(label["end"])
    return f.start < end + dt.timedelta(hours=1) and f.end > start - dt.timedelta(hours=1)


def _entity_hours(files: list[Path]) -> dict[str, int]:
    con = duckdb.connect()
    load(con, files)
    out = {}
    for det in DETECTIONS:
        src = det.logic.source
        entity = src.field(
            det.logic.principal if isinstance(det.logic, EventMatch) else det.logic.entity
        )
        t = src.field("time").sql
        row = con.execute(
            f"WITH base AS ({src.sql_base}) SELECT count(DISTINCT {entity.sql}), "
            f"date_diff('hour', min({t}), max({t})) + 1 FROM base"
        ).fetchone()
        out[det.id] = int(row[0]) * int(row[1]) if row else 0
    con.close()
    return out


def quality(seeds: list[int], weeks: int) -> None:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    found: dict[str, int] = defaultdict(int)
    labelled: dict[str, int] = defaultdict(int)
    hours: dict[str, int] = defaultdict(int)
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            synth_logs(out, seed=seed, weeks=weeks)
            truth = json.loads((out / "ground_truth.json").read_text())
            files = sorted(out.glob("*.csv"))
            result = analyze(files, truth["change_admins"])
            for det_id, n in _entity_hours(files).items():
                hours[det_id] += n
        labels = truth["anomalies"]
        for f in result.findings:
            ok = any(
                _overlaps(f, lb)
                and (
                    (f.detection, f.entity) == (lb["detection"], lb["entity"])
                    or [f.detection, f.entity] in lb["acceptable"]
                )
                for lb in labels
            )
            (tp if ok else fp)[f.detection] += 1
            if not ok:
                print(f"  seed {seed}: false positive {f.detection} {f.entity} {f.start}")
        for lb in labels:
            labelled[lb["detection"]] += 1
            if any(
                f.detection == lb["detection"] and f.entity == lb["entity"] and _overlaps(f, lb)
                for f in result.findings
            ):
                found[lb["detection"]] += 1
            else:
                print(f"  seed {seed}: missed {lb['detection']} {lb['kind']} {lb['entity']}")
    print(f"\nSeeds {seeds[0]}-{seeds[-1]} ({len(seeds)} runs, {weeks} weeks each)\n")
    print("| Detection | Findings | Precision | Recall | FP / 1,000 entity-hours |")
    print("|---|---:|---:|---:|---:|")
    for det in DETECTIONS:
        n = tp[det.id] + fp[det.id]
        precision = tp[det.id] / n if n else float("nan")
        recall = found[det.id] / labelled[det.id] if labelled[det.id] else float("nan")
        rate = 1000 * fp[det.id] / hours[det.id] if hours[det.id] else float("nan")
        print(
            f"| {det.id} | {n} | {precision:.2f} | {recall:.2f} "
            f"({found[det.id]}/{labelled[det.id]}) | {rate:.3f} |"
        )


def throughput(scale: float, weeks: int, fmt: str) -> None:
    exe = Path(sys.executable).with_name("aiposture")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "logs"
        t0 = time.perf_counter()
        stats = synth_logs(out, seed=999, weeks=weeks, scale=scale, fmt=fmt)
        synth_s = time.perf_counter() - t0
        rows = sum(stats.rows.values())
        size = sum(p.stat().st_size for p in out.iterdir())
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(exe), "logs", "analyze", str(out), "--format", "json",
             "--change-admins-file", str(out / "change_admins.txt")],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - t0
        if proc.returncode != 0:
            print(proc.stderr)
            return
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        findings = len(json.loads(proc.stdout)["findings"])
    print(
        f"\nThroughput ({fmt}, scale {scale:g}, {weeks} weeks): {rows:,} rows, "
        f"{size / 2**20:,.0f} MiB on disk (synth {synth_s:.1f} s)\n"
    )
    print("| Rows | Analyze (s) | Rows/s | Peak RSS (MiB) | Findings |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {rows:,} | {elapsed:.1f} | {rows / elapsed:,.0f} | {peak:,.0f} | {findings} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="101-110")
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--throughput-scale", type=float, default=10.0)
    parser.add_argument("--format", default="csv", choices=["csv", "jsonl"])
    args = parser.parse_args(argv)
    quality(_seeds(args.seeds), args.weeks)
    if args.throughput_scale > 0:
        throughput(args.throughput_scale, args.weeks, args.format)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
