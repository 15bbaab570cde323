"""ARM's tenant-level surface that clients call before they list anything: tenants, locations
and resource provider lists. Shapes follow the ARM REST reference (Subscriptions 2022-12-01,
Providers 2021-04-01); the data comes from the served snapshot where it has any (its tenant,
the namespaces and locations of its rows) and otherwise from a fixed list of public regions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from aiposture.fakeazure.index import SnapshotIndex

# name, display name, geography group, latitude, longitude, physical location, paired region.
REGIONS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("eastus", "East US", "US", "37.3719", "-79.8164", "Virginia", "westus"),
    ("eastus2", "East US 2", "US", "36.6681", "-78.3889", "Virginia", "centralus"),
    ("westus", "West US", "US", "37.783", "-122.417", "California", "eastus"),
    ("westus2", "West US 2", "US", "47.233", "-119.852", "Washington", "westcentralus"),
    ("centralus", "Central US", "US", "41.5908", "-93.6208", "Iowa", "eastus2"),
    ("northeurope", "North Europe", "Europe", "53.3478", "-6.2597", "Ireland", "westeurope"),
    ("westeurope", "West Europe", "Europe", "52.3667", "4.9", "Netherlands", "northeurope"),
    ("swedencentral", "Sweden Central", "Europe", "60.67488", "17.14127", "Gävle", "swedensouth"),
    ("francecentral", "France Central", "Europe", "46.3772", "2.3730", "Paris", "francesouth"),
    ("germanywestcentral", "Germany West Central", "Europe", "50.110924", "8.682127",
     "Frankfurt", "germanynorth"),
    ("uksouth", "UK South", "UK", "50.941", "-0.799", "London", "ukwest"),
    ("switzerlandnorth", "Switzerland North", "Europe", "47.451542", "8.564572", "Zurich",
     "switzerlandwest"),
    ("japaneast", "Japan East", "Asia Pacific", "35.68", "139.77", "Tokyo, Saitama",
     "japanwest"),
    ("australiaeast", "Australia East", "Asia Pacific", "-33.86", "151.2094",
     "New South Wales", "australiasoutheast"),
    ("canadacentral", "Canada Central", "Canada", "43.653", "-79.383", "Toronto", "canadaeast"),
)  # fmt: skip


def tenants(index: SnapshotIndex) -> list[dict[str, Any]]:
    tid = index.tenant_id
    return [
        {
            "id": f"/tenants/{tid}",
            "tenantId": tid,
            "tenantCategory": "Home",
            "countryCode": "US",
            "displayName": "Contoso (fake Azure)",
            "domains": ["contoso.onmicrosoft.com"],
            "defaultDomain": "contoso.onmicrosoft.com",
            "tenantType": "AAD",
        }
    ]


def locations(sub: str, extra: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Every public region (and any other location the snapshot's rows use)."""
    known = {r[0] for r in REGIONS}
    rows = list(REGIONS)
    for name in sorted(set(extra) - known):
        rows.append((name, name, "", "", "", "", ""))
    out = []
    for name, display, geo, lat, lon, place, pair in rows:
        meta: dict[str, Any] = {
            "regionType": "Physical",
            "regionCategory": "Recommended" if geo else "Other",
            "geographyGroup": geo,
            "latitude": lat,
            "longitude": lon,
            "physicalLocation": place,
        }
        if pair:
            meta["pairedRegion"] = [{"name": pair, "id": f"/subscriptions/{sub}/locations/{pair}"}]
        out.append(
            {
                "id": f"/subscriptions/{sub}/locations/{name}",
                "name": name,
                "type": "Region",
                "displayName": display,
                "regionalDisplayName": f"({geo}) {display}" if geo else display,
                "metadata": meta,
            }
        )
    return out


def providers(index: SnapshotIndex, sub: str) -> list[dict[str, Any]]:
    """Registered providers: one per namespace the snapshot's rows use, with their types."""
    by_ns: dict[str, dict[str, str]] = defaultdict(dict)
    for type_l in {e.type_l for e in index.entries}:
        ns, _, rest = type_l.partition("/")
        if not rest:
            continue
        canonical = index.canonical.get(type_l, type_l)
        ns_name, _, rest_name = canonical.partition("/")
        by_ns[ns][rest] = rest_name or rest
        by_ns[ns].setdefault("", ns_name)
    out = []
    for ns in sorted(by_ns):
        types = by_ns[ns]
        name = types.pop("", ns)
        out.append(
            {
                "id": f"/subscriptions/{sub}/providers/{name}",
                "namespace": name,
                "registrationState": "Registered",
                "registrationPolicy": "RegistrationRequired",
                "resourceTypes": [
                    {
                        "resourceType": t,
                        "locations": [r[1] for r in REGIONS],
                        "apiVersions": ["2024-10-01"],
                        "capabilities": "None",
                    }
                    for t in sorted(types.values())
                ],
            }
        )
    return out
