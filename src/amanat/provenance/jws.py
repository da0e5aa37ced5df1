"""Compact JWS (RFC 7515) with Ed25519 (RFC 8037 ``EdDSA``, RFC 9864 ``Ed25519``): the Amanat profile.

Every signed Amanat object is a JSON object, signed as a compact JWS whose payload is the
object's RFC 8785 (JCS) bytes and whose protected header is exactly::

    {"alg": "EdDSA", "kid": <RFC 7638 thumbprint>, "typ": <one TYP_* value>}

Verification is driven by the caller's key registry, never by the token: the ``kid`` picks a
key the caller already trusts, the key's type fixes the algorithm, and the header may only
agree. ``typ`` says which kind of object this is, so an item can never pass for a key event
or a publisher document. Anything outside the profile is refused with a one-line reason:
``alg`` none/HMAC/RSA/ECDSA, unknown ``kid``, key-carrying headers (``jwk``, ``jku``, ``x5u``,
``x5c``, ``x5t``, ``x5t#S256``), any ``crit``, ``b64``, unknown or duplicate header names,
non-strict base64url, a payload that is not canonical JSON, a signature that does not verify.

API::

    TYP_ITEM, TYP_PUBLISHER, TYP_KEY_EVENT, TYP_CHECKPOINT       the typ values
    sign(obj, key, *, typ, kid=None) -> str                     compact JWS over JCS(obj)
    verify(token, keys, *, typ) -> Verified                    the profile; raises VerificationError
    sign_bytes(payload, key, header) -> str                     plain JOSE (tests, vectors)
    verify_bytes(token, key) -> tuple[dict, bytes]              plain JOSE, one known key
    peek_header(token) -> dict                                  unverified header, for routing only
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from amanat.errors import InputError
from amanat.provenance import jcs
from amanat.provenance.errors import (
    BadEncoding,
    BadHeader,
    BadKey,
    BadPayload,
    BadSignature,
    UnknownKey,
)
from amanat.provenance.keys import (
    b64url_decode,
    b64url_encode,
    ed25519_verify,
    key_id,
)

__all__ = [
    "ALG",
    "ED25519_ALGS",
    "MAX_HEADER_LENGTH",
    "MAX_TOKEN_LENGTH",
    "TYP_CHECKPOINT",
    "TYP_ITEM",
    "TYP_KEY_EVENT",
    "TYP_PUBLISHER",
    "Verified",
    "peek_header",
    "sign",
    "sign_bytes",
    "verify",
    "verify_bytes",
]

# typ values (RFC 7515 §4.1.9: media types written without "application/"; a verifier treats
# "amanat-item+jws" and "application/amanat-item+jws" alike, case-insensitively).
TYP_ITEM = "amanat-item+jws"  # a ninjs item version (including corrections and withdrawals)
TYP_PUBLISHER = "amanat-publisher+jws"  # a publisher document: name, keys
TYP_KEY_EVENT = "amanat-key-event+jws"  # a key added, rotated or revoked
TYP_CHECKPOINT = "amanat-checkpoint+jws"  # a checkpoint carried as JSON (notes are the primary form)

ALG = "EdDSA"  # what we emit: RFC 8037, understood by every JOSE library
ED25519_ALGS = frozenset({"EdDSA", "Ed25519"})  # what we accept: RFC 8037 and RFC 9864 names
MAX_TOKEN_LENGTH = 16 * 1024 * 1024  # refuse absurd inputs before decoding them
MAX_HEADER_LENGTH = 4096  # our headers are ~100 bytes; this also bounds the header cache

_PROFILE_HEADER = frozenset({"alg", "kid", "typ"})
_KEY_CARRYING = ("jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256")


@dataclass(frozen=True, slots=True)
class Verified:
    """What a verified token says: its header, its payload object, and the exact signed bytes."""

    header: dict[str, Any]
    payload: dict[str, Any]
    payload_bytes: bytes
    kid: str
    typ: str


def normal_typ(typ: str) -> str:
    typ = typ.lower()
    return typ if "/" in typ else "application/" + typ


# --- signing ----------------------------------------------------------------------------------


def sign(
    obj: Mapping[str, Any], key: Ed25519PrivateKey, *, typ: str, kid: str | None = None
) -> str:
    """Sign a JSON object: compact JWS over its JCS bytes, header {alg, kid, typ}.

    ``kid`` defaults to the key's RFC 7638 thumbprint. Raises InputError if ``obj`` is not an
    I-JSON object.
    """
    if not isinstance(obj, Mapping):
        raise InputError("only JSON objects are signed")
    header = {"alg": ALG, "kid": kid if kid is not None else key_id(key.public_key()), "typ": typ}
    return sign_bytes(jcs.canonicalize(obj), key, header)


def sign_bytes(payload: bytes, key: Ed25519PrivateKey, header: Mapping[str, Any]) -> str:
    """Plain compact JWS over arbitrary bytes with a given header (JCS-encoded)."""
    signing_input = (
        b64url_encode(jcs.canonicalize(dict(header))) + "." + b64url_encode(payload)
    )
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)


# --- verification -----------------------------------------------------------------------------


def verify(token: str | bytes, keys: Mapping[str, Ed25519PublicKey], *, typ: str) -> Verified:
    """Verify a token under the Amanat profile against a registry ``kid -> public key``.

    Returns the verified header and payload; raises a VerificationError subclass otherwise:
    BadEncoding, BadHeader, UnknownKey, BadKey, BadSignature or BadPayload.
    """
    header, signing_input, payload, signature = _split(token)
    key, kid, got_typ = _profile_key(header, keys, typ)
    _check_signature(signing_input, signature, key)
    value = jcs.parse_canonical(payload)
    if not isinstance(value, dict):
        raise BadPayload("payload is not a JSON object")
    return Verified(header=header, payload=value, payload_bytes=payload, kid=kid, typ=got_typ)


def _profile_key(
    header: dict[str, Any], keys: Mapping[str, Ed25519PublicKey], typ: str
) -> tuple[Ed25519PublicKey, str, str]:
    """Apply the profile's header rules; return the registry key the kid names, kid and typ."""
    extra = set(header) - _PROFILE_HEADER
    if extra:
        raise BadHeader(f"header parameter(s) outside the Amanat profile: {', '.join(sorted(extra))}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise BadHeader("header has no 'kid': the signing key must be named")
    got_typ = header.get("typ")
    if not isinstance(got_typ, str):
        raise BadHeader(f"header has no 'typ' (expected {typ!r})")
    if got_typ != typ and normal_typ(got_typ) != normal_typ(typ):
        raise BadHeader(f"wrong typ {got_typ!r}: expected {typ!r}")
    try:
        key = keys[kid]
    except KeyError:
        raise UnknownKey(f"unknown key id {kid!r}: not in the trusted key registry") from None
    return key, kid, got_typ


def verify_bytes(token: str | bytes, key: Ed25519PublicKey) -> tuple[dict[str, Any], bytes]:
    """Verify a plain compact JWS with one known key: any payload bytes, kid/typ optional.

    The same refusals as ``verify`` apply to alg, crit, b64 and key-carrying headers; other
    header names are allowed. Returns (header, payload bytes).
    """
    header, signing_input, payload, signature = _split(token)
    _check_signature(signing_input, signature, key)
    return header, payload


def peek_header(token: str | bytes) -> dict[str, Any]:
    """The decoded protected header, NOT verified: only to route a token (e.g. by typ).

    A well-formed token's payload and signature are not decoded here (routing a 6 KB item
    three times cost more than verifying it): ``verify`` decodes and checks them. Anything
    else takes the full decoding, for its exact error."""
    if isinstance(token, str) and token.isascii():
        raw = token.encode("ascii")
        if raw.count(b".") == 2 and len(raw) <= MAX_TOKEN_LENGTH:
            head_b64 = raw.partition(b".")[0]
            if head_b64 and not raw.endswith(b"."):
                return dict(_parse_header(head_b64))
    return _split(token)[0]


def _split(token: str | bytes) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Decode a compact JWS strictly and check the header's security-relevant members.

    Returns (header, signing input, payload, signature). This is on every verification, so it
    avoids whole-token scans beyond the one base64 decoding of the payload needs.
    """
    if isinstance(token, str):
        if not token.isascii():
            raise BadEncoding("token is not ASCII")
        token = token.encode("ascii")
    elif isinstance(token, bytes | bytearray):
        token = bytes(token)
        if not token.isascii():
            raise BadEncoding("token is not ASCII")
    else:
        raise BadEncoding("token is not a compact JWS string (JSON serialization is not accepted)")
    if len(token) > MAX_TOKEN_LENGTH:
        raise BadEncoding(f"token longer than {MAX_TOKEN_LENGTH} characters")
    signing_input, _, sig_b64 = token.rpartition(b".")
    head_b64, dot2, payload_b64 = signing_input.partition(b".")
    if not dot2 or b"." in payload_b64:  # not three parts (a dot in the payload: more)
        raise BadEncoding(f"compact JWS must have 3 dot-separated parts, got {token.count(b'.') + 1}")
    if not head_b64:
        raise BadEncoding("empty protected header")
    if not sig_b64:
        raise BadEncoding("empty signature")
    try:
        signature = b64url_decode(sig_b64)
    except ValueError as exc:
        raise BadEncoding(f"signature: {exc}") from None
    try:
        payload = b64url_decode(payload_b64)
    except ValueError as exc:
        raise BadEncoding(f"payload: {exc}") from None
    header = dict(_parse_header(head_b64))  # a copy: the cached one must stay unchanged
    return header, signing_input, payload, signature


@lru_cache(maxsize=256)
def _parse_header(head_b64: bytes) -> dict[str, Any]:
    """Decode, parse and check a protected header; cached, as a publisher's headers repeat
    verbatim (only accepted headers are cached, so the cache stays small)."""
    try:
        head_raw = b64url_decode(head_b64)
    except ValueError as exc:
        raise BadEncoding(f"protected header: {exc}") from None
    if len(head_raw) > MAX_HEADER_LENGTH:
        raise BadHeader(f"protected header longer than {MAX_HEADER_LENGTH} bytes")
    try:
        header = jcs.parse(head_raw)
    except InputError as exc:
        # duplicate header names land here: RFC 7515 §4 requires rejecting them
        raise BadHeader(f"protected header is not strict JSON: {exc.message}") from None
    if not isinstance(header, dict):
        raise BadHeader("protected header is not a JSON object")
    _check_header(header)
    return header


def _check_header(header: dict[str, Any]) -> None:
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise BadHeader("header has no 'alg'")
    if alg.lower() == "none":
        raise BadHeader("alg 'none' (unsigned token) is never accepted")
    if alg not in ED25519_ALGS:
        raise BadHeader(f"alg {alg!r} not accepted: Amanat keys are Ed25519 (EdDSA/Ed25519 only)")
    for name in _KEY_CARRYING:
        if name in header:
            raise BadHeader(
                f"header carries key material {name!r}: keys come only from the trusted registry"
            )
    if "b64" in header:
        raise BadHeader("'b64' (RFC 7797 unencoded payload) is not supported")
    if "crit" in header:
        raise BadHeader(f"unsupported critical header extension(s): {header['crit']!r}")


def _check_signature(signing_input: bytes, signature: bytes, key: object) -> None:
    # The registry's key decides the algorithm; the header has only been checked to agree.
    if not isinstance(key, Ed25519PublicKey):
        raise BadKey(f"registry key for this token is a {type(key).__name__}, not Ed25519")
    if len(signature) != 64:
        raise BadSignature(f"Ed25519 signature must be 64 bytes, got {len(signature)}")
    if not ed25519_verify(key, signature, signing_input):
        raise BadSignature("signature does not verify with the key named by 'kid'")
