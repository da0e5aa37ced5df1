"""Date expressions in news text and what they resolve to at the document's date. Pure.

"On March 4", "4 January 2022", "in July", "last October", "on Wednesday", "yesterday",
"earlier this month", "the previous day", "В 1992 году", "2022 жылғы 5 қаңтарда",
"يوم الخميس" — each found with its span, then resolved to an ISO date at its precision
(day, month, year), or to nothing with the reason when the text does not fix it (a weekday
in a document without a date).

Written by hand rather than with dateparser: ``dateparser.search_dates`` invents dates from
stray words (the issue measured it), and parsing each candidate with it would cost more than
the whole claims stage may. The grammar is small — a preposition, a day, a month, a year, a
weekday, a few relative phrases — so one compiled pattern per language, built from the
lexicon (``kb/data/lexicon/<lang>/dates.json``), finds them all in one pass.

News usage decides the ambiguous cases: a bare weekday or month is the most recent one on or
before the document date, unless the clause it stands in speaks of the future ("will meet in
July") — then the coming one.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

from amanat.analyze.claims.numbers import grammar as number_grammar
from amanat.analyze.claims.numbers import lexicon_language, trie_alternation
from amanat.analyze.claims.tries import NEVER, phrase_trie
from amanat.analyze.claims.triggers import candidates, matches
from amanat.kb.lexicon import lexicon

_Day = date  # the type, by a name the field ``DateExpression.date`` does not hide

_SPACES = re.compile(r"\s+")
_RANGE_YEAR = re.compile(r"(?:1[5-9]\d\d|20\d\d)(?!\d)")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’.-]*)\s+$")
UNKNOWN_DOCUMENT_DATE = "relative date, document date unknown"


@dataclass(frozen=True)
class DateExpression:
    """A date expression ``text[start:end]`` and its resolution.

    ``role`` says what the date does: "event" dates something the sentence reports; "as_of"
    bounds a figure ("as of 3 March", "by Friday", "so far this year", "over the past few
    hours"); "start" dates when something began ("since June") — an event, but not the time a
    figure held; "span" closes a period ("until 2025") — neither.
    """

    start: int
    end: int
    date: str | None
    precision: str | None
    role: str
    why: str | None = None

    @property
    def event(self) -> bool:
        return self.role in ("event", "start")

    @property
    def day(self) -> _Day | None:
        return date.fromisoformat(self.date) if self.date and self.precision == "day" else None


def _alt(words: Any, capitalised: bool = False) -> str:
    """An alternation of lexicon phrases, longest first; spaces match any white space. Factored
    by prefixes (``tries.py``) when it can be: the date pattern scans every sentence."""
    phrases = {str(w) for w in words}
    if not capitalised or all(len(w[0].upper()) == 1 for w in phrases if w):
        trie = phrase_trie(phrases, fold=True, first=_capital if capitalised else None)
        if trie is not None:
            return trie
    out = []
    for w in sorted({str(w) for w in words}, key=len, reverse=True):
        pattern = re.escape(w).replace(r"\ ", r"\s+")
        if capitalised and w[:1].isalpha():
            pattern = f"(?-i:{w[0].upper()}){pattern[1:]}"  # "May", never the verb "may"
        out.append(pattern)
    return "|".join(out) or "(?!x)x"


def _capital(ch: str) -> str:
    """The first letter of a name written capitalised ("May", never the verb "may")."""
    return f"(?-i:{ch.upper()})" if ch.isalpha() else (r"\s+" if ch == " " else re.escape(ch))


@dataclass(frozen=True)
class DateGrammar:
    """The date pattern of one language and the words it resolves with."""

    pattern: re.Pattern[str]
    lead: str  # where a date not starting with a digit can start (``triggers.py``)
    breaks: re.Pattern[str]
    future: re.Pattern[str]
    past: re.Pattern[str]
    name_words: frozenset[str]
    months: dict[str, int]
    weekdays: dict[str, int]
    day_offsets: dict[str, int]
    anchor_offsets: dict[str, int]
    relative: dict[str, list[Any]]
    modifiers: dict[str, int]
    ago_units: dict[str, str]
    period_prefix: re.Pattern[str]
    number_words: dict[str, int]
    as_of_prepositions: frozenset[str]
    span_prepositions: frozenset[str]
    start_prepositions: frozenset[str]
    bare_year_prepositions: frozenset[str]
    range_starts: frozenset[str]  # "between 2010 and 2015", "from 2004 to 2014": the second end is dated too
    range_join: re.Pattern[str]


def _norm(s: str) -> str:
    return _SPACES.sub(" ", s.casefold()).strip()


@cache
def grammar(language: str) -> DateGrammar:
    """The date grammar of ``language``, compiled once."""
    lex = lexicon(lexicon_language(language))
    e = lex.entries
    cap = bool(e.get("date_names_capitalised"))
    months = {_norm(k): int(v) for k, v in lex.mapping("date_months").items()}
    weekdays = {_norm(k): int(v) for k, v in lex.mapping("date_weekdays").items()}
    parts_of = _alt(e.get("date_period_parts", []))
    M = rf"(?:(?:{parts_of})[\s-]+)?(?:{_alt(months, cap)})(?:\.(?=\s+\d))?"
    W = _alt(weekdays, cap)
    D = r"(?:[12]\d|3[01]|0?[1-9])(?!\d)"
    Y = r"(?:1[5-9]\d\d|20\d\d)(?!\d)"
    ya = _alt(e.get("date_year_words_after", []))
    yb = _alt(e.get("date_year_words_before", []))
    preps = [str(p) for key in ("date_event_prepositions", "date_as_of_prepositions", "date_span_prepositions",
                                "date_start_prepositions")
             for p in e.get(key, [])]
    mods = _alt(lex.mapping("date_modifiers"))
    parts = _alt(e.get("date_parts_of_day", []))
    ordinal = r"(?:st|nd|rd|th)?" if language == "en" else ""
    # two days ago / a year ago
    ago_form = (rf"(?P<agon>\d+|an?|{trie_alternation(list(lexicon(lexicon_language(language)).mapping('number_words')))})\s+"
                rf"(?P<agou>{_alt(lex.mapping('date_ago_units'))})\s+(?:{_alt(lex.mapping('date_ago'))})")
    forms = [
        # Thursday, 6 January (2022) (night)
        rf"(?:(?P<wmod>{mods})\s+)?(?P<wd>{W})(?:,?\s+(?:(?P<ad>{D}){ordinal}\s+(?P<am>{M})|(?P<am2>{M})\s+(?P<ad2>{D}){ordinal})"
        rf"(?:,?\s+(?P<ay>{Y}))?)?(?:\s+(?P<part>{parts}))?",
        # 2022 жылғы 5 қаңтарда
        rf"(?P<by>{Y})\s+(?:{ya})\s+(?P<bd>{D})\s+(?P<bm>{M})",
        # 5 January (2022) (года); a range "4-6 January" dates its first day
        rf"(?:the\s+)?(?P<cd>{D}){ordinal}(?:\s*[-–]\s*{D}{ordinal})?(?:\s+of)?\s+(?P<cm>{M})(?:,?\s+(?P<cy>{Y})(?:\s+(?:{ya}))?)?",
        # March 4(, 1991)
        rf"(?P<dm>{M})\s+(?P<dd>{D}){ordinal}(?:\s*[-–]\s*{D}{ordinal})?(?:,?\s+(?P<dy>{Y}))?",
        # 05.01.2022 / 2022-01-05
        r"(?P<ed>[0-3]?\d)\.(?P<em>[01]?\d)\.(?P<ey>(?:19|20)\d\d)|(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)",
        # last October / in July / January 2023 (года)
        rf"(?:(?P<fmod>{mods})\s+)?(?P<fm>{M})(?:,?\s+(?P<fy>{Y})(?:\s+(?:{ya}))?)?",
        # عام 1992 / 1992 году / in (early) 2019
        rf"(?:{yb})\s+(?P<gy>{Y})|(?P<gy2>{Y})\s+(?:{ya})|(?:(?:{parts_of})[\s-]+)?(?P<gy3>{Y})",
        ago_form,
        rf"(?P<rel>{_alt(lex.mapping('date_relative_phrases'))})",
        rf"(?P<off>{_alt(lex.mapping('date_day_offsets'))})",
        rf"(?P<anc>{_alt(lex.mapping('date_anchor_offsets'))})",
        rf"(?P<recent>{_alt(e.get('date_recent_phrases', []))})",
    ]
    # every expression starts with a digit or one of these words: checked first, in one
    # alternation, so the long pattern is tried only where a date can start

    def lead(phrase: Any) -> str:  # the first two words of a phrase: "the previous", not "the"
        return " ".join(str(phrase).split()[:2])

    firsts = {lead(w) for key in ("date_relative_phrases", "date_day_offsets", "date_anchor_offsets",
                                  "date_modifiers", "date_months", "date_weekdays") for w in lex.mapping(key)}
    firsts |= {lead(w) for key in ("date_recent_phrases", "date_year_words_before", "date_period_parts")
               for w in e.get(key, [])}
    ago = re.sub(r"\(\?P<\w+>", "(?:", ago_form)  # starts with "a" or a number word: looked for whole
    # the pattern matches only at a run of digits or at a word start where ``starts_here`` does
    starts_here = rf"{trie_alternation(firsts | {lead(w) for w in preps})}(?!\w)|{ago}"
    # the candidates of triggers.py are tighter (``_trigger_lead``): a preposition only before
    # what a date can start with, a number only where a date form can follow it
    def whole(keys: tuple[str, ...]) -> set[str]:
        return {" ".join(str(w).split()) for key in keys for w in (e.get(key) or [])}

    trigger_lead = _trigger_lead(
        whole(("date_relative_phrases", "date_day_offsets", "date_anchor_offsets", "date_modifiers", "date_months",
               "date_weekdays", "date_recent_phrases", "date_year_words_before", "date_period_parts")),
        whole(("date_months", "date_period_parts")), whole(("date_event_prepositions", "date_as_of_prepositions",
                                                            "date_span_prepositions", "date_start_prepositions")),
        ago, D, Y, ordinal)
    pattern = (rf"(?<![\w.\-])(?=\d|{starts_here})"
               rf"(?:(?P<prep>{_alt(preps)})\s+)?(?:{'|'.join(forms)})(?![\w\-]|\.\d)")
    breaks = rf"[.;:!?“”\"«»]|\b(?:{_alt(e.get('date_clause_breaks', []))})\b"
    return DateGrammar(
        pattern=re.compile(pattern, re.I),
        lead=trigger_lead,
        breaks=re.compile(breaks, re.I),
        future=re.compile(rf"(?<!\w)(?:{_alt(e.get('date_future_markers', []))})(?!\w)", re.I),
        name_words=lex.words("date_name_words"),
        past=re.compile(rf"(?<!\w)(?:{_alt(e.get('date_past_markers', []))}|[^\W\d_]{{2,}}(?:{_alt(e.get('date_past_endings', []))}))(?!\w)",
                        re.I),
        months=months, weekdays=weekdays,
        day_offsets={_norm(k): int(v) for k, v in lex.mapping("date_day_offsets").items()},
        anchor_offsets={_norm(k): int(v) for k, v in lex.mapping("date_anchor_offsets").items()},
        relative={_norm(k): v for k, v in lex.mapping("date_relative_phrases").items()},
        period_prefix=re.compile(rf"^(?:{parts_of})[\s-]+", re.I),
        ago_units={_norm(k): str(v) for k, v in lex.mapping("date_ago_units").items()},
        number_words={_norm(k): int(v) for k, v in lex.mapping("number_words").items()},
        modifiers={_norm(k): int(v) for k, v in lex.mapping("date_modifiers").items()},
        as_of_prepositions=frozenset(_norm(p) for p in e.get("date_as_of_prepositions", [])),
        span_prepositions=frozenset(_norm(p) for p in e.get("date_span_prepositions", [])),
        start_prepositions=frozenset(_norm(p) for p in e.get("date_start_prepositions", [])),
        bare_year_prepositions=frozenset(_norm(p) for p in e.get("date_bare_year_prepositions", [])),
        range_starts=frozenset(_norm(p) for p in e.get("date_range_starts", [])),
        range_join=re.compile(rf"\s+(?:{_alt(e.get('date_range_joins', []))})\s+", re.I),
    )


def _trigger_lead(phrases: set[str], months: set[str], preps: set[str], ago: str, day: str, year: str,
                  ordinal: str) -> str:
    """Where a date can start, for the trigger scan (``triggers.py``, the date lead taking
    its runs of digits on itself): most preposition and number candidates are no date ("in
    the end", "by the", "12 people"), and each one the pattern is tried at costs a ``match``.

    It must hold wherever the pattern can match, read off the forms of ``grammar``: a date
    opens with one of the lexicon's whole ``phrases`` (a month, a weekday, "last", "the day
    before", "early"…), or the "a day ago" form, or a number form (``numeric``): a year; a
    day, then a space or a dash, a month (``months``, or the part of one: "mid", "the end
    of") after them ("4 January", "5th of May", "4-6 January"); a dotted day ("05.01.2022");
    the "N days ago" form. A preposition counts before any of these or "the" and a day ("on
    the 5th of May"). A digit after a full stop or a dash starts no date (the pattern's
    lookbehind), nor one after a word character (``triggers.py`` never names it). Each
    phrase and month is matched whole, case aside (looser than the capitalised names of the
    pattern); what follows one in the pattern is never a letter or a digit."""
    words = rf"{trie_alternation(phrases)}(?!\w)|{ago}"
    month = rf"(?:{trie_alternation(months)})(?!\w)"
    dated = rf"{day}{ordinal}(?:\s*[-–]\s*{day}{ordinal})?(?:\s+of)?\s+{month}"
    numeric = rf"{year}|{dated}|[0-3]?\d\.[01]?\d\.(?:19|20)\d\d|{ago}"
    opens = rf"(?=\d)(?:{numeric})|the\s+{dated}|{words}"
    return rf"(?<![.\-])(?=\d)(?:{numeric})|{words}|(?:{trie_alternation(preps)})\s+(?:{opens})"


def number_and_date_starts(text: str, language: str) -> tuple[list[int], list[int]]:
    """Where a number and where a date can start in ``text``: one scan for both
    (``triggers.py``; the date lead names its own runs of digits), remembered for the
    figures and the events extractors alike."""
    leads = (number_grammar(language).lead or NEVER, grammar(language).lead)
    numbers, dates = candidates(text, leads, (True, False))
    return numbers, dates


def dates_of(text: str, published: date | None, language: str,
             spans: tuple[tuple[int, int], ...]) -> tuple[DateExpression, ...]:
    """``find_dates`` of one document, remembered for the last few documents: the events and
    the figures extractors both need a document's dates, and this is the costlier half of
    either. A memo of a pure function — the answer is the same with or without it."""
    return _dates_memo(text, published, language, spans)


@lru_cache(maxsize=8)
def _dates_memo(text: str, published: date | None, language: str,
                spans: tuple[tuple[int, int], ...]) -> tuple[DateExpression, ...]:
    return tuple(find_dates(text, published, language, list(spans)))


def find_dates(text: str, published: date | None, language: str,
               spans: list[tuple[int, int]] | None = None) -> list[DateExpression]:
    """Every date expression of ``text`` (within the sentence ``spans`` when given), resolved.

    "The previous day" counts from the last day the text named before it (or the next one in
    its sentence, or the document date)."""
    g = grammar(language)
    found: list[DateExpression] = []
    pending: list[tuple[int, re.Match[str], tuple[int, int]]] = []
    starts = number_and_date_starts(text, language)[1]
    for sentence in spans or [(0, len(text))]:
        range_start: DateExpression | None = None  # "between 2010", waiting for "and 2015"
        for m in matches(g.pattern, text, starts, sentence[0], sentence[1]):
            try:
                expression = _resolve(g, m, text, sentence, published)
            except (OverflowError, ValueError):
                expression = None  # a day counted past year 1 or 9999: no date to report
            if expression is None and range_start is not None and m.group("gy3") and not m.group("prep") \
                    and g.range_join.fullmatch(text, range_start.end, m.start()):
                # both ends date the period's events, neither is the time a figure held (tests/gold/CLAIMS.md)
                expression = DateExpression(m.start(), m.end(), m.group("gy3"), "year", "start")
                if found and found[-1] is range_start:
                    found[-1] = replace(range_start, role="start")
            range_start = expression if expression and _norm(m.group("prep") or "") in g.range_starts else None
            if expression is None:
                continue
            if m.group("anc"):
                pending.append((len(found), m, sentence))
            found.append(expression)
    for index, m, sentence in pending:
        try:
            found[index] = _resolve_anchor(g, m, found, index, sentence, published)
        except OverflowError:
            found[index] = DateExpression(m.start(), m.end(), None, None, "event", "date out of range")
    return found


def _resolve_anchor(g: DateGrammar, m: re.Match[str], found: list[DateExpression], index: int,
                    sentence: tuple[int, int], published: date | None) -> DateExpression:
    before = [d.day for d in found[:index] if d.day]
    after = [d.day for d in found[index + 1:] if d.day and d.start < sentence[1]]
    anchor = before[-1] if before else after[0] if after else published
    if anchor is None:
        return DateExpression(m.start(), m.end(), None, None, "event", UNKNOWN_DOCUMENT_DATE)
    day = anchor + timedelta(days=g.anchor_offsets[_norm(m.group("anc"))])
    return DateExpression(m.start(), m.end(), day.isoformat(), "day", "event")


def _tense(g: DateGrammar, text: str, m: re.Match[str], sentence: tuple[int, int]) -> int:
    """Whether the clause around ``m`` speaks of the future (1: "will meet in July"), of the
    past (-1: "met in July", "was arrested") or does not say (0: "the show opens on Friday")."""
    left = sentence[0]
    for b in g.breaks.finditer(text, sentence[0], m.start()):
        left = b.end()
    right_match = g.breaks.search(text, m.end(), sentence[1])
    right = right_match.start() if right_match else sentence[1]
    if g.future.search(text, left, right):
        return 1
    return -1 if g.past.search(text, left, right) else 0


def _resolve(g: DateGrammar, m: re.Match[str], text: str, sentence: tuple[int, int],
             published: date | None) -> DateExpression | None:
    prep = _norm(m.group("prep") or "")
    event = ("as_of" if prep in g.as_of_prepositions else "span" if prep in g.span_prepositions
             else "start" if prep in g.start_prepositions else "event")
    start, end = m.start(), m.end()

    def out(value: str | None, precision: str | None, why: str | None = None) -> DateExpression:
        return DateExpression(start, end, value, precision, event, why)

    def unknown() -> DateExpression:
        return out(None, None, UNKNOWN_DOCUMENT_DATE)

    grp = m.group
    if not prep and (grp("wd") or grp("off")) and _after_a_name(g, text, start):
        return None  # "Black Friday", "Cyber Monday", "USA Today": names, not dates
    if grp("recent"):
        return DateExpression(start, end, published.isoformat() if published else None,
                              "day" if published else None, "as_of", None if published else UNKNOWN_DOCUMENT_DATE)
    if grp("anc"):
        return out(None, None)  # resolved once every date of the text is known
    if grp("off"):
        if published is None:
            return unknown()
        return out((published + timedelta(days=g.day_offsets[_norm(grp("off"))])).isoformat(), "day")
    if grp("rel"):
        if published is None:
            return unknown()
        unit, offset = g.relative[_norm(grp("rel"))]
        if unit == "year":
            return out(str(published.year + int(offset)), "year")
        month = published.year * 12 + published.month - 1 + int(offset)
        return out(f"{month // 12:04d}-{month % 12 + 1:02d}", "month")
    if grp("agou"):
        if published is None:
            return unknown()
        count = grp("agon").casefold()
        n = int(count) if count.isdigit() else g.number_words.get(_norm(count), 1)
        unit = g.ago_units[_norm(grp("agou"))]
        if unit in ("day", "week"):
            return out((published - timedelta(days=n * (7 if unit == "week" else 1))).isoformat(), "day")
        if unit == "month":
            month = published.year * 12 + published.month - 1 - n
            return out(f"{month // 12:04d}-{month % 12 + 1:02d}", "month")
        return out(str(published.year - n), "year")
    if grp("ey"):
        return _day(out, int(grp("ey")), int(grp("em")), int(grp("ed")))
    if grp("iy"):
        return _day(out, int(grp("iy")), int(grp("im")), int(grp("id")))
    for d_, m_, y_ in (("ad", "am", "ay"), ("ad2", "am2", "ay"), ("bd", "bm", "by"), ("cd", "cm", "cy"),
                       ("dd", "dm", "dy")):
        if grp(d_) and grp(m_):
            month, day = _month(g, grp(m_)), int(grp(d_))
            if grp(y_):
                return _day(out, int(grp(y_)), month, day)
            if published is None:
                return out(None, None, "year not stated, document date unknown")
            year = _year_of(published, month, day, _tense(g, text, m, sentence))
            return _day(out, year, month, day)
    if grp("wd"):
        if published is None:
            return unknown()
        weekday = g.weekdays[_norm(grp("wd"))]
        modifier = g.modifiers.get(_norm(grp("wmod") or ""), None)
        back = (published.weekday() - weekday) % 7
        ahead = (weekday - published.weekday()) % 7
        tense = _tense(g, text, m, sentence) if modifier is None else modifier
        if tense == 1 or (tense == 0 and 0 < ahead < back):
            weekday_date = published + timedelta(days=ahead or (7 if modifier == 1 else 0))
        else:
            weekday_date = published - timedelta(days=back or (7 if modifier == -1 else 0))
        return out(weekday_date.isoformat(), "day")
    if grp("fm"):
        month = _month(g, grp("fm"))
        if grp("fy"):
            return out(f"{int(grp('fy')):04d}-{month:02d}", "month")
        modifier = g.modifiers.get(_norm(grp("fmod") or ""), None)
        if modifier is None and not prep and not g.period_prefix.match(grp("fm")):
            return None  # a month name alone ("the January unrest") dates nothing
        if published is None:
            return unknown()
        return out(f"{_month_year(published, month, modifier, _tense(g, text, m, sentence)):04d}-{month:02d}", "month")
    written_year = grp("gy") or grp("gy2") or grp("gy3")
    if written_year:
        join = g.range_join.match(text, end)
        if (grp("gy3") and prep not in g.bare_year_prepositions and not g.period_prefix.match(m.group())
                and not (prep in g.range_starts and join is not None and _RANGE_YEAR.match(text, join.end()))):
            return None  # "the 2022 unrest", "Expo 2017", "up 5% from 2019": a name or a comparison, not a date
        return out(written_year, "year")
    return None


def _after_a_name(g: DateGrammar, text: str, start: int) -> bool:
    """Whether the word right before ``start`` makes a weekday or "today" part of a name."""
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    return before is not None and before.group(1).casefold() in g.name_words


def _month(g: DateGrammar, written: str) -> int:
    """The month of a month name as matched: "Jan." and "mid-March" are January and March."""
    return g.months[_norm(g.period_prefix.sub("", written.rstrip(".")))]


def _day(out: Any, year: int, month: int, day: int) -> DateExpression | None:
    try:
        return out(date(year, month, day).isoformat(), "day")
    except ValueError:
        return None


def _year_of(published: date, month: int, day: int, tense: int) -> int:
    """The year of a day and month written without one: the last such day on or before the
    document date (a day of slack for time zones) in a clause about the past, the next one in
    a clause about the future, the nearer one when the clause does not say."""
    candidates = []
    for year in (published.year - 1, published.year, published.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return published.year
    if tense == 1:
        return next((c.year for c in candidates if c >= published - timedelta(days=1)), published.year)
    if tense == -1:
        return max((c.year for c in candidates if c <= published + timedelta(days=1)), default=published.year)
    return min(candidates, key=lambda c: abs((c - published).days)).year


def _month_year(published: date, month: int, modifier: int | None, tense: int) -> int:
    """The year of a month written without one ("in July", "last October")."""
    year = published.year
    if modifier == -1:
        return year if month < published.month else year - 1
    if modifier == 1:
        return year if month > published.month else year + 1
    if modifier == 0:
        return year
    if tense == 1:
        return year if month >= published.month else year + 1
    if tense == -1 or month <= published.month:
        return year if month <= published.month else year - 1
    return year if month - published.month < published.month + 12 - month else year - 1


class DatesByStart:
    """The document's dates, a sentence's found by bisection in their own order (a text of
    thousands of sentences must not pass over every date for each)."""

    def __init__(self, dates: list[DateExpression]) -> None:
        self.order = sorted(range(len(dates)), key=lambda i: dates[i].start)
        self.starts = [dates[i].start for i in self.order]
        self.dates = dates

    def within(self, span: tuple[int, int]) -> list[DateExpression]:
        found = sorted(self.order[bisect_left(self.starts, span[0]):bisect_left(self.starts, span[1])])
        return [self.dates[i] for i in found]
