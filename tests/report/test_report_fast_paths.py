"""The JSON writer's and the redaction count's fast paths give what the general code gives:
they only skip work when the general code would change nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aiposture.model.redact import count_secrets
from aiposture.model.sanitize import DATA_LIMIT, ID_LIMIT, NAME_LIMIT, data
from aiposture.report.json import _data
from aiposture.report.views import _secrets, _window

# Strings near what a tenant puts in names, tags and descriptions, secrets included.
_text = st.lists(
    st.sampled_from(
        [
            "rg-ml",
            "AccountKey=abc123",
            "sig=XYZ",
            "Bearer abcdefghijklmnopqrstuvwxyz",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
            "=",
            "key",
            "BEARER ",
            "\ud800",
            "é",
            "x" * 300,
            " ",
        ]
    ),
    max_size=6,
).map("".join)
_names = st.sampled_from(["name", "password", "clientSecret", "tags", "note", "Key1"])
_json: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | _text,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(_names, inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(value=_json)
def test_secret_count_fast_path_counts_what_the_full_walk_counts(value: Any) -> None:
    assert _secrets(value) == count_secrets(_window(value))


@settings(max_examples=400, deadline=None)
@given(text=_text, limit=st.sampled_from([NAME_LIMIT, ID_LIMIT, DATA_LIMIT, 8]))
def test_inline_data_check_equals_sanitize_data(text: str, limit: int) -> None:
    assert _data(text, limit) == data(text, limit)
