"""Which part of a byline name is the family name, for citations.

A heuristic, since a byline does not say. Cambodian names are written family name first
("Meas Sokchea": family Meas, given Sokchea), Western names given name first ("Erin
Handley": family Handley). A name is taken as Cambodian when its first word is a known Khmer
family name (the list below: the family names of the paper's Khmer reporters, photographers
and sources, and common Khmer surnames) or when it is written in Khmer script; its first
word is then the family name and the rest the given name. Any other name of two words or more
is given name first, its last word the family name. A name of one word ("Xinhua", "AFP") or
one with a word that names a body of people ("Post Staff") is not a person's and stays whole.

It can be wrong: a Western name whose given name is also a Khmer family name ("Ben", "Sam",
"Long", "May") is read family name first, and a compound Western family name ("Harriet
Fitch Little") is cut to its last word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KHMER_FAMILY_NAMES = frozenset(
    {
        "am",
        "aun",
        "ben",
        "bun",
        "chan",
        "chea",
        "cheang",
        "chhay",
        "chheang",
        "chhim",
        "chhorn",
        "chum",
        "hang",
        "heng",
        "hin",
        "hong",
        "hor",
        "hun",
        "kem",
        "keo",
        "khem",
        "khieu",
        "khouth",
        "khuon",
        "kong",
        "lay",
        "leng",
        "lim",
        "long",
        "ly",
        "mam",
        "mao",
        "may",
        "meas",
        "mech",
        "men",
        "mey",
        "moeun",
        "mom",
        "nay",
        "nhim",
        "niem",
        "nov",
        "nuon",
        "ou",
        "ouch",
        "pech",
        "pen",
        "pha",
        "phak",
        "phan",
        "phorn",
        "prak",
        "ros",
        "roth",
        "ry",
        "sam",
        "sao",
        "sar",
        "seng",
        "sok",
        "sorn",
        "soth",
        "sovan",
        "sreng",
        "srey",
        "sum",
        "taing",
        "tang",
        "tep",
        "thach",
        "thong",
        "touch",
        "ung",
        "vong",
        "yim",
        "yon",
        "yun",
    }
)
COLLECTIVE_WORDS = frozenset(
    {
        "staff",
        "reporters",
        "correspondents",
        "agencies",
        "desk",
        "newsroom",
        "editors",
        "editorial",
    }
)
KHMER_SCRIPT = re.compile("[\u1780-\u17ff\u19e0-\u19ff]")


@dataclass(frozen=True)
class PersonName:
    """A person's name cut into its family and given parts."""

    family: str
    given: str


def person_name(name: str) -> PersonName | None:
    """The family and given name of a byline name, or None for a name that stays whole
    (one word, or a body of people)."""
    words = name.split()
    if len(words) < 2 or any(word.casefold() in COLLECTIVE_WORDS for word in words):
        return None
    if words[0].casefold() in KHMER_FAMILY_NAMES or KHMER_SCRIPT.search(name):
        return PersonName(family=words[0], given=" ".join(words[1:]))
    return PersonName(family=words[-1], given=" ".join(words[:-1]))
