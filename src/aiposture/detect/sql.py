"""SQL renderings of the detections for the offline engine (DuckDB over exported logs).

Thresholds and allow-lists travel as bound parameters ($name), never as SQL text.
"""

from __future__ import annotations

from typing import Any

from aiposture.detect.model import AlertGroup, Detection, EventMatch, RatioBurst, SeriesAnomaly


def render_sql(det: Detection, change_admins: tuple[str, ...] = ()) -> tuple[str, dict[str, Any]]:
    """(query, parameters). Series detections return one row per entity and hour with the
    value, its hour-of-week baseline (median over the weeks) and robust score; callers keep
    the rows where `anomalous` is true and use the rest as evidence."""
    logic = det.logic
    src = logic.source
    t = src.field("time").sql
    if isinstance(logic, SeriesAnomaly):
        metric = "1" if logic.metric == "count" else src.field(logic.metric).sql
        sql = f"""
WITH base AS ({src.sql_base}),
ev AS (
  SELECT date_trunc('hour', {t}) AS hour, {src.field(logic.entity).sql} AS entity,
         CAST({metric} AS DOUBLE) AS v
  FROM base WHERE {t} IS NOT NULL
),
hourly AS (
  SELECT entity, hour, sum(v) AS value FROM ev
  WHERE entity IS NOT NULL AND entity <> '' GROUP BY entity, hour
),
bounds AS (SELECT min(hour) AS t0, max(hour) AS t1 FROM hourly),
grid AS (
  SELECT e.entity, g.hour
  FROM (SELECT DISTINCT entity FROM hourly) e, bounds b,
       generate_series(b.t0, b.t1, INTERVAL 1 HOUR) AS g(hour)
),
filled AS (
  SELECT grid.entity, grid.hour, coalesce(h.value, 0) AS value,
         isodow(grid.hour) * 24 + hour(grid.hour) AS how
  FROM grid LEFT JOIN hourly h ON h.entity = grid.entity AND h.hour = grid.hour
),
med AS (SELECT entity, how, median(value) AS med FROM filled GROUP BY entity, how),
mad AS (
  SELECT f.entity, f.how, any_value(m.med) AS med, median(abs(f.value - m.med)) AS mad
  FROM filled f JOIN med m ON m.entity = f.entity AND m.how = f.how
  GROUP BY f.entity, f.how
),
scored AS (
  SELECT f.entity, f.hour, f.value, m.med AS baseline,
         greatest(1.4826 * m.mad, sqrt(m.med), $sigma_floor) AS sigma
  FROM filled f JOIN mad m ON m.entity = f.entity AND m.how = f.how
)
SELECT entity, hour, value, baseline, (value - baseline) / sigma AS score,
       ((value - baseline) / sigma > $threshold AND value >= $min_value
        AND value - baseline >= $min_excess AND value >= $min_ratio * baseline) AS anomalous
FROM scored ORDER BY entity, hour
"""  # noqa: S608 (our own definitions only; values are bound parameters)
        params: dict[str, Any] = {
            "sigma_floor": logic.sigma_floor,
            "threshold": logic.threshold,
            "min_value": logic.min_value,
            "min_excess": logic.min_excess,
            "min_ratio": logic.min_ratio,
        }
        return sql, params
    if isinstance(logic, RatioBurst):
        sql = f"""
WITH base AS ({src.sql_base}),
ev AS (
  SELECT date_trunc('hour', {t}) AS hour, {src.field(logic.entity).sql} AS entity,
         coalesce({src.field(logic.hit).sql}, false) AS hit
  FROM base WHERE {t} IS NOT NULL
)
SELECT entity, hour, count(*) AS requests, count(*) FILTER (WHERE hit) AS hits
FROM ev WHERE entity IS NOT NULL AND entity <> ''
GROUP BY entity, hour
HAVING count(*) FILTER (WHERE hit) >= $min_hits
   AND count(*) FILTER (WHERE hit) / count(*) >= $min_ratio
ORDER BY entity, hour
"""  # noqa: S608 (our own definitions only; values are bound parameters)
        return sql, {"min_hits": logic.min_hits, "min_ratio": logic.min_ratio}
    if isinstance(logic, AlertGroup):
        ent, kind, sev = (src.field(n).sql for n in (logic.entity, logic.kind, logic.severity))
        sql = f"""
WITH base AS ({src.sql_base}),
latest AS (
  SELECT * FROM base
  QUALIFY row_number() OVER (PARTITION BY {src.field(logic.alert_id).sql} ORDER BY {t} DESC) = 1
)
SELECT {ent} AS entity, date_trunc('day', {t}) AS day, count(*) AS alerts,
       list(DISTINCT {kind} ORDER BY {kind}) AS kinds, min({t}) AS first, max({t}) AS last,
       list(DISTINCT {sev} ORDER BY {sev}) AS severities
FROM latest WHERE coalesce({ent}, '') <> ''
GROUP BY ALL ORDER BY day, entity
"""  # noqa: S608 (our own definitions only)
        return sql, {}
    assert isinstance(logic, EventMatch)
    principal = src.field(logic.principal).sql
    sql = f"""
WITH base AS ({src.sql_base})
SELECT {t} AS time, {principal} AS entity, {src.field("operation").sql} AS operation,
       {src.field("resource").sql} AS resource, {src.field("ip").sql} AS ip
FROM base
WHERE list_contains($operations, {src.field("operation").sql})
  AND NOT list_contains($admins, lower(coalesce({principal}, '')))
ORDER BY time, entity
"""  # noqa: S608 (our own definitions only; values are bound parameters)
    return sql, {
        "operations": list(logic.operations),
        "admins": sorted({a.lower() for a in change_admins}),
    }
