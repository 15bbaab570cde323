"""Credentials through azure-identity. Tokens stay inside the SDK: never logged or stored."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiposture.collect.live.cloud import Cloud
from aiposture.errors import ConfigError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

AUTH_MODES = ("default", "cli", "env", "managed-identity", "workload-identity")


def make_credential(auth: str, cloud: Cloud) -> TokenCredential:
    """A TokenCredential for `--auth`, pointed at the cloud's authority."""
    # azure-identity logs each failed credential of a chain as a multi-line warning; the
    # collector reports the failure itself, in one line.
    logging.getLogger("azure.identity").setLevel(logging.ERROR)
    from azure.identity import (
        AzureCliCredential,
        DefaultAzureCredential,
        EnvironmentCredential,
        ManagedIdentityCredential,
        WorkloadIdentityCredential,
    )

    common: dict[str, Any] = {"authority": cloud.authority_host}
    if cloud.custom_authority:
        # Without this MSAL asks login.microsoftonline.com about the unknown host first.
        common["disable_instance_discovery"] = True
    if cloud.ca_bundle:
        common["connection_verify"] = cloud.ca_bundle
    if auth == "default":
        return DefaultAzureCredential(**common)
    if auth == "cli":
        return AzureCliCredential()
    if auth == "env":
        return EnvironmentCredential(**common)
    if auth == "managed-identity":
        if cloud.ca_bundle:
            return ManagedIdentityCredential(connection_verify=cloud.ca_bundle)
        return ManagedIdentityCredential()
    if auth == "workload-identity":
        return WorkloadIdentityCredential(**common)
    raise ConfigError(f"--auth {auth!r}: unknown (choose from {', '.join(AUTH_MODES)})")
