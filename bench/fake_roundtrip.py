"""Round trip through the fake Azure: serve a snapshot, collect it live, scan, and compare
with the offline scan of the same snapshot finding by finding (rule, resource, status).

    .venv/bin/python bench/fake_roundtrip.py demo synth 2000

Prints per snapshot the findings, how many differ and the status transitions (docs/fake-azure.md).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "live"))

from live_helpers import collect, findings

from aiposture.collect.demo import demo_snapshot
from aiposture.collect.synth import synth_to
from aiposture.fakeazure.server import FakeAzure, Limits
from aiposture.model.snapshot import Snapshot, load_snapshot


def measure(name: str, load: Callable[[], Snapshot]) -> None:
    direct = {(r, i): s for r, i, s in findings(load())}
    with tempfile.TemporaryDirectory() as d, FakeAzure(load(), Path(d), limits=Limits()) as fake:
        started = time.perf_counter()
        collector, live = collect(fake, page_size=1000)
        elapsed = time.perf_counter() - started
    got = {(r, i): s for r, i, s in findings(live)}
    diff = [k for k in direct.keys() | got.keys() if direct.get(k) != got.get(k)]
    moves = Counter((direct.get(k), got.get(k)) for k in diff)
    rules = Counter(k[0] for k in diff)
    print(
        f"{name}: {len(direct)} findings offline, {len(got)} through the fake, {len(diff)} differ; "
        f"collect {elapsed:.1f} s, {collector.report.stats.requests} requests"
    )
    print(f"  transitions {dict(moves)}")
    print(f"  by rule {dict(rules.most_common(12))}")


def main(args: list[str]) -> None:
    which = [a for a in args if not a.isdigit()] or ["demo", "synth"]
    size = int(next((a for a in args if a.isdigit()), "2000"))
    if "demo" in which:
        measure("demo", demo_snapshot)
    if "synth" in which:
        path = Path(tempfile.mkdtemp()) / "synth.json.gz"
        synth_to(path, size, 7)
        measure(f"synth {size}", lambda: load_snapshot(path))


if __name__ == "__main__":
    main(sys.argv[1:])
