"""The PO format's promises, each from a minimal catalog: the defects issue 16 found
(fuzzy work overwritten, every line re-wrapped, no header for a template, gettext locale
names refused) and what keeps a catalog valid for ``msgfmt -c``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import polib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import inline
from workbench.batch.formats import FormatOptions, format_for
from workbench.batch.formats.po_syntax import Style, columns, scan, write_string
from workbench.errors import InvalidInput

HEADER = (
    'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"MIME-Version: 1.0\\n"\n'
    '"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
    '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
)


def upper(canonical: str) -> str:
    """A translation that keeps every code: the text between codes in capitals."""
    tagged = inline.parse(canonical)
    parts = tuple(part.upper() if isinstance(part, str) else part for part in tagged.parts)
    return inline.Tagged(parts).canonical()


def fill(
    text: str,
    translate: Callable[[str], str] = upper,
    name: str = "app.po",
    **options: object,
) -> tuple[list[str], str]:
    document = format_for(name).read(text.encode(), FormatOptions(**options))  # type: ignore[arg-type]
    return document.texts, document.render([translate(t) for t in document.texts]).decode()


def msgfmt_check(text: str, tmp_path: Path) -> None:
    path = tmp_path / "checked.po"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["msgfmt", "-c", "--use-fuzzy", "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- fuzzy work is a person's work ---------------------------------------------------------

FUZZY = HEADER + '#, fuzzy\nmsgid "Maybe"\nmsgstr "Peut-être"\n\nmsgid "Save"\nmsgstr ""\n'


def test_a_fuzzy_translation_is_kept() -> None:
    texts, out = fill(FUZZY, target_lang="fr")
    assert texts == ["Save"]
    assert '#, fuzzy\nmsgid "Maybe"\nmsgstr "Peut-être"\n' in out
    assert out.endswith('#, fuzzy\nmsgid "Save"\nmsgstr "SAVE"\n')


def test_kept_fuzzy_entries_and_a_new_plural_rule_are_noted() -> None:
    document = format_for("a.po").read(FUZZY.encode(), FormatOptions(target_lang="fr"))
    assert document.notes == [
        "1 fuzzy entry kept as found (a person's translation awaiting review); ask for "
        "fuzzy entries to be translated to replace it"
    ]
    document = format_for("a.pot").read(POT.encode(), FormatOptions(target_lang="ja"))
    assert document.notes == [
        "this catalog has no Plural-Forms for ja; CLDR's is used: nplurals=1; plural=0;"
    ]


def test_a_translation_that_broke_a_code_is_refused_and_nothing_written() -> None:
    source = HEADER + '#, python-format\nmsgid "Hello %(name)s"\nmsgstr ""\n'
    document = format_for("a.po").read(source.encode(), FormatOptions(target_lang="fr"))
    with pytest.raises(InvalidInput, match=r"line 10 is broken \(code 1 is missing\)"):
        document.render(["Bonjour"])


def test_fuzzy_entries_are_translated_when_asked_and_stay_fuzzy() -> None:
    texts, out = fill(FUZZY, target_lang="fr", translate_fuzzy=True)
    assert texts == ["Maybe", "Save"]
    assert '#, fuzzy\nmsgid "Maybe"\nmsgstr "MAYBE"\n' in out
    assert out.count("#, fuzzy") == 2


# --- lines are edited, never re-generated ----------------------------------------------------

ODD = (
    "# Translator's note,\n#   indented as they like it.\n"
    + HEADER
    + "#. A comment for translators that is much longer than seventy-nine columns, on one line\n"
    "#: src/a.py:1 src/b.py:2\n"
    '#, python-format\nmsgid ""\n'
    '"A sentence long enough that gettext broke it over two lines at the "\n'
    '"width"\nmsgstr ""\n"Une phrase "\n"en morceaux"\n\n'
    'msgid "Keep"\nmsgstr "Garder"\n\n'
    '#~ msgid "Gone"\n#~ msgstr "Parti"\n'
)


def test_a_catalog_with_nothing_to_translate_comes_back_byte_identical() -> None:
    texts, out = fill(ODD, target_lang="fr")
    assert texts == []
    assert out == ODD


def test_only_the_msgstr_and_flags_of_translated_entries_change() -> None:
    source = ODD + '\n#: src/c.py:3\nmsgid "New"\nmsgstr ""\n'
    _, out = fill(source, target_lang="fr")
    assert out == ODD + '\n#: src/c.py:3\n#, fuzzy\nmsgid "New"\nmsgstr "NEW"\n'


def test_crlf_line_endings_are_kept() -> None:
    source = (HEADER + 'msgid "New"\nmsgstr ""\n').replace("\n", "\r\n")
    _, out = fill(source, target_lang="fr")
    head, tail = source.rsplit('msgid "New"\r\nmsgstr ""', 1)
    assert out == head + '#, fuzzy\r\nmsgid "New"\r\nmsgstr "NEW"' + tail


LONG = "word " * 30


def test_a_wrapping_catalog_wraps_new_strings_at_its_width(tmp_path: Path) -> None:
    # Broken after 62 columns, before a 3-column word: 62 to 64 columns wide.
    wrapped = 'msgid ""\n"' + "a " * 30 + '"\n"end"\nmsgstr "x"\n\n'
    _, out = fill(HEADER + wrapped + f'msgid "{LONG.strip()}"\nmsgstr ""\n', target_lang="fr")
    new = out.split('msgid "word')[1].split("\n")[1:-1]
    assert new[0] == 'msgstr ""'
    assert 60 < max(len(line) for line in new) <= 64
    assert "".join(line.strip('"') for line in new[1:]) == LONG.strip().upper()
    msgfmt_check(out, tmp_path)


def test_a_catalog_that_does_not_wrap_keeps_new_strings_on_one_line() -> None:
    long_line = f'msgid "{LONG}"\nmsgstr "{LONG}"\n\n'
    _, out = fill(HEADER + long_line + f'msgid "{LONG}!"\nmsgstr ""\n', target_lang="fr")
    assert f'msgstr "{LONG.upper()}!"\n' in out


def test_without_evidence_strings_wrap_at_gettexts_79_columns_and_break_after_newlines() -> None:
    def longer(canonical: str) -> str:
        return upper(canonical).replace("SHORT", LONG.upper())

    source = HEADER + 'msgid ""\n"short\\n"\n"next"\nmsgstr ""\n'
    _, out = fill(source, longer, target_lang="fr")
    lines = out.split('"next"\n')[1].splitlines()
    assert lines[0] == 'msgstr ""'
    assert all(len(line) <= 79 for line in lines)
    assert lines[-2].endswith('\\n"')
    assert lines[-1] == '"NEXT"'


def test_japanese_wraps_between_characters_counting_two_columns_each() -> None:
    japanese = "日本語の文章" * 12

    def to_japanese(text: str) -> str:
        return inline.plain(japanese)

    source = HEADER.replace("fr", "ja") + 'msgid "Some text"\nmsgstr ""\n'
    _, out = fill(source, to_japanese, target_lang="ja")
    lines = out.split("msgstr ")[-1].splitlines()
    assert lines[0] == '""'
    assert all(2 + 2 * (len(line) - 2) <= 79 for line in lines[1:])
    assert "".join(line.strip('"') for line in lines[1:]) == japanese


# --- headers and plural forms ---------------------------------------------------------------

POT = """# SOME DESCRIPTIVE TITLE.
#, fuzzy
msgid ""
msgstr ""
"Project-Id-Version: PACKAGE VERSION\\n"
"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"
"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"
"Language-Team: LANGUAGE <LL@li.org>\\n"
"Language: \\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=CHARSET\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"

#, c-format
msgid "%d file"
msgid_plural "%d files"
msgstr[0] ""
msgstr[1] ""
"""


@pytest.mark.parametrize(
    ("language", "forms", "expected_name"),
    [
        ("pl", 3, "pl"),
        ("ar", 6, "ar"),
        ("ja", 1, "ja"),
        ("pt_BR", 3, "pt_BR"),
        ("sr-Latn", 3, "sr@latin"),
    ],
)
def test_a_template_gets_a_header_that_msgfmt_accepts(
    language: str, forms: int, expected_name: str, tmp_path: Path
) -> None:
    texts, out = fill(POT, target_lang=language, name="app.pot")
    msgfmt_check(out, tmp_path)
    catalog = polib.pofile(out)
    assert catalog.metadata["Language"] == expected_name
    assert catalog.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert catalog.metadata["Plural-Forms"].startswith(f"nplurals={forms};")
    (entry,) = catalog
    assert len(entry.msgstr_plural) == forms
    assert all(form.startswith("%d ") for form in entry.msgstr_plural.values())
    if language == "ja":  # no "one" category: the only form comes from msgid_plural
        assert texts == ['<x id="1" equiv="%d"/> files']
        assert entry.msgstr_plural == {0: "%d FILES"}


def test_a_catalog_without_a_header_gets_one(tmp_path: Path) -> None:
    source = 'msgid "One page"\nmsgid_plural "%(count)s pages"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    _, out = fill("#, python-format\n" + source, target_lang="be@latin")
    msgfmt_check(out, tmp_path)
    catalog = polib.pofile(out)
    assert catalog.metadata["Language"] == "be@latin"
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=3;")
    (entry,) = catalog
    # Belarusian's "one" form also serves 21, 31…: it needs the count, so msgid_plural.
    assert set(entry.msgstr_plural.values()) == {"%(count)s PAGES"}


def test_a_catalog_without_plural_forms_gets_the_languages(tmp_path: Path) -> None:
    header = HEADER.replace('"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n', "")
    header = header.replace("fr", "pl")
    _, out = fill(
        header + 'msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] ""\nmsgstr[1] ""\n',
        target_lang="pl",
    )
    msgfmt_check(out, tmp_path)
    assert polib.pofile(out).metadata["Plural-Forms"].startswith("nplurals=3;")


def test_the_catalogs_own_plural_forms_are_kept() -> None:
    source = HEADER + 'msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    _, out = fill(source, target_lang="fr")
    assert out.startswith(HEADER)
    assert 'msgstr[0] "%d FILE"\nmsgstr[1] "%d FILES"\n' in out


def test_a_header_field_split_over_lines_is_replaced_whole(tmp_path: Path) -> None:
    header = (
        'msgid ""\nmsgstr ""\n"Language: pl\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=INTEGER; "\n"plural=EXPRESSION;\\n"\n\n'
    )
    _, out = fill(
        header + 'msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] ""\nmsgstr[1] ""\n',
        target_lang="pl",
    )
    msgfmt_check(out, tmp_path)
    assert "INTEGER" not in out
    assert '"Language: pl\\n"\n"Content-Type' in out


@pytest.mark.parametrize("language", ["pt_BR", "sr@latin", "be@latin", "zh_Hant", "zh_TW"])
def test_gettext_locale_names_are_targets(language: str) -> None:
    _, out = fill('msgid "Save"\nmsgstr ""\n', target_lang=language)
    assert polib.pofile(out).metadata["Language"] == language


def test_a_catalog_for_another_language_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"this catalog is for fr .*not de.*template"):
        fill(HEADER + 'msgid "Save"\nmsgstr ""\n', target_lang="de")
    fill(HEADER + 'msgid "Save"\nmsgstr ""\n', target_lang="fr_CA")  # a variant of its own


# --- placeholders, tags and escapes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "msgid", "codes"),
    [
        ("python-format", "Hello %(name)s, %d new and %s%%", ["%(name)s", "%d", "%s", "%%"]),
        ("c-format", "Copied %1$d of %2$lu files to %s", ["%1$d", "%2$lu", "%s"]),
        ("python-brace-format", "Hello {name}, {0} and {{literal}}", ["{name}", "{0}", "{{", "}}"]),
        ("csharp-format", "{0} of {1,5:N2}", ["{0}", "{1,5:N2}"]),
        ("qt-format", "%1 of %L2", ["%1", "%L2"]),
        ("no-python-format", "50% off {name}", ["{name}"]),
    ],
)
def test_flagged_placeholders_are_codes(
    flag: str, msgid: str, codes: list[str], tmp_path: Path
) -> None:
    texts, out = fill(f'#, {flag}\nmsgid "{msgid}"\nmsgstr ""\n', target_lang="fr")
    (segment,) = texts
    assert [code.equiv for code in inline.parse(segment).codes] == codes
    entry = polib.pofile(out)[0]
    for code in codes:
        assert code in entry.msgstr
    assert entry.msgstr != msgid
    if flag != "no-python-format":
        msgfmt_check(HEADER + out.split("\n\n", 1)[-1], tmp_path)


def test_tags_are_paired_codes_and_newlines_standalone() -> None:
    texts, _ = fill('msgid "Read <a href=\\"%(url)s\\">the docs</a>.\\nThanks.\\n"\nmsgstr ""\n')
    tagged = inline.parse(texts[0])
    assert [code.kind.value for code in tagged.codes] == ["open", "close", "standalone"]
    assert tagged.prose == "Read the docs.Thanks."


def test_newlines_at_either_end_stay_there_whatever_the_provider_adds(tmp_path: Path) -> None:
    # gettext wants a translation to begin and end with \n exactly when its msgid does; a
    # provider may put words (pseudo's brackets, a sentence) around every code it got.
    source = HEADER + 'msgid "\\nFirst\\nlast\\n\\n"\nmsgstr ""\n'
    texts, _ = fill(source, target_lang="fr")
    assert not inline.parse(texts[0]).prose.startswith("\n")
    document = format_for("a.po").read(source.encode(), FormatOptions(target_lang="fr"))
    out = document.render([f"[{texts[0]}]\n"]).decode()
    assert 'msgstr ""\n"\\n"\n"[First\\n"\n"last]\\n"\n"\\n"\n' in out
    msgfmt_check(out, tmp_path)


def test_escapes_are_read_and_written_back(tmp_path: Path) -> None:
    source = HEADER + 'msgid "Say \\"hi\\"\\tthen\\\\go\\n"\nmsgstr ""\n'
    texts, out = fill(source, target_lang="fr")
    assert inline.parse(texts[0]).readable == 'Say "hi"\tthen\\go'
    assert 'msgstr "SAY \\"HI\\"\\tTHEN\\\\GO\\n"' in out
    msgfmt_check(out, tmp_path)
    assert polib.pofile(out)[0].msgstr == 'SAY "HI"\tTHEN\\GO\n'


def test_a_latin1_catalog_stays_latin1() -> None:
    source = HEADER.replace("UTF-8", "ISO-8859-1") + 'msgid "Café"\nmsgstr ""\n'
    document = format_for("a.po").read(source.encode("latin-1"), FormatOptions(target_lang="fr"))
    out = document.render(["CAFÉ"])
    assert out.decode("latin-1").endswith('msgstr "CAFÉ"\n')
    with pytest.raises(InvalidInput, match="charset iso8859-1 cannot hold"):
        document.render(["咖啡"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('msgid "a"\nmsgstr "b"\n"orphan\n', "line 3 is a string that continues nothing"),
        ('msgstr "b"\n\nmsgid "a"\nmsgstr ""\n', "line 1 is msgstr without its msgid"),
        ('msgid "a"\n\nmsgid "b"\nmsgstr ""\n', "no msgid or no msgstr"),
        ('msgid "a"\nmsgstr "b"\nwhat is this\n', "line 3 is not PO syntax"),
    ],
)
def test_malformed_catalogs_are_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        fill(text)


@pytest.mark.parametrize(
    "header",
    [
        # One line, no trailing newline: the header is rewritten one field a line.
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=CHARSET"\n\n',
        # A field broken in the middle of its value.
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; "\n"charset=CHARSET\\n"\n'
        '"Language: \\n"\n\n',
        # Leading whitespace before the flags of an entry.
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n  #, c-format\n',
    ],
)
def test_unusual_headers_come_out_valid(header: str, tmp_path: Path) -> None:
    _, out = fill(
        header + 'msgid "%d file"\nmsgid_plural "%d files"\nmsgstr[0] ""\nmsgstr[1] ""\n',
        target_lang="pl",
    )
    msgfmt_check(out, tmp_path)
    catalog = polib.pofile(out)
    assert catalog.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert catalog.metadata["Language"] == "pl"
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=3;")
    assert "fuzzy" in catalog[0].flags


# --- any string survives the catalog's style ------------------------------------------------

PO_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(text=PO_TEXT, width=st.sampled_from([None, 40, 79]))
def test_written_strings_read_back_the_same_in_polib_and_gettext_style(
    text: str, width: int | None
) -> None:
    lines = write_string("msgstr", text, Style(width))
    source = 'msgid "x"\n' + "\n".join(lines) + "\n"
    assert scan(source).entries[0].text("msgstr") == text
    if not set(text) & set("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):  # polib splits lines there
        assert polib.pofile(source)[0].msgstr == text
    if width is not None:
        assert all(columns(line) <= width for line in lines[1:] if " " in line.strip('"')[:-1])
