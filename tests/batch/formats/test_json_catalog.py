"""JSON catalogs: ICU messages keep their skeleton, i18next codes are codes, the file is
edited in place (only the literals we translate change, in the file's own escaping)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyicumessageformat import Parser

from workbench import inline
from workbench.batch.formats import FormatOptions, format_for
from workbench.errors import InvalidInput


def shout(canonical: str) -> str:
    """A stand-in translation: the text upper-cased, every code kept where it was."""
    tagged = inline.parse(canonical)
    return inline.Tagged(
        tuple(part.upper() if isinstance(part, str) else part for part in tagged.parts)
    ).canonical()


def translate(
    source: str | bytes,
    target: str = "",
    translator: Callable[[str], str] = shout,
) -> tuple[list[str], bytes]:
    data = source.encode() if isinstance(source, str) else source
    document = format_for("catalog.json").read(data, FormatOptions(target_lang=target))
    return document.texts, document.render([translator(text) for text in document.texts])


def readable(texts: list[str]) -> list[str]:
    return [inline.parse(text).readable for text in texts]


ICU_PLURAL = '{"items": "{count, plural, one {# item} other {# items}}"}'


# --- ICU MessageFormat ----------------------------------------------------------------


def test_an_icu_plural_keeps_its_skeleton_and_only_its_branches_are_translated() -> None:
    texts, out = translate(ICU_PLURAL)
    # The argument, the keyword and the selectors never reach a provider; "#" is a code.
    assert texts == ['<x id="1" equiv="#"/> item', '<x id="1" equiv="#"/> items']
    assert json.loads(out) == {"items": "{count, plural, one {# ITEM} other {# ITEMS}}"}


def test_an_icu_plural_gets_the_plural_forms_of_polish() -> None:
    texts, out = translate(ICU_PLURAL, target="pl")
    message = json.loads(out)["items"]
    assert message == ("{count, plural, one {# ITEM} few {# ITEMS} many {# ITEMS} other {# ITEMS}}")
    parsed = Parser().parse(message)[0]
    assert list(parsed["options"]) == ["one", "few", "many", "other"]
    assert readable(texts) == ["# item", "# items", "# items", "# items"]


def test_an_icu_plural_into_japanese_keeps_only_other_and_exact_branches() -> None:
    source = '{"n": "{count, plural, =0 {no item} one {# item} other {# items}}"}'
    document = format_for("x.json").read(source.encode(), FormatOptions(target_lang="ja"))
    out = document.render([shout(text) for text in document.texts])
    assert json.loads(out) == {"n": "{count, plural, =0 {NO ITEM} other {# ITEMS}}"}
    assert document.notes == ["plural form 'one' dropped from 1 messages: ja has none"]


def test_the_sentence_around_a_plural_is_one_segment_in_which_the_plural_may_move() -> None:
    source = '{"m": "You have {n, plural, one {# message} other {# messages}} in {box}."}'
    texts, _ = translate(source)
    assert readable(texts) == ["You have {n, plural} in {box}.", "# message", "# messages"]
    # A translation may put the plural elsewhere: word order differs between languages.
    moved = {
        texts[0]: 'In <x id="2" equiv="{box}"/> you have <x id="1" equiv="{n, plural}"/>.',
        texts[1]: '<x id="1" equiv="#"/> Nachricht',
        texts[2]: '<x id="1" equiv="#"/> Nachrichten',
    }
    _, out = translate(source, translator=moved.__getitem__)
    assert json.loads(out)["m"] == (
        "In {box} you have {n, plural, one {# Nachricht} other {# Nachrichten}}."
    )


def test_select_selectordinal_and_formatted_arguments_are_codes() -> None:
    source = json.dumps(
        {
            "s": "{gender, select, male {He} female {She} other {They}} paid {amount, number,"
            " ::currency/EUR} on {day, date, short}",
            "o": "{n, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} place",
        }
    )
    texts, out = translate(source, target="en")
    assert readable(texts) == [
        "{gender, select} paid {amount, number, ::currency/EUR} on {day, date, short}",
        "He",
        "She",
        "They",
        "{n, selectordinal} place",
        "#st",
        "#nd",
        "#rd",
        "#th",
    ]
    result = json.loads(out)
    assert result["s"] == (
        "{gender, select, male {HE} female {SHE} other {THEY}} PAID {amount, number,"
        " ::currency/EUR} ON {day, date, short}"
    )
    assert result["o"] == "{n, selectordinal, one {#ST} two {#ND} few {#RD} other {#TH}} PLACE"


def test_apostrophes_are_read_and_written_by_icu_rules() -> None:
    source = json.dumps({"a": "It''s '{literal}' {n, plural, one {# it's} other {# '#'1 items}}"})
    texts, _ = translate(source)
    # Quoted literals are kept as they were written: codes.
    assert readable(texts) == ["It's {literal} {n, plural}", "# it's", "# #1 items"]
    french = {
        texts[0]: 'L\'<x id="2" equiv="{n, plural}"/> <x id="1" equiv="{literal}"/> {d\'ac}',
        texts[1]: '<x id="1" equiv="#"/> l\'élément #1',
        texts[2]: '<x id="1" equiv="#"/> éléments \'<x id="2" equiv="#"/>',
    }
    _, out = translate(source, translator=french.__getitem__)
    message = json.loads(out)["a"]
    assert message == (
        "L''{n, plural, one {# l'élément '#'1} other {# éléments '''#'}} '{literal}' '{'d'ac'}'"
    )
    # An independent ICU parser reads back exactly the texts we wrote.
    parsed = Parser().parse(message)
    assert parsed[0] == "L'"
    assert parsed[1]["options"]["one"][1:] == [" l'élément #1"]
    assert parsed[1]["options"]["other"][1:] == [" éléments '#"]
    assert parsed[2:] == [" {literal} {d'ac}"]


def test_rich_text_tags_in_icu_messages_are_paired_codes() -> None:
    source = json.dumps({"t": "I agree with the <tos-link>terms of {host}</tos-link>."})
    texts, out = translate(source)
    assert texts == ['I agree with the <g id="1">terms of <x id="2" equiv="{host}"/></g>.']
    assert json.loads(out)["t"] == "I AGREE WITH THE <tos-link>TERMS OF {host}</tos-link>."


def test_a_message_that_is_not_icu_in_an_icu_catalog_is_translated_around_its_braces() -> None:
    source = json.dumps({"ok": "{n, number} files", "broken": "Hello {name"})
    document = format_for("x.json").read(source.encode(), FormatOptions())
    assert readable(document.texts) == ["{n, number} files", "Hello {name"]
    assert document.notes == [
        "1 messages are not valid ICU MessageFormat (first: broken); their {placeholders} "
        "were kept and the rest translated"
    ]


def test_arb_metadata_and_formatjs_descriptions_are_not_translated() -> None:
    arb = json.dumps(
        {
            "@@locale": "en",
            "hello": "Hello {name}",
            "@hello": {"description": "Greeting", "placeholders": {"name": {"example": "Bob"}}},
        },
        indent=2,
    )
    texts, out = translate(arb)
    assert readable(texts) == ["Hello {name}"]
    assert json.loads(out)["@hello"] == json.loads(arb)["@hello"]
    formatjs = json.dumps({"a1": {"defaultMessage": "a {n, number} dog", "description": "foo"}})
    assert readable(translate(formatjs)[0]) == ["a {n, number} dog"]


# --- i18next, MediaWiki and plain braces --------------------------------------------------


def test_i18next_interpolation_nesting_and_trans_components_are_codes() -> None:
    source = json.dumps(
        {
            "a": 'Hello {{name}}, today is {{date, datetime}}: $t(common.key, {"count": 2})',
            "b": "Click <0>here</0> or <1/> to <strong>save</strong>&nbsp;now",
        }
    )
    texts, out = translate(source)
    assert readable(texts) == [
        'Hello {{name}}, today is {{date, datetime}}: $t(common.key, {"count": 2})',
        "Click here or <1/> to save&nbsp;now",
    ]
    assert texts[1] == (
        'Click <g id="1">here</g> or <x id="2" equiv="&lt;1/&gt;"/> to <g id="3">save</g>'
        '<x id="4" equiv="&amp;nbsp;"/>now'
    )
    result = json.loads(out)
    assert result["a"] == (
        'HELLO {{name}}, TODAY IS {{date, datetime}}: $t(common.key, {"count": 2})'
    )
    assert result["b"] == "CLICK <0>HERE</0> OR <1/> TO <strong>SAVE</strong>&nbsp;NOW"


def test_i18next_apostrophes_and_single_braces_are_plain_text() -> None:
    source = json.dumps({"a": "Don't {{count}} {single}"})
    texts, _ = translate(source)
    assert readable(texts) == ["Don't {{count}} {single}"]
    _, out = translate(source, translator=lambda text: text.replace("Don't", "N'y"))
    assert json.loads(out)["a"] == "N'y {{count}} {single}"


def test_braces_catalogs_keep_apostrophes_as_they_are() -> None:
    source = json.dumps({"a": "Welcome {name}", "b": "Saved {n} files at 100%s"})
    texts, _ = translate(source)
    assert readable(texts) == ["Welcome {name}", "Saved {n} files at 100%s"]
    assert [code.equiv for code in inline.parse(texts[1]).codes] == ["{n}", "%s"]
    _, out = translate(source, translator=lambda text: text.replace("Welcome ", "Bienvenue à l'"))
    assert json.loads(out)["a"] == "Bienvenue à l'{name}"


def test_mediawiki_metadata_is_kept_and_plural_forms_are_translated_one_by_one() -> None:
    source = (
        '{\n\t"@metadata": {\n\t\t"authors": ["Ann"]\n\t},\n'
        '\t"x-count": "$1 {{PLURAL:$1|page|pages|5=five [[A|b]]}} in [[Help:Links|help]], '
        '{{GRAMMAR:genitive|$2}}"\n}\n'
    )
    texts, out = translate(source)
    assert readable(texts) == [
        "$1 {{PLURAL:$1}} in [[Help:Links|help]], {{GRAMMAR:genitive|$2}}",
        "page",
        "pages",
        "five [[A|b]]",
    ]
    assert out.decode() == source.replace("page|pages|5=five", "PAGE|PAGES|5=FIVE").replace(
        " in [[Help", " IN [[Help"
    )


# --- the file itself ----------------------------------------------------------------------


def test_only_translated_literals_change_byte_for_byte() -> None:
    source = (
        '\ufeff{\r\n\t"a" :  "Open",   "n": 3.50, "b": [ "Cut" ,\r\n "42" ],\r\n'
        '\t"@a": {"description": "Open a file"}, "e": "", "t": true\r\n}'
    )
    data = source.encode("utf-8")
    texts, out = translate(data)
    assert readable(texts) == ["Open", "Cut", "42"]
    assert out == source.replace('"Open"', '"OPEN"').replace('"Cut"', '"CUT"').encode()


def test_a_catalog_with_nothing_to_translate_comes_back_byte_identical() -> None:
    source = b'{ "@metadata": {"authors": ["x"]}, "n": 1, "list": [true, null] }\n'
    document = format_for("x.json").read(source, FormatOptions(target_lang="pl"))
    assert document.texts == []
    assert document.render([]) == source
    same = format_for("x.json").read(ICU_PLURAL.encode(), FormatOptions())
    assert same.render(same.texts) == ICU_PLURAL.encode()


def test_new_text_is_escaped_in_the_files_own_style() -> None:
    source = b'{"a": "Caf\\u00E9 \\/ <b>", "b": "x \\u003Cy\\u003E"}'
    _, out = translate(source, translator=lambda text: text.replace("Caf", "Th\u00e9 & caf"))
    assert out == b'{"a": "Th\\u00E9 & caf\\u00E9 \\/ \\u003Cb\\u003E", "b": "x \\u003Cy\\u003E"}'
    raw = '{"a": "Café", "b": "x"}'.encode()
    _, out = translate(raw, translator=lambda text: text.replace("x", 'é\U0001f600\n"/'))
    assert out == '{"a": "Café", "b": "é\U0001f600\\n\\"/"}'.encode()


def test_utf16_catalogs_stay_utf16_with_their_bom() -> None:
    source = '{"a": "Open"}\n'.encode("utf-16")
    _, out = translate(source)
    assert out[:2] == source[:2]
    assert out.decode("utf-16") == '{"a": "OPEN"}\n'


def test_duplicate_keys_each_get_their_own_translation() -> None:
    source = b'{"a": "one", "a": "two", "b": {"c": "three"}}'
    texts, out = translate(source)
    assert texts == ["one", "two", "three"]
    assert out == b'{"a": "ONE", "a": "TWO", "b": {"c": "THREE"}}'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": "b",}', "malformed: .* line 1"),
        (b'"just a string"', "object of keys"),
        (b"{\x00\x00\x01\x02\x03\x00\x00\x00\x00}", "binary data"),
    ],
)
def test_malformed_catalogs_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        format_for("x.json").read(data, FormatOptions())


# --- i18next plural keys ------------------------------------------------------------------

PLURAL_KEYS = (
    '{\n  "item_one": "{{count}} item",\n  "item_other": "{{count}} items",\n'
    '  "arrowhead_one_or_many": "One or many",\n'
    '  "left_zero": "nothing left",\n  "left_other": "{{count}} left",\n'
    '  "left_one": "one left"\n}\n'
)


def test_i18next_plural_keys_get_the_forms_of_polish() -> None:
    document = format_for("x.json").read(PLURAL_KEYS.encode(), FormatOptions(target_lang="pl"))
    out = document.render([shout(text) for text in document.texts])
    assert out.decode() == (
        '{\n  "item_one": "{{count}} ITEM",\n  "item_few": "{{count}} ITEMS",\n'
        '  "item_many": "{{count}} ITEMS",\n  "item_other": "{{count}} ITEMS",\n'
        '  "arrowhead_one_or_many": "ONE OR MANY",\n  "left_zero": "NOTHING LEFT",\n'
        '  "left_few": "{{count}} LEFT",\n  "left_many": "{{count}} LEFT",\n'
        '  "left_other": "{{count}} LEFT",\n  "left_one": "ONE LEFT"\n}\n'
    )
    assert [segment.where for segment in document.segments][:4] == [
        "item_one",
        "item_few",
        "item_many",
        "item_other",
    ]
    assert document.notes == [
        "4 plural keys added for pl, starting from the _other key's translation: review them"
    ]


def test_i18next_plural_keys_into_japanese_keep_only_other_and_zero() -> None:
    document = format_for("x.json").read(PLURAL_KEYS.encode(), FormatOptions(target_lang="ja"))
    out = document.render([shout(text) for text in document.texts])
    # The last member goes with the comma before it: the file stays valid JSON.
    assert out.decode() == (
        '{\n  "item_other": "{{count}} ITEMS",\n  "arrowhead_one_or_many": "ONE OR MANY",\n'
        '  "left_zero": "NOTHING LEFT",\n  "left_other": "{{count}} LEFT"\n}\n'
    )
    assert document.notes == ["2 plural keys dropped: ja does not use them"]


def test_i18next_plural_keys_stay_as_they_are_without_a_target_language() -> None:
    document = format_for("x.json").read(PLURAL_KEYS.encode(), FormatOptions())
    assert document.render(document.texts) == PLURAL_KEYS.encode()


def test_percent_signs_in_prose_are_text_and_lone_surrogates_stay_escaped() -> None:
    source = b'{"a": "100% done, %s left", "b": "\\ud83d broken"}'
    texts, out = translate(source)
    assert readable(texts) == ["100% done, %s left", "\ud83d broken"]
    assert [code.equiv for code in inline.parse(texts[0]).codes] == ["%s"]
    assert out == b'{"a": "100% DONE, %s LEFT", "b": "\\ud83d BROKEN"}'


def test_chrome_messages_translate_the_message_and_keep_its_placeholders() -> None:
    source = json.dumps(
        {
            "greeting": {
                "message": "Hello $USER$, you have $COUNT$ tabs",
                "description": "Shown on start",
                "placeholders": {"user": {"content": "$1", "example": "Ann"}},
            }
        },
        indent=2,
    )
    texts, out = translate(source)
    assert readable(texts) == ["Hello $USER$, you have $COUNT$ tabs"]
    result = json.loads(out)["greeting"]
    assert result["message"] == "HELLO $USER$, YOU HAVE $COUNT$ TABS"
    assert result["description"] == "Shown on start"
    assert result["placeholders"] == {"user": {"content": "$1", "example": "Ann"}}


# --- any catalog --------------------------------------------------------------------------

_TEXT = st.text(alphabet="ab '{}<>/&$#%\\\"\n\u00e9\U0001f600@_:,[]", max_size=16)
_CATALOGS = st.recursive(
    st.dictionaries(st.text(alphabet="ab@_.", max_size=6), _TEXT | st.integers(), max_size=4),
    lambda children: st.dictionaries(
        st.text(alphabet="ab@_.", max_size=6), children | st.lists(_TEXT, max_size=3), max_size=4
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_CATALOGS, st.sampled_from([None, 2, "\t"]), st.booleans(), st.sampled_from(["", "pl"]))
def test_any_catalog_renders_back_and_translates_into_the_same_shape(
    catalog: dict[str, object], indent: int | str | None, ascii_only: bool, target: str
) -> None:
    data = json.dumps(catalog, indent=indent, ensure_ascii=ascii_only).encode()
    document = format_for("x.json").read(data, FormatOptions(target_lang=target))
    if not target:
        assert document.render(document.texts) == data
    out = document.render([shout(text) for text in document.texts])
    result = json.loads(out)
    assert _shape(result) == _shape(catalog)
    if ascii_only:
        assert out.isascii()


def _shape(node: object) -> object:
    if isinstance(node, dict):
        return {key: _shape(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_shape(value) for value in node]
    return type(node).__name__ if isinstance(node, str) else node
