"""Case-insensitive access to Azure JSON.

Resource Graph lower-cases `type`; exports vary in the casing of property names. Normalization
reads raw rows only through these helpers, so every comparison is case-insensitive once, here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JsonDict = Mapping[str, Any]
_MISSING: Any = object()


def get(d: object, key: str) -> Any:
    """`d[key]` with a case-insensitive fallback; None when absent or when `d` is not a dict."""
    if type(d) is dict:
        # Decoded JSON is a plain dict: skip the (slow) ABC check on the hot path.
        v = d.get(key, _MISSING)
        if v is not _MISSING:
            return v
    elif not isinstance(d, Mapping):
        return None
    elif key in d:
        return d[key]
    low = key.lower()
    for k, v in d.items():
        if isinstance(k, str) and k.lower() == low:
            return v
    return None


def has(d: object, key: str) -> bool:
    if not isinstance(d, Mapping):
        return False
    if key in d:
        return True
    low = key.lower()
    return any(isinstance(k, str) and k.lower() == low for k in d)


def path(d: object, dotted: str) -> Any:
    """Follow a dotted path (`properties.networkAcls.defaultAction`) case-insensitively."""
    cur: Any = d
    for part in dotted.split("."):
        cur = get(cur, part)
        if cur is None:
            return None
    return cur


def text(value: object) -> str | None:
    """A string value, or None. Numbers and booleans are not silently turned into text."""
    return value if isinstance(value, str) else None


def lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) else None


def boolean(value: object) -> bool | None:
    """A JSON boolean; the strings "true"/"false" (some exports) count too. Else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v == "true":
            return True
        if v == "false":
            return False
    return None


def integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def dicts(value: object) -> list[JsonDict]:
    """The dict items of a JSON array (anything else is dropped)."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def str_map(value: object) -> dict[str, str]:
    """Tags and similar string maps; non-string values are turned into their JSON-ish text."""
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, str] = {}
    for k, v in value.items():
        if isinstance(k, str):
            out[k] = v if isinstance(v, str) else ("" if v is None else str(v))
    return out
