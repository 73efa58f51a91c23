"""Citations of an archived article in RIS, BibTeX and CSL-JSON, and formatted for reading.

Each cites the archived copy it describes — the time of the capture, this archive's address
for that capture and the record's revision — rather than the day it was downloaded, so that
everyone citing the same copy writes the same reference.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from archive.names import person_name
from archive.times import parse_utc
from crawler import sites

ARCHIVE = "newsarchive"
STYLE = "harvard-cite-them-right"  # the author-date style citeproc-py ships
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    **{c: "\\" + c for c in "{}&%$#_"},
}
KEY_SKIPPED_WORDS = frozenset({"a", "an", "the"})


@dataclass(frozen=True)
class ArchivedCopy:
    """The capture a citation points to."""

    captured_at: str  # ISO 8601 in UTC, as the store keeps it
    address: str  # this archive's address of the capture
    revision: int

    @property
    def date_parts(self) -> list[int]:
        return [int(part) for part in self.captured_at[:10].split("-")]

    @property
    def note(self) -> str:
        captured = f"{parse_utc(self.captured_at):%Y-%m-%dT%H:%M:%SZ}"  # to the second: what identifies it
        return f"Archived copy: {self.address} ({ARCHIVE}, captured {captured}, revision {self.revision})"


def archived_copy(found: dict, address_of: Callable[[int], str]) -> ArchivedCopy:
    """The latest capture that shows the article's current revision; `address_of` gives a
    capture's address from its id."""
    current = found["revisions"][-1]
    shown = [c for c in found["captures"] if c["revision"] == current["number"]]
    if not shown:  # a revision stored without a capture of its own (a page parsed from a file): its own time
        return ArchivedCopy(
            current["captured_at"],
            address_of(current["capture_id"]) if current["capture_id"] else "(no capture kept)",
            current["number"],
        )
    latest = max(shown, key=lambda c: c["fetched_at"])
    return ArchivedCopy(latest["fetched_at"], address_of(latest["id"]), current["number"])


def _paper(record: dict) -> str:
    return sites.paper_name(str(record.get("site") or ""))


def _names(record: dict) -> list[str]:
    return record.get("authors") or []


def _date_parts(record: dict) -> list[int]:
    published = record.get("published") or ""
    return [int(p) for p in published[:10].split("-")] if published else []


def _ris_name(name: str) -> str:
    person = person_name(name)
    return f"{person.family}, {person.given}" if person else name


def ris(record: dict, copy: ArchivedCopy) -> str:
    lines = ["TY  - NEWS", f"TI  - {record.get('headline') or ''}"]
    lines += [f"AU  - {_ris_name(name)}" for name in _names(record)]
    if record.get("published"):
        lines.append(f"DA  - {record['published'][:10].replace('-', '/')}")
        lines.append(f"PY  - {record['published'][:4]}")
    lines += [
        f"T2  - {_paper(record)}",
        f"UR  - {record['url']}",
        f"Y2  - {copy.captured_at[:10].replace('-', '/')}",
        f"DB  - {ARCHIVE}",
        f"AN  - {copy.address}",
        f"N1  - {copy.note}",
        "ER  - ",
    ]
    return "\r\n".join(lines) + "\r\n"


def _bib_escape(text: str) -> str:
    return "".join(BIB_SPECIAL.get(c, c) for c in text)


def _bib_name(name: str) -> str:
    person = person_name(name)
    return f"{_bib_escape(person.family)}, {_bib_escape(person.given)}" if person else f"{{{_bib_escape(name)}}}"


def _key_stem(record: dict) -> str:
    names = _names(record)
    if names:
        person = person_name(names[0])
        word = person.family if person else names[0]
    else:
        word = next((w for w in (record.get("headline") or "").split() if w.lower() not in KEY_SKIPPED_WORDS), "")
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", word).lower()) or "article"


def citation_key(record: dict) -> str:
    """Unique per article and the same on every download: the first author's family name
    (or the first word of the headline), the year and a short hash of the address."""
    digest = hashlib.sha256(record["url"].encode()).hexdigest()[:6]
    return f"{_key_stem(record)}{(record.get('published') or '')[:4]}-{digest}"


def bibtex(record: dict, copy: ArchivedCopy) -> str:
    """An @article entry that classic BibTeX (year, month, note) and biblatex (date, urldate)
    both read; `url` is the address as it is, since url and hyperref read it verbatim."""
    published = _date_parts(record)
    fields = [
        ("title", _bib_escape(record.get("headline") or "")),
        ("author", " and ".join(_bib_name(name) for name in _names(record))),
        ("journal", _bib_escape(_paper(record))),
        ("year", str(published[0]) if published else ""),
        ("date", (record.get("published") or "")[:10]),
        ("url", record["url"]),
        ("urldate", copy.captured_at[:10]),
        ("note", _bib_escape(copy.note)),
    ]
    lines = [f"  {name} = {{{value}}}" for name, value in fields if value]
    if published:
        lines.append(f"  month = {MONTHS[published[1] - 1]}")  # the month macros both know
    body = ",\n".join(lines)
    return f"@article{{{citation_key(record)},\n{body}\n}}\n"


def _csl_name(name: str) -> dict:
    person = person_name(name)
    return {"family": person.family, "given": person.given} if person else {"literal": name}


def csl_json(record: dict, copy: ArchivedCopy) -> list[dict]:
    item = {
        "id": citation_key(record),
        "type": "article-newspaper",
        "title": record.get("headline"),
        "container-title": _paper(record),
        "URL": record["url"],
        "accessed": {"date-parts": [copy.date_parts]},
        "archive": ARCHIVE,
        "archive_location": copy.address,
        "note": copy.note,
    }
    if _names(record):
        item["author"] = [_csl_name(name) for name in _names(record)]
    if _date_parts(record):
        item["issued"] = {"date-parts": [_date_parts(record)]}
    return [item]


def formatted(record: dict, copy: ArchivedCopy) -> str:
    """The citation as plain text in an author-date style, the archived copy after it (the
    style has no place for it). Plain, as citeproc-py's HTML leaves the archived text
    unescaped; the page escapes it. The style is read afresh each time (about a millisecond),
    as citeproc-py keeps the state of a rendering in it and pages are served by many threads."""
    items = csl_json(record, copy)
    style = CitationStylesStyle(STYLE, locale="en-GB", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    bibliography.register(Citation([CitationItem(items[0]["id"])]))
    return f"{bibliography.bibliography()[0]} {copy.note}."
