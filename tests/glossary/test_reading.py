"""Good glossary files in every shape people save them in read to the same entries."""

from __future__ import annotations

import pytest

from tests.glossary.support import csv_bytes, xlsx_bytes
from workbench.errors import InvalidInput
from workbench.glossary.reading import read_file
from workbench.glossary.validation import ValidGlossary, validate

ROWS = [
    ["source_term", "target_term", "case_sensitive", "note"],
    ["café", "coffee shop", "false", "a place"],
    ["Straße", "street", "TRUE", ""],
    ["naïve; so", "ingenuous, so", "no", "delimiters inside cells"],
    ["€uro", "euro", "", ""],
]
EXPECTED = [
    ("café", "coffee shop", False, "a place"),
    ("Straße", "street", True, ""),
    ("naïve; so", "ingenuous, so", False, "delimiters inside cells"),
    ("€uro", "euro", False, ""),
]
ENCODINGS = {  # how each is named back
    "UTF-8": lambda text: text.encode("utf-8"),
    "UTF-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "UTF-16 LE with BOM": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "UTF-16 BE with BOM": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "UTF-16 LE": lambda text: text.encode("utf-16-le"),
    "UTF-32 LE with BOM": lambda text: text.encode("utf-32"),
    "Windows-1252": lambda text: text.encode("cp1252"),
}


def entries(valid: ValidGlossary) -> list[tuple[str, str, bool, str]]:
    return list(valid.entries.itertuples(index=False, name=None))


def read(data: bytes, filename: str = "glossary.csv", **languages: str) -> ValidGlossary:
    return validate(read_file(data, filename), **languages)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_delimiter_and_encoding(delimiter: str, encoding: str) -> None:
    text = csv_bytes(ROWS, delimiter=delimiter).decode()
    data = ENCODINGS[encoding](text)
    table = read_file(data, "glossary.csv")
    assert table.delimiter == delimiter
    assert table.encoding == encoding
    assert entries(validate(table)) == EXPECTED


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_every_line_ending(newline: str) -> None:
    assert entries(read(csv_bytes(ROWS, newline=newline))) == EXPECTED


def test_deepl_headerless_two_columns() -> None:
    data = b'hermosa,belle\nexquisito,delicieux\n"con, coma","with ""quotes"""\n'
    valid = read(data, "deepl.csv")
    assert entries(valid) == [
        ("hermosa", "belle", False, ""),
        ("exquisito", "delicieux", False, ""),
        ("con, coma", 'with "quotes"', False, ""),
    ]
    assert (valid.source_lang, valid.target_lang) == (None, None)


def test_deepl_headerless_four_columns_give_the_languages() -> None:
    valid = read(b"hermosa,belle,ES,FR\nexquisito,delicieux,es,fr\n", "deepl.csv")
    assert [row[:2] for row in entries(valid)] == [("hermosa", "belle"), ("exquisito", "delicieux")]
    assert (valid.source_lang, valid.target_lang) == ("es", "fr")


def test_deepl_headerless_tab_separated() -> None:
    valid = read(b"hermosa\tbelle\nmouse\tmouse\n", "deepl.tsv")
    assert entries(valid) == [("hermosa", "belle", False, ""), ("mouse", "mouse", False, "")]


def test_header_names_are_read_loosely_but_columns_exactly() -> None:
    data = csv_bytes([["Source Term", "TARGET-TERM", "Note"], ["a", "b", "c"]])
    assert entries(read(data)) == [("a", "b", False, "c")]


def test_languages_from_columns_are_normalised() -> None:
    data = csv_bytes(
        [
            ["source_term", "target_term", "source_lang", "target_lang"],
            ["colour", "couleur", "EN_gb", "FR"],
            ["flavour", "saveur", "en-GB", ""],
        ]
    )
    valid = read(data)
    assert (valid.source_lang, valid.target_lang) == ("en-GB", "fr")


def test_cells_are_trimmed_and_identical_repeats_kept_once() -> None:
    data = csv_bytes(
        [
            ["source_term", "target_term"],
            ["  cat ", "\tchat  "],
            ["cat", "chat"],
            ["dog", "chien"],
            ["", ""],
            [" ", "  "],
        ]
    )
    valid = read(data)
    assert entries(valid) == [("cat", "chat", False, ""), ("dog", "chien", False, "")]
    assert valid.collapsed == 1
    assert valid.places.tolist() == [2, 4]


@pytest.mark.parametrize(
    ("word", "flag"),
    [
        ("true", True),
        ("True", True),
        ("1", True),
        ("yes", True),
        ("YES", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("", False),
    ],
)
def test_case_sensitive_words(word: str, flag: bool) -> None:
    data = csv_bytes([["source_term", "target_term", "case_sensitive"], ["a", "b", word]])
    assert entries(read(data))[0][2] is flag


def test_the_export_escape_is_removed_and_nothing_else() -> None:
    data = csv_bytes(
        [
            ["source_term", "target_term", "note"],
            ["'=SUM(A1)", "'-minus", "'@at"],
            ["''quoted", "'+plus", "'plain"],
            ["-dash", "+plus", "@at"],
        ]
    )
    assert entries(read(data)) == [
        ("=SUM(A1)", "-minus", False, "@at"),
        ("'quoted", "+plus", False, "'plain"),
        ("-dash", "+plus", False, "@at"),
    ]


def test_line_numbers_count_lines_inside_quoted_cells_and_blank_lines() -> None:
    data = (
        b"source_term,target_term\r\n"  # 1
        b'"two\r\nlines","three\nlines\rhere"\r\n'  # 2-5
        b"\r\n"  # 6
        b'ok,"fine"\r\n'  # 7
        b",empty source\r\n"  # 8
        b'"a\n\nb",x\r\n'  # 9-11
        b"bad\x07,y\r\n"  # 12
    )
    with pytest.raises(InvalidInput) as caught:
        read(data)
    assert caught.value.problems == [
        "line 8: source_term is empty",
        "line 12: source_term contains the control character U+0007",
    ]


def test_line_breaks_inside_terms_are_stored_as_newlines() -> None:
    data = b'source_term,target_term\r\n"two\r\nlines","three\rlines"\r\n'
    assert entries(read(data)) == [("two\nlines", "three\nlines", False, "")]


def test_xlsx_with_typed_cells_and_gaps() -> None:
    data = xlsx_bytes(
        [
            ["source_term", "target_term", "case_sensitive", "note"],
            ["cat", "chat", True, None],
            [None, None, None, None],
            [2024, 3.5, False, "numbers become their text"],
            ["'=1+1", "formula as text", 0, ""],
        ]
    )
    valid = read(data, "glossary.xlsx")
    assert entries(valid) == [
        ("cat", "chat", True, ""),
        ("2024", "3.5", False, "numbers become their text"),
        ("=1+1", "formula as text", False, ""),
    ]
    assert valid.places.tolist() == [2, 4, 5]


def test_xlsx_problems_name_the_sheet_row() -> None:
    data = xlsx_bytes(
        [
            ["source_term", "target_term"],
            ["cat", "chat"],
            [None, None],
            ["=1+1", "two"],
            ["dog", None],
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        read(data, "glossary.xlsx")
    assert [problem.split(":")[0] for problem in caught.value.problems] == ["row 4", "row 5"]
    assert "formula" in caught.value.problems[0]
    assert "target_term is empty" in caught.value.problems[1]
