"""KQL literals for values that come from the tenant (names, ids: attacker-controlled)."""

from __future__ import annotations

from collections.abc import Iterable

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def kql_string(value: str) -> str:
    """A double-quoted KQL string literal whose value is exactly `value`.

    Backslash and quote are escaped; other control characters, which no Azure name may
    hold, are dropped rather than passed into the query text.
    """
    out = []
    for ch in value:
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch < " " or ch == "\x7f":
            continue
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def kql_dynamic_strings(values: Iterable[str]) -> str:
    """`dynamic(["a", "b"])` of the given strings (sorted, de-duplicated)."""
    return "dynamic([" + ", ".join(kql_string(v) for v in sorted(set(values))) + "])"


def kql_timespan(hours: float) -> str:
    if hours % 24 == 0:
        return f"{int(hours // 24)}d"
    if hours == int(hours):
        return f"{int(hours)}h"
    return f"{int(hours * 60)}m"
