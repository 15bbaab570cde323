"""The JSON report (docs/report-format.md).

Strings stay data (JSON escapes control characters), but tenant-derived ones pass through
model.sanitize.data: secrets masked and length capped (DATA_LIMIT), so a hostile tenant can
neither leak a credential into the report nor blow it up to gigabytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

import msgspec

from aiposture.app import ScanResult
from aiposture.detect.links import link_dict
from aiposture.model.redact import may_hold_secret
from aiposture.model.sanitize import DATA_LIMIT, ID_LIMIT, NAME_LIMIT, data, tree
from aiposture.model.types import Severity, Status
from aiposture.report.views import inventory_entries, redactions, scope_view, sort_findings, summary
from aiposture.rules.engine import paused_gc
from aiposture.rules.types import (
    FillValue,
    Finding,
    RenderedRemediation,
    RuleSpec,
    fill_remediation,
    render_remediation,
)

REPORT_SCHEMA_VERSION = "1.0"


# Findings whose rules get their detection links in the report (detect/links.py).
_OPEN = (Status.FAIL, Status.UNKNOWN)


def finding_dict(f: Finding, *, keep_remediation: bool = True) -> dict[str, Any]:
    """`keep_remediation=False` renders the fix without caching it on the finding: writing a
    million findings must not leave a million rendered remediations behind in memory."""
    if keep_remediation or f.remediation_rendered:
        rem = f.remediation
    else:
        rem = render_remediation(f.rule.remediation, dict(f.placeholders))
    return _finding_dict(f, rem.as_dict(), f.rule.references.as_dict())


def _finding_dict(f: Finding, rem: dict[str, Any], refs: dict[str, Any]) -> dict[str, Any]:
    # Rule metadata (title, references) is ours; everything from the tenant is scrubbed.
    return {
        "rule_id": f.rule.id,
        "title": f.rule.title,
        "pillar": f.rule.pillar.value,
        "severity": f.severity.value,
        "status": f.status.value,
        "resource_id": data(f.resource_id, ID_LIMIT),
        "resource_type": data(f.resource_type, NAME_LIMIT),
        "resource_name": data(f.resource_name, NAME_LIMIT),
        "subscription_id": data(f.subscription_id, NAME_LIMIT) or None,
        "resource_group": data(f.resource_group, NAME_LIMIT) or None,
        "message": data(f.message),
        "evidence": [{"path": data(e.path), "value": tree(e.value)} for e in f.evidence],
        "missing": list(f.missing),
        "remediation": rem if _placeholders_clean(f) else _scrub_remediation(rem),
        "references": refs,
        "fingerprint": f.fingerprint,
        "suppressed": f.suppressed,
        "suppression": None
        if f.suppression is None
        else {
            "reason": data(f.suppression.reason),
            "expires": f.suppression.expires,
            "expired": f.suppression.expired,
        },
    }


def _data(text: str, limit: int) -> str:
    """`sanitize.data`, with its common case (short, ASCII, nothing like a secret) decided
    inline: the writer calls it for every tenant string of every finding."""
    if (
        len(text) <= limit
        and text.isascii()
        and "=" not in text
        and "eyJ" not in text
        and "earer" not in text
        and "EARER" not in text
    ):
        return text
    return data(text, limit)


def _values_clean(values: Mapping[str, FillValue]) -> bool:
    """`_placeholders_clean` over a finding's placeholder values, without a generator."""
    for value in values.values():
        for v in (value,) if type(value) is str else value:
            if len(v) > ID_LIMIT or not v.isascii() or may_hold_secret(v):
                return False
    return True


def _placeholders_clean(f: Finding) -> bool:
    """The fix texts are our templates filled with the finding's placeholders (tenant names
    and ids): when those are short and hold no secret, so are the texts."""
    return not any(
        len(v) > ID_LIMIT or not v.isascii() or may_hold_secret(v)
        for value in f.placeholders.values()
        for v in ((value,) if isinstance(value, str) else value)
    )


def _scrub_remediation(rem: dict[str, Any]) -> dict[str, Any]:
    # The policy list is ours; the texts embed tenant names.
    return {k: data(v) if isinstance(v, str) else v for k, v in rem.items()}


def rule_dict(r: RuleSpec[Any]) -> dict[str, Any]:
    rem = r.remediation
    return {
        "id": r.id,
        "title": r.title,
        "pillar": r.pillar.value,
        "severity": r.severity.value,
        "target": r.target_label,
        "requires": list(r.requires),
        "rationale": r.rationale,
        "remediation": {
            "summary": rem.summary,
            "az_cli": rem.az_cli,
            "bicep": rem.bicep,
            "terraform": rem.terraform,
            "portal": rem.portal,
            "policy": [
                {
                    "definition_id": p.definition_id,
                    "effect": p.effect,
                    "display_name": p.display_name,
                }
                for p in rem.policy
            ],
        },
        "references": r.references.as_dict(),
        "detections": link_dict(r.id),
    }


def report_dict(result: ScanResult) -> dict[str, Any]:
    return _report_doc(result, [finding_dict(f) for f in sort_findings(result.findings)])


def _report_doc(result: ScanResult, findings: Any) -> dict[str, Any]:
    inv = result.inventory
    doc: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": "aiposture", "version": result.tool_version},
        "scanned_at": result.scanned_at.isoformat().replace("+00:00", "Z"),
        "tenant_id": inv.metadata.tenant_id or None,
        "source": {
            "description": result.source,
            "kind": inv.metadata.source,
            "collected_at": inv.metadata.collected_at or None,
        },
        "redactions": redactions(result),
        "summary": summary(result),
        "coverage": [
            {
                "collection": c.collection,
                "scope": c.scope,
                "status": c.status.value,
                "reason": c.reason,
                "count": c.count,
            }
            for c in result.coverage
        ],
        "unmodeled_types": dict(sorted(inv.other_type_counts.items())),
        "inventory": inventory_entries(inv),
        "findings": findings,
    }
    # Views of later stages, in the order the scan adds them; absent when not run.
    # Posture -> detection (detect/links.py) for the rules that failed or stayed open.
    open_rules = sorted({f.rule.id for f in result.findings if f.status in _OPEN})
    links = {rid: link for rid in open_rules if (link := link_dict(rid)) is not None}
    if links:
        doc["detection_links"] = links
    if result.input_warnings:
        doc["input_warnings"] = list(result.input_warnings)
    if result.baseline is not None:
        doc["baseline"] = result.baseline
    if result.compliance is not None:
        doc["compliance"] = result.compliance
    if len(result.compliance_views) > 1:
        doc["compliance_views"] = list(result.compliance_views)
    if result.display is not None:
        # What `scan` selected and filtered (report.selection), the config and the scope.
        doc["selection"] = dict(result.display) | {"scope": scope_view(result)}
    scrubbed: dict[str, Any] = tree(doc)
    return scrubbed


_PLACEHOLDER = "\u0000aiposture-findings\u0000"
_MARKER = b'"findings": ' + msgspec.json.encode(_PLACEHOLDER)


def render_json(result: ScanResult) -> bytes:
    """The report, pretty-printed; byte-identical to formatting `report_dict(result)`."""
    buf = io.BytesIO()
    write_json(result, buf)
    return buf.getvalue()


def write_json(result: ScanResult, out: IO[bytes]) -> None:
    """Write the report to `out`, a few hundred findings at a time.

    A million-finding report (gigabytes of text) then never exists whole in memory, neither
    as a tree of dicts nor as bytes; the output is the same as `render_json`.
    """
    # The collector off while writing (see rules.engine.paused_gc): nothing built here is
    # cyclic, and a full collection would walk every finding again.
    with paused_gc():
        _write_json(result, out)


def _write_json(result: ScanResult, out: IO[bytes]) -> None:
    text = msgspec.json.format(msgspec.json.encode(_report_doc(result, _PLACEHOLDER)), indent=2)
    head, tail = text.split(_MARKER, 1)
    out.write(head + b'"findings": [')
    encode = msgspec.json.Encoder().encode
    fmt = msgspec.json.format
    first = True
    batch: list[_Finding] = []

    def flush() -> None:
        nonlocal first
        # A batch is formatted as the member of a one-key object at indent 2, so its findings
        # sit at the report's own depth: the same bytes as formatting each finding in place,
        # at a fraction of the calls and writes, with no re-indenting pass.
        text = fmt(encode({"f": batch}), indent=2)
        if not first:
            out.write(b",")
        out.write(memoryview(text)[_BATCH_HEAD:-_BATCH_TAIL])  # a view: no copy
        first = False
        batch.clear()

    # Per rule: its fixed fields, and its references and policy fixes encoded once.
    per_rule: dict[str, tuple[str, str, str, msgspec.Raw, msgspec.Raw]] = {}
    paths: dict[str, str] = {}  # evidence paths: a few hundred distinct ones
    sev_value = {s: s.value for s in Severity}
    status_value = {s: s.value for s in Status}
    for f in sort_findings(result.findings):
        rule = f.rule
        fixed = per_rule.get(rule.id)
        if fixed is None:
            policy = RenderedRemediation("", "", "", "", "", rule.remediation.policy).as_dict()
            fixed = per_rule[rule.id] = (
                rule.id,
                rule.title,
                rule.pillar.value,
                msgspec.Raw(encode(rule.references.as_dict())),
                msgspec.Raw(encode(policy["policy"])),
            )
        if f.remediation_rendered:
            r = f.remediation
            forms = (r.summary, r.az_cli, r.bicep, r.terraform, r.portal)
        else:
            forms = fill_remediation(rule.remediation, f.placeholders)
        if not _values_clean(f.placeholders):
            # The policy list is ours; the texts embed tenant names.
            forms = (data(forms[0]), data(forms[1]), data(forms[2]), data(forms[3]), data(forms[4]))
        evidence = []
        for e in f.evidence:
            path = paths.get(e.path)
            if path is None:
                path = paths[e.path] = data(e.path)
            value = e.value
            if value is None or type(value) is bool or type(value) is int:
                pass
            elif type(value) is str:
                value = _data(value, DATA_LIMIT)
            else:
                value = tree(value)
            evidence.append(_Evidence(path, value))
        sup = f.suppression
        batch.append(
            _Finding(
                fixed[0],
                fixed[1],
                fixed[2],
                sev_value[f.severity],
                status_value[f.status],
                _data(f.resource_id, ID_LIMIT),
                _data(f.resource_type, NAME_LIMIT),
                _data(f.resource_name, NAME_LIMIT),
                _data(f.subscription_id, NAME_LIMIT) or None,
                _data(f.resource_group, NAME_LIMIT) or None,
                _data(f.message, DATA_LIMIT),
                evidence,
                list(f.missing),
                _Remediation(*forms, fixed[4]),
                fixed[3],
                f.fingerprint,
                f.suppressed,
                None if sup is None else _Suppression(data(sup.reason), sup.expires, sup.expired),
            )
        )
        if len(batch) == _BATCH:
            flush()
    if batch:
        flush()
    out.write((b"]" if first else b"\n  ]") + tail + b"\n")


_BATCH = 512
_BATCH_HEAD = len(b'{\n  "f": [')
_BATCH_TAIL = len(b"\n  ]\n}")


# A finding as the writer encodes it: msgspec structs encode their field names from a table,
# in declaration order (the keys of `_finding_dict`, whose output they reproduce byte for
# byte); a rule's references and policy fixes are encoded once per rule and embedded raw.
class _Evidence(msgspec.Struct, gc=False):
    path: str
    value: Any


class _Remediation(msgspec.Struct, gc=False):
    summary: str
    az_cli: str
    bicep: str
    terraform: str
    portal: str
    policy: msgspec.Raw


class _Suppression(msgspec.Struct, gc=False):
    reason: str
    expires: str | None
    expired: bool


class _Finding(msgspec.Struct, gc=False):
    rule_id: str
    title: str
    pillar: str
    severity: str
    status: str
    resource_id: str
    resource_type: str
    resource_name: str
    subscription_id: str | None
    resource_group: str | None
    message: str
    evidence: list[_Evidence]
    missing: list[str]
    remediation: _Remediation
    references: msgspec.Raw
    fingerprint: str
    suppressed: bool
    suppression: _Suppression | None
