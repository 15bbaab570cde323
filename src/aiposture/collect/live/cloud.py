"""Cloud endpoints: public, US Government, China, or custom URLs (private clouds, the fake Azure).

A cloud is five URLs; the same code path serves every cloud, and the fake Azure is just a
custom cloud whose authority is not on MSAL's known list (so instance discovery is disabled,
which keeps MSAL from calling login.microsoftonline.com).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from aiposture.errors import ConfigError


@dataclass(frozen=True)
class Cloud:
    name: str
    authority_host: str  # https://login.microsoftonline.com
    arm_endpoint: str  # https://management.azure.com (no trailing slash)
    arm_scope: str  # https://management.azure.com/.default
    graph_endpoint: str  # https://graph.microsoft.com
    graph_scope: str  # https://graph.microsoft.com/.default
    # True when the authority is not one MSAL knows: instance discovery must then be disabled.
    custom_authority: bool = False
    ca_bundle: str | None = None  # PEM file to trust instead of the system store

    @property
    def verify(self) -> str | bool:
        return self.ca_bundle or True


CLOUDS: dict[str, Cloud] = {
    "AzureCloud": Cloud(
        "AzureCloud",
        "https://login.microsoftonline.com",
        "https://management.azure.com",
        "https://management.azure.com/.default",
        "https://graph.microsoft.com",
        "https://graph.microsoft.com/.default",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net",
        "https://management.core.usgovcloudapi.net/.default",
        "https://graph.microsoft.us",
        "https://graph.microsoft.us/.default",
    ),
    "AzureChinaCloud": Cloud(
        "AzureChinaCloud",
        "https://login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
        "https://microsoftgraph.chinacloudapi.cn",
        "https://microsoftgraph.chinacloudapi.cn/.default",
    ),
}

# Hosts MSAL knows (no instance discovery needed); anything else is a custom authority.
KNOWN_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)


# A DNS name or IPv4 address (IPv6 literals come bracketed and are checked by ipaddress).
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def _https_url(value: str, option: str) -> str:
    """`value` as an https URL with a real host (and a valid port); anything else is a
    ConfigError naming the option. Bearer tokens go only to URLs checked here."""
    url = value.strip()
    if "://" not in url:
        url = "https://" + url
    url = url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https":
        raise ConfigError(
            f"{option} {value!r}: must be an https:// URL (Azure refuses bearer tokens over "
            "plain HTTP)"
        )
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if port == -1 or port == 0:
        raise ConfigError(f"{option} {value!r}: the port is not a number in 1..65535")
    if not _valid_host(host) or "@" in parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"{option} {value!r}: not a URL with a host name; give one like "
            "https://management.azure.com"
        )
    return url


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(host.lower()))


def resolve_cloud(
    name: str = "AzureCloud",
    *,
    arm_endpoint: str | None = None,
    graph_endpoint: str | None = None,
    authority: str | None = None,
    ca_bundle: str | None = None,
) -> Cloud:
    """The named cloud with any custom endpoints applied."""
    base = CLOUDS.get(name)
    if base is None:
        for key, cloud in CLOUDS.items():
            if key.lower() == name.lower():
                base = cloud
                break
    if base is None:
        raise ConfigError(f"--cloud {name!r}: unknown cloud (choose from {', '.join(CLOUDS)})")
    cloud = base
    if arm_endpoint:
        arm = _https_url(arm_endpoint, "--arm-endpoint")
        # The token audience stays the named cloud's: a custom endpoint (a proxy, a private
        # link, the fake Azure) changes where requests go, not who the token is for.
        cloud = replace(cloud, name="custom", arm_endpoint=arm)
    if graph_endpoint:
        graph = _https_url(graph_endpoint, "--graph-endpoint")
        cloud = replace(cloud, name="custom", graph_endpoint=graph)
    if authority:
        auth = _https_url(authority, "--authority")
        host = (urlsplit(auth).hostname or "").lower()
        cloud = replace(
            cloud,
            name="custom",
            authority_host=auth,
            custom_authority=host not in KNOWN_AUTHORITY_HOSTS,
        )
    if ca_bundle:
        cloud = replace(cloud, ca_bundle=ca_bundle)
    return cloud
