"""The one-pass template fill gives the same text as replacing placeholder kinds in order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aiposture.rules.types import (
    PLACEHOLDERS,
    _az_str,
    _bicep_str,
    _fill,
    _fill_by_replace,
    _plain,
    _tf_str,
)

# Text built from placeholders, their fragments and characters that escape or quote.
_pieces = st.sampled_from([*PLACEHOLDERS, "<", ">", "ID", "NAME>", "<PARENT", "'", '"', "${", "x"])
_text = st.lists(_pieces, max_size=8).map("".join)
_values = st.fixed_dictionaries({}, optional=dict.fromkeys(PLACEHOLDERS, _text))


@given(template=_text, values=_values)
def test_fill_matches_replace_loop(template: str, values: dict[str, str]) -> None:
    for esc in (_plain, _az_str, _bicep_str, _tf_str):
        assert _fill(template, values, esc) == _fill_by_replace(template, values, esc)


def test_fill_examples() -> None:
    values = {"<NAME>": "acct'1", "<RG>": "<NAME>", "<ID>": "/subscriptions/s/x"}
    # A value that is itself a placeholder is filled again by the later kinds, as before.
    assert _fill("az x -n <NAME> -g <RG>", values, _az_str) == "az x -n 'acct'\"'\"'1' -g '<NAME>'"
    assert _fill("id='<ID>' rg='<RG>' <SUB>", values, _bicep_str) == (
        "id='/subscriptions/s/x' rg='<NAME>' <SUB>"
    )
    assert _fill("no placeholder", values, _plain) == "no placeholder"
