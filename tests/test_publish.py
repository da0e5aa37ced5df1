"""Publishing and verifying signed items end to end: keys, log, bundles, tampering, kills."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from amanat.cli import app
from amanat.errors import VerificationError
from amanat.provenance import jws
from amanat.provenance.bundle import load_bundle, make_bundle, verify
from amanat.provenance.keys import public_key_from_jwk
from amanat.provenance.policy import AllOf, Origin, PinnedKey
from amanat.provenance.publishing import Publisher, create_publisher
from amanat.store.db import Store

NAME = "Test Ministry (test publisher)"
runner = CliRunner()


@pytest.fixture
def publisher(store_url, tmp_path):
    with Store.open(store_url) as store:
        yield create_publisher(store, NAME, keys_dir=str(tmp_path / "keys"))


def synthetic(n: int) -> str:
    return f"Synthetic statement number {n}, written for the test suite; it reports nothing real."


def test_lifecycle_and_audit(publisher, tmp_path):
    first = publisher.publish(headline="Synthetic statement", body=synthetic(1), language="en")
    uri = first.item_uri
    publisher.correct(uri, body=synthetic(2))
    new_kid, _ = publisher.rotate()
    old_kid = first.kid
    publisher.revoke(old_kid, "superseded")
    withdrawal = publisher.withdraw(uri, reason="synthetic withdrawal")
    assert withdrawal.kid == new_kid  # signed with the key still valid
    audit = publisher.log.audit()
    assert audit["entries"] == 6 and audit["checkpoints"] == 6
    report = verify(make_bundle(publisher.log, uri, 1), publisher.log.known_publisher())
    assert report.index == 1 and report.kid == old_kid
    assert [v["version"] for v in report.later_versions] == ["2", "3"]
    assert report.withdrawn["reason"] == "synthetic withdrawal"
    assert report.key_revoked_at == 4  # the revocation's own log index
    for path in publisher.keys.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_item_signed_after_revocation_is_refused(publisher):
    first = publisher.publish(headline="Synthetic statement", body=synthetic(1), language="en")
    publisher.rotate()
    publisher.revoke(first.kid, "compromised")
    stale = publisher.keys.item_key(first.kid)
    item = {**publisher.latest(first.item_uri), "version": "9"}
    token = jws.sign(item, stale, typ=jws.TYP_ITEM)
    with pytest.raises(VerificationError, match="revoked at log index"):
        publisher.log.append(token, publisher.keys.checkpoint_signer())
    publisher.log.audit()  # the refused append left nothing behind


def test_typ_confusion_is_refused(publisher):
    kid, key = publisher.signing_key()
    item = publisher.latest(publisher.publish(headline="S", body=synthetic(1), language="en").item_uri)
    as_key_event = jws.sign(item, key, typ=jws.TYP_KEY_EVENT, kid=kid)
    with pytest.raises(VerificationError):
        publisher.log.append(as_key_event, publisher.keys.checkpoint_signer())


# --- bundles --------------------------------------------------------------------------------


@pytest.fixture
def bundle(sqlite_url, tmp_path):
    with Store.open(sqlite_url) as store:
        pub = create_publisher(store, NAME, keys_dir=str(tmp_path / "keys"))
        for n in range(5):
            pub.publish(headline=f"Synthetic {n}", body=synthetic(n), language="en")
        entry = pub.publish(headline="Synthetic target", body=synthetic(99), language="en")
        pub.publish(headline="After", body=synthetic(100), language="en")
        return make_bundle(pub.log, entry.item_uri)


def test_bundle_verifies_offline_in_a_bare_process(bundle, tmp_path):
    path = tmp_path / "item.bundle.json"
    path.write_text(json.dumps(bundle))
    env = {"PATH": os.environ.get("PATH", ""), "AMANAT_DB": f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}"}
    kid = jws.peek_header(_target(bundle)["token"])["kid"]
    ok = subprocess.run([sys.executable, "-m", "amanat.cli", "verify", str(path), "--key", kid, "--json"],
                        env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["item"]["headlines"][0]["value"] == "Synthetic target"
    wrong = subprocess.run([sys.executable, "-m", "amanat.cli", "verify", str(path), "--key", kid, "--origin", "example.org/other"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "not the expected" in wrong.stderr and "Traceback" not in wrong.stderr
    # an origin alone is a name, not a trust anchor: refused, saying what to give
    alone = subprocess.run([sys.executable, "-m", "amanat.cli", "verify", str(path), "--origin", bundle["origin"]],
                           env=env, capture_output=True, text=True, timeout=60)
    assert alone.returncode == 2 and "--key" in alone.stderr and "verified" not in alone.stdout
    assert len(alone.stderr.strip().splitlines()) == 1


def _target(bundle: dict) -> dict:
    return next(e for e in bundle["entries"] if e["index"] == bundle["item"])


def _pinned(bundle: dict) -> PinnedKey:
    """The policy of a verifier who got the publisher's key id out of band."""
    return PinnedKey(jws.peek_header(_target(bundle)["token"])["kid"])


def _retoken(token: str, payload: dict) -> str:
    header, _, sig = token.split(".")
    body = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{sig}"


TAMPERINGS = {
    "headline changed": lambda b: _target(b).update(token=_retoken(_target(b)["token"], {
        **json.loads(base64.urlsafe_b64decode(_target(b)["token"].split(".")[1] + "==")),
        "headlines": [{"role": "main", "contentType": "text/plain", "value": "Forged"}]})),
    "signature from another entry": lambda b: _target(b).update(token=".".join(
        [*_target(b)["token"].split(".")[:2], b["entries"][0]["token"].split(".")[2]])),
    "proof shortened": lambda b: _target(b)["proof"].pop(),
    "proof of another leaf": lambda b: _target(b).update(
        proof=next(e for e in b["entries"] if e["index"] == 0)["proof"]),
    "index moved": lambda b: (_target(b).update(index=_target(b)["index"] - 1), b.update(item=b["item"] - 1)),
    "checkpoint root replaced": lambda b: b.update(checkpoint=b["checkpoint"].replace(
        b["checkpoint"].split("\n")[2], base64.b64encode(b"\0" * 32).decode())),
    "publisher document dropped": lambda b: b.update(entries=[e for e in b["entries"] if e["index"] != 0]),
    "origin pin mismatch": None,
    "key not the pinned one": None,
}


@pytest.mark.parametrize("case", sorted(TAMPERINGS))
def test_tampered_bundles_fail(bundle, case):
    tampered = json.loads(json.dumps(bundle))
    policy = _pinned(bundle)
    if case == "origin pin mismatch":
        policy = AllOf(Origin("example.org/someone-else"), policy)
    elif case == "key not the pinned one":
        policy = PinnedKey("A" * 43)
    else:
        TAMPERINGS[case](tampered)
    with pytest.raises(VerificationError) as info:
        verify(tampered, policy)
    assert "\n" not in str(info.value)


def test_a_checkpoint_of_another_origin_is_refused(bundle, tmp_path):
    """Another log's checkpoint, validly signed by its own key, in place of the bundle's."""
    with Store.open(f"sqlite:///{tmp_path / 'other.db'}") as store:
        other = create_publisher(store, "Other Ministry (test publisher)", keys_dir=str(tmp_path / "other-keys"))
        for n in range(7):
            other.publish(headline=f"Other {n}", body=synthetic(n), language="en")
        foreign = make_bundle(other.log, other.publish(headline="Other", body=synthetic(7), language="en").item_uri)
    assert foreign["origin"] != bundle["origin"]
    tampered = {**bundle, "checkpoint": foreign["checkpoint"]}
    with pytest.raises(VerificationError) as info:
        verify(tampered, _pinned(bundle))
    assert "\n" not in str(info.value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0), replacement=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
def test_any_character_change_in_the_item_token_fails(bundle, position, replacement):
    tampered = json.loads(json.dumps(bundle))
    token = _target(tampered)["token"]
    i = position % len(token)
    if token[i] in (replacement, "."):
        return
    _target(tampered)["token"] = token[:i] + replacement + token[i + 1 :]
    with pytest.raises(VerificationError):
        verify(tampered, _pinned(bundle))


def test_bundle_checked_by_independent_code(bundle):
    """The item's JWS verifies with jwcrypto, and its inclusion proof with an RFC 9162
    verifier written here, not Amanat's."""
    from jwcrypto import jwk as jwk_mod
    from jwcrypto import jws as jws_mod

    doc_token = next(e for e in bundle["entries"] if e["index"] == 0)["token"]
    doc = json.loads(base64.urlsafe_b64decode(doc_token.split(".")[1] + "=="))
    public_key_from_jwk(doc["keys"][0])  # a well-formed OKP key
    checker = jws_mod.JWS()
    checker.deserialize(_target(bundle)["token"])
    checker.verify(jwk_mod.JWK(**doc["keys"][0]), alg="EdDSA")
    assert json.loads(checker.payload)["headlines"][0]["value"] == "Synthetic target"

    lines = bundle["checkpoint"].split("\n")
    size, root = int(lines[1]), base64.b64decode(lines[2])
    target = _target(bundle)
    index, node = target["index"], hashlib.sha256(b"\x00" + target["token"].encode()).digest()
    fn, sn = index, size - 1
    for sibling in (base64.b64decode(h) for h in target["proof"]):
        if sn == 0:
            pytest.fail("proof longer than the path")
        if fn % 2 == 1 or fn == sn:
            node = hashlib.sha256(b"\x01" + sibling + node).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = hashlib.sha256(b"\x01" + node + sibling).digest()
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and node == root


def test_bad_bundle_files_give_one_line_errors(tmp_path, sqlite_url):
    cases = {"not-json.json": b"{nope", "dup.json": b'{"mediaType":"a","mediaType":"b"}', "empty.json": b"",
             "other.json": json.dumps({"mediaType": "application/json"}).encode()}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        result = runner.invoke(app, ["--db", sqlite_url, "verify", str(tmp_path / name)])
        assert result.exit_code == 2, (name, result.stdout)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    with pytest.raises(Exception):  # noqa: B017 - any InputError subclass
        load_bundle(b"[]")


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_publish_correct_withdraw_verify(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("AMANAT_KEYS", str(tmp_path / "keys"))
    def run(*args: str) -> tuple[int, str, str]:
        r = runner.invoke(app, ["--db", store_url, *args])
        return r.exit_code, r.stdout, r.stderr
    assert run("keys", "new", "--publisher", NAME)[0] == 0
    text = tmp_path / "statement.md"
    text.write_text("# Synthetic\n\nA synthetic statement for the test suite.\n")
    code, uri, err = run("publish", str(text), "-p", NAME, "--headline", "Synthetic", "--lang", "en", "--out", str(tmp_path / "b.json"))
    assert code == 0, err
    uri = uri.strip()
    text.write_text("# Synthetic\n\nA corrected synthetic statement for the test suite.\n")
    assert run("publish", str(text), "-p", NAME, "--corrects", uri)[0] == 0
    assert run("withdraw", uri, "-p", NAME, "--reason", "synthetic")[0] == 0
    code, out, _ = run("verify", str(tmp_path / "b.json"), "--json")
    assert code == 0 and json.loads(out)["item"]["version"] == "1"
    code, out, _ = run("verify", uri, "--json")
    report = json.loads(out)
    assert report["item"]["pubStatus"] == "canceled" and report["withdrawn"]["reason"] == "synthetic"
    code, out, _ = run("show", uri)
    assert code == 0 and "+A corrected synthetic statement" in out and "withdrawn: synthetic" in out
    code, out, _ = run("log", "audit", "--json")
    assert code == 0 and json.loads(out)[0]["entries"] == 4
    code, out, _ = run("log", "prove", uri)
    assert json.loads(out)["index"] == 3
    assert run("log", "checkpoint")[1].startswith("localhost/amanat/")
    code, _, err = run("publish", str(tmp_path / "missing.txt"), "-p", NAME, "--headline", "x", "--lang", "en")
    assert code == 2 and "no such file" in err
    code, _, err = run("publish", str(text), "-p", "Nobody", "--headline", "x", "--lang", "en")
    assert code == 2 and "no publisher" in err


def test_killed_appends_leave_a_verifiable_log(tmp_path):
    db = f"sqlite:///{tmp_path / 'log.db'}"
    keys = str(tmp_path / "keys")
    with Store.open(db) as store:
        create_publisher(store, NAME, keys_dir=keys)
    script = (
        "import itertools, sys\n"
        "from amanat.store.db import Store\n"
        "from amanat.provenance.publishing import Publisher\n"
        f"store = Store.open({db!r}); pub = Publisher.open(store, {NAME!r}, {keys!r})\n"
        "for n in itertools.count():\n"
        "    pub.publish(headline=f'Synthetic {n}', body='Synthetic body for a kill test.', language='en')\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.3)
        with Store.open(db) as store:
            if Publisher.open(store, NAME, keys).log.size > 20:
                break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with Store.open(db) as store:
        pub = Publisher.open(store, NAME, keys)
        size = pub.log.size
        assert pub.log.audit()["entries"] == size > 20
        last = pub.log.entry(size - 1)
        report = verify(make_bundle(pub.log, last.item_uri), pub.log.known_publisher())
        assert report.checkpoint_size == size


def test_database_proofs_equal_in_memory_proofs(publisher):
    from amanat.provenance import merkle

    for n in range(37):
        publisher.publish(headline=f"Synthetic {n}", body=synthetic(n), language="en")
    log = publisher.log
    tree = merkle.MerkleTree()
    for entry in log.entries():
        tree.append_leaf_hash(entry.leaf_hash)
    size = log.size
    for s in range(1, size + 1):
        assert log.root(s) == tree.root(s)
        for i in range(0, s, 5):
            assert log.inclusion_proof(i, s) == tree.inclusion_proof(i, s)
        for m in range(1, s + 1, 3):
            assert log.consistency_proof(m, s) == tree.consistency_proof(m, s)


def test_published_items_become_searchable_documents(publisher):
    from amanat.store.search import Filters, search

    first = publisher.publish(headline="Synthetic statement", body="A synthetic zephyrine statement.", language="en")
    publisher.correct(first.item_uri, body="A corrected synthetic zephyrine statement.")
    publisher.withdraw(first.item_uri, reason="synthetic")
    store = publisher.log.store
    (hit,) = search(store, "zephyrine")  # one result per article: the newest version
    assert hit.url == first.item_uri and hit.source == publisher.log.origin
    assert len(search(store, "zephyrine", Filters(all_versions=True))) == 2
    versions = store.versions(first.item_uri)
    assert [v.version for v in versions] == [1, 2]  # the withdrawal adds no document
    assert versions[-1].document.text == "A corrected synthetic zephyrine statement."


def test_batches_equal_one_by_one_appends_with_one_checkpoint_each(publisher):
    """Batched appends (several sizes, so the stored frontier is used at odd starts) give the
    tree that one-by-one appends give: every root and proof equals the in-memory tree's."""
    from amanat.provenance import merkle
    from amanat.provenance.publishing import Statement

    publisher.publish(headline="Synthetic 0", body=synthetic(0), language="en")
    sizes = [3, 1, 8, 5, 13]
    for n, count in enumerate(sizes):
        publisher.publish_many([Statement(f"Synthetic {n}.{i}", synthetic(i), "en") for i in range(count)])
    log = publisher.log
    audit = log.audit()  # every leaf, subtree, checkpoint signature and consistency, recomputed
    assert audit["entries"] == 2 + sum(sizes) and audit["checkpoints"] == 2 + len(sizes)
    tree = merkle.MerkleTree()
    for entry in log.entries():
        tree.append_leaf_hash(entry.leaf_hash)
    for s in range(1, log.size + 1):
        assert log.root(s) == tree.root(s)
        for m in range(1, s + 1, 4):
            assert log.consistency_proof(m, s) == tree.consistency_proof(m, s)
    last = log.entry(log.size - 1)
    assert verify(make_bundle(log, last.item_uri), log.known_publisher()).checkpoint_size == log.size
    assert len(log.store.versions(last.item_uri)) == 1  # its document too


def test_a_batch_is_all_or_nothing(publisher):
    from amanat.errors import InputError
    from amanat.provenance.publishing import Statement

    with pytest.raises(InputError):
        publisher.publish_many([Statement("Fine", synthetic(1), "en"), Statement("Bad", synthetic(2), "e n")])
    assert publisher.log.size == 1
    foreign = jws.sign({"type": "amanat.key-event/v1"}, publisher.keys.item_key(publisher.signing_key()[0]),
                       typ=jws.TYP_KEY_EVENT)
    with pytest.raises(VerificationError, match="items only"):
        publisher.log.append_many([foreign], publisher.keys.checkpoint_signer())


def test_cli_publishes_a_folder_in_batches(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("AMANAT_KEYS", str(tmp_path / "keys"))
    run = lambda *args: runner.invoke(app, ["--db", sqlite_url, *args])  # noqa: E731
    assert run("keys", "new", "--publisher", NAME).exit_code == 0
    folder = tmp_path / "statements"
    folder.mkdir()
    for n in range(5):
        (folder / f"{n:02}.md").write_text(f"---\nheadline: \"Synthetic {n}: a test\"\nlanguage: en\n---\n{synthetic(n)}\n")
    (folder / "notes.json").write_text("{}")  # not a statement file: skipped
    result = run("publish", str(folder), "-p", NAME, "--batch", "2")
    assert result.exit_code == 0, result.stderr
    uris = result.stdout.split()
    assert len(uris) == 5 and "(3 checkpoints)" in result.stderr
    audit = json.loads(run("log", "audit", "--json").stdout)[0]
    assert audit["entries"] == 6 and audit["checkpoints"] == 4
    report = json.loads(run("verify", uris[1], "--json").stdout)
    assert report["item"]["headlines"][0]["value"] == "Synthetic 1: a test"
    assert report["item"]["bodies"][0]["contentType"] == "text/markdown"
    # a bad file stops the whole folder before anything is signed, naming the file
    (folder / "03.md").write_text("---\nheadlne: typo\nlanguage: en\n---\ntext\n")
    result = run("publish", str(folder), "-p", NAME)
    assert result.exit_code == 2 and "03.md" in result.stderr and "headlne" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert json.loads(run("log", "audit", "--json").stdout)[0]["entries"] == 6
    (folder / "03.md").write_text("no front matter\n")
    assert "no front matter" in run("publish", str(folder), "-p", NAME).stderr
    assert "--headline" in run("publish", str(folder), "-p", NAME, "--headline", "x").stderr
