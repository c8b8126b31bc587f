"""The codecs: each wire's form of a segment, and replies read back as engines write them."""

from __future__ import annotations

import pytest

from workbench import inline
from workbench.providers import codes

SEGMENT = inline.parse(
    'Click <g id="1">Save &amp; <g id="2">close</g></g> for <x id="3" equiv="{name}"/>.'
)


@pytest.mark.parametrize("codec", [codes.XML, codes.XML_IGNORED, codes.HTML, codes.TOKENS])
def test_an_untouched_reply_reads_back_as_the_segment(codec: codes.Codec) -> None:
    assert codec.decode(codec.encode(SEGMENT), SEGMENT).canonical() == SEGMENT.canonical()


def test_each_wire_form() -> None:
    assert codes.XML.encode(SEGMENT) == SEGMENT.canonical()
    assert codes.XML_IGNORED.encode(SEGMENT) == (
        'Click <g id="1">Save &amp; <g id="2">close</g></g> for <x id="3">{name}</x>.'
    )
    assert codes.HTML.encode(SEGMENT) == (
        'Click <span id="1">Save &amp; <span id="2">close</span></span> for '
        '<span translate="no" id="3">{name}</span>.'
    )
    assert codes.TOKENS.encode(SEGMENT) == "Click [X0X]Save & [X1X]close[X2X][X3X] for [X4X]."


def test_xml_replies_in_other_spellings_are_read() -> None:
    # Single quotes, spaces, attributes in another order, <x></x>, entities of every kind;
    # the standalone code's equiv is the source's, whatever the reply says.
    reply = (
        "Cliquez <g  id='1' >Enregistrer &#38; <g id=\"2\">fermer</g ></g> "
        "pour <x equiv='{other}' id=\"3\"></x>&#x2E;"
    )
    assert codes.XML.decode(reply, SEGMENT).canonical() == (
        'Cliquez <g id="1">Enregistrer &amp; <g id="2">fermer</g></g> '
        'pour <x id="3" equiv="{name}"/>.'
    )


def test_an_empty_paired_code_may_come_back_self_closing() -> None:
    segment = inline.parse('a <g id="1"></g> b')
    assert codes.XML_IGNORED.decode('A <g id="1"/> B', segment).canonical() == 'A <g id="1"></g> B'


def test_the_content_deepl_kept_in_an_ignored_tag_is_not_read_as_text() -> None:
    reply = 'Pour <x id="3">{name}</x>, <g id="1">fermer <g id="2">ici</g></g>'
    assert codes.XML_IGNORED.decode(reply, SEGMENT).canonical() == (
        'Pour <x id="3" equiv="{name}"/>, <g id="1">fermer <g id="2">ici</g></g>'
    )


def test_google_entities_and_line_breaks_are_decoded() -> None:
    segment = inline.parse('Don\'t "quote" <g id="1">me</g>\nplease &lt;3')
    sent = codes.HTML.encode(segment)
    assert sent == 'Don\'t "quote" <span id="1">me</span><br>please &lt;3'
    reply = "N&#39;en &quot;citez&quot; pas <SPAN id=1>moi</SPAN><br/>svp &lt;3&nbsp;!"
    assert codes.HTML.decode(reply, segment).canonical() == (
        'N\'en "citez" pas <g id="1">moi</g>\nsvp &lt;3\xa0!'
    )


def test_tokens_spaced_out_or_lower_cased_are_read() -> None:
    reply = "Cliquez [ x0x ]Enregistrer & [X 1 X]fermer[X2X] [X3X] pour [x4X]."
    assert codes.TOKENS.decode(reply, SEGMENT).canonical() == (
        'Cliquez <g id="1">Enregistrer &amp; <g id="2">fermer</g> </g> pour '
        '<x id="3" equiv="{name}"/>.'
    )


def test_a_text_shaped_like_a_token_is_not_sent_as_tokens() -> None:
    with pytest.raises(codes.Unencodable):
        codes.TOKENS.encode(inline.parse('Keep [X0X] <x id="1"/>'))


@pytest.mark.parametrize(
    ("codec", "reply", "problem"),
    [
        (codes.XML, 'a <g id="9">b</g>', "does not have"),
        (codes.XML, 'a <b>b</b> <g id="1"><g id="2">c</g></g><x id="3"/>', "markup"),
        (codes.XML, '<g id="1"><g id="2">c</g><x id="3"/>', "never closed"),
        (codes.XML_IGNORED, '<g id="1"><g id="2">c</g></g><x id="3">kept', "never closed"),
        (codes.XML_IGNORED, '<g id="1"><g id="2">c</g></g><x id="3">{name} x</x>', "changed"),
        (codes.HTML, '<span id="1"><span id="2">c</span></span><span id="3">b</span>', "changed"),
        (codes.HTML, '<span id="1"><span id="2">c</span></span></span>', "without its opening"),
        (codes.HTML, "<span>no id</span>", "without its id"),
        (codes.TOKENS, "[X0X]a[X1X]b[X3X]c[X2X][X4X]", "closed inside"),
        (codes.TOKENS, "[X0X]a[X1X]b[X2X][X3X][X4X][X5X]", "not sent"),
    ],
)
def test_replies_whose_codes_cannot_be_read_are_broken(
    codec: codes.Codec, reply: str, problem: str
) -> None:
    with pytest.raises(codes.Broken, match=problem):
        codec.decode(reply, SEGMENT)


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ('a <g id="1">b <g id="2">c</g></g>', "code 3 is missing"),
        ('<x id="3"/><g id="1">b <g id="2">c</g></g><x id="3"/>', "appears twice"),
        ('<x id="1"/><g id="2">c</g><x id="3"/>', "kind"),
    ],
)
def test_what_reads_back_is_then_checked_code_by_code(reply: str, problem: str) -> None:
    found = inline.code_problem(SEGMENT, codes.XML.decode(reply, SEGMENT).canonical())
    assert found is not None
    assert problem in found
