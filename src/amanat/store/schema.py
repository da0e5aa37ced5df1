"""The tables, as SQLAlchemy Core metadata: the one schema for SQLite and PostgreSQL.

Alembic migrations (``store/migrations``) create and evolve these tables; this module is what
the code queries. Keep both in step: a test compares a freshly migrated database with it.

Documents are versions: one row per (canonical URL, content hash). ``seq`` is an integer key
so SQLite's FTS5 index can point at rows; ``id`` is the public, deterministic identifier.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sources = Table(
    "sources",
    metadata,
    Column("key", String(255), primary_key=True),  # registered domain, or a name for local files
    Column("name", Text),
    Column("country", String(8)),  # ISO 3166-1 alpha-2, set by the user
    Column("language", String(16)),  # main language: the bundled table, else what its feed or pages declare
    Column("kind", String(16), nullable=False),  # web | local | feed
    Column("first_seen", DateTime(timezone=True), nullable=False),
)

raw = Table(
    "raw",
    metadata,
    # sha256 of the payload bytes: the same bytes are kept once, whatever URL they came from
    Column("digest", String(64), primary_key=True),
    Column("media_type", String(100), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("codec", String(16), nullable=False),  # zstd | none | ref
    Column("data", LargeBinary),  # compressed payload, NULL when kept by reference
    Column("ref_path", Text),  # for WARC input: the file ...
    Column("ref_offset", BigInteger),  # ... the record's byte offset ...
    Column("ref_length", BigInteger),  # ... and its length in the file
    Column("ref_digest", String(100)),  # the record's own digest (WARC-Payload-Digest)
)

documents = Table(
    "documents",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(16), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("canonical_url", Text, nullable=False),
    Column("source", String(255), ForeignKey("sources.key"), nullable=False),
    Column("title", Text),
    Column("byline", Text),
    Column("published", String(32)),  # ISO 8601 at its precision; NULL when unknown
    Column("published_precision", String(16)),
    Column("published_source", String(16)),
    Column("language", String(16)),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("origin", Text, nullable=False),
    Column("fetched", DateTime(timezone=True)),
    Column("ingested", DateTime(timezone=True), nullable=False),
    Column("raw_digest", String(64), ForeignKey("raw.digest")),
    Column("version", Integer, nullable=False),  # 1, 2, … per canonical_url
    Column("previous_id", String(16)),  # the version this one replaced
    Column("latest", Boolean, nullable=False, server_default=true()),  # no newer version yet
    Index(None, "canonical_url"),
    # copies by content, and the content-group counter's "this content at this URL already?"
    Index(None, "content_hash", "canonical_url"),
    Index(None, "source"),
    Index(None, "published"),
    Index(None, "language"),
    # the entity page dates the thousands of documents naming it from the index alone
    Index("ix_documents_id_published", "id", "published"),
)

# What the store holds, in aggregate, kept by triggers as documents and sources are written
# (migration 0014; read by store.counters): documents, undated, articles, content_groups,
# sources, and language:<code> per language.
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# One row per input payload seen, so a re-run can skip what it already did before extraction.
seen = Table(
    "seen",
    metadata,
    Column("url", Text, nullable=False, primary_key=True),
    Column("raw_digest", String(64), nullable=False, primary_key=True),
    Column("document_id", String(16)),  # NULL when the payload gave no document (reason below)
    Column("outcome", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# API access tokens (see store/tokens.py): only a SHA-256 digest of each token is kept, never
# the token; ``id`` is the public part that names a token in lists and revocations.
tokens = Table(
    "tokens",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("publisher", Text, nullable=False),
    Column("scope", String(16), nullable=False),  # read | ingest | publish | admin
    Column("created", DateTime(timezone=True), nullable=False),
    Column("revoked", DateTime(timezone=True)),  # NULL while the token is valid
)

# --- provenance: publishers, their append-only logs, checkpoints (see amanat.provenance.log)

publishers = Table(
    "publishers",
    metadata,
    Column("origin", String(255), primary_key=True),  # the log origin, e.g. example.org/log
    Column("name", Text, nullable=False),
    Column("checkpoint_vkey", Text, nullable=False),  # signed-note verifier key of the log
    Column("size", BigInteger, nullable=False),  # number of entries in the log
    Column("local", Boolean, nullable=False),  # this node holds the publisher's private keys
    Column("created", DateTime(timezone=True), nullable=False),
    Column("speaks_for", String(255)),  # the KB entity this (own) publisher speaks for, set explicitly
)

log_entries = Table(
    "log_entries",
    metadata,
    Column("origin", String(255), ForeignKey("publishers.origin"), primary_key=True),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # publisher | key-event | item
    Column("kid", String(64), nullable=False),
    Column("token", Text, nullable=False),  # the compact JWS; the leaf is its ASCII bytes
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("item_uri", Text),
    Column("item_version", Integer),
    Column("pub_status", String(16)),
    Column("created", DateTime(timezone=True), nullable=False),
    Index(None, "item_uri"),
)

# Hashes of complete subtrees (level ≥ 1): leaves [idx·2^level, (idx+1)·2^level). With them a
# proof needs O(log n) lookups, whatever the size of the log.
log_subtrees = Table(
    "log_subtrees",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),  # the signed note, as served
    Column("created", DateTime(timezone=True), nullable=False),
)

# --- exchange: followed partner nodes, cosignatures, sync problems, push subscriptions
# (see amanat.exchange; a followed partner's log itself lives in publishers/log_entries with
# local = false, and its checkpoints are the partner's own signed notes)

partners = Table(
    "partners",
    metadata,
    Column("origin", String(255), primary_key=True),  # the partner log's origin (pinned)
    Column("url", Text, nullable=False),  # base URL of the partner node
    Column("checkpoint_vkey", Text, nullable=False),  # pinned signed-note verifier key of its log
    Column("pinned_kid", String(64)),  # a key id that signed its publisher document, if pinned
    Column("tofu", Boolean, nullable=False),  # accepted on first use, not pinned out of band
    Column("witness_vkey", Text),  # the partner's cosigner key, when it witnesses our logs
    Column("verified_size", BigInteger, nullable=False),  # last checkpoint verified …
    Column("verified_root", String(64)),  # … its root (base64) …
    Column("verified_note", Text),  # … the signed note as received …
    Column("verified_at", DateTime(timezone=True)),  # … and when
    Column("last_sync", DateTime(timezone=True)),
    Column("last_status", String(16)),  # ok | problem | error
    Column("last_error", Text),
    Column("push_secret", String(128)),  # HMAC secret of our push subscription to it
    Column("created", DateTime(timezone=True), nullable=False),
    Column("speaks_for", String(255)),  # the KB entity its publisher speaks for, set when followed
)

# Cosignatures on checkpoints: those this node made on logs it follows (``made`` true) and
# those its witnesses made on its own logs (``made`` false). ``line`` is the signature line.
cosignatures = Table(
    "cosignatures",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("cosigner", String(255), primary_key=True),  # the cosigner key name
    Column("vkey", Text, nullable=False),
    Column("timestamp", BigInteger, nullable=False),  # POSIX seconds, as signed
    Column("line", Text, nullable=False),
    Column("made", Boolean, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

# What sync found wrong: one row per detection, kept (a report, not a state).
exchange_problems = Table(
    "exchange_problems",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(255), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("message", Text, nullable=False),
    Column("entry_index", BigInteger),
    Column("size", BigInteger),
    Index(None, "origin"),
)

# WebSub-style subscribers to this node's logs (topic = log origin).
subscriptions = Table(
    "subscriptions",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("callback", Text, primary_key=True),
    Column("secret", String(128), nullable=False),
    Column("notified_size", BigInteger, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

# This node's own cosigner (witness) public key; the private key stays in the key directory.
witness_keys = Table(
    "witness_keys",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("vkey", Text, nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

# --- knowledge base imports and mentions (see amanat.kb.commands) -------------------------

# Each `amanat kb import` keeps the imported base as an amanat-kb export, so the node's
# knowledge base (starter + imports) can be rebuilt anywhere from the store alone.
kb_imports = Table(
    "kb_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),  # the file it came from
    Column("imported", DateTime(timezone=True), nullable=False),
    Column("entities", Integer, nullable=False),
    Column("facts", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),  # zstd-compressed amanat-kb JSON
)

# Mentions found in a document, with their link (or candidates) and the role around them.
mentions = Table(
    "mentions",
    metadata,
    Column("document_id", String(16), ForeignKey("documents.id"), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),  # order in the document
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("entity_id", String(255)),  # NULL: unlinked (see candidates)
    Column("candidates", Text, nullable=False),  # JSON list of [entity id, score]
    Column("role", Text),
    Column("role_start", Integer),
    Column("role_end", Integer),
    Column("marker", String(16)),
    Column("score", Float),
    Column("method", String(16)),
    Column("nested", Boolean, nullable=False),
    Column("kb_version", String(64), nullable=False),  # which knowledge base linked it
    Index(None, "entity_id"),
)

# Claims found in a document (amanat.analyze.claims): type, span, and the type's fields as JSON.
claims = Table(
    "claims",
    metadata,
    Column("document_id", String(16), ForeignKey("documents.id"), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),  # order in the document
    Column("type", String(16), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("fields", Text, nullable=False),  # JSON object: measure, value, speaker, date…
    Column("extractor", String(64), nullable=False),  # name@version
    Index(None, "type"),
)

# Which analysis pass ran on which document, at which version: what makes `amanat analyze`
# incremental (a document is analysed again when it is new or a pass's version changed).
analysis_runs = Table(
    "analysis_runs",
    metadata,
    Column("document_id", String(16), ForeignKey("documents.id"), primary_key=True),
    Column("pass_name", String(32), primary_key=True),
    Column("version", String(255), nullable=False),
    Column("status", Text),  # NULL when analysed; else why not ("not analysed for claims (language ru)")
    Column("analysed", DateTime(timezone=True), nullable=False),
)

# Findings of the checks (amanat.check): one row per finding id, kept across re-checks so that
# first_seen and a reviewer's decision stay with it; ``current`` is false once a re-check no
# longer finds it.
findings = Table(
    "findings",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("document_id", String(16), ForeignKey("documents.id"), nullable=False),
    Column("check_name", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("sentence", Text, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON list of {document_id, start, end, text, role}
    Column("facts", Text, nullable=False),  # JSON list of the facts used, with sources and tier
    Column("judged_at", String(10)),
    Column("date_source", Text),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("current", Boolean, nullable=False),
    Column("story_id", String(16)),  # cross-source findings: the story compared (document_id is one of its)
    Index(None, "document_id"),
    Index(None, "status"),
    Index(None, "story_id"),
    Index("ix_findings_first_seen", "first_seen", "id"),  # lists and feeds page newest first
    Index("ix_findings_type_status_current", "type", "status", "current"),  # the tally, the type filter
    # an entity's findings (through finding_entities) counted and paged from the index alone
    Index("ix_findings_id_current_first_seen", "id", "current", "first_seen"),
    # the API's list pages oldest first, all current findings or one type's: walked in order
    # from the index alone, so a page (and its total) reads no finding's evidence and facts
    Index("ix_findings_current_first_seen_id", "current", "first_seen", "id"),
    Index("ix_findings_type_current_first_seen_id", "type", "current", "first_seen", "id"),
)

# Which knowledge-base entities each finding's record facts name (as subject, object or
# entity): what the entity page's "findings involving it" reads through an index instead of
# searching every finding's facts. Written with the finding (store.findings.replace).
finding_entities = Table(
    "finding_entities",
    metadata,
    Column("finding_id", String(16), primary_key=True),
    Column("entity_id", String(255), primary_key=True),
    Index(None, "entity_id"),
)

# A reviewer's decision on a finding (amanat findings confirm|dismiss), kept by finding id.
finding_reviews = Table(
    "finding_reviews",
    metadata,
    Column("finding_id", String(16), primary_key=True),
    Column("decision", String(16), nullable=False),  # confirmed / dismissed
    Column("note", Text, nullable=False),
    Column("reviewer", String(255), nullable=False),
    Column("decided", DateTime(timezone=True), nullable=False),
)

# --- reprints (amanat.check.reprint_runs): signed statements found in stored documents --------

# One row per document and signed item it reprints or quotes, kept across re-matching (like
# findings: ``current`` is false once a match no longer finds it). ``detail`` is the JSON of
# the alignment (model.Reprint.as_dict()) with the finding it gave, if any.
reprints = Table(
    "reprints",
    metadata,
    Column("item_uri", String(512), primary_key=True),
    Column("document_id", String(16), ForeignKey("documents.id"), primary_key=True),
    Column("origin", String(255), nullable=False),  # the item's log
    Column("version", Integer, nullable=False),  # the version the document reproduces best
    Column("kind", String(8), nullable=False),  # reprint | quote
    Column("classes", String(128), nullable=False),  # comma-separated: verbatim, truncated, altered, …
    Column("share", Float, nullable=False),  # the part of the statement the document has
    Column("detail", Text, nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("current", Boolean, nullable=False),
    Index(None, "document_id"),
)

# Which item versions (log entries) were matched against the stored corpus, and up to which
# document: what makes matching new items incremental (new documents are matched as they come).
reprint_matched = Table(
    "reprint_matched",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("documents_seq", BigInteger, nullable=False),  # documents.seq covered at the time
    Column("matched", DateTime(timezone=True), nullable=False),
)

# Stories (amanat.analyze.stories): documents grouped by the event they report. ``id`` is the
# hash of the id of the document that started the story; ``state`` is the grouping's JSON
# representation of it (features, reports and their sketches), what the next run starts from.
stories = Table(
    "stories",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("title", Text, nullable=False),
    Column("first_published", String(10)),  # ISO date of its earliest dated document
    Column("last_published", String(10)),
    Column("documents", Integer, nullable=False),
    Column("reports", Integer, nullable=False),  # wire copy counts once
    Column("sources", Integer, nullable=False),
    Column("updated", DateTime(timezone=True), nullable=False),
    Column("state", Text, nullable=False),
    Index(None, "last_published"),
)

# Which story each document is in (one story per document), and which report of it.
story_documents = Table(
    "story_documents",
    metadata,
    Column("document_id", String(16), ForeignKey("documents.id"), primary_key=True),
    Column("story_id", String(16), ForeignKey("stories.id"), nullable=False),
    Column("report_key", String(16), nullable=False),  # id of the report's first document
    Column("joined", DateTime(timezone=True), nullable=False),
    Index(None, "story_id"),
)

# How many reports carry each grouping feature (the IDF's document frequencies), kept so a
# run need not load every story to weigh a feature.
story_features = Table(
    "story_features",
    metadata,
    Column("feature", String(255), primary_key=True),
    Column("reports", Integer, nullable=False),
)
