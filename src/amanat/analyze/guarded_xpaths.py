"""trafilatura's XPath selections that Amanat runs itself, with the same results in less time
(issue 19).

trafilatura tests ``id`` and ``class`` attributes with EXSLT regular expressions
(``re:test``). lxml evaluates those by calling back into Python's ``re`` for every candidate
element, whether or not it has the attribute, and on the benchmark's pages these selections
were about a quarter of ``extract_html``: the raw-tree and comment prunes of the main text,
the prune before the body-byline search and the byline search itself.

Each expression here is trafilatura's own, with every ``re:test`` either written out as plain
XPath string tests where the pattern is an alternation of literals (``'author|writer'`` is
``contains(., 'author') or contains(., 'writer')``), or kept behind a guard: a plain test that
every string the pattern matches passes (``contains(@class, 'omment')`` before
``re:test(@class, '^[Cc]omment(?!ary)|…')``). ``guard and re:test`` selects exactly what
``re:test`` selects, and libxml2 evaluates the guard in C, so Python is called only for the
few elements whose attribute holds one of the literals. Where trafilatura applies several
prunes one after another to the same tree and each one's test reads only the element's own
attributes, they are one expression here (``|``): an element the first prune deletes takes
its descendants along, and deleting those again inside the detached subtree changes nothing.

No token, site or weight is ours: the patterns are copied from trafilatura (the version
pinned), and ``tests/test_guarded_xpaths.py`` checks, element by element, that each selects
what trafilatura's selects — on the benchmark's pages and the format samples, and on
generated elements whose attributes mix the patterns' literals.
"""

from __future__ import annotations

from lxml.etree import XPath
from trafilatura.xpaths import REGEXP_NS

_NS = {"re": REGEXP_NS}


def _any(test: str, attribute: str, literals: tuple[str, ...]) -> str:
    """``test(attribute, literal)`` for any of ``literals``, as one XPath ``or``."""
    return "(" + " or ".join(f"{test}({attribute}, '{x}')" for x in literals) + ")"


def _guarded(attribute: str, literals: tuple[str, ...], pattern: str) -> str:
    """``re:test(attribute, pattern)``, tried only where ``attribute`` contains one of
    ``literals`` — which every match of ``pattern`` must (the guard is necessary, not
    sufficient)."""
    return f"({_any('contains', attribute, literals)} and re:test({attribute}, '{pattern}'))"


# --- the main text's raw-tree prunes (trafilatura_sequence) ----------------------------------

_INFINITE = "mvp-post-add-(?:box|wrap)|infinite-?scroll"
_MVP = "mvp-post-add-(?:box|wrap)"
_COMMENT_ID = "^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)"
_COMMENT_ID_LISTS = "^(?:[Cc]omment(?!ary)|comol)"
_COMMENT_CLASS = "^[Cc]omment(?!ary)|(?:article|post)-comments"
_COMMENT_ID_LITERALS = ("omment", "comol", "disqus_thread")
_COMMENT_CLASS_LITERALS = ("omment",)

# RAW_TREE_PRUNE_XPATH (both expressions) then REMOVE_COMMENTS_AND_LISTS_XPATH, as one pass
RAW_AND_COMMENT_LIST_PRUNE = [
    XPath(
        f"""
        .//*[self::div or self::section or self::aside][
        {_guarded("@id", ("mvp-post-add-", "infinite"), _INFINITE)} or
        {_guarded("@class", ("mvp-post-add-", "infinite"), _INFINITE)}][
        not(.//h1) or {_guarded("@id", ("mvp-post-add-",), _MVP)} or
        {_guarded("@class", ("mvp-post-add-",), _MVP)}]
        |
        .//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]
        |
        .//*[self::div or self::list or self::section or self::details or self::ol or self::ul][
        {_guarded("@id", _COMMENT_ID_LITERALS, _COMMENT_ID)} or
        {_guarded("@class", _COMMENT_CLASS_LITERALS, _COMMENT_CLASS)}][
        not(self::ol or self::ul) or {_guarded("@id", _COMMENT_ID_LITERALS, _COMMENT_ID_LISTS)} or
        {_guarded("@class", _COMMENT_CLASS_LITERALS, _COMMENT_CLASS)}]
        """,
        namespaces=_NS,
    )
]

# REMOVE_COMMENTS_XPATH (the converted tree, forums excepted)
COMMENT_PRUNE = [
    XPath(
        f"""
        .//*[self::div or self::list or self::section or self::details][
        {_guarded("@id", _COMMENT_ID_LITERALS, _COMMENT_ID)} or
        {_guarded("@class", _COMMENT_CLASS_LITERALS, _COMMENT_CLASS)}]
        """,
        namespaces=_NS,
    )
]

# --- the body-byline search (trafilatura.metadata.extract_author) ---------------------------

_DISCARD_ID = "^comments|comment-?list|ProductReviews"
_DISCARD_CLASS = (
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    "article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_DISCARD_CLASS_LITERALS = (
    "omments", "commentlist", "sidebar", "is-hidden", "quote", "embedly-instagram", "article-",
    "print", "category", "meta-date", "meta-reviewer",
)

# AUTHOR_DISCARD_XPATHS (both expressions), as one pass
AUTHOR_DISCARD = [
    XPath(
        f"""
        .//*[self::a or self::div or self::section or self::span][
        @id='comments' or @class='comments' or @class='title' or @class='date' or
        {_guarded("@id", ("omment", "ProductReviews"), _DISCARD_ID)} or
        {_guarded("@class", _DISCARD_CLASS_LITERALS, _DISCARD_CLASS)} or
        contains(@data-component, 'Figure')]
        |
        //time|//figure
        """,
        namespaces=_NS,
    )
]

# AUTHOR_XPATHS, one by one (the first that gives a plausible name wins)
AUTHOR = [
    XPath(
        f"""
        //*[self::a or self::address or self::div or self::link or self::p or self::span or self::strong][
        @rel='author' or @id='author' or @class='author' or @itemprop='author name' or rel='me' or
        @data-testid='AuthorCard' or @data-testid='AuthorURL' or
        {_guarded("@class", ("uthor",), "author-?name|AuthorName|authorName")}]|//author
        """,
        namespaces=_NS,
    ),
    XPath(
        f"""
        //*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][
        @class='byline' or @class='username' or @class='byl' or @class='BBL' or
        contains(@itemprop, 'author') or
        {_any("contains", "@id", ("author", "zuozhe", "bianji", "xiaobian"))} or
        {_any("contains", "@class", ("author", "channel-name", "zuozhe", "bianji", "xiaobian",
                                     "submitted-by", "posted-by", "journalist-name"))}]
        """
    ),
    XPath(
        f"""
        //*[
        contains(@data-component, 'Byline') or contains(@itemprop, 'author') or
        {_any("contains", "@id", ("Author", "author"))} or
        {_any("contains", "@class", ("Author", "author", "screenname", "writer", "Byline", "byline"))}]
        """
    ),
]
