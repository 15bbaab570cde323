"""model.sanitize: the one sanitizer for human-readable output."""

from __future__ import annotations

import pytest

from aiposture.model.sanitize import (
    NAME_LIMIT,
    NEWLINE_MARK,
    csv_cell,
    data,
    multi_line,
    name,
    one_line,
    tree,
    truncate,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[31mb", "a\u241b[31mb"),  # ESC -> its Control Picture
        ("\x1b]8;;https://x\x07y\x1b]8;;\x07", "\u241b]8;;https://x\u2407y\u241b]8;;\u2407"),
        ("x\ny", f"x{NEWLINE_MARK}y"),
        ("x\r\ny", f"x\u240d{NEWLINE_MARK}y"),
        ("tab\there", "tab\u2409here"),
        ("del\x7f", "del\u2421"),
        ("c1\x9b31m\x85", "c1\\u009b31m\\u0085"),
        ("\u202eexe.txt", "\\u202eexe.txt"),
        ("\u2066\u2067\u2068\u2069\u200e\u200f\u061c", None),
        ("line\u2028sep", "line\\u2028sep"),
        ("lone\ud800", "lone\ufffd"),
        ("\n::error::x", f"{NEWLINE_MARK}:\u200b:error:\u200b:x"),
        ("plain name-01", "plain name-01"),
    ],
)
def test_one_line_is_visible_and_inert(raw: str, shown: str | None) -> None:
    out = one_line(raw)
    if shown is not None:
        assert out == shown
    # Nothing a terminal or a bidi renderer acts on survives, and nothing is silently dropped.
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in out)
    assert not set(out) & set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
    assert "::" not in out
    assert len(out) >= len(raw.replace("\r\n", "\n")) - raw.count("\ud800")


def test_multi_line_keeps_newlines_and_tabs_only() -> None:
    assert multi_line("a\n\tb\r\x1b") == "a\n\tb\u240d\u241b"
    assert multi_line("az x\n::warning::y") == "az x\n:\u200b:warning:\u200b:y"


def test_truncate_notes_the_original_length() -> None:
    assert truncate("abc", 3) == "abc"
    cut = truncate("x" * 1000, 10)
    assert cut.startswith("x" * 10 + "\u2026") and "1,000 chars" in cut
    huge = name("n" * (5 << 20))
    assert len(huge) < NAME_LIMIT + 40 and "5,242,880 chars" in huge


def test_display_functions_mask_secrets() -> None:
    url = "https://st.blob.core.windows.net/c?sv=1&sig=SECRETVALUE&se=2"
    for fn in (one_line, multi_line, name, data):
        assert "SECRETVALUE" not in fn(url)
        assert "[REDACTED]" in fn(url)


@pytest.mark.parametrize(
    ("raw", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\t=1", "'\u2409=1"),
        ("\r=1", "'\u240d=1"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("\uff1dcmd", "'\uff1dcmd"),  # fullwidth equals sign
        ("plain", "plain"),
        (None, ""),
        (3, "3"),
    ],
)
def test_csv_cell_guards_formulas(raw: object, cell: str) -> None:
    assert csv_cell(raw) == cell


def test_tree_masks_secret_members_and_keeps_clean_data_identical() -> None:
    clean = {"a": [1, "x", {"b": None}], "disableLocalAuth": True}
    assert tree(clean) is clean
    dirty = {"properties": {"credentials": {"key": "k"}, "keySource": "Microsoft.KeyVault"}}
    out = tree(dirty)
    assert out == {"properties": {"credentials": "[REDACTED]", "keySource": "Microsoft.KeyVault"}}
    assert dirty["properties"]["credentials"] == {"key": "k"}  # input untouched
    long = tree({"n": "y" * 100_000})
    assert len(long["n"]) < 16_500
