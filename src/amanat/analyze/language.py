"""Which language a text is written in: ISO 639-1 code, or None when unsure.

Compact Language Detector 2 (pycld2) was chosen by measurement (``bench/bench_language.py``):
on 2 KB texts it is one to two orders of magnitude faster than py3langid and lingua, and it
was as accurate on the seeds and on the multilingual feeds (Russian, Bulgarian, Greek,
Hebrew, Chinese, Japanese, Korean, Hungarian, English). It also says when it is not sure
(too little text, mixed scripts), which lets this function answer None instead of guessing.
"""

from __future__ import annotations

import re

import pycld2

MIN_LETTERS = 20  # below this, no detector is reliable: titles and captions get None

# CLD2 still uses some withdrawn codes; map them to current ISO 639-1.
_RENAMED = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "mo": "ro"}
# CLD2 refuses C0/C1 controls and unpaired surrogates; they carry no language anyway.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the main language of ``text``, None if too short or unreliable."""
    if sum(ch.isalpha() for ch in text[: 4 * MIN_LETTERS]) < MIN_LETTERS and (
        sum(ch.isalpha() for ch in text) < MIN_LETTERS
    ):
        return None
    clean = _UNSAFE.sub(" ", text)
    try:
        reliable, _, details = pycld2.detect(clean)
    except pycld2.error:
        return None
    code, percent = details[0][1], details[0][2]
    # CLD2's own flag is strict on short texts (a 120-character Russian headline with 40%
    # punctuation and digits is "unreliable"); a single language covering at least half the
    # text, with no other second language, is still a safe answer.
    second = details[1][1].split("-")[0]
    sure = reliable or (percent >= 50 and second in ("un", code.split("-")[0]))
    if not sure or code in ("un", "xxx") or code.startswith("xx-"):
        return None
    code = code.split("-")[0].lower()
    code = _RENAMED.get(code, code)
    return code if len(code) == 2 else None
