"""The one text decoder: every encoding people save text in is recognised and written back
byte for byte; binary and undecodable data get one clear line."""

from __future__ import annotations

import codecs

import pytest

from workbench.textfiles import Undecodable, decode_text, sniff_delimiter

FRENCH = "L'été dernier, « Chez Léon » près de la forêt.\r\nÇa coûte 5 € à Noël.\r\n"
GERMAN = "Größe und Maß: die Straße führt über die Brücke.\n"
PORTUGUESE = "A informação e a situação da nação são difíceis; não há solução.\n"
CHINESE = "1\n00:00:27,000 --> 00:00:30,730\n宇宙守护神  保护我们远离邪恶\n一二三，好吗？\n"
JAPANESE = "こんにちは、世界！これはテストの字幕です。明日また会いましょう。\n"
LATIN = "Hello, world.\nSecond line.\n"

ENCODED = {  # name: (bytes, the text, how the decoder names the encoding)
    "utf-8": (FRENCH.encode(), FRENCH, "UTF-8"),
    "utf-8 bom": (codecs.BOM_UTF8 + FRENCH.encode(), FRENCH, "UTF-8 with BOM"),
    "utf-16 le bom": (
        codecs.BOM_UTF16_LE + FRENCH.encode("utf-16-le"),
        FRENCH,
        "UTF-16 LE with BOM",
    ),
    "utf-16 be bom": (
        codecs.BOM_UTF16_BE + FRENCH.encode("utf-16-be"),
        FRENCH,
        "UTF-16 BE with BOM",
    ),
    "utf-32 le bom": (
        codecs.BOM_UTF32_LE + FRENCH.encode("utf-32-le"),
        FRENCH,
        "UTF-32 LE with BOM",
    ),
    "utf-32 be bom": (
        codecs.BOM_UTF32_BE + FRENCH.encode("utf-32-be"),
        FRENCH,
        "UTF-32 BE with BOM",
    ),
    "utf-16 le": (FRENCH.encode("utf-16-le"), FRENCH, "UTF-16 LE"),
    "utf-16 be": (FRENCH.encode("utf-16-be"), FRENCH, "UTF-16 BE"),
    "utf-32 le": (FRENCH.encode("utf-32-le"), FRENCH, "UTF-32 LE"),
    "utf-32 be": (FRENCH.encode("utf-32-be"), FRENCH, "UTF-32 BE"),
    # U+4E00 puts its NUL byte on the other side: the pattern holds for most, not all.
    "utf-16 le chinese": (CHINESE.encode("utf-16-le"), CHINESE, "UTF-16 LE"),
    "cp1252 french": (FRENCH.encode("cp1252"), FRENCH, "Windows-1252"),
    "cp1252 german": (GERMAN.encode("cp1252"), GERMAN, "Windows-1252"),
    "cp1252 portuguese": (PORTUGUESE.encode("cp1252"), PORTUGUESE, "Windows-1252"),
    "gb2312": (CHINESE.encode("gb2312"), CHINESE, "GB18030"),
    "gb18030": ((CHINESE + "𠀀\n").encode("gb18030"), CHINESE + "𠀀\n", "GB18030"),
    "shift-jis": (JAPANESE.encode("cp932"), JAPANESE, "Shift-JIS"),
    "ascii": (LATIN.encode(), LATIN, "UTF-8"),
}


@pytest.mark.parametrize("name", list(ENCODED))
def test_each_encoding_is_recognised_and_written_back_alike(name: str) -> None:
    data, text, label = ENCODED[name]
    decoded = decode_text(data, "SRT")
    assert (decoded.text, decoded.label) == (text, label)
    assert decoded.encode(decoded.text) == data
    assert decoded.encode("Bonjour") == decoded.bom + "Bonjour".encode(decoded.encoding)


def test_the_line_ending_is_the_first_one() -> None:
    assert decode_text(b"a\r\nb\nc", "text").newline == "\r\n"
    assert decode_text(b"a\rb\rc", "text").newline == "\r"
    assert decode_text(b"one line", "text").newline == "\n"


def test_a_translation_the_legacy_encoding_cannot_hold_is_written_as_utf8_with_bom() -> None:
    decoded = decode_text(FRENCH.encode("cp1252"), "SRT")
    notes: list[str] = []
    assert decoded.encode("你好", notes) == codecs.BOM_UTF8 + "你好".encode()
    assert notes == [
        "written as UTF-8 with BOM: the translation has characters ('你好'…) "
        "that Windows-1252 cannot hold"
    ]


def test_unicode_formats_refuse_legacy_encodings_and_keep_boms() -> None:
    with pytest.raises(Undecodable, match=r"^this JSON file is not UTF-8 \(byte 0xf6\); "):
        decode_text(GERMAN.encode("cp1252"), "JSON", legacy=False)
    decoded = decode_text(codecs.BOM_UTF8 + b'{"a": "b"}', "JSON", legacy=False)
    assert decoded.text == '{"a": "b"}'
    assert decoded.encode('{"a": "c"}') == codecs.BOM_UTF8 + b'{"a": "c"}'


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (PNG, "this is binary data, not SRT text: it has NUL bytes", None),
        (b"1\n2\n\x81\x8d\x81\x8d\n", "byte 0x81 is not UTF-8, and the file does not read as", 3),
        (b"ok\n" + "中文字幕".encode("big5") + b"\n", "byte 0xa4 is not UTF-8", 2),
        (
            codecs.BOM_UTF16_LE + "a\nb\n".encode("utf-16-le") + b"\x00\xd8",
            "the file starts with a UTF-16 byte order mark but is not valid UTF-16 here",
            3,
        ),
        (
            codecs.BOM_UTF8 + b"ok\n\xff\n",
            "the file starts with a UTF-8 byte order mark but is not valid UTF-8 here",
            2,
        ),
    ],
    ids=["binary", "undecodable", "unknown asian encoding", "broken utf-16", "broken utf-8"],
)
def test_binary_and_undecodable_data_is_refused_in_one_line(
    data: bytes, message: str, line: int | None
) -> None:
    with pytest.raises(Undecodable) as caught:
        decode_text(data, "SRT")
    error = caught.value
    assert message in error.detail
    assert error.line == line
    assert "\n" not in str(error)
    assert str(error).endswith(f"(line {line})" if line else "UTF-8")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("id,text\n1,Hello; world\n2,Bye; now\n", ","),
        ("id;text\n1;Hello, world\n2;Bye, now\n", ";"),
        ("id\ttext\n1\tHello, world; again\n", "\t"),
        ('id,text\n1,"a;b;c"\n2,"d;e;f"\n', ","),
        ("single column\nHello, world\nBye\n", ","),
        ("", ","),
    ],
)
def test_sniff_delimiter(text: str, delimiter: str) -> None:
    assert sniff_delimiter(text) == delimiter


def test_a_known_header_decides_the_delimiter() -> None:
    text = "source_term;target_term,note\ncat;chat,x\n"
    assert sniff_delimiter(text) == ";"  # both split every line in two; the rarer wins
    assert sniff_delimiter(text, is_header=lambda cells: "target_term,note" in cells) == ";"
    assert sniff_delimiter(text, is_header=lambda cells: "note" in cells) == ","
