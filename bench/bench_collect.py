"""Live collection against the fake Azure serving synthetic tenants: requests and wall time.

    .venv/bin/python bench/bench_collect.py               # 10k and 100k resources
    .venv/bin/python bench/bench_collect.py --sizes 10000 --concurrency 16

For each size: the synthetic tenant (collect/synth.py) is written, served by the fake Azure on
loopback (TLS, real paging), and collected with the real azure-identity ClientSecretCredential
and azure-core pipelines. Printed: requests made by kind, requests per 1,000 resources, the
floor (one Resource Graph page per 1,000 rows per table query, one ARM batch per 20 parent and
child-collection lists, one Graph page per 999 objects plus one member list per group) and wall
time. The inner requests of ARM batches are not HTTP requests and are not counted.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ["AZURE_TOKEN_CREDENTIALS"] = "EnvironmentCredential"

from aiposture.cli.live_cmd import rule_diagnostic_targets
from aiposture.collect.live.arm import BATCH_SIZE
from aiposture.collect.live.cloud import resolve_cloud
from aiposture.collect.live.collector import TABLES, CollectOptions, LiveCollector
from aiposture.fakeazure.index import SUBSCRIPTION
from aiposture.fakeazure.server import FakeAzure
from aiposture.model.snapshot import load_snapshot


def floor_requests(fake: FakeAzure, arm_tasks: int, subs: int, batch: int) -> dict[str, int]:
    idx = fake.index
    batches = max(1, math.ceil(subs / batch))
    arg = 0
    # Discovery (subscriptions) and management groups: one query each at tenant scope.
    arg += max(
        1, math.ceil(len(idx.by_table_type.get(("resourcecontainers", SUBSCRIPTION), [])) / 1000)
    )
    mgs = len(
        idx.by_table_type.get(("resourcecontainers", "microsoft.management/managementgroups"), [])
    )
    arg += max(1, math.ceil(mgs / 1000))
    for tq in TABLES:
        if tq.types:
            rows = sum(len(idx.by_table_type.get((tq.table, t), [])) for t in tq.types)
        else:
            rows = len(idx.by_table.get(tq.table, []))
        # At least one page per subscription batch; then one page per 1,000 rows.
        arg += max(batches, math.ceil(rows / 1000))
        if tq.tenant_level:
            arg += 1
    graph = sum(
        max(1, math.ceil(len(v) / 999)) for k, v in idx.graph.items() if k != "groupMembers"
    )
    graph += len(idx.graph.get("groups", []))
    # Per-parent lists go 20 to an ARM batch (later pages of long lists not counted).
    return {"arg": arg, "arm": math.ceil(arm_tasks / BATCH_SIZE), "graph": graph}


def run(size: int, workdir: Path, concurrency: int, seed: int) -> dict[str, object]:
    from azure.identity import ClientSecretCredential

    from aiposture.collect.synth import synth_to

    path = workdir / f"synth-{size}.json.gz"
    if not path.exists():
        synth_to(path, size, seed)
    snapshot = load_snapshot(path)
    t0 = time.perf_counter()
    fake = FakeAzure(snapshot, workdir / "certs").start()
    index_s = time.perf_counter() - t0
    try:
        cloud = resolve_cloud(
            arm_endpoint=fake.url,
            graph_endpoint=fake.url,
            authority=fake.url,
            ca_bundle=str(fake.ca_path),
        )
        cred = ClientSecretCredential(
            fake.tenant_id,
            "bench",
            "bench",
            authority=fake.url,
            disable_instance_discovery=True,
            connection_verify=str(fake.ca_path),
        )
        # As the CLI does: the rules' own diagnostic-settings targets are passed in.
        options = CollectOptions(
            concurrency=concurrency, diagnostic_targets=rule_diagnostic_targets
        )
        collector = LiveCollector(cloud, cred, options)
        t1 = time.perf_counter()
        snap = collector.collect()
        wall = time.perf_counter() - t1
        if collector.report.aborted is not None:
            raise SystemExit(f"collection aborted: {collector.report.aborted!r}")
        kinds: Counter[str] = Counter()
        for r in (r for r in fake.requests if not r.batched):
            low = r.path.lower()
            if low.endswith("/token") or "/.well-known/" in low:
                kinds["identity"] += 1  # OIDC metadata and token requests
            elif "resourcegraph" in low:
                kinds["arg"] += 1
            elif low.startswith("/v1.0/"):
                kinds["graph"] += 1
            else:
                kinds["arm"] += 1
        subs = len(fake.index.by_table_type.get(("resourcecontainers", SUBSCRIPTION), []))
        floor = floor_requests(fake, collector.report.arm_calls, subs, options.batch_size)
        total = kinds["arg"] + kinds["arm"] + kinds["graph"]
        return {
            "size": size,
            "rows": snapshot.resource_count,
            "collected": snap.resource_count,
            "subs": subs,
            "kinds": dict(kinds),
            "total": total,
            "floor": floor,
            "floor_total": sum(floor.values()),
            "wall": wall,
            "index": index_s,
            "per_1k": total / (size / 1000),
        }
    finally:
        fake.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="aiposture-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, concurrency {args.concurrency}")
    print(
        "| resources | snapshot rows | rows collected | subs | requests (ARG/ARM/Graph) "
        "| per 1k resources | floor (ARG/ARM/Graph) | requests / floor | wall s |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        r = run(size, workdir, args.concurrency, args.seed)
        k, f = r["kinds"], r["floor"]
        assert isinstance(k, dict) and isinstance(f, dict)
        print(
            f"| {size:,} | {r['rows']:,} | {r['collected']:,} | {r['subs']} "
            f"| {r['total']:,} ({k.get('arg', 0)}/{k.get('arm', 0)}/{k.get('graph', 0)}) "
            f"| {r['per_1k']:.1f} | {r['floor_total']:,} ({f['arg']}/{f['arm']}/{f['graph']}) "
            f"| {r['total'] / r['floor_total']:.3f} | {r['wall']:.1f} |",
            flush=True,
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (fake + collector in one process): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
