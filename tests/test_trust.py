"""Verification anchored in keys the verifier trusts: a name or an origin is not an identity.

The attack these tests replay: a second keystore creates a publisher with the real one's name
and origin and signs a statement; the forged bundle must not verify against any anchor the
real publisher's verifiers hold — a pinned key, the store that holds the real log — and the
CLI must refuse an origin given as the only anchor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from amanat.cli import app
from amanat.errors import VerificationError
from amanat.provenance import entries, jws, note
from amanat.provenance.bundle import make_bundle, verify
from amanat.provenance.keys import generate, public_jwk
from amanat.provenance.keystore import publisher_keys
from amanat.provenance.log import Log
from amanat.provenance.policy import AllOf, AnyOf, Origin, PinnedKey, Signed, TrustOnFirstUse
from amanat.provenance.publishing import Publisher, create_publisher
from amanat.store.db import Store

NAME = "Test Ministry (test publisher)"
ORIGIN = "example.org/amanat/test-ministry"
runner = CliRunner()


def _statement(pub: Publisher, headline: str) -> dict:
    entry = pub.publish(headline=headline, body=f"{headline}: synthetic text for the test suite.", language="en")
    return make_bundle(pub.log, entry.item_uri)


def _kid(pub: Publisher) -> str:
    return next(iter(pub.log.key_history().keys))


@pytest.fixture
def real(store_url, tmp_path):
    """The real publisher, in the store its node (and its verifiers' node) keeps."""
    with Store.open(store_url) as store:
        pub = create_publisher(store, NAME, origin=ORIGIN, keys_dir=str(tmp_path / "real-keys"))
        yield pub


@pytest.fixture
def forger(tmp_path):
    """Another keystore and store: a publisher with the same name and origin."""
    with Store.open(f"sqlite:///{tmp_path / 'forger.db'}") as store:
        yield create_publisher(store, NAME, origin=ORIGIN, keys_dir=str(tmp_path / "forger-keys"))


def _forger_listing(victim: Publisher, tmp_path: Path) -> Publisher:
    """A forger whose publisher document lists the victim's public key beside its own and is
    signed with its own: listing a key proves nothing, anyone can copy a public key."""
    victim_jwk = victim.log.key_history().keys[_kid(victim)].key
    store = Store.open(f"sqlite:///{tmp_path / 'lister.db'}")
    keys = publisher_keys(ORIGIN, str(tmp_path / "lister-keys"))
    item_key, signer = generate(), note.NoteSigner(ORIGIN, generate())
    log = Log.create(store, name=NAME, origin=ORIGIN, checkpoint_vkey=signer.verifier().vkey(), local=True)
    keys.save_checkpoint_signer(signer)
    keys.save_item_key(item_key)
    doc = entries.publisher_document(NAME, ORIGIN, [public_jwk(victim_jwk), public_jwk(item_key)], signer.verifier().vkey())
    log.append(jws.sign(doc, item_key, typ=jws.TYP_PUBLISHER), signer)
    return Publisher(log, keys)


def test_a_forged_bundle_fails_every_anchor_of_the_real_publisher(real, forger, tmp_path):
    genuine, forged = _statement(real, "Genuine"), _statement(forger, "Forged")
    assert forged["origin"] == genuine["origin"] == ORIGIN
    for policy in (PinnedKey(_kid(real)), real.log.known_publisher(),
                   AllOf(Origin(ORIGIN), PinnedKey(_kid(real))), AnyOf(PinnedKey(_kid(real)), real.log.known_publisher())):
        assert verify(genuine, policy).item["headlines"][0]["value"] == "Genuine"
        with pytest.raises(VerificationError) as info:
            verify(forged, policy)
        assert "\n" not in info.value.message


def test_a_publisher_document_listing_the_real_key_vouches_for_nothing(real, tmp_path):
    lister = _forger_listing(real, tmp_path)
    forged = _statement(lister, "Forged under a listed key")
    assert _kid(real) in lister.log.key_history().keys  # the real key is listed...
    with pytest.raises(VerificationError, match="does not vouch"):
        verify(forged, PinnedKey(_kid(real)))  # ...but it signed nothing of this log
    with pytest.raises(VerificationError, match="checkpoint key"):
        verify(forged, real.log.known_publisher())


def test_an_origin_alone_anchors_nothing(real):
    with pytest.raises(VerificationError, match="not an identity"):
        verify(_statement(real, "Genuine"), Origin(ORIGIN))


def test_a_pinned_key_vouches_for_the_keys_it_rotated_to(real):
    first = _kid(real)
    real.rotate()
    real.revoke(first, "superseded")
    report = verify(_statement(real, "After rotation"), PinnedKey(first))
    assert report.kid != first and first in report.anchor and report.vouched


def test_a_key_the_held_log_shows_revoked_does_not_verify_later_items(real, tmp_path):
    """A bundle from a fork that leaves out the revocation is refused by a verifier whose
    store holds the log with it."""
    before = _statement(real, "Before")
    first = _kid(real)
    real.rotate()
    real.revoke(first, "compromised")
    held = real.log.known_publisher()
    assert verify(before, held).index < held.history.keys[first].revoked_at  # logged before: stays valid
    # a fork's history, cut before the revocation, showing an item signed after it
    fork = real.log.key_history()
    fork.keys[first].revoked_at = None
    with pytest.raises(VerificationError, match="revoked"):
        held.vouch(Signed(fork, held.history.keys[first].revoked_at + 3, first))


def test_trust_on_first_use_is_explicit_and_says_so(forger):
    report = verify(_statement(forger, "Whoever"), TrustOnFirstUse())
    assert not report.vouched and "trust on first use" in report.anchor


# --- the CLI ---------------------------------------------------------------------------------


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "amanat.cli", "verify", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_refuses_what_its_anchor_did_not_sign(real, forger, store_url, tmp_path):
    genuine, forged = tmp_path / "genuine.json", tmp_path / "forged.json"
    genuine.write_text(json.dumps(_statement(real, "Genuine")))
    forged.write_text(json.dumps(_statement(forger, "Forged")))
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
            "AMANAT_SEARCH_INDEX_DIR": str(tmp_path / "search")}
    nowhere = {**base, "AMANAT_DB": f"sqlite:///{tmp_path / 'none.db'}"}
    # the attack as reported: --origin only, with no store and with the real publisher's store
    for env in (nowhere, {**base, "AMANAT_DB": store_url}):
        r = _cli(env, str(forged), "--origin", ORIGIN)
        assert r.returncode == 2 and "verified" not in r.stdout and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "none.db").exists()  # verifying never creates a store
    r = _cli(nowhere, str(forged), "--origin", ORIGIN)
    assert "--key" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    # anchored in the real store: the genuine one verifies and says who vouched, as of what
    r = _cli({**base, "AMANAT_DB": store_url}, str(genuine))
    assert r.returncode == 0, r.stderr
    assert "vouched for by" in r.stdout and "own publisher" in r.stdout and "snapshot" in r.stdout
    # a pinned key, anywhere
    r = _cli(nowhere, str(genuine), "--key", _kid(real), "--json")
    report = json.loads(r.stdout)
    assert r.returncode == 0 and report["anchor"] == f"pinned key {_kid(real)}" and report["checkpoint_size"] >= 2
    r = _cli(nowhere, str(forged), "--key", _kid(real))
    assert r.returncode == 2 and "does not vouch" in r.stderr
    # trust on first use: explicit, and warns
    r = _cli(nowhere, str(forged), "--trust-on-first-use")
    assert r.returncode == 0 and "warning" in r.stderr and "trust" in r.stderr


def test_cli_store_without_the_publisher_says_what_to_give(forger, sqlite_url, tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps(_statement(forger, "Someone")))
    with Store.open(sqlite_url):
        pass  # an empty store
    result = runner.invoke(app, ["--db", sqlite_url, "verify", str(path)])
    assert result.exit_code == 2 and "knows no keys" in result.stderr and "--key" in result.stderr
