"""C2SP signed notes, checkpoints and cosignatures (amanat.provenance.note)."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from amanat.errors import VerificationError
from amanat.provenance import merkle, note
from amanat.provenance.errors import BadKey, BadNote, BadSignature
from amanat.provenance.keys import Ed25519PrivateKey

SHARED = Path(__file__).resolve().parents[2] / "shared"
NOTES = SHARED / "vectors" / "signed-note"


def _load(name: str) -> dict:
    path = NOTES / name
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test vectors missing: {path}")
        pytest.skip(f"test vectors not found at {path}")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def vectors() -> dict:
    return _load("signed_note_vectors.json")


@pytest.fixture(scope="module")
def checkpoints() -> dict:
    return _load("checkpoint_vectors.json")


# --- keys -------------------------------------------------------------------------------------


def test_key_ids_and_vkeys(vectors: dict) -> None:
    for name, k in vectors["keys"].items():
        verifier = note.parse_verifier_key(k["verifier_key"])
        assert verifier.name == name
        assert verifier.key_id.hex() == k["key_id_hex"]
        assert verifier.vkey() == k["verifier_key"]
        if "ed25519_seed_hex" in k:
            signer = note.NoteSigner(
                name, Ed25519PrivateKey.from_private_bytes(bytes.fromhex(k["ed25519_seed_hex"]))
            )
            assert signer.key_id.hex() == k["key_id_hex"]
            assert signer.verifier().vkey() == k["verifier_key"]
        if "signer_key" in k:
            assert signer.skey() == k["signer_key"]
            assert note.parse_signer_key(k["signer_key"]).key_id == signer.key_id


def test_bad_verifier_keys(vectors: dict) -> None:
    for case in vectors["bad_verifier_keys"]:
        if case["vkey"] is not None:
            with pytest.raises(BadKey):
                note.parse_verifier_key(case["vkey"])


def test_every_substring_and_increment_of_a_vkey_is_refused(vectors: dict) -> None:
    """As golang's TestNewVerifier: every proper substring and every one-byte increment fails."""
    vkey = vectors["keys"]["PeterNeumann"]["verifier_key"]
    for start in range(len(vkey)):
        for end in range(start, len(vkey) + 1):
            if (start, end) != (0, len(vkey)):
                with pytest.raises(BadKey):
                    note.parse_verifier_key(vkey[start:end])
    for i in range(len(vkey)):
        bumped = vkey[:i] + chr(ord(vkey[i]) + 1) + vkey[i + 1 :]
        with pytest.raises(BadKey):
            note.parse_verifier_key(bumped)


def test_every_increment_of_a_skey_is_refused(vectors: dict) -> None:
    skey = vectors["keys"]["PeterNeumann"]["signer_key"]
    for i in range(len(skey)):
        bumped = skey[:i] + chr(ord(skey[i]) + 1) + skey[i + 1 :]
        with pytest.raises(BadKey):
            note.parse_signer_key(bumped)
    for end in range(len(skey)):
        with pytest.raises(BadKey):
            note.parse_signer_key(skey[:end])


# --- notes ------------------------------------------------------------------------------------


def test_signer_reproduces_reference_note(vectors: dict) -> None:
    signer = note.parse_signer_key(vectors["keys"]["PeterNeumann"]["signer_key"])
    case = vectors["valid"][0]
    assert note.sign_note(case["text"], [signer]) == case["note"]
    assert note.sign_note(case["text"], [signer]).encode() == case["note"].encode("utf-8")


def test_two_signers_reproduce_reference_note(vectors: dict) -> None:
    peter = note.parse_signer_key(vectors["keys"]["PeterNeumann"]["signer_key"])
    enoch = note.NoteSigner("EnochRoot", Ed25519PrivateKey.from_private_bytes(bytes(32)))
    case = vectors["valid"][1]
    assert note.sign_note(case["text"], [peter, enoch]) == case["note"]


def test_valid_notes(vectors: dict) -> None:
    for case in vectors["valid"]:
        verifiers = [note.parse_verifier_key(v) for v in case["verifiers"]]
        opened = note.open_note(case["note"], verifiers)
        assert opened.text == case["text"]
        assert [s.name for s in opened.verified] == case["expect_verified_by"]
        assert [s.name for s in opened.unverified] == case["expect_unverified"]
        # bytes in, same answer
        assert note.open_note(case["note"].encode("utf-8"), verifiers).text == case["text"]


def test_invalid_notes(vectors: dict) -> None:
    expected = {"malformed": BadNote, "unverified": BadNote, "invalid signature": BadSignature}
    for case in vectors["invalid"]:
        raw = bytes.fromhex(case["note_hex"]) if "note_hex" in case else case["note"]
        verifiers = [note.parse_verifier_key(v) for v in case["verifiers"]]
        with pytest.raises(expected[case["error"]]) as err:
            note.open_note(raw, verifiers)
        if case["error"] == "unverified":
            assert "trusted key" in err.value.message, case["desc"]


def test_at_least_16_signatures_are_accepted(vectors: dict) -> None:
    peter = note.parse_signer_key(vectors["keys"]["PeterNeumann"]["signer_key"])
    others = [note.NoteSigner(f"witness{i}.example", Ed25519PrivateKey.generate()) for i in range(16)]
    signed = note.sign_note("Synthetic test text.\n", [*others, peter])
    opened = note.open_note(signed, [peter.verifier()])
    assert len(opened.unverified) == 16


def test_same_name_other_key_is_ignored_not_trusted() -> None:
    real = note.NoteSigner("log.example", Ed25519PrivateKey.generate())
    impostor = note.NoteSigner("log.example", Ed25519PrivateKey.generate())
    signed = note.sign_note("Synthetic test text.\n", [impostor])
    with pytest.raises(BadNote, match="trusted key"):
        note.open_note(signed, [real.verifier()])


def test_text_with_blank_lines_splits_at_last_blank_line() -> None:
    signer = note.NoteSigner("log.example", Ed25519PrivateKey.generate())
    text = "first\n\nsecond\n"
    assert note.open_note(note.sign_note(text, [signer]), [signer.verifier()]).text == text


@pytest.mark.parametrize("text", ["no final newline", "tab\there\n", "bell\x07\n"])
def test_signer_refuses_bad_text(text: str) -> None:
    signer = note.NoteSigner("log.example", Ed25519PrivateKey.generate())
    with pytest.raises(BadNote):
        note.sign_note(text, [signer])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u00a0b", "a\u2003b"])
def test_key_names_are_checked(name: str) -> None:
    with pytest.raises(BadKey):
        note.NoteSigner(name, Ed25519PrivateKey.generate())


# --- checkpoints ------------------------------------------------------------------------------


def test_go_sumdb_tree_note(checkpoints: dict) -> None:
    origin = "go.sum database tree"
    good = checkpoints["go_sumdb_tree_note"]["good"]
    cp = note.parse_checkpoint(good["text"], origin=origin)
    assert cp.size == good["tree_size"]
    assert cp.root_hash.hex() == good["root_hash_hex"]
    assert cp.root_hash == merkle.leaf_hash(b"hello world")
    assert cp.text() == good["text"]
    for bad in checkpoints["go_sumdb_tree_note"]["bad"]:
        with pytest.raises(BadNote):
            note.parse_checkpoint(bad, origin=origin)
    # Go ignores trailing junk without a final newline; C2SP requires the newline: we refuse
    for junk in checkpoints["go_sumdb_tree_note"]["good_with_trailing_junk_ignored_by_go"]:
        with pytest.raises(BadNote):
            note.parse_checkpoint(junk, origin=origin)


def test_c2sp_checkpoint_bodies(checkpoints: dict) -> None:
    section = checkpoints["c2sp_checkpoint_body"]
    for case in section["good"]:
        cp = note.parse_checkpoint(case["text"], hash_size=None)
        assert (cp.origin, cp.size) == (case["origin"], case["size"])
        assert list(cp.extensions) == case.get("extension_lines", [])
        if "hash_utf8" in case:
            assert cp.root_hash == case["hash_utf8"].encode()
        assert cp.text() == case["text"]
        # a SHA-256 log requires 32-byte roots: these format examples are not such checkpoints
        with pytest.raises(BadNote, match="not 32"):
            note.parse_checkpoint(case["text"])
    for case in section["bad"]:
        with pytest.raises(BadNote):
            note.parse_checkpoint(case["text"], hash_size=None)


def test_c2sp_example_checkpoint_parses(checkpoints: dict) -> None:
    text = checkpoints["c2sp_spec_example_checkpoint"]["note_text"]
    body = text.split("\n\n")[0] + "\n"
    cp = note.parse_checkpoint(body, origin="example.com/behind-the-sofa")
    assert cp.size == 20852163
    # no public key is published for it: with an unrelated key it is unverified, not accepted
    stranger = note.NoteSigner("example.com/behind-the-sofa", Ed25519PrivateKey.generate())
    with pytest.raises(BadNote):
        note.verify_checkpoint(text, stranger.verifier())


def _log() -> tuple[note.NoteSigner, merkle.MerkleTree]:
    signer = note.NoteSigner("amanat.test/demo-publisher-log", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    tree = merkle.MerkleTree()
    for i in range(10):
        tree.append(f"synthetic entry {i}".encode())
    return signer, tree


def test_checkpoint_sign_and_verify_with_pinned_origin() -> None:
    signer, tree = _log()
    cp = note.Checkpoint(signer.name, tree.size, tree.root())
    signed = note.sign_note(cp.text(), [signer])
    assert signed.startswith(f"{signer.name}\n10\n{base64.b64encode(tree.root()).decode()}\n\n\u2014 ")
    got, opened = note.verify_checkpoint(signed, signer.verifier())
    assert got == cp
    assert opened.verified[0].name == signer.name
    other = note.Checkpoint("amanat.test/another-log", tree.size, tree.root())
    with pytest.raises(BadNote, match="expected"):
        note.verify_checkpoint(note.sign_note(other.text(), [signer]), signer.verifier())


def test_checkpoint_signed_only_by_a_cosigner_is_refused() -> None:
    signer, tree = _log()
    witness = note.CosignatureSigner("witness.test/w1", Ed25519PrivateKey.generate(), timestamp=1700000000)
    cp = note.Checkpoint(signer.name, tree.size, tree.root())
    only_witness = note.sign_note(cp.text(), [witness])
    with pytest.raises(BadNote, match="log key"):
        note.verify_checkpoint(only_witness, signer.verifier(), cosigners=[witness.verifier()])


def test_cosignature_format_and_verification() -> None:
    signer, tree = _log()
    witness = note.CosignatureSigner("witness.test/w1", Ed25519PrivateKey.from_private_bytes(bytes(32)), timestamp=1679315147)
    cp = note.Checkpoint(signer.name, tree.size, tree.root())
    signed = note.sign_note(cp.text(), [signer])
    cosigned = note.add_signatures(signed, [witness])
    assert cosigned.startswith(signed)
    # wire form: key id (type 0x04) || 8-byte big-endian time || 64-byte signature
    line = cosigned.rstrip("\n").split("\n")[-1]
    assert line.startswith("\u2014 witness.test/w1 ")
    raw = base64.b64decode(line.split(" ")[-1])
    assert raw[:4] == note.key_hash("witness.test/w1", 0x04, witness.verifier().public_key.public_bytes_raw())
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    message = b"cosignature/v1\ntime 1679315147\n" + cp.text().encode()
    witness.verifier().public_key.verify(raw[12:], message)  # independent check of the message
    got, opened = note.verify_checkpoint(cosigned, signer.verifier(), cosigners=[witness.verifier()])
    assert got == cp
    assert [(s.name, s.timestamp) for s in opened.verified] == [
        (signer.name, None),
        ("witness.test/w1", 1679315147),
    ]
    # the cosigner's vkey carries type 0x04 and parses back to a cosignature verifier
    vkey = witness.verifier().vkey()
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    assert isinstance(note.parse_verifier_key(vkey), note.CosignatureVerifier)
    # a cosignature with a changed timestamp no longer verifies
    tampered = bytearray(raw)
    tampered[11] ^= 1
    bad = cosigned.replace(line.split(" ")[-1], base64.b64encode(bytes(tampered)).decode())
    with pytest.raises(BadSignature):
        note.verify_checkpoint(bad, signer.verifier(), cosigners=[witness.verifier()])


def test_plain_and_cosignature_keys_are_not_interchangeable() -> None:
    key = Ed25519PrivateKey.generate()
    plain = note.NoteSigner("same.test/name", key)
    cosigner = note.CosignatureSigner("same.test/name", key, timestamp=1)
    assert plain.key_id != cosigner.key_id
    signed = note.sign_note("Synthetic test text.\n", [cosigner])
    with pytest.raises(BadNote):  # the plain verifier does not even recognise the key id
        note.open_note(signed, [plain.verifier()])


def test_tampered_checkpoint_fails() -> None:
    signer, tree = _log()
    signed = note.sign_note(note.Checkpoint(signer.name, tree.size, tree.root()).text(), [signer])
    for old, new in (("\n10\n", "\n11\n"), (signer.name + "\n", signer.name + "x\n")):
        with pytest.raises(VerificationError):
            note.verify_checkpoint(signed.replace(old, new, 1), signer.verifier(), origin=signer.name)
