"""One sanitizer for tenant-controlled text on its way to a human: terminal, Markdown, HTML,
SARIF messages, CSV cells and remediation text.

Everything an attacker can name in Azure (resource and group names, tags, descriptions,
endpoints, error reasons) ends up in our output. Shown raw, such text can drive the reader's
terminal (ANSI CSI, OSC 8 hyperlinks, clear-screen), forge report lines or GitHub Actions
workflow commands (a newline followed by `::error::`), reorder what the reader sees (bidi
overrides such as U+202E), run as a spreadsheet formula, or take minutes to lay out (a
megabyte name). So, for human-readable output:

* secrets are masked first (model.redact);
* the text is cut to a display limit, with the original length noted, *before* any other work,
  so the cost is linear in the input and bounded in the output;
* control and format characters are replaced by visible stand-ins, never dropped silently:
  C0 controls by their Control Pictures (ESC -> U+241B), DEL by U+2421, C1 controls, bidi
  controls, line/paragraph separators and lone surrogates by a `\\uXXXX` literal, and in
  one-line fields a newline by U+23CE;
* every "::" gets a zero-width space between its colons, so no line of our output can be
  read as a GitHub Actions workflow command, however the terminal wraps it.

Machine formats (JSON, OCSF, CycloneDX) keep strings as data (their encoders escape control
characters) and use `data()`: secrets masked and the length capped, nothing else changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiposture.model.redact import (
    REDACTED,
    holds_value,
    is_secret_name,
    may_hold_secret,
    redact_text,
)

# Display limits (characters). docs/security.md states them.
NAME_LIMIT = 256  # names, groups, types, tag keys and values, principals
ID_LIMIT = 1024  # ARM resource ids (real ones stay well below)
TEXT_LIMIT = 4096  # messages, evidence values, reasons, remediation fields
DATA_LIMIT = 16384  # any string in JSON, OCSF, SARIF properties, CycloneDX, graph exports

NEWLINE_MARK = "\u23ce"  # ⏎

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff"


def _build_table(*, keep_newlines: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        table[code] = chr(0x2400 + code)  # Control Pictures: NUL -> ␀, ESC -> ␛, ...
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = f"\\u{code:04x}"
    for ch in _BIDI:
        table[ord(ch)] = f"\\u{ord(ch):04x}"
    for code in range(0xD800, 0xE000):  # lone surrogates cannot be encoded
        table[code] = "\ufffd"
    table[ord("\n")] = "\n" if keep_newlines else NEWLINE_MARK
    if keep_newlines:
        table[ord("\t")] = "\t"
    return table


_ONE_LINE = _build_table(keep_newlines=False)
_MULTI_LINE = _build_table(keep_newlines=True)
_NEEDS_WORK = re.compile(
    "[\x00-\x1f\x7f-\x9f" + _BIDI + "\ud800-\udfff]",
)


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with the original length noted."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\u2026 [truncated, {len(text):,} chars]"


# GitHub Actions runs a log line starting with "::" (after trimming) as a workflow command,
# and wrapping can put any part of a long name at the start of a line: a zero-width space
# between the colons defuses every "::" (the text still reads the same).
_COLONS = "::"
_COLONS_SAFE = ":\u200b:"


# Secrets are masked in a window a little longer than what is shown, so a value cut by the
# display limit is still recognised by its label, and the cost stays bounded by the limit.
_WINDOW_SLACK = 512


def _shown(text: str, limit: int) -> str:
    """`text` with secrets masked, cut to `limit` (original length noted)."""
    if len(text) <= limit:
        return truncate(redact_text(text)[0], limit)
    head = redact_text(text[: limit + _WINDOW_SLACK])[0]
    return f"{head[:limit]}\u2026 [truncated, {len(text):,} chars]"


def _neutralise(text: str, table: dict[int, str]) -> str:
    if _NEEDS_WORK.search(text) is not None:
        text = text.translate(table)
    if _COLONS in text:
        text = text.replace(_COLONS, _COLONS_SAFE)
    return text


def one_line(text: object, limit: int = TEXT_LIMIT) -> str:
    """Tenant text for a one-line human-readable field: secrets masked, cut to `limit`,
    every control, bidi and line-break character shown as a visible stand-in."""
    s = text if isinstance(text, str) else str(text)
    return _neutralise(_shown(s, limit), _ONE_LINE)


def multi_line(text: object, limit: int = TEXT_LIMIT) -> str:
    """Like `one_line`, but newlines and tabs are kept (code blocks, remediation scripts);
    carriage returns and every other control still become visible stand-ins."""
    s = text if isinstance(text, str) else str(text)
    return _neutralise(_shown(s, limit), _MULTI_LINE)


def name(text: object) -> str:
    """A resource, group, tag or principal name for humans (NAME_LIMIT)."""
    return one_line(text, NAME_LIMIT)


_SURROGATE = re.compile("[\ud800-\udfff]")


def data(text: str, limit: int = DATA_LIMIT) -> str:
    """A string kept as data (JSON-like formats): secrets masked, length capped, and lone
    surrogates (which no UTF-8 encoder accepts) replaced by U+FFFD."""
    if len(text) <= limit and not may_hold_secret(text) and text.isascii():
        return text  # the common case, without the calls below
    text = _shown(text, limit)
    if _SURROGATE.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", text)
    return text


def tree(value: Any, limit: int = DATA_LIMIT, leaf: Callable[[str, int], str] = data) -> Any:
    """`value` (JSON-like: dicts, lists, scalars) with every string passed through `leaf`
    and the values of secret-bearing keys replaced. Returns the same object when nothing
    changes, so clean data costs no copies."""
    if isinstance(value, str):
        return leaf(value, limit)
    if isinstance(value, dict):
        out: dict[Any, Any] | None = None
        for k, v in value.items():
            if isinstance(k, str) and is_secret_name(k) and holds_value(v):
                new: Any = REDACTED
            else:
                new = tree(v, limit, leaf)
            key = leaf(k, NAME_LIMIT) if isinstance(k, str) else k
            if out is None and (new is not v or key != k):
                out = {}
                for k2, v2 in value.items():
                    if k2 == k:
                        break
                    out[k2] = v2
            if out is not None:
                out[key] = new
        return value if out is None else out
    if isinstance(value, (list, tuple)):
        items = [tree(v, limit, leaf) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items
    return value


def display_tree(value: Any, limit: int = TEXT_LIMIT) -> Any:
    """`tree()` for values shown to humans (evidence values in Markdown, HTML, CSV)."""
    return tree(value, limit, one_line)


# Spreadsheets run a cell starting with one of these as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: object, limit: int = TEXT_LIMIT, *, lines: bool = False) -> str:
    """A safe spreadsheet cell: no formula, no control characters, bounded length. `lines`
    keeps newlines (a quoted multi-line cell, e.g. a remediation script)."""
    if value is None:
        return ""
    raw = value if isinstance(value, str) else str(value)
    # The guard looks at the raw start: a leading tab or CR is a formula trigger too.
    guard = raw.lstrip(" ").startswith(_FORMULA_START)
    text = multi_line(raw, limit) if lines else one_line(raw, limit)
    return "'" + text if guard else text
