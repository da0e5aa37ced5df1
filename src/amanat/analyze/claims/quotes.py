"""Quotes: what someone is reported to have said, and who. Pure.

Two forms, found in one pass over the text and one pass per sentence:

- **direct quotes** between “…”, ‘…’, «…» or "…", attributed by a speech verb right after
  the closing mark (“…,” X said / said X), by one before the opening mark (X said: “…”), by a
  verb of characterisation (described the events as ‘…’), or continuing the quote just
  attributed (“…,” the ministry said, “…”);
- **reported speech**: "X said (that) …", "X told reporters on Monday that …", "…, X said",
  "…, said X", "according to X, …", "X, which said …".

``text`` is the quoted or reported words without the marks. ``speaker`` is the speaker
phrase as written, resolved through he/she/it and bare titles ("the minister") to a name
earlier in the same paragraph when exactly one fits, ``None`` for anonymous speakers ("a
source", "witnesses") and for pronouns that fit several; ``entity`` is the speaker's KB id
when a linked mention names it.

Written here rather than taken from a library: quote attribution needs the document's own
mentions (which person, which KB id) and the project's lexicon; the open attributors
(PARC-trained models) are heavy, English-only and much slower than this stage's budget.
Word classes (speech verbs, anonymous heads, title heads) are lexicon data (en/speech.json).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from amanat.analyze.boundaries import Taken
from amanat.analyze.claims import Context, Extractor
from amanat.analyze.claims.speakers import (
    _PREPOSITIONS,
    _QUOTE,
    _np_after,
    _np_before,
    _Paragraph,
    _paragraphs,
    _Resolver,
    _Speaker,
    _trim,
    _words,
)
from amanat.model import Claim

NAME = "quotes"
VERSION = 2
_LOOK_BACK = 600

def _claim(context: Context, start: int, end: int, speaker: _Speaker | None) -> Claim | None:
    start, end = _trim(context.text, start, end)
    if len(context.text[start:end].split()) < 2:
        return None
    return Claim("quote", start, end, context.text[start:end],
                 {"speaker": speaker.name if speaker else None, "entity": speaker.entity if speaker else None},
                 extractor=f"{NAME}@{VERSION}")


def _sentence_of(spans: list[tuple[int, int]], ends: list[int], pos: int) -> tuple[int, int]:
    """The sentence that holds ``pos`` (or ends at it). Spans are in order and do not overlap,
    so the first whose end (``ends``) is not before ``pos`` is the only candidate: a bisection,
    not a walk through every sentence for every quote."""
    i = bisect_left(ends, pos)
    if i < len(spans) and spans[i][0] <= pos:
        return spans[i]
    return pos, pos


def _paragraph_of(paragraphs: list[_Paragraph], starts: list[int], pos: int) -> _Paragraph:
    """The paragraph that holds ``pos`` (paragraphs are in order, split at line breaks;
    ``starts`` are theirs, so the bisection calls no key function)."""
    i = bisect_right(starts, pos) - 1
    if i >= 0 and paragraphs[i].start <= pos <= paragraphs[i].end:
        return paragraphs[i]
    return next(p for p in paragraphs if p.start <= pos <= p.end)


def _attribution_after(context: Context, pos: int, limit: int) -> tuple[int, int, int] | None:
    """``(np_start, np_end, attribution_end)`` of "…,” X said" / "…,” said X" at ``pos``."""
    text = context.text
    w = _words()
    m = re.match(r"[,.!?]?\s*", text[pos:limit])
    at = pos + (m.end() if m else 0)
    verb = w.verbs.match(text, at)
    if verb:
        np = _np_after(text, verb.end(), limit)
        return (np[0], np[1], np[1]) if np else None
    verb = w.verbs.search(text, at, min(limit, at + 120))
    if verb is None:
        return None
    np = _np_before(text, at, verb.start())
    if np is None or np[0] != at:
        np = _apposition(text, at, verb.start())  # “…,” Will Moy, chief executive of Full Fact, told …
    if np is None or np[0] != at:
        return None
    return np[0], np[1], verb.end()


def _attribution_before(context: Context, sentence_start: int, pos: int) -> tuple[int, int] | None:
    """The speaker of "X said: “…”" / "X wrote on Twitter: «…»" / "the statement was blunt: "…""."""
    text = context.text
    head = text[sentence_start:pos]
    if not re.search(r"[:,]\s*$", head):
        return None
    verb = _words().verbs.search(head)
    if verb is not None:
        np = _np_before(text, sentence_start, sentence_start + verb.start())
        if np:
            return np
    if head.rstrip().endswith(":"):  # the subject of the clause before the colon
        return _np_after(text, sentence_start, pos)
    return None


def _direct(context: Context, resolver: _Resolver, paragraphs: list[_Paragraph], starts: list[int]) -> list[Claim]:
    text = context.text
    spans = context.sentences
    ends = [e for _, e in spans]
    found: list[Claim] = []
    attributed_to: tuple[int, _Speaker] | None = None  # (where the last attribution ended, who)
    for m in _QUOTE.finditer(text):
        g = next(i for i in range(1, _QUOTE.groups + 1) if m.group(i) is not None)
        inner_start, inner_end = m.start(g), m.end(g)
        para = _paragraph_of(paragraphs, starts, m.start())
        # who said it stands within _LOOK_BACK characters of the quote: a sentence longer than
        # that before it is not searched from its start for every quote it holds
        s_start = max(_sentence_of(spans, ends, m.start())[0], m.start() - _LOOK_BACK)
        limit = para.end
        speaker: _Speaker | None = None
        after = _attribution_after(context, m.end(), limit)
        if after is not None:
            speaker = resolver.resolve(after[0], after[1], para)
            attributed_to = (after[2], speaker)
        elif attributed_to is not None and _continues(text, attributed_to[0], m.start()):
            speaker = attributed_to[1]  # “…,” the ministry said, “…” / “…,” she said. “…”
        else:
            before = _attribution_before(context, min(s_start, m.start()), m.start())
            if before is not None:
                speaker = resolver.resolve(before[0], before[1], para)
                attributed_to = (m.end(), speaker)
            elif _words().characterise.search(text, s_start, m.start()):
                subject = _np_after(text, s_start, m.start())
                speaker = resolver.resolve(*subject, para) if subject else None
            elif not (re.search(r"[.!?]\s*$", m.group(g)) and len(m.group(g).split()) >= 4) or _title_case(m.group(g)):
                continue  # a title, a term, a scare quote: not a quote
        claim = _claim(context, inner_start, inner_end, speaker)
        if claim is not None:
            found.append(claim)
            if speaker is not None and speaker.name:
                para.last = speaker
    return found


def _continues(text: str, since: int, at: int) -> bool:
    """Whether a quote at ``at`` goes on with the speaker of the attribution that ended at
    ``since``: nothing but a comma or stop between them (“…,” she said, “…”), a short rest of
    the attribution's sentence with no other speech in it (“…,” Giuffre said before the
    interview. “…”), or a paragraph break after it (a speaker's quote running on)."""
    gap = text[since:at]
    if re.fullmatch(r"[ \t]*[,.]?[ \t]*(?:\n\s*)?", gap):
        return True
    return (len(gap) <= 100 and "\n" not in gap and re.search(r"[.!?][ \t]*$", gap) is not None
            and not re.search(r"[“”«»\"]", gap) and not _words().verbs.search(gap))


def _title_case(words: str) -> bool:
    """“Takin’ It to the Streets.”: most words capitalised, a title rather than speech."""
    tokens = [t for t in re.findall(r"[^\W\d_][\w’'-]*", words) if len(t) > 3]  # "to", "the" stay small
    return len(tokens) > 1 and sum(t[0].isupper() for t in tokens) * 4 >= len(tokens) * 3


def _content_end(context: Context, start: int, end: int) -> int:
    """Where reported content ends: the sentence end, or before a second attribution in it
    ("…, while Bhutto Zardari said …")."""
    text = context.text
    for verb in _words().verbs.finditer(text, start, end):
        np = _np_before(text, start, verb.start())
        if np is not None and np[0] > start:
            cut = re.search(r"[\s,;]*(?:\b(?:while|whereas|but|and)\s+)?$", text[start:np[0]])
            return start + (cut.start() if cut else np[0] - start)
    return end


# the word boundary is tested after the first letter: a pattern that starts with a letter lets
# ``re`` skip to the next "a"/"A" in C, where a leading ``\b`` is tried at every position
_ACCORDING = re.compile(r"[Aa](?<!\w.)ccording to\s+")


def _reported(context: Context, resolver: _Resolver, paragraphs: list[_Paragraph], starts: list[int],
              taken: Taken) -> list[Claim]:
    text = context.text
    w = _words()
    found: list[Claim] = []
    cited = "ccording to" in text  # one scan of the text, not a search per sentence
    for s_start, s_end in context.sentences:
        para = _paragraph_of(paragraphs, starts, s_start)
        # a sentence starts after a space or a stop
        according = _ACCORDING.search(text, s_start, s_end) if cited else None
        if according:
            a_at = according.start()
            np = _np_after(text, according.end(), s_end)
            if np:
                if a_at == s_start:
                    comma = text.find(",", np[1], s_end)
                    content = (comma + 1, s_end) if comma >= 0 else None
                else:
                    content = (s_start, a_at)
                if content and not taken.overlaps(*content):
                    claim = _claim(context, content[0], content[1], resolver.resolve(np[0], np[1], para))
                    if claim:
                        found.append(claim)
                        taken.add(claim.start, claim.end)
        for verb in w.verbs.finditer(text, s_start, s_end):
            if taken.overlaps(verb.start(), verb.end()):
                continue
            # the verb's clause is read within _LOOK_BACK characters on each side: a sentence
            # longer than that (hostile text, a flattened table) is not rescanned for each verb
            claim = _one_reported(context, resolver, para, max(s_start, verb.start() - _LOOK_BACK),
                                  min(s_end, verb.end() + _LOOK_BACK), verb)
            if claim is not None and not taken.overlaps(claim.start, claim.end):
                found.append(claim)
                taken.add(claim.start, claim.end)
    return found


def _one_reported(context: Context, resolver: _Resolver, para: _Paragraph, s_start: int, s_end: int,
                  verb: re.Match[str]) -> Claim | None:
    text = context.text
    w = _words()
    name = re.sub(r"\s+", " ", verb.group().casefold())
    before = text[s_start:verb.start()]
    # "…, said X" / "…, says Tokayev"
    if re.search(r",\s*$", before) and len(before.split()) >= 3:
        np = _np_after(text, verb.end(), s_end)
        if np and re.fullmatch(r"[\s.!?]*", text[np[1]:s_end]):
            speaker = resolver.resolve(np[0], np[1], para)
            return _claim(context, s_start, s_start + before.rstrip().rfind(","), speaker)
    np = _np_before(text, s_start, verb.start()) or _apposition(text, s_start, verb.start())
    if np is None:
        # "the Kazakh government, which said …"
        rel = re.search(r",\s*(?:which|who)\s+(?:\w+\s+){0,2}$", before)
        if not rel:
            return None
        np = _np_before(text, s_start, s_start + rel.start())
        if np is None:
            return None
    tail = text[verb.end():s_end]
    # "…, the health ministry said on Sunday." (what follows the verb is no clause)
    lead = text[s_start:np[0]]
    first = re.match(r"\s*([\w’'-]+)", tail)
    adverbial = not first or first.group(1).casefold() in _PREPOSITIONS or name in w.object_verbs
    if re.search(r",\s*$", lead) and len(lead.split()) >= 3 and not re.search(r"\bthat\b", tail) \
            and len(tail.split()) <= 8 and adverbial:
        speaker = resolver.resolve(np[0], np[1], para)
        content_end = s_start + lead.rstrip().rfind(",")
        return _claim(context, s_start, content_end, speaker)
    if np[0] != s_start and not re.search(r"(?:^|[,;:]|\b(?:and|but|while|whereas|which|who)|\w+)\s*$", lead):
        return None
    # "X said (that) …" / "X told reporters on Monday that …"
    that = re.match(r"\s*(?:[^.;:,“”\"]{0,80}?\s)?that\s+", tail)
    colon = re.match(r"\s*:\s*", tail)
    if that and not (name in w.bare and not re.match(r"\s*(?:\w+\s+){0,6}?that\s", tail)):
        content_start = verb.end() + that.end()
    elif colon:
        content_start = verb.end() + colon.end()
    elif name in w.bare:
        first = re.match(r"\s*([\w’'-]+)", tail)
        if not first or first.group(1).casefold() in _PREPOSITIONS or first.group(1).casefold() in w.openers:
            return None
        content_start = verb.end()
    else:
        return None
    speaker = resolver.resolve(np[0], np[1], para)
    claim = _claim(context, content_start, _content_end(context, content_start, s_end), speaker)
    if claim is not None and speaker.name:
        para.last = speaker
    return claim


def _apposition(text: str, lo: int, hi: int) -> tuple[int, int] | None:
    """"Pakistan's prime minister, Shehbaz Sharif, said": both phrases, from the first."""
    m = re.search(r",\s*$", text[lo:hi])
    if m is None:
        return None
    second = _np_before(text, lo, lo + m.start())
    if second is None:
        return None
    comma = re.search(r",\s*$", text[lo:second[0]])
    if comma is None:
        return None
    if not (text[second[0]].isupper() or len(text[second[0]:second[1]].split()) > 1):
        return None  # "X, however, said"
    first = _np_before(text, lo, lo + comma.start())
    return (first[0], second[1]) if first and first[0] == lo else None


def extract_quotes(context: Context) -> list[Claim]:
    """The quotes of one text: direct quotes first, then reported speech outside them."""
    paragraphs = [_Paragraph(s, e) for s, e in _paragraphs(context.text)]
    starts = [p.start for p in paragraphs]
    resolver = _Resolver(context, paragraphs)
    direct = _direct(context, resolver, paragraphs, starts)
    taken = Taken(len(context.text))
    for c in direct:
        taken.add(_outer(context.text, c.start), _outer_end(context.text, c.end))
    return sorted(direct + _reported(context, resolver, paragraphs, starts, taken), key=lambda c: c.start)


def _outer(text: str, start: int) -> int:
    while start > 0 and text[start - 1] in "“‘«\"":
        start -= 1
    return start


def _outer_end(text: str, end: int) -> int:
    """Past the quote's closing mark and the attribution after it (“…,” X said.)."""
    m = re.match(r"[^\n“‘«\"]*?[”’»\"][^.\n“‘«\"]*", text[end:])
    return end + (m.end() if m else 0)


EXTRACTOR = Extractor(name=NAME, version=VERSION, languages=frozenset({"en"}), writes=("quote",),
                      run=extract_quotes, reads=("mentions",),
                      summary="direct quotes and reported speech, with the speaker resolved to a mention")
