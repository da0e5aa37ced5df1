"""The article text of a parsed page: trafilatura's cascade, its external comparison only when
it could change the result (issue 19).

With Amanat's settings (``favor_precision``, no comments) ``trafilatura.bare_extraction``
runs its main extractor and then, on every page, an external comparison
(``compare_extraction``): an XPath prune of a copy of the raw tree, readability on it, and
justext when the result looks unclean or short. On the benchmark that comparison was 27% of
``extract_html`` and changed the text of one page in 91. ``fast=True`` skips it everywhere,
but also keeps teaser blocks in the wild-text recovery, and lost that page (F1 0.975 → 0.972).

So the cascade is written out here (trafilatura exposes no hook between its stages) with the
settings of the default path, and the comparison runs only when its own rules could prefer
another result; ``needs_comparison`` checks those rules' preconditions, no tuning of ours:

- justext is tried when the text is shorter than ``min_extracted_size`` or the body holds
  elements the comparison calls unclean (``SANITIZED_XPATH``);
- readability wins when the own text is empty, when the own body has no paragraph text or
  more tables than paragraphs, or when readability's text is more than twice as long.

The first rules are checked as they are. The last needs readability's output to know; it
only keeps text of the page, so twice the own text below the page's visible text
(``_page_text_length``) is its sound precondition, but that held on 53 of the 91 benchmark
pages (navigation and footers make up much of a page) and gave back little of the time.
Measured over 169 pages (the benchmark's 91, the WARC and HTML files of
../shared/data/formats), the comparison changed the text of 20, every one of them shorter
than ``min_extracted_size``: none was a readability-twice-as-long case. So that case is
checked only where it is plausible, when the own text is under a quarter of the page's
visible text (``_SHARE_OF_PAGE``): readability would then have to take more than half of the
page. On the 169 pages the text is the same as ``bare_extraction``'s on every page.

When no rule holds, the comparison would (or, for the last rule, all but surely would)
return the main extractor's result unchanged, so skipping it gives the same text; nothing
here is tuned to a site.
"""

from __future__ import annotations

from copy import copy

from lxml.etree import XPath, _Element
from lxml.html import HtmlElement
from trafilatura.core import _forum_thread_page
from trafilatura.external import SANITIZED_XPATH, compare_extraction
from trafilatura.htmlprocessing import convert_tags, prune_unwanted_nodes, tree_cleaning
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from amanat.analyze.selectors import COMMENT_PRUNE, RAW_AND_COMMENT_LIST_PRUNE

# Text readability could take: everything but scripts and styles, which it drops first.
# (``parent::``: an HTML parse gives script and style text only, no child elements)
# (``smart_strings=False``: plain strings, no link back to their element for each text node)
_VISIBLE_TEXT = XPath("//text()[not(parent::script or parent::style)]", smart_strings=False)
_HIDDEN_TEXT = XPath("//script/text()|//style/text()", smart_strings=False)  # the rest of //text()
_ALL_TEXT_LENGTH = XPath("string-length(string(/))")  # of every text node, end to end
_TEXT_NODES = XPath("count(//text())")
# Below this share of the page's visible text, readability could find twice the own text.
_SHARE_OF_PAGE = 0.25
_PARAGRAPH_TEXT = XPath(".//p//text()", smart_strings=False)
_UNCLEAN = XPath(SANITIZED_XPATH)


def options(url: str | None) -> Extractor:
    """trafilatura's settings for Amanat: precision, tables, no comments, default (not fast) rules."""
    return Extractor(output_format="python", precision=True, comments=False, tables=True, url=url)


def main_text(tree: HtmlElement, url: str | None, settings: Extractor) -> str | None:
    """The article text of ``tree`` as ``bare_extraction(favor_precision=True,
    include_comments=False)`` finds it, or None where it finds none. Prunes ``tree`` in place:
    pass a tree nothing else will read."""
    is_forum = _forum_thread_page(tree)
    # the same steps, in the same order, as trafilatura_sequence for these settings (comments
    # off and precision: no comment capture, no baseline rescue, no recall escalation), the
    # raw-tree and comment-list prunes as one pass (``selectors``)
    tree = prune_unwanted_nodes(tree, RAW_AND_COMMENT_LIST_PRUNE)
    # trafilatura's _prepare_tree also copies the cleaned tree for the comparison's justext;
    # that copy is made below, and only on the pages that are compared
    cleaned = convert_tags(tree_cleaning(copy(tree), settings), settings, url)
    if not is_forum:
        cleaned = prune_unwanted_nodes(cleaned, COMMENT_PRUNE)
    body, text = extract_content(cleaned, settings)
    if needs_comparison(body, text, tree, settings):
        # ``tree`` is not read again: the comparison may prune it instead of a copy of it
        backup = tree_cleaning(copy(tree), settings)  # what _prepare_tree's copy holds
        body, text = compare_extraction(backup, tree, body, text, settings)
    if len(text) < settings.min_output_size:
        return None  # bare_extraction's own size check (comments are off)
    return xmltotxt(body, settings.formatting)


def needs_comparison(body: _Element, text: str, tree: HtmlElement, settings: Extractor) -> bool:
    """Whether ``compare_extraction`` could return anything but ``body`` (module docstring)."""
    if len(text) < settings.min_extracted_size or _UNCLEAN(body):
        return True
    if not _PARAGRAPH_TEXT(body) or len(body.findall(".//table")) > len(body.findall(".//p")):
        return True
    # the bound settles most pages (52 of 91 on the benchmark) without building the text
    if len(text) >= _SHARE_OF_PAGE * _page_text_length_bound(tree):
        return False
    return len(text) < _SHARE_OF_PAGE * _page_text_length(tree)


def _page_text_length_bound(tree: HtmlElement) -> float:
    """At least ``_page_text_length(tree)``, from three XPath numbers and the (few) script and
    style texts: every visible text's characters, plus one separator per text node, before
    white space is collapsed (collapsing only shortens)."""
    hidden = sum(len(text) for text in _HIDDEN_TEXT(tree))
    return float(_ALL_TEXT_LENGTH(tree)) - hidden + float(_TEXT_NODES(tree))


def _page_text_length(tree: HtmlElement) -> int:
    """Length of the page's visible text with runs of white space as one space, as trafilatura's
    ``trim`` measures readability's output: an upper bound on that output's length."""
    return len(" ".join(" ".join(_VISIBLE_TEXT(tree)).split()))
