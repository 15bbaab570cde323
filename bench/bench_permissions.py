"""Benchmark of the permission semantics (facts/permissions.py) at 10k, 100k and 1M assignments.

Builds inventories of role assignments directly as entities (normalization is measured by
bench_scan.py), then times PermissionIndex construction, `grants_on` for every AI resource and
the dangerous actions the identity rules ask about, and `grants_of` for every principal.
Prints CPU seconds (process time: the machine is shared, wall time is noise); asserts nothing.

    .venv/bin/python bench/bench_permissions.py [--sizes 10000,100000,1000000] [--rules]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import time

from aiposture.config import Settings
from aiposture.facts.builtin_roles import builtin_roles
from aiposture.facts.permissions import (
    BLOB_READ,
    CS_DEPLOYMENT_WRITE,
    CS_LIST_KEYS,
    KV_SECRET_GET,
    ROLE_ASSIGNMENT_WRITE,
    PermissionIndex,
)
from aiposture.model.entities import (
    CognitiveAccount,
    ManagementGroup,
    Permission,
    RoleAssignment,
    RoleDefinition,
    Subscription,
)
from aiposture.model.inventory import CoverageIndex, Inventory
from aiposture.model.snapshot import Coverage, Metadata
from aiposture.model.types import CoverageStatus
from aiposture.rules.engine import evaluate
from aiposture.rules.registry import all_rules

COLLECTED = (
    "resources",
    "roleAssignments",
    "roleDefinitions",
    "roleEligibilitySchedules",
    "graph.servicePrincipals",
    "graph.applications",
    "graph.users",
    "graph.conditionalAccessPolicies",
)
QUERIES = (
    (CS_LIST_KEYS, False),
    (CS_DEPLOYMENT_WRITE, False),
    (ROLE_ASSIGNMENT_WRITE, False),
    (BLOB_READ, True),
    (KV_SECRET_GET, True),
)


def synth(n_assignments: int, seed: int = 7) -> tuple[Inventory, list[str]]:
    rnd = random.Random(seed)
    inv = Inventory(metadata=Metadata(tenant_id="bench"), coverage=CoverageIndex([]))
    mgs = [f"mg-{i}" for i in range(20)]
    for i, mg in enumerate(mgs):
        key = f"/providers/microsoft.management/managementgroups/{mg}"
        inv.management_groups[mg] = ManagementGroup(
            id=key,
            key=key,
            name=mg,
            type="microsoft.management/managementgroups",
            ancestors=tuple(mgs[:i][-3:][::-1]),
        )
    subs = [f"{i:08d}-0000-0000-0000-000000000000" for i in range(200)]
    for s in subs:
        key = f"/subscriptions/{s}"
        inv.subscriptions[s] = Subscription(
            id=key,
            key=key,
            name=s,
            type="microsoft.resources/subscriptions",
            subscription_id=s,
            mg_ancestors=(rnd.choice(mgs), "mg-0"),
        )
    rgs = [f"/subscriptions/{rnd.choice(subs)}/resourcegroups/rg-{i}" for i in range(5000)]
    accounts = []
    for i in range(2000):
        key = f"{rnd.choice(rgs)}/providers/microsoft.cognitiveservices/accounts/oai-{i}"
        inv.accounts[key] = CognitiveAccount(
            id=key, key=key, name=f"oai-{i}", type="microsoft.cognitiveservices/accounts"
        )
        accounts.append(key)
    builtin = list(builtin_roles())
    custom = []
    for i in range(300):
        guid = f"c0000000-0000-0000-0000-{i:012d}"
        rid = f"/providers/microsoft.authorization/roledefinitions/{guid}"
        actions = rnd.sample(
            [
                "Microsoft.CognitiveServices/*/read",
                "Microsoft.Storage/*",
                "Microsoft.CognitiveServices/accounts/*/action",
                "*/read",
                "Microsoft.Authorization/roleAssignments/*",
            ],
            2,
        )
        inv.role_definitions[guid] = RoleDefinition(
            id=rid,
            key=rid,
            name=guid,
            type="microsoft.authorization/roledefinitions",
            role_name=f"custom-{i}",
            guid=guid,
            role_type="CustomRole",
            permissions=(Permission(actions=tuple(actions)),),
        )
        custom.append(guid)
    roles = builtin + custom
    principals = [f"p-{i}" for i in range(max(1, n_assignments // 10))]
    for i in range(n_assignments):
        r = rnd.random()
        if r < 0.001:
            scope = f"/providers/microsoft.management/managementgroups/{rnd.choice(mgs)}"
        elif r < 0.02:
            scope = f"/subscriptions/{rnd.choice(subs)}"
        elif r < 0.4:
            scope = rnd.choice(rgs)
        else:
            scope = rnd.choice(accounts)
        guid = rnd.choice(roles)
        inv.role_assignments.append(
            RoleAssignment(
                id=f"{scope}/providers/microsoft.authorization/roleassignments/{i}",
                key="",
                name=str(i),
                type="microsoft.authorization/roleassignments",
                principal_id=rnd.choice(principals),
                principal_type="User",
                role_definition_id=guid,
                role_definition_guid=guid,
                scope=scope,
            )
        )
    return inv, principals


def run_rules(n: int) -> None:
    """All AIP-IDN rules (they share one PermissionIndex) on the same synthetic tenant."""
    inv, _ = synth(n)
    inv.coverage = CoverageIndex(
        [Coverage(c, "tenant", CoverageStatus.COMPLETE) for c in COLLECTED]
    )
    rules = [r for r in all_rules() if r.id.startswith("AIP-IDN-")]
    t0 = time.process_time()
    findings = evaluate(inv, Settings(), now=dt.datetime(2026, 11, 25, tzinfo=dt.UTC), rules=rules)
    t1 = time.process_time()
    print(
        f"{n:>9,} assignments | {len(rules)} AIP-IDN rules {t1 - t0:6.2f}s "
        f"({len(findings):,} findings)"
    )


def run(n: int) -> None:
    t0 = time.process_time()
    inv, principals = synth(n)
    t1 = time.process_time()
    idx = PermissionIndex(inv)
    t2 = time.process_time()
    hits = 0
    for key in inv.accounts:
        for action, data in QUERIES:
            hits += len(idx.grants_on(key, action, data=data))
    t3 = time.process_time()
    owned = sum(len(idx.grants_of(p)) for p in principals)
    t4 = time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{n:>9,} assignments | synth {t1 - t0:6.2f}s | index {t2 - t1:6.2f}s | "
        f"grants_on {len(inv.accounts)}x{len(QUERIES)} {t3 - t2:6.2f}s ({hits:,} grants) | "
        f"grants_of {len(principals):,} {t4 - t3:5.2f}s ({owned:,}) | max RSS {rss:,.0f} MiB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--rules", action="store_true", help="also time the AIP-IDN rules")
    args = ap.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        run(n)
        if args.rules:
            run_rules(n)


if __name__ == "__main__":
    main()
