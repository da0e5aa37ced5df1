"""Who gives a sentence's figures: "according to the health ministry", "…, police said",
"President X said on Friday that …", "He said …" (the person named last before). Pure.

The subject of a speech verb is the clause before it — back to a comma, a quote mark or
"that" — when that clause reads as a name or a noun phrase (capitalised or with an article,
at most eight words, no digits). A pronoun resolves to the last person mentioned before the
sentence; a definite description ("the minister") to the last person whose title, as
written, contains its noun. Either makes the sentence *anaphoric*: it reports what was said
on the occasion the sentence before described, so that sentence's date is the figure's as-of.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from amanat.analyze.claims import Context
from amanat.analyze.claims.numbers import lexicon_language
from amanat.analyze.claims.tries import alternation, phrase_trie
from amanat.kb.lexicon import lexicon
from amanat.model import Mention

_SEGMENT_BREAK = re.compile(r"[,;:“”\"«»()—–]|[‘’](?=\s|$)|(?<=\s)[‘’]|\bthat\b")
_ARTICLES = frozenset({"the", "a", "an"})


@dataclass(frozen=True)
class Attribution:
    """Who gives the figures of one sentence, and whether the sentence leans on the one before."""

    who: str | None
    anaphoric: bool = False
    verb: tuple[int, int] | None = None  # where the speech verb stands, when a verb gives it


@dataclass(frozen=True)
class _Patterns:
    speech: re.Pattern[str]
    according: re.Pattern[str]
    according_after: re.Pattern[str] | None  # None when the language has no such phrase
    according_after_cue: re.Pattern[str] | None  # the phrase alone: a cheap test before the full pattern
    pronouns: frozenset[str]
    function_words: frozenset[str]


@cache
def _patterns(language: str) -> _Patterns:
    lex = lexicon(lexicon_language(language))
    e = lex.entries
    after = e.get("figure_according_to_after", [])
    verbs = e.get("figure_speech_verbs", [])
    speech = phrase_trie(verbs, fold=True) or alternation(verbs)  # factored by prefixes (tries.py)
    return _Patterns(
        speech=re.compile(rf"(?<!\w)(?:{speech})(?!\w)", re.I),
        according=re.compile(rf"(?<!\w)(?:{alternation(e.get('figure_according_to', []))})\s+(?P<who>[^,;.“”\"()]+)", re.I),
        # a lazy run before a phrase is tried from every start in the sentence (quadratic in its
        # length): built only when the language has such phrases, and tried only where one stands
        according_after=re.compile(rf"(?P<who>[^,;.“”\"()]+?)\s+(?:{alternation(after)})(?!\w)", re.I) if after else None,
        according_after_cue=re.compile(rf"(?<!\w)(?:{alternation(after)})(?!\w)", re.I) if after else None,
        pronouns=lex.words("figure_pronouns"),
        function_words=lex.words("figure_function_words") | _ARTICLES,
    )


def attribution(context: Context, sentence: tuple[int, int], previous: tuple[int, int] | None) -> Attribution | None:
    """Who the sentence ``text[start:end]`` says gives its figures, if it says."""
    p = _patterns(context.language)
    text = context.text
    s0, s1 = sentence
    m = p.according.search(text, s0, s1)
    if m:
        return Attribution(_words(m.group("who"), 8, first=True))
    m = (p.according_after.search(text, s0, s1)
         if p.according_after is not None and p.according_after_cue is not None
         and p.according_after_cue.search(text, s0, s1) else None)
    if m:
        who = _SEGMENT_BREAK.split(m.group("who"))[-1]
        return Attribution(_words(who, 4, first=False))
    for verb in p.speech.finditer(text, s0, s1):
        before = text[max(s0, verb.start() - 4):verb.start()].casefold().split()
        if before and before[-1] in _ARTICLES:
            continue  # "an estimated 10,000": an adjective, not a speaker
        segments = [s.strip() for s in _SEGMENT_BREAK.split(text[s0:verb.start()])]
        subject = next((s for s in reversed(segments) if s), "") if segments and not segments[-1] else segments[-1] if segments else ""
        if segments and segments[-1] == "" and len(segments) >= 2 and not _noun_phrase(subject, p.function_words):
            continue
        at = (verb.start(), verb.end())
        if subject.casefold() in p.pronouns:
            return Attribution(_person_before(context, s0), True, at)
        if subject.casefold() in ("it", "they"):
            return Attribution(_subject_of(text, previous, p) if previous else None, True, at)
        if _noun_phrase(subject, p.function_words):
            words = subject.split()
            if words[0].casefold() == "the" and all(w.islower() for w in words[1:]) and len(words) <= 3:
                titled = _titled_person_before(context, s0, words[-1])
                return Attribution(titled or subject, True, at)
            return Attribution(subject, False, at)
    return None


def _subject_of(text: str, sentence: tuple[int, int], p: _Patterns) -> str | None:
    """The noun phrase a sentence opens with ("The health ministry updated its figures" →
    "The health ministry"): what "it" in the next sentence refers to. It ends at the first
    function word, past-tense verb or speech verb after its first word."""
    words = text[sentence[0]:sentence[1]].split()[:8]
    taken: list[str] = []
    for word in words:
        bare = word.strip(",.;:").casefold()
        if taken and (bare in p.function_words or bare.endswith("ed") or p.speech.fullmatch(bare)):
            break
        taken.append(word.strip(",.;:"))
    phrase = " ".join(taken)
    return phrase if taken and len(taken) < len(words) and _noun_phrase(phrase, p.function_words) else None


def _noun_phrase(s: str, function_words: frozenset[str]) -> bool:
    """A name or a noun phrase: "the health ministry", "Tokayev", "police" — not a clause."""
    words = s.split()
    return (0 < len(words) <= 8 and not any(ch.isdigit() for ch in s)
            and (words[0][0].isupper() or words[0].casefold() in _ARTICLES
                 or (words[0].casefold() not in function_words and len(words) <= 3)))


def _words(s: str, limit: int, first: bool) -> str | None:
    words = s.split()
    words = words[:limit] if first else words[-limit:]
    return " ".join(words) or None


class _Before:
    """People in the order of the document's mentions, looked up by where they end: the last of
    them (in that order) ending before a position is a bisection and a running maximum, not a
    pass over every mention for each sentence that says "he said"."""

    def __init__(self, people: list[Mention]) -> None:
        self.people = people
        by_end = sorted(range(len(people)), key=lambda i: people[i].end)
        self.ends = [people[i].end for i in by_end]
        self.last: list[int] = []
        for i in by_end:
            self.last.append(max(i, self.last[-1]) if self.last else i)

    def before(self, position: int) -> str | None:
        k = bisect_right(self.ends, position) - 1
        return self.people[self.last[k]].text if k >= 0 else None


def _people_before(context: Context) -> tuple[_Before, dict[str, _Before]]:
    """Every person, and the people by each word of their role ("minister" → …)."""
    people = [m for m in context.mentions if m.kind == "person"]
    by_word: dict[str, list[Mention]] = {}
    for m in people:
        for word in dict.fromkeys(m.role.casefold().split() if m.role else ()):
            by_word.setdefault(word, []).append(m)
    return _Before(people), {word: _Before(ms) for word, ms in by_word.items()}


def _person_before(context: Context, position: int) -> str | None:
    return context.computed("figure_attribution.people_before", _people_before)[0].before(position)


def _titled_person_before(context: Context, position: int, noun: str) -> str | None:
    titled = context.computed("figure_attribution.people_before", _people_before)[1].get(noun.casefold())
    return titled.before(position) if titled else None
