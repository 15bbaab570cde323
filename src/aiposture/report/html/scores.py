"""A posture grade per pillar, from the checks that could be evaluated.

score = 100 * weight(PASS) / weight(PASS + FAIL), each check weighted by its severity
(critical 10, high 5, medium 3, low 1, info 0); suppressed failures count as neither.
Grade: A >= 90, B >= 75, C >= 60, D >= 40, else F; a critical failure caps the grade at D and a
high one at B, so one open door is never hidden by many closed ones. A pillar with nothing
evaluated has no grade ("n/a"), and UNKNOWN checks are reported next to it, never scored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiposture.app import ScanResult
from aiposture.model.types import Pillar, Severity, Status

WEIGHT = {
    Severity.CRITICAL: 10,
    Severity.HIGH: 5,
    Severity.MEDIUM: 3,
    Severity.LOW: 1,
    Severity.INFO: 0,
}
GRADES = (("A", 90), ("B", 75), ("C", 60), ("D", 40))
_ORDER = "ABCDF"


@dataclass
class PillarScore:
    pillar: Pillar
    score: int | None
    grade: str  # A-F, or "n/a"
    passed: int = 0
    failed: int = 0
    unknown: int = 0
    not_applicable: int = 0
    suppressed: int = 0
    failures_by_severity: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.pillar.label

    @property
    def evaluated(self) -> int:
        return self.passed + self.failed


def _cap(grade: str, cap: str) -> str:
    return grade if _ORDER.index(grade) >= _ORDER.index(cap) else cap


def grade_for(score: int, worst: Severity | None) -> str:
    grade = next((g for g, floor in GRADES if score >= floor), "F")
    if worst is Severity.CRITICAL:
        grade = _cap(grade, "D")
    elif worst is Severity.HIGH:
        grade = _cap(grade, "B")
    return grade


def pillar_scores(result: ScanResult) -> list[PillarScore]:
    out = []
    for p in Pillar:
        fs = [f for f in result.findings if f.rule.pillar is p]
        fails = [f for f in fs if f.is_failure]
        passes = [f for f in fs if f.status is Status.PASS]
        by_sev = {s.value: sum(1 for f in fails if f.severity is s) for s in Severity}
        ps = PillarScore(
            pillar=p,
            score=None,
            grade="n/a",
            passed=len(passes),
            failed=len(fails),
            unknown=sum(1 for f in fs if f.status is Status.UNKNOWN),
            not_applicable=sum(1 for f in fs if f.status is Status.NOT_APPLICABLE),
            suppressed=sum(1 for f in fs if f.suppressed),
            failures_by_severity=by_sev,
        )
        good = sum(WEIGHT[f.severity] for f in passes)
        bad = sum(WEIGHT[f.severity] for f in fails)
        if good + bad:
            ps.score = round(100 * good / (good + bad))
            worst = max((f.severity for f in fails), key=lambda s: s.rank, default=None)
            ps.grade = grade_for(ps.score, worst)
        elif fails or passes:
            # Only info-weight checks were evaluated: grade on the plain counts.
            ps.score = round(100 * len(passes) / (len(passes) + len(fails)))
            ps.grade = grade_for(ps.score, None)
        out.append(ps)
    return out
