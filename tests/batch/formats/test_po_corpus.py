"""Real gettext catalogs (tests/corpus/po) through the PO format, checked by gettext itself.

Every output must pass ``msgfmt -c`` (with ``--use-fuzzy`` too when the input does, so
the machine translations, which are fuzzy, are checked as well), parse with polib into
the same entries in the same order, keep every translation a person made, and differ
from the input only in the msgstr and flag lines of the entries translated and in the
header's msgstr.
"""

from __future__ import annotations

import difflib
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest

from tests.providers.conftest import DEEPL_KEY, make_provider
from tests.providers.fakes.deepl_api import FakeDeepL
from workbench.batch.formats import FormatOptions, format_for
from workbench.errors import UnsupportedLanguage
from workbench.providers.registry import get_provider

CORPUS = Path(__file__).parents[2] / "corpus" / "po"
FILES = sorted(path for path in CORPUS.iterdir() if path.suffix in (".po", ".pot"))
# A catalog is translated into its own language; the template into several.
CASES = [
    (path, language)
    for path in FILES
    for language in (
        ("pl", "ar", "ja", "pt_BR", "sr@latin")
        if path.suffix == ".pot"
        else (path.stem.split(".", 1)[1],)
    )
]


def msgfmt(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["msgfmt", "-c", *extra, "-o", "/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def has_prose(msgid: str) -> bool:
    return bool(re.search(r"[^\W\d_]", re.sub(r"%\(\w+\)\w|\{\w*\}|%\w|<[^<>]*>", "", msgid)))


def msgstr_lines(lines: list[str]) -> set[int]:
    """Indices of the lines that hold a msgstr (keyword or continuation) or flags."""
    found: set[int] = set()
    in_msgstr = False
    for number, line in enumerate(lines):
        if line.startswith("msgstr"):
            in_msgstr = True
        elif not line.startswith('"'):
            in_msgstr = False
        if in_msgstr or line.startswith("#,"):
            found.add(number)
    return found


def test_the_corpus_holds_the_hard_cases() -> None:
    catalogs = [polib.pofile(str(path)) for path in FILES]
    entries = [entry for catalog in catalogs for entry in catalog]
    assert len(FILES) >= 9
    assert any(path.suffix == ".pot" for path in FILES)
    assert sum("fuzzy" in entry.flags for entry in entries) >= 10
    assert sum(entry.msgid_plural != "" for entry in entries) >= 10
    assert sum(entry.msgctxt is not None for entry in entries) >= 10
    assert sum(len(catalog.obsolete_entries()) for catalog in catalogs) >= 10
    assert any("c-format" in entry.flags for entry in entries)
    assert any("python-format" in entry.flags for entry in entries)
    languages = {catalog.metadata.get("Language") for catalog in catalogs}
    assert {"pt_BR", "sr@latin", "be@latin", "pl", "ar", "ja"} <= languages


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_rendering_the_source_gives_the_file_back_byte_identical(path: Path) -> None:
    data = path.read_bytes()
    language = "pl" if path.suffix == ".pot" else path.stem.split(".", 1)[1]
    document = format_for(path).read(data, FormatOptions(target_lang=language))
    assert document.render(document.texts) == data


@pytest.mark.parametrize(
    ("path", "language"), CASES, ids=[f"{p.name}->{lang}" for p, lang in CASES]
)
async def test_pseudo_translation_gives_a_valid_catalog_that_only_fills_the_gaps(
    path: Path, language: str, tmp_path: Path
) -> None:
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions(target_lang=language))
    async with get_provider("pseudo") as provider:
        results = await provider.translate_segments(document.texts, target=language)
    assert all(result.repaired is None for result in results)
    output = document.render([result.text for result in results])
    check_only_the_gaps_filled(path, data, output, tmp_path)


# Through DeepL's wire (the fake server): the catalogs in languages DeepL writes.
DEEPL_CASES = [
    ("xz.pt_BR.po", "pt_BR", "pt-br"),
    ("xz.pl.po", "pl", "pl"),
    ("xz.zh_TW.po", "zh_TW", "zh-hant"),
    ("sphinx.ja.po", "ja", "ja"),
    ("sphinx.ar.po", "ar", "ar"),
    ("sphinx.pot", "pl", "pl"),
]


@pytest.fixture
def deepl_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDeepL]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    fake = FakeDeepL(DEEPL_KEY)
    fake.start()
    yield fake
    fake.stop()


@pytest.mark.parametrize(("name", "language", "wire"), DEEPL_CASES)
async def test_deepl_translation_gives_a_valid_catalog(
    deepl_fake: FakeDeepL, name: str, language: str, wire: str, tmp_path: Path
) -> None:
    path = CORPUS / name
    data = path.read_bytes()
    document = format_for(path).read(data, FormatOptions(target_lang=language))
    provider = make_provider("deepl", deepl_fake)
    try:
        results = await provider.translate_segments(document.texts, target=language)
    finally:
        await provider.aclose()
    output = document.render([result.text for result in results])
    check_only_the_gaps_filled(path, data, output, tmp_path)
    if document.texts:  # the fake answers in the language it was asked for
        assert f"<{wire}>".encode() in output
    else:  # a catalog translated in full comes back as it was
        assert output == data


async def test_fuzzy_entries_of_a_real_catalog_are_translated_when_asked(
    deepl_fake: FakeDeepL, tmp_path: Path
) -> None:
    path = CORPUS / "xz.zh_TW.po"
    data = path.read_bytes()
    options = FormatOptions(target_lang="zh_TW", translate_fuzzy=True)
    document = format_for(path).read(data, options)
    provider = make_provider("deepl", deepl_fake)
    try:
        results = await provider.translate_segments(document.texts, target="zh_TW")
    finally:
        await provider.aclose()
    output = document.render([result.text for result in results])
    written = tmp_path / "out.po"
    written.write_bytes(output)
    assert msgfmt(written).returncode == 0
    before, after = polib.pofile(data.decode()), polib.pofile(output.decode())
    fuzzy = [(old, new) for old, new in zip(before, after, strict=True) if "fuzzy" in old.flags]
    assert len(fuzzy) == 3
    for old, new in fuzzy:
        assert new.flags == old.flags
        assert "<zh-hant>" in new.msgstr
    others = [(o.msgstr, o.msgstr_plural) for o in before if "fuzzy" not in o.flags]
    assert [(n.msgstr, n.msgstr_plural) for n in after if "fuzzy" not in n.flags] == others


@pytest.mark.parametrize("language", ["sr@latin", "be@latin", "ca@valencia"])
async def test_deepl_refuses_the_languages_it_does_not_write(
    deepl_fake: FakeDeepL, language: str
) -> None:
    provider = make_provider("deepl", deepl_fake)
    try:
        with pytest.raises(UnsupportedLanguage, match=f"'{language}' is not a target language"):
            await provider.translate_segments(["Hello"], target=language)
    finally:
        await provider.aclose()


def check_only_the_gaps_filled(path: Path, data: bytes, output: bytes, tmp_path: Path) -> None:
    written = tmp_path / f"out{path.suffix}"
    written.write_bytes(output)
    checked = msgfmt(written)
    assert checked.returncode == 0, checked.stderr
    if msgfmt(path, "--use-fuzzy").returncode == 0:
        strict = msgfmt(written, "--use-fuzzy")
        assert strict.returncode == 0, strict.stderr

    before, after = polib.pofile(data.decode()), polib.pofile(output.decode())
    keys = [(e.msgctxt, e.msgid, e.msgid_plural, e.obsolete) for e in before]
    assert [(e.msgctxt, e.msgid, e.msgid_plural, e.obsolete) for e in after] == keys
    filled = 0
    for old, new in zip(before, after, strict=True):
        if old.obsolete or not old.msgid:
            assert (new.msgstr, new.msgstr_plural, new.flags) == (
                old.msgstr,
                old.msgstr_plural,
                old.flags,
            )
        elif old.msgstr or any(old.msgstr_plural.values()):
            # A person's translation, fuzzy or not, is kept with its flags.
            assert (new.msgstr, new.msgstr_plural, new.flags) == (
                old.msgstr,
                old.msgstr_plural,
                old.flags,
            )
        elif has_prose(old.msgid):
            filled += 1
            assert "fuzzy" in new.flags
            assert [flag for flag in new.flags if flag != "fuzzy"] == old.flags
            forms = [new.msgstr] if not old.msgid_plural else list(new.msgstr_plural.values())
            assert all(form and form != old.msgid for form in forms), new
            if old.msgid_plural:
                plural_forms = after.metadata["Plural-Forms"]
                count = int(re.search(r"nplurals\s*=\s*(\d+)", plural_forms).group(1))  # type: ignore[union-attr]
                assert sorted(new.msgstr_plural) == list(range(count))
    gaps = [
        e
        for e in before
        if not e.obsolete and e.msgid and not e.msgstr and not any(e.msgstr_plural.values())
    ]
    assert filled == sum(has_prose(e.msgid) for e in gaps)

    # Nothing but msgstr, flag and header lines changed; the rest is byte for byte.
    old_lines = data.decode().splitlines()
    new_lines = output.decode().splitlines()
    editable = msgstr_lines(old_lines)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, start, end, new_start, new_end in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            assert set(range(start, end)) <= editable, old_lines[start:end]
        for line in new_lines[new_start:new_end] if tag != "equal" else ():
            assert line.startswith(("msgstr", '"', "#, ")), line
    assert after.metadata.get("Language")
    assert after.metadata.get("Plural-Forms")
