"""Translation memory as TMX: codes travel as TMX inline elements, keys survive."""

from __future__ import annotations

import pytest
from lxml import etree

from workbench import inline
from workbench.batch.memory import MemoryKey, text_hash
from workbench.batch.tmx import Entry, from_tmx, to_tmx
from workbench.errors import InvalidInput

KEY = MemoryKey("deepl", "", "en", "fr", "abc123")
WITH_CODES = Entry(
    KEY,
    'Open <g id="1">the <g id="b">new</g> file</g> <x id="2" equiv="{name}"/> &amp; go',
    'Ouvrez <g id="1">le <g id="b">nouveau</g> fichier</g> <x id="2" equiv="{name}"/> &amp; allez',
)


def test_entries_come_back_under_the_same_key() -> None:
    plain = Entry(MemoryKey("pseudo", "", "", "de"), "a &lt; b", "[á &lt; b]")
    entries = [WITH_CODES, plain, Entry(KEY, "Save all files", "Tout enregistrer")]
    again = from_tmx(to_tmx(entries))
    assert again == entries
    # The memory's key is the hash of the canonical source: the same after the trip.
    assert [text_hash(entry.source) for entry in again] == [text_hash(e.source) for e in entries]


def test_codes_are_tmx_tags_and_text_is_text() -> None:
    document = etree.fromstring(to_tmx([WITH_CODES]))
    seg = document.find("body/tu/tuv/seg")
    assert seg is not None
    assert [(child.tag, dict(child.attrib)) for child in seg] == [
        ("bpt", {"i": "1", "x": "1"}),
        ("bpt", {"i": "2", "x": "b"}),
        ("ept", {"i": "2"}),
        ("ept", {"i": "1"}),
        ("ph", {"x": "2"}),
    ]
    assert seg[4].text == "{name}"
    # A reader of the TMX sees the text, not our canonical XML.
    assert "".join(seg.itertext()) == "Open the new file {name} & go"
    assert "&lt;g" not in to_tmx([WITH_CODES]).decode()


def test_another_tools_tags_become_codes() -> None:
    data = b"""<?xml version="1.0"?>
<tmx version="1.4"><header srclang="en-US" segtype="sentence" o-tmf="x" adminlang="en"
 datatype="html" creationtool="x" creationtoolversion="1"/>
<body><tu>
 <tuv xml:lang="en-US"><seg>Press <bpt i="7">&lt;b&gt;</bpt>Save<ept i="7">&lt;/b&gt;</ept>
 <ph>&lt;br/&gt;</ph> <hi>now</hi><ut>{\\b}</ut>!</seg></tuv>
 <tuv xml:lang="fr-FR"><seg>Appuyez sur <bpt i="7">&lt;b&gt;</bpt>Enregistrer<ept i="7"/>
 </seg></tuv>
</tu></body></tmx>"""
    (entry,) = from_tmx(data)
    assert (entry.key.source_lang, entry.key.target_lang) == ("en-US", "fr-FR")
    source = inline.parse(entry.source)
    assert [code.kind for code in source.codes] == [
        inline.Kind.OPEN,
        inline.Kind.CLOSE,
        inline.Kind.STANDALONE,
        inline.Kind.OPEN,
        inline.Kind.CLOSE,
    ]
    assert source.readable == "Press Save\n <br/> now!"
    assert inline.parse(entry.target).prose == "Appuyez sur Enregistrer\n "


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<tmx><body><tu", "not well-formed"),
        (b"<xliff/>", "not a TMX file"),
        (
            b'<tmx><body><tu srclang="en"><tuv xml:lang="en"><seg><bpt i="1"/>a<ept i="2"/>'
            b'</seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu></body></tmx>',
            "do not pair up",
        ),
        (
            b'<tmx><body><tu srclang="en"><tuv xml:lang="en"><seg><bpt i="1"/><hi>a<ept i="1"/>'
            b'</hi></seg></tuv><tuv xml:lang="fr"><seg>b</seg></tuv></tu></body></tmx>',
            "do not pair up",
        ),
    ],
)
def test_a_broken_tmx_is_refused_in_one_line(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        from_tmx(data)
