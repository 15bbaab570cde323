"""The fake Azure's token endpoint and token validation, the way Entra ID and ARM/Graph do it.

* The token endpoint (`/{tenant}/oauth2/v2.0/token`) serves the client-credential grant with a
  secret or a client assertion (certificate or federated token, as workload identity sends it)
  and the on-behalf-of jwt-bearer grant, for the configured test tenant only (its id; any other
  tenant is AADSTS90002 as Entra answers).
* The scope must be `{resource}/.default` of an API the fake serves: Azure Resource Manager
  (the public and sovereign clouds' audiences, `https://management.core.windows.net/`, or the
  fake's own URL) or Microsoft Graph (public and sovereign). Anything else is AADSTS500011.
* Tokens are JWTs (HS256, signed with a key kept next to the certificates, so a restarted fake
  or a second listener on the same certificate directory accepts them) carrying `aud`, `tid`,
  `appid`, `oid`, `iss`, `exp` like Entra's app-only tokens. ARM and Graph accept a token by
  its signature, expiry, tenant and audience: the API is chosen by `aud`, not by the URL.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jwt

from aiposture.atomic import write_bytes_atomic

TOKEN_LIFETIME = 3599
_NAMESPACE = uuid.UUID("6f7c0b40-3f0e-4d7a-9d55-1d1a6c0de2a1")

# Audiences (resource URLs, no trailing slash, lower case) of the two APIs the fake serves.
ARM_AUDIENCES = frozenset(
    {
        "https://management.azure.com",
        "https://management.core.windows.net",
        "https://management.usgovcloudapi.net",
        "https://management.core.usgovcloudapi.net",
        "https://management.chinacloudapi.cn",
        "https://management.core.chinacloudapi.cn",
    }
)
GRAPH_AUDIENCES = frozenset(
    {
        "https://graph.microsoft.com",
        "https://graph.microsoft.us",
        "https://dod-graph.microsoft.us",
        "https://microsoftgraph.chinacloudapi.cn",
        "00000003-0000-0000-c000-000000000000",  # Graph's application id
    }
)
GRANTS = frozenset({"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"})
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenRefused(Exception):
    """The token endpoint's refusal: HTTP status, OAuth error and AADSTS description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def signing_key(cert_dir: Path) -> bytes:
    """The HS256 key in `cert_dir` (created once, like the CA)."""
    path = cert_dir / "token-signing.key"
    if path.is_file():
        data = path.read_bytes().strip()
        if len(data) >= 32:
            return data
    cert_dir.mkdir(parents=True, exist_ok=True)
    data = secrets.token_hex(32).encode()
    write_bytes_atomic(path, data, mode=0o600)  # never readable by others, even briefly
    return data


class TokenIssuer:
    def __init__(self, tenant_id: str, key: bytes, own_origin: str) -> None:
        self.tenant_id = tenant_id.lower()
        self.key = key
        self.own_origin = own_origin
        # Clients that choose a token's audience by the URL they call (the Azure CLI's `az
        # rest`, a custom cloud in `az cloud register`) need Graph at an origin of its own: the
        # fake serves Graph tokens for https://localhost:<port> (server.graph_url).
        self.graph_origin = ""

    @staticmethod
    def object_id(client_id: str) -> str:
        """The service principal object id the fake gives an application id (stable)."""
        return str(uuid.uuid5(_NAMESPACE, client_id.lower() or "anonymous"))

    def api_of(self, audience: str) -> str | None:
        """ "arm", "graph" or None for a resource URL or a token's `aud`."""
        aud = audience.lower().rstrip("/")
        if aud in ARM_AUDIENCES or aud == self.own_origin.lower().rstrip("/"):
            return "arm"
        if aud in GRAPH_AUDIENCES or (self.graph_origin and aud == self.graph_origin.lower()):
            return "graph"
        return None

    def issue(self, tenant: str, form: Mapping[str, str]) -> tuple[str, int]:
        """A token for a token-endpoint form (already parsed), or TokenRefused."""
        if tenant.lower() != self.tenant_id:
            raise TokenRefused(
                400,
                "invalid_request",
                f"AADSTS90002: Tenant '{tenant}' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud.",
            )
        grant = form.get("grant_type", "")
        if grant not in GRANTS:
            raise TokenRefused(
                400,
                "unsupported_grant_type",
                f"AADSTS70003: The app requested an unsupported grant type '{grant}'.",
            )
        client_id = form.get("client_id", "")
        if not client_id:
            raise TokenRefused(
                400,
                "invalid_request",
                "AADSTS900144: The request body must contain the following parameter: 'client_id'.",
            )
        if grant == "client_credentials" and not (
            form.get("client_secret")
            or (
                form.get("client_assertion") and form.get("client_assertion_type") == ASSERTION_TYPE
            )
        ):
            raise TokenRefused(
                401,
                "invalid_client",
                "AADSTS7000218: The request body must contain the following parameter: "
                "'client_assertion' or 'client_secret'.",
            )
        scopes = [s for s in form.get("scope", "").split() if s.endswith("/.default")]
        if len(scopes) != 1:
            raise TokenRefused(
                400,
                "invalid_scope",
                f"AADSTS1002012: The provided value for scope {form.get('scope', '')!r} is not "
                "valid. Client credential flows must have a scope value with /.default suffixed "
                "to the resource identifier (application ID URI).",
            )
        resource = scopes[0][: -len("/.default")]
        if self.api_of(resource) is None:
            raise TokenRefused(
                400,
                "invalid_resource",
                f"AADSTS500011: The resource principal named {resource} was not found in the "
                f"tenant named {self.tenant_id}.",
            )
        now = int(time.time())
        claims: dict[str, Any] = {
            "aud": resource,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now,
            "nbf": now,
            "exp": now + TOKEN_LIFETIME,
            "appid": client_id,
            "azp": client_id,
            "idtyp": "app",
            "oid": self.object_id(client_id),
            "sub": self.object_id(client_id),
            "tid": self.tenant_id,
            "ver": "1.0",
            "uti": secrets.token_urlsafe(16),
        }
        return jwt.encode(claims, self.key, algorithm="HS256"), TOKEN_LIFETIME

    def audience_of(self, token: str) -> str | None:
        """The API ("arm" or "graph") a valid token of this tenant is for, else None."""
        if not token:
            return None
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=["HS256"],
                options={"verify_aud": False, "require": ["exp", "aud", "tid"]},
            )
        except jwt.PyJWTError:
            return None
        if str(claims.get("tid", "")).lower() != self.tenant_id:
            return None
        return self.api_of(str(claims.get("aud", "")))
