"""Block text of a page read as a stream of tags: for pages too big or too deep for a tree.

Why a second extractor: trafilatura works on an lxml tree and copies it several times (a
cleaned tree, a backup, the result tree, readability's and justext's own), so its peak memory
is about 25 times the page: 30 MB of HTML took 1.6 GB. And libxml2 stops building a tree at
depth 256, so a page nested deeper than that loses everything below (its text, usually).
Python's ``html.parser`` keeps neither a tree nor a stack: it hands over tags and text as
they come, so memory follows the text kept and any depth is fine.

What is kept: the text of the page body in blocks (a paragraph, heading, list item or table
row is one line), without scripts, styles, forms and page furniture (``nav``, ``header``,
``footer``, ``aside``, ``menu``). When the page marks its main content (``<article>`` or
``<main>``) and that holds most of the words, only that is kept. Metadata (title, author,
date, canonical URL, language) comes from the ``<head>``, parsed as a small tree by the same
functions the normal path uses, so a date is found the same way or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

from amanat.model import Extraction

# Elements whose content is never article text.
_SKIPPED = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "head", "title", "nav", "header",
    "footer", "aside", "menu", "form", "select", "button", "iframe", "object", "canvas",
})
# Elements that end a line of text.
_BLOCKS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "blockquote", "pre",
    "article", "main", "section", "table", "thead", "tbody", "ul", "ol", "dl", "dt", "dd",
    "figure", "figcaption", "hr", "address", "caption", "body", "html", "details", "summary",
})
_CELLS = frozenset({"td", "th"})
_MAIN = frozenset({"article", "main"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
})
_SPACES = re.compile(r"\s+")
_MAIN_SHARE = 0.5  # the marked main content must hold at least this share of the words


class _BlockText(HTMLParser):
    """Collects lines of text, all of them and those inside ``article``/``main``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip: list[str] = []  # open skipped elements (only these need a stack)
        self.main_depth = 0  # open article/main elements
        self.line: list[str] = []
        self.line_in_main = False
        self.lines: list[str] = []
        self.main_lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            if tag not in _VOID:
                self.skip.append(tag)
            return
        if tag in _BLOCKS:
            self._end_line()
        elif tag in _CELLS:
            self.line.append(" ")
        if tag in _MAIN:
            self.main_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._end_line()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            elif tag in self.skip:  # an element left open inside a skipped one
                del self.skip[len(self.skip) - 1 - self.skip[::-1].index(tag):]
            return
        if tag in _BLOCKS or tag in _MAIN:
            self._end_line()
        if tag in _MAIN and self.main_depth:
            self.main_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.main_depth:
            self.line_in_main = True
        self.line.append(data)

    def _end_line(self) -> None:
        if not self.line:
            return
        text = _SPACES.sub(" ", "".join(self.line)).strip()
        self.line = []
        if text:
            self.lines.append(text)
            if self.line_in_main:
                self.main_lines.append(text)
        self.line_in_main = bool(self.main_depth)

    def text(self) -> str:
        self._end_line()
        words = sum(len(x.split()) for x in self.lines)
        main = sum(len(x.split()) for x in self.main_lines)
        chosen = self.main_lines if words and main >= _MAIN_SHARE * words else self.lines
        return "\n".join(chosen)


_HEAD_END = re.compile(r"<body[\s>]|</head\s*>", re.IGNORECASE)
_HEAD_MAX = 1 << 20  # a head longer than this is not metadata (it is inlined scripts)


def extract_blocks(html: str, url: str | None, metadata_of: Callable[[str, str | None], Extraction]) -> Extraction:
    """Main text of a page read as a stream (any size, any depth), with the head's metadata
    as ``metadata_of`` reads it (the normal path's own rules, handed in by ``extract``)."""
    parser = _BlockText()
    parser.feed(html)
    parser.close()
    text = parser.text()
    metadata = _head_metadata(html, url, metadata_of)
    return Extraction(
        text=text,
        title=metadata.title,
        byline=metadata.byline,
        published=metadata.published,
        canonical_url=metadata.canonical_url,
        site_name=metadata.site_name,
        language=metadata.language,
    )


def _head_metadata(html: str, url: str | None, metadata_of: Callable[[str, str | None], Extraction]) -> Extraction:
    """Title, author, date, canonical URL and language from the page's ``<head>`` alone."""
    match = _HEAD_END.search(html, 0, _HEAD_MAX)
    head = html[: match.start()] if match else html[:_HEAD_MAX]
    return metadata_of(head + "</head><body></body></html>", url)
