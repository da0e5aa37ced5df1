"""One exception hierarchy for everything a user can get wrong.

    AmanatError                 base; ``diagnosis()`` is the one-line message the CLI prints
    ├── InputError              a file, record or URL that cannot be read as what it claims to be
    │   └── FetchError          the network refused, timed out, or was not allowed
    ├── QueryError              search syntax the backend cannot parse
    ├── StoreError              the database is missing, locked, or at the wrong schema version
    ├── NotFound                an id or name that is not in the store
    └── VerificationError       a signature, proof, checkpoint or key that does not verify

Code raises these with a message that names *what* and *where*; anything else escaping to the
CLI is a bug and is shown with its traceback.
"""

from __future__ import annotations


class AmanatError(Exception):
    """Base class: a failure the user can act on, rendered as one line."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def diagnosis(self) -> str:
        """One line for a terminal: ``where: message``."""
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(AmanatError):
    """An input that cannot be read as what it claims to be."""


class FetchError(InputError):
    """A network fetch that failed or was refused by policy."""


class QueryError(AmanatError):
    """A search query the backend cannot parse."""


class StoreError(AmanatError):
    """The store cannot be opened or used."""


class NotFound(AmanatError):
    """An identifier that is not in the store."""


class VerificationError(AmanatError):
    """Something that should verify and does not; the message says exactly what failed."""
