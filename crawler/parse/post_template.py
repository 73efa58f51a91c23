"""The Phnom Penh Post's templates: selectors, printed forms and section names, by era, for
both editions of the paper (the English site and its Khmer sister site share the template).

Each era has its own markup (SITE-EVIDENCE.md); the parser finds which one a page uses from
the page itself, not from its URL, so a mirror or an old capture parses the same way. What
differs between the editions (host, eras, printed dates) is an Edition.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from archive.model import Article, Image, MostViewedSnapshot, ParsedPage
from archive.urls import bare_host, canonical_url, is_mirror_host, same_site
from crawler.parse import common, fallback, generic, ranked_lists
from crawler.parse.pageindex import PageIndex

ICT = timezone(timedelta(hours=7), "ICT")
ZONE_NAMES = {"ICT": 7 * 3600}
PRINTED_DATES = ("%d %B %Y %H:%M", "%A, %B %d, %Y %H:%M", "%A, %d %B %Y", "%d %B %Y")
BOILERPLATE_PARAGRAPH = re.compile(
    r"^(?:to contact the reporters? on this story|read more\s*:|related\s*:|see also\s*:|advertisement$)", re.I
)
DATE_LINE = re.compile(
    r"Publication date \d{1,2} [A-Za-z]+ \d{4}(?: \| \d{1,2}:\d{2})?(?: \|)? ICT"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*, (?:\d{1,2} [A-Za-z]+|[A-Za-z]+ \d{1,2},) \d{4}"
)
JOOMLA_SECTIONS = {
    "National-news": "national",
    "Business": "business",
    "Opinion": "opinion",
    "International": "international",
    "Real-Estate": "post-property",
    "Khmer-Rouge-Tribunal": "kr-tribunal",
    "7Days": "7days",
    "Lifestyle": "post-weekend",
    "Special-reports": "special-reports",
    "Columns": "columns",
}
NOT_SECTIONS = frozenset({"index.php", "node", "print", "search", "tags"})
JOOMLA_DATE_LINE = re.compile(
    r"^(?P<date>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+\d{1,2}\s+[A-Za-z]+\s+\d{4})\s*(?P<byline>.*)$"
)
DATE_LABEL = re.compile(r"(Publication date|Updated|ធ្វើបច្ចុប្បន្នភាព៖?)", re.I)
UPDATED_LABELS = frozenset({"updated", "ធ្វើបច្ចុប្បន្នភាព", "ធ្វើបច្ចុប្បន្នភាព៖"})
LINE_BREAK = re.compile(f"[{common.PARAGRAPH_MARK}\n]")


@dataclass(frozen=True)
class Era:
    """Where one template keeps each field (selectors of crawler.parse.pageindex)."""

    name: str
    marker: str
    headline: str
    body: str
    byline: str
    dates: str
    standfirst: str | None
    tags: str | None
    images: str
    dates_in_byline: bool = False  # the dates are the byline block's later lines, not a block of their own


PrintedDate = Callable[[str], "tuple[datetime, bool] | None"]


@dataclass(frozen=True)
class Edition:
    """What one edition of the paper is: its host, its templates and how it prints dates."""

    site: str
    origin: str
    eras: tuple[Era, ...]
    byline_suffixes: tuple[re.Pattern[str], ...]
    title_suffix: re.Pattern[str]
    most_viewed_headings: frozenset[str]  # the sidebar's heading, lower-cased
    read_date: PrintedDate  # a printed date: (the moment, whether a time was printed), or None


@dataclass(frozen=True)
class EditionParser:
    """One edition's parser, as its site module names it (crawler.sites.Parser)."""

    edition: Edition

    def parse(
        self, html: bytes, url: str, fetched_at: datetime, article_expected: bool = False, templates: bool = True
    ) -> ParsedPage:
        return parse(self.edition, html, url, fetched_at, article_expected, templates)

    def absolute_identity(self, href: str) -> str | None:
        return absolute_identity(self.edition, href)

    def to_identity(self, href: str, base: str) -> str | None:
        return to_identity(self.edition, href, base)


DRUPAL = Era(
    "drupal",
    ".single-article-header",
    ".single-article-header > h2",
    "#ArticleBody, [itemprop=articleBody]",
    ".article-author-wrapper p",
    ".ads-social-left-title",
    ".single-article-header .standfirst",
    ".field-name-field-tags a",
    "[itemprop=contentURL], #ArticleBody img, [itemprop=articleBody] img, .field-name-field-image img, figure img",
)
MODERN = Era(
    "modern",
    ".section-article-header",
    ".section-article-header h2",
    ".article-text",
    ".authname",
    ".paraclass",
    ".section-article-header .standfirst",
    ".article-tags a",
    ".article-text img",
)
JOOMLA = Era(
    "joomla",
    ".contentheading",
    ".contentheading",
    ".article-content",
    ".createdate",
    ".createdate",
    None,
    None,
    ".item-page img",
)

CLUTTER_TAGS = frozenset({"script", "style", "noscript", "ins", "iframe", "form", "figure", "figcaption"})
CLUTTER_CLASSES = frozenset(
    {
        "ad-slot",
        "ads",
        "advert",
        "advertisement",
        "related-articles",
        "related-inline",
        "related-box",
        "social-share",
        "share-tools",
        "field-name-field-image",
        "field-name-field-image-caption",
        "article-image",
        "caption",
        "most-viewed",
        "colorbox",
        "dfp_ad",
    }
)
CAPTION_CLASSES = frozenset({"caption", "field-name-field-image-caption", "image-caption", "wp-caption-text"})
SECTION_LINK = ".ads-social-left-title h2 a, .breadcrumbs a, .pathway a"


def has_class(node: etree._Element, classes: frozenset[str]) -> bool:
    return not classes.isdisjoint(node.get("class", "").split())


def is_clutter(node: etree._Element) -> bool:
    return node.tag in CLUTTER_TAGS or has_class(node, CLUTTER_CLASSES)


def parse(
    edition: Edition,
    html: bytes,
    url: str,
    fetched_at: datetime,
    article_expected: bool = False,
    templates: bool = True,
) -> ParsedPage:
    """One page of an edition as records: its article (if it is one) and its sidebar.

    `fetched_at` must carry its zone: it stamps the sidebar, which shows what was popular
    when the page was fetched. A page fetched as an article (`article_expected`) that no
    template matches still gives a record, a provisional one (crawler.parse.fallback).
    Without `templates` no era's rules are tried, so every article comes from the generic
    extractor (how the safety net is measured).
    """
    seen = common.iso(fetched_at)
    text, warnings = common.decode_html(html)
    if re.search(rb"</html\s*>", html[-65536:], re.I) is None:
        warnings.append("truncated: the page ends before </html>; what follows the cut is missing")
        text = common.drop_dangling_tag(text)
    tree = common.load_tree(text)
    if tree is None:
        warnings.append("empty: nothing readable in the page")
        return ParsedPage(None, None, warnings)
    page = PageIndex(tree)
    page_url, own = page_identity(edition, page, url, warnings)
    sidebar = most_viewed(edition, page, page_url, seen)
    if sidebar is not None and not own:
        warnings.append(
            f"other-site: the page is of {bare_host(urlsplit(page_url).netloc)}, not of {edition.site}; "
            "its Most viewed list is not recorded"
        )
        sidebar = None
    era = next((era for era in edition.eras if page.select(era.marker)), None) if own and templates else None
    article: Article | None
    if era is not None:
        article = parse_article(edition, page, era, text, page_url, url, fetched_at, warnings)
    else:
        article = fallback.provisional_article(
            edition.site, text, page, page_url, url, fetched_at, ICT, article_expected, warnings
        )
    return ParsedPage(article, sidebar, warnings)


def to_identity(edition: Edition, href: str, base: str) -> str | None:
    """Identity URL of a link (the edition's hosts get its origin), or None for a link that
    is not a web address (javascript:, mailto:) or cannot be read."""
    href = href.strip()
    if href.startswith("//") or not href.startswith(("/", "http://", "https://")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("#"):
            return None
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    return absolute_identity(edition, href)


@functools.lru_cache(maxsize=65536)
def absolute_identity(edition: Edition, href: str) -> str | None:
    """Cached: the same sidebar links recur on every page of a crawl."""
    try:
        absolute = urljoin(edition.origin, href)
        own = same_site(urlsplit(absolute).netloc, edition.site)
        return canonical_url(absolute, edition.origin if own else None, keep_query=not own)
    except ValueError:
        return None


def stated_addresses(page: PageIndex) -> list[str]:
    """The addresses a page gives itself: its canonical links, else its og:url."""
    hrefs = [
        link.get("href", "").strip()
        for link in page.tree.iter("link")
        if "canonical" in link.get("rel", "").lower().split() and link.get("href", "").strip()
    ]
    if hrefs:
        return hrefs
    return [
        meta.get("content", "").strip() for meta in page.select("[property=og:url]") if meta.get("content", "").strip()
    ]


def page_identity(edition: Edition, page: PageIndex, url: str, warnings: list[str]) -> tuple[str, bool]:
    """The page's identity, and whether it is a page of the edition.

    The identity is the address the page states (canonical link, else og:url), else the
    address it was fetched from, put on the edition's origin when fetched from the edition's
    hosts or from a replica (is_mirror_host), which so keeps the identity of the original. A
    page that states another host, or was fetched from one, is of that site (the other
    edition, another paper) and keeps its host.
    """
    hrefs = stated_addresses(page)
    if len(set(hrefs)) > 1:
        warnings.append(f"canonical: the page names {len(set(hrefs))} canonical addresses; the first is used")
    try:
        if hrefs:
            stated_host = urlsplit(hrefs[0]).netloc
            own = not stated_host or same_site(stated_host, edition.site)
            origin = edition.origin if own else None
            return canonical_url(urljoin(url, hrefs[0]), origin, keep_query=not own), own
        fetched_host = urlsplit(url).hostname or ""
        if is_mirror_host(fetched_host) or same_site(fetched_host, edition.site):
            return canonical_url(url, edition.origin, keep_query=False), True
        return canonical_url(url, keep_query=True), False
    except ValueError:
        warnings.append("address: the page's address cannot be read; the site's home page stands in")
        return edition.origin + "/", True


def parse_article(
    edition: Edition,
    page: PageIndex,
    era: Era,
    text: str,
    page_url: str,
    fetched_url: str,
    fetched_at: datetime,
    warnings: list[str],
) -> Article:
    """The article by the era's rules; a date, byline or body the rules cannot find (its
    element is gone: a changed template) is taken from the generic extractor, named in the
    warnings, and the record is provisional."""
    seen = common.iso(fetched_at)
    headline = common.text_of(page.first(era.headline)) or og_title(edition, page)
    if not headline:
        warnings.append("no-headline: no headline found")
    byline_node = page.first(era.byline)
    raw_byline = common.text_of(byline_node)
    published = updated = None
    precision = None
    if era.name == "joomla":
        line = JOOMLA_DATE_LINE.match(raw_byline)
        raw_byline = line.group("byline") if line else ""
        if line:
            published = common.parse_printed_date(line.group("date"), ICT, ZONE_NAMES, PRINTED_DATES)
            precision = "day"
    else:
        if era.dates_in_byline:
            lines = block_lines(byline_node) if byline_node is not None else []
            raw_byline = " ".join(line for line in lines if edition.read_date(line) is None)
            published, updated, printed_time = printed_dates(edition, lines)
        else:
            blocks = [common.block_text(node) for node in page.select(era.dates)]
            published, updated, printed_time = printed_dates(edition, blocks)
        meta_published = meta_date(page, "article:published_time")
        published = meta_published or published
        updated = meta_date(page, "article:modified_time") or updated
        precision = "minute" if meta_published or printed_time else "day"
    generic_fields = functools.cache(lambda: generic.extract(text, fetched_url, fetched_at, ICT))
    fallbacks = []
    if published is None and generic_fields().published is not None:
        published, precision = generic_fields().published, generic_fields().published_precision
        fallbacks.append("date")
    if published is None:
        precision = None
        warnings.append("no-date: no publication date found")
    images = article_images(edition, page, era)
    container = page.first(era.body)
    body = article_body(container)
    if container is None and generic_fields().body:
        body = generic_fields().body
        fallbacks.append("body")
    if not body:
        warnings.append("no-body: the page has no article text")
    authors = common.split_authors(raw_byline, list(edition.byline_suffixes)) if raw_byline else []
    if byline_node is None and not authors and generic_fields().authors:
        authors = generic_fields().authors
        fallbacks.append("byline")
    warnings.extend(
        f"fallback-{name}: the {era.name} template gave no {name}; the generic extractor's is used"
        for name in fallbacks
    )
    standfirst = common.text_of(page.first(era.standfirst)) if era.standfirst else ""
    return Article(
        url=page_url,
        site=edition.site,
        era=era.name,
        language=common.language_of(body or [headline], page.tree.get("lang")),
        headline=headline or None,
        standfirst=standfirst or None,
        authors=authors,
        byline=raw_byline or None,
        published=common.iso(published),
        published_precision=precision,
        updated=common.iso(updated),
        section=section_of(page, page_url),
        tags=[common.text_of(a) for a in page.select(era.tags)] if era.tags else [],
        images=images,
        body=body,
        word_count=sum(len(p.split()) for p in body),
        fetched_url=fetched_url,
        fetched_at=seen,
        warnings=list(warnings),
        provisional=bool(fallbacks),
    )


def block_lines(node: etree._Element) -> list[str]:
    """The lines of a block that prints several (a name, then a date), split at <br> and
    line ends."""
    return [line for line in map(common.clean, LINE_BREAK.split(common.block_with_breaks(node))) if line]


def og_title(edition: Edition, page: PageIndex) -> str:
    og = page.first("[property=og:title]")
    if og is not None and og.get("content"):
        return common.clean(og.get("content"))
    return edition.title_suffix.sub("", common.text_of(page.first("title")))


def printed_dates(edition: Edition, blocks: list[str]) -> tuple[datetime | None, datetime | None, bool]:
    """Publication and update times from the text of the era's date blocks, and whether a
    time was printed."""
    published = updated = None
    printed_time = False
    for block in blocks:
        for label, printed in date_lines(block):
            read = edition.read_date(printed)
            if read is None:
                continue
            if label.rstrip("៖") in UPDATED_LABELS:
                updated = updated or read[0]
            elif published is None:
                published, printed_time = read
    return published, updated, printed_time


def english_date(text: str) -> tuple[datetime, bool] | None:
    """A date as the English edition prints it (PRINTED_DATES, or whatever dateutil reads
    with a full date), and whether a time of day was printed."""
    if not re.search(r"\d{4}", text):
        return None
    moment = common.parse_printed_date(text, ICT, ZONE_NAMES, PRINTED_DATES)
    return (moment, common.has_time(text)) if moment else None


def date_lines(text: str) -> list[tuple[str, str]]:
    """(label, date) of each date a block prints. The Drupal template prints its dates in a
    block that also holds the section and the byline, as a p, a span or bare text, so a date
    runs from its label ('Publication date', 'Updated') to the next label or the block's end;
    a block with no label is one date line. A label right before another ('Updated:
    Publication date …') is the one that counts."""
    pieces = DATE_LABEL.split(text)
    if len(pieces) == 1:
        return [("", text)]
    lines = []
    pending = None
    for label, printed in zip(pieces[1::2], pieces[2::2], strict=True):
        label = pending or label.lower()
        pending = label if not printed.strip() else None
        if printed.strip():
            lines.append((label, printed.strip()))
    return lines


def meta_date(page: PageIndex, name: str) -> datetime | None:
    meta = page.first(f"[property={name}]")
    return common.parse_iso(meta.get("content")) if meta is not None else None


def article_body(container: etree._Element | None) -> list[str]:
    """The article's paragraphs, with ads, related links, share buttons and photos taken out
    (of a copy: the page itself is left as it was)."""
    if container is None:
        return []
    container = copy.deepcopy(container)
    captions = [caption for caption in map(caption_node, container.iter("img")) if caption is not None]
    common.drop(captions)
    common.drop([node for node in container.iterdescendants() if isinstance(node.tag, str) and is_clutter(node)])
    return [text for text in common.paragraphs(container) if not BOILERPLATE_PARAGRAPH.match(text)]


def article_images(edition: Edition, page: PageIndex, era: Era) -> list[Image]:
    """Every photo of the article once (not the logo, not ads or the sidebar), captions split
    from credits."""
    images: list[Image] = []
    seen: set[str] = set()
    for img in page.select(era.images):
        src = (img.get("src") or "").strip()
        if not src or src in seen or any(is_clutter(a) and not is_photo_frame(a) for a in img.iterancestors()):
            continue
        try:
            url = urljoin(edition.origin, src)
        except ValueError:
            continue
        seen.add(src)
        caption, credit = common.split_credit(caption_text(img))
        images.append(Image(url=url, caption=caption, credit=credit))
    return images


def is_photo_frame(node: etree._Element) -> bool:
    """Wrappers that hold a photo and its caption (clutter for the body, not for images)."""
    return node.tag in ("figure",) or has_class(
        node, frozenset({"field-name-field-image", "article-image", "colorbox"})
    )


def caption_text(img: etree._Element) -> str:
    caption = caption_node(img)
    return common.text_of(caption) if caption is not None else ""


def caption_node(img: etree._Element) -> etree._Element | None:
    """The element that prints an image's caption.

    The caption is the figcaption of the image's figure, or the caption block (a figcaption, a
    block of a caption class such as Drupal's caption field, or a plain div of text) right after
    the image or after one of the wrappers that hold nothing but the image.
    """
    node = img
    for _ in range(5):
        parent = node.getparent()
        if parent is None:
            return None
        if parent.tag == "figure":
            return next(parent.iter("figcaption"), None)
        following = node.getnext()
        if following is not None and not (node.tail or "").strip():
            caption = caption_block(following)
            if caption is not None:
                return caption
        if parent.tag in ("body", "html") or len(parent) > 1 or (parent.text or "").strip():
            return None
        node = parent
    return None


def caption_block(node: etree._Element) -> etree._Element | None:
    """`node` (or the caption inside it) if it is a caption block; None if it holds a photo."""
    if not isinstance(node.tag, str) or next(node.iter("img"), None) is not None:
        return None
    if node.tag == "figcaption" or has_class(node, CAPTION_CLASSES):
        return node
    inner = next((d for d in node.iterdescendants() if isinstance(d.tag, str) and has_class(d, CAPTION_CLASSES)), None)
    if inner is not None:
        return inner
    is_text_only = not any(isinstance(d.tag, str) and d.tag in common.BLOCK_TAGS for d in node.iterdescendants())
    return node if node.tag == "div" and is_text_only and common.text_of(node) and not is_clutter(node) else None


def section_of(page: PageIndex, page_url: str) -> str | None:
    """The section slug: the first segment of the page's path (two for lift/…), or the page's
    section link, or the old Joomla section name mapped to today's slug."""
    segments = [unquote(s) for s in urlsplit(page_url).path.split("/") if s]
    if segments and segments[0] not in NOT_SECTIONS:
        if segments[0] == "lift" and len(segments) >= 3:
            return "/".join(segments[:2])
        return segments[0]
    for link in page.select(SECTION_LINK):
        path = unquote(urlsplit(link.get("href", "")).path.strip("/"))
        if path.startswith("index.php/"):
            name = path.split("/", 1)[1]
            return JOOMLA_SECTIONS.get(name, name.lower())
        if path and "/" not in path and path not in NOT_SECTIONS:
            return path
    if len(segments) >= 3 and segments[0] == "index.php":
        return JOOMLA_SECTIONS.get(segments[2], segments[2].lower())
    return None


def most_viewed(edition: Edition, page: PageIndex, page_url: str, seen: str | None) -> MostViewedSnapshot | None:
    """The sidebar's ranked list, or None when the page shows none."""
    block = page.first(".most-viewed")
    if block is None:
        block = ranked_lists.block_by_heading(page.tree, edition.most_viewed_headings)
    if block is None:
        return None
    entries = ranked_lists.ranked_entries(block, lambda href: to_identity(edition, href, page_url), DATE_LINE)
    if not entries:
        return None
    return MostViewedSnapshot(site=edition.site, seen_at=seen or "", page_url=page_url, entries=entries)
