"""Minimal Word packages written part by part, for tests that need one exact construct."""

from __future__ import annotations

import io
import zipfile

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_W = "http://purl.oclc.org/ooxml/wordprocessingml/main"
STRICT_R = "http://purl.oclc.org/ooxml/officeDocument/relationships"
NAMESPACES = (
    f'xmlns:w="{W}" xmlns:r="{R}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)
_TYPES = "application/vnd.openxmlformats-officedocument.wordprocessingml"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


def story(root: str, content: str, namespaces: str = NAMESPACES) -> str:
    return f"{DECLARATION}<w:{root} {namespaces}>{content}</w:{root}>"


def body(content: str, section: str = "") -> str:
    return story("document", f"<w:body>{content}<w:sectPr>{section}</w:sectPr></w:body>")


def package(
    document: str,
    parts: dict[str, tuple[str, str, str]] | None = None,
    *,
    strict: bool = False,
    main_type: str = "document.main",
) -> bytes:
    """A .docx with ``document`` as its main part and ``parts``: name -> (relationship
    type's last word, content type's last words, XML), each referred to by the document."""
    parts = parts or {}
    relationships = STRICT_R if strict else R
    overrides = "".join(
        f'<Override PartName="/word/{name}" ContentType="{_TYPES}.{kind}+xml"/>'
        for name, (_, kind, _) in parts.items()
    )
    document_rels = "".join(
        f'<Relationship Id="rId{number}" Type="{relationships}/{rel}" Target="{name}"/>'
        for number, (name, (rel, _, _)) in enumerate(parts.items(), start=10)
    )
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{_TYPES}.{main_type}+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{relationships}/officeDocument" '
            'Target="word/document.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": document,
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rIdLink" Type="{R}/hyperlink" '
            'Target="https://example.org/awesome" TargetMode="External"/>'
            f"{document_rels}</Relationships>"
        ),
        **{f"word/{name}": xml for name, (_, _, xml) in parts.items()},
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode())
    return out.getvalue()


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def run(text: str, properties: str = "", attributes: str = "") -> str:
    rpr = f"<w:rPr>{properties}</w:rPr>" if properties else ""
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<w:r{attributes}>{rpr}<w:t{space}>{text}</w:t></w:r>"


def paragraph(*content: str) -> str:
    return f"<w:p>{''.join(content)}</w:p>"


def text_box(text: str) -> str:
    """A DrawingML text box with its VML fallback, as Word writes them."""
    box = f"<w:txbxContent>{paragraph(run(text))}</w:txbxContent>"
    return (
        "<w:r><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
        f"<wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp>"
        "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r>"
    )
