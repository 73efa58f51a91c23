"""Khmer printed dates: every form the module claims to read, the round trip the sample site
relies on, and that Khmer and ASCII digits, invisible characters and garbage behave."""

from __future__ import annotations

import calendar
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.parse.khmer_dates import (
    KHMER_DIGITS,
    KHMER_MONTH_SPELLINGS,
    KHMER_MONTHS,
    khmer_digits_to_ascii,
    parse_khmer_date,
)
from samplesite import khmer_text

ICT = timezone(timedelta(hours=7), "ICT")
# The English site's zone names and printed forms, written out here rather than imported so that
# this test does not depend on where the site's parser lives (it is being moved).
ZONE_NAMES = {"ICT": 7 * 3600}
PRINTED_DATES = ("%d %B %Y %H:%M", "%A, %B %d, %Y %H:%M", "%A, %d %B %Y", "%d %B %Y")
ZWSP, NBSP = "\u200b", "\u00a0"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A moment in the paper's zone."""
    return datetime(year, month, day, hour, minute, second, tzinfo=ICT)


def to_khmer(text: str) -> str:
    """ASCII digits as Khmer ones: the inverse of khmer_digits_to_ascii, written out here."""
    return "".join(KHMER_DIGITS[int(c)] if c.isdigit() and c.isascii() else c for c in text)


def mixed_digits(text: str, rng: random.Random) -> str:
    """Each digit at random Khmer or ASCII, as a page mixing both keyboards would print it."""
    ascii_text = khmer_digits_to_ascii(text)
    return "".join(KHMER_DIGITS[int(c)] if c.isdigit() and rng.random() < 0.5 else c for c in ascii_text)


FORMS = [
    ("ថ្ងៃសុក្រ ទី១៤ ខែតុលា ឆ្នាំ២០១៦", at(2016, 10, 14), False),
    ("១៤ តុលា ២០១៦", at(2016, 10, 14), False),
    ("14 តុលា 2016 | 08:20", at(2016, 10, 14, 8, 20), True),
    ("ថ្ងៃទី ១៤ ខែ តុលា ឆ្នាំ ២០១៦ ម៉ោង ៨:២០ ព្រឹក", at(2016, 10, 14, 8, 20), True),
    ("ថ្ងៃ\u200bព្រហស្បតិ៍ ទី\u200b២៣ ខែ\u200bមីនា ឆ្នាំ\u200b២០២៣, ០៣:១៥ ល្ងាច", at(2023, 3, 23, 15, 15), True),
    ("ថ្ងៃសុក្រ ទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ០៨:២០", at(2016, 10, 14, 8, 20), True),
    ("ថ្ងៃសុក្រ, ១៤-តុលា-២០១៦ - ២៣:០៥", at(2016, 10, 14, 23, 5), True),
    ("១៤តុលា២០១៦", at(2016, 10, 14), False),
    ("ខែតុលា ទី១៤, ២០១៦", at(2016, 10, 14), False),
    ("តុលា ១៤, ២០១៦ ម៉ោង ១០:០០", at(2016, 10, 14, 10, 0), True),
    ("១៤/១០/២០១៦", at(2016, 10, 14), False),
    ("០៥/០៣/២០១៦", at(2016, 3, 5), False),
    ("5.3.2016 08:20", at(2016, 3, 5, 8, 20), True),
    ("២០១៦-១០-១៤", at(2016, 10, 14), False),
    ("ម៉ោង ០៨:២០ ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦", at(2016, 10, 14, 8, 20), True),
    ("ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ៨ ព្រឹក", at(2016, 10, 14, 8, 0), True),
    ("ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ៨ និង ២០ នាទី យប់", at(2016, 10, 14, 20, 20), True),
    ("ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ០៨:២០:១៥", at(2016, 10, 14, 8, 20, 15), True),
    ("14 តុលា 2016 08:20 PM", at(2016, 10, 14, 20, 20), True),
    ("ភ្នំពេញ៖ បោះពុម្ពផ្សាយ ថ្ងៃទី២៩ ខែកុម្ភៈ ឆ្នាំ២០២០ ដោយ សុខ ជា", at(2020, 2, 29), False),
    ("Fri, 14 October 2016", at(2016, 10, 14), False),
    ("Publication date 15 August 2018 | 08:20 ICT", at(2018, 8, 15, 8, 20), True),
    ("Publication date 17 November 2017 | 12:12 | ICT", at(2017, 11, 17, 12, 12), True),
    ("Tuesday, March ៥, ២០២៤", at(2024, 3, 5), False),
]


@pytest.mark.parametrize(("printed", "moment", "timed"), FORMS, ids=[form[0] for form in FORMS])
def test_each_printed_form_reads_to_its_moment_and_says_whether_a_time_was_printed(
    printed: str, moment: datetime, timed: bool
) -> None:
    assert parse_khmer_date(printed, ICT) == (moment, timed)


@pytest.mark.parametrize("printed", ["១៤ តុលា ២០១៦", "14 តុលា 2016 | 08:20", "១៤/១០/២០១៦", "Fri, 14 October 2016"])
def test_the_moment_is_in_the_zone_passed_in(printed: str) -> None:
    """Not a zone of the module's own: the same wall time in UTC is seven hours later."""
    in_ict, in_utc = parse_khmer_date(printed, ICT), parse_khmer_date(printed, UTC)
    assert in_ict is not None and in_utc is not None
    assert in_ict[0].tzinfo is ICT and in_utc[0].tzinfo is UTC
    assert in_utc[0] - in_ict[0] == timedelta(hours=7)


def test_english_lines_read_as_the_english_site_reads_them() -> None:
    """With the site's zone names and forms passed in, the answer is the same moment."""
    assert parse_khmer_date("Publication date 15 August 2018 | 08:20 ICT", ICT, ZONE_NAMES, PRINTED_DATES) == (
        at(2018, 8, 15, 8, 20),
        True,
    )
    assert parse_khmer_date("15 August 2018 08:20", ICT, ZONE_NAMES, PRINTED_DATES) == (at(2018, 8, 15, 8, 20), True)


@pytest.mark.parametrize("number", range(1, 13))
def test_every_month_spelling_reads_to_its_month(number: int) -> None:
    spellings = [name for name, month in KHMER_MONTH_SPELLINGS.items() if month == number]
    assert KHMER_MONTHS[number - 1] in spellings
    for name in spellings:
        for printed in (f"ថ្ងៃទី១ ខែ{name} ឆ្នាំ២០២០", f"១ {name} ២០២០", f"ទី ១ ខែ {name} ឆ្នាំ ២០២០ ម៉ោង ០៩:៣០"):
            found = parse_khmer_date(printed, ICT)
            assert found is not None and (found[0].year, found[0].month, found[0].day) == (2020, number, 1), printed


def test_february_is_read_with_and_without_its_final_sign() -> None:
    for name in ("កុម្ភៈ", "កុម្ភះ", "កុម្ភ"):
        assert parse_khmer_date(f"១២ {name} ២០២០", ICT) == (at(2020, 2, 12), False)


def test_the_canonical_months_and_weekdays_are_twelve_and_seven_distinct_names() -> None:
    assert len(set(KHMER_MONTHS)) == 12
    assert KHMER_MONTHS[0] == "មករា" and KHMER_MONTHS[9] == "តុលា" and KHMER_MONTHS[11] == "ធ្នូ"


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("៨:២០ ព្រឹក", (8, 20)),
        ("១២:០០ ថ្ងៃត្រង់", (12, 0)),
        ("១១:៣០ ថ្ងៃត្រង់", (11, 30)),
        ("១:១៥ ថ្ងៃត្រង់", (13, 15)),
        ("៥:០០ ថ្ងៃត្រង់", (17, 0)),
        ("៣:១៥ រសៀល", (15, 15)),
        ("៥:៤៥ ល្ងាច", (17, 45)),
        ("៩:០០ យប់", (21, 0)),
        ("១២:០០ យប់", (12, 0)),
        ("១៥:០០ រសៀល", (15, 0)),
        ("០:៣០ យប់", (0, 30)),
        ("១២:៣០ am", (0, 30)),
        ("១២:៣០ PM", (12, 30)),
        ("ព្រឹក ម៉ោង ៩", (9, 0)),
        ("ល្ងាច ម៉ោង ៦", (18, 0)),
    ],
)
def test_a_period_word_turns_a_twelve_hour_time_into_a_24_hour_one(clock: str, expected: tuple[int, int]) -> None:
    found = parse_khmer_date(f"ថ្ងៃទី១ ខែមករា ឆ្នាំ២០២០ ម៉ោង {clock}", ICT)
    assert found is not None and (found[0].hour, found[0].minute) == expected and found[1]


def test_a_time_printed_after_a_second_date_is_not_the_first_dates_time() -> None:
    printed = "ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ កែប្រែ ថ្ងៃទី១៥ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ០៩:០០"
    assert parse_khmer_date(printed, ICT) == (at(2016, 10, 14), False)


def test_the_earliest_date_is_read_whatever_its_form() -> None:
    assert parse_khmer_date("១៤/១០/២០១៦ កែប្រែ ១៥ តុលា ២០១៦", ICT) == (at(2016, 10, 14), False)
    assert parse_khmer_date("តុលា ១៦, ២០១៦ ឬ ១៥ តុលា ២០១៦", ICT) == (at(2016, 10, 16), False)


def test_a_bare_number_after_the_date_is_not_a_time() -> None:
    """Only ម៉ោង or minutes make a number a time: "៣ នាក់" is three people, not 03:00."""
    assert parse_khmer_date("ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ មនុស្ស ៣ នាក់", ICT) == (at(2016, 10, 14), False)


def test_an_english_line_naming_its_zone_still_comes_back_in_the_zone_passed_in() -> None:
    found = parse_khmer_date("Publication date 15 August 2018 | 08:20 ICT", ICT, ZONE_NAMES, PRINTED_DATES)
    assert found is not None and found[0].tzinfo is ICT


def test_zero_width_and_non_breaking_spaces_anywhere_change_nothing() -> None:
    rng = random.Random(7)
    for printed, moment, timed in FORMS:
        for _ in range(10):
            noisy = "".join(c + (rng.choice([ZWSP, "\u200c", ""]) if rng.random() < 0.3 else "") for c in printed)
            noisy = noisy.replace(" ", NBSP) if rng.random() < 0.5 else noisy
            assert parse_khmer_date(noisy, ICT) == (moment, timed), repr(noisy)


def test_khmer_digits_to_ascii_maps_each_digit_and_leaves_the_rest() -> None:
    assert khmer_digits_to_ascii("០១២៣៤៥៦៧៨៩") == "0123456789"
    assert khmer_digits_to_ascii("ឆ្នាំ២០១៦, 08:២០") == "ឆ្នាំ2016, 08:20"
    assert khmer_digits_to_ascii("no digits") == "no digits"


def test_khmer_ascii_and_mixed_digits_give_the_same_result() -> None:
    """Property-style: for every form and many random days, times and digit mixes."""
    rng = random.Random(2016)
    templates = [text for text, _, _ in FORMS] + [
        "ថ្ងៃទី{d} ខែ{m} ឆ្នាំ{y} ម៉ោង {h}:{mi}",
        "{d} {m} {y} | {h}:{mi}",
        "{d}/{n}/{y}",
    ]
    for _ in range(300):
        moment = at(
            rng.randint(1990, 2030), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
        )
        template = rng.choice(templates)
        text = template.format(
            d=moment.day,
            m=KHMER_MONTHS[moment.month - 1],
            n=moment.month,
            y=moment.year,
            h=f"{moment.hour:02d}",
            mi=f"{moment.minute:02d}",
        )
        as_ascii, as_khmer, as_mixed = khmer_digits_to_ascii(text), to_khmer(text), mixed_digits(text, rng)
        result = parse_khmer_date(as_ascii, ICT)
        assert result is not None, as_ascii
        assert parse_khmer_date(as_khmer, ICT) == result, as_khmer
        assert parse_khmer_date(as_mixed, ICT) == result, as_mixed
        if "{" in template:
            assert result[0] == (moment if "{h}" in template else moment.replace(hour=0, minute=0)), text


def test_the_sample_site_s_printed_dates_read_back_to_their_moment_for_every_month_and_hour() -> None:
    """The replica prints its dates with a printer of its own (samplesite.khmer_text); what it
    prints must read back exactly."""
    rng = random.Random(1426)
    for month in range(1, 13):
        for hour in range(24):
            year = rng.randint(1995, 2035)
            day = rng.randint(1, calendar.monthrange(year, month)[1])
            moment = at(year, month, day, hour, rng.randint(0, 59))
            for printed in (khmer_text.long_date(moment), khmer_text.short_date(moment)):
                assert parse_khmer_date(printed, ICT) == (moment, True), printed


def test_the_last_day_of_every_month_including_leap_days_reads_back() -> None:
    for year in (2000, 2019, 2020, 2100):
        for month in range(1, 13):
            moment = at(year, month, calendar.monthrange(year, month)[1], 23, 59)
            assert parse_khmer_date(khmer_text.long_date(moment), ICT) == (moment, True)


IMPOSSIBLE = [
    "ថ្ងៃទី៣១ ខែកុម្ភៈ ឆ្នាំ២០១៦",
    "ថ្ងៃទី៣០ ខែកុម្ភៈ ឆ្នាំ២០២០",
    "២៩ កុម្ភៈ ២០២១",
    "៣១ មេសា ២០១៦",
    "៣២ មករា ២០១៦",
    "០ មករា ២០១៦",
    "ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ២៥:០០",
    "ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ២៤:០០",
    "ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ០៨:៦០",
    "ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ២៥",
    "14 តុលា 2016 13:00 PM",
    "ថ្ងៃទី១៤ ខែតុលា ឆ្នាំ០០០០",
    "៣១/០២/២០១៦",
    "១៤/១៣/២០១៦",
    "២០១៦-១៣-០១",
    "31 February 2016",
    "15 August 2018 | 25:20",
]


@pytest.mark.parametrize("printed", IMPOSSIBLE)
def test_an_impossible_date_or_time_gives_none(printed: str) -> None:
    assert parse_khmer_date(printed, ICT) is None


def test_every_month_rejects_the_day_after_its_last() -> None:
    for month, name in enumerate(KHMER_MONTHS, 1):
        last = calendar.monthrange(2023, month)[1]
        assert parse_khmer_date(to_khmer(f"{last} {name} 2023"), ICT) is not None
        assert parse_khmer_date(to_khmer(f"{last + 1} {name} 2023"), ICT) is None


GARBAGE = [
    "",
    "   ",
    "garbage",
    "ថ្ងៃសុក្រ",
    "ខែតុលា",
    "ខែតុលា ឆ្នាំ២០១៦",
    "ថ្ងៃទី១៤ ខែតុលា",
    "តុលាការ ២០១៦",
    "១៤ តុលាការ ២០១៦",
    "ម៉ោង ០៨:២០",
    "២០១៦",
    "១២៣៤៥៦៧៨៩",
    "ក្រសួងសុខាភិបាល បានប្រកាស",
    "Publication date",
    "14 ១0 ២០១៦",
]


@pytest.mark.parametrize("printed", GARBAGE)
def test_text_without_a_whole_date_gives_none(printed: str) -> None:
    assert parse_khmer_date(printed, ICT) is None


def test_random_text_never_raises_and_gives_none_or_an_aware_moment() -> None:
    """Fuzz: Khmer letters, date words, digits of both scripts and separators in any order."""
    rng = random.Random(99)
    pieces = [
        *KHMER_MONTH_SPELLINGS,
        *(f"ថ្ងៃ{day}" for day in khmer_text.WEEKDAYS),
        "ទី",
        "ខែ",
        "ឆ្នាំ",
        "ម៉ោង",
        "ព្រឹក",
        "យប់",
        "ថ្ងៃត្រង់",
        "នាទី",
    ]
    pieces += [*"០១២៣៤៥៦៧៨៩0123456789", " ", ",", "|", "-", ":", "/", ".", ZWSP, NBSP, "ក", "ា", "្", "PM", "ICT"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        found = parse_khmer_date(text, ICT)
        assert found is None or (found[0].utcoffset() == timedelta(hours=7) and isinstance(found[1], bool)), text


def test_letters_alone_never_make_a_date() -> None:
    rng = random.Random(5)
    letters = [chr(c) for c in range(0x1780, 0x17DD)] + [*KHMER_MONTHS, " ", ZWSP]
    for _ in range(500):
        text = "".join(rng.choice(letters) for _ in range(rng.randint(1, 30)))
        assert parse_khmer_date(text, ICT) is None, text
