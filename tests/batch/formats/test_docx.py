"""Word documents: one segment per paragraph, every story, the package kept byte for byte.

Each test builds the smallest package holding the construct it is about (see
:mod:`tests.batch.formats.wordfiles`); the corpus test runs real documents.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from lxml import etree

from tests.batch.formats.wordfiles import (
    NAMESPACES,
    STRICT_W,
    W,
    body,
    package,
    paragraph,
    part,
    run,
    story,
    text_box,
)
from workbench import inline
from workbench.batch.formats import Document, FormatOptions, format_for
from workbench.errors import InvalidInput

UNDERLINE = '<w:u w:val="single"/>'
HYPERLINK = "<w:rStyle w:val='Hyperlink'/>"


def read(data: bytes) -> Document:
    return format_for("letter.docx").read(data, FormatOptions())


def upper(canonical: str) -> str:
    """A stand-in translation: the text upper-cased, the codes where they were."""
    tagged = inline.parse(canonical)
    return inline.Tagged(
        tuple(part.upper() if isinstance(part, str) else part for part in tagged.parts)
    ).canonical()


def texts_of(xml: str) -> list[str]:
    """Each paragraph's visible text, in document order."""
    root = etree.fromstring(xml.encode())
    return ["".join(t.text or "" for t in p.iter(f"{{{W}}}t")) for p in root.iter(f"{{{W}}}p")]


# --- one segment per paragraph --------------------------------------------------------


def test_a_hyperlink_is_a_paired_code_so_its_text_is_translated_and_order_kept() -> None:
    data = package(
        body(
            paragraph(
                run("One "),
                f'<w:hyperlink r:id="rIdLink">{run("awesome hyperlink", HYPERLINK)}</w:hyperlink>',
                run("."),
            )
        )
    )
    document = read(data)
    assert document.texts == ['One <g id="1">awesome hyperlink</g>.']

    out = document.render(['<g id="1">Un lien</g> génial.'])
    word = docx.Document(io.BytesIO(out))
    assert word.paragraphs[0].text == "Un lien génial."
    (link,) = word.paragraphs[0].hyperlinks
    assert link.text == "Un lien"
    assert link.address == "https://example.org/awesome"
    assert link.runs[0].style is not None
    assert 'r:id="rIdLink"' in part(out, "word/document.xml")


def test_a_formatted_word_is_one_segment_and_keeps_its_formatting_where_it_moves() -> None:
    data = package(body(paragraph(run("The "), run("Sunset", UNDERLINE), run(" Tree"))))
    document = read(data)
    assert document.texts == ['The <g id="1">Sunset</g> Tree']

    out = document.render(['L\'arbre du <g id="1">couchant</g>'])
    runs = docx.Document(io.BytesIO(out)).paragraphs[0].runs
    assert [(r.text, bool(r.underline)) for r in runs] == [
        ("L'arbre du ", False),
        ("couchant", True),
    ]


def test_runs_that_differ_only_in_revision_ids_are_one_text() -> None:
    data = package(
        body(
            paragraph(
                run("Hel", attributes=' w:rsidR="00A1"'),
                "<w:proofErr w:type='spellStart'/>",
                run("lo wor", attributes=' w:rsidR="00B2"'),
                "<w:proofErr w:type='spellEnd'/>",
                run("ld", "<w:b/>"),
            )
        )
    )
    document = read(data)
    assert document.texts == ['Hello wor<g id="1">ld</g>']
    out = document.render([upper(document.texts[0])])
    assert texts_of(part(out, "word/document.xml")) == ["HELLO WORLD"]
    assert "proofErr" not in part(out, "word/document.xml")


def test_tabs_breaks_bookmarks_and_fields_are_codes_kept_as_they_were() -> None:
    field = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE \\* MERGEFORMAT </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("3")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    data = package(
        body(
            paragraph(
                run("Page"),
                "<w:r><w:tab/></w:r>",
                field,
                run(" of "),
                '<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>9</w:t></w:r></w:fldSimple>',
                '<w:bookmarkStart w:id="0" w:name="here"/><w:bookmarkEnd w:id="0"/>',
                run(" pages"),
                "<w:r><w:br/></w:r>",
                run("in all."),
            )
        )
    )
    document = read(data)
    assert document.texts == [
        'Page<x id="1" equiv="&#9;3"/> of <x id="2" equiv="9"/> pages'
        '<x id="3" equiv="&#10;"/>in all.'
    ]
    out = document.render(
        ['Page<x id="1" equiv="&#9;3"/> sur <x id="2" equiv="9"/><x id="3" equiv="&#10;"/>en tout.']
    )
    xml = part(out, "word/document.xml")
    assert " PAGE \\* MERGEFORMAT " in xml
    assert 'w:instr=" NUMPAGES "' in xml
    assert '<w:bookmarkStart w:id="0" w:name="here"/>' in xml
    assert texts_of(xml) == ["Page3 sur 9en tout."]


def test_tracked_changes_and_content_controls_keep_their_marks() -> None:
    data = package(
        body(
            paragraph(
                run("Keep "),
                '<w:del w:id="1" w:author="A"><w:r><w:delText>removed </w:delText></w:r></w:del>',
                f'<w:ins w:id="2" w:author="A">{run("added")}</w:ins>',
                run(" and "),
                '<w:sdt><w:sdtPr><w:alias w:val="Name"/></w:sdtPr>'
                f"<w:sdtContent>{run('a name')}</w:sdtContent></w:sdt>",
                run("."),
            )
        )
    )
    document = read(data)
    assert document.texts == ['Keep <x id="1"/><g id="2">added</g> and <g id="3">a name</g>.']
    out = document.render(['Garder <g id="3">un nom</g> et <x id="1"/><g id="2">ajouté</g>.'])
    root = etree.fromstring(part(out, "word/document.xml").encode())
    (inserted,) = root.iter(f"{{{W}}}ins")
    assert inserted.get(f"{{{W}}}author") == "A"
    assert "".join(inserted.itertext()) == "ajouté"
    (deleted,) = root.iter(f"{{{W}}}del")
    assert "".join(deleted.itertext()) == "removed "
    (control,) = root.iter(f"{{{W}}}sdt")
    assert control.find(f"{{{W}}}sdtPr/{{{W}}}alias") is not None
    assert "".join(control.find(f"{{{W}}}sdtContent").itertext()) == "un nom"
    assert texts_of(part(out, "word/document.xml")) == ["Garder un nom et ajouté."]


def test_text_keeps_its_spaces_in_word() -> None:
    data = package(body(paragraph(run("Two"), run(" words", UNDERLINE))))
    document = read(data)
    out = document.render(['Deux<g id="1">  mots </g>'])
    xml = part(out, "word/document.xml")
    assert '<w:t xml:space="preserve">  mots </w:t>' in xml
    assert docx.Document(io.BytesIO(out)).paragraphs[0].text == "Deux  mots "


def test_a_translation_that_breaks_its_codes_leaves_the_paragraph_as_it_was() -> None:
    data = package(body(paragraph(run("The "), run("Sunset", UNDERLINE), run(" Tree"))))
    document = read(data)
    assert document.render(["Le coucher et l'arbre"]) == data


# --- every story ------------------------------------------------------------------------

NOTE_BODY = paragraph(
    '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>',
    run(" A footnote."),
)


def _every_story() -> bytes:
    def header(root: str, text: str) -> str:
        return story(root, paragraph(run(text)))

    notes = lambda root, kind, text: story(  # noqa: E731
        root,
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:id="1">{paragraph(run(text))}</w:{kind}>',
    )
    document = body(
        paragraph(
            run("Body text"),
            '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
            '<w:footnoteReference w:id="1"/></w:r>',
            '<w:commentRangeStart w:id="0"/>',
            run(" with notes."),
            '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>',
        )
        + paragraph(text_box("Text in a box"))
        + "<w:tbl><w:tr><w:tc><w:tbl><w:tr><w:tc>"
        + paragraph(run("Nested cell"))
        + "</w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>",
        # Relationship ids are numbered from 10 in the order of the parts below.
        '<w:headerReference w:type="default" r:id="rId10"/>'
        '<w:headerReference w:type="first" r:id="rId11"/>'
        '<w:headerReference w:type="even" r:id="rId12"/>'
        '<w:footerReference w:type="even" r:id="rId13"/>',
    )
    return package(
        document,
        {
            "header1.xml": ("header", "header", header("hdr", "Default header")),
            "header2.xml": ("header", "header", header("hdr", "First page header")),
            "header3.xml": ("header", "header", header("hdr", "Even page header")),
            "footer1.xml": ("footer", "footer", header("ftr", "Even page footer")),
            "footnotes.xml": (
                "footnotes",
                "footnotes",
                notes("footnotes", "footnote", "A footnote."),
            ),
            "endnotes.xml": ("endnotes", "endnotes", notes("endnotes", "endnote", "An endnote.")),
            "comments.xml": (
                "comments",
                "comments",
                story(
                    "comments",
                    f'<w:comment w:id="0" w:author="A">{paragraph(run("A comment."))}</w:comment>',
                ),
            ),
        },
    )


def test_every_story_is_translated() -> None:
    data = _every_story()
    document = read(data)
    assert [(segment.where, segment.text) for segment in document.segments] == [
        ("body, paragraph 1", 'Body text<x id="1"/> with notes.'),
        ("body, paragraph 2", "Text in a box"),
        ("body, paragraph 3", "Nested cell"),
        ("default header word/header1.xml, paragraph 1", "Default header"),
        ("first-page header word/header2.xml, paragraph 1", "First page header"),
        ("even-page header word/header3.xml, paragraph 1", "Even page header"),
        ("even-page footer word/footer1.xml, paragraph 1", "Even page footer"),
        ("footnotes, paragraph 1", "A footnote."),
        ("endnotes, paragraph 1", "An endnote."),
        ("comments, paragraph 1", "A comment."),
    ]
    out = document.render([upper(text) for text in document.texts])
    for name in ("header1", "header2", "header3", "footer1", "footnotes", "endnotes", "comments"):
        assert any(t and t == t.upper() for t in texts_of(part(out, f"word/{name}.xml"))), name
    xml = part(out, "word/document.xml")
    # The text box is translated in its DrawingML choice and in its VML fallback alike.
    assert xml.count("TEXT IN A BOX") == 2
    assert "Text in a box" not in xml
    assert '<w:footnoteReference w:id="1"/>' in xml
    docx.Document(io.BytesIO(out))


def test_a_footnote_keeps_its_mark_first() -> None:
    data = package(
        body(paragraph(run("Text"))),
        {
            "footnotes.xml": (
                "footnotes",
                "footnotes",
                story("footnotes", f'<w:footnote w:id="1">{NOTE_BODY}</w:footnote>'),
            )
        },
    )
    document = read(data)
    assert document.texts[1] == " A footnote."
    out = document.render([document.texts[0], " Une note."])
    xml = part(out, "word/footnotes.xml")
    assert xml.index("footnoteRef") < xml.index("Une note.")


# --- the package ------------------------------------------------------------------------


def test_a_document_with_nothing_to_translate_comes_back_identical() -> None:
    data = package(body(paragraph(run("   ")) + paragraph("<w:r><w:tab/></w:r>") + "<w:p/>"))
    document = read(data)
    assert document.texts == []
    assert document.render([]) == data


def test_parts_that_are_not_translated_are_copied_byte_for_byte() -> None:
    data = _every_story()
    document = read(data)
    translations = list(document.texts)
    translations[3] = "En-tête par défaut"  # only header1 changes
    out = document.render(translations)
    before, after = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(out))
    assert [i.filename for i in after.infolist()] == [i.filename for i in before.infolist()]
    changed = [
        info.filename
        for info, new in zip(before.infolist(), after.infolist(), strict=True)
        if (info.CRC, info.compress_size, info.date_time, info.compress_type)
        != (new.CRC, new.compress_size, new.date_time, new.compress_type)
    ]
    assert changed == ["word/header1.xml"]
    assert texts_of(part(out, "word/header1.xml")) == ["En-tête par défaut"]


def test_strict_open_xml_is_translated() -> None:
    namespaces = NAMESPACES.replace(W, STRICT_W)
    data = package(
        story(
            "document",
            f"<w:body>{paragraph(run('The '), run('Sunset', UNDERLINE), run(' Tree'))}</w:body>",
            namespaces,
        ),
        strict=True,
    )
    document = read(data)
    assert document.texts == ['The <g id="1">Sunset</g> Tree']
    out = document.render([upper(document.texts[0])])
    root = etree.fromstring(part(out, "word/document.xml").encode())
    assert "".join(root.itertext()) == "THE SUNSET TREE"
    assert root.find(f".//{{{STRICT_W}}}u") is not None


def test_charts_and_diagrams_are_named_in_the_notes() -> None:
    chart = '<?xml version="1.0"?><c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart"/>'
    data = package(
        body(paragraph(run("Sales"))),
        {"charts/chart1.xml": ("chart", "drawingml.chart", chart)},
    )
    assert read(data).notes == ["word/charts/chart1.xml: a chart's text is not translated"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "not a Word"),
        (
            package(body(paragraph(run("x"))), main_type="header"),
            r"main part is application/.*wordprocessingml\.header\+xml",
        ),
    ],
)
def test_what_is_not_a_word_document_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read(data)
