"""Translation memory as TMX 1.4, the exchange format of CAT tools.

The memory stores canonical segments (:mod:`workbench.inline`); a TMX segment holds text
and TMX's own inline elements. Codes are written as those elements, never as escaped XML
text, so another tool shows them as tags and the entry comes back under the same key:

- a paired code is ``<bpt i="n" x="ID"/>`` … ``<ept i="n"/>`` (``i`` pairs them, ``x``
  keeps our id);
- a standalone code is ``<ph x="ID">equiv</ph>``: TMX puts native code inside ``<ph>``,
  and what we know of it is what it stands for (``{name}``, a URL).

Reading takes the same elements from any tool: ``<bpt>``/``<ept>`` pair by ``i``,
``<ph>`` and ``<it>`` are standalone codes (their content is the code's ``equiv``),
``<hi>`` is a paired code around its text, ``<ut>`` is dropped. An id missing or used
twice is numbered afresh. Properties name the memory's key (provider, model, glossary
checksum); ``srclang="*all*"`` is a memory entry whose source language was detected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from workbench import inline
from workbench.batch.memory import MemoryKey
from workbench.errors import InvalidInput

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ANY_LANGUAGE = "*all*"
UNDETERMINED = "und"  # BCP 47: the source language of an entry that detected it
_PROPERTIES = ("provider", "model", "glossary_checksum")


@dataclass(frozen=True)
class Entry:
    key: MemoryKey
    source: str  # canonical
    target: str  # canonical


def to_tmx(entries: Iterable[Entry]) -> bytes:
    root = etree.Element("tmx", version="1.4")
    etree.SubElement(
        root,
        "header",
        creationtool="Translation Workbench",
        creationtoolversion="1",
        segtype="sentence",
        adminlang="en",
        srclang=ANY_LANGUAGE,
        datatype="plaintext",
        **{"o-tmf": "workbench"},
    )
    body = etree.SubElement(root, "body")
    for entry in entries:
        unit = etree.SubElement(body, "tu", srclang=entry.key.source_lang or ANY_LANGUAGE)
        for name in _PROPERTIES:
            value = getattr(entry.key, name)
            if value:
                etree.SubElement(unit, "prop", type=f"x-{name}").text = value
        for language, text in (
            (entry.key.source_lang or UNDETERMINED, entry.source),
            (entry.key.target_lang, entry.target),
        ):
            variant = etree.SubElement(unit, "tuv", {XML_LANG: language})
            _write_segment(etree.SubElement(variant, "seg"), inline.parse(text))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def from_tmx(data: bytes) -> list[Entry]:
    """The entries of a TMX file (one per target variant); InvalidInput if it is none.

    A unit's source variant is the one in its ``srclang`` (else the header's); with
    ``*all*`` it is the first.
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"this TMX file is not well-formed XML ({exc.msg})") from exc
    if root.tag != "tmx":
        raise InvalidInput("this is not a TMX file: its root element is not <tmx>")
    header = root.find("header")
    default_lang = header.get("srclang", ANY_LANGUAGE) if header is not None else ANY_LANGUAGE
    entries = []
    for unit in root.iter("tu"):
        properties = {p.get("type", ""): p.text or "" for p in unit.findall("prop")}
        variants = [
            (variant.get(XML_LANG, ""), seg)
            for variant in unit.findall("tuv")
            if (seg := variant.find("seg")) is not None
        ]
        wanted = unit.get("srclang", default_lang).lower()
        sources = [
            number
            for number, (lang, _) in enumerate(variants)
            if wanted == lang.lower() or (wanted == ANY_LANGUAGE.lower() and number == 0)
        ]
        if not sources:
            continue
        source_lang, source_seg = variants[sources[0]]
        source = _read_segment(source_seg)
        for number, (target_lang, seg) in enumerate(variants):
            if number == sources[0]:
                continue
            key = MemoryKey(
                provider=properties.get("x-provider", ""),
                model=properties.get("x-model", ""),
                source_lang="" if source_lang.lower() == UNDETERMINED else source_lang,
                target_lang=target_lang,
                glossary_checksum=properties.get("x-glossary_checksum", ""),
            )
            entries.append(Entry(key, source, _read_segment(seg)))
    return entries


def _write_segment(seg: etree._Element, segment: inline.Tagged) -> None:
    """Fill ``seg`` with the segment's text and codes as TMX inline elements."""
    last: etree._Element | None = None
    pairs: list[str] = []
    numbers: dict[str, int] = {}

    def add_text(text: str) -> None:
        if last is None:
            seg.text = (seg.text or "") + text
        else:
            last.tail = (last.tail or "") + text

    for part in segment.parts:
        if isinstance(part, str):
            add_text(part)
            continue
        if part.kind is inline.Kind.OPEN:
            numbers[part.id] = len(numbers) + 1
            pairs.append(part.id)
            last = etree.SubElement(seg, "bpt", i=str(numbers[part.id]), x=part.id)
        elif part.kind is inline.Kind.CLOSE:
            last = etree.SubElement(seg, "ept", i=str(numbers[pairs.pop()]))
        else:
            last = etree.SubElement(seg, "ph", x=part.id)
            last.text = part.equiv or None


def _read_segment(seg: etree._Element) -> str:
    """The canonical form of a TMX ``<seg>``."""
    builder = inline.Builder()
    used: set[str] = set()
    opened: list[str | None] = []  # the ``i`` of each open <bpt> (None: <hi>), innermost last

    def code_id(wanted: str | None) -> str | None:
        """Another tool's id if it is one we can keep, else None (numbered afresh)."""
        if wanted is None or wanted in used or not _ID.fullmatch(wanted):
            return None
        return wanted

    def walk(element: etree._Element) -> None:
        builder.text(element.text or "")
        for child in element:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "bpt":
                used.add(builder.open(code_id(child.get("x"))))
                opened.append(child.get("i", ""))
            elif tag == "ept":
                if not opened or opened.pop() != child.get("i", ""):
                    raise InvalidInput("a TMX segment's <bpt> and <ept> tags do not pair up")
                builder.close()
            elif tag in ("ph", "it"):
                used.add(builder.code("".join(child.itertext()), code_id(child.get("x"))))
            elif tag == "hi":
                used.add(builder.open(code_id(child.get("x"))))
                opened.append(None)  # an <ept> inside may not close a <bpt> outside
                walk(child)
                if opened.pop() is not None:
                    raise InvalidInput("a TMX segment's <bpt> and <ept> tags do not pair up")
                builder.close()
            builder.text(child.tail or "")

    walk(seg)
    if opened:
        raise InvalidInput("a TMX segment's <bpt> and <ept> tags do not pair up")
    return builder.canonical()


_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
