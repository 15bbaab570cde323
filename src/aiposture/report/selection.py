"""What a scan evaluates and what its reports show (`scan --checks/--excluded-checks/--pillar`,
`--severity`, `--status`).

Two kinds of choice, kept apart on purpose:

- **Evaluation selection** (`--checks`, `--excluded-checks`, `--pillar`): rules left out are not
  run at all, exactly as if `[rules] disable` listed them. The gates (`--fail-on`,
  `--fail-on-new`), the baseline comparison and the secure score only see the rules that ran.
- **Display filters** (`--severity`, `--status`): every selected rule runs and the gates and the
  secure score count every finding; the filters only decide which findings each report lists
  (every format alike: terminal, JSON, CSV, SARIF, Markdown, HTML, OCSF). The header of each
  report says what was filtered and how many findings were hidden.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from aiposture.app import ScanResult
from aiposture.errors import InputError
from aiposture.model.types import Pillar, Severity, Status
from aiposture.report.views import readable_names
from aiposture.rules.types import Finding, RuleSpec

# Secure-score weights: a failing critical costs four times a failing low (Defender for Cloud
# weighs its controls by "max score" in the same spirit). INFO findings do not count.
SCORE_WEIGHT = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


def split_list(values: Iterable[str]) -> list[str]:
    """Repeatable options that also take comma-separated lists: `-c A,B -c C`."""
    out: list[str] = []
    for v in values:
        out += [p.strip() for p in v.split(",") if p.strip()]
    return list(dict.fromkeys(out))


def _match(patterns: Sequence[str], ids: Sequence[str], option: str) -> set[str]:
    """Rule ids matching any of `patterns` (ids or globs, case-insensitive); a pattern that
    matches nothing is an error: a typo must not silently select or exclude nothing."""
    out: set[str] = set()
    for pat in patterns:
        hit = {i for i in ids if fnmatch.fnmatchcase(i, pat.upper())}
        if not hit:
            raise InputError(
                f"{option} {pat!r} matches no rule; `aiposture rules` lists the ids "
                "(globs like AIP-NET-* work)"
            )
        out |= hit
    return out


def parse_pillars(values: Iterable[str]) -> list[Pillar]:
    out = []
    for v in split_list(values):
        key = v.lower()
        found = next((p for p in Pillar if key in (p.value, p.label.lower())), None)
        if found is None:
            names = ", ".join(p.value for p in Pillar)
            raise InputError(f"--pillar {v!r} is not a pillar; choose from {names}")
        out.append(found)
    return out


def parse_severities(values: Iterable[str]) -> frozenset[Severity] | None:
    """`high` means high and above; `high,low` (or a repeated option) means exactly those."""
    items = split_list(values)
    if not items:
        return None
    try:
        sevs = [Severity.parse(v) for v in items]
    except ValueError as exc:
        raise InputError(f"--severity: {exc}") from None
    if len(sevs) == 1:
        return frozenset(s for s in Severity if s.rank >= sevs[0].rank)
    return frozenset(sevs)


def parse_statuses(values: Iterable[str]) -> frozenset[Status] | None:
    items = split_list(values)
    if not items:
        return None
    out = set()
    for v in items:
        key = v.strip().upper().replace("-", "_").replace(" ", "_")
        if key in ("NA", "N/A"):
            key = Status.NOT_APPLICABLE.value
        try:
            out.add(Status(key))
        except ValueError:
            names = ", ".join(s.value for s in Status)
            raise InputError(f"--status {v!r} is not a status; choose from {names}") from None
    return frozenset(out)


def select_rule_ids(
    rules: Sequence[RuleSpec[Any]],
    checks: Sequence[str] = (),
    excluded: Sequence[str] = (),
    pillars: Sequence[Pillar] = (),
    checks_option: str = "--checks",
) -> frozenset[str] | None:
    """The ids to evaluate, or None when nothing narrows the catalog."""
    if not (checks or excluded or pillars):
        return None
    ids = [r.id for r in rules]
    chosen = _match(checks, ids, checks_option) if checks else set(ids)
    if pillars:
        chosen &= {r.id for r in rules if r.pillar in pillars}
    if excluded:
        chosen -= _match(excluded, ids, "--excluded-checks")
    if not chosen:
        raise InputError(
            "--checks, --excluded-checks and --pillar together leave no rule to evaluate; "
            "loosen one of them"
        )
    return frozenset(chosen)


@dataclass(frozen=True, slots=True)
class DisplayFilter:
    severities: frozenset[Severity] | None = None
    statuses: frozenset[Status] | None = None

    @property
    def active(self) -> bool:
        return self.severities is not None or self.statuses is not None

    def keeps(self, f: Finding) -> bool:
        if self.statuses is not None and f.status not in self.statuses:
            return False
        return self.severities is None or f.severity in self.severities


def secure_score(findings: Iterable[Finding]) -> dict[str, Any]:
    """Per pillar and overall: weighted share of decided (PASS or FAIL) checks that pass, 0-100.
    UNKNOWN, NOT_APPLICABLE and suppressed findings are left out (counted separately): an
    undecided check is neither healthy nor unhealthy. None when nothing was decided."""
    got: dict[str, list[int]] = {p.value: [0, 0, 0] for p in Pillar}  # pass w, total w, unknown
    for f in findings:
        acc = got[f.rule.pillar.value]
        if f.suppressed:
            continue
        if f.status is Status.UNKNOWN:
            acc[2] += 1
            continue
        w = SCORE_WEIGHT[f.severity]
        if f.status is Status.PASS:
            acc[0] += w
            acc[1] += w
        elif f.status is Status.FAIL:
            acc[1] += w

    def pct(passed: int, total: int) -> int | None:
        return round(100 * passed / total) if total else None

    pillars = {
        k: {"score": pct(v[0], v[1]), "unknown": v[2]} for k, v in got.items() if v[1] or v[2]
    }
    passed = sum(v[0] for v in got.values())
    total = sum(v[1] for v in got.values())
    return {"overall": pct(passed, total), "pillars": pillars}


def apply_display(
    result: ScanResult,
    flt: DisplayFilter,
    *,
    evaluated_rules: frozenset[str] | None = None,
    config: str = "",
) -> ScanResult:
    """A copy of `result` whose findings are those `flt` keeps, and whose `display` says what
    was selected and filtered (for each report's header) and carries the secure score computed
    over every finding evaluated."""
    result = readable_names(result)
    shown = [f for f in result.findings if flt.keeps(f)] if flt.active else result.findings
    display: dict[str, Any] = {
        "evaluated_findings": len(result.findings),
        "shown_findings": len(shown),
        "hidden_findings": len(result.findings) - len(shown),
        "severities": sorted((s.value for s in flt.severities), key=_sev_order)
        if flt.severities is not None
        else None,
        "statuses": sorted(s.value for s in flt.statuses) if flt.statuses is not None else None,
        "rules_selected": sorted(evaluated_rules) if evaluated_rules is not None else None,
        "config": config or None,
        "score": secure_score(result.findings),
    }
    return replace(result, findings=shown, display=display)


def _sev_order(value: str) -> int:
    return -Severity(value).rank


def describe_display(display: Mapping[str, Any] | None) -> list[str]:
    """Header lines: what was evaluated and what is shown (empty when nothing was narrowed)."""
    if not display:
        return []
    out = []
    if display.get("rules_selected") is not None:
        out.append(
            f"evaluated {len(display['rules_selected'])} selected rule(s) "
            "(--checks/--excluded-checks/--pillar)"
        )
    parts = []
    if display.get("statuses") is not None:
        parts.append("status " + ", ".join(display["statuses"]))
    if display.get("severities") is not None:
        parts.append("severity " + ", ".join(display["severities"]))
    if parts:
        out.append(
            f"showing {display['shown_findings']:,} of {display['evaluated_findings']:,} "
            f"findings ({'; '.join(parts)}); {display['hidden_findings']:,} hidden "
            "(display filter only: gates and score count all)"
        )
    return out
