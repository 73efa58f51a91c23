"""The Phnom Penh Post: selectors, printed forms and section names, by template era.

Each era has its own markup (SITE-EVIDENCE.md); the parser finds which one a page uses from
the page itself, not from its URL, so a mirror or an old capture parses the same way.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urljoin, urlsplit

from archive.model import Article, Image, MostViewedEntry, MostViewedSnapshot, ParsedPage
from archive.urls import canonical_url, same_site
from crawler.parse import common
from crawler.parse.pageindex import PageIndex

SITE = "phnompenhpost.com"
ORIGIN = "https://www.phnompenhpost.com"
ICT = timezone(timedelta(hours=7), "ICT")
ZONE_NAMES = {"ICT": 7 * 3600}
PRINTED_DATES = ("%d %B %Y %H:%M", "%A, %B %d, %Y %H:%M", "%A, %d %B %Y")
BYLINE_SUFFIXES = [re.compile(r"\s*\|\s*(?:The\s+)?Phnom Penh Post\s*$", re.I)]
BOILERPLATE_PARAGRAPH = re.compile(
    r"^(?:to contact the reporters? on this story|read more\s*:|related\s*:|see also\s*:)", re.I)
JOOMLA_SECTIONS = {
    "National-news": "national", "Business": "business", "Opinion": "opinion",
    "International": "international", "Real-Estate": "post-property",
    "Khmer-Rouge-Tribunal": "kr-tribunal", "7Days": "7days", "Lifestyle": "post-weekend",
}
JOOMLA_DATE_LINE = re.compile(
    r"^(?P<date>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+\d{1,2}\s+[A-Za-z]+\s+\d{4})\s*(?P<byline>.*)$")
KHMER = re.compile(r"[\u1780-\u17ff]")


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
    Era("drupal", ".single-article-header", ".single-article-header > h2", "#ArticleBody, [itemprop=articleBody]",
        ".article-author-wrapper p", ".ads-social-left-title p", ".single-article-header .standfirst",
        ".field-name-field-tags a", "#main img"),
    Era("modern", ".section-article-header", ".section-article-header h2", ".article-text", ".authname",
        ".paraclass", ".section-article-header .standfirst", ".article-tags a", "main img"),
    Era("joomla", ".contentheading", ".contentheading", ".article-content", ".createdate", ".createdate",
        None, None, "#maincolumn img"),
]

CLUTTER_TAGS = frozenset({"script", "style", "noscript", "ins", "iframe", "form", "figure"})
CLUTTER_CLASSES = frozenset({
    "ad-slot", "ads", "advert", "related-articles", "related-inline", "related-box", "social-share",
    "share-tools", "field-name-field-image", "article-image", "caption", "most-viewed"})
ELSEWHERE_TAGS = frozenset({"aside", "header", "nav", "footer"})
ELSEWHERE_CLASSES = frozenset({"most-viewed", "region-sidebar", "logo", "related-articles"})
SECTION_LINK = ".ads-social-left-title h2 a, .breadcrumbs a, .pathway a"


def has_class(node, classes: frozenset[str]) -> bool:
    return not classes.isdisjoint(node.get("class", "").split())


def is_elsewhere(node) -> bool:
    """True for the parts of a page that are not the article: sidebars, logo, navigation."""
    return node.tag in ELSEWHERE_TAGS or has_class(node, ELSEWHERE_CLASSES)


def parse(html: bytes, url: str, fetched_at: datetime | str) -> ParsedPage:
    """One page of the site as records: its article (if it is one) and its sidebar."""
    seen = fetched_at if isinstance(fetched_at, str) else common.iso(fetched_at)
    text, warnings = common.decode_html(html)
    if b"</html>" not in html[-512:].lower():
        warnings.append("truncated: the page ends before </html>; what follows the cut is missing")
        text = common.drop_dangling_tag(text)
    tree = common.load_tree(text)
    if tree is None:
        warnings.append("empty: nothing readable in the page")
        return ParsedPage(None, None, warnings)
    page = PageIndex(tree)
    page_url = page_identity(page, url)
    sidebar = most_viewed(page, page_url, seen)
    era = next((era for era in ERAS if page.select(era.marker)), None)
    article = parse_article(page, era, page_url, url, seen, warnings) if era else None
    return ParsedPage(article, sidebar, warnings)


def to_identity(href: str, base: str) -> str:
    """Identity URL of a link; links to any host of the site get its origin."""
    href = href.strip()
    if href.startswith("//") or not href.startswith(("/", "http://", "https://")):
        href = urljoin(base, href)
    return absolute_identity(href)


@functools.lru_cache(maxsize=65536)
def absolute_identity(href: str) -> str:
    """Cached: the same sidebar links recur on every page of a crawl."""
    absolute = urljoin(ORIGIN, href)
    return canonical_url(absolute, ORIGIN if same_site(urlsplit(absolute).netloc, SITE) else None)


def page_identity(page: PageIndex, url: str) -> str:
    """The page's identity: its canonical link, else the URL it was fetched from, on the
    site's own origin (a page fetched from a mirror keeps the identity of the original)."""
    link = page.first("[rel=canonical]")
    href = link.get("href") if link is not None else None
    if href and same_site(urlsplit(href).netloc, SITE):
        return canonical_url(href, ORIGIN)
    return canonical_url(url, ORIGIN)


def parse_article(page: PageIndex, era: Era, page_url: str, fetched_url: str, seen: str | None,
                  warnings: list[str]) -> Article:
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
        published, updated = printed_dates(page.select(era.dates))
        published = meta_date(page, "article:published_time") or published
        updated = meta_date(page, "article:modified_time") or updated
        precision = "minute" if published else None
    if published is None:
        warnings.append("no-date: no publication date found")
    images = article_images(page, era)
    body = article_body(page.first(era.body))
    if not body:
        warnings.append("no-body: the page has no article text")
    authors = common.split_authors(raw_byline, BYLINE_SUFFIXES) if raw_byline else []
    return Article(
        url=page_url,
        site=SITE,
        era=era.name,
        language=language_of(page.tree, body),
        headline=headline or None,
        standfirst=common.text_of(page.first(era.standfirst)) or None if era.standfirst else None,
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


def printed_dates(nodes) -> tuple[datetime | None, datetime | None]:
    published = updated = None
    for node in nodes:
        text = common.text_of(node)
        if not re.search(r"\d{4}", text):
            continue
        is_update = text.lower().startswith("updated")
        printed = re.sub(r"^(Publication date|Updated)\s*", "", text, flags=re.I)
        moment = common.parse_printed_date(printed, ICT, ZONE_NAMES, PRINTED_DATES)
        if is_update:
            updated = updated or moment
        else:
            published = published or moment
    return published, updated


def meta_date(page: PageIndex, name: str) -> datetime | None:
    meta = page.first(f"[property={name}]")
    return common.parse_iso(meta.get("content")) if meta is not None else None


def article_body(container) -> list[str]:
    """The article's paragraphs, with ads, related links, share buttons and photos taken out."""
    if container is None:
        return []
    common.drop([node for node in container.iterdescendants()
                 if node.tag in CLUTTER_TAGS or has_class(node, CLUTTER_CLASSES)])
    paragraphs: list[str] = []
    blocks = container.findall(".//p") or [container]
    for block in blocks:
        for text in common.paragraphs_of(block):
            if not BOILERPLATE_PARAGRAPH.match(text):
                paragraphs.append(text)
    return paragraphs


def article_images(page: PageIndex, era: Era) -> list[Image]:
    """Every photo of the article (not the logo, not the sidebar), captions split from credits."""
    images = []
    for img in page.select(era.images):
        src = img.get("src")
        if not src or any(is_elsewhere(area) for area in img.iterancestors()):
            continue
        caption, credit = common.split_credit(caption_text(img))
        images.append(Image(url=urljoin(ORIGIN, src), caption=caption, credit=credit))
    return images


def caption_text(img) -> str:
    """The caption printed with an image: a figcaption, a Drupal caption field or a <p>."""
    parent = img.getparent()
    if parent is None:
        return ""
    for candidate in parent.iterchildren():
        classes = candidate.get("class", "")
        if candidate.tag == "figcaption" or "caption" in classes.split() or "image-caption" in classes:
            return common.text_of(candidate)
    return ""


def section_of(page: PageIndex, page_url: str) -> str | None:
    """The section slug: the first segment of the page's path, or the page's section link."""
    segments = [unquote(s) for s in urlsplit(page_url).path.split("/") if s]
    if segments and segments[0] != "index.php":
        return segments[0]
    for link in page.select(SECTION_LINK):
        path = urlsplit(link.get("href", "")).path.strip("/")
        if path and "/" not in path:
            return unquote(path)
    if len(segments) >= 3:
        return JOOMLA_SECTIONS.get(segments[2], segments[2].lower())
    return None


def language_of(tree, body: list[str]) -> str:
    text = " ".join(body)[:2000]
    if text and len(KHMER.findall(text)) > len(text) / 4:
        return "km"
    lang = (tree.get("lang") or "en").split("-")[0].lower()
    return lang or "en"


def most_viewed(page: PageIndex, page_url: str, seen: str | None) -> MostViewedSnapshot | None:
    """The sidebar's ranked list, or None when the page shows none."""
    blocks = page.select(".most-viewed") or heading_blocks(page.tree)
    if not blocks:
        return None
    entries = []
    for item in blocks[0].iter("li"):
        links = item.findall(".//a[@href]")
        if not links:
            continue
        title = common.text_of(links[0])
        teaser = common.clean(common.text_of(item).replace(title, "", 1)) or None
        entries.append(MostViewedEntry(rank=len(entries) + 1, url=to_identity(links[0].get("href"), page_url),
                                       title=title, teaser=teaser))
    if not entries:
        return None
    return MostViewedSnapshot(site=SITE, seen_at=seen or "", page_url=page_url, entries=entries)


def heading_blocks(tree) -> list:
    """Sidebars found by their heading when their markup is not the known one."""
    found = []
    for heading in tree.iter("h2", "h3", "h4"):
        if common.text_of(heading).lower() == "most viewed" and heading.getparent() is not None:
            found.append(heading.getparent())
    return found
