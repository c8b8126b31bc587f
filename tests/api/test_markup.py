"""Tagged request texts become canonical segments and come back with their own markup."""

from __future__ import annotations

import pytest

from workbench import inline
from workbench.api.markup import TagHandling, parse
from workbench.errors import InvalidInput


def test_xml_tags_are_codes_and_come_back_as_sent() -> None:
    text = 'Press <b class="x">Save</b> &amp; <i>go</i><br/><!-- note -->'

    tagged = parse(text, TagHandling.XML)

    assert tagged.canonical == (
        'Press <g id="1">Save</g> &amp; <g id="2">go</g><x id="3"/><x id="4"/>'
    )
    assert inline.parse(tagged.canonical).prose == "Press Save & go"
    assert tagged.render(tagged.canonical) == text


def test_two_texts_differing_only_in_tags_share_one_canonical_form() -> None:
    bold = parse("Hello <b>you</b>", TagHandling.XML)
    italic = parse("Hello <i>you</i>", TagHandling.XML)

    assert bold.canonical == italic.canonical  # one memory entry
    assert italic.render('<g id="1">Hallo</g> du') == "<i>Hallo</i> du"


def test_ignored_elements_are_kept_whole() -> None:
    tagged = parse("Run <code>make <b>all</b></code> now", TagHandling.XML, ["code"])

    assert tagged.canonical == 'Run <x id="1"/> now'
    assert tagged.render('Lance <x id="1"/> maintenant') == (
        "Lance <code>make <b>all</b></code> maintenant"
    )


def test_html_is_read_leniently() -> None:
    text = '<p>One<br>two <span translate="no">Acme</span> <b>open<script>x<y</script></p>'

    tagged = parse(text, TagHandling.HTML)

    assert inline.parse(tagged.canonical).prose == "Onetwo  open"
    assert tagged.render(tagged.canonical) == text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a <b>bold", "never closed"),
        ("a </b>", "does not match"),
        ("<b><i>x</b></i>", "does not match"),
        ("a < b", "starts no tag"),
    ],
)
def test_xml_must_be_well_formed(text: str, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse(text, TagHandling.XML)
