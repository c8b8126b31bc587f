"""SRT: any encoding in, the same encoding out; a cue is one segment with its tags as codes,
wrapped back to its number of lines; numbers, timings and blank lines kept byte for byte."""

from __future__ import annotations

import codecs
import dataclasses

import pytest

from workbench import inline
from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.errors import InvalidInput

CUES = (
    "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello there.\r\nSecond line.\r\n\r\n"
    "2\r\n00:00:03,000 --> 00:00:04,000\r\nBye.\r\n"
)


def read(data: bytes, **options: object) -> Document:
    return format_for("movie.srt").read(data, FormatOptions(**options))  # type: ignore[arg-type]


def translated(document: Document, *replacements: tuple[str, str]) -> bytes:
    """The document rendered with each canonical segment's words replaced as given."""
    out = []
    for text in document.texts:
        for old, new in replacements:
            text = text.replace(old, new)
        out.append(text)
    return document.render(out)


# --- the defects of issue 16, each from a minimal file --------------------------------------


def test_a_windows_1252_file_is_read_and_written_back_in_windows_1252() -> None:
    data = "1\r\n00:00:01,000 --> 00:00:02,000\r\nCafé crème, s'il vous plaît.\r\n".encode("cp1252")
    document = read(data)
    assert document.texts == ["Café crème, s'il vous plaît."]
    out = translated(document, ("Café crème, s'il vous plaît.", "Ein Kaffee, bitte schön."))
    assert out == "1\r\n00:00:01,000 --> 00:00:02,000\r\nEin Kaffee, bitte schön.\r\n".encode(
        "cp1252"
    )


def test_a_gb2312_file_is_read_and_written_back_in_gb2312() -> None:
    data = "1\n00:00:27,000 --> 00:00:30,730\n宇宙守护神  保护我们远离邪恶\n".encode("gb2312")
    document = read(data)
    assert document.texts == ["宇宙守护神  保护我们远离邪恶"]
    out = translated(document, ("宇宙守护神  保护我们远离邪恶", "宇宙的守护神"))
    assert out == "1\n00:00:27,000 --> 00:00:30,730\n宇宙的守护神\n".encode("gb2312")


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"])
def test_utf16_and_utf32_files_keep_their_encoding_and_byte_order_mark(codec: str) -> None:
    bom = {
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
    }[codec]
    document = read(bom + CUES.encode(codec))
    assert document.texts == ["Hello there. Second line.", "Bye."]
    out = translated(document, ("Hello there. Second line.", "Bonjour. Deuxième ligne."))
    expected = CUES.replace("Hello there.\r\nSecond line.", "Bonjour.\r\nDeuxième ligne.")
    assert out == bom + expected.encode(codec)


def test_a_utf8_byte_order_mark_is_kept() -> None:
    document = read(codecs.BOM_UTF8 + CUES.encode())
    out = translated(document, ("Bye.", "Salut."))
    assert out == codecs.BOM_UTF8 + CUES.replace("Bye.", "Salut.").encode()


# --- segments and codes -------------------------------------------------------------------------


def test_a_cues_lines_are_one_segment_wrapped_back_to_as_many_balanced_lines() -> None:
    data = (
        b"7\n00:01:05,500 --> 00:01:07,000\n"
        b"They're coming to get you,\nBarbara! They are.\nRun.\n\n\n"
        b"8\n00:01:08,000 --> 00:01:09,000\nShort.\n"
    )
    document = read(data)
    assert document.texts == ["They're coming to get you, Barbara! They are. Run.", "Short."]
    assert [segment.where for segment in document.segments] == ["subtitle 7", "subtitle 8"]
    out = document.render(["Ils viennent te chercher, Barbara ! Oui, vraiment. Cours.", "Court."])
    assert out == (
        b"7\n00:01:05,500 --> 00:01:07,000\n"
        b"Ils viennent te\nchercher, Barbara !\nOui, vraiment. Cours.\n\n\n"
        b"8\n00:01:08,000 --> 00:01:09,000\nCourt.\n"
    )


def test_styling_tags_are_paired_codes_and_ass_overrides_standalone_codes() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\n"
        b'{\\an8}<i>The <font color="#ffff00">yellow</font> house</i>\n'
    )
    document = read(data)
    assert document.texts == [
        '<x id="1"/><g id="2">The <g id="3">yellow</g> house</g>',
    ]
    tagged = inline.parse(document.texts[0])
    assert tagged.prose == "The yellow house"
    # French puts the colour after the noun: the formatted word moves and keeps its tag.
    out = document.render(['<x id="1"/><g id="2">La maison <g id="3">jaune</g></g>'])
    assert out == (
        b"1\n00:00:01,000 --> 00:00:02,000\n"
        b'{\\an8}<i>La maison <font color="#ffff00">jaune</font></i>\n'
    )


def test_lines_each_in_italics_make_one_italic_span() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\n<i>I used to want</i>\n<i>to save the world.</i>\n"
    document = read(data)
    assert document.texts == ['<g id="1">I used to want to save the world.</g>']
    out = document.render(['<g id="1">Autrefois je voulais sauver le monde.</g>'])
    assert out == (
        b"1\n00:00:01,000 --> 00:00:02,000\n<i>Autrefois je voulais\nsauver le monde.</i>\n"
    )


def test_unpaired_and_unknown_tags_and_entities_are_standalone_codes() -> None:
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\n"
        b"<i>Unterminated &amp; <br/>styles 2<3,5>1 <x_tag>hidden</x_tag>\n"
    )
    document = read(data)
    assert document.texts == [
        '<x id="1"/>Unterminated <x id="2" equiv="&amp;"/> <x id="3"/>styles 2&lt;3,5&gt;1 '
        '<g id="4">hidden</g>'
    ]
    assert document.render(document.texts) == data


def test_a_dialogue_cue_breaks_before_each_speakers_dash() -> None:
    data = b"3\n00:01:07,200 --> 00:01:08,000\n- Stop it, please!\n- No.\n"
    document = read(data)
    assert document.texts == ["- Stop it, please! - No."]
    out = document.render(["- Arrête, s'il te plaît, arrête tout de suite ! - Non."])
    assert out == (
        b"3\n00:01:07,200 --> 00:01:08,000\n"
        b"- Arr\xc3\xaate, s'il te pla\xc3\xaet, arr\xc3\xaate tout de suite !\n- Non.\n"
    )


def test_chinese_is_wrapped_between_characters_never_before_closing_punctuation() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\nHello there,\nmy friend.\n"
    document = read(data)
    out = document.render(["你好，我的朋友。今天天气很好。"]).decode()
    assert out == "1\n00:00:01,000 --> 00:00:02,000\n你好，我的朋友。\n今天天气很好。\n"


def test_a_translation_with_fewer_words_than_lines_takes_fewer_lines() -> None:
    document = read(b"1\r\n00:00:01,000 --> 00:00:02,000\r\nYes,\r\nindeed.\r\n")
    assert document.render(["Oui."]) == b"1\r\n00:00:01,000 --> 00:00:02,000\r\nOui.\r\n"


# --- what is kept --------------------------------------------------------------------------------


def test_a_file_with_nothing_translated_comes_back_byte_identical() -> None:
    data = (
        b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,000  X1:40 X2:600\r\n\xe2\x99\xaa\r\n\r\n\r\n"
        b"2\r\n00:00:03.5 --> 00:00:04\r\n<i>  Spaced   out  </i>\r\n  second  \r\n\r\n"
        b"3\r\n00:00:05,000 --> 00:00:06,000\r\n\r\n"
        b"4\r\n00:00:07,000 --> 00:00:08,000\r\nno final line break"
    )
    document = read(data)
    assert document.render(document.texts) == data


def test_numbers_timings_and_blank_lines_stay_when_text_changes() -> None:
    data = (
        b"\n\n10\n00:00:01,000 --> 00:00:02,000 X1:1\nOne\n\n\n\n"
        b"11\n00:00:03,000 --> 00:00:04,000\n\n"
        b"12\n00:00:05,000 --> 00:00:06,000\nThree\n  \n"
    )
    document = read(data)
    assert document.texts == ["One", "Three"]
    assert document.render(["Un", "Trois"]) == (
        b"\n\n10\n00:00:01,000 --> 00:00:02,000 X1:1\nUn\n\n\n\n"
        b"11\n00:00:03,000 --> 00:00:04,000\n\n"
        b"12\n00:00:05,000 --> 00:00:06,000\nTrois\n  \n"
    )


def test_old_mac_line_endings_are_kept() -> None:
    document = read(b"1\r00:00:01,000 --> 00:00:02,000\rHello there,\rfriend.\r")
    assert document.texts == ["Hello there, friend."]
    assert document.render(["Salut, l'ami, comment vas-tu ?"]) == (
        b"1\r00:00:01,000 --> 00:00:02,000\rSalut, l'ami,\rcomment vas-tu ?\r"
    )


def test_cues_without_numbers_or_blank_lines_between_are_read_as_players_do() -> None:
    data = (
        b"00:00:01,000 --> 00:00:02,000\nFirst\n\nstill first\n"
        b"2\n00:00:03,000 --> 00:00:04,000\nSecond\n"
    )
    document = read(data)
    assert document.texts == ["First still first", "Second"]
    assert [segment.where for segment in document.segments] == ["subtitle 1", "subtitle 2"]
    out = document.render(["Premier, encore", "Deuxième"])
    assert out == (
        b"00:00:01,000 --> 00:00:02,000\nPremier,\n\nencore\n"
        b"2\n00:00:03,000 --> 00:00:04,000\nDeuxi\xc3\xa8me\n"
    )


def test_a_translation_that_breaks_a_code_leaves_its_cue_as_it_was_and_says_so() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\n<i>Hello</i>\n"
    document = read(data)
    assert document.render(["Bonjour"]) == data
    assert document.notes == [
        "subtitle 1 was left untranslated: its translation broke a code (code 1 is missing)"
    ]


def test_a_translation_windows_1252_cannot_hold_is_written_as_utf8_with_bom() -> None:
    data = "1\r\n00:00:01,000 --> 00:00:02,000\r\nCafé\r\n".encode("cp1252")
    document = read(data)
    out = document.render(["咖啡"])
    assert out == codecs.BOM_UTF8 + "1\r\n00:00:01,000 --> 00:00:02,000\r\n咖啡\r\n".encode()
    assert document.notes[0].startswith("written as UTF-8 with BOM")


# --- refused -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1\nnot a timing\nText\n", r"malformed at subtitle 1 \(line 1\): expected a number"),
        (b"\n\nTitle\n1\n00:00:01,000 --> 00:00:02,000\nA\n", r"at subtitle 1 \(line 3\)"),
        (b"\n\n", "this SRT file has no subtitles"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data, not SRT text"),
        (b"1\n00:00:01,000 --> 00:00:02,000\n\x81\x8d\x81\n", r"byte 0x81 .* \(line 3\)$"),
    ],
)
def test_malformed_files_are_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        read(data)
    assert "\n" not in str(caught.value)


def test_the_subtitle_limit_is_checked_while_reading() -> None:
    cue = b"1\n00:00:01,000 --> 00:00:02,000\nText\n\n"
    limits = dataclasses.replace(FormatOptions().limits, segments=3)
    assert len(read(cue * 3, limits=limits).segments) == 3
    with pytest.raises(InvalidInput, match=r"^this SRT file has more than 3 subtitles; the limit"):
        read(cue * 4, limits=limits)
