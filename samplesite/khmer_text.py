"""Dates as the Khmer edition might print them, and the zero-width spaces its text carries.

How postkhmer.com prints an article's date is not evidenced [G]: the replica prints it in
Khmer words and digits in full, short with Khmer digits, or in English as its listings do.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

KHMER_DIGITS = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
MONTHS = ("មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ")
WEEKDAYS = ("ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហស្បតិ៍", "សុក្រ", "សៅរ៍", "អាទិត្យ")  # Monday first
ZERO_WIDTH_SPACE = "\u200b"


def khmer_digits(text: str) -> str:
    return text.translate(KHMER_DIGITS)


def long_date(moment: datetime) -> str:
    """'ថ្ងៃសុក្រ ទី១៤ ខែតុលា ឆ្នាំ២០១៦ ម៉ោង ០៨:២០'."""
    weekday, month = WEEKDAYS[moment.weekday()], MONTHS[moment.month - 1]
    return khmer_digits(f"ថ្ងៃ{weekday} ទី{moment.day:02d} ខែ{month} ឆ្នាំ{moment.year} ម៉ោង {moment:%H:%M}")


def short_date(moment: datetime) -> str:
    """'១៤ តុលា ២០១៦ | ០៨:២០'."""
    return khmer_digits(f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} | {moment:%H:%M}")


def with_zero_width_spaces(text: str, rng: random.Random, words: Sequence[str]) -> str:
    """`text` with U+200B after some of the Khmer words it is made of, as the edition's pages
    have in places; removing them gives the text back."""
    for word in sorted(set(words), key=len, reverse=True):
        if word in text and rng.random() < 0.3:
            text = text.replace(word, word + ZERO_WIDTH_SPACE)
    return text.replace(ZERO_WIDTH_SPACE * 2, ZERO_WIDTH_SPACE)
