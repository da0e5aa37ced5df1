"""Official items are public, so are the documents derived from them; coverage stays private.

A real uvicorn server on each backend serves a store holding a publisher's signed item (two
versions) beside ingested coverage: one article on the same subject, one copy of the item's
text at another URL, and two documents that only look official (the publisher's origin as
their source; the item media type at a URL the log does not hold). Without a token, search
and document reads — JSON API and HTML pages — must see the item's documents and nothing
else; a read token sees everything as before. Any 5xx fails the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from amanat.model import Capture, Document, content_hash, document_id
from amanat.provenance.documents import MEDIA_TYPE as ITEM_MEDIA_TYPE
from amanat.provenance.publishing import create_publisher
from amanat.store.db import Store
from amanat.store.tokens import new_token
from amanat.web import Settings, create_app

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ITEM_V1 = "The ministry reports that the wheat harvest reached a record this autumn."
ITEM_V2 = "The ministry reports that the wheat harvest reached a record this autumn, after late rains."
COVERAGE = "Traders say wheat prices fell at the grain exchange on Tuesday."


class Server:
    """uvicorn on an already-bound loopback socket, in a daemon thread; notes every status."""

    def __init__(self, app) -> None:
        import uvicorn

        self.statuses: list[tuple[str, int]] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

        async def recorded(scope, receive, send):
            async def note(message):
                if message["type"] == "http.response.start":
                    self.statuses.append((scope.get("path", ""), message["status"]))
                await send(message)

            await app(scope, receive, note)

        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(recorded, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.app.state.store.close()
        assert all(status < 500 for _, status in self.statuses), f"server errors: {self.statuses}"


def _coverage(url: str, text: str, title: str, *, source: str | None = None,
              media_type: str = "text/plain") -> tuple[Document, Capture]:
    digest = content_hash(text)
    doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source=source or url.split("/")[2],
                   title=title, byline=None, published=None, language="en", text=text, content_hash=digest,
                   media_type=media_type, origin=url)
    return doc, Capture(url=url, body=text.encode(), media_type=media_type, origin=url)


@dataclass
class Node:
    url: str
    item_v1: str
    item_v2: str
    coverage: str
    copy: str
    lookalikes: list[str]
    read_token: str
    publish_token: str


@pytest.fixture
def node(store_url: str, tmp_path: Path) -> Iterator[Node]:
    with Store.open(store_url) as store:
        publisher = create_publisher(store, "Grain ministry (test publisher)", keys_dir=str(tmp_path / "keys"))
        uri = publisher.publish(headline="Record wheat harvest", body=ITEM_V1, language="en").item_uri
        publisher.correct(uri, body=ITEM_V2)
        origin = publisher.log.origin
        made = {
            "coverage": _coverage("https://grain-news.example/prices", COVERAGE, "Wheat prices fall"),
            "copy": _coverage("https://wire.example/harvest", ITEM_V2, "Wire copy of the harvest statement"),
            # coverage filed under the publisher's origin (as `ingest --source` allows) is still coverage
            "same_source": _coverage("https://grain-news.example/analysis", "Wheat analysis by a columnist.",
                                     "Columnist on wheat", source=origin),
            # the item media type alone proves nothing: the log holds no item at this URL
            "media_only": _coverage(f"https://{origin}/items/not-in-the-log", "Wheat rumour, not in any log.",
                                    "Unlogged wheat rumour", source=origin, media_type=ITEM_MEDIA_TYPE),
        }
        with store.writer() as writer:
            for doc, capture in made.values():
                writer.add(doc, capture)
        versions = store.versions(uri)
        read_token = new_token(store, "reader", "read")[1]
        publish_token = new_token(store, "publisher", "publish")[1]
    assert [v.version for v in versions] == [1, 2]
    app = create_app(store_url, settings=Settings(rate=None))
    with Server(app) as server:
        yield Node(server.url, versions[0].document.id, versions[1].document.id, made["coverage"][0].id,
                   made["copy"][0].id, [made["same_source"][0].id, made["media_only"][0].id], read_token,
                   publish_token)


def _ids(answer: httpx.Response) -> set[str]:
    assert answer.status_code == 200, answer.text
    return {hit["id"] for hit in answer.json()["results"]}


def test_anonymous_search_finds_official_items_and_no_coverage(node: Node) -> None:
    api = f"{node.url}/api/v1/search"
    anonymous = httpx.get(api, params={"q": "wheat"})
    assert _ids(anonymous) == {node.item_v2} and anonymous.json()["official_only"] is True
    assert _ids(httpx.get(api, params={"q": "wheat", "all_versions": "true"})) == {node.item_v1, node.item_v2}
    posted = httpx.post(api, json={"q": "wheat OR traders", "limit": 50})
    assert _ids(posted) == {node.item_v2}
    assert _ids(httpx.get(api, params={"q": "prices"})) == set()  # coverage only: nothing for anonymous
    # a token holder sees everything, as before
    bearer = {"Authorization": f"Bearer {node.read_token}"}
    full = httpx.get(api, params={"q": "wheat", "limit": 50}, headers=bearer)
    assert _ids(full) == {node.item_v2, node.coverage, node.copy, *node.lookalikes}
    assert full.json()["official_only"] is False
    # a token without the read scope searches like anyone: official items only
    publish = httpx.get(api, params={"q": "wheat"}, headers={"Authorization": f"Bearer {node.publish_token}"})
    assert _ids(publish) == {node.item_v2}
    # a bad token is still refused outright, not treated as anonymous
    bad = httpx.get(api, params={"q": "wheat"}, headers={"Authorization": "Bearer amanat_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_token"


def test_item_documents_are_readable_without_a_token_and_coverage_is_not(node: Node) -> None:
    api = f"{node.url}/api/v1/documents"
    item = httpx.get(f"{api}/{node.item_v2}", params={"versions": "true"})
    assert item.status_code == 200, item.text
    body = item.json()
    assert body["text"] == ITEM_V2 and body["media_type"] == ITEM_MEDIA_TYPE
    assert [v["id"] for v in body["versions"]] == [node.item_v1, node.item_v2] and len(body["diffs"]) == 1
    assert body["copies"] == []  # the wire copy of the text is coverage: not shown without a token
    assert httpx.get(f"{api}/{node.item_v1[:8]}").status_code == 200  # an id prefix works as well
    for private in (node.coverage, node.copy, *node.lookalikes):
        refused = httpx.get(f"{api}/{private}")
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_required", private
    # an unknown id answers like coverage: no one learns without a token what the store holds
    assert httpx.get(f"{api}/0123456789abcdef").status_code == 401
    publish = {"Authorization": f"Bearer {node.publish_token}"}
    assert httpx.get(f"{api}/{node.coverage}", headers=publish).status_code == 403
    assert httpx.get(f"{api}/{node.item_v2}", headers=publish).status_code == 200
    bearer = {"Authorization": f"Bearer {node.read_token}"}
    assert httpx.get(f"{api}/{node.coverage}", headers=bearer).json()["text"] == COVERAGE
    assert [c["id"] for c in httpx.get(f"{api}/{node.item_v2}", headers=bearer).json()["copies"]] == [node.copy]
    assert httpx.get(f"{api}/0123456789abcdef", headers=bearer).status_code == 404
    # the rest of the coverage API stays private
    for path in ("/api/v1/stats", "/api/v1/sources", "/api/v1/timeline", "/api/v1/export.jsonl"):
        assert httpx.get(node.url + path).status_code == 401, path


def test_the_html_pages_show_official_items_without_a_token(node: Node) -> None:
    results = httpx.get(f"{node.url}/search", params={"q": "wheat"})
    assert results.status_code == 200
    assert f'href="/documents/{node.item_v2}"' in results.text and "Record wheat harvest" in results.text
    for title in ("Wheat prices fall", "Wire copy", "Columnist on wheat", "Unlogged wheat rumour"):
        assert title not in results.text
    assert "Searching official signed items only" in results.text
    page = httpx.get(f"{node.url}/documents/{node.item_v2}")
    assert page.status_code == 200 and "late rains" in page.text and "Version 1 → 2" in page.text
    assert "wire.example" not in page.text  # the coverage copy is not listed
    for private in (node.coverage, node.copy, *node.lookalikes, "0123456789abcdef"):
        login = httpx.get(f"{node.url}/documents/{private}")
        assert login.status_code == 401 and 'name="token"' in login.text, private
        assert COVERAGE not in login.text
    with httpx.Client(base_url=node.url) as browser:  # signed in: coverage as before
        signed = browser.post("/login", data={"token": node.read_token, "next": "/"})
        assert signed.status_code == 303
        assert browser.get(f"/documents/{node.coverage}").status_code == 200
        found = browser.get("/search", params={"q": "wheat", "limit": "50"}).text
        assert "Wheat prices fall" in found and "Record wheat harvest" in found
        assert "Searching official signed items only" not in found
        assert "wire.example" in browser.get(f"/documents/{node.item_v2}").text


def test_public_documents_still_open_everything(store_url: str, tmp_path: Path) -> None:
    with Store.open(store_url) as store:
        publisher = create_publisher(store, "Open ministry (test publisher)", keys_dir=str(tmp_path / "keys"))
        publisher.publish(headline="Open statement", body=ITEM_V1, language="en")
        doc, capture = _coverage("https://grain-news.example/prices", COVERAGE, "Wheat prices fall")
        with store.writer() as writer:
            writer.add(doc, capture)
    with Server(create_app(store_url, settings=Settings(rate=None, public_documents=True))) as server:
        answer = httpx.get(f"{server.url}/api/v1/search", params={"q": "wheat"})
        assert doc.id in _ids(answer) and len(answer.json()["results"]) == 2
        assert answer.json()["official_only"] is False
        assert httpx.get(f"{server.url}/api/v1/documents/{doc.id}").status_code == 200
