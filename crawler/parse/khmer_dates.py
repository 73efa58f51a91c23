"""Dates printed in Khmer (postkhmer.com, the Post's Khmer edition), read to aware datetimes.

Pure functions: strings in, values out; no I/O, no clock. The paper's zone is passed in.

What the real site prints as an article's date is NOT evidenced (no captured Khmer page is in
the project), so every form below is read because it is plausible, not because it was seen:

- the long form "ថ្ងៃសុក្រ ទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ០៨:២០" (weekday, ទី/ថ្ងៃទី before the
  day, ខែ before the month, ឆ្នាំ before the year, ម៉ោង before the time; each marker optional),
  which the sample site renders;
- the short form "១៤ តុលា ២០១៦", with "|", ",", "-", "/" or "." between the parts;
- month first, "តុលា ១៤, ២០១៦" (a guess, after the English edition's "March 5, 2024");
- numbers only, "១៤/១០/២០១៦" read day/month/year (a guess: Cambodia writes the day first),
  and "២០១៦-១០-១៤" read year-month-day;
- English forms ("Fri, 14 October 2016", "Publication date 15 August 2018 | 08:20 ICT"),
  handed to `common.parse_printed_date`, but only when an English month name is printed:
  numbers alone separated by spaces ("១៤ ១០ ២០១៦") are not read, since dateutil would read
  them month first.

Digits may be Khmer or ASCII, mixed; zero-width characters are dropped and non-breaking
spaces are spaces. Month names are read in their usual spellings (KHMER_MONTH_SPELLINGS):
កុម្ភៈ also with REAHMUK (កុម្ភះ) or bare (កុម្ភ), វិច្ឆិកា also in the common mis-typed
order វិចិ្ឆកា. Weekdays are not read: the date's numbers decide.

Times: "០៨:២០", "៨.២០", "០៨:២០:១៥", "ម៉ោង ៨" (hour only, only after ម៉ោង, also typed មោ៉ង) and
"ម៉ោង ៨ និង ២០ នាទី", after the date (before the next date on the line) or else before it.
A period word after the time (or before ម៉ោង) turns a 12-hour time into a 24-hour one — a
guess at how the paper would print it: ព្រឹក/ភ្លឺ (morning) keep the hour; រសៀល (afternoon),
ល្ងាច (evening) and យប់ (night) add 12 to hours 1–11; ថ្ងៃត្រង់ (noon) adds 12 to hours 1–5 only
(១ ថ្ងៃត្រង់ is 13:00, ១១ ថ្ងៃត្រង់ is 11:00). Hour 12 and hours 13–23 stay as printed whatever
the word, so "១២ យប់" reads as 12:00, not midnight. AM/PM keep their English meaning.

A date that cannot exist (day 31 of កុម្ភៈ, hour 25, minute 60) gives None, never an exception.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo

from crawler.parse import common

KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"
TO_ASCII = str.maketrans(KHMER_DIGITS, "0123456789")

KHMER_MONTHS: tuple[str, ...] = (
    "មករា",
    "កុម្ភៈ",
    "មីនា",
    "មេសា",
    "ឧសភា",
    "មិថុនា",
    "កក្កដា",
    "សីហា",
    "កញ្ញា",
    "តុលា",
    "វិច្ឆិកា",
    "ធ្នូ",
)
"""January to December, canonical spelling."""

KHMER_MONTH_SPELLINGS: dict[str, int] = {name: number for number, name in enumerate(KHMER_MONTHS, 1)} | {
    "កុម្ភះ": 2,  # REAHMUK (U+17C7) typed for YUUKALEAPINTU (U+17C8)
    "កុម្ភ": 2,
    "វិចិ្ឆកា": 11,  # vowel typed before the subscript, a common ordering slip
}
"""Every spelling read, to its month number."""


MORNING, NOON, LATER, AM, PM = "morning", "noon", "later", "am", "pm"
PERIODS: dict[str, str] = {
    "ព្រឹក": MORNING,
    "ភ្លឺ": MORNING,
    "ថ្ងៃត្រង់": NOON,
    "រសៀល": LATER,
    "ល្ងាច": LATER,
    "យប់": LATER,
    "am": AM,
    "a.m.": AM,
    "pm": PM,
    "p.m.": PM,
}

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
WIDE_SPACES = re.compile(r"[\u00a0\u2007\u202f]")


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so that កុម្ភៈ is not read as កុម្ភ followed by a stray sign."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


MONTH = rf"(?P<month>{_alternation(KHMER_MONTH_SPELLINGS)})"
PERIOD = _alternation(PERIODS)
KHMER_PERIOD = _alternation(word for word in PERIODS if not word.isascii())
SEP = r"[\s,.|/\-–—]*"
DAY = r"(?<!\d)(?P<day>\d{1,2})(?!\d)"
YEAR = r"(?<!\d)(?P<year>\d{4})(?!\d)"
DAY_MARK = r"(?:(?:ថ្ងៃ\s*)?ទី\s*)?"
DAY_FIRST = re.compile(rf"{DAY_MARK}{DAY}{SEP}(?:ខែ\s*)?{MONTH}{SEP}(?:ឆ្នាំ\s*)?{YEAR}")
MONTH_FIRST = re.compile(rf"(?:ខែ\s*)?{MONTH}{SEP}{DAY_MARK}{DAY}{SEP}(?:ឆ្នាំ\s*)?{YEAR}")
NUMERIC = re.compile(
    r"(?<!\d)(?:(?P<day>\d{1,2})(?P<s1>[/.\-])(?P<month>\d{1,2})(?P=s1)(?P<year>\d{4})"
    r"|(?P<year2>\d{4})-(?P<month2>\d{1,2})-(?P<day2>\d{1,2}))(?!\d)"
)
ENGLISH_MONTH = re.compile(r"(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?![a-z])", re.I)
HOUR_MARK = r"(?:ម៉ោង|មោ៉ង)"
TIME = re.compile(
    rf"(?:(?P<before>{KHMER_PERIOD})\s*)?(?P<mark>{HOUR_MARK}\s*)?(?<!\d)(?P<hour>\d{{1,2}})"
    r"(?:\s*[:.]\s*(?P<minute>\d{2})(?:\s*:\s*(?P<second>\d{2}))?(?!\d)(?:\s*នាទី)?"
    r"|\s*(?:និង\s*)?(?P<minutes>\d{1,2})\s*នាទី|(?!\d))"
    rf"(?:\s*(?P<after>{PERIOD})(?![a-z]))?",
    re.I,
)


def khmer_digits_to_ascii(text: str) -> str:
    """Khmer digits (០–៩) as ASCII ones, so that numbers can be read with int() and regexes."""
    return text.translate(TO_ASCII)


def _normalise(text: str) -> str:
    """One spelling of the same printed text: NFC, no zero-width characters, plain spaces,
    ASCII digits."""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    return khmer_digits_to_ascii(WIDE_SPACES.sub(" ", text))


def parse_khmer_date(
    text: str,
    zone: tzinfo,
    zone_names: Mapping[str, int] | None = None,
    known_forms: tuple[str, ...] = (),
) -> tuple[datetime, bool] | None:
    """The first date a line prints, in `zone`, and whether it printed a time of day.

    Khmer forms are read here; a line with no Khmer month and no numeric date is handed to
    `common.parse_printed_date` with `zone_names` (default: the zone's own name) and the
    site's `known_forms`, so the Khmer edition's English dates read as the English site's.
    A date that is found but cannot exist gives None rather than a date read elsewhere.
    """
    line = _normalise(text)
    found = _first_date(line)
    if found is None:
        return _english(line, zone, zone_names, known_forms)
    match, year, month, day = found
    following = _first_date(line, match.end())
    printed = _time_between(line, match.end(), following[0].start() if following else len(line))
    printed = printed or _time_before(line, match.start())
    clock = _clock(printed) if printed else (0, 0, 0)
    if clock is None:
        return None
    try:
        return datetime(year, month, day, *clock, tzinfo=zone), printed is not None
    except ValueError:
        return None


def _first_date(line: str, start: int = 0) -> tuple[re.Match[str], int, int, int] | None:
    """The earliest date from `start` in any Khmer or numeric form, as (match, year, month, day)."""
    candidates = [m for m in (p.search(line, start) for p in (DAY_FIRST, MONTH_FIRST, NUMERIC)) if m is not None]
    if not candidates:
        return None
    match = min(candidates, key=lambda m: m.start())
    parts = match.groupdict()
    if parts["month"] in KHMER_MONTH_SPELLINGS:
        return match, int(parts["year"]), KHMER_MONTH_SPELLINGS[parts["month"]], int(parts["day"])
    if parts.get("year2"):
        return match, int(parts["year2"]), int(parts["month2"]), int(parts["day2"])
    return match, int(parts["year"]), int(parts["month"]), int(parts["day"])


def _is_time(match: re.Match[str]) -> bool:
    """A bare number is a time only after ម៉ោង; otherwise it needs its minutes."""
    return bool(match.group("mark") or match.group("minute") or match.group("minutes"))


def _time_between(line: str, start: int, end: int) -> re.Match[str] | None:
    """The first time printed after the date and before the next one ("… ឆ្នាំ២០១៦ ម៉ោង ០៨:២០"),
    so that a second date's time ("… កែប្រែ ១៥ តុលា ២០១៦ ០៩:០០") is not taken for the first's."""
    return next((m for m in TIME.finditer(line, start, end) if _is_time(m)), None)


def _time_before(line: str, end: int) -> re.Match[str] | None:
    """A time printed before the date ("ម៉ោង ០៨:២០ ថ្ងៃទី១៤ …"): the last one, nearest the date."""
    times = [m for m in TIME.finditer(line, 0, end) if _is_time(m)]
    return times[-1] if times else None


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    """(hour, minute, second) on a 24-hour clock, or None for a time that cannot exist."""
    hour = int(match.group("hour"))
    minute = int(match.group("minute") or match.group("minutes") or 0)
    second = int(match.group("second") or 0)
    word = match.group("after") or match.group("before")
    period = PERIODS.get(word.lower()) if word else None
    if period in (AM, PM):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if period == PM else 0)
    elif (period == LATER and 1 <= hour <= 11) or (period == NOON and 1 <= hour <= 5):
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _english(
    line: str, zone: tzinfo, zone_names: Mapping[str, int] | None, known_forms: tuple[str, ...]
) -> tuple[datetime, bool] | None:
    """An English date line, read as the English site's parser reads it, in `zone`."""
    if not ENGLISH_MONTH.search(line):
        return None  # numbers alone would be read month first by dateutil ("05 03 2016" as 3 May)
    if zone_names is None:
        name, offset = zone.tzname(None), zone.utcoffset(None)
        zone_names = {name: int(offset.total_seconds())} if name and offset is not None else {}
    try:
        moment = common.parse_printed_date(line, zone, dict(zone_names), known_forms)
    except (ValueError, OverflowError, TypeError):
        return None
    return (moment.astimezone(zone), common.has_time(line)) if moment is not None else None
