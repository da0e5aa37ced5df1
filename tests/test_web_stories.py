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


# --- the HTML pages and feeds over the same store -------------------------------------------

def _flood(web: TestClient) -> dict:
    (flood,) = [s for s in web.get("/api/v1/stories", params={"min_documents": 2}).json() if "synthetic" in s["title"]]
    return flood


def test_the_stories_list_pages_and_filters_by_date(demo):
    web = client(demo["url"], public_documents=True)
    listed = web.get("/stories")
    assert listed.status_code == 200
    flood = _flood(web)
    assert f'href="/stories/{flood["id"]}"' in listed.text
    later = web.get("/stories", params={"since": flood["last_published"]})
    assert later.status_code == 200 and f'/stories/{flood["id"]}' in later.text
    after = web.get("/stories", params={"since": "2099-01-01"})
    assert after.status_code == 200 and "No story has coverage since 2099-01-01" in after.text
    for bad in ({"since": "yesterday"}, {"page": "0"}, {"page": "x"}, {"page": "99999999"}):
        assert web.get("/stories", params=bad).status_code == 400


def test_the_story_page_draws_its_coverage_and_marks_the_divergence(demo):
    web = client(demo["url"], public_documents=True)
    flood = _flood(web)
    page = web.get(f"/stories/{flood['id']}")
    assert page.status_code == 200
    html = page.text
    assert 'class="timeline story-timeline"' in html and "+1 copy" in html  # the wire copy folded
    assert html.count('<circle class="report') == flood["reports"]  # one mark per report, not per copy
    (tolls,) = [f for f in web.get(f"/api/v1/stories/{flood['id']}").json()["findings"]
                if f["type"] == "figures-across-sources"]
    assert f'href="/findings/{tolls["id"]}"' in html
    assert 'class="divergence"' in html and ">D1<" in html  # the bracket on the deaths chart, labelled
    # the same numbers as a table, each diverging figure named by its divergence
    table = html[html.index('class="list figures-table"'):]
    table = table[:table.index("</table>")]
    diverging = [row for row in table.split("<tr") if 'class="diverging"' in row]
    assert {v for row in diverging for v in ("3 people", "11 people") if v in row} == {"3 people", "11 people"}
    assert all("D1" in row for row in diverging)
    assert web.get(f"/stories/{flood['id'][:6]}").status_code == 200  # a unique prefix
    assert web.get("/stories/ffffffffffff").status_code == 404
    assert web.get("/stories/not-hex!").status_code == 400
    assert web.get("/stories/" + "a" * 65).status_code == 400


def test_a_document_and_a_finding_link_their_story(demo):
    web = client(demo["url"], public_documents=True)
    flood = _flood(web)
    story = web.get(f"/api/v1/stories/{flood['id']}").json()
    doc = story["timeline"][0]["document_id"]
    assert f'href="/stories/{flood["id"]}"' in web.get(f"/documents/{doc}").text
    finding = story["findings"][0]
    assert f'href="/stories/{flood["id"]}"' in web.get(f"/findings/{finding['id']}").text


def test_the_item_page_shows_each_reprint_and_the_exact_changed_words(demo):
    web = client(demo["url"], public_documents=True)
    item_id = demo["item"].rsplit("/", 1)[1]
    page = web.get(f"/items/{item_id}")
    assert page.status_code == 200
    html = page.text
    section = html[html.index('id="reprints"'):]
    for outlet in ("steppe-wire.example", "north-daily.example", "morning-post.example", "river-herald.example"):
        assert outlet in section
    assert "east-gazette.example" not in section
    assert '<del>evacuated 4,312</del><span class="lbl">to</span><ins>moved 3,100</ins>' in section
    assert "cut mid-sentence" in section and "fidelity-truncated" in section and "fidelity-altered" in section
    assert section.count("fidelity-verbatim") == 2 and "partial-quote" in section
    assert web.get(f"/items/{item_id}", params={"page": "0"}).status_code == 400
    assert web.get("/items/no-such-item").status_code == 404


def test_reprints_on_a_private_node_need_a_reader(demo):
    web = client(demo["url"])
    item_id = demo["item"].rsplit("/", 1)[1]
    page = web.get(f"/items/{item_id}")  # the item is public, its reprints quote coverage
    assert page.status_code == 200 and "morning-post.example" not in page.text and "sign in" in page.text
    auth = {"Authorization": f"Bearer {demo['read']}"}
    assert "morning-post.example" in web.get(f"/items/{item_id}", headers=auth).text
    for path in ("/stories", "/stories/ffffffff", f"/items/{item_id}/reprints.atom", f"/items/{item_id}/reprints.json"):
        assert web.get(path).status_code == 401, path
    assert web.get("/stories", headers=auth).status_code == 200
    home = web.get("/")
    assert "Spring flood relief operation" in home.text  # official items are public
    assert "Stories in motion" not in home.text


def test_an_items_reprint_feeds_list_its_reprints(demo):
    import xml.etree.ElementTree as ET

    web = client(demo["url"], public_documents=True)
    item_id = demo["item"].rsplit("/", 1)[1]
    for ref in (item_id, demo["item"]):
        atom = web.get(f"/items/{ref}/reprints.atom")
        assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
        entries = ET.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
        assert len(entries) == 4
    feed = web.get(f"/items/{item_id}/reprints.json")
    assert feed.status_code == 200
    by_outlet = {i["_amanat"]["source"]: i for i in feed.json()["items"]}
    assert set(by_outlet["morning-post.example"]["tags"]) == {"truncated", "altered"}
    assert "evacuated 4,312 → moved 3,100" in by_outlet["morning-post.example"]["content_text"]
    assert web.get("/items/no-such-item/reprints.json").status_code == 404
    assert web.get("/items/no-such-item/reprints.atom").status_code == 404


def test_the_dashboard_names_the_latest_items_and_the_stories_in_motion(demo):
    web = client(demo["url"], public_documents=True)
    home = web.get("/")
    assert home.status_code == 200
    items = home.text[home.text.index('id="dash-items-h"'):]
    assert f'href="/items/{demo["item"].rsplit("/", 1)[1]}"' in items and "this node" in items
    motion = home.text[home.text.index('id="dash-stories-h"'):]
    assert f'href="/stories/{_flood(web)["id"]}"' in motion
    assert "Findings" in home.text and "Sources" in home.text  # what was there stays
    private = client(demo["url"]).get("/").text  # a private node still lists its official items
    assert "Sign in with a read token" in private
    assert f'href="/items/{demo["item"].rsplit("/", 1)[1]}"' in private[private.index('id="dash-items-h"'):]


def test_the_dashboards_kept_counts_follow_new_documents(demo):
    import re

    from amanat.model import Capture, Document, content_hash, document_id

    web = client(demo["url"], public_documents=True)
    count = lambda: int(re.search(r'id="stat-documents">(\d+)<', web.get("/").text).group(1))  # noqa: E731
    before = count()
    assert count() == before  # kept, and still right
    text, url = "A later synthetic report on the floods.", "https://late.example/1"
    digest = content_hash(text)
    doc = Document(id=document_id(url, digest), url=url, canonical_url=url, source="late.example", title="Later",
                   byline=None, published=None, language="en", text=text, content_hash=digest,
                   media_type="text/plain", origin=url)
    with Store.open(demo["url"]) as store, store.writer() as w:
        w.add(doc, Capture(url=url, body=text.encode(), media_type="text/plain", origin=url))
    assert count() == before + 1


def test_a_copy_of_a_corrected_version_is_verbatim_of_it_and_a_withdrawal_is_noted(demo, tmp_path):
    """After a correction, a faithful copy of the first version (dated after both) is "verbatim
    of version 1", not altered; once the item is withdrawn, its reprints say so."""
    from amanat.provenance.demo import DEMO, DEMO_PUBLISHER
    from amanat.provenance.publishing import Publisher
    from test_store import add, make_doc

    first = (DEMO / "statement.md").read_text(encoding="utf-8").strip()
    with Store.open(demo["url"]) as store:
        publisher = Publisher.open(store, DEMO_PUBLISHER, str(tmp_path / "keys"))
        publisher.correct(demo["item"], body=first.replace("27 villages", "29 villages"))
        late = make_doc("https://late-digest.example/flood-statement", "The ministry said:\n\n" + first,
                        source="late-digest.example", published="2099-01-01")
        add(store, late)
        run_checks_on_store(store)
        publisher.withdraw(demo["item"], reason="synthetic test withdrawal")
        run_checks_on_store(store)
    web = client(demo["url"], public_documents=True)
    body = web.get("/api/v1/reprints", params={"item": demo["item"]}).json()
    assert [v["status"] for v in body["versions"]] == ["usable", "usable", "canceled"]
    (copy,) = [r for r in body["reprints"] if r["source"] == "late-digest.example"]
    assert copy["classes"] == ["verbatim"] and copy["version"] == 1 and copy["latest_version"] == 2
    assert copy["withdrawn"]["reason"] == "synthetic test withdrawal"
    section = web.get(f"/items/{demo['item'].rsplit('/', 1)[1]}").text
    section = section[section.index('id="reprints"'):]
    assert "verbatim of version 1" in section and "The item was withdrawn" in section
    assert "synthetic test withdrawal" in section
