"""`make bench`: the benchmarks, printed as the tables docs/performance.md quotes.

Default: the offline scan at 10,000 and 100,000 resources (3 runs each, fastest kept), as a
growth table. Set AIPOSTURE_BENCH_FULL=1 to add the 1,000,000-resource run (one run, several
minutes, ~12 GiB free RAM: the parse floor alone needs ~10 GiB at that size).
Extra arguments go to bench_scan.py (e.g. `python bench/run.py --resources 10000`);
`--markdown FILE` writes the section docs/performance.md shows ("Offline scan"), generated from
the same figures, and `--json FILE` keeps them; `--from-json FILE` (repeatable) measures
nothing and renders earlier --json files, so a 1M run made apart joins the same table.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scan


def main() -> int:
    args = sys.argv[1:]
    if not any(a.startswith("--resources") for a in args):
        args += ["--resources", "10000", "--resources", "100000"]
        if os.environ.get("AIPOSTURE_BENCH_FULL") == "1":
            args += ["--resources", "1000000"]
    full = os.environ.get("AIPOSTURE_BENCH_FULL") == "1"
    shown = " ".join(["python bench/run.py", *sys.argv[1:]])  # `make bench` without arguments
    os.environ.setdefault(
        "AIPOSTURE_BENCH_COMMAND", ("AIPOSTURE_BENCH_FULL=1 " if full else "") + shown
    )
    print("## Offline scan (bench/bench_scan.py)\n")
    return bench_scan.main(args)


if __name__ == "__main__":
    raise SystemExit(main())
