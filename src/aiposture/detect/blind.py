"""Posture gaps that blind a detection: the logs it reads are not sent to Log Analytics.

For each detection and each resource it watches: "blind" when the inventory shows the log is
not sent to a workspace, "unknown" when the diagnostic settings were not (fully) read. A
detection deployed without its logs raises nothing, which reads like "all quiet".
"""

from __future__ import annotations

from dataclasses import dataclass

from aiposture.detect.model import Detection
from aiposture.facts.defender import plan_on
from aiposture.model.inventory import Inventory


@dataclass(frozen=True, slots=True)
class BlindSpot:
    detection: str
    resource: str  # resource id (or /subscriptions/<id>)
    status: str  # blind | unknown
    reason: str


# source name -> (collection in the coverage index, categories that must be sent)
_NEEDS = {
    "aoai_requests": ("diagnosticSettings", ("RequestResponse",)),
    "apim_llm": ("diagnosticSettings", ("GatewayLlmLogs", "GatewayLogs")),
    "activity": ("activityLogExport", ("Administrative",)),
    "kv_secret_reads": ("diagnosticSettings", ("AuditEvent",)),
    "blob_reads": ("diagnosticSettings", ("StorageRead",)),
    "aoai_token_metrics": ("diagnosticSettings", ("AllMetrics",)),
}
# Defender for AI alerts need the subscription's AI plan (pricings), not a diagnostic setting.
_DEFENDER_AI_PLAN = "AI"

# Storage logs are configured on the blob service (…/blobServices/default), a child whose
# diagnostic settings the collector does not read yet: unknown unless a setting is present.
_BLOB_SERVICE = "/blobservices/default"


def _targets(inv: Inventory, source: str) -> list[tuple[str, str]]:
    """(coverage/diagnostics key, resource id) of what a source's logs come from."""
    if source in ("aoai_requests", "aoai_token_metrics"):
        return [(a.key, a.id) for a in inv.accounts.values()]
    if source == "apim_llm":
        return [(s.key, s.id) for s in inv.api_managements.values()]
    if source == "kv_secret_reads":  # the vaults AI resources are linked to
        return [(v.key, v.id) for v in inv.key_vaults.values() if v.key in inv.ai_linked]
    if source == "blob_reads":  # the storage accounts AI resources are linked to
        return [
            (s.key + _BLOB_SERVICE, s.id)
            for s in inv.storage_accounts.values()
            if s.key in inv.ai_linked
        ]
    subs = sorted({a.subscription_id for a in inv.accounts.values() if a.subscription_id})
    return [(f"/subscriptions/{s}", f"/subscriptions/{s}") for s in subs]


def _defender_ai(inv: Inventory, det: Detection) -> list[BlindSpot]:
    """Per subscription holding AI accounts: blind when the Defender for AI plan is not on
    (no alerts are raised), unknown when the plans were not read."""
    out: list[BlindSpot] = []
    subs = sorted({a.subscription_id for a in inv.accounts.values() if a.subscription_id})
    for sub in subs:
        key = f"/subscriptions/{sub}"
        pricing = inv.pricing(sub, _DEFENDER_AI_PLAN)
        if pricing is not None and plan_on(pricing.pricing_tier):
            continue
        coverage = inv.coverage.status("pricings", key)
        if pricing is None and not coverage.complete:
            out.append(BlindSpot(det.id, key, "unknown", coverage.reason))
            continue
        tier = pricing.pricing_tier if pricing is not None else "absent (Free)"
        out.append(
            BlindSpot(
                det.id,
                key,
                "blind",
                f"Defender for AI services plan is {tier}: Defender raises no AI alerts",
            )
        )
    return out


def blind_spots(inv: Inventory, detections: tuple[Detection, ...]) -> list[BlindSpot]:
    out: list[BlindSpot] = []
    for det in detections:
        source = det.logic.source.name
        if source == "defender_ai_alerts":
            out.extend(_defender_ai(inv, det))
            continue
        collection, categories = _NEEDS[source]
        for key, rid in _targets(inv, source):
            coverage = inv.coverage.status(collection, key)
            settings = [s for s in inv.diagnostics_for(key) if s.workspace_id]
            if source == "aoai_token_metrics":
                if any(s.sends_metrics(*categories) for s in settings):
                    continue
            elif any(s.sends(*categories) for s in settings):
                continue
            if key.endswith(_BLOB_SERVICE):
                out.append(
                    BlindSpot(
                        det.id,
                        rid,
                        "unknown",
                        "blob-service diagnostic settings (blobServices/default) are not "
                        "collected; check that StorageRead reaches a Log Analytics workspace",
                    )
                )
                continue
            if not coverage.complete:
                out.append(BlindSpot(det.id, rid, "unknown", coverage.reason))
                continue
            wanted = " and ".join(categories) + (
                " metrics" if source == "aoai_token_metrics" else ""
            )
            out.append(
                BlindSpot(
                    det.id,
                    rid,
                    "blind",
                    f"no diagnostic setting sends {wanted} to a Log Analytics workspace",
                )
            )
    return out
