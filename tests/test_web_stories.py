"""Stories and reprints over HTTP, on both backends: the synthetic demo statement signed into
the store, the synthetic coverage that reprints and quotes it, checked by the real chain."""

from __future__ import annotations

import warnings

import pytest

from amanat.check.commands import run_checks_on_store
from amanat.ingest.pipeline import ingest
from amanat.provenance.demo import DEMO_COVERAGE, publish_demo_statement
from amanat.store.db import Store
from amanat.store.tokens import new_token
from amanat.web import Settings, create_app
from test_web_api import RECORDERS, Recorder, no_server_errors  # noqa: F401 (autouse fixture)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def demo(store_url: str, tmp_path) -> dict[str, str]:
    with Store.open(store_url) as store:
        item = publish_demo_statement(store, keys_dir=str(tmp_path / "keys"))
        ingest(store, [str(DEMO_COVERAGE)], jobs=1)
        run_checks_on_store(store)
        return {"url": store_url, "item": item, "read": new_token(store, "reader", "read")[1]}


def client(url: str, **settings) -> TestClient:
    app = Recorder(create_app(url, settings=Settings(rate=None, **settings)))
    RECORDERS.append(app)
    return TestClient(app)


def test_stories_and_reprints_need_a_reader_on_a_private_node(demo):
    web = client(demo["url"])
    for path in ("/api/v1/stories", "/api/v1/reprints?item=" + demo["item"]):
        assert web.get(path).status_code == 401
        assert web.get(path, headers={"Authorization": f"Bearer {demo['read']}"}).status_code == 200


def test_a_story_lists_its_reports_and_its_cross_source_findings(demo):
    web = client(demo["url"], public_documents=True)
    listed = web.get("/api/v1/stories", params={"min_documents": 2})
    assert listed.status_code == 200
    (flood,) = [s for s in listed.json() if "synthetic" in s["title"]]
    assert int(listed.headers["X-Total-Count"]) == len(listed.json())
    story = web.get(f"/api/v1/stories/{flood['id'][:8]}").json()
    assert story["id"] == flood["id"] and len(story["timeline"]) == story["documents"]
    wire = [r for r in story["report_list"] if r["copies"]]
    assert wire and {"steppe-wire.example", "north-daily.example"} <= set(wire[0]["sources"])
    (tolls,) = [f for f in story["findings"] if f["type"] == "figures-across-sources"]
    assert tolls["story_id"] == story["id"] and len({e["document_id"] for e in tolls["evidence"]}) == 2
    assert web.get("/api/v1/stories/ffffffffffff").status_code == 404
    assert web.get("/api/v1/stories/xyz!").status_code == 400
    assert web.get("/api/v1/stories", params={"limit": 0}).status_code == 400


def test_an_items_reprints_show_their_fidelity(demo):
    web = client(demo["url"], public_documents=True)
    found = web.get("/api/v1/reprints", params={"item": demo["item"]})
    assert found.status_code == 200
    body = found.json()
    assert body["item_uri"] == demo["item"] and body["versions"] == [{"version": 1, "status": "usable"}]
    by_outlet = {r["source"]: r for r in body["reprints"]}
    assert by_outlet["steppe-wire.example"]["classes"] == ["verbatim"]
    assert set(by_outlet["morning-post.example"]["classes"]) == {"truncated", "altered"}
    changed = [d for d in by_outlet["morning-post.example"]["differences"] if d["kind"] == "changed"]
    assert any("4,312" in d["statement_text"] and "3,100" in d["document_text"] for d in changed)
    assert by_outlet["river-herald.example"]["kind"] == "quote"
    assert "east-gazette.example" not in by_outlet  # it reports the floods, not the statement
    assert web.get("/api/v1/reprints", params={"item": "https://nowhere.example/items/1"}).status_code == 404
    assert web.get("/api/v1/reprints").status_code == 400
