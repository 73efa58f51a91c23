"""The Phnom Penh Post: selectors, printed forms and section names, by template era.

Each era has its own markup (SITE-EVIDENCE.md); the parser finds which one a page uses from
the page itself, not from its URL, so a mirror or an old capture parses the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, urljoin, urlsplit

from lxml.cssselect import CSSSelector

from archive.model import Article, Image, MostViewedEntry, MostViewedSnapshot, ParsedPage
from archive.urls import canonical_url, same_site
from crawler.parse import common

SITE = "phnompenhpost.com"
ORIGIN = "https://www.phnompenhpost.com"
ICT = timezone(timedelta(hours=7), "ICT")
ZONE_NAMES = {"ICT": 7 * 3600}
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


def css(selector: str) -> CSSSelector:
    return CSSSelector(selector, translator="html")


@dataclass(frozen=True)
class Era:
    """Where one template keeps each field."""

    name: str
    marker: CSSSelector
    headline: CSSSelector
    body: CSSSelector
    byline: CSSSelector
    dates: CSSSelector
    standfirst: CSSSelector | None
    tags: CSSSelector | None


ERAS = [
    Era("drupal", css(".single-article-header"), css(".single-article-header > h2"),
        css('div#ArticleBody, div[itemprop="articleBody"]'), css(".article-author-wrapper p"),
        css(".ads-social-left-title p"), css(".single-article-header .standfirst"),
        css(".field-name-field-tags a")),
    Era("modern", css(".section-article-header"), css(".section-article-header h2"),
        css(".article-text"), css(".authname"), css(".paraclass"),
        css(".section-article-header .standfirst"), css(".article-tags a")),
    Era("joomla", css("h2.contentheading"), css("h2.contentheading"), css(".article-content"),
        css("p.createdate"), css("p.createdate"), None, None),
]

CLUTTER = css(
    "script, style, noscript, ins, iframe, form, figure, .ad-slot, .ads, .advert, .related-articles, "
    ".related-inline, .related-box, .social-share, .share-tools, .field-name-field-image, "
    ".article-image, .caption, .most-viewed")
IMAGES = css("img")
SIDEBAR = css(".most-viewed")
SIDEBAR_ITEMS = css("li")
CANONICAL = css('link[rel="canonical"]')
OG_TITLE = css('meta[property="og:title"]')
TITLE = css("title")
META_PUBLISHED = css('meta[property="article:published_time"]')
META_MODIFIED = css('meta[property="article:modified_time"]')
SECTION_LINK = css(".ads-social-left-title h2 a, .breadcrumbs a, .pathway a")
SIDEBAR_AREAS = css(".most-viewed, .region-sidebar, aside, #rightcolumn, .logo, header, nav, footer")


def parse(html: bytes, url: str, fetched_at: datetime | str) -> ParsedPage:
    """One page of the site as records: its article (if it is one) and its sidebar."""
    seen = fetched_at if isinstance(fetched_at, str) else common.iso(fetched_at)
    text, warnings = common.decode_html(html)
    if b"</html>" not in html[-512:].lower():
        warnings.append("truncated: the page ends before </html>; what follows the cut is missing")
    tree = common.load_tree(text)
    if tree is None:
        warnings.append("empty: nothing readable in the page")
        return ParsedPage(None, None, warnings)
    page_url = page_identity(tree, url)
    sidebar = most_viewed(tree, page_url, seen)
    era = next((era for era in ERAS if era.marker(tree)), None)
    article = parse_article(tree, era, page_url, url, seen, warnings) if era else None
    return ParsedPage(article, sidebar, warnings)


def to_identity(href: str, base: str) -> str:
    """Identity URL of a link; links to any host of the site (or a mirror) get its origin."""
    absolute = urljoin(base, href.strip())
    return canonical_url(absolute, ORIGIN if same_site(urlsplit(absolute).netloc, SITE) else None)


def page_identity(tree, url: str) -> str:
    """The page's identity: its canonical link, else the URL it was fetched from, on the
    site's own origin (a page fetched from a mirror keeps the identity of the original)."""
    links = CANONICAL(tree)
    href = links[0].get("href") if links else None
    if href and same_site(urlsplit(href).netloc, SITE):
        return canonical_url(href, ORIGIN)
    return canonical_url(url, ORIGIN)


def parse_article(tree, era: Era, page_url: str, fetched_url: str, seen: str | None,
                  warnings: list[str]) -> Article:
    headline = first_text(era.headline(tree)) or og_title(tree)
    if not headline:
        warnings.append("no-headline: no headline found")
    byline_nodes = era.byline(tree)
    raw_byline = common.text_of(byline_nodes[0]) if byline_nodes else ""
    published = updated = None
    precision = None
    if era.name == "joomla":
        line = JOOMLA_DATE_LINE.match(raw_byline)
        raw_byline = line.group("byline") if line else ""
        if line:
            published = common.parse_printed_date(line.group("date"), ICT, ZONE_NAMES)
            precision = "day"
    else:
        published, updated = printed_dates(era.dates(tree))
        published = meta_date(tree, META_PUBLISHED) or published
        updated = meta_date(tree, META_MODIFIED) or updated
        precision = "minute" if published else None
    if published is None:
        warnings.append("no-date: no publication date found")
    images = article_images(tree)
    body = article_body(era.body(tree))
    if not body:
        warnings.append("no-body: the page has no article text")
    authors = common.split_authors(raw_byline, BYLINE_SUFFIXES) if raw_byline else []
    return Article(
        url=page_url,
        site=SITE,
        era=era.name,
        language=language_of(tree, body),
        headline=headline or None,
        standfirst=first_text(era.standfirst(tree)) or None if era.standfirst else None,
        authors=authors,
        byline=raw_byline or None,
        published=common.iso(published),
        published_precision=precision,
        updated=common.iso(updated),
        section=section_of(tree, page_url),
        tags=[common.text_of(a) for a in era.tags(tree)] if era.tags else [],
        images=images,
        body=body,
        word_count=sum(len(p.split()) for p in body),
        fetched_url=fetched_url,
        fetched_at=seen,
        warnings=list(warnings),
    )


def first_text(nodes) -> str:
    return common.text_of(nodes[0]) if nodes else ""


def og_title(tree) -> str:
    og = OG_TITLE(tree)
    if og and og[0].get("content"):
        return common.clean(og[0].get("content"))
    title = first_text(TITLE(tree))
    return re.sub(r"\s*\|\s*Phnom Penh Post\s*$", "", title)


def printed_dates(nodes) -> tuple[datetime | None, datetime | None]:
    published = updated = None
    for node in nodes:
        text = common.text_of(node)
        if not re.search(r"\d{4}", text):
            continue
        is_update = text.lower().startswith("updated")
        moment = common.parse_printed_date(re.sub(r"^(Publication date|Updated)\s*", "", text, flags=re.I),
                                           ICT, ZONE_NAMES)
        if is_update:
            updated = updated or moment
        else:
            published = published or moment
    return published, updated


def meta_date(tree, selector: CSSSelector) -> datetime | None:
    nodes = selector(tree)
    return common.parse_iso(nodes[0].get("content")) if nodes else None


def article_body(containers) -> list[str]:
    if not containers:
        return []
    container = containers[0]
    common.drop(CLUTTER(container))
    paragraphs: list[str] = []
    blocks = container.findall(".//p") or [container]
    for block in blocks:
        for text in common.paragraphs_of(block):
            if not BOILERPLATE_PARAGRAPH.match(text):
                paragraphs.append(text)
    return paragraphs


def article_images(tree) -> list[Image]:
    """Every photo of the article (not the logo, not the sidebar), captions split from credits."""
    images = []
    elsewhere = set(SIDEBAR_AREAS(tree))
    for img in IMAGES(tree):
        src = img.get("src")
        if not src or any(area in elsewhere for area in img.iterancestors()):
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


def section_of(tree, page_url: str) -> str | None:
    """The section slug: the first segment of the page's path, or the page's section link."""
    segments = [unquote(s) for s in urlsplit(page_url).path.split("/") if s]
    if segments and segments[0] != "index.php":
        return segments[0]
    for link in SECTION_LINK(tree):
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


def most_viewed(tree, page_url: str, seen: str | None) -> MostViewedSnapshot | None:
    """The sidebar's ranked list, or None when the page shows none."""
    blocks = SIDEBAR(tree) or heading_blocks(tree)
    if not blocks:
        return None
    entries = []
    for item in SIDEBAR_ITEMS(blocks[0]):
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
