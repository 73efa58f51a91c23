"""The replica's content: which articles exist, what each one says, and what the "Most
viewed" sidebar shows at any moment.

Everything is a pure function of (seed, count, end): article `i` is generated on demand from
its own random stream, so a site of 100,000 articles costs only a small index in memory.
The records made here are the ground truth the parser is measured against.
"""

from __future__ import annotations

import bisect
import functools
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from samplesite import words
from samplesite.editions import EDITIONS, ENGLISH, ICT, Edition, Section

TEASER_WORDS = 50

DRUPAL_STOP_WORDS = frozenset(
    (
        "a an as at before but by for from is in into like of off on onto per since than the this that to up via with"
    ).split()
)


def slugify(title: str, drop_stop_words: bool) -> str:
    text = re.sub(r"[’'‘“”\"]", "", title.lower())
    tokens = [t for t in re.split(r"[^\w]+", text) if t]
    if drop_stop_words:
        tokens = [t for t in tokens if t not in DRUPAL_STOP_WORDS]
    return "-".join(tokens)


@dataclass
class Image:
    """A photo; `label` is printed before the credit ("Photograph: ") but is not part of it."""

    url: str
    caption: str | None
    credit: str | None
    label: str = ""

    def truth(self, origin: str) -> dict:
        return {"url": origin + self.url, "caption": self.caption, "credit": self.credit}


@dataclass
class Version:
    """What a page says during one stretch of time (an article edited later has two)."""

    headline: str
    body: list[str]
    kinds: dict[int, str] = field(default_factory=dict)


@dataclass
class SiteArticle:
    """One article of the replica, with everything needed to render it and to know the truth."""

    id: int
    nid: int
    path: str
    era: str
    language: str
    section: Section
    published: datetime
    updated: datetime | None
    original: Version
    revised: Version | None
    standfirst: str | None
    authors: list[str]
    byline_caps: bool
    tags: list[str]
    images: list[Image]
    flags: frozenset[str] = field(default_factory=frozenset)
    fixed_teaser: str | None = None
    edition: Edition = ENGLISH

    def version_at(self, now: datetime) -> Version:
        if self.revised is not None and self.updated is not None and now >= self.updated:
            return self.revised
        return self.original

    def updated_at(self, now: datetime) -> datetime | None:
        return self.updated if self.updated is not None and now >= self.updated else None

    def teaser(self, now: datetime) -> str:
        if self.fixed_teaser:
            return self.fixed_teaser
        text = " ".join(self.version_at(now).body)
        return " ".join(text.split()[:TEASER_WORDS])

    @property
    def url(self) -> str:
        return self.edition.identity(self.path)

    def truth(self, now: datetime) -> dict:
        """The record a perfect parser writes for this page as served at `now`."""
        version = self.version_at(now)
        body = list(version.body)
        images = [image.truth(self.edition.origin) for image in self.images]
        tags = list(self.tags)
        warnings: list[str] = []
        if "no-body" in self.flags:
            body = []
            warnings.append("no-body")
        if "truncated" in self.flags:
            body, tags = truncated_body(body), []
            warnings.append("truncated")
        if "wrong-charset" in self.flags:
            warnings.append("charset")
        precision = "day" if self.era == "joomla" else "minute"
        published = self.published
        if precision == "day":
            published = published.replace(hour=0, minute=0)
        updated = self.updated_at(now)
        return {
            "url": self.url,
            "site": self.edition.site,
            "era": self.era,
            "language": self.language,
            "headline": version.headline,
            "standfirst": self.standfirst,
            "authors": list(self.authors),
            "published": published.isoformat(),
            "published_precision": precision,
            "updated": updated.isoformat() if updated else None,
            "section": self.section.slug,
            "tags": tags,
            "images": images,
            "body": body,
            "word_count": sum(len(p.split()) for p in body),
            "warnings": warnings,
        }


def truncated_body(body: list[str]) -> list[str]:
    """What survives of a body cut inside its second paragraph (see render.truncate); the
    page's photos come before the cut, its tags after it."""
    return [*body[:1], cut_paragraph(body[1])] if len(body) > 1 else body[:1]


def cut_paragraph(text: str) -> str:
    """The part of a paragraph left when the page is cut half-way through it."""
    tokens = text.split()
    return " ".join(tokens[: max(1, len(tokens) // 2)])


@dataclass(frozen=True)
class SiteConfig:
    """What decides the whole site: change one value and every page may change."""

    seed: int = 1
    count: int = 400
    end: datetime = datetime(2026, 11, 1, 12, 0, tzinfo=ICT)
    window_minutes: int = 60
    listing_page_size: int = 10
    sitemap_page_size: int = 200
    edition: str = "en"  # which edition of the paper (samplesite.editions.EDITIONS)


class Corpus:
    """The site's articles, indexed by date, section and path, generated lazily."""

    def __init__(self, config: SiteConfig = SiteConfig()):
        self.config = config
        self.edition = EDITIONS[config.edition]
        self._fixed = load_fixed_articles(config) if self.edition is ENGLISH else []
        total = config.count + len(self._fixed)
        self._published: list[int] = [0] * total
        self._sections: list[str] = [""] * total
        for i in range(config.count):
            self._published[i], self._sections[i] = self._meta(i)
        for k, article in enumerate(self._fixed):
            i = config.count + k
            self._published[i] = int(article.published.timestamp())
            self._sections[i] = article.section.slug
        self.order = sorted(range(total), key=lambda i: (self._published[i], i))
        self._order_times = [self._published[i] for i in self.order]
        self.by_section: dict[str, list[int]] = {s.slug: [] for s in self.edition.sections}
        for i in self.order:
            self.by_section[self._sections[i]].append(i)
        self._section_times = {slug: [self._published[i] for i in ids] for slug, ids in self.by_section.items()}
        self.paths: dict[str, int] = {}
        self._path_of: list[str] = [""] * total
        for i in self.order:
            self._path_of[i] = self._make_path(i)
            self.paths[self._path_of[i]] = i
        self._sidebar_cache: dict[int, list[int]] = {}
        self.article = functools.lru_cache(maxsize=4096)(self._article)

    # -- cheap facts, known for every article without generating it ---------------------

    def _meta(self, i: int) -> tuple[int, str]:
        rng = random.Random(f"{self.config.seed}:meta:{i}")
        epoch = self.edition.epoch
        span = (self.config.end - epoch).total_seconds()
        step = span / self.config.count
        seconds = (i + 0.1 + 0.8 * rng.random()) * step
        published = epoch + timedelta(seconds=seconds // 60 * 60)
        year = published.year
        active = [s for s in self.edition.sections if s.first_year <= year <= s.last_year]
        section = rng.choices(active, weights=[s.weight for s in active])[0]
        return int(published.timestamp()), section.slug

    def published(self, i: int) -> datetime:
        return datetime.fromtimestamp(self._published[i], ICT)

    def _headline_base(self, i: int) -> str:
        if i >= self.config.count:
            return self._fixed[i - self.config.count].original.headline
        rng = random.Random(f"{self.config.seed}:headline:{i}")
        if self.edition.language == "km":
            return khmer_phrase(rng, 3, 6)
        return headline(rng)

    def path(self, i: int) -> str:
        return self._path_of[i]

    def _make_path(self, i: int) -> str:
        if i >= self.config.count:
            return self._fixed[i - self.config.count].path
        published = self.published(i)
        section = self.section_of(i)
        title = self._headline_base(i)
        era = self.edition.era_of(published)
        if self.edition.language == "km":
            return f"/{section.slug}/{khmer_slug(title)}-{self.nid(i)}"
        if era == "wp-news":  # WordPress, /news/%postname%-%post_id%/
            return f"/news/{slugify(title, False)}-{self.nid(i)}/"
        if era == "wp-dated":  # WordPress, /%year%/%monthnum%/%day%/%postname%/; a repeated name gets -2
            path = f"/{published:%Y/%m/%d}/{slugify(title, False)}/"
            return path if self.paths.get(path, i) == i else path.rstrip("/") + "-2/"
        if era == "joomla":
            joomla_id = 10000 + i % 90000
            folder = section.joomla or section.label.replace(" ", "-")
            return f"/index.php/{published:%Y%m%d}{joomla_id}/{folder}/{slugify(title, False)}"
        if era == "drupal":
            slug = slugify(title, True)
        else:
            slug = slugify(title, False)
            if published.year <= 2024 and len(slug) > 60 and i % 3 == 0:
                slug = slug[:60].rstrip("-") + "-"
        path = f"/{section.slug}/{slug}"
        if self.paths.get(path, i) != i or self.paths.get(path + "/", i) != i:
            path = f"{path}-{i}"
        return path + "/" if era == "modern" and published.year >= 2025 else path

    def nid(self, i: int) -> int:
        return 100000 + i

    def id_for_nid(self, nid: int) -> int | None:
        i = nid - 100000
        return i if 0 <= i < len(self._published) else None

    # -- what is visible at a moment -----------------------------------------------------

    def visible(self, i: int, now: datetime) -> bool:
        return self._published[i] <= now.timestamp()

    def newest_first(self, now: datetime, section: str | None = None) -> list[int]:
        """Ids published by `now`, newest first (optionally within one section)."""
        if section is None:
            upto = bisect.bisect_right(self._order_times, now.timestamp())
            return self.order[:upto][::-1]
        ids = self.by_section.get(section, [])
        upto = bisect.bisect_right(self._section_times.get(section, []), now.timestamp())
        return ids[:upto][::-1]

    def section_of(self, i: int) -> Section:
        section = self.edition.section(self._sections[i])
        assert section is not None  # every article is filed under one of its edition's sections
        return section

    # -- full articles ------------------------------------------------------------------

    def _article(self, i: int) -> SiteArticle:
        """Article `i`, generated from its own random stream (cached per corpus as `article`)."""
        if i >= self.config.count:
            return self._fixed[i - self.config.count]
        return generate_article(self, i)

    # -- the Most viewed sidebar --------------------------------------------------------

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        minutes = self.config.window_minutes
        start_min = int(now.timestamp() // 60) // minutes * minutes
        start = datetime.fromtimestamp(start_min * 60, ICT)
        return start, start + timedelta(minutes=minutes)

    def most_viewed(self, now: datetime) -> list[int]:
        """The ranked ids the sidebar shows in the window that contains `now`."""
        start, end = self.window(now)
        if start <= SEED_SIDEBAR_MOMENT < end:
            return [self.config.count + k for k in range(1, len(self._fixed))]
        window_id = int(start.timestamp())
        if window_id not in self._sidebar_cache:
            self._sidebar_cache[window_id] = self._rank_window(start, window_id)
        return self._sidebar_cache[window_id]

    def _rank_window(self, start: datetime, window_id: int) -> list[int]:
        pool = []
        for i in self.newest_first(start):
            article_flags = self._cheap_flags(i)
            if not article_flags:
                pool.append(i)
            if len(pool) == 40:
                break
        rng = random.Random(f"{self.config.seed}:mv:{window_id}")
        size = 5 + rng.randrange(6)

        def score(i: int) -> float:
            popularity = random.Random(f"{self.config.seed}:pop:{i}").lognormvariate(0, 1)
            noise = random.Random(f"{self.config.seed}:mv:{window_id}:{i}").lognormvariate(0, 0.5)
            return popularity * noise

        return sorted(pool, key=lambda i: (-score(i), i))[:size]

    def _cheap_flags(self, i: int) -> frozenset[str]:
        if i >= self.config.count:
            return self._fixed[i - self.config.count].flags
        return frozenset() if self.edition.make == "wordpress" else rare_flags(i)

    def most_viewed_truth(self, now: datetime) -> dict:
        """The sidebar a perfect parser reads from any page served in `now`'s window."""
        start, end = self.window(now)
        entries = []
        for rank, i in enumerate(self.most_viewed(now), 1):
            article = self.article(i)
            entries.append(
                {
                    "rank": rank,
                    "url": article.url,
                    "title": article.version_at(start).headline,
                    "teaser": article.teaser(start),
                }
            )
        return {
            "site": self.edition.site,
            "window_start": start.isoformat(),
            "window_end": end.isoformat(),
            "entries": entries,
        }


def rare_flags(i: int) -> frozenset[str]:
    """Hard cases that must appear at any site size: spread by id, not left to chance."""
    for modulus, offset, flag in (
        (37, 7, "no-body"),
        (41, 11, "truncated"),
        (43, 19, "wrong-charset"),
        (47, 23, "script-in-text"),
    ):
        if i % modulus == offset:
            return frozenset({flag})
    return frozenset()


# -- text ---------------------------------------------------------------------------------


def headline(rng: random.Random) -> str:
    place = rng.choice(words.PROVINCES)
    inst = rng.choice(words.INSTITUTIONS)
    subject = rng.choice(words.SUBJECTS)
    forms = [
        f"{inst} {rng.choice(words.VERBS_PRESENT)} {rng.choice(words.ADJECTIVES)} "
        f"{rng.choice(words.NOUNS)} on {subject}",
        f"{place} {subject} {rng.choice(['rise', 'fall', 'stall', 'surge', 'slow'])} "
        f"{rng.choice(['sharply', 'again', 'for a third month', 'despite rains', 'in first half'])}",
        f"{rng.choice(words.PEOPLE)[0]} {rng.choice(words.VERBS_PRESENT)} "
        f"{rng.choice(words.ADJECTIVES)} {rng.choice(words.NOUNS)}",
        f"Villagers in {place} {rng.choice(['protest', 'welcome', 'question', 'await'])} "
        f"{rng.choice(words.ADJECTIVES)} {rng.choice(words.NOUNS)} on {subject}",
        f"Cambodia’s {subject} {rng.choice(['under review', 'in focus', 'at a crossroads', 'set to grow'])}"
        f" as {inst} {rng.choice(words.VERBS_PRESENT)} {rng.choice(words.NOUNS)}",
    ]
    return rng.choice(forms)


def sentence(rng: random.Random) -> str:
    person, role = rng.choice(words.PEOPLE)
    inst = rng.choice(words.INSTITUTIONS)
    subject = rng.choice(words.SUBJECTS)
    place = rng.choice(words.PROVINCES)
    when = rng.choice(words.TIME_PHRASES)
    number = rng.choice(
        [
            f"{rng.randint(2, 98)} per cent",
            f"${rng.randint(2, 900)} million",
            f"{rng.randint(12, 9000):,} families",
            f"{rng.randint(3, 60)} villages",
        ]
    )
    forms = [
        f"{person}, {role}, said the {rng.choice(words.NOUNS)} on {subject} would be "
        f"{rng.choice(words.VERBS_PAST)} {when}.",
        f"“{rng.choice(words.QUOTES)},” {person.split()[-1]} said.",
        f"The {inst} {rng.choice(words.VERBS_PAST)} a {rng.choice(words.ADJECTIVES)} "
        f"{rng.choice(words.NOUNS)} {when}, affecting {number} in {place} province.",
        f"According to the {inst}, {subject} in {place} changed by {number} compared with the same period last year.",
        f"Officials in {place} said they had not been consulted on the {rng.choice(words.NOUNS)}, "
        f"which critics say favours large companies.",
        f"{person} told the Post that {subject} had become “a matter of survival” for many households.",
        f"The {rng.choice(words.NOUNS)}, first proposed {when}, still awaits approval from the {inst}.",
        f"Cambodia’s {subject} have drawn attention from donors & investors alike, {role} {person} said.",
    ]
    return rng.choice(forms)


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))


def khmer_phrase(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(words.KHMER_WORDS) for _ in range(rng.randint(low, high)))


def khmer_paragraph(rng: random.Random) -> str:
    phrases = [khmer_phrase(rng, 2, 5) for _ in range(rng.randint(3, 7))]
    return " ".join(phrases) + "។"


def khmer_slug(title: str) -> str:
    return title[:24]


def pick_authors(rng: random.Random) -> list[str]:
    roll = rng.random()
    if roll < 0.05:
        return []
    if roll < 0.10:
        return [rng.choice(words.ORGANISATION_BYLINES)]
    count = 1 if roll < 0.70 else 2 if roll < 0.90 else 3
    return rng.sample(words.REPORTERS, count)


def in_khmer_script(authors: list[str], corpus: Corpus, i: int) -> list[str]:
    """Half of the Khmer edition's bylines name their reporters in Khmer script (from a random
    stream of their own, so the rest of the article is drawn as before)."""
    if corpus.edition.language != "km" or not authors or authors[0] in words.ORGANISATION_BYLINES:
        return authors
    rng = random.Random(f"{corpus.config.seed}:khmer-names:{i}")
    return rng.sample(words.KHMER_REPORTERS, len(authors)) if rng.random() < 0.5 else authors


def make_caption(rng: random.Random, era: str, language: str) -> tuple[str | None, str | None, str]:
    """(caption, credit, label printed before the credit) in the forms the Post prints."""
    if language == "km":
        return khmer_phrase(rng, 3, 6) + "។", rng.choice(words.CAPTION_CREDITS_DRUPAL), ""
    caption = rng.choice(words.CAPTION_SCENES).format(place=rng.choice(words.PROVINCES)) + "."
    if rng.random() < 0.3:
        noun, verb, when = rng.choice(words.NOUNS), rng.choice(words.VERBS_PAST), rng.choice(words.TIME_PHRASES)
        caption += f" The {noun} was {verb} {when}."
    roll = rng.random()
    if roll < 0.1:
        return caption, None, ""
    if era == "joomla":
        return caption, rng.choice(words.CAPTION_PHOTOGRAPHERS_2012), "Photograph: "
    if roll < 0.15:
        return caption.rstrip("."), "PHOTO SUPPLIED", ""
    if roll < 0.2:
        return caption, rng.choice(words.CAPTION_INITIALLED), "Photo: "
    if roll < 0.25:
        return (
            rng.choice(words.CAPTION_TRICKY).format(place=rng.choice(words.PROVINCES)),
            rng.choice(words.CAPTION_CREDITS_DRUPAL),
            "",
        )
    return caption, rng.choice(words.CAPTION_CREDITS_DRUPAL), ""


def image_url(era: str, name: str, rng: random.Random) -> str:
    if era.startswith("wp-"):
        return f"/wp-content/uploads/{name[:4]}/{name[4:6]}/{name}.jpg"
    if era == "joomla":
        return f"/images/stories/{name}.jpg"
    if era == "drupal":
        token = "".join(rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGH0123456789_-") for _ in range(8))
        return f"/sites/default/files/styles/image_780x440/public/field/image/{name}.jpg?itok={token}"
    return f"/storage/uploads/images/{name}.jpg"


def with_structure(rng: random.Random, body: list[str]) -> tuple[list[str], dict[int, str]]:
    """A body with a subheading and a bulleted list in it, as longer reports have."""
    subhead = rng.choice(words.SUBHEADS).format(place=rng.choice(words.PROVINCES))
    items = [
        rng.choice(words.LIST_ITEMS).format(place=rng.choice(words.PROVINCES), n=rng.randint(2, 90))
        for _ in range(rng.randint(2, 3))
    ]
    structured = [*body[:2], subhead, *body[2:3], *items, *body[3:]]
    kinds = {2: "h3"} | {4 + k: "li" for k in range(len(items))}
    return structured, kinds


def generate_article(corpus: Corpus, i: int) -> SiteArticle:
    rng = random.Random(f"{corpus.config.seed}:article:{i}")
    published = corpus.published(i)
    section = corpus.section_of(i)
    era = corpus.edition.era_of(published)
    language = corpus.edition.language
    base = corpus._headline_base(i)
    if language == "km":
        body = [khmer_paragraph(rng) for _ in range(rng.randint(3, 8))]
        standfirst, tags = None, []
    else:
        body = [paragraph(rng) for _ in range(rng.randint(4, 12))]
        standfirst = sentence(rng) if era != "joomla" and rng.random() < 0.4 else None
        tags = [] if era == "joomla" else rng.sample(words.TAGS, rng.randint(1, 4))
    wordpress = corpus.edition.make == "wordpress"
    flags = set() if wordpress else set(rare_flags(i))
    if wordpress:
        standfirst = None  # its theme prints no standfirst [G]
    if "wrong-charset" in flags:
        body.insert(0, f"“{rng.choice(words.QUOTES)},” a spokesman said.")
    if "script-in-text" in flags and language == "en":
        body.insert(
            1, "Investigators said the attackers planted <script>alert('hacked')</script> in the ministry’s web page."
        )
    kinds: dict[int, str] = {}
    if language == "en" and era != "joomla" and not flags and len(body) >= 4 and rng.random() < 0.2:
        body, kinds = with_structure(rng, body)
    if wordpress:
        n_images = rng.choice([0, 1, 1, 1, 2])
    else:
        n_images = {
            "joomla": rng.choice([0, 1, 1]),
            "drupal": rng.choice([1, 1, 1, 1, 2, 3]),
            "modern": rng.randint(1, 4),
        }[era]
    if "truncated" in flags:
        n_images = min(n_images, 1)
    images = []
    for k in range(n_images):
        caption, credit, label = make_caption(rng, era, language)
        images.append(Image(image_url(era, f"{published:%Y%m%d}-{i}-{k}", rng), caption, credit, label))
    updated = revised = None
    if era != "joomla" and rng.random() < 0.15 and not flags:
        updated = published + timedelta(minutes=rng.randint(30, 72 * 60))
        extra = paragraph(rng) if language == "en" else khmer_paragraph(rng)
        new_headline = base + (" – update" if language == "en" else "")
        if language == "en" and rng.random() < 0.5:
            new_headline = base.replace(" on ", " over ", 1) if " on " in base else base + ", officials say"
        revised = Version(new_headline, [*body, extra], kinds)
    for name, share in (
        ("related", 0.3),
        ("inline-related", 0.15),
        ("ads", 0.4),
        ("entities", 0.3),
        ("br-paragraphs", 0.5 if era == "joomla" else 0.0),
        ("caps", 0.1),
        ("loose-text", 0.3 if era == "joomla" else 0.0),
    ):
        if rng.random() < share:
            flags.add(name)
    return SiteArticle(
        id=i,
        nid=corpus.nid(i),
        path=corpus.path(i),
        era=era,
        language=language,
        section=section,
        published=published,
        updated=updated,
        original=Version(base, body, kinds),
        revised=revised,
        standfirst=standfirst,
        authors=in_khmer_script(pick_authors(rng), corpus, i),
        byline_caps="caps" in flags,
        tags=tags,
        images=images,
        flags=frozenset(flags),
        edition=corpus.edition,
    )


# -- the seed page and its sidebar --------------------------------------------------------

SEED_FILE = Path(__file__).parent / "data" / "000_3e3d1f955a7aa6a2.txt"
SEED_SIDEBAR_MOMENT = datetime(2021, 4, 12, 9, 30, tzinfo=ICT)
SEED_SIDEBAR_DATES = [
    "2021-04-11T16:05",
    "2021-04-01T07:12",
    "2021-04-09T10:40",
    "2021-04-10T08:15",
    "2021-04-07T17:30",
    "2021-04-11T20:20",
]
SEED_TEASER_TAILS = [
    " are running out of time,” said WHO representative Li Ailan.",
    " Khuong Sreng said in a statement.",
    " committee, said foreigners would be vaccinated free of charge.",
    " holiday.",
    " the families of victims.",
    " and teachers.",
]


def parse_seed(text: str) -> dict:
    """Split the seed page's text into its headline, caption, body and sidebar items."""
    lines = [line.rstrip() for line in text.splitlines()]
    blocks = [line for line in lines if line.strip()]
    headline_text = blocks[1]
    caption_line = blocks[2]
    body_start = blocks.index(headline_text, 3) + 1
    sidebar_at = blocks.index("MOST VIEWED")
    body = blocks[body_start:sidebar_at]
    items = []
    for line in blocks[sidebar_at + 1 :]:
        if line.lstrip().startswith("•"):
            items.append({"title": line.strip().lstrip("•").strip(), "teaser": ""})
        else:
            items[-1]["teaser"] = line.strip()
    caption, credit = caption_line.rsplit(". ", 1)
    return {"headline": headline_text, "caption": caption + ".", "credit": credit, "body": body, "most_viewed": items}


@functools.lru_cache(maxsize=1)
def seed_page() -> dict:
    return parse_seed(SEED_FILE.read_text(encoding="utf-8"))


def load_fixed_articles(config: SiteConfig) -> list[SiteArticle]:
    """The seed article (2016) and the six articles its 2021 sidebar shows."""
    seed = seed_page()
    base = config.count
    national = ENGLISH.section("national")
    assert national is not None
    rng = random.Random(f"{config.seed}:fixed")
    fixed = [
        SiteArticle(
            id=base,
            nid=base + 100000,
            path="/national/" + slugify(seed["headline"], True),
            era="drupal",
            language="en",
            section=national,
            published=datetime(2016, 3, 11, 6, 47, tzinfo=ICT),
            updated=None,
            original=Version(seed["headline"], list(seed["body"])),
            revised=None,
            standfirst=None,
            authors=["Meas Sokchea"],
            byline_caps=False,
            tags=["Sam Rainsy", "defamation", "Hun Sen"],
            images=[
                Image(
                    "/sites/default/files/styles/image_780x440/public/field/image/rainsy-france.jpg?itok=Xq3vR8aP",
                    seed["caption"],
                    seed["credit"],
                )
            ],
            flags=frozenset({"related", "ads"}),
        )
    ]
    for k, item in enumerate(seed["most_viewed"], 1):
        published = datetime.fromisoformat(SEED_SIDEBAR_DATES[k - 1]).replace(tzinfo=ICT)
        first = item["teaser"] + SEED_TEASER_TAILS[k - 1]
        body = [first] + [paragraph(rng) for _ in range(rng.randint(3, 6))]
        fixed.append(
            SiteArticle(
                id=base + k,
                nid=base + k + 100000,
                path="/national/" + slugify(item["title"], True),
                era="drupal",
                language="en",
                section=national,
                published=published,
                updated=None,
                original=Version(item["title"], body),
                revised=None,
                standfirst=None,
                authors=pick_authors(rng) or ["Post Staff"],
                byline_caps=False,
                tags=["Covid-19"] if "Covid" in item["teaser"] + item["title"] else ["health"],
                images=[],
                fixed_teaser=item["teaser"],
            )
        )
    return fixed
