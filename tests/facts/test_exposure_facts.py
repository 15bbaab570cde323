"""facts/exposure.py and facts/defaults.py directly: thresholds, defaults, registries, BOM."""

from __future__ import annotations

import dataclasses

import pytest
from exposure_rows import account, gpu_aks, registry, search, workspace

from aiposture.facts import defaults
from aiposture.facts.exposure import exposed_resources, exposure
from aiposture.facts.subjects import scope_level
from aiposture.graph.bom import build_bom
from aiposture.graph.build import INTERNET, EdgeKind, build_graph
from root_helpers import make_inventory


@pytest.mark.parametrize(
    ("value", "broad"),
    [
        ("0.0.0.0/0", True),
        ("*", True),
        ("Internet", True),
        ("20.0.0.0/8", True),  # public /8: 16.7M addresses
        ("20.0.0.0/9", False),
        ("203.0.113.0/24", False),
        ("203.0.113.7", False),
        ("10.0.0.0/8", False),  # private space: firewall IP rules never match it
        ("::/0", True),
        ("2001:db8::/32", False),  # documentation range is reserved, not public
        ("2a00::/16", True),
        ("2a00:1450::/32", True),
        ("2a00:1450::/33", False),
        ("not-an-ip", None),
    ],
)
def test_ip_rule_breadth_threshold(value: str, broad: bool | None) -> None:
    assert defaults.ip_rule_breadth(value) is broad


def test_aks_open_range_is_only_the_any_address() -> None:
    assert defaults.is_any_address("0.0.0.0/0") and defaults.is_any_address("::/0")
    assert not defaults.is_any_address("20.0.0.0/8")  # broad, but an explicit allow list


def test_every_default_names_its_source() -> None:
    found = [v for v in vars(defaults).values() if isinstance(v, defaults.Default)]
    assert len(found) >= 12
    for dflt in found:
        assert dflt.source.startswith(("https://learn.microsoft.com/", "azure-rest-api-specs ")), (
            dflt
        )
    # enableRBAC has no documented default: facts asking it stay unknown.
    assert not defaults.AKS_ENABLE_RBAC.documented


def test_absent_properties_take_the_documented_defaults() -> None:
    inv = make_inventory([account("oai-bare"), search("srch-bare"), workspace("mlw-bare")])
    facts = {res.name: fact for res, fact in exposed_resources(inv)}
    assert {n: f.value for n, f in facts.items()} == {
        "oai-bare": True,
        "srch-bare": True,
        "mlw-bare": True,
    }
    assert dict(facts["oai-bare"].evidence)["properties.publicNetworkAccess"] is None


def test_blank_public_network_access_is_absent() -> None:
    inv = make_inventory([account("oai-blank", publicNetworkAccess="  ")])
    fact = exposure(inv, next(iter(inv.accounts.values())))
    assert fact is not None and fact.is_true  # absent: Enabled, not "unrecognised"


def test_unrecognised_public_network_access_is_unknown_naming_the_property() -> None:
    inv = make_inventory([account("oai-weird", publicNetworkAccess="Sometimes")])
    fact = exposure(inv, inv.accounts[next(iter(inv.accounts))])
    assert fact is not None and fact.is_unknown
    assert fact.missing == ("properties.publicNetworkAccess",)


def test_registry_exposure_and_its_graph_edge() -> None:
    inv = make_inventory(
        [
            registry("acropen", anonymousPullEnabled=True),
            registry(
                "acrdeny",
                networkRuleSet={"defaultAction": "Deny", "ipRules": [{"value": "203.0.113.0/24"}]},
            ),
            registry(
                "acrwide",
                networkRuleSet={"defaultAction": "Deny", "ipRules": [{"value": "0.0.0.0/0"}]},
            ),
            registry("acroff", publicNetworkAccess="Disabled"),
        ]
    )
    sg = build_graph(inv)
    public = {
        (dst.name, e.guard)
        for src, dst, e in sg.edges()
        if src.key == INTERNET and e.kind is EdgeKind.PUBLIC_ACCESS
    }
    assert public == {("acropen", "anonymous"), ("acrwide", "entra")}


def test_bom_public_flag_is_the_exposure_fact() -> None:
    hub = workspace("hub", kind="Hub", publicNetworkAccess="Disabled")
    inv = make_inventory(
        [
            hub,
            workspace("proj", kind="Project", hubResourceId=hub["id"]),
            search("srch-nsp", publicNetworkAccess="securedByPerimeter"),
            gpu_aks("aks-any", authorizedIPRanges=["0.0.0.0/0"]),
        ]
    )
    bom = build_bom(inv)
    flags = {r.name: r.public_network for r in bom.resources}
    assert flags["proj"] is False  # the hub's network
    assert flags["srch-nsp"] is None  # unknown, not "public" and not "private"
    assert flags["aks-any"] is True


def test_scope_level_is_one_function_for_every_spelling() -> None:
    sub = "/subscriptions/00000000-0000-0000-0000-000000000001"
    assert [
        scope_level(s)
        for s in (
            "",
            "/",
            "/providers/Microsoft.Management/managementGroups/mg1",
            sub,
            sub + "/",
            sub.lstrip("/"),
            sub + "/resourceGroups/rg",
            sub + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
            "/providers/Microsoft.Foo/bar",
        )
    ] == [
        "root",
        "root",
        "managementGroup",
        "subscription",
        "subscription",
        "subscription",
        "resourceGroup",
        "resource",
        "resource",
    ]


def test_fact_is_frozen() -> None:
    inv = make_inventory([account("oai")])
    fact = exposure(inv, next(iter(inv.accounts.values())))
    assert fact is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.value = False  # type: ignore[misc]
