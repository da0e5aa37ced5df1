"""Faults, as real processes killed at random points: ``amanat check`` (findings, stories and
reprints written in batches), ``amanat publish`` (log appends) and ``amanat sync``. Afterwards the store and
the log verify, nothing acknowledged is lost or duplicated, and rerunning completes the work:
what a killed-then-rerun check leaves equals what one uninterrupted run leaves.

The kill points are random (the seed is printed when a test fails, so a failure can be
replayed). The checks read the tables directly rather than through Amanat's own code, and the
log is verified by ``amanat log audit``. Ingest kills are in ``test_ingest_kill.py``, whose
helpers these tests reuse.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.test_ingest_kill import _count, _records, _running

from amanat.model import FINDING_STATUSES

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "src" / "amanat" / "demo"
SAMPLE = ROOT / "src" / "amanat" / "sample"
PUBLISHER = "Demo ministry (synthetic)"
SEED = int(os.environ.get("AMANAT_FAULT_SEED", time.time_ns() % 100_000))

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="kills real processes (Linux)")


def _cli(url: str, *args: object) -> list[str]:
    return [sys.executable, "-m", "amanat.cli", *map(str, args), "--db", url]


def _env(keys: Path) -> dict[str, str]:
    return {"AMANAT_KEYS": str(keys), "PYTHONPATH": str(ROOT / "src")}


def _run(cmd: list[str], env: dict[str, str], timeout: float = 300) -> tuple[int, str, str]:
    with _running(cmd, **env) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{' '.join(cmd[3:5])} did not end within {timeout} s")
    return proc.returncode, out, err


def _corpus(url: str, tmp: Path, keys: Path) -> None:
    """A store with a signed statement, the demo coverage (reprints of it, diverging tolls),
    the sample corpus and 240 synthetic reports: enough for several batches of findings."""
    env = _env(keys)
    assert _run(_cli(url, "keys", "new", "--publisher", PUBLISHER), env)[0] == 0
    code, _, err = _run(_cli(url, "publish", DEMO / "statement.md", "-p", PUBLISHER, "--headline",
                             "Flood relief operation continues (synthetic)", "--lang", "en"), env)
    assert code == 0, err
    records = tmp / "records.jsonl"
    _records(records, 240)
    code, _, err = _run(_cli(url, "ingest", DEMO / "coverage.jsonl", SAMPLE, records, "--quiet"), env)
    assert code == 0, err


def _state(url: str) -> dict[str, object]:
    """What a check leaves, read from the tables: current findings, stories as sets of
    documents, current reprints, and which documents are recorded as checked."""
    findings = _count(url, "SELECT id, document_id, check_name, type, status FROM findings WHERE current = "
                           + ("true" if url.startswith("postgresql") else "1"))
    stories: dict[str, set[str]] = {}
    for doc, story in _count(url, "SELECT document_id, story_id FROM story_documents"):
        stories.setdefault(story, set()).add(doc)
    reprints = _count(url, "SELECT item_uri, document_id, kind, classes FROM reprints WHERE current = "
                           + ("true" if url.startswith("postgresql") else "1"))
    checked = _count(url, "SELECT document_id, count(*) FROM analysis_runs WHERE pass_name = 'checks' "
                          "GROUP BY document_id")
    return {"findings": sorted(findings), "stories": sorted(sorted(s) for s in stories.values()),
            "reprints": sorted(reprints), "checked": sorted(checked)}


def _sqlite_ok(url: str) -> None:
    if url.startswith("sqlite"):
        assert _count(url, "PRAGMA integrity_check") == [("ok",)]


def test_a_check_killed_at_random_points_then_rerun_leaves_what_one_run_leaves(tmp_path):
    """``amanat check`` SIGKILLed three times at random points (analysis, grouping, record
    checks, reprints, story checks), then run to the end: the same findings, stories and
    reprints as an uninterrupted check of the same corpus, none twice; each document
    recorded as checked once; the counts of the final run add up. (SQLite: the reference is
    a copy of the very same file, signed item included, checked without a kill.)"""
    rng = random.Random(SEED)
    keys = tmp_path / "keys"
    reference = f"sqlite:///{tmp_path / 'reference.db'}"
    _corpus(reference, tmp_path, keys)
    shutil.copy(tmp_path / "reference.db", tmp_path / "killed.db")
    store_url = f"sqlite:///{tmp_path / 'killed.db'}"
    start = time.monotonic()
    code, _, err = _run(_cli(reference, "check", "--json"), _env(keys))
    assert code == 0, err
    one_run = time.monotonic() - start
    expected = _state(reference)
    assert expected["findings"] and expected["reprints"] and expected["stories"], "the corpus gives nothing to check"

    kills = 0
    for _ in range(3):
        with _running(_cli(store_url, "check", "--json"), **_env(keys)) as proc:
            time.sleep(one_run * rng.uniform(0.1, 0.9))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
            else:
                assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        _sqlite_ok(store_url)
    assert kills, f"every check ended before its kill (seed {SEED})"
    code, out, err = _run(_cli(store_url, "check", "--json"), _env(keys))
    assert code == 0, f"seed {SEED}: {err}"
    counts = json.loads(out)
    assert counts["findings"] == sum(counts.get(s, 0) for s in FINDING_STATUSES), counts
    _sqlite_ok(store_url)
    got = _state(store_url)
    assert all(n == 1 for _, n in got["checked"]), f"seed {SEED}: a document checked twice"
    for part in ("findings", "stories", "reprints", "checked"):
        assert got[part] == expected[part], f"seed {SEED}: {part} differ after killed runs"


def test_publishes_killed_at_random_points_lose_and_duplicate_nothing_acknowledged(store_url, tmp_path):
    """Twelve ``amanat publish`` runs, four of them SIGKILLed at a random point: every item a
    run acknowledged (exit 0, its URI printed) is in the log exactly once, ``amanat log
    audit`` recomputes every leaf, signature and checkpoint without a fault, and a killed
    publish run again is acknowledged like any other."""
    rng = random.Random(SEED)
    keys = tmp_path / "keys"
    env = _env(keys)
    assert _run(_cli(store_url, "keys", "new", "--publisher", PUBLISHER), env)[0] == 0
    texts = []
    for n in range(12):
        path = tmp_path / f"statement{n}.md"
        path.write_text(f"Synthetic statement {n}. The ministry reports that relief work continues in district {n}.")
        texts.append(path)
    start = time.monotonic()
    assert _run(_cli(store_url, "publish", texts[0], "-p", PUBLISHER, "--headline", "Synthetic 0", "--lang", "en"), env)[0] == 0
    one_run = time.monotonic() - start
    acknowledged: list[str] = []  # the runs after the first
    killed: list[int] = []
    doomed = set(rng.sample(range(1, 12), 4))
    for n in range(1, 12):
        cmd = _cli(store_url, "publish", texts[n], "-p", PUBLISHER, "--headline", f"Synthetic {n}", "--lang", "en")
        with _running(cmd, **env) as proc:
            if n in doomed:
                time.sleep(one_run * rng.uniform(0.3, 1.1))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    killed.append(n)
                    continue
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            acknowledged.append(out.strip())
        _sqlite_ok(store_url)
    for n in killed:  # run again: acknowledged like any other
        code, out, err = _run(_cli(store_url, "publish", texts[n], "-p", PUBLISHER, "--headline", f"Synthetic {n}", "--lang", "en"), env)
        assert code == 0, err
        acknowledged.append(out.strip())
    code, out, err = _run(_cli(store_url, "log", "audit", "--json", "-p", PUBLISHER), env)
    assert code == 0, f"seed {SEED}: {err}"
    (audit,) = json.loads(out)  # one log: the publisher's
    assert audit["entries"] == _count(store_url, "SELECT count(*) FROM log_entries")[0][0], audit
    logged = [uri for (uri,) in _count(store_url, "SELECT item_uri FROM log_entries WHERE kind = 'item'")]
    for uri in acknowledged:
        assert uri and logged.count(uri) == 1, f"seed {SEED}: {uri!r} logged {logged.count(uri)} times"
    # a killed run logged its item or nothing: never more than one entry per run
    assert len(acknowledged) + 1 <= len(logged) <= len(acknowledged) + 1 + len(killed)


def test_a_sync_killed_at_random_points_then_rerun_mirrors_the_partners_log_once(tmp_path_factory):
    """Three rounds of: the partner publishes 20 entries, ``amanat sync`` fetches them (the
    entries served slowly) and is SIGKILLed at a random point. After each, the follower's
    mirror is a prefix of the partner's log with no entry twice; a rerun mirrors the whole
    log — every entry once, the same root."""
    from tests.test_exchange import ALLOW, Pair, tabled_counts

    from amanat.exchange.result import SyncCounts
    from amanat.exchange.sync import follow
    from amanat.provenance.log import Log

    rng = random.Random(SEED)
    pair = Pair(tmp_path_factory.mktemp("sync-kill"))
    try:
        follow(pair.b.store, pair.proxy.url, key=pair.pub_a.log.info()["checkpoint_vkey"], fetcher=pair.fetcher)
        origin = pair.origin_a
        env = {"AMANAT_KEYS": pair.b.keys, "AMANAT_FETCH_ALLOW": ALLOW, "PYTHONPATH": str(ROOT / "src")}
        cmd = _cli(pair.b.db_url, "sync", "--no-announce", "--json")
        pair.proxy.entries_delay = 2.0
        kills = 0
        for r in range(3):
            for n in range(20):
                pair.pub_a.publish(headline=f"Synthetic {r}.{n}", body=f"Synthetic statement {r}.{n}: body.",
                                   language="en")
            with _running(cmd, **env) as proc:
                time.sleep(rng.uniform(0.5, 5.0))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    kills += 1
                else:
                    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
            mirrored = [i for (i,) in _count(pair.b.db_url, f"SELECT idx FROM log_entries WHERE origin = '{origin}'")]
            assert sorted(mirrored) == list(range(len(mirrored))), f"seed {SEED}: not a prefix, or an entry twice"
            _sqlite_ok(pair.b.db_url)
        assert kills, f"every sync ended before its kill (seed {SEED})"
        pair.proxy.entries_delay = 0.0
        size = pair.pub_a.log.size
        kept = len(mirrored)
        code, out, err = _run(cmd, env)
        assert code == 0, f"seed {SEED}: {err}"
        mirrored = [i for (i,) in _count(pair.b.db_url, f"SELECT idx FROM log_entries WHERE origin = '{origin}'")]
        assert sorted(mirrored) == list(range(size)), f"seed {SEED}"
        assert Log(pair.b.store, origin).root(size) == pair.pub_a.log.root(size)
        # the rerun's counts add up: the partner's log = what was kept + what this run stored,
        # and its items are the item entries among those
        (report,) = [r for r in json.loads(out) if r["origin"] == origin]
        new_items = _count(pair.b.db_url, f"SELECT COUNT(*) FROM log_entries WHERE origin = '{origin}' "
                                          f"AND kind = 'item' AND idx >= {kept}")[0][0]
        assert (report["before"], report["after"], report["items"]) == (kept, size, new_items), f"seed {SEED}"
        # and its breakdown (issue 17): received = stored + refused + discarded, stored = items +
        # other entries, items = new + versions + copies + already stored + withdrawals + empty,
        # each part as the tables have it after the run
        counts = SyncCounts(**report["counts"])
        assert counts.unbalanced() == [], f"seed {SEED}: {counts}"
        assert (counts.received, counts.stored, counts.refused, counts.discarded) == (size - kept, size - kept, 0, 0)
        tabled = tabled_counts(pair.b.db_url, origin, kept)
        assert {k: v for k, v in report["counts"].items() if k in tabled} == tabled, f"seed {SEED}"
        # every mirrored item is a searchable document, none twice, whatever the kills cut
        items = _count(pair.b.db_url, f"SELECT COUNT(*) FROM log_entries WHERE origin = '{origin}' AND kind = 'item'")
        documents = _count(pair.b.db_url, f"SELECT COUNT(*), COUNT(DISTINCT id) FROM documents WHERE source = '{origin}'")
        assert documents[0] == (items[0][0], items[0][0]), f"seed {SEED}: {documents} documents for {items} items"
        errors = pair.a.server_errors() + pair.b.server_errors()
        assert not errors, errors
    finally:
        pair.close()
