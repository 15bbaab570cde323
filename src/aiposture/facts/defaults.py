"""What an absent property means: Azure's documented defaults, each with its source.

A snapshot often lacks a property (older API versions, exports that drop nulls, Resource Graph
rows). Facts read an absent property as the default Azure documents for it, and say so in their
evidence. Where Azure documents no default, there is no entry here with a value: the fact asking
is unknown and names the missing property.

Every default names its source (a Microsoft Learn page or the REST API specification in
github.com/Azure/azure-rest-api-specs) so a reviewer can check it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Default:
    """The value Azure uses when `prop` is absent (None: Azure documents none)."""

    prop: str
    value: str | bool | None
    source: str

    @property
    def documented(self) -> bool:
        return self.value is not None


# ---- publicNetworkAccess -------------------------------------------------------------------

# "By default, Azure AI services resources accept connections from clients on any network."
# https://learn.microsoft.com/azure/ai-services/cognitive-services-virtual-networks
ACCOUNT_PUBLIC_NETWORK_ACCESS = Default(
    "properties.publicNetworkAccess",
    "Enabled",
    "https://learn.microsoft.com/azure/ai-services/cognitive-services-virtual-networks",
)
# Same page: network rules are opt-in; without them the default action is Allow.
ACCOUNT_ACL_DEFAULT_ACTION = Default(
    "properties.networkAcls.defaultAction",
    "Allow",
    "https://learn.microsoft.com/azure/ai-services/cognitive-services-virtual-networks",
)

# "By default, storage accounts accept connections from clients on any network."
# https://learn.microsoft.com/azure/storage/common/storage-network-security ; the REST spec's
# NetworkRuleSet.defaultAction carries "default": "Allow" (specification/storage/
# resource-manager/Microsoft.Storage/stable/2024-01-01/storage.json).
STORAGE_PUBLIC_NETWORK_ACCESS = Default(
    "properties.publicNetworkAccess",
    "Enabled",
    "https://learn.microsoft.com/azure/storage/common/storage-network-security",
)
STORAGE_ACL_DEFAULT_ACTION = Default(
    "properties.networkAcls.defaultAction",
    "Allow",
    "azure-rest-api-specs Microsoft.Storage/stable/2024-01-01/storage.json NetworkRuleSet",
)

# Key Vault: "By default, ... Allow public access from all networks" (firewall off) and the
# REST spec's publicNetworkAccess "default": "enabled"
# (specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/keyvault.json).
# https://learn.microsoft.com/azure/key-vault/general/network-security
KEY_VAULT_PUBLIC_NETWORK_ACCESS = Default(
    "properties.publicNetworkAccess",
    "Enabled",
    "azure-rest-api-specs Microsoft.KeyVault/stable/2024-11-01/keyvault.json VaultProperties",
)
KEY_VAULT_ACL_DEFAULT_ACTION = Default(
    "properties.networkAcls.defaultAction",
    "Allow",
    "https://learn.microsoft.com/azure/key-vault/general/network-security",
)

# AI Search: publicNetworkAccess "default": "enabled" in the REST spec
# (specification/search/resource-manager/Microsoft.Search/stable/2025-05-01/search.json);
# "By default, a search service accepts connections from any network": with no IP rules an
# enabled service is open to all.
# https://learn.microsoft.com/azure/search/service-configure-firewall
SEARCH_PUBLIC_NETWORK_ACCESS = Default(
    "properties.publicNetworkAccess",
    "enabled",
    "azure-rest-api-specs Microsoft.Search/stable/2025-05-01/search.json SearchServiceProperties",
)
# networkRuleSet.bypass (2025-05-01): None | AzureServices, "default": "None". Trusted Azure
# services only: never public either way.
SEARCH_BYPASS = Default(
    "properties.networkRuleSet.bypass",
    "None",
    "azure-rest-api-specs Microsoft.Search/stable/2025-05-01/search.json NetworkRuleSet",
)

# Container Registry: publicNetworkAccess "default": "Enabled" and networkRuleSet.defaultAction
# "default": "Allow" in the REST spec (Microsoft.ContainerRegistry/stable/2023-07-01/
# containerregistry.json); "By default, an Azure container registry accepts connections over
# the internet from hosts on any network."
# https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks
REGISTRY_PUBLIC_NETWORK_ACCESS = Default(
    "properties.publicNetworkAccess",
    "Enabled",
    "azure-rest-api-specs Microsoft.ContainerRegistry/stable/2023-07-01/containerregistry.json",
)
REGISTRY_DEFAULT_ACTION = Default(
    "properties.networkRuleSet.defaultAction",
    "Allow",
    "https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks",
)

# ML workspaces: a workspace is reachable over the public internet unless public network access
# is disabled (private endpoint only); Azure Policy 438c38d2 ("Azure Machine Learning Workspaces
# should disable public network access") counts an absent property as enabled.
# https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link
WORKSPACE_PUBLIC_NETWORK_ACCESS = Default(
    "properties.publicNetworkAccess",
    "Enabled",
    "https://learn.microsoft.com/azure/machine-learning/how-to-configure-private-link",
)
# allowPublicAccessWhenBehindVnet: "The flag to indicate whether to allow public access when
# behind VNet", boolean with "default": false in the REST spec (specification/
# machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2024-10-01/
# workspaceRP.json WorkspaceProperties). True opens a private-link workspace to the internet.
WORKSPACE_ALLOW_PUBLIC_BEHIND_VNET = Default(
    "properties.allowPublicAccessWhenBehindVnet",
    False,
    "azure-rest-api-specs Microsoft.MachineLearningServices/stable/2024-10-01/workspaceRP.json",
)

# ---- AKS -------------------------------------------------------------------------------------

# "By default, the API server is assigned a public IP address" and is reachable from any
# address until authorized IP ranges are set; private clusters are opt-in.
# https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges
# https://learn.microsoft.com/azure/aks/private-clusters
AKS_PRIVATE_CLUSTER = Default(
    "properties.apiServerAccessProfile.enablePrivateCluster",
    False,
    "https://learn.microsoft.com/azure/aks/private-clusters",
)
AKS_AUTHORIZED_IP_RANGES = Default(
    "properties.apiServerAccessProfile.authorizedIPRanges",
    "[] (any address)",
    "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges",
)
# enableRBAC: the managedClusters REST spec ("Whether to enable Kubernetes Role-Based Access
# Control.") gives no default, and the ARM resource always reports it; a snapshot without it
# cannot tell. The az CLI enables it unless --disable-rbac is passed, but that is the client,
# not the API. No documented default: unknown.
AKS_ENABLE_RBAC = Default(
    "properties.enableRBAC",
    None,
    "azure-rest-api-specs Microsoft.ContainerService/aks/stable/2024-05-01/managedClusters.json"
    " (no default)",
)

# ---- Network Security Perimeter ------------------------------------------------------------

# publicNetworkAccess = SecuredByPerimeter: "Inbound and Outbound communication is controlled by
# the network security perimeter and profile's access rules." (Azure SDK reference of the
# publicNetworkAccess flag; https://learn.microsoft.com/azure/private-link/
# network-security-perimeter-concepts). In enforced mode public inbound traffic is denied
# unless an inbound access rule of the perimeter's profile allows its address prefix or
# subscription. aiposture does not collect perimeter profiles or their access rules, so
# whether such a resource is reachable from public networks is unknown.
PERIMETER_ACCESS_RULES = "networkSecurityPerimeters/profiles/accessRules"
PERIMETER_SOURCE = (
    "https://learn.microsoft.com/azure/private-link/network-security-perimeter-concepts"
)

# ---- IP rule breadth -----------------------------------------------------------------------

# An allow rule counts as "public networks" when its prefix is /8 or shorter (IPv4: 16.7M
# addresses or more, the size of a whole regional internet registry block) or /32 or shorter for
# IPv6 (a whole ISP allocation), and it is not entirely private or reserved address space
# (firewall IP rules only ever match public source addresses, so 10.0.0.0/8 opens nothing).
# "*", "Internet" and "Any" are what portals and NSG-minded users type for "everything".
BROAD_IPV4_PREFIX = 8
BROAD_IPV6_PREFIX = 32
_ANY_WORDS = frozenset({"*", "any", "internet"})


def ip_rule_breadth(value: str) -> bool | None:
    """True when the allow rule admits public networks at large; None when it does not parse."""
    v = value.strip().lower()
    if v in _ANY_WORDS:
        return True
    try:
        net = ipaddress.ip_network(v, strict=False)
    except ValueError:
        return None
    limit = BROAD_IPV4_PREFIX if net.version == 4 else BROAD_IPV6_PREFIX
    if net.prefixlen > limit:
        return False
    return not (net.is_private or net.is_reserved or net.is_loopback or net.is_link_local)


def is_any_address(value: str) -> bool:
    """0.0.0.0/0 (or ::/0, "*", "Internet"): every address. AKS authorized ranges only count
    this as open; a narrower range there is an explicit admin allow list."""
    v = value.strip().lower()
    if v in _ANY_WORDS:
        return True
    try:
        return ipaddress.ip_network(v, strict=False).prefixlen == 0
    except ValueError:
        return False
