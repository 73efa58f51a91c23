"""Records the parser produces and everything downstream keeps.

The JSON form of these records is the project's public schema, which archive/fields.py builds
(docs/record.schema.json is a copy): exports, the API and the ground truth of the sample site
all use it, so a field here changes only together with its row there.
"""

from __future__ import annotations

import dataclasses
from dataclasses import MISSING, asdict, dataclass, field
from typing import Any


@dataclass
class Image:
    """One photograph of an article, its caption and its credit kept apart."""

    url: str
    caption: str | None = None
    credit: str | None = None


@dataclass
class Article:
    """One article page as a careful reader would write it down."""

    url: str
    site: str
    era: str
    language: str
    headline: str | None
    standfirst: str | None = None
    authors: list[str] = field(default_factory=list)
    byline: str | None = None
    published: str | None = None
    published_precision: str | None = None
    updated: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    word_count: int = 0
    fetched_url: str | None = None
    fetched_at: str | None = None
    warnings: list[str] = field(default_factory=list)
    provisional: bool = False  # a generic extractor read the page, whole (no template matched) or in part

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        fields = dict(data)
        fields["images"] = [Image(**image) for image in data.get("images", [])]
        return cls(**fields)


def completed(record: dict[str, Any]) -> dict[str, Any]:
    """A stored record (the JSON schema) with every field of this model: one stored before a
    field existed gets the field's default (provisional: false), so that pages, exports and the
    index read old and new records alike."""
    missing = {
        row.name: row.default_factory() if callable(row.default_factory) else row.default
        for row in dataclasses.fields(Article)
        if row.name not in record and (row.default is not MISSING or callable(row.default_factory))
    }
    return record | missing if missing else record


@dataclass
class MostViewedEntry:
    """One ranked line of the "Most viewed" sidebar."""

    rank: int
    url: str
    title: str
    teaser: str | None = None


@dataclass
class MostViewedSnapshot:
    """The sidebar as it stood when a page was fetched: a property of that moment."""

    site: str
    seen_at: str
    page_url: str
    entries: list[MostViewedEntry] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MostViewedSnapshot:
        fields = dict(data)
        fields["entries"] = [MostViewedEntry(**entry) for entry in data.get("entries", [])]
        return cls(**fields)


@dataclass
class ParsedPage:
    """What one page yields: an article (if it is one) and a sidebar (if it shows one)."""

    article: Article | None
    most_viewed: MostViewedSnapshot | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article.to_dict() if self.article else None,
            "most_viewed": self.most_viewed.to_dict() if self.most_viewed else None,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParsedPage:
        return cls(
            article=Article.from_dict(data["article"]) if data.get("article") else None,
            most_viewed=MostViewedSnapshot.from_dict(data["most_viewed"]) if data.get("most_viewed") else None,
            warnings=list(data.get("warnings", [])),
        )
