"""The closed word classes the rule-based mention analysers compare tokens with.

The words themselves are data (``kb/data/lexicon/en/*.json``, read by ``amanat.kb.lexicon``):
adding a title word or a demonym touches no code. This module only turns them into the sets
the hot loops test membership in, once per process, under the names the analysers use. The
demonyms are the same table ``amanat.kb.index`` reads, so "Kazakh" is a title modifier here
exactly when it names Kazakhstan there.
"""

from __future__ import annotations

from amanat.kb.lexicon import lexicon

_EN = lexicon("en")

# Words of address before a name (Mr, Dr, H.E.): what follows is a person.
HONORIFICS = _EN.words("honorifics")
# Title words; a ministry's field (foreign, finance …) is a title word too.
PORTFOLIO_WORDS = _EN.words("portfolio_words")
RANK_WORDS = _EN.words("rank_words")
TITLE_WORDS = _EN.words("title_words") | PORTFOLIO_WORDS
# Words that make a capitalised run an organisation (Institute, Ministry, Council …).
ORG_WORDS = _EN.words("organisation_words")
# Lower-case words inside a capitalised run; only the name particles belong to a person's name.
NAME_PARTICLES = _EN.words("name_particles")
PARTICLES = _EN.words("run_joiners") | NAME_PARTICLES
# Words before a title that place its holding in time, and the marker each reports.
MARKERS: dict[str, str] = _EN.mapping("markers")
# Every demonym of every country in the table (kazakh, kazakhstani, pakistani …).
DEMONYMS = frozenset(d for ds in _EN.table("demonyms").values() for d in ds)
# Capitalised words that start sentences or headlines and are never names.
NEVER_NAMES = _EN.words("never_names")
# Words that join title words into one office phrase ("Minister of the Interior").
TITLE_JOINERS = _EN.words("title_joiners")
# The noun an office phrase is about ("Deputy Foreign *Minister*", "*Spokesman* for the …"):
# only these make an office phrase with no country or organisation worth reporting.
OFFICE_HEADS = _EN.words("office_heads")
HEAD_SYNONYMS: dict[str, str] = _EN.mapping("head_synonyms")
