"""Secret redaction: credentials that Azure GET responses or tenant text may carry never reach a
snapshot or a report.

Some reads return secrets (API Management backend `properties.credentials`, ML and AI Foundry
connection `properties.credentials` and keys in `properties.metadata`, connection strings in app
settings), and tenants put SAS URLs and connection strings into tags and descriptions. Two
layers: `redact_row()` when a row is written to a snapshot (SnapshotWriter.add), and
`redact_text()` over every string a report shows (model.sanitize). Both count what they mask.

Secret-bearing *property names* are matched whole (case-insensitive), so settings that merely
mention a secret (`disableLocalAuth`, `allowSharedKeyAccess`, `keySource`,
`passwordCredentials` metadata) stay intact for the rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REDACTED = "[REDACTED]"

# Property names whose value is a secret (compared lower-cased, whole name).
SECRET_NAMES = frozenset(
    name.lower()
    for name in (
        "credentials",
        "connectionString",
        "connectionStrings",
        "primaryConnectionString",
        "secondaryConnectionString",
        "primaryKey",
        "secondaryKey",
        "primaryMasterKey",
        "secondaryMasterKey",
        "primaryReadonlyMasterKey",
        "secondaryReadonlyMasterKey",
        "key1",
        "key2",
        "accountKey",
        "accessKey",
        "accessKeyId",
        "secretAccessKey",
        "secretKey",
        "sharedAccessKey",
        "apiKey",
        "api-key",
        "password",
        "adminPassword",
        "administratorLoginPassword",
        "clientSecret",
        "client_secret",
        "secret",
        "secretText",
        "sasToken",
        "sasUri",
        "sasUrl",
        "token",
        "accessToken",
        "refreshToken",
        "bearerToken",
        "privateKey",
        "pat",
    )
)

# Members of a secret-named object that only name the kind of credential (ML / Foundry datastore
# `properties.credentials.credentialsType`: AccountKey | Sas | ServicePrincipal | Certificate |
# None; `secrets.secretsType`): kept, string values only, while every other member is masked.
KIND_NAMES = frozenset({"credentialstype", "secretstype"})
# A kind is an enum word; anything else in that member (a pasted secret) is masked with the rest.
_KIND = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}\Z")

# Secrets inside any string: (pattern, replacement). Each pattern keeps the label and masks
# the value up to the next separator.
_VALUE = r"(?!\[REDACTED\])[^;&\s\"'<>,]+"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # SAS query parameter (blob/queue/file/table URLs, Service Bus SAS tokens).
    # Labels are matched even glued to other text ("...mAccountKey="): over-masking a display
    # string costs nothing, a missed credential does.
    (re.compile(r"(sig=)" + _VALUE, re.I), r"\1" + REDACTED),
    # Connection-string members: storage AccountKey, Service Bus/Event Hubs SharedAccessKey,
    # SharedAccessSignature, SQL/Redis password, AccessKey, ApiKey.
    (
        re.compile(
            r"((?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd|AccessKey"
            r"|ApiKey|api-key|client_secret|clientSecret|access_token|refresh_token)\s*=\s*)"
            r"(?:SharedAccessSignature\s)?" + _VALUE,
            re.I,
        ),
        r"\1" + REDACTED,
    ),
    # HTTP bearer tokens (16+ token characters, so prose such as "bearer tokens" stays).
    (re.compile(r"(Bearer\s+)[A-Za-z0-9\-._~+/]{16,}=*", re.I), r"\1" + REDACTED),
    # Bare JWTs (access tokens pasted into descriptions).
    (
        re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
        REDACTED,
    ),
)


# Every pattern above needs one of these (lower-cased) substrings; testing them is far cheaper
# than the case-insensitive patterns, and most strings (names, ids, scripts) hold none.
_HINTS = ("sig=", "key", "signature", "password", "pwd", "secret", "token", "bearer", "eyj")


def may_hold_secret(text: str) -> bool:
    if "=" not in text and "eyJ" not in text and "earer" not in text and "EARER" not in text:
        return False
    low = text.lower()
    return any(h in low for h in _HINTS)


def is_secret_name(name: str) -> bool:
    return name.lower() in SECRET_NAMES


def redact_text(text: str) -> tuple[str, int]:
    """`text` with secret values masked, and how many were masked."""
    if not may_hold_secret(text):
        return text, 0
    total = 0
    for pattern, repl in _PATTERNS:
        text, n = pattern.subn(repl, text)
        total += n
    return text, total


def count_secrets(value: Any) -> int:
    """How many secrets `redact_value` would mask in `value` (nothing is changed)."""
    return redact_value(value)[1]


def redact_value(value: Any) -> tuple[Any, int]:
    """A JSON value with secret-named members replaced by REDACTED and secret patterns masked
    in every string; the same object is returned when nothing was masked."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        changed: dict[str, Any] | None = None
        total = 0
        for k, v in value.items():
            if isinstance(k, str) and k.lower() in SECRET_NAMES and holds_value(v):
                new: Any = _mask_keeping_kind(v)
                n = 1
            else:
                new, n = redact_value(v)
            if n:
                total += n
                if changed is None:
                    changed = dict(value)
                changed[k] = new
        return (value if changed is None else changed), total
    if isinstance(value, list):
        items: list[Any] | None = None
        total = 0
        for i, v in enumerate(value):
            new, n = redact_value(v)
            if n:
                total += n
                if items is None:
                    items = list(value)
                items[i] = new
        return (value if items is None else items), total
    return value, 0


def _mask_keeping_kind(value: Any) -> Any:
    """REDACTED, or for an object naming its credential kind, that object with only the kind
    kept: `{"credentialsType": "Sas", "secrets": "[REDACTED]"}`."""
    if not isinstance(value, Mapping):
        return REDACTED
    kinds = {
        k: v
        for k, v in value.items()
        if isinstance(k, str) and k.lower() in KIND_NAMES and isinstance(v, str) and _KIND.match(v)
    }
    if not kinds:
        return REDACTED
    return {k: kinds.get(k, REDACTED) for k in value}


def redact_row(row: Mapping[str, Any]) -> tuple[Mapping[str, Any], int]:
    """A snapshot row (ARM resource, ARG row or Graph object) with its secrets masked."""
    value, n = redact_value(row)
    return value, n


def holds_value(v: Any) -> bool:
    """An empty or already masked secret (or a boolean flag such as `password: true`) has
    nothing to hide."""
    return not (v is None or v == "" or v == REDACTED or isinstance(v, bool) or v == {} or v == [])
