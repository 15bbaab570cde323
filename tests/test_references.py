"""References that exist: every Prowler, Checkov and PSRule id a rule cites is a real check.

Prowler and Checkov ids are checked against the lists the tools themselves print, kept under
../shared/peers (skipped when that directory is absent). PSRule for Azure ids are checked
against the list below, verified one by one in the PSRule.Rules.Azure repository (each has
its docs/en/rules/<id>.md page there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aiposture.rules.registry import all_rules

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"

# Verified in Azure/PSRule.Rules.Azure (docs/en/rules/<id>.md exists). Not there, so not cited:
# Azure.Cognitive.CustomerManagedKey.
PSRULE_VERIFIED = frozenset(
    {
        "Azure.ACR.AdminUser",
        "Azure.AI.DisableLocalAuth",
        "Azure.AI.PrivateEndpoints",
        "Azure.AI.PublicAccess",
        "Azure.AKS.AuthorizedIPs",
        "Azure.AKS.LocalAccounts",
        "Azure.AKS.ManagedAAD",
        "Azure.AKS.UseRBAC",
        "Azure.Databricks.PublicAccess",
        "Azure.Databricks.SecureConnectivity",
        "Azure.Defender.Cspm",
        "Azure.Defender.Storage",
        "Azure.KeyVault.Firewall",
        "Azure.KeyVault.PurgeProtect",
        "Azure.KeyVault.RBAC",
        "Azure.ML.ComputeVnet",
        "Azure.ML.DisableLocalAuth",
        "Azure.ML.PublicAccess",
        "Azure.Policy.WaiverExpiry",
        "Azure.Resource.AllowedRegions",
        "Azure.Resource.UseTags",
        "Azure.Storage.BlobPublicAccess",
        "Azure.Storage.Firewall",
        "Azure.Storage.LocalAuth",
        "Azure.Storage.MinTLS",
        "Azure.Storage.SecureTransfer",
    }
)


def _peer_ids(prefix: str) -> frozenset[str]:
    if not PEERS.is_dir():
        pytest.skip(f"{PEERS} is absent: the peer check lists are not available here")
    files = sorted(PEERS.glob(f"{prefix}-*-check-ids.txt"))
    if not files:
        pytest.skip(f"no {prefix} check list under {PEERS}")
    return frozenset(line.strip() for f in files for line in f.read_text().splitlines() if line)


def _cited(kind: str) -> set[tuple[str, str]]:
    return {(r.id, ref) for r in all_rules() for ref in getattr(r.references, kind)}


def test_prowler_references_exist() -> None:
    known = _peer_ids("prowler")
    cited = _cited("prowler")
    assert cited  # the registry does cite Prowler: the check below is not vacuous
    assert sorted((rid, ref) for rid, ref in cited if ref not in known) == []


def test_checkov_references_exist() -> None:
    known = _peer_ids("checkov")
    cited = _cited("checkov")
    assert cited
    assert sorted((rid, ref) for rid, ref in cited if ref not in known) == []


def test_checkov_209_is_not_cited_for_local_auth() -> None:
    # CKV_AZURE_209 is AI Search's replica count, not local authentication.
    assert not any(ref == "CKV_AZURE_209" for _, ref in _cited("checkov"))


def test_psrule_references_were_verified() -> None:
    cited = _cited("psrule")
    assert cited
    assert sorted((rid, ref) for rid, ref in cited if ref not in PSRULE_VERIFIED) == []
