"""The findings list's filters, as one model for the page, the feeds and the API.

The page and the feeds keep their filters in the URL's query string (a filtered list can be
bookmarked, shared and subscribed to); the API takes the same names. Every value is checked
here, so a bad one is a 400 that says which, never a query that fails in the database.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Self
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from amanat.model import FindingStatus
from amanat.store.findings import Review, Selection

FIELDS = ("type", "status", "source", "story", "since", "until", "review")
PAGE_SIZE = 25
MAX_PAGE = 10_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FindingFilters(BaseModel):
    """Which findings: type, status, outlet, story, days first seen, review state."""

    model_config = ConfigDict(extra="forbid")
    type: str | None = Field(None, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$",
                             description="Only this type, e.g. title-at-date.")
    status: FindingStatus | None = Field(None, description="Only this status.")
    source: str | None = Field(None, max_length=255, description="Only findings on documents of this outlet (its key).")
    story: str | None = Field(None, pattern=r"^[0-9a-f]{1,64}$", description="Only findings of this story id.")
    since: date | None = Field(None, description="First seen on or after this day (YYYY-MM-DD, UTC).")
    until: date | None = Field(None, description="First seen on or before this day (YYYY-MM-DD, UTC).")
    review: Review | None = Field(None, description="open (no decision yet), confirmed, dismissed, reviewed or any.")

    @field_validator("source")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("control characters are not allowed")
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Self:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    @classmethod
    def from_query(cls, params: dict[str, str], *, default_review: Review | None = None) -> FindingFilters:
        """From a query string's values (empty ones ignored); raises pydantic's ValidationError."""
        values: dict[str, str] = {k: v for k, v in params.items() if k in FIELDS and v.strip()}
        made = cls.model_validate(values)
        if made.review is None and default_review is not None:
            made = made.model_copy(update={"review": default_review})
        return made

    def selection(self, document: str | None = None) -> Selection:
        return Selection(type=self.type, status=self.status, source=self.source, story=self.story,
                         document=document, since=self.since, until=self.until, review=self.review)

    def query(self, **extra: str | int) -> str:
        """These filters (and ``extra``) as a query string, for links that keep them."""
        pairs = {k: str(v) for k in FIELDS if (v := getattr(self, k)) is not None}
        pairs |= {k: str(v) for k, v in extra.items()}
        return urlencode(pairs)
