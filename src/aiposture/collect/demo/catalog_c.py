"""Demo part for the rules added for Microsoft parity (issue 18): a PASS and a FAIL each.

- AIP-DAT-009: the corp hub reaches its storage with its identity; the sandbox workspace
  still uses the storage account key (wrong on purpose).
- AIP-DAT-010: the corp search service enforces customer-managed keys; the chatbot's and
  the sandbox production index do not (wrong on purpose).
- AIP-NET-012 and AIP-MON-011 are decided by the core part as it stands (the corp hub and
  search service are private, the chatbot search and sandbox workspace are not; the sandbox
  workspace has no Application Insights).
"""

from __future__ import annotations

from aiposture.collect.demo.contoso import Contoso


def build(c: Contoso) -> None:
    c.res["corp_hub"]["properties"]["systemDatastoresAuthMode"] = "Identity"
    c.res["sb_workspace"]["properties"]["systemDatastoresAuthMode"] = "AccessKey"
    c.res["corp_search"]["properties"]["encryptionWithCmk"] = {
        "enforcement": "Enabled",
        "encryptionComplianceStatus": "Compliant",
    }
    c.res["bot_search"]["properties"]["encryptionWithCmk"] = {"enforcement": "Disabled"}
    c.res["sb_prod_index"]["properties"]["encryptionWithCmk"] = {"enforcement": "Unspecified"}
