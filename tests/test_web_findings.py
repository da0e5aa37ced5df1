"""Findings, entities, feeds and the dashboard over HTTP, in-process, on both backends, over a
store with real findings (the sample corpus and a crafted article, run through the real
checks). Every response passes through ``Recorder``: no request may be answered with a 5xx."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from amanat.store import findings
from amanat.store.db import Store
from amanat.web import Settings, create_app
from findings_corpus import build
from test_web_api import RECORDERS, Recorder, error_of, no_server_errors  # noqa: F401 (autouse fixture)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ATOM = "{http://www.w3.org/2005/Atom}"


def client(url: str, **settings) -> TestClient:
    app = Recorder(create_app(url, settings=Settings(rate=None, **settings)))
    RECORDERS.append(app)
    return TestClient(app)


@pytest.fixture
def checked(store_url: str) -> dict[str, str]:
    ids = build(store_url)
    with Store.open(store_url) as store:
        ids["all"] = findings.list_findings(store, dismissed=True)
    ids["contradicted"] = next(f["id"] for f in ids["all"] if f["status"] == "contradicted")
    return ids


def test_findings_api_filters_pages_and_feeds(checked):
    web = client(checked["url"], public_documents=True)
    every = web.get("/api/v1/findings")
    assert every.status_code == 200 and int(every.headers["x-total-count"]) == len(every.json()) == len(checked["all"])
    assert len({f["type"] for f in every.json()}) >= 3
    odd = web.get("/api/v1/findings", params={"source": "odd.example"}).json()
    assert odd and {f["document_id"] for f in odd} == {checked["hostile"]}
    sample = web.get("/api/v1/findings", params={"source": "sample"}).json()
    assert len(odd) + len(sample) == len(every.json())
    spelt = web.get("/api/v1/findings", params={"type": "name-spelling", "status": "informational"}).json()
    assert spelt and all(f["type"] == "name-spelling" for f in spelt)
    today = datetime.now(UTC).date()
    assert len(web.get("/api/v1/findings", params={"since": str(today), "until": str(today)}).json()) == len(every.json())
    assert web.get("/api/v1/findings", params={"until": str(today - timedelta(days=1))}).json() == []
    assert web.get("/api/v1/findings", params={"story": "ab" * 8}).json() == []
    page = web.get("/api/v1/findings", params={"limit": 2, "offset": 1})
    assert [f["id"] for f in page.json()] == [f["id"] for f in every.json()][1:3]
    assert page.headers["x-total-count"] == every.headers["x-total-count"]
    for bad in ({"status": "false"}, {"since": "2022-13-01"}, {"since": "2023-01-02", "until": "2023-01-01"},
                {"review": "maybe"}, {"limit": 0}, {"offset": -1}, {"story": "X" * 65}, {"type": "A B"},
                {"source": "a\x01b"}, {"limit": "9" * 30}):
        assert error_of(web.get("/api/v1/findings", params=bad))[0] == 400, bad
    # the feeds: newest first, with the list's filters
    atom = web.get("/findings.atom")
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == len(every.json())
    assert {e.find(f"{ATOM}id").text.rsplit("/", 1)[1] for e in entries} == {f["id"] for f in every.json()}
    filtered = ET.fromstring(web.get("/findings.atom", params={"status": "contradicted"}).content)
    assert [e.find(f"{ATOM}id").text.rsplit("/", 1)[1] for e in filtered.findall(f"{ATOM}entry")] == [checked["contradicted"]]
    jf = web.get("/findings.json", params={"source": "odd.example"})
    assert jf.headers["content-type"].startswith("application/feed+json")
    body = jf.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert {i["id"] for i in body["items"]} == {f["id"] for f in odd}
    assert all(i["url"].endswith(f"/findings/{i['id']}") for i in body["items"])
    assert web.get("/findings.json", params={"since": "nope"}).status_code == 400


def test_finding_entity_and_document_pages(checked):
    web = client(checked["url"], public_documents=True)
    target = checked["contradicted"]
    listing = web.get("/findings")
    assert listing.status_code == 200 and f'href="/findings/{target}"' in listing.text
    assert web.get("/findings", params={"status": "contradicted"}).text.count('class="finding-row"') == 1
    for bad in ({"status": "bogus"}, {"page": "0"}, {"page": "x"}, {"since": "2022-02-30"}):
        r = web.get("/findings", params=bad)
        assert r.status_code == 400 and 'class="error"' in r.text, bad
    page = web.get(f"/findings/{target}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert 'onerror=' not in page.text.replace("onerror=alert(5)&gt;", "")  # only as escaped text
    assert '<mark class="evidence"' in page.text and "Secretary-General of the United Nations" in page.text
    assert "Office holders" in page.text  # the fact's source
    assert 'form class="review"' not in page.text  # no reviewer signed in
    for unknown in ("0" * 16, "zz", "x" * 300):
        assert web.get(f"/findings/{unknown}").status_code == 404
        assert error_of(web.get(f"/api/v1/findings/{unknown}"))[0] == 404
    doc = web.get(f"/documents/{checked['hostile']}").text
    assert 'id="finding-1"' in doc and 'class="legend"' in doc and 'href="/entities/Q1253"' in doc
    assert "<script>alert" not in doc
    # entities: the page and the API agree; ids with slashes and colons are paths
    api = web.get("/api/v1/entities/Q1253").json()
    assert api["name"] == "Ban Ki-moon" and any(n["script"] == "Cyrl" or n["lang"] == "ru" for n in api["names"])
    assert any(o["other_name"] == "Secretary-General of the United Nations" and o["start"] == "2007-01-01"
               for o in api["offices"])
    assert api["mentions"]["total"] >= 2 and any(m["month"] == "2022-01" for m in api["mentions"]["per_month"])
    assert checked["hostile"] in {d["id"] for d in api["documents"]["items"]}
    assert target in {f["id"] for f in api["findings"]["items"]}
    assert web.get("/api/v1/entities/Q1253", params={"limit": 1, "offset": 1}).json()["documents"]["offset"] == 1
    entity = web.get("/entities/Q1253")
    assert entity.status_code == 200 and '<svg class="timeline"' in entity.text and 'class="list counts"' in entity.text
    with Store.open(checked["url"]) as store:
        import sqlalchemy as sa

        from amanat.store import schema as t
        from amanat.store.entities import (
            mention_counts,  # an id with a slash, from the stored mentions
        )

        with store.engine.connect() as conn:
            slashed = conn.execute(sa.select(t.mentions.c.entity_id).where(t.mentions.c.entity_id.like("%/%"))).scalar()
        assert slashed and mention_counts(store, slashed).mentions >= 1
    assert web.get("/entities/" + quote(slashed, safe=":/")).status_code == 200
    assert web.get("/api/v1/entities/" + quote(slashed, safe=":/")).json()["id"] == slashed
    for unknown in ("Q0", "nope/../../etc", quote("Q1\x00", safe=""), "x" * 300):
        assert web.get(f"/entities/{unknown}").status_code == 404, unknown
        assert error_of(web.get(f"/api/v1/entities/{unknown}"))[0] == 404, unknown
    tokayev = web.get("/api/v1/entities/Q200881").json()  # a term the record gives no end for is hatched
    assert any(o["open_end"] for o in tokayev["offices"])
    assert 'fill="url(#open-end)"' in web.get("/entities/Q200881").text
    assert web.get("/entities/Q1253", params={"page": "0"}).status_code == 400
    assert error_of(web.get("/api/v1/entities/Q1253", params={"limit": 0}))[0] == 400
    home = web.get("/").text
    assert 'class="dash-findings"' in home and "title-at-date" in home and 'class="dash-sync"' in home
    assert "odd.example" in home  # sources and how much came from each


NEW_PRIVATE = ["/findings", "/findings/{contradicted}", "/findings.atom", "/findings.json", "/entities/Q1253"]
NEW_PRIVATE_API = ["/api/v1/findings", "/api/v1/findings/{contradicted}", "/api/v1/entities/Q1253"]


def test_private_node_asks_for_rights_and_review_leaves_the_open_list(checked):
    web = client(checked["url"])
    for path in NEW_PRIVATE:
        r = web.get(path.format(**checked))
        assert r.status_code == 401 and 'form class="login"' in r.text, path
    for path in NEW_PRIVATE_API:
        assert error_of(web.get(path.format(**checked))) == (401, "token_required"), path
    assert "dash-findings" not in web.get("/").text
    read = {"Authorization": f"Bearer {checked['read']}"}
    for path in NEW_PRIVATE + NEW_PRIVATE_API:
        assert web.get(path.format(**checked), headers=read).status_code == 200, path
    target = checked["contradicted"]
    form = {"decision": "confirm", "note": "the record dates the term 2007-2016"}
    assert web.post(f"/findings/{target}/review", data=form).status_code == 401  # no token
    assert web.post(f"/findings/{target}/review", data=form, headers=read).status_code == 403  # no review scope
    review = {"Authorization": f"Bearer {checked['review']}"}
    other_site = {**review, "Origin": "https://evil.example"}
    assert web.post(f"/findings/{target}/review", data=form, headers=other_site).status_code == 403
    assert web.post(f"/findings/{target}/review", data={"decision": "confirm"}, headers=review).status_code == 400
    assert web.post(f"/findings/{target}/review", data={"decision": "maybe", "note": "x"}, headers=review).status_code == 400
    assert web.post(f"/findings/{'0' * 16}/review", data=form, headers=review).status_code == 404
    assert web.post(f"/findings/{target}/review", json=form, headers=review).status_code == 415
    done = web.post(f"/findings/{target}/review", data=form, headers=review, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/findings/{target}"
    assert target not in web.get("/findings", headers=read).text
    assert target in web.get("/findings", params={"review": "confirmed"}, headers=read).text
    opened = web.get("/api/v1/findings", params={"review": "open"}, headers=read).json()
    assert target not in {f["id"] for f in opened}
    assert web.get(f"/api/v1/findings/{target}", headers=read).json()["review"]["decision"] == "confirmed"
    # dismissed: gone from the API's default list too, as before
    web.post(f"/findings/{target}/review", data={"decision": "dismiss", "note": "on reflection"}, headers=review)
    assert target not in {f["id"] for f in web.get("/api/v1/findings", headers=read).json()}
    assert target in {f["id"] for f in web.get("/api/v1/findings", params={"dismissed": "true"}, headers=read).json()}
