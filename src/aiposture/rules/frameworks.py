"""Compliance views: results grouped by framework control, computed from rule metadata.

Each framework lists its controls so that "no rule" is meaningful: OWASP Top 10 for LLM
Applications 2025 in full, the MITRE ATLAS techniques the rule catalog names, and the
Microsoft cloud security benchmark controls aiposture maps (v1 ids, plus the v2 AI domain).
A reference id used by a rule but absent from the list is still shown (title empty).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from aiposture.model.types import Status
from aiposture.rules.frameworks_data import MAPPED
from aiposture.rules.types import Finding, RuleSpec


@dataclass(frozen=True)
class Framework:
    key: str
    name: str
    ref_field: str  # the Refs attribute holding this framework's ids
    controls: tuple[tuple[str, str], ...]  # (id, title), in the framework's order
    # Frameworks mapped as data (rules.frameworks_data) instead of by rule references:
    # control id -> rule ids or globs, why, and the text the mapping was made from.
    mapping: tuple[tuple[str, tuple[str, ...], str], ...] = ()
    source: str = ""


OWASP_LLM_2025 = Framework(
    "owasp-llm",
    "OWASP Top 10 for LLM Applications 2025",
    "owasp_llm",
    (
        ("LLM01", "Prompt Injection"),
        ("LLM02", "Sensitive Information Disclosure"),
        ("LLM03", "Supply Chain"),
        ("LLM04", "Data and Model Poisoning"),
        ("LLM05", "Improper Output Handling"),
        ("LLM06", "Excessive Agency"),
        ("LLM07", "System Prompt Leakage"),
        ("LLM08", "Vector and Embedding Weaknesses"),
        ("LLM09", "Misinformation"),
        ("LLM10", "Unbounded Consumption"),
    ),
)

ATLAS = Framework(
    "atlas",
    "MITRE ATLAS",
    "atlas",
    (
        ("AML.T0010", "AI Supply Chain Compromise"),
        ("AML.T0020", "Poison Training Data"),
        ("AML.T0024", "Exfiltration via AI Inference API"),
        ("AML.T0029", "Denial of AI Service"),
        ("AML.T0034", "Cost Harvesting"),
        ("AML.T0051", "LLM Prompt Injection"),
        ("AML.T0054", "LLM Jailbreak"),
        ("AML.T0070", "RAG Poisoning"),
    ),
)

MCSB = Framework(
    "mcsb",
    "Microsoft cloud security benchmark (v1; AI domain from v2)",
    "mcsb",
    (
        ("NS-1", "Establish network segmentation boundaries"),
        ("NS-2", "Secure cloud native services with network controls"),
        ("IM-1", "Use centralized identity and authentication system"),
        ("IM-3", "Manage application identities securely and automatically"),
        ("IM-7", "Restrict resource access based on conditions"),
        ("IM-8", "Restrict the exposure of credentials and secrets"),
        ("PA-1", "Separate and limit highly privileged/administrative users"),
        ("PA-2", "Avoid standing access for user accounts and permissions"),
        ("PA-7", "Follow just enough administration (least privilege) principle"),
        ("DP-2", "Monitor anomalies and threats targeting sensitive data"),
        ("DP-3", "Encrypt sensitive data in transit"),
        ("DP-5", "Use customer-managed key option in data at rest encryption when required"),
        ("DP-6", "Use a secure key management process"),
        ("AM-2", "Use only approved services"),
        ("LT-1", "Enable threat detection capabilities"),
        ("LT-3", "Enable logging for security investigation"),
        ("LT-5", "Centralize security log management and analysis"),
        ("PV-1", "Define and establish secure configurations"),
        ("PV-2", "Audit and enforce secure configurations"),
        ("PV-5", "Perform vulnerability assessments"),
        ("AI-1", "Ensure use of approved models"),
        ("AI-2", "Implement multi-layered content filtering"),
        ("AI-3", "Adopt safety meta-prompts"),
        ("AI-4", "Apply least privilege for agent functions"),
        ("AI-5", "Ensure human-in-the-loop"),
        ("AI-6", "Establish monitoring and detection"),
        ("AI-7", "Perform continuous AI red teaming"),
    ),
)

FRAMEWORKS: dict[str, Framework] = {f.key: f for f in (MCSB, OWASP_LLM_2025, ATLAS)}
for _key, (_name, _source, _entries) in MAPPED.items():
    FRAMEWORKS[_key] = Framework(
        _key,
        _name,
        "",
        tuple((cid, title) for cid, title, _rules, _why in _entries),
        tuple((cid, rules, why) for cid, _title, rules, why in _entries),
        _source,
    )


def control_ids(spec: RuleSpec[Any], framework: Framework) -> tuple[str, ...]:
    if not framework.ref_field:
        return tuple(
            cid
            for cid, patterns, _why in framework.mapping
            if any(fnmatch.fnmatchcase(spec.id, p) for p in patterns)
        )
    ids: tuple[str, ...] = getattr(spec.references, framework.ref_field)
    return ids


def compliance_view(
    framework_key: str, rules: Sequence[RuleSpec[Any]], findings: Iterable[Finding]
) -> dict[str, Any]:
    """{framework, controls: [{id, title, status, rules, fail, pass, unknown, suppressed,
    failing_findings}], summary}. status: "failing" (an unsuppressed FAIL), "covered" (rules
    ran, none failing; UNKNOWN counts are shown, since UNKNOWN is not a pass), or "no rule"."""
    fw = FRAMEWORKS[framework_key]
    titles = dict(fw.controls)
    order = [cid for cid, _ in fw.controls]
    by_control: dict[str, list[str]] = {cid: [] for cid in order}
    for spec in rules:
        for cid in control_ids(spec, fw):
            if cid not in by_control:
                by_control[cid] = []
                order.append(cid)
            by_control[cid].append(spec.id)
    findings = list(findings)
    controls = []
    for cid in order:
        rule_ids = sorted(set(by_control[cid]))
        fs = [f for f in findings if f.rule.id in rule_ids]
        fail = sum(1 for f in fs if f.is_failure)
        counts = {
            "fail": fail,
            "pass": sum(1 for f in fs if f.status is Status.PASS),
            "unknown": sum(1 for f in fs if f.status is Status.UNKNOWN),
            "suppressed": sum(1 for f in fs if f.suppressed),
        }
        status = "no rule" if not rule_ids else ("failing" if fail else "covered")
        failing = sorted({(f.rule.id, f.resource_id, f.fingerprint) for f in fs if f.is_failure})
        controls.append(
            {"id": cid, "title": titles.get(cid, ""), "status": status, "rules": rule_ids}
            | counts
            | {
                "failing_findings": [
                    {"rule_id": r, "resource_id": res, "fingerprint": fp} for r, res, fp in failing
                ]
            }
        )
    summary = {s: sum(1 for c in controls if c["status"] == s) for s in ("failing", "covered")}
    summary["no rule"] = sum(1 for c in controls if c["status"] == "no rule")
    view: dict[str, Any] = {
        "framework": fw.key,
        "name": fw.name,
        "controls": controls,
        "summary": summary,
    }
    if fw.source:
        why = {cid: text for cid, _rules, text in fw.mapping}
        view["source"] = fw.source
        for c in controls:
            c["why"] = why.get(str(c["id"]), "")
    return view
