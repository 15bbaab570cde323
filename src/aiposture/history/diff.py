"""Diff two scans: resources added and removed, settings changed (property path, before,
after), findings new / resolved / regressed / newly decidable / newly undecidable, the change
records that explain them (who, when, through what client), guardrail changes to review, and
access gained or lost.

A finding that went from a verdict to UNKNOWN is "newly undecidable", never "resolved": a
coverage gap is not a fix. A finding that went from UNKNOWN to a verdict is "newly decidable"
(and, when that verdict is FAIL, a new failure nobody could see before).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiposture.history.changes import guardrail, paths_match
from aiposture.history.record import (
    AccessGrant,
    ChangeRecord,
    FindingState,
    ResourceState,
    ScanMeta,
    ScanRecord,
)

NEW = "new"
RESOLVED = "resolved"
REGRESSED = "regressed"
NEWLY_DECIDABLE = "newly_decidable"
NEWLY_UNDECIDABLE = "newly_undecidable"
CATEGORIES = (NEW, REGRESSED, NEWLY_DECIDABLE, NEWLY_UNDECIDABLE, RESOLVED)
_DECIDED_OK = frozenset({"PASS", "NOT_APPLICABLE"})
# Change records this long before the older scan may still explain a difference (Resource
# Graph keeps 14 days; a record's timestamp is when the change was detected).
_SLACK = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SettingChange:
    resource_key: str
    resource_id: str
    resource_name: str
    path: str
    before: Any
    after: Any
    changes: tuple[ChangeRecord, ...] = ()  # who changed it (records matching the path first)


@dataclass(frozen=True, slots=True)
class FindingChange:
    category: str
    before: FindingState | None
    after: FindingState | None
    changes: tuple[ChangeRecord, ...] = ()

    @property
    def finding(self) -> FindingState:
        f = self.after or self.before
        assert f is not None
        return f


@dataclass(frozen=True, slots=True)
class AccessChange:
    gained: bool
    grant: AccessGrant


@dataclass(frozen=True, slots=True)
class GuardrailChange:
    label: str
    record: ChangeRecord
    resource_name: str


@dataclass
class ScanDiff:
    old: ScanMeta
    new: ScanMeta
    added: list[ResourceState] = field(default_factory=list)
    removed: list[ResourceState] = field(default_factory=list)
    settings: list[SettingChange] = field(default_factory=list)
    findings: list[FindingChange] = field(default_factory=list)
    guardrails: list[GuardrailChange] = field(default_factory=list)
    access: list[AccessChange] = field(default_factory=list)
    stale: list[AccessGrant] = field(default_factory=list)

    def of(self, category: str) -> list[FindingChange]:
        return [f for f in self.findings if f.category == category]

    def new_failures(self) -> list[FindingChange]:
        """Failing now and not failing (or not decidable) before."""
        return [
            f
            for f in self.findings
            if f.after is not None
            and f.after.failing
            and f.category in (NEW, REGRESSED, NEWLY_DECIDABLE)
        ]

    def counts(self) -> dict[str, int]:
        out = {c: len(self.of(c)) for c in CATEGORIES}
        out.update(
            resources_added=len(self.added),
            resources_removed=len(self.removed),
            settings_changed=len(self.settings),
            guardrail_changes=len(self.guardrails),
            access_gained=sum(1 for a in self.access if a.gained),
            access_lost=sum(1 for a in self.access if not a.gained),
            stale_grants=len(self.stale),
        )
        return out


def diff(old: ScanRecord, new: ScanRecord, extra_changes: Iterable[ChangeRecord] = ()) -> ScanDiff:
    out = ScanDiff(old.meta, new.meta)
    records = _window(old.meta, new.meta, [*new.changes, *extra_changes])
    by_target = _Targets()
    for c in records:
        by_target.add(c)

    before = {r.key: r for r in old.resources}
    after = {r.key: r for r in new.resources}
    out.added = sorted((after[k] for k in after.keys() - before.keys()), key=lambda r: r.key)
    out.removed = sorted((before[k] for k in before.keys() - after.keys()), key=lambda r: r.key)
    names = {k: r.name for k, r in {**before, **after}.items()}
    for key in sorted(before.keys() & after.keys()):
        a, b = before[key].props, after[key].props
        for path in sorted(a.keys() | b.keys()):
            va, vb = a.get(path), b.get(path)
            if va != vb:
                out.settings.append(
                    SettingChange(
                        key,
                        after[key].resource_id,
                        after[key].name,
                        path,
                        va,
                        vb,
                        _explain(by_target, key, path),
                    )
                )

    old_f = {f.fingerprint: f for f in old.findings}
    new_f = {f.fingerprint: f for f in new.findings}
    for fp in sorted(old_f.keys() | new_f.keys()):
        fo, fn = old_f.get(fp), new_f.get(fp)
        category = _category(fo, fn)
        if category is None:
            continue
        f = fn or fo
        assert f is not None
        why = _explain(by_target, f.resource_key, None) if category != RESOLVED else ()
        out.findings.append(FindingChange(category, fo, fn, why))
    out.findings.sort(
        key=lambda c: (CATEGORIES.index(c.category), c.finding.rule_id, c.finding.resource_key)
    )

    for c in sorted(records, key=lambda c: (c.timestamp, c.target_key)):
        label = guardrail(c)
        if label is not None:
            name = names.get(c.target_key) or c.target_key.rsplit("/", 1)[-1]
            out.guardrails.append(GuardrailChange(label, c, name))

    out.access = access_changes(old.access, new.access)
    out.stale = [g for g in _unique_grants(new.access) if g.stale]
    return out


def _category(fo: FindingState | None, fn: FindingState | None) -> str | None:
    if fn is None:
        # The resource or the rule is gone: a failure that no longer exists is resolved.
        return RESOLVED if fo is not None and fo.failing else None
    if fo is None:
        return NEW if fn.failing else None
    if fo.status == fn.status and fo.suppressed == fn.suppressed:
        return None
    if fn.status == "UNKNOWN":
        return NEWLY_UNDECIDABLE
    if fo.status == "UNKNOWN":
        return NEWLY_DECIDABLE
    if fn.failing and not fo.failing:
        return REGRESSED
    if fo.failing and fn.status in _DECIDED_OK:
        return RESOLVED
    return None


def _window(old: ScanMeta, new: ScanMeta, records: Sequence[ChangeRecord]) -> list[ChangeRecord]:
    """Change records between the two scans (undated ones are kept); one per change id."""
    lo, hi = old.scanned_at - _SLACK, new.scanned_at + _SLACK
    seen: set[tuple[str, str]] = set()
    out = []
    for c in records:
        mark = (c.change_id, c.target_key)
        if mark in seen:
            continue
        seen.add(mark)
        when = c.when
        if when is None or lo <= when <= hi:
            out.append(c)
    return out


class _Targets:
    """Change records by target, indexed by top-level resource so that explaining one finding
    or setting looks at the records of its own resource tree only (plus the few records on
    resource groups and subscriptions, which may be parents of anything)."""

    def __init__(self) -> None:
        self.by_top: dict[str, dict[str, list[ChangeRecord]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.above: dict[str, list[ChangeRecord]] = defaultdict(list)

    def add(self, c: ChangeRecord) -> None:
        top = _top(c.target_key)
        if top == c.target_key and "/providers/" not in top:
            self.above[c.target_key].append(c)
        else:
            self.by_top[top][c.target_key].append(c)

    def near(self, key: str) -> list[tuple[str, list[ChangeRecord]]]:
        tree = self.by_top.get(_top(key), {})
        return [*tree.items(), *self.above.items()]


def _explain(by_target: _Targets, key: str, path: str | None) -> tuple[ChangeRecord, ...]:
    """Records on the resource (or its children, or its parent); those naming the path first.
    With a path, only records that name it, or that carry no property detail (Activity Log)."""
    found: list[ChangeRecord] = []
    top = _top(key)
    for target, recs in by_target.near(key):
        if target == key or target.startswith(key + "/") or key.startswith(target + "/"):
            found.extend(recs)
        elif path is None and _top(target) == top and "/microsoft.authorization/" not in target:
            # A finding on a deployment is explained by a change to its account's content
            # filter (a sibling under the same top-level resource).
            found.extend(recs)
    if path is not None:
        found = [
            c
            for c in found
            if not c.properties or any(paths_match(x.path, path) for x in c.properties)
        ]
    found.sort(
        key=lambda c: (
            c.target_key != key and not c.target_key.startswith(key + "/"),
            not c.properties,
            c.timestamp,
        )
    )
    return tuple(found)


def _top(key: str) -> str:
    """The top-level resource of an id (`/subscriptions/s/resourcegroups/g/providers/ns/t/n`),
    or the id itself when it is not in a resource group."""
    parts = key.split("/")
    if len(parts) >= 9 and parts[3] == "resourcegroups" and parts[5] == "providers":
        return "/".join(parts[:9])
    return key


def _grant_key(g: AccessGrant) -> tuple[str, ...]:
    return (g.resource_key, g.capability, g.principal_id, g.role, g.scope, g.via_group)


def _unique_grants(grants: Iterable[AccessGrant]) -> list[AccessGrant]:
    seen: dict[tuple[str, ...], AccessGrant] = {}
    for g in grants:
        seen.setdefault(_grant_key(g), g)
    return [seen[k] for k in sorted(seen)]


def access_changes(old: Iterable[AccessGrant], new: Iterable[AccessGrant]) -> list[AccessChange]:
    """Principals that gained or lost use / key / change / administer on each AI resource,
    with the grant (role, scope) that gives or gave it."""
    a = {_grant_key(g): g for g in old}
    b = {_grant_key(g): g for g in new}
    out = [AccessChange(True, b[k]) for k in sorted(b.keys() - a.keys())]
    out += [AccessChange(False, a[k]) for k in sorted(a.keys() - b.keys())]
    return out
