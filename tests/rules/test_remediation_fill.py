"""Filling remediation templates: one pass over the template, each value quoted or escaped for
the language it lands in, several values repeat their line, unknown ones stay user choices."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from aiposture.rules.types import (
    PLACEHOLDERS,
    Remediation,
    _az_str,
    _bicep_str,
    _fill,
    _tf_str,
    _visible,
    failed,
    fill_remediation,
)

# Text built from placeholders, their fragments and characters that escape or quote.
_pieces = st.sampled_from(
    [*PLACEHOLDERS, "<", ">", "ID", "NAME>", "<PARENT", "'", '"', "${", "x", "\n", "{{X}}"]
)
_text = st.lists(_pieces, max_size=8).map("".join)
_values = st.fixed_dictionaries({}, optional=dict.fromkeys(PLACEHOLDERS, _text))


def _placeholder_at(template: str, i: int) -> str | None:
    """`<UPPER_CASE>` starting at i, found character by character."""
    if template[i] != "<" or i + 1 >= len(template) or not template[i + 1].isupper():
        return None
    j = i + 1
    while j < len(template) and (
        template[j].isupper() or template[j].isdigit() or template[j] == "_"
    ):
        j += 1
    return template[i : j + 1] if j < len(template) and template[j] == ">" else None


def _reference_fill(template: str, values: dict[str, str], esc: Callable[[str], str]) -> str:
    """What one pass means, written the slow way: walk the template left to right."""
    out = []
    i = 0
    while i < len(template):
        ph = _placeholder_at(template, i)
        if ph is None:
            out.append(template[i])
            i += 1
        else:
            out.append(esc(values[ph]) if ph in values else "{{" + ph[1:-1] + "}}")
            i += len(ph)
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(template=_text, values=_values)
def test_fill_is_one_pass_over_the_template(template: str, values: dict[str, str]) -> None:
    for esc in (_visible, _az_str, _bicep_str, _tf_str):
        assert _fill(template, values, esc) == _reference_fill(template, values, esc)


def test_a_value_holding_a_placeholder_stays_literal() -> None:
    values = {"<NAME>": "a<LOCATION>", "<LOCATION>": "$(touch pwned)", "<ID>": "/s/x"}
    got = _fill("az x --ids <ID>/accounts/<NAME> -l <LOCATION>", values, _az_str)
    assert got == "az x --ids /s/x/accounts/'a<LOCATION>' -l '$(touch pwned)'"
    assert shlex.split(got) == [
        "az",
        "x",
        "--ids",
        "/s/x/accounts/a<LOCATION>",
        "-l",
        values["<LOCATION>"],
    ]
    # The old replace loop filled <NAME> first and then the smuggled <LOCATION> inside it.
    assert "'a'" not in got


def test_control_and_bidi_characters_are_visible_in_every_form() -> None:
    v = "a\nb\r\x1b[31m\u202egnp.exe\u2066\u200f\x85z"
    assert _visible(v) == "a\\x0ab\\x0d\\x1b[31m\\u202egnp.exe\\u2066\\u200f\\x85z"
    assert shlex.split(_az_str(v)) == [_visible(v)]
    assert _bicep_str(v) == "a\\nb\\r\\u{1B}[31m\\u{202E}gnp.exe\\u{2066}\\u{200F}\\u{85}z"
    assert _tf_str(v) == "a\\nb\\r\\u001b[31m\\u202egnp.exe\\u2066\\u200f\\u0085z"
    for out in (_visible(v), _az_str(v), _bicep_str(v), _tf_str(v)):
        assert out.isprintable()


def test_bicep_and_hcl_strings_stay_closed() -> None:
    v = "x'\"\\${a}%{b}\t"
    assert _bicep_str(v) == "x\\'\"\\\\\\${a}%{b}\\t"
    assert _tf_str(v) == "x'\\\"\\\\$${a}%%{b}\\t"


REM = Remediation(
    summary="Fix <NAME>.",
    az_cli="az list --assignee <PRINCIPAL_ID>\naz delete --ids <ROLE_ASSIGNMENT_ID>\n"
    "az rm --group <GROUP_ID> --member <MEMBER_ID>\naz set --vnet <VNET>",
    bicep="name: '<NAME>'",
    terraform='name = "<NAME>"',
    portal="<NAME> > IAM",
    fills=("<PRINCIPAL_ID>", "<ROLE_ASSIGNMENT_ID>", "<GROUP_ID>", "<MEMBER_ID>", "<VNET>"),
)


def test_several_values_repeat_the_line_and_none_drops_it() -> None:
    verdict = failed(
        "x",
        fill={
            "<PRINCIPAL_ID>": "p1",
            "<ROLE_ASSIGNMENT_ID>": ["/ra/1", "/ra/2"],
            "<GROUP_ID>": [],
            "<MEMBER_ID>": [],
            "<VNET>": None,  # not known: the user's choice
        },
    )
    values = {"<NAME>": "n", **dict(verdict.fill)}
    summary, az, bicep, tf, portal = fill_remediation(REM, values)
    assert az.splitlines() == [
        "az list --assignee p1",
        "az delete --ids /ra/1",
        "az delete --ids /ra/2",
        "az set --vnet {{VNET}}",
    ]
    assert (bicep, tf, portal) == ("name: 'n'", 'name = "n"', "n > IAM")
    assert summary.startswith("Fix n. Replace {{VNET}} with ")


def test_several_values_of_one_line_are_zipped() -> None:
    values = {"<GROUP_ID>": ("g1", "g2"), "<MEMBER_ID>": ("m1", "m2")}
    assert _fill("rm <GROUP_ID> <MEMBER_ID>", values, _visible).splitlines() == [
        "rm g1 m1",
        "rm g2 m2",
    ]


def test_failed_rejects_engine_placeholders_and_bad_names() -> None:
    import pytest

    with pytest.raises(ValueError):
        failed("x", fill={"<NAME>": "n"})
    with pytest.raises(ValueError):
        failed("x", fill={"PRINCIPAL_ID": "p"})


def test_several_values_of_unequal_counts_give_every_combination() -> None:
    values = {"<GROUP_ID>": ("g1", "g2"), "<MEMBER_ID>": ("m1",)}
    assert _fill("rm <GROUP_ID> <MEMBER_ID>\nend", values, _visible).splitlines() == [
        "rm g1 m1",
        "rm g2 m1",
        "end",
    ]


# Templates and values with braces, user choices and non-printable characters: the compiled
# one-valued path (str.format patterns, the user-choice note cached per rule and unfilled set)
# must give exactly what the line-by-line fill gives.
_brace_pieces = st.sampled_from(
    [*PLACEHOLDERS, "{", "}", "{{", "}}", "{{X}}", "{{VNET}}", "{0}", "${", "'", "\u202e", "\t"]
)
_brace_text = st.lists(_brace_pieces, max_size=8).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    forms=st.tuples(_brace_text, _brace_text, _brace_text, _brace_text, _brace_text),
    values=st.lists(
        st.fixed_dictionaries({}, optional=dict.fromkeys(PLACEHOLDERS, _brace_text)),
        min_size=1,
        max_size=3,
    ),
)
def test_compiled_fill_equals_the_line_by_line_fill(
    forms: tuple[str, str, str, str, str], values: list[dict[str, str]]
) -> None:
    from aiposture.rules.types import _fill_slow

    rem = Remediation(*forms)
    # Several findings of one rule in turn: what one caches must not leak into the next.
    for vals in values:
        assert fill_remediation(rem, vals) == _fill_slow(rem, vals, False)
