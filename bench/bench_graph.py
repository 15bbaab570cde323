"""Benchmark: security graph build and every AIP-PATH rule on a synthetic tenant.

    .venv/bin/python bench/bench_graph.py                      # sweep 10k -> 100k -> 1M
    .venv/bin/python bench/bench_graph.py --assignments 1000000 --principals 100000
    .venv/bin/python bench/bench_graph.py --snapshot /tmp/s100k.json.gz  # a synth/export file

The tenant is generated directly as a typed Inventory (what normalization produces), so the
figures are those of graph build + path search + rule evaluation, not of JSON parsing (the
synthetic snapshot writer and normalization have their own benchmark). Each size runs in its
own process so the peak RSS it reports is that size's alone. Prints figures; asserts nothing.

Shape (scaled with --assignments; principals default to assignments / 10):
  * principals: 70 % users (2 % of them guests), 5 % groups, 15 % service principals (a fifth
    with client secrets), 10 % managed identities on resources; users in ~3 groups each
  * 200 subscriptions per 1M assignments under a 7-group management-group tree, 20 resource
    groups each, ~25 resources per resource group (storage, key vaults, AI accounts, ML
    workspaces with computes, search, VMs, user-assigned identities, and a majority of
    uninteresting types)
  * assignments: 2 % at subscription, 18 % at resource group, 80 % at resource scope, with a
    role mix of readers, contributors, data roles and a few owners
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass

from aiposture.collect.demo.builder import ROLE
from aiposture.config import Settings
from aiposture.graph.build import build_graph
from aiposture.graph.paths import find_paths
from aiposture.model.entities import (
    CognitiveAccount,
    Credential,
    GroupMembership,
    Identity,
    KeyVault,
    ManagementGroup,
    MLCompute,
    MLWorkspace,
    NetworkAcls,
    Principal,
    Resource,
    ResourceGroup,
    RoleAssignment,
    SearchService,
    StorageAccount,
    Subscription,
    UserAssignedIdentityRef,
)
from aiposture.model.inventory import CoverageIndex, Inventory
from aiposture.model.snapshot import Coverage, Metadata
from aiposture.model.types import CoverageStatus
from aiposture.rules.engine import evaluate
from aiposture.rules.registry import all_rules

ROLE_MIX = (
    ("Reader", 25),
    ("Contributor", 10),
    ("Owner", 1),
    ("User Access Administrator", 0.3),
    ("Storage Blob Data Reader", 8),
    ("Storage Blob Data Contributor", 5),
    ("Storage Blob Data Owner", 1),
    ("Key Vault Secrets User", 6),
    ("Key Vault Administrator", 0.5),
    ("Cognitive Services OpenAI User", 6),
    ("Cognitive Services OpenAI Contributor", 1.5),
    ("Cognitive Services User", 2),
    ("Cognitive Services Contributor", 0.7),
    ("Search Index Data Reader", 3),
    ("AzureML Data Scientist", 3),
    ("Managed Identity Operator", 0.5),
    ("AcrPull", 6),
    ("Security Reader", 2),
)
MG = "/providers/microsoft.management/managementgroups/"
TENANT = "00000000-0000-4000-8000-0000000000b1"


@dataclass
class Sizes:
    assignments: int
    principals: int

    @property
    def subscriptions(self) -> int:
        return max(2, self.assignments // 5000)


def _guid(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def generate(sizes: Sizes, seed: int = 7) -> Inventory:
    rng = random.Random(seed)
    cov = CoverageIndex(
        Coverage(c, "tenant", CoverageStatus.COMPLETE)
        for c in (
            "resources",
            "roleAssignments",
            "graph.users",
            "graph.servicePrincipals",
            "graph.applications",
            "graph.groups",
            "graph.groupMembers",
        )
    )
    inv = Inventory(metadata=Metadata(tenant_id=TENANT, source="bench"), coverage=cov)
    tree = [
        ("root", None),
        ("contoso", "root"),
        ("platform", "contoso"),
        ("lz", "contoso"),
        ("corp", "lz"),
        ("online", "lz"),
        ("sandbox", "contoso"),
    ]
    parents = dict(tree)
    for name, parent in tree:
        anc: list[str] = []
        p = parent
        while p:
            anc.append(p)
            p = parents[p]
        inv.management_groups[name] = ManagementGroup(
            id=MG + name,
            key=MG + name,
            name=name,
            type="microsoft.management/managementgroups",
            parent_name=parent,
            ancestors=tuple(anc),
        )
    leaves = ("corp", "online", "sandbox", "platform")

    # ---- principals ------------------------------------------------------------------------
    n = sizes.principals
    users = [_guid(rng) for _ in range(int(n * 0.70))]
    groups = [_guid(rng) for _ in range(max(1, int(n * 0.05)))]
    sps = [_guid(rng) for _ in range(int(n * 0.15))]
    n_mi = int(n * 0.10)
    for i, uid in enumerate(users):
        guest = rng.random() < 0.02
        inv.principals[uid] = Principal(
            id=uid,
            kind="user",
            display_name=f"user{i}",
            user_type="Guest" if guest else "Member",
        )
    for i, gid in enumerate(groups):
        inv.principals[gid] = Principal(id=gid, kind="group", display_name=f"group{i}")
    secret = (Credential("password", "k", "ci", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"),)
    for i, sid in enumerate(sps):
        inv.principals[sid] = Principal(
            id=sid,
            kind="servicePrincipal",
            display_name=f"sp{i}",
            credentials=secret if rng.random() < 0.2 else (),
        )
    for uid in users:
        for _ in range(3):
            inv.group_memberships.append(GroupMembership(rng.choice(groups), uid))
    for gid in groups[: len(groups) // 10]:  # some nesting
        inv.group_memberships.append(GroupMembership(rng.choice(groups), gid))

    # ---- scopes and resources ----------------------------------------------------------------
    scopes_sub: list[str] = []
    scopes_rg: list[str] = []
    scopes_res: list[str] = []
    mis: list[str] = []
    for s in range(sizes.subscriptions):
        sid = f"{s:08d}-0000-4000-8000-000000000000"
        key = f"/subscriptions/{sid}"
        leaf = leaves[s % len(leaves)]
        chain = [leaf]
        p = parents[leaf]
        while p:
            chain.append(p)
            p = parents[p]
        inv.subscriptions[sid] = Subscription(
            id=key,
            key=key,
            name=sid,
            type="microsoft.resources/subscriptions",
            subscription_id=sid,
            subscription_id_value=sid,
            display_name=f"sub-{s}",
            mg_ancestors=tuple(chain),
        )
        scopes_sub.append(key)
        for r in range(20):
            rg = f"{key}/resourcegroups/rg-{r}"
            inv.resource_groups[rg] = ResourceGroup(
                id=rg,
                key=rg,
                name=f"rg-{r}",
                type="microsoft.resources/resourcegroups",
                subscription_id=sid,
                resource_group=f"rg-{r}",
            )
            scopes_rg.append(rg)
            _resources(inv, rng, rg, sid, f"rg-{r}", scopes_res, mis, n_mi)
    for mi in mis:
        inv.principals[mi] = Principal(id=mi, kind="managedIdentity", display_name=mi[:8])

    # ---- role assignments ----------------------------------------------------------------------
    names = [r for r, _ in ROLE_MIX]
    weights = [w for _, w in ROLE_MIX]
    pool: list[tuple[str, str]] = (
        [(u, "User") for u in users]
        + [(g, "Group") for g in groups]
        + [(s, "ServicePrincipal") for s in sps]
        + [(m, "ServicePrincipal") for m in mis]
    )
    roles = rng.choices(names, weights, k=sizes.assignments)
    for i, role in enumerate(roles):
        x = rng.random()
        if x < 0.02:
            scope = rng.choice(scopes_sub)
        elif x < 0.20:
            scope = rng.choice(scopes_rg)
        else:
            scope = rng.choice(scopes_res)
        pid, ptype = rng.choice(pool)
        guid = ROLE[role]
        rid = f"{scope}/providers/microsoft.authorization/roleassignments/ra{i}"
        inv.role_assignments.append(
            RoleAssignment(
                id=rid,
                key=rid,
                name=f"ra{i}",
                type="microsoft.authorization/roleassignments",
                principal_id=pid,
                principal_type=ptype,
                role_definition_id=f"/providers/microsoft.authorization/roledefinitions/{guid}",
                role_definition_guid=guid,
                scope=scope,
            )
        )
    return inv


def _resources(
    inv: Inventory,
    rng: random.Random,
    rg: str,
    sid: str,
    rg_name: str,
    scopes: list[str],
    mis: list[str],
    mi_budget: int,
) -> None:
    def base(rtype: str, name: str) -> dict[str, object]:
        rid = f"{rg}/providers/{rtype}/{name}"
        return {
            "id": rid,
            "key": rid,
            "name": name,
            "type": rtype,
            "location": "westeurope",
            "subscription_id": sid,
            "resource_group": rg_name,
        }

    def ident(p: float) -> Identity:
        if len(mis) >= mi_budget or rng.random() >= p:
            return Identity()
        pid = _guid(rng)
        mis.append(pid)
        return Identity(type="SystemAssigned", principal_id=pid)

    open_acl = NetworkAcls(default_action="Allow")
    st_keys: list[str] = []
    for i in range(3):
        st = StorageAccount(
            **base("microsoft.storage/storageaccounts", f"st{i}{_guid(rng)[:8]}"),  # type: ignore[arg-type]
            public_network_access=rng.choice(("Enabled", "Disabled", None)),
            network_acls=open_acl if rng.random() < 0.5 else None,
            allow_blob_public_access=rng.choice((True, False, None)),
        )
        inv.storage_accounts[st.key] = st
        st_keys.append(st.key)
        scopes.append(st.key)
    kv = KeyVault(
        **base("microsoft.keyvault/vaults", f"kv{_guid(rng)[:8]}"),  # type: ignore[arg-type]
        enable_rbac_authorization=rng.random() < 0.7,
    )
    inv.key_vaults[kv.key] = kv
    scopes.append(kv.key)
    if rng.random() < 0.5:
        acc = CognitiveAccount(
            **base("microsoft.cognitiveservices/accounts", f"oai{_guid(rng)[:8]}"),  # type: ignore[arg-type]
            kind="OpenAI",
            identity=ident(0.8),
            public_network_access=rng.choice(("Enabled", "Disabled")),
            user_owned_storage=(st_keys[0],) if rng.random() < 0.3 else (),
        )
        inv.accounts[acc.key] = acc
        scopes.append(acc.key)
    if rng.random() < 0.25:
        ws = MLWorkspace(
            **base("microsoft.machinelearningservices/workspaces", f"mlw{_guid(rng)[:8]}"),  # type: ignore[arg-type]
            kind="Default",
            identity=ident(0.9),
            storage_account=st_keys[1],
            key_vault=kv.key,
        )
        inv.workspaces[ws.key] = ws
        scopes.append(ws.key)
        inv.ai_linked.setdefault(st_keys[1], set()).add(ws.key)
        inv.ai_linked.setdefault(kv.key, set()).add(ws.key)
        for c in range(2):
            ckey = f"{ws.key}/computes/c{c}"
            uami = f"{rg}/providers/microsoft.managedidentity/userassignedidentities/id-{c}"
            ua_pid = _guid(rng) if len(mis) < mi_budget else None
            if ua_pid:
                mis.append(ua_pid)
            inv.computes[ckey] = MLCompute(
                id=ckey,
                key=ckey,
                name=f"c{c}",
                type="microsoft.machinelearningservices/workspaces/computes",
                subscription_id=sid,
                resource_group=rg_name,
                workspace_key=ws.key,
                compute_type="AmlCompute",
                identity=Identity(
                    type="UserAssigned",
                    user_assigned=(UserAssignedIdentityRef(uami, ua_pid),) if ua_pid else (),
                ),
            )
            inv.other.append(
                Resource(**base("microsoft.managedidentity/userassignedidentities", f"id-{c}"))  # type: ignore[arg-type]
            )
            scopes.append(uami)
    if rng.random() < 0.2:
        svc = SearchService(
            **base("microsoft.search/searchservices", f"srch{_guid(rng)[:8]}"),  # type: ignore[arg-type]
            identity=ident(0.5),
            public_network_access="enabled",
        )
        inv.search_services[svc.key] = svc
        scopes.append(svc.key)
    for v in range(6):
        vm = Resource(
            **base("microsoft.compute/virtualmachines", f"vm{v}"),  # type: ignore[arg-type]
            identity=ident(0.3),
        )
        inv.other.append(vm)
        scopes.append(vm.key)
    for o in range(12):
        other = Resource(**base("microsoft.compute/disks", f"disk{o}"))  # type: ignore[arg-type]
        inv.other.append(other)
        scopes.append(other.key)


def run_one(sizes: Sizes) -> dict[str, float]:
    t0 = time.perf_counter()
    inv = generate(sizes)
    gc.collect()
    t_gen = time.perf_counter() - t0
    rss_inv = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    c1 = time.process_time()
    t1 = time.perf_counter()
    sg = build_graph(inv)
    t_build = time.perf_counter() - t1

    t2 = time.perf_counter()
    ps = find_paths(sg)
    t_paths = time.perf_counter() - t2

    t3 = time.perf_counter()
    rules = [r for r in all_rules() if r.id.startswith("AIP-PATH")]
    findings = evaluate(
        inv,
        Settings(),
        now=dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
        graph_factory=lambda: sg,
        rules=rules,
    )
    t_rules = time.perf_counter() - t3
    cpu = time.process_time() - c1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fails = sum(1 for f in findings if f.status.value == "FAIL")
    return {
        "assignments": len(inv.role_assignments),
        "principals": len(inv.principals),
        "resources": sum(1 for _ in inv.all_resources()) + len(inv.other),
        "nodes": sg.g.num_nodes(),
        "edges": sg.g.num_edges(),
        "paths": sum(ps.totals.values()),
        "findings": len(findings),
        "fails": fails,
        "gen_s": t_gen,
        "build_s": t_build,
        "paths_s": t_paths,
        "rules_s": t_rules,
        "graph_and_rules_s": t_build + t_paths + t_rules,
        "graph_and_rules_cpu_s": cpu,
        "rss_inventory_mib": rss_inv,
        "rss_peak_mib": peak,
    }


COLUMNS = (
    ("assignments", "{:,.0f}"),
    ("principals", "{:,.0f}"),
    ("resources", "{:,.0f}"),
    ("nodes", "{:,.0f}"),
    ("edges", "{:,.0f}"),
    ("paths", "{:,.0f}"),
    ("fails", "{:,.0f}"),
    ("build_s", "{:.1f}"),
    ("paths_s", "{:.1f}"),
    ("rules_s", "{:.1f}"),
    ("graph_and_rules_s", "{:.1f}"),
    ("graph_and_rules_cpu_s", "{:.1f}"),
    ("rss_inventory_mib", "{:,.0f}"),
    ("rss_peak_mib", "{:,.0f}"),
)


def run_snapshot(path: str) -> None:
    """Load a snapshot as `scan --input` does, then time each phase of the PATH rules."""
    from pathlib import Path

    from aiposture.app import load_inventory
    from aiposture.collect.exports import FileSource
    from aiposture.rules.engine import evaluate
    from aiposture.rules.registry import all_rules

    def cur_mib() -> float:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20

    t0 = time.perf_counter()
    inv = load_inventory(FileSource([Path(path)]))[1]
    gc.freeze()
    rss_inv = cur_mib()
    print(f"load {time.perf_counter() - t0:.1f} s wall, resident {rss_inv:,.0f} MiB", flush=True)
    settings = Settings()
    rules = [r for r in all_rules() if r.id.startswith("AIP-PATH")]
    c0 = time.process_time()
    sg = build_graph(inv)
    c1 = time.process_time()
    rss_graph = cur_mib()
    ps = find_paths(sg, settings.model_admins)
    c2 = time.process_time()
    rss_paths = cur_mib()
    findings = evaluate(inv, settings, graph_factory=lambda: sg, rules=rules)
    c3 = time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"graph build {c1 - c0:.2f} s (+{rss_graph - rss_inv:,.0f} MiB), "
        f"path search {c2 - c1:.2f} s (+{rss_paths - rss_graph:,.0f} MiB, "
        f"{len(ps.paths):,} kept, {sum(ps.totals.values()):,} counted), "
        f"PATH rules {c3 - c2:.2f} s ({len(findings):,} findings); "
        f"CPU total {c3 - c0:.2f} s; peak RSS {peak:,.0f} MiB"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--assignments", type=int, help="one size instead of the sweep")
    ap.add_argument("--principals", type=int, help="default: assignments / 10")
    ap.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument(
        "--snapshot",
        help="a snapshot or export file (e.g. from `aiposture synth`): time graph build, "
        "path search and the five AIP-PATH rules on it, in CPU seconds",
    )
    args = ap.parse_args()
    if args.snapshot:
        run_snapshot(args.snapshot)
        return
    if args.assignments:
        sizes = Sizes(args.assignments, args.principals or max(100, args.assignments // 10))
        row = run_one(sizes)
        if args.raw:
            print(json.dumps(row))
            return
        _table([row])
        return
    rows = []
    for a in (10_000, 100_000, 1_000_000):
        out = subprocess.run(
            [sys.executable, __file__, "--assignments", str(a), "--raw"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        _table(rows[-1:], header=len(rows) == 1)


def _table(rows: list[dict[str, float]], header: bool = True) -> None:
    if header:
        print(" | ".join(name for name, _ in COLUMNS))
        print(" | ".join("---" for _ in COLUMNS))
    for row in rows:
        print(" | ".join(fmt.format(row[name]) for name, fmt in COLUMNS), flush=True)


if __name__ == "__main__":
    main()
