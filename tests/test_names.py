"""Family and given names of byline names: Cambodian names family name first, Western names
given name first, organisations and one-word names whole."""

from __future__ import annotations

import pytest

from archive.names import PersonName, person_name
from samplesite import words


@pytest.mark.parametrize(
    "name, family, given",
    [
        ("Meas Sokchea", "Meas", "Sokchea"),
        ("Ben Sokhean", "Ben", "Sokhean"),
        ("Khouth Sophak Chakrya", "Khouth", "Sophak Chakrya"),
        ("Am Sam Ath", "Am", "Sam Ath"),
        ("MEAS SOKCHEA", "MEAS", "SOKCHEA"),
        ("មាស សុខជា", "មាស", "សុខជា"),
        ("Erin Handley", "Handley", "Erin"),
        ("David Boyle", "Boyle", "David"),
        ("Ken Loo", "Loo", "Ken"),
        ("Harriet Fitch Little", "Little", "Harriet Fitch"),
    ],
)
def test_a_person_name_is_split_by_where_its_family_name_stands(name, family, given):
    assert person_name(name) == PersonName(family, given)


@pytest.mark.parametrize("name", ["Xinhua", "AFP", "Post Staff", "Post staff", "មាស", ""])
def test_organisations_and_one_word_names_stay_whole(name):
    assert person_name(name) is None


def test_every_byline_of_the_sample_site_is_read_as_its_people_write_it():
    western = {
        "David Boyle",
        "Shane Worrell",
        "Stuart White",
        "Alex Willemyns",
        "Abby Seiff",
        "Laignee Barron",
        "Andrew Nachemson",
        "Erin Handley",
        "Leonie Kijewski",
        "Cristina Maza",
        "Kali Kotoski",
        "Harriet Fitch Little",
        "Bennett Murray",
        "Brent Crane",
        "Jack Davies",
    }
    for name in words.REPORTERS:
        family = person_name(name).family
        assert family == (name.split()[-1] if name in western else name.split()[0]), name
    assert all(person_name(name) is None for name in words.ORGANISATION_BYLINES)
