"""Ingest with a worker pool gives what ingest in one process gives, for a folder of files as
for one file of many records (issue 19: a folder of files used to be analysed in this process
alone, one input at a time, whatever ``--jobs`` said)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amanat.ingest import pipeline
from amanat.store.db import Store


def _inputs(folder: Path) -> list[str]:
    """Eight HTML files, one JSON lines file of four pages, one page again (unchanged)."""
    pages = folder / "pages"
    pages.mkdir()
    for i in range(8):
        paras = "".join(f"<p>Story {i} paragraph {j} tells of the events in some detail.</p>" for j in range(5))
        (pages / f"p{i}.html").write_text(
            f'<html><head><title>Story {i}</title><link rel="canonical" href="https://pool.example/{i}">'
            f"</head><body><article><h1>Story {i}</h1>{paras}</article></body></html>")
    with (folder / "more.jsonl").open("w") as fh:
        for i in range(8, 12):
            html = "".join(f"<p>Record {i} line {j} says what happened and where.</p>" for j in range(5))
            fh.write(json.dumps({"url": f"https://pool.example/{i}", "html": f"<html><body>{html}</body></html>"}) + "\n")
    return [str(pages), str(folder / "more.jsonl")]


def _run(url: str, inputs: list[str], jobs: int) -> tuple[dict[str, object], list[tuple[str, str, str]]]:
    progress: list[int] = []
    with Store.open(url) as store:
        summary = pipeline.ingest(store, inputs, jobs=jobs, on_progress=progress.append).as_dict()
        docs = sorted((d.document.url, d.document.title or "", d.document.text) for d in store.iter_documents())
    assert len(progress) == 9  # one report per input, each after its captures were written
    return summary, docs


@pytest.fixture
def pool_used(monkeypatch):
    """The pool starts at a run's second capture, however small; returns the names of the
    tasks it was given."""
    submitted: list[str] = []
    real_pool = pipeline.analysis_pool

    def counting_pool(jobs: int):
        pool = real_pool(jobs)
        submit = pool.submit

        def counted(fn, *args):
            submitted.append(fn.__name__)
            return submit(fn, *args)

        pool.submit = counted  # type: ignore[method-assign]
        return pool

    monkeypatch.setattr(pipeline, "analysis_pool", counting_pool)
    monkeypatch.setattr(pipeline, "POOL_AFTER", 0)
    return submitted


def test_a_folder_of_files_reaches_the_pool_with_the_same_results(tmp_path, pool_used):
    inputs = _inputs(tmp_path)
    one = _run(f"sqlite:///{tmp_path}/one.db", inputs, jobs=1)
    assert not pool_used
    two = _run(f"sqlite:///{tmp_path}/two.db", inputs, jobs=2)
    assert two == one
    assert one[0]["new"] == 12 and not one[0]["failed"]
    # every capture, the first one too (held in the window until the second started the pool)
    assert pool_used == ["analyze_one"] * 12


def test_a_small_run_never_starts_the_pool(tmp_path, monkeypatch):
    started: list[int] = []
    monkeypatch.setattr(pipeline, "analysis_pool", lambda jobs: started.append(jobs))
    summary, _ = _run(f"sqlite:///{tmp_path}/s.db", _inputs(tmp_path), jobs=2)
    assert summary["new"] == 12
    assert not started  # 12 small pages: under POOL_AFTER and POOL_AFTER_CAPTURES
