"""Demo part for the rules added for Microsoft parity (issue 18): a PASS and a FAIL each.

- AIP-DAT-009: the corp hub reaches its storage with its identity; the sandbox workspace
  still uses the storage account key (wrong on purpose).
- AIP-DAT-010: the corp search service enforces customer-managed keys; the chatbot's and
  the sandbox production index do not (wrong on purpose).
- AIP-GOV-010: the sandbox data scientist's compute instance runs an old OS image (wrong on
  purpose); the corp hub's analyst instance (added here, private and keyless) is current.
- AIP-NET-012 and AIP-MON-011 are decided by the core part as it stands (the corp hub and
  search service are private, the chatbot search and sandbox workspace are not; the sandbox
  workspace has no Application Insights).
"""

from __future__ import annotations

from aiposture.collect.demo.contoso import LOC, Contoso


def build(c: Contoso) -> None:
    c.res["corp_hub"]["properties"]["systemDatastoresAuthMode"] = "Identity"
    c.res["sb_workspace"]["properties"]["systemDatastoresAuthMode"] = "AccessKey"
    c.res["corp_search"]["properties"]["encryptionWithCmk"] = {
        "enforcement": "Enabled",
        "encryptionComplianceStatus": "Compliant",
    }
    c.res["bot_search"]["properties"]["encryptionWithCmk"] = {"enforcement": "Disabled"}
    c.res["sb_prod_index"]["properties"]["encryptionWithCmk"] = {"enforcement": "Unspecified"}
    c.res["sb_ci"]["properties"]["properties"]["osImageMetadata"] = {
        "currentImageVersion": "25.03.10",
        "latestImageVersion": "25.10.06",
        "isLatestOsImageVersion": False,
    }
    c.res["corp_ci"] = c.b.child(
        c.res["corp_hub"],
        "computes",
        "ci-corp-analyst",
        {
            "computeType": "ComputeInstance",
            "computeLocation": LOC,
            "disableLocalAuth": True,
            "properties": {
                "vmSize": "Standard_DS3_v2",
                "enableNodePublicIp": False,
                "sshSettings": {"sshPublicAccess": "Disabled"},
                "osImageMetadata": {
                    "currentImageVersion": "25.10.06",
                    "latestImageVersion": "25.10.06",
                    "isLatestOsImageVersion": True,
                },
            },
        },
        location=LOC,
    )
