"""Ed25519 publisher keys: generation, JWK (RFC 8037 OKP) form, RFC 7638 key ids, PEM files.

A key is named by its RFC 7638 JWK thumbprint (base64url SHA-256 of the canonical public
JWK), so the id follows from the key itself and can be recomputed by anyone holding the
public key. Private keys live in PKCS#8 PEM files created with mode 0600, optionally
encrypted with a passphrase; loading refuses files that others can read, like ssh does.

API::

    generate() -> Ed25519PrivateKey
    public_jwk(key) -> dict                 {"kty": "OKP", "crv": "Ed25519", "x": ...}
    public_key_from_jwk(jwk) -> Ed25519PublicKey          raises BadKey
    public_key_from_bytes(raw) -> Ed25519PublicKey        raises BadKey
    public_bytes(key) -> bytes              the 32-byte RFC 8032 encoding
    key_id(key) -> str                      RFC 7638 thumbprint (base64url, 43 chars)
    ed25519_verify(key, signature, message) -> bool     the one Ed25519 check everything uses
    save_private_key(path, key, passphrase=None, overwrite=False) -> None
    load_private_key(path, passphrase=None) -> Ed25519PrivateKey     raises InputError
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import pybase64
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from amanat.errors import InputError
from amanat.provenance.errors import BadKey

__all__ = [
    "Ed25519PrivateKey",
    "Ed25519PublicKey",
    "b64url_decode",
    "b64url_encode",
    "ed25519_verify",
    "generate",
    "key_id",
    "load_private_key",
    "private_jwk",
    "public_bytes",
    "public_jwk",
    "public_key_from_bytes",
    "public_key_from_jwk",
    "save_private_key",
]

_B64URL = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    # pybase64 (SIMD) rather than binascii: every payload is encoded when signed, and for a
    # 4 KB item binascii plus the alphabet translation costs ~6x as much.
    return pybase64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str | bytes) -> bytes:
    """Strict base64url without padding: only the 64 URL-safe characters, zero spare bits.

    Raises ValueError. Strictness matters because a lenient decoder lets several strings
    decode to the same bytes (malleable tokens) or silently drops characters.
    """
    raw = text.encode("ascii", "replace") if isinstance(text, str) else bytes(text)
    tail = len(raw) % 4
    # pybase64's validate=True refuses every other byte but still takes "+", "/" and "="
    if tail == 1 or b"+" in raw or b"/" in raw or b"=" in raw:
        raise ValueError("not strict base64url (only A-Z a-z 0-9 - _ allowed, no padding)")
    try:
        data = pybase64.b64decode(raw + b"=" * (-tail % 4), altchars=b"-_", validate=True)
    except ValueError:  # binascii.Error is a ValueError; say it the same way as above
        raise ValueError("not strict base64url (only A-Z a-z 0-9 - _ allowed, no padding)") from None
    # the last character of a 2- or 3-character tail carries 4 or 2 unused low bits
    if tail and _B64URL.index(raw[-1]) & (0x0F if tail == 2 else 0x03):
        raise ValueError("base64url has non-zero unused bits")
    return data


def generate() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def public_bytes(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The 32-byte RFC 8032 encoding of the public key."""
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


# id(key) -> (key, its raw bytes). pyca keys are not hashable; holding the key itself keeps its
# id from being reused by another object while the entry lives, and the identity check below
# makes a stale entry harmless.
_RAW_PUBLIC: dict[int, tuple[Ed25519PublicKey, bytes]] = {}


def ed25519_verify(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """RFC 8032 verification: exactly 64 bytes, canonical S < L, the whole message.

    Keys stay pyca/cryptography objects everywhere else, but the check itself runs in
    libsodium (PyNaCl): on the same bytes it is 2-3x faster (``python -m bench provenance``),
    which is what lets a follower verify more than 10,000 items a second on one core, and it
    also refuses small-order public keys and R values, which no honest signer produces.
    """
    if len(signature) != 64:
        return False
    cached = _RAW_PUBLIC.get(id(key))
    if cached is None or cached[0] is not key:
        if len(_RAW_PUBLIC) >= 1024:
            _RAW_PUBLIC.clear()
        cached = _RAW_PUBLIC[id(key)] = (key, public_bytes(key))
    try:
        nacl.bindings.crypto_sign_open(signature + message, cached[1])
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def public_key_from_bytes(raw: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 raw bytes; BadKey if the length is wrong."""
    if len(raw) != 32:
        raise BadKey(f"Ed25519 public key must be 32 bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_jwk(key: Ed25519PublicKey | Ed25519PrivateKey) -> dict[str, str]:
    """The public JWK (RFC 8037 §2) with only its required members."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public_bytes(key))}


def private_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    """The private JWK (RFC 8037 §2): the public members plus ``d``, the 32-byte seed."""
    seed = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return {**public_jwk(key), "d": b64url_encode(seed)}


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """Read an Ed25519 public JWK, refusing other key types and private members."""
    if not isinstance(jwk, Mapping):
        raise BadKey("JWK is not a JSON object")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise BadKey(f"JWK is not an Ed25519 OKP key (kty={jwk.get('kty')!r}, crv={jwk.get('crv')!r})")
    if "d" in jwk:
        raise BadKey("public JWK carries private key material 'd'")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise BadKey("JWK has no 'x' string")
    try:
        raw = b64url_decode(x)
    except ValueError as exc:
        raise BadKey(f"JWK 'x': {exc}") from None
    return public_key_from_bytes(raw)


def key_id(key: Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """RFC 7638 JWK thumbprint: base64url(SHA-256 of the required members in sorted order)."""
    jwk = public_jwk(key)
    # RFC 7638 §3: required members only, lexicographic order, no whitespace. The values are
    # plain ASCII, so this literal is the RFC 8785 form as well.
    text = f'{{"crv":"{jwk["crv"]}","kty":"{jwk["kty"]}","x":"{jwk["x"]}"}}'
    return b64url_encode(hashlib.sha256(text.encode("ascii")).digest())


def _as_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None or isinstance(passphrase, bytes):
        return passphrase
    return passphrase.encode("utf-8")


def save_private_key(
    path: str | os.PathLike[str],
    key: Ed25519PrivateKey,
    passphrase: str | bytes | None = None,
    *,
    overwrite: bool = False,
) -> None:
    """Write the key as PKCS#8 PEM, created with mode 0600 (never readable by others).

    With a passphrase the PEM is encrypted (cryptography's best available scheme). An existing
    file is only replaced with ``overwrite=True``, so a key is never lost by accident.
    """
    secret = _as_bytes(passphrase)
    if secret == b"":
        raise InputError("empty passphrase: give a non-empty one or none")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    target = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise InputError("a key file already exists here", where=str(target)) from None
    except OSError as exc:
        raise InputError(f"cannot write key file: {exc.strerror}", where=str(target)) from None
    with os.fdopen(fd, "wb") as out:
        if hasattr(os, "fchmod"):
            os.fchmod(out.fileno(), 0o600)  # O_TRUNC keeps an old file's mode; reset it
        out.write(pem)
        out.flush()
        os.fsync(out.fileno())


def load_private_key(
    path: str | os.PathLike[str], passphrase: str | bytes | None = None
) -> Ed25519PrivateKey:
    """Read a PEM private key written by ``save_private_key``; InputError with a clear reason."""
    source = Path(path)
    where = str(source)
    try:
        mode = source.stat().st_mode
        pem = source.read_bytes()
    except FileNotFoundError:
        raise InputError("no such key file", where=where) from None
    except OSError as exc:
        raise InputError(f"cannot read key file: {exc.strerror}", where=where) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"private key file is accessible by others (mode {stat.S_IMODE(mode):04o}); "
            "run chmod 600 on it",
            where=where,
        )
    secret = _as_bytes(passphrase)
    encrypted = b"ENCRYPTED" in pem.split(b"\n", 1)[0]
    if encrypted and not secret:
        raise InputError("key file is encrypted: a passphrase is needed", where=where)
    if not encrypted and secret:
        raise InputError("key file is not encrypted, but a passphrase was given", where=where)
    try:
        key = serialization.load_pem_private_key(pem, password=secret)
    except ValueError:
        if encrypted:
            raise InputError("wrong passphrase for key file", where=where) from None
        raise InputError("not a PEM private key", where=where) from None
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise InputError(f"cannot load key: {exc}", where=where) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"key file holds a {type(key).__name__}, not an Ed25519 key", where=where)
    return key
