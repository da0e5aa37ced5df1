"""Ed25519 keys, JWK form, RFC 7638 key ids, PEM files (amanat.provenance.keys)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from amanat.errors import InputError
from amanat.provenance import keys
from amanat.provenance.errors import BadKey

SHARED = Path(__file__).resolve().parents[2] / "shared"
RFC8037 = SHARED / "vectors" / "jose-rfc8037-rfc7797" / "rfc8037_appendix_a.json"


@pytest.fixture(scope="module")
def rfc8037() -> dict:
    if not RFC8037.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test vectors missing: {RFC8037}")
        pytest.skip(f"test vectors not found at {RFC8037}")
    return json.loads(RFC8037.read_text())


def test_rfc8037_keys_and_thumbprint(rfc8037: dict) -> None:
    private = keys.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(rfc8037["seed_hex"]))
    assert keys.public_bytes(private).hex() == rfc8037["public_key_hex"]
    assert keys.public_jwk(private) == rfc8037["public_jwk"]
    assert keys.private_jwk(private) == rfc8037["private_jwk"]
    public = keys.public_key_from_jwk(rfc8037["public_jwk"])
    assert keys.key_id(public) == rfc8037["rfc7638_thumbprint_sha256_b64url"]
    # the thumbprint is SHA-256 over exactly the RFC 7638 input string
    digest = hashlib.sha256(rfc8037["rfc7638_thumbprint_input"].encode()).digest()
    assert keys.b64url_encode(digest) == keys.key_id(private.public_key())


def test_key_ids_differ_between_keys() -> None:
    a, b = keys.generate(), keys.generate()
    assert keys.key_id(a.public_key()) != keys.key_id(b.public_key())
    assert len(keys.key_id(a.public_key())) == 43


@pytest.mark.parametrize(
    ("jwk", "why"),
    [
        ({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}, "not an Ed25519"),
        ({"kty": "OKP", "crv": "X25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}, "not an Ed25519"),
        ({"kty": "OKP", "crv": "Ed25519"}, "no 'x'"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="}, "base64url"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcH"}, "32 bytes"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURp"}, "unused bits"),
        (
            {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "d": "x"},
            "private",
        ),
    ],
)
def test_bad_jwks_are_refused(jwk: dict, why: str) -> None:
    with pytest.raises(BadKey, match=why):
        keys.public_key_from_jwk(jwk)


def test_pem_file_is_0600_and_round_trips(tmp_path: Path) -> None:
    key = keys.generate()
    path = tmp_path / "publisher.pem"
    keys.save_private_key(path, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = keys.load_private_key(path)
    assert keys.public_bytes(loaded) == keys.public_bytes(key)


def test_pem_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        keys.save_private_key(tmp_path / "k.pem", keys.generate())
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600


def test_existing_key_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    first = keys.generate()
    keys.save_private_key(path, first)
    with pytest.raises(InputError, match="already exists"):
        keys.save_private_key(path, keys.generate())
    assert keys.public_bytes(keys.load_private_key(path)) == keys.public_bytes(first)
    keys.save_private_key(path, keys.generate(), overwrite=True)
    assert keys.public_bytes(keys.load_private_key(path)) != keys.public_bytes(first)


def test_encrypted_pem(tmp_path: Path) -> None:
    key = keys.generate()
    path = tmp_path / "k.pem"
    keys.save_private_key(path, key, passphrase="correct horse")
    assert b"ENCRYPTED" in path.read_bytes()
    loaded = keys.load_private_key(path, passphrase="correct horse")
    assert keys.public_bytes(loaded) == keys.public_bytes(key)
    with pytest.raises(InputError, match="wrong passphrase") as err:
        keys.load_private_key(path, passphrase="battery staple")
    assert str(path) in err.value.diagnosis()
    with pytest.raises(InputError, match="passphrase is needed"):
        keys.load_private_key(path)


def test_plain_pem_with_passphrase_given(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    keys.save_private_key(path, keys.generate())
    with pytest.raises(InputError, match="not encrypted"):
        keys.load_private_key(path, passphrase="x")


def test_load_refuses_group_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    keys.save_private_key(path, keys.generate())
    path.chmod(0o644)
    with pytest.raises(InputError, match="chmod 600"):
        keys.load_private_key(path)


def test_load_missing_and_garbage(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such key file"):
        keys.load_private_key(tmp_path / "absent.pem")
    junk = tmp_path / "junk.pem"
    junk.write_bytes(b"not a key")
    junk.chmod(0o600)
    with pytest.raises(InputError, match="not a PEM private key"):
        keys.load_private_key(junk)


def test_b64url_strictness() -> None:
    assert keys.b64url_decode("YQ") == b"a"
    for bad in ("YQ==", "YR", "Y Q", "Y+Q", "Y/Q", "Y", "YQ\n"):
        with pytest.raises(ValueError):
            keys.b64url_decode(bad)


WYCHEPROOF = SHARED / "vectors" / "wycheproof" / "ed25519_test.json"


def _wycheproof_cases() -> list:
    if not WYCHEPROOF.is_file():
        return []
    data = json.loads(WYCHEPROOF.read_text())
    return [
        pytest.param(group["publicKeyJwk"], group["publicKey"]["pk"], case, id=f"tc{case['tcId']}")
        for group in data["testGroups"]
        for case in group["tests"]
    ]


WYCHEPROOF_CASES = _wycheproof_cases()


def test_wycheproof_present() -> None:
    if not WYCHEPROOF.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"test vectors missing: {WYCHEPROOF}")
        pytest.skip(f"test vectors not found at {WYCHEPROOF}")
    assert len(WYCHEPROOF_CASES) == 151


@pytest.mark.parametrize(("jwk", "pk_hex", "case"), WYCHEPROOF_CASES)
def test_wycheproof_ed25519(jwk: dict, pk_hex: str, case: dict) -> None:
    """All 151 Wycheproof cases through our JWK import and our one Ed25519 check."""
    key = keys.public_key_from_jwk(jwk)
    assert keys.public_bytes(key).hex() == pk_hex
    ok = keys.ed25519_verify(key, bytes.fromhex(case["sig"]), bytes.fromhex(case["msg"]))
    assert ok == (case["result"] == "valid"), case["comment"]
