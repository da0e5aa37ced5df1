"""trafilatura's XPath selections that Amanat runs itself, as Python selectors with the same
results in less time (issue 19).

trafilatura picks the elements to prune (comment sections, share bars, infinite-scroll
containers) and the elements that may hold a byline with XPath expressions over ``id`` and
``class``, tested with EXSLT regular expressions (``re:test``) and chains of ``contains``.
libxml2 materialises an attribute node-set for every test of every candidate element and lxml
calls back into Python's ``re`` for each ``re:test``; on the benchmark's pages these
selections were about a quarter of ``extract_html``. Here each is one walk over the candidate
tags that reads each attribute once and applies the same patterns with the same ``re``
(lxml's ``re:test`` is ``re.search`` on the attribute's value, ``''`` when it is absent).

Each selector is a callable ``tree -> [element, …]`` in document order, as the XPath objects
are, so trafilatura's own ``prune_unwanted_nodes`` and ``extract_metainfo`` take them in their
place. Where trafilatura runs several prunes one after another on the same tree and each
one's test reads only the element itself, they are one walk here: an element the first prune
deletes takes its descendants along, and deleting those again inside the detached subtree
changes nothing.

No token, site or weight is ours: the patterns are copied from trafilatura (the version
pinned), and ``tests/test_selectors.py`` checks, element by element, that each selects what
trafilatura's expressions select — on the benchmark's pages and the format samples, on every
pattern literal with every tag, and on generated trees — and that the joined prunes leave the
same tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml.etree import Element, _Element
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS

Selector = Callable[[Any], list[_Element]]

# --- the main text's raw-tree prunes (trafilatura_sequence) ----------------------------------

_INFINITE = re.compile("mvp-post-add-(?:box|wrap)|infinite-?scroll")  # RAW_TREE_PRUNE_XPATH
_MVP = re.compile("mvp-post-add-(?:box|wrap)")
_COMMENT_ID = re.compile("^(?:[Cc]omment(?!ary)|comol|disqus_thread|dsq-comments)")  # REMOVE_COMMENTS_*
_COMMENT_ID_LISTS = re.compile("^(?:[Cc]omment(?!ary)|comol)")
_COMMENT_CLASS = re.compile("^[Cc]omment(?!ary)|(?:article|post)-comments")
_RAW_TAGS = frozenset({"div", "section", "aside"})
_COMMENT_TAGS = frozenset({"div", "list", "section", "details"})
_LISTS = frozenset({"ol", "ul"})
_COMMENT_LIST_TAGS = _COMMENT_TAGS | _LISTS


def _is_comment_section(ident: str, cls: str) -> bool:
    return bool(_COMMENT_ID.search(ident) or _COMMENT_CLASS.search(cls))


def raw_and_comment_list_prune(tree: Any) -> list[_Element]:
    """trafilatura's ``RAW_TREE_PRUNE_XPATH`` (both) and ``REMOVE_COMMENTS_AND_LISTS_XPATH``,
    applied in that order to the raw tree, as one selection (``.//*``: not ``tree`` itself)."""
    found = []
    for element in tree.iterdescendants("div", "section", "aside", "list", "details", "ol", "ul"):
        tag = element.tag
        ident, cls = element.get("id", ""), element.get("class", "")
        if tag in _RAW_TAGS:
            if (_INFINITE.search(ident) or _INFINITE.search(cls)) and (
                next(element.iterdescendants("h1"), None) is None or _MVP.search(ident) or _MVP.search(cls)
            ):
                found.append(element)
                continue
            if "elementor-share-buttons" in cls:
                found.append(element)
                continue
        if tag in _COMMENT_LIST_TAGS and _is_comment_section(ident, cls) and (
            tag not in _LISTS or _COMMENT_ID_LISTS.search(ident) or _COMMENT_CLASS.search(cls)
        ):
            found.append(element)
    return found


def comment_prune(tree: Any) -> list[_Element]:
    """trafilatura's ``REMOVE_COMMENTS_XPATH`` (the converted tree, where lists are ``list``)."""
    return [
        element
        for element in tree.iterdescendants(*_COMMENT_TAGS)
        if _is_comment_section(element.get("id", ""), element.get("class", ""))
    ]


RAW_AND_COMMENT_LIST_PRUNE: list[Selector] = [raw_and_comment_list_prune]
COMMENT_PRUNE: list[Selector] = [comment_prune]

# --- the body-byline search (trafilatura.metadata.extract_author) ---------------------------

_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")  # AUTHOR_DISCARD_XPATHS
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|"
    "article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_CLASSES = frozenset({"comments", "title", "date"})


def author_discard(tree: Any) -> list[_Element]:
    """trafilatura's ``AUTHOR_DISCARD_XPATHS`` (both, the second is ``//time|//figure``) as one
    selection. For the page's root element only; any other tree gets trafilatura's own."""
    if tree.getparent() is not None:
        found: dict[_Element, None] = {}
        for expression in AUTHOR_DISCARD_XPATHS:
            found.update(dict.fromkeys(expression(tree)))
        return [e for e in tree.getroottree().getroot().iter() if e in found]
    selected = []
    for element in tree.iter("a", "div", "section", "span", "time", "figure"):
        tag = element.tag
        if tag == "time" or tag == "figure":
            selected.append(element)
            continue
        if element is tree:
            continue
        ident, cls = element.get("id", ""), element.get("class", "")
        if (
            ident == "comments"
            or cls in _DISCARD_CLASSES
            or _DISCARD_ID.search(ident)
            or _DISCARD_CLASS.search(cls)
            or "Figure" in element.get("data-component", "")
        ):
            selected.append(element)
    return selected


AUTHOR_DISCARD: list[Selector] = [author_discard]

_AUTHOR_NAME_CLASS = re.compile("author-?name|AuthorName|authorName")  # AUTHOR_XPATHS[0]
_AUTHOR_ID = re.compile("author|zuozhe|bianji|xiaobian")  # AUTHOR_XPATHS[1]
_AUTHOR_CLASS = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_ANY_AUTHOR_ID = re.compile("[Aa]uthor")  # AUTHOR_XPATHS[2]
_ANY_AUTHOR_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")


def _root(tree: Any) -> Any:
    """Where ``//`` starts: the document's root element, whatever ``tree`` is."""
    return tree.getroottree().getroot()


def _has_rel_me(element: _Element) -> bool:
    """XPath ``rel='me'``: a child element named ``rel`` whose text is ``me`` (trafilatura's
    expression says so, though ``@rel`` was surely meant; kept, for the same selection)."""
    return any("".join(child.itertext()) == "me" for child in element.iterchildren("rel"))


def author_specific(tree: Any) -> list[_Element]:
    """``AUTHOR_XPATHS[0]``: author markup that names the author and little else."""
    selected = []
    for element in _root(tree).iter("a", "address", "div", "link", "p", "span", "strong", "author"):
        if element.tag == "author":
            selected.append(element)
            continue
        cls = element.get("class", "")
        if (
            element.get("rel") == "author"
            or element.get("id") == "author"
            or cls == "author"
            or element.get("itemprop") == "author name"
            or element.get("data-testid") in ("AuthorCard", "AuthorURL")
            or _AUTHOR_NAME_CLASS.search(cls)
            or _has_rel_me(element)
        ):
            selected.append(element)
    return selected


def author_generic(tree: Any) -> list[_Element]:
    """``AUTHOR_XPATHS[1]``: bylines, user names, author-ish ids and classes."""
    return [
        element
        for element in _root(tree).iter("a", "div", "h3", "h4", "p", "span")
        if element.get("class") in ("byline", "username", "byl", "BBL")
        or "author" in element.get("itemprop", "")
        or _AUTHOR_ID.search(element.get("id", ""))
        or _AUTHOR_CLASS.search(element.get("class", ""))
    ]


def author_last_resort(tree: Any) -> list[_Element]:
    """``AUTHOR_XPATHS[2]``: any element with an author-ish attribute."""
    return [
        element
        for element in _root(tree).iter(Element)
        if "Byline" in element.get("data-component", "")
        or "author" in element.get("itemprop", "")
        or _ANY_AUTHOR_ID.search(element.get("id", ""))
        or _ANY_AUTHOR_CLASS.search(element.get("class", ""))
    ]


# AUTHOR_XPATHS, in their order (the first that gives a plausible name wins)
AUTHOR: list[Selector] = [author_specific, author_generic, author_last_resort]
