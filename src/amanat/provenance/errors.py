"""Why a provenance check failed, as subclasses of ``amanat.errors.VerificationError``.

    VerificationError           (amanat.errors) a signature, proof, checkpoint or key that does not verify
    ├── BadEncoding             base64/base64url that is not strict, JSON that is not I-JSON, a token of the wrong shape
    ├── BadHeader               a JWS header outside the profile: alg, typ, crit, b64, key-carrying headers
    ├── UnknownKey              a kid (JWS) or key name + id (note) that the caller's key registry does not hold
    ├── BadKey                  a key that cannot be used: wrong type, wrong length, malformed JWK or vkey
    ├── BadSignature            the signature does not verify over the exact bytes
    ├── BadPayload              a signed payload that is not the canonical JSON object the profile requires
    ├── BadProof                a Merkle inclusion or consistency proof that does not verify
    └── BadNote                 a signed note or checkpoint that is malformed, unverified, or for another log

Every error carries a one-line message saying what failed (``diagnosis()``); callers add ``where``.
They are raised, never returned: verification returns the verified data or raises.
"""

from __future__ import annotations

from amanat.errors import VerificationError

__all__ = [
    "BadEncoding",
    "BadHeader",
    "BadKey",
    "BadNote",
    "BadPayload",
    "BadProof",
    "BadSignature",
    "UnknownKey",
    "VerificationError",
]


class BadEncoding(VerificationError):
    """Bytes that are not in the one strict encoding the format allows."""


class BadHeader(VerificationError):
    """A JWS protected header that the Amanat profile does not accept."""


class UnknownKey(VerificationError):
    """A key identifier that is not in the verifier's registry of trusted keys."""


class BadKey(VerificationError):
    """Key material that is malformed or of the wrong kind."""


class BadSignature(VerificationError):
    """A signature that does not verify with the chosen key over the exact signed bytes."""


class BadPayload(VerificationError):
    """A signed payload that is not a canonical (RFC 8785) JSON object."""


class BadProof(VerificationError):
    """A Merkle proof that does not lead to the expected root."""


class BadNote(VerificationError):
    """A signed note or checkpoint that is malformed or not signed by a trusted key."""
