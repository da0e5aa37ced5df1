"""Names: a known person's name spelled in a way no source and no romanisation supports.

The linker finds a person under a spelling variant by fuzzy matching ("Kasym-Zhomart Tokaev"
for Kassym-Jomart Tokayev); that is how it should work, and most variants are simply another
romanisation. This check looks at those fuzzy links only and asks whether the spelling is
*supported*: one of the entity's labels or aliases (folded), or a transliteration of them —
every word of the name, honorifics dropped, has the same phonetic form (``kb.names``: the
rules that merge kh/h, zh/j, q/k, y/i, ye/e …) or, for Arabic-script words, the same consonant
skeleton as a word of some label, or is an initial of one. A spelling that is neither is
*informational*, linked to the entity: a misspelling, or a spelling the record does not know
yet. It is never contradicted: a name is no claim about the world.
"""

from __future__ import annotations

from amanat.check import Check, DocumentView, Record
from amanat.kb.index import normalize_key
from amanat.kb.model import Entity
from amanat.kb.names import NameToken, parse_name
from amanat.model import Evidence, Finding, Mention

MAX_EVIDENCE = 5


def _tokens(name: str) -> list[NameToken]:
    parsed = parse_name(name)
    return [*parsed.tokens, *([parsed.patronymic] if parsed.patronymic else [])]


def _supported_token(t: NameToken, known: list[NameToken]) -> bool:
    for k in known:
        if t.initial or k.initial:
            if t.initial and t.text[:1] == k.text[:1]:
                return True
            continue
        if t.phonetic == k.phonetic or ((t.abjad or k.abjad) and t.skeleton == k.skeleton):
            return True
    return False


def supported(written: str, entity: Entity) -> bool:
    """Whether ``written`` is one of the entity's names or a transliteration of them."""
    names = entity.names()
    if normalize_key(written) in {normalize_key(n) for n in names}:
        return True
    tokens = _tokens(written)
    known = [t for n in names for t in _tokens(n)]
    return bool(tokens) and all(_supported_token(t, known) for t in tokens)


def _spellings(document: DocumentView, record: Record) -> list[Finding]:
    by_spelling: dict[tuple[str, str], list[Mention]] = {}
    for m in document.mentions:
        if m.kind != "person" or m.method != "fuzzy" or not m.entity_id or m.nested:
            continue
        by_spelling.setdefault((m.entity_id, normalize_key(m.text)), []).append(m)
    found = []
    for (entity_id, folded), uses in by_spelling.items():
        entity = record.kb.entities.get(entity_id)
        if entity is None or supported(uses[0].text, entity):
            continue
        names = entity.names()
        # labels carry no source of their own: they come with the entity's records, whose
        # facts name the files they were read from
        sources = sorted({f.source for f in record.kb.facts_about(entity_id) if f.source})
        where = "; ".join(sources[:3]) or "the knowledge base's record of the entity"
        found.append(Finding(
            check="name-spellings", type="name-spelling", status="informational", severity="info",
            sentence=(f"The document writes \"{uses[0].text}\" for {entity.name}; neither the record's names "
                      f"({', '.join(names[:6])}{', …' if len(names) > 6 else ''}) nor a transliteration of them "
                      f"gives this spelling."),
            document_id=document.id, key=f"{entity_id}|{folded}",
            evidence=tuple(Evidence(document.id, m.start, m.end, m.text, "claim") for m in uses[:MAX_EVIDENCE]),
            facts=tuple({"subject": entity_id, "subject_name": entity.name, "predicate": "label",
                         "value": label.text, "lang": label.lang, "source": where, "tier": "reference"}
                        for label in entity.labels),
        ))
    return found


SPELLINGS = Check("name-spellings", 1, ("mentions",), _spellings,
                  "A known person's name spelled in a way no label and no transliteration supports.")
