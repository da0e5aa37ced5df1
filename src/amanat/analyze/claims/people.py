"""People a text names, known to the base or not: who a quote's "he said" can refer back to. Pure.

The mention analysis links names to the knowledge base and keeps an unknown capitalised run
only when something marks it as a person. Real news names mostly people no base holds
("Sonya A. Zoghlin", "Giuffre"), so the quote and role extractors also need the people the
text itself marks, with the same kind of evidence and no model:

- a title or honorific right before the run ("U.S. Attorney Nealy Cox", "judge Inaba",
  "Rep. Ilhan Omar"), the title words dropped from the name;
- a title phrase in apposition after it ("Will Moy, chief executive of Full Fact");
- a speech verb right after it, or "said" right before it ("Dominic Raab said", "said Bruce
  Bagley"): a run of two or more words, or one word already known as part of a full name;
- a single word that is the surname or given name of a person found so ("Giuffre" after
  "Virginia Giuffre").

A run that is (or overlaps) an organisation or place mention, or holds an organisation word,
is no person. ``gender`` comes from an honorific (Mr / Ms, Mrs) when one is written, else it
is ``None``: no list of first names ships with the project, so he/she agree with anyone else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from amanat.analyze.claims import Context
from amanat.analyze.claims.role_shapes import title_part
from amanat.analyze.claims.tries import phrase_trie
from amanat.kb.lexicon import lexicon

_NAME_WORD = r"[A-Z\u00C0-\u00DE][\w’'-]*[a-z\u00DF-\u024F][\w’'-]*"
_PARTICLE = r"(?:bin|ibn|al|el|de|del|da|di|van|von|der|ul|la|le)"
# The first letter is matched first and the "no word before" test looks back from it: a
# pattern that starts with a character class lets ``re`` skip to the next capital in C, where
# a leading lookbehind is tried at every position (same matches, a third of the scan time).
_RUN = re.compile(rf"[A-Z\u00C0-\u00DE](?<![\w’'.-].)(?:[\w’'-]*[a-z\u00DF-\u024F][\w’'-]*|(?<=[A-Z])\.(?=\s+[A-Z]))"
                  rf"(?:\s+(?:{_PARTICLE}\s+)?(?:{_NAME_WORD}|[A-Z]\.(?=\s+[A-Z]))){{0,5}}")
_MALE = frozenset({"mr", "mister", "sir"})
_FEMALE = frozenset({"ms", "mrs", "miss", "madam", "dame", "mme"})


@dataclass(frozen=True)
class Person:
    """A person named at ``start``–``end`` (the name without its title)."""

    start: int
    end: int
    name: str
    entity: str | None = None
    gender: str | None = None  # "m" / "f" from an honorific, else None
    weak: bool = False  # one word as a subject or a speaker only: "Roth said", "Omar asked …"

    @property
    def key(self) -> str:
        """What two mentions of one person share: the entity, else the surname."""
        return self.entity or self.name.split()[-1].casefold()


@dataclass(frozen=True)
class _Words:
    titles: frozenset[str]  # title heads, modifiers, occupations, abbreviations, honorifics
    sole_titles: frozenset[str]  # titles that mark one word as a name: "President Trump", not "General Motors"
    honorifics: frozenset[str]
    not_names: frozenset[str]  # words that make a run no person's name
    lead_not_names: frozenset[str]  # capitalised words before a name that are not part of it
    apposition: re.Pattern[str]
    verb_after: re.Pattern[str]


@cache
def _words() -> _Words:
    lex = lexicon("en")
    heads = lex.words("speaker_title_heads") | lex.words("occupation_titles")
    titles = heads | lex.words("title_modifiers") | lex.words("title_abbreviations") | lex.words("title_words")
    honorifics = lex.words("honorifics")
    markers = frozenset(lex.mapping("markers"))
    demonyms = frozenset(w for words in lex.table("demonyms").values() for w in words)
    # factored by prefixes (tries.py): tried after every capitalised run
    verbs = phrase_trie(lex.words("speech_verbs"), fold=False) or "|".join(
        re.escape(v).replace(r"\ ", r"\s+") for v in sorted(lex.words("speech_verbs"), key=len, reverse=True))
    head_alt = phrase_trie(heads, fold=True, piece=re.escape) or "|".join(
        re.escape(h) for h in sorted(heads, key=len, reverse=True))
    return _Words(
        titles=titles | honorifics,
        sole_titles=(heads | lex.words("title_abbreviations") | honorifics) - lex.words("title_modifiers"),
        honorifics=honorifics,
        not_names=(lex.words("organisation_words") | lex.words("body_heads") | lex.words("never_names") | heads
                   | lex.words("anonymous_speakers")),
        lead_not_names=titles | honorifics | markers | demonyms | lex.words("never_names"),
        # ", the chief executive of …" / ", Carlineo’s attorney" / ", equity strategist at …"
        apposition=re.compile(rf",\s+(?:(?:the|a|an|former|then|now)\s+)?(?:[\w’'-]+\s+){{0,4}}?(?:{head_alt})\b", re.I),
        verb_after=re.compile(rf"\s+(?:[a-z]+ly\s+|also\s+|later\s+)?(?:{verbs})\b"),
    )


def _fold(word: str) -> str:
    word = word.rstrip(".").casefold()
    return word[:-2] if word.endswith(("'s", "’s")) else word


def _word_before(text: str, start: int) -> str:
    """The word right before ``start`` across one space, folded ("" when none): string methods,
    not a regex anchored at the end, which would be tried at every position of the window."""
    if start == 0 or not text[start - 1].isspace():
        return ""
    parts = text[max(0, start - 30):start].split()
    return _fold(parts[-1].lstrip("(“\"‘'")) if parts else ""


_LOWER_AFTER = re.compile(r"\s+[a-z]")
_SENTENCE_END = re.compile(r".{0,2}[.!?][”\"]?\s+$")
_NONSPACE = re.compile(r"\S+")


def _gender_before(text: str, start: int) -> str | None:
    """"m" or "f" when an honorific of one stands right before ``start`` ("Ms. Omar")."""
    low = _word_before(text, start)
    return "m" if low in _MALE else "f" if low in _FEMALE else None


def people(context: Context) -> list[Person]:
    """The people of one text in text order: the person mentions and the runs marked as people.
    Computed once per context for the quote and role extractors."""
    return list(context.computed("people", _people))


def _people(context: Context) -> tuple[Person, ...]:
    w = _words()
    text = context.text
    mentions = [m for m in context.mentions if not m.nested]
    found = [Person(m.start, m.end, m.text, m.entity_id, _gender_before(text, m.start))
             for m in mentions if m.kind == "person"]
    covered = bytearray(len(text) + 1)  # where a mention (or a name found) stands: one C-level find per run
    for m in mentions:
        covered[m.start:m.end] = b"\x01" * (m.end - m.start)
    singles: list[tuple[int, int]] = []  # one-word runs, decided once the full names are known
    for run in _RUN.finditer(text):
        words = run.group().split()
        end = run.end()
        if words[-1].endswith(("'s", "’s")):  # a possessive: the name ends before it
            end -= 2
        if covered[end - 1]:
            continue  # the cheapest test first: the run ends inside a mention (the name starts before its end)
        if len(words) == 1:
            x = words[0]  # an initial ("A.") is never a word that makes the run no name
            if not (len(x) == 2 and x[1] == "." and "A" <= x[0] <= "Z") and _fold(x) in w.not_names:
                continue
            if covered.find(1, run.start(), end) == -1:
                singles.append((run.start(), end))
            continue
        # drop leading titles, honorifics, markers, demonyms and sentence openers: "Ukrainian President …"
        k, titled, gender = 0, False, None
        # a title joined to a marker or a suffix ("Ex-footballer", "President-elect") leads too
        while k < len(words) - 1 and ((low := _fold(words[k])) in w.lead_not_names or title_part(low) in w.titles):
            titled = titled or low in w.titles or title_part(low) in w.titles
            gender = "m" if low in _MALE else "f" if low in _FEMALE else gender
            k += 1
        name_words = words[k:]
        start = run.start() + [m.start() for m in _NONSPACE.finditer(run.group())][k] if k else run.start()
        if covered.find(1, start, end) != -1:
            continue  # the cheap test first: most runs are mentions already
        # an initial ("A.") is never a word that makes the run no name: a string test, not a
        # regex call per word (this runs for every capitalised run of every text)
        if any(_fold(x) in w.not_names for x in name_words
               if not (len(x) == 2 and x[1] == "." and "A" <= x[0] <= "Z")):
            continue
        if len(name_words) == 1:
            singles.append((start, end))
            continue
        name = text[start:end]
        if not titled:
            low = _word_before(text, start)
            if low:
                titled = low in w.titles
                gender = "m" if low in _MALE else "f" if low in _FEMALE else gender
        spoke = bool(w.verb_after.match(text, end)) or text.endswith(("said ", "said\n"), 0, start)
        if titled or spoke or w.apposition.match(text, end):
            found.append(Person(start, end, name, gender=gender))
            covered[start:end] = b"\x01" * (end - start)
    # a one-word run is a person when a full name holds it ("Giuffre" after "Virginia Giuffre"),
    # a title stands right before it ("President Trump"), or it speaks or is a sentence's subject
    # ("Volker disputed …", "Omar asked for compassion …"); the tests in that order, cheapest first
    known = {x.casefold() for p in found for x in p.name.split() if len(x) > 2}
    for start, end in singles:
        name = text[start:end]
        if name.casefold() in known:
            found.append(Person(start, end, name))
            continue
        before = _word_before(text, start)
        if before in w.sole_titles or title_part(before) in w.sole_titles:
            found.append(Person(start, end, name))
        elif (w.verb_after.match(text, end) or text.endswith(("said ", "said\n"), 0, start)
              or (_LOWER_AFTER.match(text, end) and (start == 0 or text[start - 1] == "\n"
                                                     or _SENTENCE_END.match(text, max(0, start - 4), start)))):
            found.append(Person(start, end, name, weak=True))
    return tuple(sorted(found, key=lambda p: p.start))
