"""``amanat.analyze.selectors`` selects what trafilatura's own expressions select.

The selectors are trafilatura's XPath expressions written as Python walks, some consecutive
prunes joined into one pass; they are only worth having if no page can tell them apart. Checked three ways: element by element on real pages (the extraction
benchmark's and the format samples'), on generated elements whose ``id`` and ``class`` mix the
patterns' own literals and near misses, and on the trees the joined prunes leave behind.
"""

from __future__ import annotations

import gzip
from copy import deepcopy

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml.etree import tostring
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.utils import load_html
from trafilatura.xpaths import (
    AUTHOR_DISCARD_XPATHS,
    AUTHOR_XPATHS,
    RAW_TREE_PRUNE_XPATH,
    REMOVE_COMMENTS_AND_LISTS_XPATH,
    REMOVE_COMMENTS_XPATH,
)

from amanat.analyze import selectors as g
from conftest import shared_path

# (ours, trafilatura's, whether ours joins trafilatura's list into one pass)
PAIRS = [
    (g.COMMENT_PRUNE, REMOVE_COMMENTS_XPATH),
    (g.AUTHOR, AUTHOR_XPATHS),
]
JOINED = [
    (g.RAW_AND_COMMENT_LIST_PRUNE, RAW_TREE_PRUNE_XPATH + REMOVE_COMMENTS_AND_LISTS_XPATH),
    (g.AUTHOR_DISCARD, AUTHOR_DISCARD_XPATHS),
]


def _selected(expressions: list, tree) -> list[list]:
    return [list(expression(tree)) for expression in expressions]


def _union(expressions: list, tree) -> list:
    """What trafilatura's expressions select together, in document order, each once."""
    found = {element for expression in expressions for element in expression(tree)}
    return [element for element in tree.getroottree().getroot().iter() if element in found]


def _assert_same(tree) -> None:
    for ours, theirs in PAIRS:
        assert _selected(ours, tree) == _selected(theirs, tree)
    for ours, theirs in JOINED:
        assert list(ours[0](tree)) == _union(theirs, tree)
        # pruning with the joined pass leaves the same tree as trafilatura's passes in turn
        mine, reference = deepcopy(tree), deepcopy(tree)
        prune_unwanted_nodes(mine, ours)
        prune_unwanted_nodes(reference, theirs)
        assert tostring(mine) == tostring(reference)


def _pages() -> list[str]:
    pages = [
        gzip.decompress(p.read_bytes()).decode("utf-8")
        for p in sorted(shared_path("data", "extraction", "html").glob("*.html.gz"))
    ]
    for p in sorted(shared_path("data", "formats", "html-charset").rglob("*.htm*")):
        pages.append(p.read_bytes().decode("utf-8", "replace"))
    return pages


def test_same_selections_on_real_pages():
    pages = _pages()
    assert len(pages) > 90
    for page in pages:
        tree = load_html(page)
        if tree is not None:
            _assert_same(tree)


# Literals of the patterns, their near misses and look-alikes, as id and class pieces.
_PIECES = [
    "comment", "Comment", "commentary", "comments", "Comments", "comol", "disqus_thread",
    "dsq-comments", "article-comments", "post-comments", "commentlist", "comment-list",
    "commentList", "ProductReviews", "mvp-post-add-box", "mvp-post-add-wrap", "mvp-post-add-",
    "infinite-scroll", "infinitescroll", "infinite", "elementor-share-buttons", "author",
    "Author", "author-name", "authorname", "AuthorName", "authorName", "byline", "Byline",
    "byl", "BBL", "username", "screenname", "writer", "zuozhe", "bianji", "xiaobian",
    "channel-name", "submitted-by", "posted-by", "journalist-name", "sidebar", "is-hidden",
    "quote", "embedly-instagram", "article-share", "article-support", "article-", "print",
    "category", "meta-date", "meta-reviewer", "title", "date", "x", "-", " ", "",
]
_TAGS = ["div", "section", "aside", "ol", "ul", "list", "details", "a", "span", "p", "address",
         "link", "strong", "h3", "h4", "time", "figure", "author", "em"]
_value = st.lists(st.sampled_from(_PIECES), min_size=0, max_size=3).map("".join)
_attributes = st.dictionaries(
    st.sampled_from(["id", "class", "rel", "itemprop", "data-testid", "data-component"]),
    st.one_of(_value, st.sampled_from(["author", "author name", "AuthorCard", "Figure", "Byline"])),
    max_size=3,
)
_element = st.tuples(st.sampled_from(_TAGS), _attributes, st.booleans())


def _build(elements: list[tuple[str, dict[str, str], bool]]):
    """A page of the generated elements, each nested in the one before it or beside it."""
    root = lxml.html.fromstring("<html><body><h1>t</h1></body></html>")
    parent = root.find("body")
    for tag, attributes, nest in elements:
        child = lxml.html.Element(tag, **attributes)
        child.text, child.tail = "text", "tail"
        parent.append(child)
        if nest:
            parent = child
    return root


@pytest.mark.parametrize("attribute", ["id", "class", "itemprop", "data-component"])
def test_same_selections_for_every_literal_on_every_tag(attribute):
    """Every piece, alone and with something before or after it (anchors, look-aheads), as
    the attribute of every tag, one at a time."""
    values = sorted({p + x for p in _PIECES for x in ("", "ary", "s", "x", " y")}
                    | {x + p for p in _PIECES for x in ("x", " ", "-")})
    for tag in _TAGS:
        for value in values:
            _assert_same(_build([(tag, {attribute: value}, True)]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_element, min_size=1, max_size=8))
def test_same_selections_on_generated_elements(elements):
    root = _build(elements)
    _assert_same(root)
    _assert_same(root.find("body"))  # a subtree: ``.//`` starts there, ``//`` at the root


@pytest.mark.parametrize("source_first", ["class", "id"])
def test_the_first_attribute_in_source_order_is_the_one_tested(source_first):
    """``re:test(@id|@class, …)`` reads whichever comes first in the markup: the guards must not
    read the other one (no selector uses that form, but the joined ones must keep trafilatura's
    order of deletions)."""
    attributes = 'class="comments" id="x"' if source_first == "class" else 'id="x" class="comments"'
    tree = load_html(f"<html><body><div {attributes}>a</div><p>body</p></body></html>")
    _assert_same(tree)
