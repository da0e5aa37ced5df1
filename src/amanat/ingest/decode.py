"""From payload bytes to text: which character encoding, and how sure we are of it.

Order for HTML (``decode_html``), after the WHATWG HTML standard with one deliberate change:

1. a byte-order mark wins;
2. else the charset the transport declared (HTTP ``Content-Type``), else the one found by the
   standard's *prescan* of the first 1024 bytes (``<meta charset>`` / ``http-equiv``);
   labels are mapped the WHATWG way (``x-sjis`` → Shift_JIS, ``latin1`` → windows-1252,
   ``gb2312`` → GBK, …) and decoded with the Python codec that is the superset browsers
   really use (Shift_JIS → cp932, GBK → gb18030, EUC-KR → cp949);
3. **the change:** when a declared legacy charset disagrees with bytes that are valid UTF-8
   and contain non-ASCII, UTF-8 wins. Re-saved pages keep their old ``<meta>`` (elmundo.es
   declaring iso-8859-15, qq.com declaring gb2312, both stored as UTF-8), and legacy text
   that happens to be valid UTF-8 is vanishingly rare;
4. a declaration whose decoding fails is tried with a wider codec, then the bytes are sniffed
   with charset-normalizer; with no declaration, UTF-8 is tried, then sniffing, then
   windows-1252 (the standard's default, which decodes any byte);
5. last resort: the declared codec with U+FFFD replacement, and the returned charset says so
   (``"cp932+replace"``, see ``is_lossy``).

The prescan is hand-written because no library in the environment implements it; it follows
the standard's steps and is checked against all html5lib encoding test vectors. The label
table is the WHATWG Encoding Standard's (data, not code).
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

REPLACED = "+replace"

# --- WHATWG Encoding Standard: labels → encoding names ---------------------------------------

_LABELS: dict[str, tuple[str, ...]] = {
    "utf-8": (
        "unicode-1-1-utf-8",
        "unicode11utf8",
        "unicode20utf8",
        "utf-8",
        "utf8",
        "x-unicode20utf8",
    ),
    "ibm866": ("866", "cp866", "csibm866", "ibm866"),
    "iso-8859-2": (
        "csisolatin2",
        "iso-8859-2",
        "iso-ir-101",
        "iso8859-2",
        "iso88592",
        "iso_8859-2",
        "iso_8859-2:1987",
        "l2",
        "latin2",
    ),
    "iso-8859-3": (
        "csisolatin3",
        "iso-8859-3",
        "iso-ir-109",
        "iso8859-3",
        "iso88593",
        "iso_8859-3",
        "iso_8859-3:1988",
        "l3",
        "latin3",
    ),
    "iso-8859-4": (
        "csisolatin4",
        "iso-8859-4",
        "iso-ir-110",
        "iso8859-4",
        "iso88594",
        "iso_8859-4",
        "iso_8859-4:1988",
        "l4",
        "latin4",
    ),
    "iso-8859-5": (
        "csisolatincyrillic",
        "cyrillic",
        "iso-8859-5",
        "iso-ir-144",
        "iso8859-5",
        "iso88595",
        "iso_8859-5",
        "iso_8859-5:1988",
    ),
    "iso-8859-6": (
        "arabic",
        "asmo-708",
        "csiso88596e",
        "csiso88596i",
        "csisolatinarabic",
        "ecma-114",
        "iso-8859-6",
        "iso-8859-6-e",
        "iso-8859-6-i",
        "iso-ir-127",
        "iso8859-6",
        "iso88596",
        "iso_8859-6",
        "iso_8859-6:1987",
    ),
    "iso-8859-7": (
        "csisolatingreek",
        "ecma-118",
        "elot_928",
        "greek",
        "greek8",
        "iso-8859-7",
        "iso-ir-126",
        "iso8859-7",
        "iso88597",
        "iso_8859-7",
        "iso_8859-7:1987",
        "sun_eu_greek",
    ),
    "iso-8859-8": (
        "csiso88598e",
        "csisolatinhebrew",
        "hebrew",
        "iso-8859-8",
        "iso-8859-8-e",
        "iso-ir-138",
        "iso8859-8",
        "iso88598",
        "iso_8859-8",
        "iso_8859-8:1988",
        "visual",
    ),
    "iso-8859-8-i": ("csiso88598i", "iso-8859-8-i", "logical"),
    "iso-8859-10": (
        "csisolatin6",
        "iso-8859-10",
        "iso-ir-157",
        "iso8859-10",
        "iso885910",
        "l6",
        "latin6",
    ),
    "iso-8859-13": ("iso-8859-13", "iso8859-13", "iso885913"),
    "iso-8859-14": ("iso-8859-14", "iso8859-14", "iso885914"),
    "iso-8859-15": ("csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"),
    "iso-8859-16": ("iso-8859-16",),
    "koi8-r": ("cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"),
    "koi8-u": ("koi8-ru", "koi8-u"),
    "macintosh": ("csmacintosh", "mac", "macintosh", "x-mac-roman"),
    "windows-874": ("dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"),
    "windows-1250": ("cp1250", "windows-1250", "x-cp1250"),
    "windows-1251": ("cp1251", "windows-1251", "x-cp1251"),
    "windows-1252": (
        "ansi_x3.4-1968",
        "ascii",
        "cp1252",
        "cp819",
        "csisolatin1",
        "ibm819",
        "iso-8859-1",
        "iso-ir-100",
        "iso8859-1",
        "iso88591",
        "iso_8859-1",
        "iso_8859-1:1987",
        "l1",
        "latin1",
        "us-ascii",
        "windows-1252",
        "x-cp1252",
    ),
    "windows-1253": ("cp1253", "windows-1253", "x-cp1253"),
    "windows-1254": (
        "cp1254",
        "csisolatin5",
        "iso-8859-9",
        "iso-ir-148",
        "iso8859-9",
        "iso88599",
        "iso_8859-9",
        "iso_8859-9:1989",
        "l5",
        "latin5",
        "windows-1254",
        "x-cp1254",
    ),
    "windows-1255": ("cp1255", "windows-1255", "x-cp1255"),
    "windows-1256": ("cp1256", "windows-1256", "x-cp1256"),
    "windows-1257": ("cp1257", "windows-1257", "x-cp1257"),
    "windows-1258": ("cp1258", "windows-1258", "x-cp1258"),
    "x-mac-cyrillic": ("x-mac-cyrillic", "x-mac-ukrainian"),
    "gbk": (
        "chinese",
        "csgb2312",
        "csiso58gb231280",
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gbk",
        "iso-ir-58",
        "x-gbk",
    ),
    "gb18030": ("gb18030",),
    "big5": ("big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"),
    "euc-jp": ("cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"),
    "iso-2022-jp": ("csiso2022jp", "iso-2022-jp"),
    "shift_jis": (
        "csshiftjis",
        "ms932",
        "ms_kanji",
        "shift-jis",
        "shift_jis",
        "sjis",
        "windows-31j",
        "x-sjis",
    ),
    "euc-kr": (
        "cseuckr",
        "csksc56011987",
        "euc-kr",
        "iso-ir-149",
        "korean",
        "ks_c_5601-1987",
        "ks_c_5601-1989",
        "ksc5601",
        "ksc_5601",
        "windows-949",
    ),
    "replacement": ("csiso2022kr", "hz-gb-2312", "iso-2022-cn", "iso-2022-cn-ext", "iso-2022-kr"),
    "utf-16be": ("unicodefffe", "utf-16be"),
    "utf-16le": (
        "csunicode",
        "iso-10646-ucs-2",
        "ucs-2",
        "unicode",
        "unicodefeff",
        "utf-16",
        "utf-16le",
    ),
    "x-user-defined": ("x-user-defined",),
}
_ENCODING_OF_LABEL = {label: name for name, labels in _LABELS.items() for label in labels}

# WHATWG encoding → the Python codecs that decode it, narrowest first. The first is what
# browsers effectively use; later ones are wider supersets tried when it fails strictly.
_CODECS: dict[str, tuple[str, ...]] = {
    "utf-8": ("utf-8",),
    "ibm866": ("cp866",),
    "iso-8859-8-i": ("iso8859-8",),
    "koi8-u": ("koi8-u", "koi8-r"),
    "macintosh": ("mac-roman",),
    "windows-874": ("cp874",),
    "x-mac-cyrillic": ("mac-cyrillic",),
    "gbk": ("gb18030",),
    "gb18030": ("gb18030",),
    "big5": ("big5hkscs", "cp950"),
    "euc-jp": ("euc-jp", "euc-jis-2004"),
    "iso-2022-jp": ("iso2022-jp", "iso2022-jp-ext", "iso2022-jp-2004"),
    "shift_jis": ("cp932", "shift-jis-2004"),
    "euc-kr": ("cp949",),
    "utf-16be": ("utf-16-be",),
    "utf-16le": ("utf-16-le",),
    "x-user-defined": ("cp1252",),
}

# What charset-normalizer names → the WHATWG superset browsers would use for the same bytes.
_SNIFFED_SUPERSET = {
    "ascii": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "shift-jis": "cp932",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
}

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _c1_passthrough(err: UnicodeError) -> tuple[str, int]:
    # windows-1252 as the WHATWG index defines it: the five bytes cp1252 leaves undefined
    # (0x81, 0x8D, 0x8F, 0x90, 0x9D) decode to the C1 control of the same number.
    if not isinstance(err, UnicodeDecodeError):
        raise err
    bad = err.object[err.start : err.end]
    if all(0x80 <= b <= 0x9F for b in bad):
        return "".join(chr(b) for b in bad), err.end
    raise err


codecs.register_error("amanat-c1", _c1_passthrough)


def encoding_for_label(label: str) -> str | None:
    """The WHATWG encoding name for a charset label (``"x-sjis"`` → ``"shift_jis"``), or None."""
    return _ENCODING_OF_LABEL.get(label.strip("\t\n\f\r ").lower())


def codecs_for(encoding: str) -> tuple[str, ...]:
    """Python codecs for a WHATWG encoding name, the browser-equivalent one first."""
    if encoding in _CODECS:
        return _CODECS[encoding]
    if encoding.startswith("windows-"):
        return ("cp" + encoding.removeprefix("windows-"),)
    if encoding.startswith("iso-8859-"):
        return ("iso8859-" + encoding.removeprefix("iso-8859-"),)
    return (encoding,)


def is_lossy(charset: str) -> bool:
    """True when decoding had to replace undecodable bytes with U+FFFD."""
    return charset.endswith(REPLACED)


# --- the HTML standard's prescan --------------------------------------------------------------

_SPACE = b"\t\n\f\r "
_PRESCAN_LIMIT = 1024
# How far a late <meta> is looked for: declarations live in <head>, and the byte-by-byte scan
# must stay cheap on a 100 MB page.
_LATE_LIMIT = 1 << 19


class _End(Exception):
    """Ran off the end of the prescanned bytes: the declaration is incomplete."""


def _at(data: bytes, i: int) -> int:
    if i >= len(data):
        raise _End
    return data[i]


def _get_attribute(data: bytes, i: int) -> tuple[str, str, int] | None:
    """The standard's "get an attribute": (name, value, position after it), None at ``>``."""
    while _at(data, i) in _SPACE or data[i] == 0x2F:
        i += 1
    if data[i] == 0x3E:
        return None
    name = bytearray()
    value = bytearray()
    while True:
        b = _at(data, i)
        if b == 0x3D and name:
            i += 1
            break
        if b in _SPACE:
            while _at(data, i) in _SPACE:
                i += 1
            if data[i] != 0x3D:
                return name.decode("latin-1"), "", i
            i += 1
            break
        if b in (0x2F, 0x3E):
            return name.decode("latin-1"), "", i
        name.append(b + 0x20 if 0x41 <= b <= 0x5A else b)
        i += 1
    while _at(data, i) in _SPACE:
        i += 1
    b = data[i]
    if b in (0x22, 0x27):
        quote = b
        i += 1
        while (c := _at(data, i)) != quote:
            value.append(c + 0x20 if 0x41 <= c <= 0x5A else c)
            i += 1
        return name.decode("latin-1"), value.decode("latin-1"), i + 1
    if b == 0x3E:
        return name.decode("latin-1"), "", i
    while (c := _at(data, i)) not in _SPACE and c != 0x3E:
        value.append(c + 0x20 if 0x41 <= c <= 0x5A else c)
        i += 1
    return name.decode("latin-1"), value.decode("latin-1"), i


def _charset_from_content(content: str) -> str | None:
    """The standard's "extract a character encoding from a meta element" (content=...)."""
    pos = 0
    lowered = content.lower()
    while True:
        pos = lowered.find("charset", pos)
        if pos < 0:
            return None
        pos += len("charset")
        while pos < len(content) and content[pos] in "\t\n\f\r ":
            pos += 1
        if pos < len(content) and content[pos] == "=":
            break
    pos += 1
    while pos < len(content) and content[pos] in "\t\n\f\r ":
        pos += 1
    if pos >= len(content):
        return None
    if content[pos] in "\"'":
        end = content.find(content[pos], pos + 1)
        return encoding_for_label(content[pos + 1 : end]) if end > 0 else None
    end = pos
    while end < len(content) and content[end] not in "\t\n\f\r ;":
        end += 1
    return encoding_for_label(content[pos:end])


def _meta_charset(data: bytes, i: int) -> tuple[str | None, int]:
    """Attributes of one ``<meta``: the encoding it declares (or None), position after it."""
    seen: set[str] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: str | None = None
    while (attr := _get_attribute(data, i)) is not None:
        name, value, i = attr
        if name in seen:
            continue
        seen.add(name)
        if name == "http-equiv":
            got_pragma = got_pragma or value == "content-type"
        elif name == "content" and charset is None:
            found = _charset_from_content(value)
            if found is not None:
                charset, need_pragma = found, True
        elif name == "charset":
            charset, need_pragma = encoding_for_label(value), False
    if need_pragma is None or (need_pragma and not got_pragma) or charset is None:
        return None, i
    if charset in ("utf-16be", "utf-16le"):
        return "utf-8", i
    if charset == "x-user-defined":
        return "windows-1252", i
    return charset, i


def prescan(body: bytes) -> str | None:
    """WHATWG encoding name declared in the first 1024 bytes of an HTML document, or None.

    Follows "prescan a byte stream to determine its encoding" of the HTML standard: comments
    and other tags are skipped, ``<meta charset>`` and ``<meta http-equiv=content-type
    content=...>`` are read, an unclosed declaration at the limit counts as none.
    """
    return _scan(body[:_PRESCAN_LIMIT])


def declared_encoding(body: bytes, transport: str | None = None) -> str | None:
    """The encoding an HTML document declares, in the standard's order, or None.

    Byte-order mark, then the transport's label, then the prescan, then a ``<meta>`` further
    down: a browser whose prescan found nothing switches encoding ("change the encoding")
    when its parser meets one, so a declaration after byte 1024 still counts.
    """
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return {"utf-8": "utf-8", "utf-16-le": "utf-16le", "utf-16-be": "utf-16be"}[codec]
    encoding = encoding_for_label(transport) if transport else None
    if encoding not in (None, "replacement"):
        return encoding
    found = prescan(body)
    if found is None and _LATE_META.search(body, _PRESCAN_LIMIT - 16, _LATE_LIMIT):
        found = _scan(body[:_LATE_LIMIT])
    return found


# A cheap filter so the full-document scan runs only when a late declaration may exist.
_LATE_META = re.compile(rb"<meta[\t\n\f\r /][^>]*charset", re.IGNORECASE)


def _scan(data: bytes) -> str | None:
    i = 0
    try:
        while (i := data.find(b"<", i)) >= 0:
            if data.startswith(b"<!--", i):
                end = data.find(b"-->", i + 2)
                if end < 0:
                    return None
                i = end + 3
                continue
            if data[i : i + 5].lower() == b"<meta" and _at(data, i + 5) in _SPACE + b"/":
                charset, i = _meta_charset(data, i + 5)
                if charset is not None:
                    return charset
            elif _is_letter(_at(data, i + 1)) or (
                data[i + 1] == 0x2F and _is_letter(_at(data, i + 2))
            ):
                while _at(data, i) not in _SPACE and data[i] != 0x3E:
                    i += 1
                while (attr := _get_attribute(data, i)) is not None:
                    i = attr[2]
            elif data[i + 1] in b"!/?":
                end = data.find(b">", i + 2)
                if end < 0:
                    return None
                i = end
            i += 1
    except _End:
        return None
    return None


def _is_letter(b: int) -> bool:
    return 0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A


# --- decoding -------------------------------------------------------------------------------


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode an HTML payload; returns (text, Python codec actually used).

    ``declared`` is the transport's charset label (HTTP ``Content-Type``), if any. The codec
    ends in ``+replace`` when bytes had to be replaced (``is_lossy``).
    """
    bom = _bom(body)
    if bom:
        return bom
    return _decode_declared(body, declared_encoding(body, declared))


def decode_text(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a plain-text or Markdown payload: BOM, UTF-8, the declared charset, sniffing."""
    bom = _bom(body)
    if bom:
        return bom
    encoding = encoding_for_label(declared) if declared else None
    return _decode_declared(body, None if encoding == "replacement" else encoding)


def _bom(body: bytes) -> tuple[str, str] | None:
    for mark, codec in _BOMS:
        if body.startswith(mark):
            return _decode_lossy(body[len(mark) :], codec)
    return None


def _decode_declared(body: bytes, encoding: str | None) -> tuple[str, str]:
    utf8 = _strict(body, "utf-8")
    if encoding is None:
        if utf8 is not None:
            return utf8, "utf-8"
        return _sniff(body) or _decode_lossy(body, "cp1252")
    candidates = codecs_for(encoding)
    if utf8 is not None and not utf8.isascii() and not encoding.startswith("utf-16"):
        return utf8, "utf-8"  # a stale legacy label on a re-saved UTF-8 page
    for codec in candidates:
        text = _strict(body, codec)
        if text is not None:
            return text, _name(codec)
    return _sniff(body) or _decode_lossy(body, candidates[0])


def _strict(body: bytes, codec: str) -> str | None:
    try:
        if _name(codec) == "cp1252":
            return body.decode("cp1252", "amanat-c1")
        return body.decode(codec)
    except UnicodeDecodeError:
        return None
    except LookupError:
        return None


def _sniff(body: bytes) -> tuple[str, str] | None:
    best = charset_normalizer.from_bytes(body).best()
    if best is None or best.encoding is None:
        return None
    codec = _name(best.encoding)
    for candidate in (_SNIFFED_SUPERSET.get(codec, codec), codec):
        text = _strict(body, candidate)
        if text is not None:
            return text, _name(candidate)
    return None


def _decode_lossy(body: bytes, codec: str) -> tuple[str, str]:
    text = _strict(body, codec)
    if text is not None:
        return text, _name(codec)
    try:
        return body.decode(codec, "replace"), _name(codec) + REPLACED
    except LookupError:
        return body.decode("utf-8", "replace"), "utf-8" + REPLACED


def _name(codec: str) -> str:
    try:
        return codecs.lookup(codec).name
    except LookupError:
        return codec
