"""Language codes: the value type, a table of common languages, tag syntax.

Providers with a languages endpoint list their own; the table here serves the ones
without (the Google web endpoint, whose codes it follows) and gives LLM prompts a
language's name rather than a bare code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# BCP 47 in the shapes translation APIs use: "fr", "pt-BR", "zh-Hant", "mni-Mtei".
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


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


def is_language_tag(code: str) -> bool:
    return bool(_TAG.match(code))


def primary_subtag(code: str) -> str:
    return code.split("-", 1)[0].lower()


def common_languages() -> list[Language]:
    return [Language(code, name) for code, name in COMMON_LANGUAGES.items()]


def describe(code: str) -> str:
    """A language as a model should read it: ``French (fr)``, or the bare code if unknown."""
    lowered = {key.lower(): name for key, name in COMMON_LANGUAGES.items()}
    name = lowered.get(code.lower()) or lowered.get(primary_subtag(code))
    return f"{name} ({code})" if name else code
