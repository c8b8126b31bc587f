"""Our ICU reader and writer against an independent ICU parser (pyicumessageformat)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyicumessageformat import Parser

from workbench.batch.formats import icu

TEXTS = st.text(alphabet="ab '{}#<", max_size=12)


def joined(nodes: list[object]) -> str:
    return "".join(node for node in nodes if isinstance(node, str))


@given(TEXTS)
def test_quoted_text_reads_back_as_itself(text: str) -> None:
    written = icu.quote(text, "", numeric=False)
    assert joined(Parser().parse(written)) == text
    parsed = icu.parse(written)
    assert icu.raw(parsed) == written
    assert "".join(n.value for n in parsed if isinstance(n, icu.Text | icu.Literal)) == text


@given(TEXTS, TEXTS)
def test_quoted_text_in_a_plural_branch_before_an_argument_reads_back(
    before: str, after: str
) -> None:
    first = icu.quote(before, "{", numeric=True)
    second = icu.quote(after, "}", numeric=True)
    message = f"{{n, plural, other {{{first}{{x}}{second}}}}}"
    branch = Parser().parse(message)[0]["options"]["other"]
    assert [node for node in branch if not isinstance(node, str)] == [{"name": "x"}]
    assert joined(branch) == before + after
    assert icu.raw(icu.parse(message)) == message


@pytest.mark.parametrize(
    "message",
    [
        "{count, plural, offset:1 =0 {none} one {# item} other {{count} items}}",
        "{g, select, male {He} other {They}} paid {a, number, ::currency/EUR} '{'lit'}'",
        "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}",
        "It''s <b>{name}</b>, '<head>' and {d, date, short}",
    ],
)
def test_messages_read_back_byte_for_byte(message: str) -> None:
    assert icu.raw(icu.parse(message)) == message


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("{n, plural, one {a}}", "without its 'other' branch"),
        ("{n, plural, one {a} other {b}", "never closed"),
        ("Hello {name", "expected ','"),
        ("a } b", "unmatched"),
        ("{, number}", "without a name"),
    ],
)
def test_what_is_not_icu_is_refused_with_the_reason(message: str, error: str) -> None:
    with pytest.raises(icu.IcuError, match=error):
        icu.parse(message)
