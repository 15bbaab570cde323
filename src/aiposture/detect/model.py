"""The typed definition of a detection: what it looks for, where, and with which parameters.

A detection is one of three shapes, each rendered to KQL and to SQL from the same fields:

* SeriesAnomaly: an hourly series per entity (caller, deployment) compared with its own
  seasonal baseline (KQL: series_decompose_anomalies; SQL: median/MAD per hour-of-week).
* RatioBurst: per entity and hour, hits of a condition at least `min_hits` and at least
  `min_ratio` of that entity's events (content-filter / prompt-shield hits).
* EventMatch: single events of listed operations by principals outside an allow-list.
* AlertGroup: alerts another product raised (Defender for AI), deduplicated per alert and
  grouped per resource and window, so that an AI resource's alerts read as one finding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aiposture.model.types import Severity


@dataclass(frozen=True, slots=True)
class Field:
    """A logical column of a log source, as a KQL and a SQL expression over the raw table."""

    kql: str
    sql: str


@dataclass(frozen=True, slots=True)
class LogSource:
    """The rows a family of detections reads, as a KQL and a SQL tabular expression.

    `fields` maps logical names (time, caller, deployment, resource, tokens, hit, operation)
    to expressions over that base; `required_columns` lists, per raw table, the columns an
    offline export must carry; `connectors` are the Sentinel data connectors feeding it.
    """

    name: str
    kql_base: str
    sql_base: str
    fields: tuple[tuple[str, Field], ...]
    required_columns: tuple[tuple[str, tuple[str, ...]], ...]
    connectors: tuple[tuple[str, tuple[str, ...]], ...]
    # The logical field the tenant's values filter on in KQL (its AI resources or identities).
    scope_field: str = "resource"

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(table for table, _ in self.required_columns)

    def field(self, name: str) -> Field:
        for key, value in self.fields:
            if key == name:
                return value
        raise KeyError(f"{self.name} has no field {name!r}")


@dataclass(frozen=True, slots=True)
class SeriesAnomaly:
    """Hourly count (metric="count") or sum of a field per entity against a seasonal baseline.

    An hour is anomalous when its value exceeds the baseline by more than `threshold` robust
    standard deviations, by at least `min_excess` in absolute terms and `min_ratio` times,
    and is at least `min_value`. The deviation has floors (sqrt of the baseline, i.e. Poisson
    noise, and `sigma_floor`) so that quiet, regular series do not alarm on a few extra calls.
    """

    source: LogSource
    entity: str  # logical field name
    metric: str  # "count" or a logical field name summed per hour
    threshold: float
    min_value: float
    min_excess: float
    sigma_floor: float
    min_ratio: float = 1.0  # value must also be at least this multiple of the baseline
    # KQL's series_decompose_anomalies scores residuals in Tukey-fence units (1.5 mild,
    # 3 strong), not robust z-scores: its threshold is its own.
    kql_threshold: float = 3.0


@dataclass(frozen=True, slots=True)
class RatioBurst:
    source: LogSource
    entity: str
    hit: str  # logical boolean field
    min_hits: int
    min_ratio: float


@dataclass(frozen=True, slots=True)
class EventMatch:
    source: LogSource
    operations: tuple[str, ...]  # upper-case ARM operation names
    principal: str  # logical field holding the caller


@dataclass(frozen=True, slots=True)
class AlertGroup:
    source: LogSource
    entity: str  # logical field the alerts are grouped by (the resource)
    alert_id: str  # logical field identifying one alert across its status-update rows
    kind: str  # logical field: the alert type
    severity: str  # logical field: the alert's severity


@dataclass(frozen=True, slots=True)
class EntityMapping:
    """Sentinel entity mapping: entity type, identifier and the logical output column."""

    entity_type: str
    identifier: str
    column: str


@dataclass(frozen=True, slots=True)
class Detection:
    """An AIP-DET rule. `description` carries the rationale (what it catches and why)."""

    id: str
    title: str
    description: str
    severity: Severity
    tactics: tuple[str, ...]  # ATT&CK tactic names as Sentinel spells them (no spaces)
    techniques: tuple[str, ...]  # ATT&CK technique ids (T1496, T1562.008)
    atlas: tuple[str, ...]  # MITRE ATLAS technique ids
    logic: SeriesAnomaly | RatioBurst | EventMatch | AlertGroup
    entities: tuple[EntityMapping, ...]
    query_frequency: dt.timedelta
    query_period: dt.timedelta

    @property
    def tables(self) -> tuple[str, ...]:
        return self.logic.source.tables
