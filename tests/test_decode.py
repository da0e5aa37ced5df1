"""Bytes to text: BOM, transport charset, the HTML prescan, stale labels, sniffing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from amanat.ingest.decode import (
    declared_encoding,
    decode_html,
    decode_text,
    encoding_for_label,
    is_lossy,
    prescan,
)
from conftest import SHARED, shared_path

CHARSET = SHARED / "data" / "formats" / "html-charset"


def _vectors() -> list[tuple[str, bytes, str]]:
    """(id, document start, expected encoding) from the html5lib encoding test files."""
    out = []
    for path in sorted((CHARSET / "html5lib-encoding").glob("*.dat")):
        for n, case in enumerate(path.read_bytes().split(b"#data\n")[1:]):
            data, expected = case.split(b"\n#encoding\n")
            out.append((f"{path.stem}-{n}", data, expected.split(b"\n")[0].decode().strip()))
    return out


VECTORS = _vectors() if CHARSET.exists() else []


def test_html5lib_vectors_present() -> None:
    shared_path("data", "formats", "html-charset", "html5lib-encoding")
    assert len(VECTORS) == 82  # 59 + 22 + 1, every case of the three files


@pytest.mark.parametrize(
    ("data", "expected"), [v[1:] for v in VECTORS], ids=[v[0] for v in VECTORS]
)
def test_html5lib_encoding_vector(data: bytes, expected: str) -> None:
    # No declaration means the standard's default for an unknown locale, windows-1252.
    assert (declared_encoding(data) or "windows-1252") == expected.lower()


def test_yahoo_jp_answer_comes_from_the_meta_not_the_bytes() -> None:
    path = shared_path("data", "formats", "html-charset", "html5lib-encoding", "test-yahoo-jp.dat")
    data = path.read_bytes().split(b"#data\n")[1].split(b"\n#encoding\n")[0]
    assert prescan(data) == "euc-jp"
    # the stored bytes are UTF-8 with non-ASCII text, so decoding prefers UTF-8 over the label
    text, charset = decode_html(data)
    assert charset == "utf-8"
    assert "日本最大級のポータルサイト" in text


def test_prescan_stops_at_1024_bytes_but_a_late_meta_still_counts() -> None:
    late = b"<!DOCTYPE html><html><head>" + b"<script></script>" * 80 + b'<meta charset="koi8-r">'
    assert len(late) > 1100
    assert prescan(late) is None
    assert declared_encoding(late) == "koi8-r"


def test_labels_map_the_whatwg_way() -> None:
    assert encoding_for_label(" X-SJIS ") == "shift_jis"
    assert encoding_for_label("latin1") == "windows-1252"
    assert encoding_for_label("gb2312") == "gbk"
    assert encoding_for_label("ks_c_5601-1987") == "euc-kr"
    assert encoding_for_label("no-such-charset") is None


# Folder name → codec for the chardet files. Two are named by their family, not their exact
# bytes: the EUC-KR file is windows-949 and the GB2312 file is GB18030 (their file names say
# so). SHIFT_JIS is decoded as cp932, which is what WHATWG's Shift_JIS decoder is: the one
# difference in this file is 0x817C, U+FF0D in cp932 and U+2212 in strict Shift_JIS.
TRUE_CODEC = {
    "Big5": "big5",
    "CP932": "cp932",
    "EUC-KR": "cp949",
    "GB2312": "gb18030",
    "KOI8-R": "koi8-r",
    "SHIFT_JIS": "cp932",
    "iso-8859-5-russian": "iso8859-5",
    "windows-1251-russian": "cp1251",
    "windows-1252": "cp1252",
    "windows-1256-arabic": "cp1256",
}
CHARDET = sorted((CHARSET / "chardet").glob("*/*")) if CHARSET.exists() else []


def test_chardet_files_present() -> None:
    shared_path("data", "formats", "html-charset", "chardet")
    assert {p.parent.name for p in CHARDET} == set(TRUE_CODEC)


@pytest.mark.parametrize("path", CHARDET, ids=[f"{p.parent.name}/{p.name}" for p in CHARDET])
def test_chardet_file_decodes_to_its_true_encoding(path: Path) -> None:
    body = path.read_bytes()
    text, charset = decode_html(body)
    assert not is_lossy(charset)
    assert text == body.decode(TRUE_CODEC[path.parent.name])


def test_shift_jis_label_with_cp932_bytes_decodes_as_cp932() -> None:
    body = shared_path(
        "data", "formats", "html-charset", "chardet", "CP932", "hardsoft.at.webry.info.xml"
    ).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("shift_jis")
    assert decode_html(body) == (body.decode("cp932"), "cp932")


def test_unknown_to_python_label_x_sjis_is_shift_jis() -> None:
    body = shared_path(
        "data", "formats", "html-charset", "chardet", "CP932", "www2.chuo-u.ac.jp-suishin.xml"
    ).read_bytes()
    assert declared_encoding(body) == "shift_jis"
    assert decode_html(body)[1] == "cp932"


def test_elmundo_stale_latin9_label_on_utf8_bytes() -> None:
    folder = shared_path("data", "formats", "html-charset", "goose3")
    expected = json.loads((folder / "test_elmondo1.json").read_text())["expected"]
    body = (folder / "test_elmondo1.html").read_bytes()
    assert declared_encoding(body) == "iso-8859-15"
    text, charset = decode_html(body)
    assert charset == "utf-8"
    assert expected["cleaned_text"] in text
    assert "España" in text and "Ã" not in text


def test_meta_encoding_is_reported_and_text_still_right() -> None:
    folder = shared_path("data", "formats", "html-charset", "goose3")
    expected = json.loads((folder / "test_meta_encoding.json").read_text())
    body = (folder / "test_meta_encoding.html").read_bytes()
    assert declared_encoding(body) == encoding_for_label(expected["meta_encoding"])
    text, _ = decode_html(body)
    assert "en dash: —" in text


def test_qq_gb2312_label_on_utf8_bytes() -> None:
    body = shared_path("data", "formats", "html-charset", "readability-qq", "source.html")
    raw = body.read_bytes()
    assert declared_encoding(raw) == "gbk"
    text, charset = decode_html(raw)
    assert charset == "utf-8"
    assert "DeepMind新电脑已可利用记忆自学" in text


def test_transport_charset_wins_over_meta() -> None:
    words = "Новости дня: правительство объявило о новых мерах"
    body = f'<meta charset="windows-1251"><p>{words}</p>'.encode("koi8-r")
    assert decode_html(body, "KOI8-R") == (body.decode("koi8-r"), "koi8-r")
    assert decode_html(body)[1] == "cp1251"  # the meta alone is believed when bytes allow


def test_byte_order_mark_wins() -> None:
    body = b"\xef\xbb\xbf" + '<meta charset="windows-1252"><p>Астана</p>'.encode()
    assert decode_html(body, "iso-8859-1") == (
        '<meta charset="windows-1252"><p>Астана</p>',
        "utf-8",
    )
    utf16 = "\ufeff<p>Алматы</p>".encode("utf-16-le")
    assert decode_html(utf16)[0] == "<p>Алматы</p>"


def test_latin1_label_is_windows_1252_and_never_fails() -> None:
    body = b"<meta charset=iso-8859-1><p>\x93quoted\x94 \x80 5 and \x81</p>"
    text, charset = decode_html(body)
    assert charset == "cp1252"
    assert "“quoted” € 5 and \x81" in text


def test_undecodable_declared_bytes_are_replaced_and_reported() -> None:
    body = b"<meta charset=shift_jis>" + bytes([0x82, 0xA0, 0xFF, 0xFE, 0x00, 0x81]) * 50
    text, charset = decode_html(body)
    assert is_lossy(charset)
    assert charset.startswith("cp932")
    assert "\ufffd" in text


def test_decode_text_utf8_first_then_sniff() -> None:
    assert decode_text("Қазақстан Республикасы".encode()) == ("Қазақстан Республикасы", "utf-8")
    russian = (
        "Министерство иностранных дел Республики Казахстан считает, что резолюция "
        "Европейского парламента о ситуации в Казахстане не отражает реального положения дел."
    )
    assert decode_text(russian.encode("cp1251")) == (russian, "cp1251")
    assert decode_text(russian.encode("koi8-r"), "koi8-r") == (russian, "koi8-r")
    assert decode_text(b"plain ascii", None) == ("plain ascii", "utf-8")
