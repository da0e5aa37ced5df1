"""Alignment of a signed statement against documents (analyze/fidelity.py, analyze/attribution.py)
and the findings it gives (check/reprints.py). Every statement here is synthetic."""

from __future__ import annotations

import dataclasses

import pytest

from amanat.analyze.fidelity import match, words
from amanat.check.reprints import quote_findings, reprint_finding, stops_mid_sentence
from amanat.model import Claim, Mention, Statement

BODY = ("The Ministry of Foreign Affairs notes discrepancies and inaccuracies in the publications of certain "
        "foreign media outlets about the events of January. No official of the ministry was asked for a "
        "statement before these articles were published. The ministry calls on journalists to rely on verified "
        "sources and on official statements. It stands ready to provide comments and to arrange interviews "
        "with its officials at any time. Accreditation of foreign correspondents continues as before.")
V1 = Statement("https://demo.test/items/1", 1, "demo.test/log", "Demo ministry (synthetic)",
               "Statement on foreign media reports", BODY, "en", "2026-01-10T09:00:00Z")
FILLER = ("Trade between the two countries grew last year, officials said, as new rail links opened across the "
          "steppe and the first container trains reached the port. ")


def test_a_faithful_reprint_inside_an_article_is_verbatim_whatever_its_typography():
    text = "ASTANA, Jan 11 — " + FILLER + BODY.replace("'", "’").replace("  ", " ") + "\n\n" + FILLER
    r = match([V1], "d1", text, published="2026-01-11")
    assert r is not None and r.kind == "reprint"
    assert r.classes == ("verbatim",) and r.share == 1.0 and r.differences == ()
    start, end = r.spans[0]
    assert text[start:end].startswith("The Ministry of Foreign Affairs") and text[start:end].endswith("as before")
    assert reprint_finding(r, V1, text) is None  # a faithful copy is a reprint, not a finding


def test_a_reprint_cut_mid_sentence_and_altered_reports_the_exact_words():
    altered = BODY.replace("certain foreign media outlets", "some foreign media outlets")
    cut = altered[:altered.index(" and to arrange interviews")]
    r = match([V1], "d2", "Magazine, issue 3. " + cut, published="2026-01-15")
    assert r is not None and set(r.classes) == {"truncated", "altered"}
    changed = [d for d in r.differences if d.kind == "changed"]
    assert [(d.statement_text, d.document_text) for d in changed] == [("certain", "some")]
    missing = [d for d in r.differences if d.kind == "missing"]
    assert len(missing) == 1 and missing[0].where == "end" and missing[0].mid_sentence
    assert missing[0].statement_text == BODY[BODY.index("and to arrange"):].rstrip(".")
    f = reprint_finding(r, V1, cut)
    assert f is not None and f.type == "altered-reprint" and f.status == "inconsistent"
    assert "‘certain’ → ‘some’" in f.sentence and "mid-sentence" in f.sentence
    assert {e.role for e in f.evidence} == {"reprint", "signed item"}


def test_a_cut_at_a_sentence_end_is_informational():
    cut = BODY[:BODY.index(" It stands ready")]
    r = match([V1], "d3", cut, published="2026-01-15")
    assert r is not None and r.classes == ("truncated",)
    assert not any(d.mid_sentence for d in r.differences)
    f = reprint_finding(r, V1, cut)
    assert f is not None and f.status == "informational" and "last 2 sentences are missing" in f.sentence


def test_text_put_inside_the_statement_is_an_extension_but_the_articles_own_text_is_not():
    inside = BODY.replace("official statements. ", "official statements. Critics say the ministry itself rarely "
                                                   "answers questions from the press. ")
    r = match([V1], "d4", FILLER * 3 + inside + " " + FILLER * 3, published="2026-01-15")
    assert r is not None and r.classes == ("extended",)
    (d,) = r.differences
    assert d.kind == "inserted" and d.document_text.startswith("Critics say") and d.statement_text == ""


def test_a_short_quote_in_a_long_article_is_a_partial_quote_and_unrelated_text_is_nothing():
    quoted = "No official of the ministry was asked for a statement before these articles were published."
    text = FILLER * 8 + f"The ministry said: “{quoted}” " + FILLER * 8
    r = match([V1], "d5", text, published="2026-01-15")
    assert r is not None and r.kind == "quote" and r.classes == ("partial-quote",)
    assert 0.1 < r.share < 0.3 and text[r.spans[0][0]:r.spans[0][1]] == quoted.rstrip(".")
    unrelated = ("The ministry of emergency situations said that rain is expected in the afternoon in the "
                 "capital and that foreign visitors should check the forecast before travelling. ") * 4
    assert match([V1], "d6", unrelated + FILLER * 4, published="2026-01-15") is None


def test_a_phrase_of_the_statement_in_the_articles_own_lead_does_not_hide_a_quote_after_it():
    """The article's own text shares a few words with the statement ("foreign media outlets")
    some thirty words before it quotes one sentence: the quote is still found, and only it."""
    quoted = "The ministry calls on journalists to rely on verified sources and on official statements."
    text = ("Editors of foreign media outlets met in the capital on Monday to discuss coverage of the region, "
            "and several of them said their correspondents had found it hard to reach officials during the "
            "week of the unrest and the days that followed it. "
            f"In its statement the ministry said: “{quoted}” The meeting ended without a joint declaration.")
    r = match([V1], "d7", text, published="2026-01-15")
    assert r is not None and r.kind == "quote"
    assert [text[a:b] for a, b in r.spans] == [quoted.rstrip(".")]


def test_a_faithful_copy_of_a_corrected_version_is_verbatim_of_that_version():
    v2 = dataclasses.replace(V1, version=2, body=BODY.replace("January", "February"), published="2026-01-12T08:00:00Z")
    copy_of_v1 = FILLER + BODY
    r = match([V1, v2], "d7", copy_of_v1, published="2026-01-20")
    assert r is not None and r.version == 1 and r.latest_version == 2 and r.classes == ("verbatim",)
    f = reprint_finding(r, V1, copy_of_v1)
    assert f is not None and f.type == "reprint-of-corrected" and f.status == "informational"
    # dated before the correction, only version 1 could be copied: no later version to name
    r = match([V1, v2], "d8", copy_of_v1, published="2026-01-11")
    assert r is not None and r.version == 1 and r.latest_version == 1
    # a copy of version 2 is verbatim of version 2
    r = match([V1, v2], "d9", FILLER + v2.body, published="2026-01-20")
    assert r is not None and r.version == 2 and r.classes == ("verbatim",)


def test_a_reprint_of_a_withdrawn_item_says_so():
    gone = Statement(V1.uri, 2, V1.origin, V1.publisher, V1.headline, "", "en", "2026-01-13T00:00:00Z",
                     status="canceled", note="issued in error")
    r = match([V1, gone], "d10", BODY, published="2026-01-20")
    assert r is not None and r.withdrawn == {"version": 2, "published": "2026-01-13T00:00:00Z",
                                             "reason": "issued in error"}
    f = reprint_finding(r, V1, BODY)
    assert f is not None and f.type == "reprint-of-withdrawn" and "withdrawn" in f.sentence


def test_a_copy_credited_to_another_organisation_is_misattributed_only_when_the_publisher_has_an_entity():
    lead = "The Ministry of Defence said in a statement: "
    text = lead + BODY
    other = Mention(4, 23, "Ministry of Defence", "organization", "org:defence")
    own = dataclasses.replace(V1, speaks_for="org:foreign")
    r = match([own], "d11", text, mentions=[other])
    assert r is not None and "misattributed" in r.classes
    assert r.attribution["credited"][0]["entity"] == "org:defence"
    f = reprint_finding(r, own, text)
    assert f is not None and f.type == "misattributed-reprint" and "Ministry of Defence" in f.sentence
    assert "misattributed" not in match([own], "d11", text, mentions=[dataclasses.replace(other, entity_id="org:foreign")]).classes
    assert "misattributed" not in match([V1], "d11", text, mentions=[other]).classes  # no declared entity
    far = FILLER * 4 + text.replace(lead, "")  # a mention far from the copy credits nothing
    assert match([own], "d11", far, mentions=[Mention(4, 10, "x", "organization", "org:defence")]).attribution is None


@pytest.mark.parametrize("variant", ["50 per cent", "50 percent", "50%"])
def test_equivalent_spellings_are_not_changes(variant):
    statement = dataclasses.replace(V1, body=BODY + " Exports rose by 50% in the year to December.")
    text = statement.body.replace("50%", variant).replace("Ministry", "ministry")
    r = match([statement], "d12", text)
    assert r is not None and r.classes == ("verbatim",)
    assert [w.norm for w in words("50 per cent")] == [w.norm for w in words("50%")]


def test_unverified_and_cut_quotes():
    text = "“We will publish the full list of accredited outlets next week,” the ministry said. “We call on the"
    q1 = Claim("quote", 1, text.index(",”"), text[1:text.index(",”")], {"speaker": "the ministry", "entity": "org:foreign"})
    start = text.rindex("“") + 1
    q2 = Claim("quote", start, len(text), text[start:], {"speaker": "the ministry", "entity": "org:foreign"})
    found = quote_findings("d13", text, [q1, q2], {"org:foreign": [V1]})
    unverified = [f for f in found if f.type == "unverified-quote"]
    assert unverified and all(f.status == "undetermined" for f in unverified)
    assert q1.text in [f.evidence[0].text for f in unverified]
    assert [f.evidence[0].text for f in found if f.type == "quote-cut"] == [q2.text]
    assert all(f.status == "informational" for f in found if f.type == "quote-cut")
    # a quote of what the publisher did publish is verified
    said = "No official of the ministry was asked for a statement before these articles were published"
    t2 = f"“{said},” the ministry said."
    q3 = Claim("quote", 1, 1 + len(said), said, {"speaker": "the ministry", "entity": "org:foreign"})
    assert quote_findings("d14", t2, [q3], {"org:foreign": [V1]}) == []
    assert stops_mid_sentence("we call on the") and not stops_mid_sentence("we call on everyone.")
