"""WordprocessingML paragraphs as segments with inline codes, and back.

A *story* is one XML part holding paragraphs (the body, a header, the footnotes…). Every
paragraph with text is one segment, wherever it sits: tables (nested too), content
controls, text boxes (``w:txbxContent``, in DrawingML and VML alike).

Inside a paragraph:

- text keeps its formatting as paired codes: the formatting most of the text carries is
  the paragraph's base and needs no code; each stretch in another formatting is one
  ``<g>``. Runs that differ only in revision ids are the same formatting, so Word's
  arbitrary run splits never reach the translator;
- hyperlinks, inserted text, smart tags and inline content controls are paired codes
  wrapping their text (a link's text is translated and may move in the sentence);
- everything else is a standalone code kept as it is: tabs, breaks, fields' characters
  and instructions, fields (``w:fldSimple``), bookmarks, comment marks, footnote
  references, drawings, deleted text, math. Side by side ones are one code.

Rendering rebuilds a paragraph whose translation differs from its source: the text in
new runs carrying the formatting of its code, the codes' own elements put back in their
new places (the very elements, so a text box inside a drawing keeps its translation).
Spelling marks (``w:proofErr``) and last-rendered page breaks of a rebuilt paragraph are
dropped: they describe the old text, and Word recomputes them. Paragraphs whose
translation is their source are not touched, and a story with none changed is not
written again.

A text box in ``mc:AlternateContent`` is translated in its ``mc:Choice``; the
``mc:Fallback`` (the same text box for older readers) gets the same translations, each
paragraph rebuilt with its own codes (its bookmarks keep their own ids). Transitional
and Strict namespaces are both read: the element names are the same.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree

from workbench import inline

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
# Characters XML 1.0 cannot hold: a translation carrying one would make the part unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*\?>\s*")

# Elements that wrap runs inside a paragraph and become paired codes.
_WRAPPERS = frozenset({"hyperlink", "ins", "moveTo", "smartTag", "customXml", "sdt", "dir", "bdo"})
# Run content kept with the text around it as a code, and what a reader sees in its place.
_EQUIVALENTS = {"tab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
# Cached layout and spelling state: meaningless once the text changes.
_STALE = frozenset({"proofErr", "lastRenderedPageBreak"})


class _Names:
    """Tag names in one WordprocessingML namespace (transitional or Strict)."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._locals: dict[object, str | None] = {}
        self.p = self.tag("p")
        self.r = self.tag("r")
        self.t = self.tag("t")
        self.rPr = self.tag("rPr")
        self.pPr = self.tag("pPr")
        self.txbxContent = self.tag("txbxContent")
        self.sdtContent = self.tag("sdtContent")
        self.fldChar = self.tag("fldChar")

    def tag(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}"

    def local(self, element: etree._Element) -> str | None:
        """The local name of a WordprocessingML element; None for other namespaces."""
        tag = element.tag
        try:
            return self._locals[tag]
        except KeyError:
            prefix = f"{{{self.namespace}}}"
            local = tag[len(prefix) :] if isinstance(tag, str) and tag.startswith(prefix) else None
            self._locals[tag] = local
            return local


# --- a paragraph's content, flattened -------------------------------------------------


@dataclass
class _Text:
    text: str
    rpr: etree._Element | None
    key: bytes  # the formatting, as serialized run properties


@dataclass
class _Code:
    # What goes back in the code's place: elements as they are, or run content (tabs,
    # breaks…) as a list of children to put in a new run with the given properties.
    pieces: list[etree._Element | tuple[etree._Element | None, list[etree._Element]]]
    equiv: str
    key: bytes  # for run content: its run's formatting; b"" otherwise


@dataclass
class _Wrapper:
    element: etree._Element
    atoms: list[_Text | _Code | _Wrapper] = field(default_factory=list)
    base: etree._Element | None = None  # the formatting of its text outside format codes

    @property
    def has_text(self) -> bool:
        return any(
            isinstance(atom, _Text) or (isinstance(atom, _Wrapper) and atom.has_text)
            for atom in self.atoms
        )


_Atom = _Text | _Code | _Wrapper


@dataclass(frozen=True)
class _Format:
    rpr: etree._Element | None


@dataclass(frozen=True)
class _Paragraph:
    """A paragraph as a segment: its canonical text and what each code stands for."""

    tagged: inline.Tagged
    text: str  # its canonical form
    codes: dict[str, _Format | _Wrapper | _Code]
    base: etree._Element | None  # the formatting of text outside format codes
    # Codes before the first text and after the last one (a footnote's mark, a trailing
    # bookmark) stay at the paragraph's ends: they are no part of the sentence.
    lead: _Code | None
    trail: _Code | None


def _flatten(container: etree._Element, names: _Names) -> list[_Atom]:
    atoms: list[_Atom] = []
    children = [child for child in container if isinstance(child.tag, str)]
    in_fields = _fields(children, names) if _has(container, names.fldChar) else set()
    for index, child in enumerate(children):
        local = names.local(child)
        if index in in_fields:
            _add_code(atoms, child, _result_text(child, names), b"")
        elif local == "r":
            _flatten_run(child, names, atoms)
        elif local in _WRAPPERS:
            holder = child.find(names.sdtContent) if local == "sdt" else child
            wrapper = _Wrapper(child, _flatten(holder, names) if holder is not None else [])
            if wrapper.has_text:
                atoms.append(wrapper)
            else:
                _add_code(atoms, child, "", b"")
        elif local in _STALE or local == "pPr":
            continue  # properties stay first; stale marks are no content
        else:
            _add_code(atoms, child, _equiv_of(child, names), b"")
    return atoms


def _fields(children: list[etree._Element], names: _Names) -> set[int]:
    """The children that belong to a complex field (``w:fldChar`` begin … end) that starts
    and ends among them. Such a field is one code, its result included: a page number, a
    date, a cross-reference are computed, not written. A field spanning paragraphs (a
    table of contents) is left open: its result paragraphs are text to translate."""
    kind = names.tag("fldCharType")
    inside: set[int] = set()
    begins: list[int] = []
    for index, child in enumerate(children):
        if names.local(child) != "r":
            continue
        for mark in child.iterchildren(names.fldChar):  # not those of a text box inside
            if mark.get(kind) == "begin":
                begins.append(index)
            elif mark.get(kind) == "end" and begins:
                start = begins.pop()
                if not begins:
                    inside.update(range(start, index + 1))
    return inside


def _has(element: etree._Element, tag: str) -> bool:
    return next(element.iter(tag), None) is not None


def _result_text(element: etree._Element, names: _Names) -> str:
    return "".join(t.text or "" for t in element.iter(names.t))


def _flatten_run(run: etree._Element, names: _Names, atoms: list[_Atom]) -> None:
    rpr = None
    content = []
    for child in run:
        if child.tag == names.rPr:
            rpr = child
        elif isinstance(child.tag, str):
            content.append(child)
    if not any(child.tag == names.t for child in content):
        # No text: the run is kept whole (with its revision ids), unless it only holds
        # stale marks.
        if any(names.local(child) not in _STALE for child in content):
            _add_code(atoms, run, "".join(_equiv_of(child, names) for child in content), b"")
        return
    key = b"" if rpr is None else etree.tostring(rpr)
    for child in content:
        if child.tag == names.t:
            if child.text:
                atoms.append(_Text(child.text, rpr, key))
        elif names.local(child) not in _STALE:
            _add_run_code(atoms, rpr, key, child, _equiv_of(child, names))


def _add_code(atoms: list[_Atom], element: etree._Element, equiv: str, key: bytes) -> None:
    last = atoms[-1] if atoms else None
    if isinstance(last, _Code):
        last.pieces.append(element)
        last.equiv += equiv
    else:
        atoms.append(_Code([element], equiv, key))


def _add_run_code(
    atoms: list[_Atom],
    rpr: etree._Element | None,
    key: bytes,
    child: etree._Element,
    equiv: str,
) -> None:
    last = atoms[-1] if atoms else None
    if not isinstance(last, _Code):
        atoms.append(_Code([(rpr, [child])], equiv, key))
        return
    tail = last.pieces[-1]
    if isinstance(tail, tuple) and last.key == key:
        tail[1].append(child)
    else:
        last.pieces.append((rpr, [child]))
        last.key = key
    last.equiv += equiv


def _equiv_of(element: etree._Element, names: _Names) -> str:
    local = names.local(element)
    if local == "fldSimple":
        return _result_text(element, names)  # what the field shows: "3" for PAGE
    if local == "br" and element.get(names.tag("type"), "textWrapping") != "textWrapping":
        return ""  # a page or column break is not a line of the sentence
    return _EQUIVALENTS.get(local or "", "")


def _segment(paragraph: etree._Element, names: _Names) -> _Paragraph | None:
    atoms = _flatten(paragraph, names)
    lead, trail = _end_code(atoms, 0), _end_code(atoms, -1)
    builder = inline.Builder()
    codes: dict[str, _Format | _Wrapper | _Code] = {}
    base = _emit(atoms, builder, codes)
    tagged = builder.build()
    if not tagged.prose.strip():
        return None
    return _Paragraph(tagged, tagged.canonical(), codes, base, lead, trail)


def _end_code(atoms: list[_Atom], index: int) -> _Code | None:
    """The code at one end of a paragraph, taken out of it."""
    if atoms and isinstance(atom := atoms[index], _Code):
        del atoms[index]
        return atom
    return None


def _emit(
    atoms: list[_Atom], builder: inline.Builder, codes: dict[str, _Format | _Wrapper | _Code]
) -> etree._Element | None:
    """Add a container's atoms to ``builder``; returns its base formatting: the one most
    of its own text carries, which needs no code."""
    weights: Counter[bytes] = Counter()
    for atom in atoms:
        if isinstance(atom, _Text):
            weights[atom.key] += len(atom.text)
    base_key = weights.most_common(1)[0][0] if weights else None
    base: etree._Element | None = None
    open_key: bytes | None = None
    for index, atom in enumerate(atoms):
        if isinstance(atom, _Text):
            if atom.key == base_key:
                base = atom.rpr
            if atom.key != open_key:
                if open_key is not None:
                    builder.close()
                    open_key = None
                if atom.key != base_key:
                    codes[builder.open()] = _Format(atom.rpr)
                    open_key = atom.key
            builder.text(atom.text)
            continue
        if open_key is not None and not _continues(atoms, index, open_key):
            builder.close()
            open_key = None
        if isinstance(atom, _Code):
            codes[builder.code(atom.equiv)] = atom
        else:
            codes[builder.open()] = atom
            atom.base = _emit(atom.atoms, builder, codes)
            builder.close()
    if open_key is not None:
        builder.close()
    return base


def _continues(atoms: list[_Atom], index: int, key: bytes) -> bool:
    """Whether the code at ``index`` sits inside a stretch of formatting ``key``: the
    next text (before any wrapper) has it too, so one paired code spans both sides."""
    for atom in atoms[index + 1 :]:
        if isinstance(atom, _Text):
            return atom.key == key
        if isinstance(atom, _Wrapper):
            return False
    return False


# --- a story --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """A story parsed and segmented: its tree, its paragraphs' segments by position."""

    root: etree._Element
    names: _Names
    segmented: dict[int, _Paragraph]
    paragraphs: list[etree._Element]
    mirrors: dict[etree._Element, etree._Element]

    @classmethod
    def of(cls, xml: bytes) -> _Parsed:
        root = etree.fromstring(xml, _PARSER)
        names = _Names(etree.QName(root).namespace or "")
        paragraphs, mirrors = _paragraphs(root, names)
        segmented = {}
        for position, element in enumerate(paragraphs):
            paragraph = _segment(element, names)
            if paragraph is not None:
                segmented[position] = paragraph
        return cls(root, names, segmented, paragraphs, mirrors)


class Story:
    """One part of paragraphs: its segments, and its translations written back."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml
        parsed = _Parsed.of(xml)
        self.segments = tuple(paragraph.text for paragraph in parsed.segmented.values())
        self.page_kinds = _page_kinds(parsed.root, parsed.names)
        self._positions = tuple(parsed.segmented)
        # The tree read is edited by the first render that changes it (there is usually
        # one); a later one parses the part again.
        self._unused: _Parsed | None = parsed

    def render(self, translations: Sequence[str]) -> bytes | None:
        """The part with ``translations`` in place; None when none differs from its
        source (the part is then kept as it was)."""
        if all(t == s for t, s in zip(translations, self.segments, strict=True)):
            return None
        parsed, self._unused = self._unused or _Parsed.of(self.xml), None
        names = parsed.names
        changed = False
        for position, source, translation in zip(
            self._positions, self.segments, translations, strict=True
        ):
            paragraph = parsed.segmented[position]
            # The engine hands over translations whose codes hold; one that does not is
            # left in its source language rather than written broken.
            if translation == source or inline.code_problem(paragraph.tagged, translation):
                continue
            tagged = inline.parse(translation)
            element = parsed.paragraphs[position]
            _rebuild(element, paragraph, tagged, names)
            mirror = parsed.mirrors.get(element)
            mirrored = _segment(mirror, names) if mirror is not None else None
            if mirror is not None and mirrored is not None:  # it has the same text
                _rebuild(mirror, mirrored, tagged, names)
            changed = True
        return _serialize(parsed.root, self.xml) if changed else None


def _page_kinds(root: etree._Element, names: _Names) -> dict[str, set[str]]:
    """The headers and footers a document's sections refer to: relationship id -> the
    pages each serves (``default``, ``first``, ``even``)."""
    kinds: dict[str, set[str]] = {}
    for local in ("headerReference", "footerReference"):
        for reference in root.iter(names.tag(local)):
            for attribute, value in reference.attrib.items():
                if etree.QName(attribute).localname == "id":  # r:id, transitional or Strict
                    kinds.setdefault(value, set()).add(reference.get(names.tag("type"), "default"))
    return kinds


def _paragraphs(
    root: etree._Element, names: _Names
) -> tuple[list[etree._Element], dict[etree._Element, etree._Element]]:
    """Every paragraph in document order, and the mirrors: each paragraph of a choice's
    text box whose fallback holds the same paragraph (same text, same codes), mapped to
    that fallback paragraph. Mirrors are not segments of their own: they get their
    choice's translation."""
    mirrors: dict[etree._Element, etree._Element] = {}
    for alternate in root.iter(f"{{{_MC}}}AlternateContent"):
        choice = alternate.find(f"{{{_MC}}}Choice")
        fallback = alternate.find(f"{{{_MC}}}Fallback")
        if choice is None or fallback is None:
            continue
        originals = list(choice.iter(names.p))
        copies = list(fallback.iter(names.p))
        if len(originals) == len(copies) and all(
            _text_of(_segment(a, names)) == _text_of(_segment(b, names))
            for a, b in zip(originals, copies, strict=True)
        ):
            mirrors.update(zip(originals, copies, strict=True))
    mirrored = set(mirrors.values())
    return [p for p in root.iter(names.p) if p not in mirrored], mirrors


def _text_of(paragraph: _Paragraph | None) -> str | None:
    return None if paragraph is None else paragraph.text


def _rebuild(
    element: etree._Element, paragraph: _Paragraph, tagged: inline.Tagged, names: _Names
) -> None:
    for child in list(element):
        if child.tag != names.pPr:
            element.remove(child)
    if paragraph.lead is not None:
        _put_back(element, paragraph.lead, names)
    stack: list[tuple[etree._Element, etree._Element | None]] = [(element, paragraph.base)]
    for part in tagged.parts:
        container, rpr = stack[-1]
        if isinstance(part, str):
            _text_run(container, rpr, part, names)
            continue
        code = paragraph.codes.get(part.id) if part.kind is not inline.Kind.CLOSE else None
        if part.kind is inline.Kind.CLOSE:
            stack.pop()
        elif isinstance(code, _Format):
            stack.append((container, code.rpr))
        elif isinstance(code, _Wrapper):
            stack.append((_shell(container, code.element, names), code.base))
        elif isinstance(code, _Code):
            _put_back(container, code, names)
    if paragraph.trail is not None:
        _put_back(element, paragraph.trail, names)


def _put_back(container: etree._Element, code: _Code, names: _Names) -> None:
    for piece in code.pieces:
        if isinstance(piece, tuple):
            run = etree.SubElement(container, names.r)
            if piece[0] is not None:
                run.append(copy.deepcopy(piece[0]))
            run.extend(piece[1])
        else:
            container.append(piece)


def _text_run(
    container: etree._Element, rpr: etree._Element | None, text: str, names: _Names
) -> None:
    run = etree.SubElement(container, names.r)
    if rpr is not None:
        run.append(copy.deepcopy(rpr))
    t = etree.SubElement(run, names.t)
    t.text = _NOT_XML.sub("", text)
    if t.text != t.text.strip() or "  " in t.text:
        t.set(_XML_SPACE, "preserve")


def _shell(container: etree._Element, wrapper: etree._Element, names: _Names) -> etree._Element:
    """A wrapper's element (its attributes and properties) without its content, in
    ``container``; returns where its content goes."""
    shell = etree.SubElement(container, wrapper.tag, attrib=dict(wrapper.attrib))
    for child in list(wrapper):
        local = names.local(child) or ""
        if local.endswith("Pr"):  # w:sdtPr, w:sdtEndPr, w:smartTagPr, w:customXmlPr
            shell.append(child)
    if names.local(wrapper) == "sdt":
        return etree.SubElement(shell, names.sdtContent)
    return shell


def _serialize(root: etree._Element, original: bytes) -> bytes:
    """The part written back with the original's XML declaration, byte for byte."""
    match = _DECLARATION.match(original)
    head = match.group(0) if match else b""
    encoding = re.search(rb"encoding=[\"']([A-Za-z0-9._-]+)", head)
    if encoding is not None and encoding.group(1).lower().replace(b"-", b"") != b"utf8":
        written: bytes = etree.tostring(
            root.getroottree(), encoding=encoding.group(1).decode(), xml_declaration=True
        )
        return written
    rest: bytes = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)
    return head + rest
