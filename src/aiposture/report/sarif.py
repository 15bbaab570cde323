"""SARIF 2.1.0 (docs/report-format.md): for code-scanning dashboards and SARIF viewers.

What goes in:
* FAIL findings as results with kind "fail" and a level from the severity (critical/high ->
  error, medium -> warning, low/info -> note); suppressed ones carry a SARIF suppression.
* UNKNOWN findings as kind "review", level "none": a human must look, the tool could not decide.
  They are not failures and must not break a SARIF-gated build.
* PASS and NOT_APPLICABLE are left out (a code-scanning tool closes alerts that disappear).
* With --baseline, results carry baselineState, and baseline failures that are gone from this
  scan appear as kind "pass" results with baselineState "absent".
Rules come from the registry (help = rationale + remediation), and every result has the finding
fingerprint as a partial fingerprint and the resource id as a logical location (plus an
`azure/<resource id>` artifact URI, because GitHub code scanning requires one).
`message.text` and suppression justifications are shown to humans (code-scanning UIs, PR
annotations): they go through model.sanitize.one_line; every other tenant-derived string is
kept as data, with secrets masked and length capped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from aiposture.app import ScanResult
from aiposture.model.sanitize import NAME_LIMIT, TEXT_LIMIT, data, one_line, tree
from aiposture.model.types import Severity, Status
from aiposture.report.baseline import resolved_entries, state_of
from aiposture.report.views import redactions, sort_findings
from aiposture.rules.types import Finding, RuleSpec

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "aiposture/v1"

LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning reads this number (0-10) to rank security alerts.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule_help(r: RuleSpec[Any]) -> tuple[str, str]:
    rem = r.remediation
    text = (
        f"{r.rationale}\n\nRemediation: {rem.summary}\n\n"
        f"az CLI:\n{rem.az_cli}\n\nBicep:\n{rem.bicep}\n\nTerraform:\n{rem.terraform}\n\n"
        f"Portal: {rem.portal}"
    )
    policies = "".join(
        f"\n* Azure Policy `{p.definition_id}` ({p.effect}) {p.display_name}" for p in rem.policy
    )
    markdown = (
        f"{r.rationale}\n\n**Remediation:** {rem.summary}\n\n"
        f"**az CLI**\n\n```sh\n{rem.az_cli}\n```\n\n"
        f"**Bicep**\n\n```bicep\n{rem.bicep}\n```\n\n"
        f"**Terraform**\n\n```hcl\n{rem.terraform}\n```\n\n"
        f"**Portal:** {rem.portal}\n" + (f"\n**Keep it fixed:**{policies}\n" if policies else "")
    )
    return text, markdown


def rule_descriptor(r: RuleSpec[Any]) -> dict[str, Any]:
    text, markdown = _rule_help(r)
    refs = r.references.as_dict()
    tags = ["security", r.pillar.value, *refs["owasp_llm"], *refs["atlas"]]
    return {
        "id": r.id,
        # The check function's name, CamelCased: a readable identifier, stable across releases.
        "name": "".join(w.capitalize() for w in r.check.__name__.split("_") if w) or r.id,
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.rationale or r.title},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[r.severity]},
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[r.severity],
            "pillar": r.pillar.value,
            "severity": r.severity.value,
            "target": r.target_label,
            "requires": list(r.requires),
            "references": refs,
        },
    }


def artifact_uri(resource_id: str) -> str:
    """A relative, percent-encoded pseudo-path for the resource: GitHub code scanning rejects a
    whole upload if any location lacks physicalLocation.artifactLocation.uri."""
    return "azure/" + quote(resource_id.strip("/"), safe="/")


def _location(resource_id: str, name: str, rtype: str) -> dict[str, Any]:
    return {
        # Redacted before percent-encoding hides a secret's label ("=" becomes "%3D").
        "physicalLocation": {"artifactLocation": {"uri": artifact_uri(data(resource_id))}},
        "logicalLocations": [
            {"name": name, "fullyQualifiedName": resource_id, "kind": rtype or "resource"}
        ],
    }


def _result(f: Finding, index: int | None, state: str | None) -> dict[str, Any]:
    failing = f.status is Status.FAIL
    text = f"{f.rule.title}: {one_line(f.resource_name, NAME_LIMIT)}: {f.message}"
    if not failing:
        text = f"Could not be evaluated ({', '.join(f.missing) or 'data missing'}). {text}"
    text = one_line(text, 2 * TEXT_LIMIT)
    out: dict[str, Any] = {
        "ruleId": f.rule.id,
        "kind": "fail" if failing else "review",
        "level": LEVEL[f.severity] if failing else "none",
        "message": {"text": text},
        "locations": [_location(f.resource_id, f.resource_name, f.resource_type)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "status": f.status.value,
            "severity": f.severity.value,
            "pillar": f.rule.pillar.value,
            "resourceId": f.resource_id,
            "resourceType": f.resource_type,
            "subscriptionId": f.subscription_id or None,
            "resourceGroup": f.resource_group or None,
            "evidence": [{"path": e.path, "value": e.value} for e in f.evidence],
            "missing": list(f.missing),
            "remediation": f.remediation.as_dict(),
        },
    }
    if index is not None:
        out["ruleIndex"] = index
    if state is not None:
        out["baselineState"] = state
    if f.suppression is not None and failing:
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "rejected" if f.suppression.expired else "accepted",
                "justification": one_line(
                    f.suppression.reason
                    + (f" (expires {f.suppression.expires})" if f.suppression.expires else "")
                ),
            }
        ]
    scrubbed: dict[str, Any] = tree(out)
    return scrubbed


def sarif_dict(result: ScanResult) -> dict[str, Any]:
    index = {r.id: i for i, r in enumerate(result.rules)}
    results = [
        _result(f, index.get(f.rule.id), state_of(result, f))
        for f in sort_findings(result.findings)
        if f.status in (Status.FAIL, Status.UNKNOWN)
    ]
    for gone in resolved_entries(result):
        if gone.get("status_now") is not None:
            continue  # still evaluated (now passing): not a SARIF result
        entry: dict[str, Any] = {
            "ruleId": gone["rule_id"],
            "kind": "pass",
            "level": "none",
            "message": {
                "text": one_line(
                    f"Resolved since the baseline: {gone['title']}: "
                    f"{one_line(gone['resource_name'], NAME_LIMIT)}"
                )
            },
            "locations": [_location(gone["resource_id"], gone["resource_name"], "")],
            "partialFingerprints": {FINGERPRINT_KEY: gone["fingerprint"]},
            "baselineState": "absent",
        }
        if gone["rule_id"] in index:
            entry["ruleIndex"] = index[gone["rule_id"]]
        results.append(tree(entry))
    scanned = result.scanned_at.isoformat().replace("+00:00", "Z")
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aiposture",
                        "version": result.tool_version,
                        "semanticVersion": result.tool_version,
                        "rules": [rule_descriptor(r) for r in result.rules],
                    }
                },
                # GitHub keeps one alert set per category: one per tenant.
                "automationDetails": {
                    "id": one_line(
                        f"aiposture/{result.inventory.metadata.tenant_id or 'unknown'}/", NAME_LIMIT
                    )
                },
                "invocations": [{"executionSuccessful": True, "endTimeUtc": scanned}],
                "results": results,
                "properties": tree(
                    {
                        "tenantId": result.inventory.metadata.tenant_id or None,
                        "source": result.source,
                        "redactions": redactions(result),
                    }
                ),
            }
        ],
    }


def render_sarif(result: ScanResult) -> bytes:
    return msgspec.json.format(msgspec.json.encode(sarif_dict(result)), indent=2) + b"\n"
