"""The Phnom Penh Post: selectors, printed forms and section names, by template era.

Each era has its own markup (SITE-EVIDENCE.md); the parser finds which one a page uses from
the page itself, not from its URL, so a mirror or an old capture parses the same way.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from archive.model import Article, Image, MostViewedEntry, MostViewedSnapshot, ParsedPage
from archive.urls import bare_host, canonical_url, same_site
from crawler.parse import common
from crawler.parse.pageindex import PageIndex

SITE = "phnompenhpost.com"
ORIGIN = "https://www.phnompenhpost.com"
ICT = timezone(timedelta(hours=7), "ICT")
ZONE_NAMES = {"ICT": 7 * 3600}
PRINTED_DATES = ("%d %B %Y %H:%M", "%A, %B %d, %Y %H:%M", "%A, %d %B %Y", "%d %B %Y")
BYLINE_SUFFIXES = [re.compile(r"\s*\|\s*(?:The\s+)?Phnom Penh Post\s*$", re.I)]
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
KHMER = re.compile(r"[\u1780-\u17ff]")
DATE_LABEL = re.compile(r"(Publication date|Updated)", re.I)


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


ERAS = [
    Era(
        "drupal",
        ".single-article-header",
        ".single-article-header > h2",
        "#ArticleBody, [itemprop=articleBody]",
        ".article-author-wrapper p",
        ".ads-social-left-title",
        ".single-article-header .standfirst",
        ".field-name-field-tags a",
        "[itemprop=contentURL], #ArticleBody img, [itemprop=articleBody] img, .field-name-field-image img, figure img",
    ),
    Era(
        "modern",
        ".section-article-header",
        ".section-article-header h2",
        ".article-text",
        ".authname",
        ".paraclass",
        ".section-article-header .standfirst",
        ".article-tags a",
        ".article-text img",
    ),
    Era(
        "joomla",
        ".contentheading",
        ".contentheading",
        ".article-content",
        ".createdate",
        ".createdate",
        None,
        None,
        ".item-page img",
    ),
]

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
    }
)
CAPTION_CLASSES = frozenset({"caption", "field-name-field-image-caption", "image-caption", "wp-caption-text"})
SECTION_LINK = ".ads-social-left-title h2 a, .breadcrumbs a, .pathway a"


def has_class(node: etree._Element, classes: frozenset[str]) -> bool:
    return not classes.isdisjoint(node.get("class", "").split())


def is_clutter(node: etree._Element) -> bool:
    return node.tag in CLUTTER_TAGS or has_class(node, CLUTTER_CLASSES)


def parse(html: bytes, url: str, fetched_at: datetime) -> ParsedPage:
    """One page of the site as records: its article (if it is one) and its sidebar.

    `fetched_at` must carry its zone: it stamps the sidebar, which shows what was popular
    when the page was fetched.
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
    page_url = page_identity(page, url, warnings)
    sidebar = most_viewed(page, page_url, seen)
    era = next((era for era in ERAS if page.select(era.marker)), None)
    article = parse_article(page, era, page_url, url, seen, warnings) if era else None
    return ParsedPage(article, sidebar, warnings)


def to_identity(href: str, base: str) -> str | None:
    """Identity URL of a link (site hosts get the site's origin), or None for a link that
    is not a web address (javascript:, mailto:) or cannot be read."""
    href = href.strip()
    if href.startswith("//") or not href.startswith(("/", "http://", "https://")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("#"):
            return None
        try:
            href = urljoin(base, href)
        except ValueError:
            return None
    return absolute_identity(href)


@functools.lru_cache(maxsize=65536)
def absolute_identity(href: str) -> str | None:
    """Cached: the same sidebar links recur on every page of a crawl."""
    try:
        absolute = urljoin(ORIGIN, href)
        own = same_site(urlsplit(absolute).netloc, SITE)
        return canonical_url(absolute, ORIGIN if own else None, keep_query=not own)
    except ValueError:
        return None


def page_identity(page: PageIndex, url: str, warnings: list[str]) -> str:
    """The page's identity: its canonical link, else the address it was fetched from, on the
    site's own origin (a page fetched from a mirror keeps the identity of the original).
    A canonical link that names another host (the Khmer sister site) keeps that host."""
    hrefs = [
        link.get("href", "")
        for link in page.tree.iter("link")
        if "canonical" in link.get("rel", "").lower().split() and link.get("href", "").strip()
    ]
    if len(set(hrefs)) > 1:
        warnings.append(f"canonical: the page names {len(set(hrefs))} canonical addresses; the first is used")
    try:
        if hrefs:
            href = hrefs[0].strip()
            stated_host = urlsplit(href).netloc
            own = not stated_host or same_site(stated_host, SITE)
            return canonical_url(urljoin(url, href), ORIGIN if own else None, keep_query=False)
        return canonical_url(url, ORIGIN, keep_query=False)
    except ValueError:
        warnings.append("address: the page's address cannot be read; the site's home page stands in")
        return ORIGIN + "/"


def parse_article(
    page: PageIndex, era: Era, page_url: str, fetched_url: str, seen: str | None, warnings: list[str]
) -> Article:
    headline = common.text_of(page.first(era.headline)) or og_title(page)
    if not headline:
        warnings.append("no-headline: no headline found")
    raw_byline = common.text_of(page.first(era.byline))
    published = updated = None
    precision = None
    if era.name == "joomla":
        line = JOOMLA_DATE_LINE.match(raw_byline)
        raw_byline = line.group("byline") if line else ""
        if line:
            published = common.parse_printed_date(line.group("date"), ICT, ZONE_NAMES, PRINTED_DATES)
            precision = "day"
    else:
        published, updated, printed_time = printed_dates(page.select(era.dates))
        meta_published = meta_date(page, "article:published_time")
        published = meta_published or published
        updated = meta_date(page, "article:modified_time") or updated
        precision = "minute" if meta_published or printed_time else "day"
    if published is None:
        precision = None
        warnings.append("no-date: no publication date found")
    images = article_images(page, era)
    body = article_body(page.first(era.body))
    if not body:
        warnings.append("no-body: the page has no article text")
    authors = common.split_authors(raw_byline, BYLINE_SUFFIXES) if raw_byline else []
    standfirst = common.text_of(page.first(era.standfirst)) if era.standfirst else ""
    return Article(
        url=page_url,
        site=bare_host(urlsplit(page_url).netloc),
        era=era.name,
        language=language_of(page.tree, body),
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
    )


def og_title(page: PageIndex) -> str:
    og = page.first("[property=og:title]")
    if og is not None and og.get("content"):
        return common.clean(og.get("content"))
    title = common.text_of(page.first("title"))
    return re.sub(r"\s*\|\s*Phnom Penh Post\s*$", "", title)


def printed_dates(nodes: list[etree._Element]) -> tuple[datetime | None, datetime | None, bool]:
    """Publication and update times from the era's date blocks, and whether a time was printed."""
    published = updated = None
    printed_time = False
    for node in nodes:
        for label, printed in date_lines(common.block_text(node)):
            if not re.search(r"\d{4}", printed):
                continue
            moment = common.parse_printed_date(printed, ICT, ZONE_NAMES, PRINTED_DATES)
            if label == "updated":
                updated = updated or moment
            elif published is None and moment is not None:
                published, printed_time = moment, common.has_time(printed)
    return published, updated, printed_time


def date_lines(text: str) -> list[tuple[str, str]]:
    """(label, date) of each date a block prints. The Drupal template prints its dates in a
    block that also holds the section and the byline, as a p, a span or bare text, so a date
    runs from its label ('Publication date', 'Updated') to the next label or the block's end;
    a block with no label is one date line."""
    pieces = DATE_LABEL.split(text)
    if len(pieces) == 1:
        return [("", text)]
    return [(label.lower(), printed.strip()) for label, printed in zip(pieces[1::2], pieces[2::2], strict=True)]


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


def article_images(page: PageIndex, era: Era) -> list[Image]:
    """Every photo of the article once (not the logo, not ads or the sidebar), captions split
    from credits."""
    images: list[Image] = []
    seen: set[str] = set()
    for img in page.select(era.images):
        src = (img.get("src") or "").strip()
        if not src or src in seen or any(is_clutter(a) and not is_photo_frame(a) for a in img.iterancestors()):
            continue
        try:
            url = urljoin(ORIGIN, src)
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


def language_of(tree: etree._Element, body: list[str]) -> str:
    text = " ".join(body)[:2000]
    if text and len(KHMER.findall(text)) > len(text) / 4:
        return "km"
    lang = (tree.get("lang") or "en").split("-")[0].lower()
    return lang or "en"


def most_viewed(page: PageIndex, page_url: str, seen: str | None) -> MostViewedSnapshot | None:
    """The sidebar's ranked list, or None when the page shows none."""
    block = page.first(".most-viewed")
    if block is None:
        block = sidebar_by_heading(page.tree)
    if block is None:
        return None
    entries: list[MostViewedEntry] = []
    for item in block.iter("li"):
        link = next((a for a in item.iter("a") if a.get("href")), None)
        url = to_identity(link.get("href"), page_url) if link is not None else None
        if url is None:
            continue
        title = common.text_of(link)
        teaser = DATE_LINE.sub(" ", common.block_text(item).replace(title, " ", 1))
        entries.append(
            MostViewedEntry(rank=len(entries) + 1, url=url, title=title, teaser=common.clean(teaser) or None)
        )
    if not entries:
        return None
    return MostViewedSnapshot(site=SITE, seen_at=seen or "", page_url=page_url, entries=entries)


def sidebar_by_heading(tree: etree._Element) -> etree._Element | None:
    """A sidebar found by its heading ('Most viewed') when its markup is not a known one:
    the nearest wrapper of the heading that holds list items."""
    for heading in tree.iter("h2", "h3", "h4", "div", "span"):
        if common.clean(heading.text).lower() != "most viewed":
            continue
        node = heading.getparent()
        while node is not None and node.tag != "body":
            if next(node.iter("li"), None) is not None:
                return node
            node = node.getparent()
    return None
