"""The two shortcuts of ``extract_html`` give what the long way gives (issue 19).

``parse_html`` is trafilatura's ``load_html`` for a string without its regex pass for
characters XML forbids when there are none; ``main_text._page_text_length_bound`` decides
without building the page's text when the text is surely not under a quarter of it.
"""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.etree import tostring
from trafilatura.utils import load_html

from amanat.analyze.extract import parse_html
from amanat.analyze.main_text import _page_text_length, _page_text_length_bound
from conftest import shared_path


def _same_tree(html: str) -> None:
    ours, theirs = parse_html(html), load_html(html)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert tostring(ours) == tostring(theirs)


def _pages() -> list[str]:
    return [
        gzip.decompress(p.read_bytes()).decode("utf-8")
        for p in sorted(shared_path("data", "extraction", "html").glob("*.html.gz"))
    ]


def test_same_tree_as_load_html_on_real_pages():
    for page in _pages():
        _same_tree(page)


@pytest.mark.parametrize(
    "html",
    [
        "<!DOCTYPE html>\n<html><body><p>a</p></body></html>",
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"/>\n<html><body><p>a</p></body></html>',
        "<html/>\n<body><p>self-closed html</p></body>",
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>declared</p></body></html>",
        "just some text, not html at all",
        "<p>a fragment</p>",
        "<html><body><p>bad \x00 \x08 \x0b \x1f \ufffe \uffff chars</p></body></html>",
        "<html><body><p>tab\tnewline\ncarriage\r fine</p></body></html>",
    ],
)
def test_same_tree_as_load_html_on_odd_pages(html):
    _same_tree(html)


_ALPHABET = st.sampled_from(["<p>", "</p>", "<html>", "<!DOCTYPE html>", "<html/>", "\n", " ", "a", "é",
                             "\x00", "\x0c", "\x1f", "\ufffe", "<div>", "<script>x</script>"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_ALPHABET, max_size=20).map("".join))
def test_same_tree_as_load_html_on_generated_strings(html):
    if html.strip():
        _same_tree(html)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<script>var a = 1;</script>", "<style>p{}</style>",
                                 "  \n\t ", "word ", "\xa0", "é", "<div>", "</div>", "<!-- c -->"]),
                max_size=30).map("".join))
def test_the_bound_is_never_below_the_page_text(html):
    tree = load_html(f"<html><body>{html}</body></html>")
    if tree is not None:
        assert _page_text_length_bound(tree) >= _page_text_length(tree)


def test_the_bound_on_real_pages():
    for page in _pages():
        tree = load_html(page)
        assert _page_text_length_bound(tree) >= _page_text_length(tree)
