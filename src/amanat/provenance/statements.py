"""Statements read from files for ``amanat publish``: one file, or a folder of them.

In a folder each file carries its own headline and language in a front-matter block, so a
press office can drop a day's statements in one place and publish them as one batch::

    ---
    headline: Statement on the water agreement
    language: en
    ---
    The text of the statement (Markdown or plain text) ...

The block is deliberately not YAML (no dependency, no surprises such as ``no`` read as
false): ``key: value`` lines, a value optionally in matching quotes. Keys: ``headline``,
``language`` (or ``lang``), optional ``created`` (the time the item states, RFC 3339). An
unknown key is an error, not ignored: a misspelt ``headlne`` would otherwise publish an item
without the headline its author wrote.

API::

    read_text(path) -> (text, content type)                 one-line InputError on bad input
    read_folder(path, *, language=None) -> [(path, Statement)]   every .md/.markdown/.txt file
"""

from __future__ import annotations

from pathlib import Path

from amanat.errors import InputError
from amanat.provenance.items import make_item
from amanat.provenance.publishing import Statement

SUFFIXES = (".md", ".markdown", ".txt")
_KEYS = {"headline": "headline", "language": "language", "lang": "language", "created": "when"}


def read_text(file: Path) -> tuple[str, str]:
    """A statement file's text and its content type (Markdown by suffix, else plain text)."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", where=str(file)) from None
    except IsADirectoryError:
        raise InputError("is a folder (publish a folder of statements with no --headline)", where=str(file)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", where=str(file)) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(file)) from None
    kind = "text/markdown" if file.suffix.lower() in (".md", ".markdown") else "text/plain"
    return text, kind


def front_matter(text: str, where: str) -> tuple[dict[str, str], str]:
    """The ``---`` block's fields (by their canonical names) and the body after it."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise InputError("no front matter: begin the file with a '---' block naming headline and language",
                         where=where)
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return fields, "".join(lines[number:])
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, colon, value = line.partition(":")
        name = _KEYS.get(key.strip().lower())
        if not colon or name is None:
            raise InputError(f"line {number}: expected one of {', '.join(sorted(_KEYS))} as 'key: value', "
                             f"got {line.strip()[:60]!r}", where=where)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if name in fields:
            raise InputError(f"line {number}: {key.strip()} given twice", where=where)
        fields[name] = value
    raise InputError("the front matter block is not closed by a '---' line", where=where)


def read_statement(file: Path, *, language: str | None = None) -> Statement:
    """One file of a folder: front matter, then the body."""
    text, kind = read_text(file)
    fields, body = front_matter(text, str(file))
    headline, lang = fields.get("headline", "").strip(), fields.get("language") or language
    if not headline:
        raise InputError("the front matter names no headline", where=str(file))
    if not lang:
        raise InputError("the front matter names no language (or give --lang for the folder)", where=str(file))
    if not body.strip():
        raise InputError("the statement has no text after its front matter", where=str(file))
    statement = Statement(headline=headline, body=body, language=lang, content_type=kind, when=fields.get("created"))
    try:  # the item it will become, checked now: a bad date or language tag names its file
        make_item(uri="urn:amanat:check", headline=headline, body=body, language=lang, publisher="check",
                  content_type=kind, when=statement.when)
    except InputError as exc:
        raise InputError(exc.message, where=str(file)) from None
    return statement


def read_folder(folder: Path, *, language: str | None = None) -> list[tuple[Path, Statement]]:
    """Every statement file directly in ``folder``, by name; all are read (and refused at
    the first bad one) before anything is signed."""
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
    if not files:
        raise InputError(f"no statement files ({', '.join(SUFFIXES)}) in this folder", where=str(folder))
    return [(file, read_statement(file, language=language)) for file in files]
