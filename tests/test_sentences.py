"""Sentence splitting: where a full stop ends a sentence and where it only ends an
abbreviation, in English, Russian and Kazakh."""

from __future__ import annotations

import pytest

from amanat.analyze.sentences import sentences


def split(text: str, language: str = "en") -> list[str]:
    return [text[s:e] for s, e in sentences(text, language)]


@pytest.mark.parametrize(("text", "language"), [
    ("На митинг вышли 4,5 тыс. человек, сообщила полиция.", "ru"),
    ("Ущерб составил 150 млн. рублей по оценке акимата.", "ru"),
    ("Митингке 2 мың адам, яғни шамамен 4,5 тыс. адам қатысты.", "kk"),
    ("Ему вручили премию им. Абая в Алматы.", "ru"),
    ("Офис находится на ул. Абая в центре города.", "ru"),
    ("Лекцию прочитал проф. Иванов из Москвы.", "ru"),
    ("Кеңсе көш. Абай бойында орналасқан.", "kk"),
    ("The toll was approx. two hundred people.", "en"),
])
def test_an_abbreviation_or_a_lower_case_word_after_a_stop_goes_on_the_sentence(text: str, language: str) -> None:
    assert split(text, language) == [text]


@pytest.mark.parametrize(("text", "language", "parts"), [
    ("Погибли 225 человек. Задержаны 9 900 человек.", "ru", 2),
    ("Ущерб составил 5 млрд. В 2023 году его возместили.", "ru", 2),
    ("Қаңтар оқиғаларында 238 адам қаза тапты. Әкімдік мәлімдеді.", "kk", 2),
    ("Police detained 44 people. Écoles were shut. Ölkəni tərk etdilər.", "en", 3),
    ("Dr. Ali arrived. He spoke.", "en", 2),
    ("قُتل ٨ من عناصر الأمن. وأصيب آخرون.", "ar", 2),
])
def test_a_stop_before_an_upper_case_letter_of_any_cased_script_ends_a_sentence(text: str, language: str,
                                                                                  parts: int) -> None:
    assert len(split(text, language)) == parts, split(text, language)
