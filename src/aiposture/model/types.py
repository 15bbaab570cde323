"""Enums shared by every layer: severities, pillars, statuses, coverage states."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse (critical = 4, info = 0)."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of: {names})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Pillar(StrEnum):
    IDENTITY = "identity"
    DATA = "data"
    MODEL = "model"
    NETWORK = "network"
    GOVERNANCE = "governance"
    MONITORING = "monitoring"

    @property
    def label(self) -> str:
        return _PILLAR_LABEL[self]


_PILLAR_LABEL = {
    Pillar.IDENTITY: "Identity",
    Pillar.DATA: "Data",
    Pillar.MODEL: "Model risk",
    Pillar.NETWORK: "Network",
    Pillar.GOVERNANCE: "Governance",
    Pillar.MONITORING: "Monitoring",
}


class Status(StrEnum):
    FAIL = "FAIL"
    PASS = "PASS"  # noqa: S105 - a status, not a password
    UNKNOWN = "UNKNOWN"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class CoverageStatus(StrEnum):
    """How completely a collection was read for a scope."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    DENIED = "denied"
    FAILED = "failed"
    NOT_COLLECTED = "not_collected"
