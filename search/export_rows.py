"""The documented columns of a result-set export, shared by the web front-end and the command
line so both write the same rows: UTF-8, ISO dates, several values joined by |, a yes or no as
true or false, and cells a spreadsheet would run as a formula prefixed with an apostrophe. The
columns are the fields of a hit that archive/fields.py exports, in the order it gives them."""

from __future__ import annotations

from dataclasses import asdict

from archive.fields import flag_text
from search.service import HIT_FIELDS, Hit

COLUMNS = [row.name for row in sorted((row for row in HIT_FIELDS if row.export), key=lambda row: row.export)]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A value as its cell: a list joined by |, a yes or no as true or false; a cell a
    spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, list):
        text = "|".join(value)
    elif isinstance(value, bool):
        text = flag_text(value)
    else:
        text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(hit: Hit) -> list[str]:
    fields = asdict(hit)
    return [neutralise(fields[c]) for c in COLUMNS]


def json_row(hit: Hit) -> dict:
    fields = asdict(hit)
    return {c: fields[c] for c in COLUMNS}
