"""The demo's signed statement: synthetic words signed by a demo publisher, never a real
institution's. ``amanat demo`` and the tests sign it into a store once, beside the synthetic
coverage that reprints, cuts, alters and quotes it (``amanat/demo/``, see its README)."""

from __future__ import annotations

from pathlib import Path

from amanat.errors import NotFound
from amanat.provenance.log import Log
from amanat.provenance.publishing import Publisher, create_publisher
from amanat.store.db import Store

DEMO = Path(__file__).resolve().parents[1] / "demo"
DEMO_COVERAGE = DEMO / "coverage.jsonl"
DEMO_PUBLISHER = "Demo Ministry of Emergencies (demo publisher)"
DEMO_HEADLINE = "Spring flood relief operation in North Kazakhstan Region (synthetic)"
DEMO_DATE = "2024-04-05T08:00:00Z"  # the date of its synthetic coverage


def publish_demo_statement(store: Store, keys_dir: str | None = None) -> str:
    """Sign the synthetic statement into this store's log as the demo publisher, once (keys in
    ``keys_dir``, else ``$AMANAT_KEYS`` or ./amanat-keys); its item URI."""
    try:
        log = Log.find(store, DEMO_PUBLISHER)
    except NotFound:
        publisher = create_publisher(store, DEMO_PUBLISHER, keys_dir=keys_dir)
    else:
        done = [e.item_uri for e in log.entries() if e.kind == "item" and e.item_uri]
        if done:
            return done[0]
        publisher = Publisher.open(store, DEMO_PUBLISHER, keys_dir)
    entry = publisher.publish(headline=DEMO_HEADLINE, body=(DEMO / "statement.md").read_text(encoding="utf-8"),
                              language="en", content_type="text/markdown", when=DEMO_DATE)
    if entry.item_uri is None:
        raise NotFound("the demo statement was logged without an item URI")
    return entry.item_uri
