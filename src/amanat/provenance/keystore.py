"""Where a node keeps its publishers' private keys: a directory, one folder per publisher.

    <keys dir>/<slug>/item-<kid>.pem     Ed25519 item-signing keys (PKCS#8, mode 0600,
                                         encrypted when a passphrase is given)
    <keys dir>/<slug>/checkpoint.key     the log's signed-note signer key (mode 0600)

The directory is ``$AMANAT_KEYS`` or ``./amanat-keys``; the passphrase, when keys are
encrypted, comes from ``$AMANAT_KEY_PASSPHRASE``. The database never holds a private key.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from amanat.errors import InputError
from amanat.provenance import note
from amanat.provenance.keys import key_id, load_private_key, save_private_key

DEFAULT_DIR = "amanat-keys"


def keys_dir(explicit: str | Path | None = None) -> Path:
    return Path(explicit or os.environ.get("AMANAT_KEYS") or DEFAULT_DIR)


def slug(origin: str) -> str:
    """The folder name of a publisher's keys: one path component, inside the keys folder,
    whatever the origin holds (``..``, ``/``, a NUL byte, thousands of characters)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", origin).strip("_") or "publisher"
    if name.strip(".") == "" or len(name) > 120:  # "." and ".." name this folder and its parent
        digest = hashlib.sha256(origin.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        name = f"{name.strip('.')[:100] or 'publisher'}-{digest}"
    return name


def passphrase() -> str | None:
    return os.environ.get("AMANAT_KEY_PASSPHRASE") or None


@dataclass(frozen=True)
class PublisherKeys:
    """The private keys of one publisher, as found on disk."""

    folder: Path

    def save_item_key(self, key: Ed25519PrivateKey) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.folder / f"item-{key_id(key)}.pem"
        save_private_key(path, key, passphrase())
        return path

    def item_key(self, kid: str) -> Ed25519PrivateKey:
        path = self.folder / f"item-{kid}.pem"
        if not path.exists():
            raise InputError(f"no private key {kid} in {self.folder}", where=str(path))
        return load_private_key(path, passphrase())

    def save_checkpoint_signer(self, signer: note.NoteSigner) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.folder / "checkpoint.key"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise InputError("a checkpoint key exists already", where=str(path)) from None
        with os.fdopen(fd, "w") as fh:
            fh.write(signer.skey() + "\n")
        return path

    def checkpoint_signer(self) -> note.NoteSigner:
        path = self.folder / "checkpoint.key"
        try:
            if path.stat().st_mode & 0o077:
                raise InputError("checkpoint key is readable by others; run chmod 600 on it", where=str(path))
            return note.parse_signer_key(path.read_text().strip())
        except FileNotFoundError:
            raise InputError("no checkpoint key: this node does not hold the log's keys", where=str(path)) from None


def publisher_keys(origin: str, directory: str | Path | None = None) -> PublisherKeys:
    return PublisherKeys(keys_dir(directory) / slug(origin))
