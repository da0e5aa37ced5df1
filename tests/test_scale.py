"""The Spark job against the single-machine path: the same WARC input through `ingest` +
`check` and through `scale run` + `scale load`, compared row by row; idempotent loads; bad
records counted per file; S3 input from moto's server on loopback; the missing-extra line.

Spark starts once for the whole file (a session-scoped fixture): its start-up costs seconds.
"""

from __future__ import annotations

import html
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import shared_path
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from amanat.check.commands import run_checks_on_store
from amanat.ingest.pipeline import ingest
from amanat.store import schema as t
from amanat.store.db import Store

pytestmark = pytest.mark.slow
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "amanat" / "sample"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str | None]:
    """moto's S3 server on loopback (None when moto is not installed); started before Spark,
    whose Python workers inherit the environment that points boto3 at it."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        yield None
        return
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for key, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        os.environ[key] = value
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def spark(s3_endpoint: str | None) -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from amanat.scale.spark import session

    s = session("local[2]")
    yield s
    s.stop()


def _page(title: str, paragraphs: list[str], day: str) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<html><head><title>{html.escape(title)}</title><meta property="article:published_time" '
            f'content="{day}"></head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>'
            ).encode()


def make_warc(path: Path, *, broken: bool = False) -> Path:
    """A WARC of the sample corpus as HTML responses, a page republished at a second URL (a
    copy), a request record (skipped), and — when ``broken`` — garbage between two records."""
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for n, sample in enumerate(sorted(SAMPLE.glob("*.txt"))):
            lines = [x.strip() for x in sample.read_text(encoding="utf-8").split("\n\n") if x.strip()]
            payload = _page(lines[0], lines[1:], f"2022-01-{10 + n:02d}")
            for url in [f"https://news{n}.example.com/2022/01/article-{n}.html"] + (
                    ["https://mirror.example.org/copy.html"] if n == 0 else []):
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                           protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                              http_headers=headers))
            if broken and n == 1:
                fh.write(b"\x1f\x8b\x08this is not a gzip member at all" * 20)
        writer.write_record(writer.create_warc_record("https://news0.example.com/", "request",
                                                      payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The test's WARC (with a broken stretch) and a real Common Crawl WARC."""
    here = tmp_path_factory.mktemp("warc")
    real = shared_path("data", "formats", "warc", "commoncrawl-whirlwind", "whirlwind.warc.gz")
    return sorted([str(make_warc(here / "made.warc.gz", broken=True)), str(real.resolve())])


def _snapshot(store: Store) -> dict[str, Any]:
    """What must be the same whichever way the input came in."""
    d, c, m, f, r = t.documents, t.claims, t.mentions, t.findings, t.reprints
    with store.engine.connect() as conn:
        return {
            "documents": conn.execute(sa.select(d.c.id, d.c.version, d.c.previous_id, d.c.canonical_url, d.c.source,
                                                d.c.published, d.c.language, d.c.content_hash)
                                      .order_by(d.c.seq)).all(),
            "claims": conn.execute(sa.select(c.c.document_id, c.c.n, c.c.type, c.c.start, c.c.end, c.c.text,
                                             c.c.fields).order_by(c.c.document_id, c.c.n)).all(),
            "mentions": conn.execute(sa.select(m.c.document_id, m.c.n, m.c.text, m.c.entity_id, m.c.kind)
                                     .order_by(m.c.document_id, m.c.n)).all(),
            "findings": conn.execute(sa.select(f.c.id, f.c.document_id, f.c.type, f.c.status, f.c.sentence)
                                     .where(f.c.current.is_(True)).order_by(f.c.id)).all(),
            "stories": conn.execute(sa.select(sa.func.count()).select_from(t.stories)).scalar(),
            "reprints": conn.execute(sa.select(sa.func.count()).select_from(r)).scalar(),
            "seen": conn.execute(sa.select(t.seen.c.url, t.seen.c.raw_digest, t.seen.c.outcome)
                                 .order_by(t.seen.c.url, t.seen.c.raw_digest)).all(),
        }


def test_same_documents_claims_and_findings_as_one_machine(spark, inputs, store_url, tmp_path_factory):
    from amanat.scale.load import load, rows_of
    from amanat.scale.spark import run, shipment_of

    one = f"sqlite:///{tmp_path_factory.mktemp('one') / 'one.db'}"
    with Store.open(one) as single:
        ingest(single, inputs, jobs=1)
        run_checks_on_store(single)
        expected = _snapshot(single)
    out = tmp_path_factory.mktemp("parquet")
    with Store.open(store_url) as store:
        report = run(spark, inputs, out, shipment_of(store))
        loaded = load(store, out)
        assert loaded["analysis_current"]  # the job ran against this store's knowledge base
        run_checks_on_store(store, reprint_candidates=loaded["candidates"], analyse=False)
        got = _snapshot(store)
        again = load(store, out)  # idempotent: a second load adds nothing
        assert _snapshot(store) == got
    assert expected["documents"] and expected["claims"] and expected["findings"]
    assert got == expected
    assert loaded["counts"]["copies"] == 1 and again["counts"].get("new", 0) == 0
    assert again["counts"]["unchanged"] == loaded["counts"]["captures"]
    # bad records are counted against their own file and the rest of the file still loaded
    made = next(f for f in report.files if f["location"].endswith("made.warc.gz"))
    assert made["failed"] >= 1 and made["documents"] == sum(1 for d in got["documents"] if "example." in d.canonical_url)
    assert any(p["kind"] == "failed" and p["location"].startswith(made["location"]) for p in report.problems)
    assert {r["document_id"] for r in rows_of(out, "claims")} <= {row.id for row in got["documents"]}


def test_s3_input_streamed_by_the_executors(spark, s3_endpoint, tmp_path):
    if s3_endpoint is None:
        pytest.skip("moto is not installed: the S3 path is untested here")
    import boto3

    from amanat.scale.files import list_inputs
    from amanat.scale.load import load
    from amanat.scale.spark import run, shipment_of

    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="news")
    warc = make_warc(tmp_path / "made.warc.gz")
    client.upload_file(str(warc), "news", "crawl/2022/made.warc.gz")
    client.put_object(Bucket="news", Key="crawl/2022/notes.txt", Body=b"not a warc")
    files = list_inputs("s3://news/crawl/*/*.warc.gz")
    assert files == ["s3://news/crawl/2022/made.warc.gz"]
    with Store.open(f"sqlite:///{tmp_path / 's3.db'}") as store:
        report = run(spark, files, tmp_path / "out", shipment_of(store))
        assert report.totals()["documents"] == 6 and report.totals()["failed"] == 0
        load(store, tmp_path / "out")
        with store.engine.connect() as conn:
            origins = conn.execute(sa.select(t.documents.c.origin)).scalars().all()
            refs = conn.execute(sa.select(t.raw.c.ref_path).distinct()).scalars().all()
    assert len(origins) == 6 and all(o.startswith("s3://news/crawl/2022/made.warc.gz") for o in origins)
    assert refs == ["s3://news/crawl/2022/made.warc.gz"]


def test_without_pyspark_one_line_and_exit_2(tmp_path):
    """A stand-in `pyspark` that cannot be found: the command names the extra to install."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text("import sys\nclass _No:\n    def find_spec(self, name, *a, **k):\n"
                       "        if name == 'pyspark': raise ModuleNotFoundError(name)\n"
                       "sys.meta_path.insert(0, _No())\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), SRC]), "AMANAT_DB": f"sqlite:///{tmp_path / 'x.db'}"}
    r = subprocess.run([sys.executable, "-m", "amanat.cli", "scale", "run", "--input", "x.warc.gz",
                        "--output", str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "amanat[scale]" in lines[0] and "Traceback" not in r.stderr


def test_the_shipment_is_broadcast_once_per_session(spark):
    """A second run with the same shipment reuses its broadcast: the reused Python workers
    then keep the knowledge base they unpickled instead of loading a new copy."""
    from amanat.scale.spark import broadcast

    sc = spark.sparkContext
    one, other = {"kb": 1}, {"kb": 2}
    first = broadcast(sc, one)
    assert broadcast(sc, one) is first
    replaced = broadcast(sc, other)
    assert replaced is not first and replaced.value == other
    assert broadcast(sc, other) is replaced
