"""Language codes: the value type, a table of common languages, and what a code means.

A language may be given as a BCP 47 tag (``pt-BR``, ``zh-Hant``, ``sr-Latn``) or as a
gettext/POSIX locale name (``pt_BR``, ``sr@latin``, ``be@latin``, ``zh_Hant``,
``ca_ES@valencia``, ``de_DE.UTF-8``): :func:`parse_tag` reads both into one :class:`Tag`.
:func:`closest` picks a provider's own spelling among the codes it offers, comparing
what the codes mean rather than how they are spelled: ``zh_TW`` is DeepL's ``ZH-HANT``
and Google's ``zh-TW``, ``pt_BR`` is DeepL's ``PT-BR`` and Google's ``pt``. A target
keeps its script (CLDR's likely subtags fill the script a code implies): Serbian in Latin
letters is never sent as ``sr``, which providers write in Cyrillic. A region may be
dropped for a provider that offers the language without one.

Providers with a languages endpoint list their own; the table here serves the ones
without (the Google web endpoint, whose codes it follows) and gives LLM prompts a
language's name rather than a bare code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Literal

from babel.core import Locale, get_global, parse_locale

# Language, then script, region and variants, separated by "-" or "_"; gettext's
# ".charset" and "@modifier" are split off first.
_PRIMARY = re.compile(r"[A-Za-z]{2,3}\Z")
_SCRIPT = re.compile(r"[A-Za-z]{4}\Z")
_REGION = re.compile(r"(?:[A-Za-z]{2}|[0-9]{3})\Z")
_VARIANT = re.compile(r"(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3})\Z")
_CHARSET = re.compile(r"\.[A-Za-z0-9_-]+")

# gettext modifiers that name a script (or a variant): the ones catalogs use.
_MODIFIERS: dict[str, tuple[str, str]] = {
    "latin": ("Latn", ""),
    "cyrillic": ("Cyrl", ""),
    "devanagari": ("Deva", ""),
    "arabic": ("Arab", ""),
    "valencia": ("", "valencia"),
    "euro": ("", ""),  # a currency, not a language difference
}
_SCRIPT_MODIFIERS = {script: name for name, (script, _) in _MODIFIERS.items() if script}
# Old codes some providers still use (Google: iw, jw), compared as the current ones.
_ALIASES = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "mo": "ro"}


@dataclass(frozen=True, slots=True)
class Language:
    code: str
    name: str
    source: bool = True  # may be translated from
    target: bool = True  # may be translated into


COMMON_LANGUAGES: dict[str, str] = {
    "af": "Afrikaans", "ak": "Twi", "am": "Amharic", "ar": "Arabic", "as": "Assamese",
    "ay": "Aymara", "az": "Azerbaijani", "be": "Belarusian", "bg": "Bulgarian",
    "bho": "Bhojpuri", "bm": "Bambara", "bn": "Bengali", "bs": "Bosnian", "ca": "Catalan",
    "ceb": "Cebuano", "ckb": "Kurdish (Sorani)", "co": "Corsican", "cs": "Czech",
    "cy": "Welsh", "da": "Danish", "de": "German", "doi": "Dogri", "dv": "Dhivehi",
    "ee": "Ewe", "el": "Greek", "en": "English", "eo": "Esperanto", "es": "Spanish",
    "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "fy": "Frisian", "ga": "Irish", "gd": "Scots Gaelic", "gl": "Galician", "gn": "Guarani",
    "gom": "Konkani", "gu": "Gujarati", "ha": "Hausa", "haw": "Hawaiian", "he": "Hebrew",
    "hi": "Hindi", "hmn": "Hmong", "hr": "Croatian", "ht": "Haitian Creole",
    "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian", "ig": "Igbo", "ilo": "Ilocano",
    "is": "Icelandic", "it": "Italian", "iw": "Hebrew", "ja": "Japanese", "jv": "Javanese",
    "jw": "Javanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada",
    "ko": "Korean", "kri": "Krio", "ku": "Kurdish (Kurmanji)", "ky": "Kyrgyz", "la": "Latin",
    "lb": "Luxembourgish", "lg": "Luganda", "ln": "Lingala", "lo": "Lao", "lt": "Lithuanian",
    "lus": "Mizo", "lv": "Latvian", "mai": "Maithili", "mg": "Malagasy", "mi": "Maori",
    "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mni-Mtei": "Meiteilon",
    "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "my": "Burmese", "ne": "Nepali",
    "nl": "Dutch", "no": "Norwegian", "nso": "Sepedi", "ny": "Chichewa", "om": "Oromo",
    "or": "Odia", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese",
    "qu": "Quechua", "ro": "Romanian", "ru": "Russian", "rw": "Kinyarwanda",
    "sa": "Sanskrit", "sd": "Sindhi", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian",
    "sm": "Samoan", "sn": "Shona", "so": "Somali", "sq": "Albanian", "sr": "Serbian",
    "st": "Sesotho", "su": "Sundanese", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "te": "Telugu", "tg": "Tajik", "th": "Thai", "ti": "Tigrinya", "tk": "Turkmen",
    "tl": "Filipino", "tr": "Turkish", "ts": "Tsonga", "tt": "Tatar", "ug": "Uyghur",
    "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "xh": "Xhosa",
    "yi": "Yiddish", "yo": "Yoruba", "zh": "Chinese", "zh-CN": "Chinese (Simplified)",
    "zh-TW": "Chinese (Traditional)", "zu": "Zulu",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tag:
    """What a language code means: language, and optionally script, region, variants."""

    language: str  # lower case
    script: str = ""  # title case: "Latn"
    region: str = ""  # upper case or three digits: "BR", "419"
    variants: tuple[str, ...] = ()  # lower case

    @property
    def bcp47(self) -> str:
        """``sr-Latn-RS``: the spelling LLMs and most APIs read."""
        return "-".join(p for p in (self.language, self.script, self.region, *self.variants) if p)

    @property
    def gettext(self) -> str:
        """``sr_RS@latin``, ``pt_BR``, ``zh_Hant``: the spelling of a PO header's Language."""
        name = self.language
        modifier = _SCRIPT_MODIFIERS.get(self.script, "")
        if self.script and not modifier:
            name += f"_{self.script}"
        if self.region:
            name += f"_{self.region}"
        if self.variants:
            modifier = modifier or self.variants[0]
        return f"{name}@{modifier}" if modifier else name

    def likely(self) -> Tag:
        """The tag with the script its language (and region) imply: ``zh_TW`` → Hant."""
        if self.script:
            return self
        table = _likely_subtags()
        keys = [f"{self.language}_{self.region}"] if self.region else []
        for key in (*keys, self.language, _ALIASES.get(self.language, "")):
            found = table.get(key)
            if found:
                script = parse_locale(found)[2] or ""
                return replace(self, script=script)
        return self

    def name(self) -> str:
        """In English, for people and prompts: ``Serbian (Latin)``, ``Portuguese (Brazil)``."""
        english = _english()
        language = english.languages.get(_ALIASES.get(self.language, self.language))
        if language is None:
            return self.bcp47
        details = [
            detail
            for detail in (
                english.scripts.get(self.script, self.script) if self.script else "",
                english.territories.get(self.region, self.region) if self.region else "",
                *self.variants,
            )
            if detail
        ]
        return f"{language} ({', '.join(details)})" if details else language


def parse_tag(code: str) -> Tag | None:
    """Read a BCP 47 tag or a gettext locale name; None if ``code`` is neither."""
    code = code.strip()
    name, _, modifier = code.partition("@")
    name = _CHARSET.sub("", name, count=1) if "." in name else name
    parts = name.replace("_", "-").split("-")
    if not _PRIMARY.match(parts[0]):
        return None
    script, region = "", ""
    variants: list[str] = []
    for index, part in enumerate(parts[1:]):
        if index == 0 and _SCRIPT.match(part):
            script = part.title()
        elif not region and not variants and _REGION.match(part):
            region = part.upper()
        elif _VARIANT.match(part):
            variants.append(part.lower())
        else:
            return None
    if modifier:
        meaning = _MODIFIERS.get(modifier.lower())
        if meaning is None:
            return None
        script = script or meaning[0]
        if meaning[1]:
            variants.append(meaning[1])
    return Tag(parts[0].lower(), script, region, tuple(variants))


def primary_subtag(code: str) -> str:
    tag = parse_tag(code)
    return tag.language if tag else code.split("-", 1)[0].lower()


def closest(code: str, offered: Sequence[str], role: Literal["source", "target"]) -> str | None:
    """The code among ``offered`` that means ``code``, or None when none does (or when
    several regional variants could, as ``en`` for ``EN-GB`` and ``EN-US``).

    A source only needs the same language (the provider reads any script or region); a
    target needs the same script too, and its region when the provider offers it.
    """
    wanted = parse_tag(code)
    if wanted is None:
        return None
    full = wanted.likely()
    language = _ALIASES.get(wanted.language, wanted.language)
    candidates: list[tuple[str, Tag]] = []
    for offer in offered:
        tag = parse_tag(offer)
        if tag is None or _ALIASES.get(tag.language, tag.language) != language:
            continue
        if role == "target" and tag.likely().script != full.script:
            continue
        if tag.bcp47.lower() == wanted.bcp47.lower():
            return offer
        candidates.append((offer, tag))
    if role == "source":
        # The plainest code of the language reads all of its variants.
        candidates.sort(key=lambda item: bool(item[1].script or item[1].region))
        return candidates[0][0] if candidates else None
    same_region = [item for item in candidates if wanted.region and item[1].region == wanted.region]
    # Without the region asked for, the language's own code; one that names the script
    # says more than one that implies it.
    general = sorted(
        (item for item in candidates if not item[1].region), key=lambda i: not i[1].script
    )
    for choice in (same_region, general):
        if choice:
            return choice[0][0]
    return candidates[0][0] if len(candidates) == 1 else None


def common_languages() -> list[Language]:
    return [Language(code, name) for code, name in COMMON_LANGUAGES.items()]


def describe(code: str) -> str:
    """A language as a model should read it: ``French (fr)``, ``Serbian (Latin) (sr-Latn)``,
    or the bare code if unknown."""
    tag = parse_tag(code)
    if tag is None:
        return code
    name = tag.name()
    return f"{name} ({code})" if name != tag.bcp47 else code


@cache
def _likely_subtags() -> dict[str, str]:
    return {str(key): str(value) for key, value in get_global("likely_subtags").items()}


@cache
def _english() -> Locale:
    return Locale("en")


def same_language(one: Tag, other: Tag) -> bool:
    """Whether a text in ``one`` is a text in ``other``: same language and script, and the
    same region when both name one (``pt`` and ``pt_BR`` are; ``sr`` and ``sr@latin`` not)."""
    if _ALIASES.get(one.language, one.language) != _ALIASES.get(other.language, other.language):
        return False
    if one.likely().script != other.likely().script:
        return False
    return not (one.region and other.region and one.region != other.region)
