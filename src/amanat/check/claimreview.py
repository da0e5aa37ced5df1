"""Findings as schema.org ClaimReview JSON-LD, the form fact-checkers publish reviews in.

The rating is textual (``alternateName``), in the neutral words fact-checkers use for a
statement set against a record — "Contradicts the record", "Inconsistent within the
article", "Undetermined by the record" — never "False": the review says what the record
shows, with its sources, not who is right.
"""

from __future__ import annotations

from typing import Any

from amanat.store.db import Store

RATINGS = {
    "contradicted": "Contradicts the record",
    "inconsistent": "Inconsistent within the article",
    "informational": "Differs from the record (informational)",
    "undetermined": "Undetermined by the record",
}


def claim_review(finding: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """One ClaimReview for one finding on ``document`` (a stored document's dict)."""
    appearance: dict[str, Any] = {"@type": "CreativeWork", "url": document["url"]}
    if document.get("title"):
        appearance["headline"] = document["title"]
    if document.get("published"):
        appearance["datePublished"] = document["published"]
    if document.get("source"):
        appearance["publisher"] = {"@type": "Organization", "name": document["source"]}
    sources = sorted({f.get("source_title") or f.get("source") for f in finding["facts"] if f.get("source")} - {None})
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "identifier": finding["id"],
        "url": f"urn:amanat:finding:{finding['id']}",
        "datePublished": (finding.get("first_seen") or "")[:10] or None,
        "author": {"@type": "Organization", "name": "Amanat node"},
        "claimReviewed": " … ".join(e["text"] for e in finding["evidence"]),
        "reviewBody": finding["sentence"],
        "reviewRating": {"@type": "Rating", "alternateName": RATINGS[finding["status"]],
                         "ratingExplanation": finding["sentence"]},
        "itemReviewed": {"@type": "Claim", "appearance": [appearance],
                         **({"datePublished": document["published"]} if document.get("published") else {})},
        "citation": [{"@type": "CreativeWork", "name": s} for s in sources],
    }


def claim_reviews(store: Store, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    out = []
    for f in findings:
        if f["document_id"] not in documents:
            documents[f["document_id"]] = store.get(f["document_id"]).as_dict()
        out.append(claim_review(f, documents[f["document_id"]]))
    return out
