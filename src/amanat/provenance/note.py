"""C2SP signed notes, tlog checkpoints and Ed25519 tlog cosignatures.

A log's signed tree head is a *checkpoint*: the note text ``origin\\nsize\\nbase64(root)\\n``
(plus optional extension lines) followed by a blank line and signature lines
``— <key name> base64(key id || signature)\\n`` (c2sp.org/signed-note, tlog-checkpoint).
The log signs the note text with Ed25519 (signature type 0x01). A partner that checked the
checkpoint against the last one it saw adds a *cosignature* (c2sp.org/tlog-cosignature,
type 0x04): an Ed25519 signature over ``cosignature/v1\\ntime <t>\\n`` + note text, carried
as key id || 8-byte big-endian timestamp || signature.

Keys are written as C2SP verifier keys ``name+hex(key id)+base64(type || public key)`` and
signer keys ``PRIVATE+KEY+name+hex(key id)+base64(type || seed)``; the key id is the first
four bytes of SHA-256(name || 0x0A || type || public key).

Verification is strict: valid UTF-8, no control characters but newline, every signature line
well formed, at most ``MAX_SIGNATURES`` of them; signatures from unknown (name, key id) pairs
are ignored and reported, a known key whose signature fails rejects the whole note, and a
note with no verified signature is rejected.

API::

    NoteSigner / NoteVerifier (Ed25519, type 0x01); CosignatureSigner / CosignatureVerifier (0x04)
    parse_verifier_key(vkey) -> NoteVerifier | CosignatureVerifier       raises BadKey
    parse_signer_key(skey) -> NoteSigner | CosignatureSigner             raises BadKey
    sign_note(text, signers) -> str
    add_signatures(note, signers) -> str       append signature lines to an existing note
    open_note(note, verifiers) -> OpenedNote   raises BadNote / BadSignature
    Checkpoint(origin, size, root_hash, extensions).text() ; parse_checkpoint(text, ...)
    verify_checkpoint(note, log_verifier, origin=...) -> (Checkpoint, OpenedNote)
    cosignature_message(text, timestamp) -> bytes
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from amanat.provenance.errors import BadKey, BadNote, BadSignature
from amanat.provenance.keys import ed25519_verify, public_bytes

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Checkpoint",
    "CosignatureSigner",
    "CosignatureVerifier",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "add_signatures",
    "cosignature_message",
    "key_hash",
    "open_note",
    "parse_checkpoint",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_note",
    "verify_checkpoint",
]

ALG_ED25519 = 0x01  # signed-note Ed25519 signature type
ALG_COSIGNATURE_V1 = 0x04  # tlog-cosignature timestamped Ed25519
MAX_SIGNATURES = 100  # C2SP: verifiers must accept at least 16; Go's note package caps at 100
_MAX_TIMESTAMP = 2**63 - 1
_EM_DASH = "\u2014 "


def _is_valid_name(name: str) -> bool:
    """C2SP key name: non-empty, no Unicode spaces, no '+'."""
    return (
        bool(name)
        and "+" not in name
        and not any(ch.isspace() or unicodedata.category(ch) == "Zs" for ch in name)
    )


def key_hash(name: str, alg: int, public_key: bytes) -> bytes:
    """The 4-byte key id: SHA-256(name || 0x0A || alg || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()[:4]


def _b64decode_strict(text: str) -> bytes:
    """Standard padded base64 with nothing else allowed (and canonical, so not malleable)."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("not valid base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise ValueError("base64 is not in canonical form")
    return data


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What an Ed25519 tlog cosignature signs: header line, time line, then the note text."""
    return f"cosignature/v1\ntime {timestamp}\n".encode() + text.encode("utf-8")


# --- signers and verifiers --------------------------------------------------------------------


@dataclass(frozen=True)
class NoteVerifier:
    """Checks plain Ed25519 note signatures (type 0x01) by one named key."""

    name: str
    public_key: Ed25519PublicKey
    alg: int = field(default=ALG_ED25519, init=False)

    @property
    def key_id(self) -> bytes:
        return key_hash(self.name, self.alg, public_bytes(self.public_key))

    def vkey(self) -> str:
        """The C2SP verifier key string."""
        material = base64.b64encode(bytes([self.alg]) + public_bytes(self.public_key)).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def check(self, text: str, sig: bytes) -> int | None:
        """Verify the signature bytes (after the key id); return a timestamp, if any."""
        if len(sig) != 64:
            raise BadSignature(f"signature by {self.name} is {len(sig)} bytes, not 64")
        if not ed25519_verify(self.public_key, sig, text.encode("utf-8")):
            raise BadSignature(f"signature by {self.name} does not verify")
        return None


@dataclass(frozen=True)
class CosignatureVerifier(NoteVerifier):
    """Checks timestamped Ed25519 checkpoint cosignatures (type 0x04) by one witness key."""

    alg: int = field(default=ALG_COSIGNATURE_V1, init=False)

    def check(self, text: str, sig: bytes) -> int | None:
        if len(sig) != 8 + 64:
            raise BadSignature(f"cosignature by {self.name} is {len(sig)} bytes, not 72")
        timestamp = int(struct.unpack(">Q", sig[:8])[0])
        if timestamp > _MAX_TIMESTAMP:
            raise BadSignature(f"cosignature by {self.name} has a timestamp beyond 2**63-1")
        if not ed25519_verify(self.public_key, sig[8:], cosignature_message(text, timestamp)):
            raise BadSignature(f"cosignature by {self.name} does not verify")
        return timestamp


@dataclass(frozen=True)
class NoteSigner:
    """Signs note text with an Ed25519 key under a key name (type 0x01)."""

    name: str
    private_key: Ed25519PrivateKey
    alg: int = field(default=ALG_ED25519, init=False)

    def __post_init__(self) -> None:
        if not _is_valid_name(self.name):
            raise BadKey(f"invalid key name {self.name!r}: must be non-empty, no spaces, no '+'")

    @property
    def key_id(self) -> bytes:
        return key_hash(self.name, self.alg, public_bytes(self.private_key))

    def verifier(self) -> NoteVerifier:
        cls = CosignatureVerifier if self.alg == ALG_COSIGNATURE_V1 else NoteVerifier
        return cls(self.name, self.private_key.public_key())

    def skey(self) -> str:
        """The C2SP signer key string (secret: contains the seed)."""
        seed = self.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        material = base64.b64encode(bytes([self.alg]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{material}"

    def signature(self, text: str) -> bytes:
        """The signature bytes that follow the key id."""
        return self.private_key.sign(text.encode("utf-8"))


@dataclass(frozen=True)
class CosignatureSigner(NoteSigner):
    """Cosigns checkpoint text at a POSIX time (type 0x04); ``timestamp`` is fixed per signer."""

    timestamp: int = 0
    alg: int = field(default=ALG_COSIGNATURE_V1, init=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.timestamp <= _MAX_TIMESTAMP:
            raise ValueError("cosignature timestamp must be within 0 .. 2**63-1")

    def signature(self, text: str) -> bytes:
        sig = self.private_key.sign(cosignature_message(text, self.timestamp))
        return struct.pack(">Q", self.timestamp) + sig


def _split_key(text: str, parts: int, what: str) -> list[str]:
    pieces = text.split("+", parts - 1)
    if len(pieces) != parts:
        raise BadKey(f"malformed {what}: expected {parts} '+'-separated parts")
    return pieces


def _decode_key(name: str, hash_hex: str, material_b64: str, what: str) -> tuple[int, bytes, bytes]:
    if not _is_valid_name(name):
        raise BadKey(f"malformed {what}: invalid key name {name!r}")
    if len(hash_hex) != 8 or any(c not in "0123456789abcdef" for c in hash_hex):
        raise BadKey(f"malformed {what}: key id must be 8 lowercase hex digits")
    try:
        material = _b64decode_strict(material_b64)
    except ValueError as exc:
        raise BadKey(f"malformed {what}: {exc}") from None
    if len(material) != 33 or material[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise BadKey(f"malformed {what}: not an Ed25519 (0x01) or cosignature (0x04) key")
    return material[0], material[1:], bytes.fromhex(hash_hex)


def parse_verifier_key(vkey: str) -> NoteVerifier:
    """Read ``name+hex(id)+base64(type||key)``; the key id must match the key."""
    name, hash_hex, material = _split_key(vkey, 3, "verifier key")
    alg, raw, kid = _decode_key(name, hash_hex, material, "verifier key")
    if key_hash(name, alg, raw) != kid:
        raise BadKey(f"verifier key for {name!r}: key id does not match the key")
    cls = CosignatureVerifier if alg == ALG_COSIGNATURE_V1 else NoteVerifier
    return cls(name, Ed25519PublicKey.from_public_bytes(raw))


def parse_signer_key(skey: str) -> NoteSigner:
    """Read ``PRIVATE+KEY+name+hex(id)+base64(type||seed)``; the key id must match."""
    private, key_word, name, hash_hex, material = _split_key(skey, 5, "signer key")
    if (private, key_word) != ("PRIVATE", "KEY"):
        raise BadKey("malformed signer key: must start with PRIVATE+KEY+")
    alg, seed, kid = _decode_key(name, hash_hex, material, "signer key")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    if key_hash(name, alg, public_bytes(key)) != kid:
        raise BadKey(f"signer key for {name!r}: key id does not match the key")
    if alg == ALG_COSIGNATURE_V1:
        return CosignatureSigner(name, key)
    return NoteSigner(name, key)


# --- notes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: who, which key id, and (for cosignatures) when."""

    name: str
    key_id: bytes
    timestamp: int | None = None


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text was verified by at least one trusted key."""

    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def _check_text(text: str, what: str) -> None:
    for ch in text:
        if ch < " " and ch != "\n":
            raise BadNote(f"{what} contains control character U+{ord(ch):04X}")


def _signature_lines(text: str, signers: Iterable[NoteSigner]) -> str:
    lines = []
    for signer in signers:
        sig = base64.b64encode(signer.key_id + signer.signature(text)).decode()
        lines.append(f"{_EM_DASH}{signer.name} {sig}\n")
    return "".join(lines)


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """A signed note: text (ending in newline), a blank line, one signature line per signer."""
    if not text.endswith("\n"):
        raise BadNote("note text must end with a newline")
    _check_text(text, "note text")
    if not signers:
        raise BadNote("a note needs at least one signer")
    return text + "\n" + _signature_lines(text, signers)


def add_signatures(note: str, signers: Sequence[NoteSigner]) -> str:
    """Append signature lines (e.g. cosignatures) to a note; its text is not re-verified here."""
    text, _ = _split_note(note)
    return note + _signature_lines(text, signers)


def _split_note(note: str | bytes) -> tuple[str, list[str]]:
    if isinstance(note, bytes | bytearray):
        try:
            note = bytes(note).decode("utf-8")
        except UnicodeDecodeError:
            raise BadNote("note is not valid UTF-8") from None
    _check_text(note, "note")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise BadNote("note has no blank line before its signatures")
    text, block = note[: cut + 1], note[cut + 2 :]
    if not block:
        raise BadNote("note has no signatures")
    if not block.endswith("\n"):
        raise BadNote("signature block does not end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise BadNote(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    return text, lines


def open_note(note: str | bytes, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Verify a signed note against trusted verifiers; return its text and who signed it.

    Raises BadNote if malformed or if no trusted key signed it, BadSignature if a trusted
    key's signature fails (the whole note is then rejected).
    """
    text, lines = _split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    seen: set[tuple[str, bytes]] = set()
    for line in lines:
        if not line.startswith(_EM_DASH):
            raise BadNote(f"not a signature line: {line[:60]!r}")
        name, sep, sig_b64 = line[len(_EM_DASH) :].partition(" ")
        if not sep or not _is_valid_name(name):
            raise BadNote(f"malformed signature line: {line[:60]!r}")
        try:
            sig = _b64decode_strict(sig_b64)
        except ValueError as exc:
            raise BadNote(f"signature by {name}: {exc}") from None
        if len(sig) < 5:
            raise BadNote(f"signature by {name} is too short")
        key_id, body = sig[:4], sig[4:]
        verifier = known.get((name, key_id))
        if verifier is None:
            unverified.append(NoteSignature(name, key_id))
            continue
        if (name, key_id) in seen:
            raise BadNote(f"two signatures by the same key {name}")
        seen.add((name, key_id))
        timestamp = verifier.check(text, body)
        verified.append(NoteSignature(name, key_id, timestamp))
    if not verified:
        raise BadNote("note is not signed by any trusted key")
    return OpenedNote(text, tuple(verified), tuple(unverified))


# --- checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as the C2SP tlog-checkpoint note text."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The exact note text: origin, size, base64 root, extension lines, each + newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root_hash).decode()]
        body = "\n".join([*lines, *self.extensions]) + "\n"
        parse_checkpoint(body, hash_size=None)  # refuse to produce what we would not accept
        return body


def parse_checkpoint(
    text: str, *, origin: str | None = None, hash_size: int | None = 32
) -> Checkpoint:
    """Read checkpoint note text strictly; with ``origin``, require that exact origin line."""
    if not text.endswith("\n"):
        raise BadNote("checkpoint text does not end with a newline")
    _check_text(text, "checkpoint")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise BadNote("checkpoint needs at least 3 lines: origin, size, root hash")
    first, size_text, root_text, *extensions = lines
    if not first:
        raise BadNote("checkpoint origin line is empty")
    if origin is not None and first != origin:
        raise BadNote(f"checkpoint is for log {first!r}, expected {origin!r}")
    if not size_text.isascii() or not size_text.isdigit() or (size_text[0] == "0" and size_text != "0"):
        raise BadNote(f"checkpoint tree size {size_text[:30]!r} is not a plain decimal number")
    size = int(size_text)
    if size >= 2**64:
        raise BadNote("checkpoint tree size does not fit in 64 bits")
    try:
        root = _b64decode_strict(root_text)
    except ValueError as exc:
        raise BadNote(f"checkpoint root hash: {exc}") from None
    if hash_size is not None and len(root) != hash_size:
        raise BadNote(f"checkpoint root hash is {len(root)} bytes, not {hash_size}")
    if any(not line for line in extensions):
        raise BadNote("checkpoint has an empty extension line")
    return Checkpoint(first, size, root, tuple(extensions))


def verify_checkpoint(
    note: str | bytes,
    log_verifier: NoteVerifier,
    *,
    origin: str | None = None,
    cosigners: Sequence[NoteVerifier] = (),
) -> tuple[Checkpoint, OpenedNote]:
    """Verify a checkpoint note signed by the log's key (origin pinned; default: the key name).

    The log's own signature is required; cosignatures from ``cosigners`` are verified when
    present (a bad one rejects the note) and listed in the OpenedNote. Quorum policy is the
    caller's.
    """
    opened = open_note(note, [log_verifier, *cosigners])
    if not any(s.name == log_verifier.name and s.key_id == log_verifier.key_id for s in opened.verified):
        raise BadNote(f"checkpoint is not signed by the log key {log_verifier.name!r}")
    checkpoint = parse_checkpoint(opened.text, origin=origin or log_verifier.name)
    return checkpoint, opened
