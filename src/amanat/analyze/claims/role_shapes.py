"""Role shapes beyond one title beside one known name. Pure; used by roles.py.

The mention analysis attaches one title to one person it recognised. News also gives titles

- to several people at once: a plural title before a list ("judges A, B and C") or after it
  ("A and B, both professors at …"): one role per person, the title's head in the singular;
- through "as": "… named Jane Roe as the firm's chief economist", "Roe served as the CEO of
  Acme" — a role given or held (a copula "Roe is the CEO" stays a predicate, no role);
- in a coordination before a comma: "Acme's founder and former CEO, Jane Roe" — two roles,
  each with its own marker;
- to names no knowledge base holds, which only the title marks as a person.

Every shape is a grammar over the lexicon's title words (a title's *head* must be one of
them), never a list of phrases; words come from kb/data/lexicon/en (speech.json,
titles.json, roles.json). Each shape is anchored on something rare — a plural title word,
the word "as", a comma before a capitalised run, ", both" — so the scans stay cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from amanat.analyze.claims.tries import phrase_trie
from amanat.kb import lexicon as _lexicon
from amanat.kb.lexicon import lexicon
from amanat.model import Mention

_CAP = r"[A-Z\u00C0-\u00DE][\w’'-]*"
_PARTICLE = r"(?:bin|ibn|al|el|de|del|da|di|van|von|der|ul|la|le)"
# a name of one to four words ("Carrie Ann Inaba", "Liu Xiaming", "Elizabeth A. Burton")
_NAME = rf"{_CAP}(?:\s+(?:{_PARTICLE}\s+)?(?:{_CAP}|[A-Z]\.)){{0,3}}"
_LIST_SPLIT = re.compile(r",\s+and\s+|,\s+|\s+and\s+")
_TOKEN = re.compile(r"[\w’'.-]+")
_PREPOSITIONS = frozenset({"at", "of", "for", "in", "with", "to", "from", "on"})


@dataclass(frozen=True)
class Words:
    """The word classes the role shapes read, as sets built once."""

    heads: frozenset[str]  # nouns a title is about: minister, judge, CEO, Lt
    modifiers: frozenset[str]  # words inside a title before its head: deputy, foreign
    nobility: frozenset[str]  # ranks by birth or honour: prince, sir
    lead_not_names: frozenset[str]  # capitalised words before a name that are not part of it
    not_names: frozenset[str]  # words that make a capitalised run no person's name
    clause_words: frozenset[str]
    as_breakers: frozenset[str]
    quantifiers: frozenset[str]
    plural_title: re.Pattern[str]
    plural_ends: tuple[re.Pattern[str], ...]
    plurals: frozenset[str]


def _plurals(word: str) -> set[str]:
    """The plural forms a head can be written in (judge → judges, secretary → secretaries,
    spokesman → spokesmen, coach → coaches)."""
    forms = {word + "s"}
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "o", "u"):
        forms.add(word[:-1] + "ies")
    if word.endswith(("s", "sh", "ch", "x")):
        forms.add(word + "es")
    if word.endswith("man"):
        forms.add(word[:-3] + "men")
    return forms


@cache
def words() -> Words:
    lex = lexicon("en")
    modifiers = lex.words("title_modifiers")
    heads = (lex.words("speaker_title_heads") | lex.words("occupation_titles") | lex.words("title_abbreviations")
             | (lex.words("title_words") - lex.words("rank_words") - modifiers - lex.words("title_word_non_heads")))
    demonyms = frozenset(w for ws in lex.table("demonyms").values() for w in ws)
    plural_heads = {p for h in heads - modifiers if len(h) > 3 and " " not in h for p in _plurals(h)}
    plural = phrase_trie(plural_heads, fold=True, piece=re.escape) or "|".join(
        sorted(map(re.escape, plural_heads), key=len, reverse=True))
    return Words(
        heads=heads,
        modifiers=modifiers,
        nobility=lex.words("nobility_titles"),
        lead_not_names=(heads | modifiers | lex.words("honorifics") | frozenset(lex.mapping("markers")) | demonyms | lex.words("former_words")
                        | lex.words("never_names") | lex.words("title_words")),
        not_names=(lex.words("organisation_words") | lex.words("body_heads") | lex.words("never_names")
                   | lex.words("anonymous_speakers") | heads | lex.words("place_titles") | lex.words("company_words")),
        clause_words=(lex.words("clause_openers") | lex.words("speech_verbs")) - _PREPOSITIONS - {"and", "by"},
        as_breakers=lex.words("role_as_breakers") | lex.words("clause_openers") - {"was", "is", "were", "been", "be", "being"},
        quantifiers=lex.words("list_quantifiers"),
        # a plural title right before a capitalised name: "judges Len Goodman, …"
        plural_title=re.compile(rf"(?<![\w’'-])({plural})\s+(?={_CAP})", re.I),
        # where such a title can end ("s " or "men " before a capital): literal scans (an
        # alternation of every plural title tried at every position costs ten times more)
        plural_ends=(re.compile(r"s (?=[A-Z\u00C0-\u00DE])"), re.compile(r"men (?=[A-Z\u00C0-\u00DE])")),
        plurals=frozenset(plural_heads),
    )


@cache
def _former() -> re.Pattern[str]:
    alt = "|".join(sorted(map(re.escape, lexicon("en").words("former_words")), key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alt})(?![\w])", re.I)


def former_words() -> frozenset[str]:
    return lexicon("en").words("former_words")


def marker_of(role: str | None) -> str | None:
    """The time marker of a title as written: the lexicon's markers (then-, former, acting …),
    and the words that say the holder is out of office ("Ousted WeWork CEO" → former)."""
    marker = _lexicon.marker_of(role)
    if marker is None and role and _former().search(role):
        return "former"
    return marker


@cache
def _affixes() -> tuple[frozenset[str], frozenset[str]]:
    lex = lexicon("en")
    return frozenset(lex.mapping("markers")) | lex.words("former_words"), lex.words("title_suffixes")


def title_part(low: str) -> str:
    """A folded word without a marker joined before it or a title suffix after it by a hyphen
    ("ex-footballer" → "footballer", "president-elect" → "president"): the word a title is
    looked up by. Other words are returned as they are."""
    if "-" not in low:
        return low
    markers, suffixes = _affixes()
    parts = low.split("-")
    if len(parts) > 1 and parts[-1] in suffixes:
        parts.pop()
    if len(parts) > 1 and parts[0] in markers:
        parts.pop(0)
    return "-".join(parts)


_POSSESSIVE = re.compile(r"['’]s$")


def _fold(word: str) -> str:
    return _POSSESSIVE.sub("", word.casefold().rstrip(".,"))


def is_head(word: str, w: Words | None = None) -> bool:
    """Whether a word as written is a title head ("CEO", "Lt.", "Secretary-General")."""
    w = w or words()
    low = _fold(word)
    if low in w.heads:
        return True
    low = title_part(low)  # "President-elect", "ex-footballer"
    return low in w.heads or low.split("-")[-1] in w.heads


def singular(word: str, w: Words | None = None) -> str | None:
    """The title head a plural stands for ("judges" → "judge"), or None when it is no title."""
    w = w or words()
    low = word.casefold()
    for form in (low[:-3] + "y" if low.endswith("ies") else "", low[:-3] + "man" if low.endswith("men") else "",
                 low[:-2] if low.endswith("es") else "", low[:-1] if low.endswith("s") else ""):
        if form and form in w.heads:
            if low.startswith(form):
                return word[:len(form)]  # the case as written: "Judges" → "Judge", "CEOs" → "CEO"
            return form if word[0].islower() else form[:1].upper() + form[1:]
    return None


@lru_cache(maxsize=8192)
def holds_office(title: str, w: Words | None = None) -> bool:
    """Whether a title as written names an office or occupation: a head word after its owner's
    possessive ("Queen Elizabeth II's third child" has none: a child is no title), and not a
    rank by birth alone ("Prince", "Sir") — unless an office word qualifies it ("Crown Prince")."""
    w = w or words()
    tokens = _TOKEN.findall(title)
    # the owner's possessive comes before the head; one inside a complement does not count
    # ("administrator for exploration in NASA’s science directorate")
    first = next((k for k, t in enumerate(tokens) if t.casefold() in _PREPOSITIONS), len(tokens))
    cut = max((k + 1 for k, t in enumerate(tokens[:first]) if t.endswith(("'s", "’s"))), default=0)
    tokens = tokens[cut:]
    found = False
    for k, token in enumerate(tokens):
        if not is_head(token, w):
            continue
        if _fold(token) in w.nobility and not any(_fold(t) in w.modifiers for t in tokens[:k]):
            continue
        found = True
    return found


def is_name(run: str, w: Words | None = None) -> bool:
    """Whether a capitalised run can be a person's name: no organisation or place word, and no
    title word first."""
    w = w or words()
    parts = [_fold(x) for x in run.split() if not re.fullmatch(r"[A-Z]\.", x)]
    # a title word may end a name ("Kevin King"), not start it ("Director Smith" is a title and a name)
    return bool(parts) and parts[0] not in w.heads and not any(x in w.not_names - w.heads for x in parts)


def strip_lead(text: str, start: int, end: int, w: Words | None = None) -> tuple[int, int]:
    """A name's span without the demonyms, titles and markers before it ("Australian Timothy
    Weeks" → "Timothy Weeks"), keeping at least one word."""
    w = w or words()
    tokens = list(re.finditer(r"\S+", text[start:end]))
    k = 0
    while k < len(tokens) - 1 and _fold(tokens[k].group()) in w.lead_not_names:
        k += 1
    return start + tokens[k].start(), end


def _outside(mentions: Iterable[Mention], start: int, end: int) -> bool:
    """Whether no place or organisation mention overlaps the span."""
    return not any(m.kind in ("place", "organization") and m.start < end and start < m.end for m in mentions)


def _names(text: str, start: int, listed: str, mentions: list[Mention], w: Words) -> list[tuple[int, int]] | None:
    """The spans of the names of a list ("Len Goodman, Bruno Tonioli and Carrie Ann Inaba"), or
    None when one item is no person's name (a place, an organisation, a title)."""
    spans: list[tuple[int, int]] = []
    at = 0
    for part in _LIST_SPLIT.split(listed):
        at = listed.index(part, at)
        s, e = strip_lead(text, start + at, start + at + len(part), w)
        e -= 2 if text[s:e].endswith(("'s", "’s")) else 0
        at += len(part)
        # people in a list are written in full: one word is as likely a company ("rivals Apple and Google")
        if len(text[s:e].split()) < 2 or not is_name(text[s:e], w) or not _outside(mentions, s, e):
            return None
        spans.append((s, e))
    return spans


_LISTED = re.compile(rf"{_NAME}(?:,\s+{_NAME})*,?\s+and\s+{_NAME}(?=[\s,.;:)]|['’]s\b|$)")


@dataclass(frozen=True)
class Role:
    """A role found by a shape: the claim's span, the person's span and the title."""

    start: int
    end: int
    person_start: int
    person_end: int
    title: str
    marker: str | None


def plural_before(text: str, mentions: list[Mention]) -> list[Role]:
    """"judges Len Goodman, Bruno Tonioli and Carrie Ann Inaba": one role per name."""
    w = words()
    found: list[Role] = []
    ends = [m.end() - 1 for m in w.plural_ends[0].finditer(text)]
    if "men " in text:
        ends = sorted(ends + [m.end() - 1 for m in w.plural_ends[1].finditer(text)])
    for at in ends:
        word_start = max(text.rfind(" ", max(0, at - 40), at), text.rfind("\n", max(0, at - 40), at)) + 1
        if text[word_start:at].casefold().lstrip("(“\"‘'") not in w.plurals:
            continue  # the cheap test first: most words before a capital are no plural title
        m = w.plural_title.match(text, word_start)
        if m is None:
            continue
        head = singular(m.group(1), w)
        if head is None or _fold(head) in w.nobility:
            continue
        listed = _LISTED.match(text, m.end())
        if listed is None:
            continue
        spans = _names(text, listed.start(), listed.group(), mentions, w)
        if not spans:
            continue
        # title words before the plural head belong to the title: "foreign ministers …"
        start = m.start()
        before = list(_TOKEN.finditer(text, max(0, start - 60), start))
        while before and _fold(before[-1].group()) in w.modifiers and before[-1].end() == start - 1:
            start = before.pop().start()
        title = re.sub(r"\s+", " ", text[start:m.start(1)] + head)
        found.extend(Role(start, e, s, e, title, marker_of(text[start:m.start(1)])) for s, e in spans)
    return found


_QUANTIFIER = re.compile(r", (?:both|all|each) ")  # a literal first: found by a fast scan
_QUANTIFIED_LIST = re.compile(rf"(?<![\w’'-])({_NAME}(?:,\s+{_NAME})*,?\s+and\s+{_NAME})$")
_QUANTIFIED_PHRASE = re.compile(r"([^,;.()“”\"]{2,90}?)(?=\s*[,;.)]|\s+(?:who|which|were|are|was|had|have)\b|$)")


def plural_after(text: str, mentions: list[Mention]) -> list[Role]:
    """"Kevin King and Timothy Weeks, both professors at the American University of Kabul":
    the plural title phrase in apposition gives each name its role."""
    w = words()
    found: list[Role] = []
    for q in _QUANTIFIER.finditer(text):
        listed = _QUANTIFIED_LIST.search(text, max(0, q.start() - 160), q.start())
        m = _QUANTIFIED_PHRASE.match(text, q.end())
        if listed is None or m is None:
            continue
        phrase = m.group(1)
        tokens = list(_TOKEN.finditer(phrase))
        lead = next((k for k, t in enumerate(tokens) if t.group().casefold() in _PREPOSITIONS), len(tokens))
        if not 0 < lead <= 5 or any(t.group().casefold() in w.clause_words for t in tokens):
            continue
        head = singular(tokens[lead - 1].group(), w)
        if head is None:
            continue
        spans = _names(text, listed.start(1), listed.group(1), mentions, w)
        if not spans:
            continue
        title = phrase[:tokens[lead - 1].start()] + head + phrase[tokens[lead - 1].end():]
        found.extend(Role(s, m.end(1), s, e, title.strip(), marker_of(phrase)) for s, e in spans)
    return found


# "as", then the title phrase: up to the first punctuation, then cut at the first word that
# ends a noun phrase (a greedy run cut in Python: a lazy one tries the stop words at every letter)
# a literal first, found by a fast scan; the lookbehind after it keeps "has" and "alias" out
_AS = re.compile(r"as(?<![\w’'-]as)\s+(?:(?:the|a|an)\s+)?([^,;.()“”\"\n]{2,80})")
_PHRASE_STOP = re.compile(r"\s+(?:from|since|until|in|on|and|after|before|when|while|who|which|where|during|last|"
                          r"this|earlier|but|to)\b")
_NAME_BEFORE = re.compile(rf"(?<![\w’'-])({_NAME})\s+((?:[a-z]+\s+){{0,3}})$")
def headed(phrase: str, w: Words | None = None) -> bool:
    """Whether a phrase without an article is a title: a title head ends its first words
    (before any preposition), and no verb or clause word is in it."""
    w = w or words()
    tokens = _TOKEN.findall(phrase)
    if not tokens or any(t.casefold() in w.clause_words for t in tokens):
        return False
    lead = _lead(tokens, w)
    return 0 < len(lead) <= 5 and is_head(lead[-1], w) and holds_office(" ".join(lead), w)


def _lead(tokens: list[str], w: Words) -> list[str]:
    """The words of a title phrase up to its head's complement: cut at the first preposition or
    article, or at a participle after a head ("a lawyer representing the family" → "lawyer");
    an article before any head means a clause ("company created a speaker" → "company")."""
    seen_head = False
    for k, t in enumerate(tokens):
        low = t.casefold()
        if low in _PREPOSITIONS or low in _ARTICLES or (
                seen_head and t.islower() and low.endswith(("ing", "ed")) and low not in w.heads):
            return tokens[:k]
        seen_head = seen_head or is_head(t, w)
    return tokens


_ARTICLES = frozenset({"a", "an", "the"})
# what stands before a title's words in an apposition: articles, markers, an owner's possessive
_TITLE_LEAD = re.compile(r"(?:(?:the|then|a|an|former|ex|acting|now|late|also)(?:\s+|-))*"
                         r"(?:(?:[\w.’'&-]+\s+){0,3}?[\w.&-]+['’]s\s+)?(?:(?:then|former|ex|acting|new|late)(?:\s+|-))*", re.I)


def apposition_title(phrase: str) -> str | None:
    """The title an apposition with an article or an owner states, cut before a clause ("a doctor
    at Chaoyang Hospital where …" → "a doctor at Chaoyang Hospital"), or None when its words are
    no title ("the company created a speaker that …", "the younger brother of …")."""
    w = words()
    for t in _TOKEN.finditer(phrase):
        if t.group().casefold() in w.clause_words:
            phrase = phrase[:t.start()].rstrip(" ,")
            break
    core = phrase[_TITLE_LEAD.match(phrase).end():]  # type: ignore[union-attr]
    return phrase if core and headed(core, w) else None


def as_roles(text: str, mentions: list[Mention], people: Iterable[tuple[int, int]]) -> list[Role]:
    """"Roe served as the CEO of Acme", "… adding Jane Roe as the company’s first chief
    strategist": a name, at most three lower-case words, "as", a title phrase."""
    w = words()
    found: list[Role] = []
    for m in _AS.finditer(text):
        stop = _PHRASE_STOP.search(m.group(1))
        if stop is None and m.end(1) < len(text) and text[m.end(1)] not in ",;.()“”\"\n":
            continue  # 80 letters without an end: no title phrase
        phrase = (m.group(1)[:stop.start()] if stop else m.group(1)).rstrip()
        if len(phrase) < 2 or not headed(phrase, w):
            continue
        phrase_end = m.start(1) + len(phrase)
        before = _NAME_BEFORE.search(text, max(0, m.start() - 80), m.start())
        if before is None or any(x in w.as_breakers for x in before.group(2).split()):
            continue
        verb = text[max(0, before.start() - 20):before.start()].split()
        if not before.group(2) and verb and _fold(verb[-1]) in w.as_breakers:
            continue  # "regarded Tom Hill as the best candidate": a judgement, no title given
        s, e = strip_lead(text, before.start(1), before.end(1), w)
        known = (s, e) in people
        if not known and (len(text[s:e].split()) < 2 or not is_name(text[s:e], w) or not _outside(mentions, s, e)):
            continue
        title = drop_owner(re.sub(r"^the\s+", "", phrase))
        found.append(Role(s, phrase_end, s, e, re.sub(r"\s+", " ", title), marker_of(phrase)))
    return found


_COMMON_OWNER = re.compile(r"^(?:[a-z]+['’]s|(?i:its|his|her|their|our|my|your))\s+(?=\S)")


def drop_owner(title: str) -> str:
    """A title without an owner that names no one ("the company’s chief economist", "its
    adviser" → "chief economist", "adviser"); a named owner stays ("Pakistan's ambassador")."""
    return _COMMON_OWNER.sub("", title)


def coordinated(phrase: str) -> list[tuple[int, str]]:
    """The titles of a coordination, each with its offset in ``phrase``, when a time marker
    stands inside it: "WeWork's founder and former CEO" → "WeWork's founder", "former CEO" (a
    role has one marker). Without one it is one role ("CEO and founder of my6sense"), and a
    phrase whose parts are not all titles ("Minister of Trade and Integration") stays whole."""
    w = words()
    parts = list(re.finditer(r"(?:^|(?<=\sand\s))(?:(?!\sand\s).)+", phrase))
    if len(parts) < 2 or not all(holds_office(p.group(), w) for p in parts) \
            or not any(marker_of(p.group()) for p in parts[1:]):
        return [(0, phrase)]
    return [(p.start(), p.group()) for p in parts]


def after_name_list(role: str) -> int:
    """Where a title read before a name really starts when a listed name stands inside it
    ("European Union Gordon Sondland and Energy Secretary" before "Rick Perry" → "Energy
    Secretary"): after the last "and" or comma that follows a word that is no title word; 0
    when there is none."""
    if " and " not in role and "," not in role:
        return 0  # the cheap test first
    w = words()
    for sep in reversed(list(re.finditer(r",\s+(?:and\s+)?|\s+and\s+", role))):
        left = _TOKEN.findall(role[:sep.start()])
        right = role[sep.end():]
        if left and left[-1][:1].isupper() and not is_head(left[-1], w) and _fold(left[-1]) not in w.modifiers \
                and holds_office(right, w):
            return sep.end()
    return 0
