"""Running analysis over the store: incremental passes, the claims command and endpoint,
the extractor registry and its plugin entry point."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from amanat.analyze import claims as registry
from amanat.analyze.passes import PASSES, Context, Source, analyze_source, run_local
from amanat.cli import app
from amanat.kb import starter
from amanat.kb.index import KBIndex

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "amanat" / "sample"
runner = CliRunner()


def run(store_url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", store_url, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def context() -> Context:
    return Context(KBIndex.build(starter.load()), "test")


def test_a_pool_gives_what_one_process_gives(context):
    sources = [Source(str(i), f"President Kassym-Jomart Tokayev met {i} delegates in Astana on Monday.")
               for i in range(12)]
    alone = [(s.id, {k: o.rows for k, o in out.items()}) for s, out in run_local(sources, context, jobs=1)]
    pooled = [(s.id, {k: o.rows for k, o in out.items()}) for s, out in run_local(sources, context, jobs=2)]
    assert alone == pooled and [i for i, _ in alone] == [s.id for s in sources]
    assert any(r["entity_id"] == "Q200881" for r in alone[0][1]["mentions"])


def test_a_language_no_extractor_supports_is_said_not_guessed(context):
    out = analyze_source(Source("x", "Президент заявил, что 12 человек погибли.", None, "zz"), context)
    assert out["claims"].rows == [] and out["claims"].status == "not analysed for claims (language zz)"


def _ingest_sample(store_url: str) -> list[dict]:
    assert run(store_url, "ingest", str(SAMPLE), "--source", "sample", "--jobs", "1", "--json")[0] == 0
    return [json.loads(x) for x in run(store_url, "export")[1].splitlines()]


def test_analyze_is_incremental_and_claims_are_served(store_url, monkeypatch):
    docs = _ingest_sample(store_url)
    code, out, err = run(store_url, "analyze", "--json")
    assert code == 0, err
    first = json.loads(out)
    assert first["documents"] == len(docs) and first["mentions"] > 100
    assert json.loads(run(store_url, "analyze", "--json")[1])["documents"] == 0  # nothing new
    # a changed extractor version makes every document stale again
    figures = next(e for e in registry.extractors() if e.name == "figures")
    monkeypatch.setitem(registry._registry, "figures", type(figures)(**{**figures.__dict__, "version": figures.version + 1}))
    assert json.loads(run(store_url, "analyze", "--json")[1])["documents"] == len(docs)
    doc = docs[0]
    code, out, err = run(store_url, "claims", doc["id"], "--json")
    assert code == 0, err
    found = json.loads(out)
    assert isinstance(found, list)
    for claim in found:
        assert doc["text"][claim["start"]:claim["end"]] == claim["text"]
        assert claim["type"] in ("quote", "role", "figure", "event", "membership")
    code, out, _ = run(store_url, "claims", doc["id"])
    assert code == 0 and "Claims in" in out
    code, _, err = run(store_url, "claims", "ffffffffffffffff")
    assert code == 2 and "Traceback" not in err


def test_claims_of_an_unanalysed_or_foreign_document_are_an_empty_list(store_url, tmp_path):
    (tmp_path / "ru.txt").write_text("Президент Казахстана заявил журналистам, что ситуация стабилизировалась. " * 5)
    assert run(store_url, "ingest", str(tmp_path / "ru.txt"), "--source", "t", "--jobs", "1")[0] == 0
    doc = json.loads(run(store_url, "export")[1].splitlines()[0])
    code, out, err = run(store_url, "claims", doc["id"], "--json")
    assert code == 0 and json.loads(out) == [] and "not analysed yet" in err
    run(store_url, "analyze", "--json")
    code, out, err = run(store_url, "claims", doc["id"], "--json")
    assert code == 0 and isinstance(json.loads(out), list)


def test_claims_endpoint(store_url):
    from amanat.web.app import create_app
    from amanat.web.settings import Settings

    docs = _ingest_sample(store_url)
    run(store_url, "analyze", "--json")
    with TestClient(create_app(store_url, settings=Settings(public_documents=True))) as client:
        answer = client.get(f"/api/v1/documents/{docs[0]['id']}/claims")
        assert answer.status_code == 200 and isinstance(answer.json(), list)
        assert answer.json() == json.loads(run(store_url, "claims", docs[0]["id"], "--json")[1])
        assert client.get("/api/v1/documents/0123456789abcdef/claims").status_code == 404


def test_every_registered_extractor_is_documented():
    guide = (ROOT / "docs" / "claims.md").read_text()
    for extractor in registry.extractors():
        assert re.search(rf"^### {re.escape(extractor.name)}$", guide, re.M), f"docs/claims.md lacks ### {extractor.name}"
        assert extractor.languages and extractor.version >= 0


def test_a_plugin_registers_through_the_entry_point_group(tmp_path, monkeypatch):
    """A package declaring an ``amanat.extractors`` entry point is loaded beside the built-ins."""
    (tmp_path / "prices_plugin.py").write_text(
        "from amanat.analyze.claims import Extractor\n"
        "from amanat.model import Claim\n"
        "def run(context):\n"
        "    i = context.text.find('PRICE')\n"
        "    return [] if i < 0 else [Claim('figure', i, i + 5, 'PRICE', {'measure': 'money'}, 'prices@1')]\n"
        "EXTRACTOR = Extractor('prices', 1, frozenset({'en'}), ('figure',), run)\n")
    dist = tmp_path / "prices_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: prices-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[amanat.extractors]\nprices = prices_plugin:EXTRACTOR\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_registry", None)
    try:
        names = [e.name for e in registry.extractors()]
        assert "prices" in names and "figures" in names
        found = registry.extract_claims("The PRICE rose.").claims
        assert any(c.extractor == "prices@1" for c in found)
        assert "prices@1" in PASSES[1].version(Context(None, "v"))  # a plugin's version is part of the pass's
    finally:
        registry._registry = None
        sys.modules.pop("prices_plugin", None)


def test_a_broken_plugin_reference_is_one_clear_error():
    with pytest.raises(Exception, match="cannot load claim extractor"):
        registry.load("no_such_module_here:EXTRACTOR")
