"""docs/rules.md, generated from the registry (`aiposture rules --format md`).

Deterministic: the same registry gives the same bytes, so a test can compare the generated text
with the committed file.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiposture.model.types import Pillar
from aiposture.rules.frameworks import ATLAS, MCSB, OWASP_LLM_2025
from aiposture.rules.parity import parity_markdown
from aiposture.rules.types import USER_CHOICES, RuleSpec

REGENERATE = "aiposture rules --format md --output docs/rules.md"
_TITLES = {
    "mcsb": dict(MCSB.controls),
    "owasp_llm": dict(OWASP_LLM_2025.controls),
    "atlas": dict(ATLAS.controls),
}
_REF_LABEL = {
    "mcsb": "MCSB",
    "azure_policy": "Azure Policy",
    "owasp_llm": "OWASP LLM Top 10 (2025)",
    "atlas": "MITRE ATLAS",
    "prowler": "Prowler",
    "checkov": "Checkov",
    "psrule": "PSRule for Azure",
    "other": "Other",
}


def _text(text: str) -> str:
    """Prose outside code blocks: placeholders like <NAME> must not read as HTML tags."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|").replace("\n", " ")


def _ref(kind: str, value: str) -> str:
    title = _TITLES.get(kind, {}).get(value)
    return f"`{value}` {_text(title)}" if title else f"`{value}`"


def _fence(lang: str, body: str) -> list[str]:
    # A template containing ``` would end the block early; use a longer fence then.
    fence = "````" if "```" in body else "```"
    return [f"{fence}{lang}", body, fence]


def rules_markdown(specs: list[RuleSpec[Any]]) -> str:
    counts = Counter(r.pillar for r in specs)
    lines = [
        "# aiposture rules",
        "",
        f"Generated from the rule registry by `{REGENERATE}`; do not edit by hand "
        "(a test fails when this file is stale).",
        "",
        f"{len(specs)} rules: "
        + ", ".join(f"{p.label} {counts[p]}" for p in Pillar if counts[p])
        + ". *Needs* lists the collections a rule reads: when one was not collected for the "
        "resource's scope, the rule reports UNKNOWN instead of guessing.",
        "",
        "Remediation placeholders. In the reports every fix is filled for its finding, each "
        "value quoted for the shell or escaped inside Bicep and HCL strings (control and "
        "bidirectional-override characters written as visible escapes), in one pass: a value "
        "is never searched for placeholders again. `<NAME>`, `<RG>`, `<SUB>`, `<ID>`, "
        "`<LOCATION>`, `<PARENT>` and `<PARENT_ID>` are the finding's resource. Other "
        "`<UPPER_CASE>` placeholders are filled by the rule from what it found (listed as "
        "*Filled from the finding* below); when there are several values, e.g. three role "
        "assignments, the command line is repeated for each, and a line with nothing to do is "
        "left out. `{{UPPER_CASE}}` placeholders are yours to choose (the fix's summary says "
        "what to put there); this form is a plain word to bash and plain text in Bicep and "
        "HCL strings, so a fix still parses before you replace it. A rule-filled placeholder "
        "whose value the data does not hold is written in that form too.",
        "",
        "| Your choice | What to put there |",
        "|---|---|",
        *(f"| `{{{{{name}}}}}` | {_cell(what)} |" for name, what in sorted(USER_CHOICES.items())),
        "",
        "| Id | Pillar | Severity | Target | Title |",
        "|---|---|---|---|---|",
    ]
    for r in specs:
        lines.append(
            f"| [{r.id}](#{r.id.lower()}) | {r.pillar.label} | {r.severity.value} | "
            f"{_cell(r.target_label)} | {_cell(r.title)} |"
        )
    for pillar in Pillar:
        group = [r for r in specs if r.pillar is pillar]
        if not group:
            continue
        lines += ["", f"## {pillar.label}"]
        for r in group:
            lines += _rule_section(r)
    lines += parity_markdown(specs)
    return "\n".join(lines) + "\n"


def _rule_section(r: RuleSpec[Any]) -> list[str]:
    rem = r.remediation
    out = [
        "",
        f"### {r.id}",
        "",
        f"**{_text(r.title)}**",
        "",
        f"Severity **{r.severity.value}** · target: {_text(r.target_label)} · needs: "
        + (", ".join(f"`{c}`" for c in r.requires) or "nothing beyond the target")
        + (
            " · needs to PASS: " + ", ".join(f"`{c}`" for c in r.requires_to_pass)
            if r.requires_to_pass
            else ""
        ),
        "",
        _text(r.rationale),
        "",
        f"**Fix.** {_text(rem.summary)}",
        "",
        *(
            ["Filled from the finding: " + ", ".join(f"`{ph}`" for ph in rem.fills) + ".", ""]
            if rem.fills
            else []
        ),
        "<details><summary>az CLI, Bicep, Terraform, portal</summary>",
        "",
        "az CLI:",
        "",
        *_fence("sh", rem.az_cli),
        "",
        "Bicep:",
        "",
        *_fence("bicep", rem.bicep),
        "",
        "Terraform (azurerm):",
        "",
        *_fence("hcl", rem.terraform),
        "",
        f"Portal: {_text(rem.portal)}",
        "",
        "</details>",
    ]
    if rem.policy:
        out += ["", "Keep it fixed with Azure Policy:", ""]
        for p in rem.policy:
            name = f" {_text(p.display_name)}" if p.display_name else ""
            params = "".join(
                f", {k} = " + (str(list(v)) if isinstance(v, tuple) else repr(v))
                for k, v in p.parameters
            )
            out.append(f"- `{p.definition_id}`{name} (effect {p.effect}{params})")
    refs = r.references.as_dict()
    items = [(k, v) for k, v in refs.items() if v]
    if items:
        out += ["", "References:", ""]
        for kind, values in items:
            out.append(f"- {_REF_LABEL[kind]}: " + "; ".join(_ref(kind, v) for v in values))
    from aiposture.detect.links import link_text

    watch = link_text(r.id)
    if watch:
        out += ["", f"Detections: {watch[0].upper() + watch[1:]}"]
    return out
