"""Demo part for the second batch of parity rules (issue 18): a PASS and a FAIL each.

- AIP-GOV-011: the corp hub's analyst instance shuts down after 60 idle minutes; the sandbox
  data scientist's instance has no idle shutdown (wrong on purpose). The sandbox GPU cluster
  is NOT_APPLICABLE.
- AIP-MDL-010: contoso-strict gains the Protected Material Code filter next to its Text one,
  so the corp gpt-4o deployment blocks both (PASS), as does the sandbox playground on
  Microsoft.DefaultV2; the chatbot's Microsoft.Nil deployment and its chatbot-relaxed filter
  (no protected-material filters) fail. The added entry changes no other rule's verdict.
"""

from __future__ import annotations

from typing import Any

from aiposture.collect.demo.contoso import Contoso


def build(c: Contoso) -> None:
    c.res["corp_ci"]["properties"]["properties"]["idleTimeBeforeShutdown"] = "PT60M"
    strict = f"{c.res['corp_oai']['id']}/raiPolicies/contoso-strict"
    for row in c.b.rows:
        if row["id"] == strict:
            filters: list[dict[str, Any]] = row["properties"]["contentFilters"]
            filters.append(
                {
                    "name": "Protected Material Code",
                    "enabled": True,
                    "blocking": True,
                    "source": "Completion",
                }
            )
