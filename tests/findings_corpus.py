"""A store with real findings for the web tests: the sample corpus, a crafted hostile article
whose title for Ban Ki-moon contradicts the record at its date, checked by the real checks."""

from __future__ import annotations

from pathlib import Path

from amanat.model import Capture, Document, PublishedDate, content_hash, document_id
from amanat.store.db import Store
from amanat.store.tokens import new_token

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"
HOSTILE_URL = "https://odd.example/2022/statement"
HOSTILE = ('Geneva, 10 January 2022. UN Secretary-General Ban Ki-moon said on Monday <script>alert("x")</script> '
           'that all sides must show restraint.\n\n<a href="javascript:alert(2)">read more</a> '
           '<img src=x onerror="alert(3)"> <b onmouseover="alert(4)">Astana</b> said nothing.')
HOSTILE_TITLE = '<script>alert("t")</script> Ban Ki-moon <img src=x onerror=alert(5)>'


def hostile_document() -> tuple[Document, Capture]:
    digest = content_hash(HOSTILE)
    doc = Document(id=document_id(HOSTILE_URL, digest), url="javascript:alert(6)//" + HOSTILE_URL,
                   canonical_url=HOSTILE_URL, source="odd.example", title=HOSTILE_TITLE, byline=None,
                   published=PublishedDate("2022-01-10", "day", "metadata"), language="en", text=HOSTILE,
                   content_hash=digest, media_type="text/plain", origin=HOSTILE_URL)
    return doc, Capture(url=HOSTILE_URL, body=HOSTILE.encode(), media_type="text/plain", origin=HOSTILE_URL)


def build(url: str) -> dict[str, str]:
    """Ingest, check, and issue a read and a review token; return ids and tokens."""
    from amanat.check.commands import run_checks_on_store
    from amanat.ingest.pipeline import ingest

    with Store.open(url) as store:
        ingest(store, [str(SAMPLE)], source="sample", jobs=1)
        doc, cap = hostile_document()
        with store.writer() as w:
            w.add(doc, cap)
        run_checks_on_store(store)
        return {"url": url, "hostile": doc.id, "read": new_token(store, "reader", "read")[1],
                "review": new_token(store, "desk", "review")[1]}
