"""Language identification on the seeds, real multilingual feeds and edge cases."""

from __future__ import annotations

import html
import re

import feedparser
import pytest

from amanat.analyze.language import detect_language
from conftest import SHARED, shared_path

FEEDS = SHARED / "data" / "formats" / "feeds" / "chardet-realworld"
LANGUAGE_OF_FOLDER = {
    "windows-1251-russian": "ru",
    "KOI8-R": "ru",
    "IBM866": "ru",
    "windows-1251-bulgarian": "bg",
    "iso-8859-7-greek": "el",
    "windows-1255-hebrew": "he",
    "GB2312": "zh",
    "Big5": "zh",
    "EUC-JP": "ja",
    "SHIFT_JIS": "ja",
    "CP932": "ja",
    "CP949": "ko",
    "utf-8": "hu",
    "ascii": "en",
}


def test_seeds_are_english() -> None:
    seeds = sorted(shared_path("seeds").glob("*.txt"))
    assert len(seeds) == 5
    assert [detect_language(p.read_text()[:2000]) for p in seeds] == ["en"] * 5


def _entries() -> list[tuple[str, str]]:
    out = []
    for path in sorted(
        shared_path("data", "formats", "feeds", "chardet-realworld").glob("*/*.xml")
    ):
        for entry in feedparser.parse(path.read_bytes()).entries:
            markup = f"{entry.get('title', '')}. {entry.get('summary', '')}"
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
            if sum(c.isalpha() for c in text) >= 30:
                out.append((LANGUAGE_OF_FOLDER[path.parent.name], text))
    return out


def test_feed_entries_in_nine_languages() -> None:
    entries = _entries()
    assert {lang for lang, _ in entries} == {"ru", "bg", "el", "he", "zh", "ja", "ko", "hu", "en"}
    answers = [(lang, detect_language(text), text) for lang, text in entries]
    right = sum(lang == got for lang, got, _ in answers)
    assert right >= 0.95 * len(answers)
    for lang in {lang for lang, _ in entries}:
        assert any(got == lang for expected, got, _ in answers if expected == lang), lang
    for lang, got, text in answers:
        if got not in (lang, None):
            # the only tolerated miss: an entry mostly in Latin letters (English paper titles
            # with Chinese author names) read as English
            letters = [c for c in text if c.isalpha()]
            assert got == "en" and sum(c.isascii() for c in letters) > len(letters) / 2, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Министерство иностранных дел Республики Казахстан сообщило о переговорах.", "ru"),
        ("Қазақстан Республикасының Сыртқы істер министрлігі мәлімдеме жасады бүгін.", "kk"),
        ("وزارت خارجہ نے کہا کہ پاکستان اور قازقستان کے درمیان تعلقات مضبوط ہو رہے ہیں", "ur"),
        ("משרד החוץ הודיע היום על חידוש השיחות בין שתי המדינות בנושא סחר", "he"),
    ],
)
def test_languages_of_the_project(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["", "   ", "Astana", "OK 2022", "12345 67890 !!! ???", "\x00\x01"]
)
def test_too_little_text_is_none(text: str) -> None:
    assert detect_language(text) is None


def test_control_characters_and_lone_surrogates_do_not_break_it() -> None:
    text = "The ministry said the talks\x00 ended with a joint statement \ud800 on trade and transport."
    assert detect_language(text) == "en"
