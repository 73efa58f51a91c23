"""Which of the real site's recorded forms a page of the replica is rendered in.

Where SITE-EVIDENCE.md records more than one form of an element, or only guesses its form,
the replica renders several, chosen per page from a random stream of their own, so that the
corpus and every other draw of the site stay as they are. A form changes markup, never the
truth. All of them belong to the Drupal template of 2013–2022, where the evidence puts them.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

DATE_ELEMENTS = ("p", "span", "text")  # the date line in div.ads-social-left-title [E: text only]
CAPTION_FORMS = ("figcaption", "field", "div")  # [G]: the caption element is not evidenced
ITEM_FORMS = ("views-row", "category")  # li.views-row [E]; div.category [E, the Khmer edition]
PAGER_FORMS = ("next", "mini")  # a lone next link [G]; previous, "1 of N", next [E]
NOISE = ("nul", "crlf", "cache-comment")  # [E] in a saved listing; on article pages a guess
NOISE_SHARE = 0.2
# The Khmer edition's article date, the second line of .article-author-wrapper p [E]; how it is
# printed is not evidenced [G]: Khmer words and digits in full, short with Khmer digits, or in
# English as the edition's listings print it.
KHMER_DATE_FORMS = ("khmer-long", "khmer-short", "english")
KHMER_BODY_FORMS = ("paragraph-style", "nested")  # div.paragraph-style p [E, unverified]; inside #ArticleBody [G]


@dataclass(frozen=True)
class ArticleForms:
    """The forms of one Drupal article page."""

    date_element: str
    photo_itemprop: bool  # img[itemprop=contentURL] [E], or a plain img [G]
    photo_in_body: bool  # the lead photo inside the body container or before it [G: either]
    caption: str
    noise: frozenset[str]

    def names(self, has_photo: bool, has_caption: bool) -> frozenset[str]:
        """Names of the forms that show on the page ('date:span', 'caption:div', …)."""
        shown = {f"date:{self.date_element}", *(f"bytes:{name}" for name in self.noise)}
        if has_photo:
            shown.add("photo:itemprop" if self.photo_itemprop else "photo:plain")
            shown.add("photo:in-body" if self.photo_in_body else "photo:before-body")
        if has_caption:
            shown.add(f"caption:{self.caption}")
        return frozenset(shown)


@dataclass(frozen=True)
class KhmerForms:
    """The forms only the Khmer edition's article pages take."""

    date: str
    body: str
    zero_width_spaces: bool  # U+200B between some Khmer words [E]

    def names(self) -> frozenset[str]:
        shown = {f"khmer-date:{self.date}", f"khmer-body:{self.body}"}
        return frozenset(shown | ({"text:zero-width-space"} if self.zero_width_spaces else set()))


@dataclass(frozen=True)
class ListingForms:
    """The forms of one page of a Drupal section listing."""

    items: str
    pager: str
    stray_key: str  # the empty query key the real pager adds to its next link
    noise: frozenset[str]

    def names(self) -> frozenset[str]:
        return frozenset({f"items:{self.items}", f"pager:{self.pager}", *(f"bytes:{name}" for name in self.noise)})


def draw_noise(rng: random.Random) -> frozenset[str]:
    return frozenset(name for name in NOISE if rng.random() < NOISE_SHARE)


def article_forms(seed: int, article_id: int) -> ArticleForms:
    rng = random.Random(f"{seed}:forms:article:{article_id}")
    return ArticleForms(
        date_element=rng.choice(DATE_ELEMENTS),
        photo_itemprop=rng.random() < 0.5,
        photo_in_body=rng.random() < 0.5,
        caption=rng.choice(CAPTION_FORMS),
        noise=draw_noise(rng),
    )


def khmer_forms(seed: int, article_id: int) -> KhmerForms:
    rng = random.Random(f"{seed}:forms:khmer:{article_id}")
    return KhmerForms(
        date=rng.choice(KHMER_DATE_FORMS), body=rng.choice(KHMER_BODY_FORMS), zero_width_spaces=rng.random() < 0.5
    )


def listing_forms(seed: int, section: str, page: int) -> ListingForms:
    rng = random.Random(f"{seed}:forms:listing:{section}:{page}")
    return ListingForms(
        items=rng.choice(ITEM_FORMS),
        pager=rng.choice(PAGER_FORMS),
        stray_key="".join(rng.choice(string.ascii_lowercase) for _ in range(16)),
        noise=draw_noise(rng),
    )
