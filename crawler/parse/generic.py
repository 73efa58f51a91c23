"""A site-independent article extractor: the safety net for pages no template rule reads.

A site parser knows where its paper keeps each field; this module knows nothing of any paper.
trafilatura reads the body and the metadata, htmldate (called by trafilatura's metadata pass)
the publication date, after two clean-ups of the page that both get wrong on newspaper sites:
the boxes that list other articles (sidebars, most viewed, related) are removed, since their
dates and bylines belong to other stories, and text printed as runs between <br> is put into
paragraphs, since trafilatura drops the first run of such a block. What the libraries give is
then tidied: the page's own headline and dateline are taken out of the body, the paper's name
out of the authors, and a time of day is added to htmldate's date when the page states one.

Pure: a string of HTML, its address, the fetch time and the paper's zone in, fields out. No
network, no clock, no files.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import DEFAULT_CONFIG, Document

from archive.model import Image
from crawler.parse import common


@dataclass(frozen=True)
class GenericFields:
    """What the generic extractor read off one page (None or empty where it found nothing)."""

    headline: str | None
    authors: list[str]
    published: datetime | None  # timezone-aware, in `zone` when the page gives no zone
    published_precision: str | None  # "minute" with a time of day, "day" for a date only
    body: list[str]  # paragraphs, boilerplate-free
    tags: list[str]
    language: str | None
    section: str | None = None  # as the page states it (article:section, JSON-LD articleSection)
    updated: datetime | None = None  # as the page states it (article:modified_time, dateModified)
    images: list[Image] = field(default_factory=list)  # figures of the article, credits split
    address: str | None = None  # the page's own address (canonical link, og:url), as given
    says_article: bool = False  # og:type article, a stated publication time, a JSON-LD Article


# -- page clean-up ------------------------------------------------------------------------

FURNITURE_TAGS = frozenset({"aside", "nav"})
# Boxes that list other articles, by a whole class or id token (a loose substring would also
# catch a "related-topics-wrapper" around the article itself).
FURNITURE_TOKEN = re.compile(
    r"(?:^|\s)(?:(?:region-)?side-?bar(?:-\w+)?|right-?column|most-?(?:viewed|read|popular)|mostread|popular-posts"
    r"|related(?:-(?:articles?|posts?|stories|news|content|links|box|inline))?|trending(?:-\w+)?)(?=\s|$)",
    re.I,
)
TEASER_LIST_ITEMS = 3
TEASER_CHARS = 40  # text an item prints beyond its link for the link to be a teaser's
ARTICLE_MARKS = ("article", "h1")  # a box holding one of these is a layout column: it stays
UPDATE_LABEL = re.compile(r"^\s*(?:last\s+)?(?:updated|modified|edited)\b", re.I)
SHORT_LINE = 80  # characters: a dateline is short, a longer text is prose
MIN_EXTRACTED_SIZE = DEFAULT_CONFIG.getint("DEFAULT", "MIN_EXTRACTED_SIZE")  # characters
RUN_CONTAINERS = ("div", "section", "article", "main", "td", "body")
BLOCK_CHILDREN = frozenset(common.BLOCK_TAGS | {"main", "header", "footer", "aside", "nav", "figure", "form", "hr"})

# -- body lines ---------------------------------------------------------------------------

TRAILER = re.compile(
    r"^(?:to contact the (?:reporters?|authors?|editors?)\b|(?:read more|related|see also|also read)\s*:"
    r"|advertisement$|share this (?:article|story)\b)",
    re.I,
)
EDGE_LINES = 3  # lines at each end of a body that may be the page's own headline and dateline
DATELINE_WORDS = 25  # a line longer than this is text, even if it starts with a date
DATELINE_REST_WORDS = 2  # what a dateline may print after its date besides the byline ('ICT')
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?\.?"
PRINTED_DATE = re.compile(  # one group per form holds the year
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH}\s+(\d{{4}})\b|\b{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    r"|\b(\d{4})-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./](\d{4})\b",
    re.I,
)
LEADING_DATE = re.compile(rf"^(?:{WEEKDAY},?\s+)?(?:{PRINTED_DATE.pattern})[\s,|]*", re.I)
DATE_LABEL = re.compile(r"^\s*(?:publication date|published(?: on)?|posted(?: on)?|updated|on)\s*:?\s*", re.I)
# A time with its am/pm and its zone's abbreviation (ICT, GMT, CEST), not a capitalised name.
TIME_WITH_ZONE = re.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[aApP]\.?[mM]\.?)?(?:\s*\|?\s*(?:UTC|GMT|[A-Z]{1,3}[SD]?T)\b)?"
)

# -- dates --------------------------------------------------------------------------------

TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d{2}\b")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
ISO_WITH_TIME = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Where pages state their publication time in machine form (meta property, name or itemprop).
STATED_TIME_KEYS = frozenset(
    {
        "article:published_time",
        "og:article:published_time",
        "datepublished",
        "dc.date.issued",
        "dcterms.issued",
        "dcterms.created",
        "pubdate",
        "publishdate",
        "publish-date",
        "parsely-pub-date",
        "sailthru.date",
    }
)
LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')
LD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]+)"')
LD_SECTION = re.compile(r'"articleSection"\s*:\s*\[?\s*"([^"]+)"')
LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:News|Report|Blog|Analysis|Opinion)?Article"', re.I)
NO_EARLIER_PAGE = datetime(1990, 1, 1, tzinfo=UTC)  # before the web: a placeholder ('0001-01-01')
# hAtom's and WordPress themes' classes of a <time datetime>: the publication ('published',
# 'entry-date') and the last change ('updated' alone)
PUBLISHED_CLASS = re.compile(r"(?:^|\s)(?:published|entry-date)(?=\s|$)")
UPDATED_CLASS = re.compile(r"(?:^|\s)updated(?=\s|$)")
UPDATED_TIME_KEYS = frozenset({"article:modified_time", "og:updated_time", "datemodified", "dcterms.modified"})

# -- authors and tags ---------------------------------------------------------------------

AUTHOR_SUFFIXES = [re.compile(r"\s*\|.*$")]  # 'Name | The Paper': what follows a bar is the paper
# Date words trafilatura leaves glued to a name ('Jeff Foust Monday'); not the months that are
# also names (Theresa May, Brian May, April, June, August).
DATE_WORDS_AT_END = re.compile(
    r"(?:\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|september"
    r"|october|november|december))+$",
    re.I,
)
DATE_LABEL_AFTER_NAME = re.compile(r"(?:^|\s+)(?:publication\s+date|published|posted|(?:last\s+)?updated)\b.*$", re.I)
NOT_A_NAME = re.compile(rf"\d|^(?:{WEEKDAY}|{MONTH}|\W)*$", re.I)
TITLE_SEPARATOR = re.compile(r"\s+[|\u2013\u2014-]\s+")
BYLINE_TOKEN = re.compile(r"^(?:auth(?:or)?s?[-_]?names?|by-?line)$", re.I)
BYLINE_LABEL = re.compile(r"^(?:written\s+)?by\s*:?\s+", re.I)
BYLINE_CHARS = 120  # a byline is a line; a longer block is an author's biography
TAG_LINK = re.compile(r"/tags?/", re.I)


def extract(html: str, url: str, fetched_at: datetime, zone: tzinfo) -> GenericFields:
    """The fields of an article page, read without any knowledge of the site's templates.

    `fetched_at` (aware) bounds the date: a page cannot have been published after it was
    fetched, so a later date on it (a sidebar's, an event's) is never taken. `zone` is the
    paper's: a date or time the page prints without a zone is read in it.

    Metadata and body are two calls, not one `bare_extraction(with_metadata=True)`: that
    call gives nothing at all for a page without text, where the headline and date are still
    worth having, and it would run htmldate on the page before its sidebars are removed.
    """
    if fetched_at.utcoffset() is None:
        raise ValueError("fetched_at needs a time zone")
    tree = load(html)
    if tree is None:
        return GenericFields(None, [], None, None, [], [], None)
    drop_furniture(tree, url)
    wrap_loose_runs(tree)
    meta = trafilatura.extract_metadata(
        tree,
        default_url=url,
        date_config={  # handed to htmldate's find_date as they are
            "extensive_search": True,
            "original_date": True,
            "max_date": fetched_at.astimezone(zone).date().isoformat(),
            "outputformat": "%Y-%m-%d",
        },
    )
    headline = common.clean(meta.title) or None
    authors = split_authors(meta.author or byline_fallback(tree), site_names(tree, meta.sitename))
    authors = linked_authors(tree, authors)
    published, precision = publication(tree, meta.date, fetched_at, zone)
    body = body_paragraphs(main_text(tree, url))
    body = strip_page_lines(body, headline, authors, published)
    return GenericFields(
        headline=headline,
        authors=authors,
        published=published,
        published_precision=precision,
        body=[line for line in body if not TRAILER.match(line)],
        tags=tags_of(tree, meta.tags),
        language=language_of(tree),
        section=stated_section(tree),
        updated=stated_update(tree, published, fetched_at, zone),
        images=figures(tree, url),
        address=stated_address(tree),
        says_article=says_article(tree),
    )


def main_text(tree: lxml_html.HtmlElement, url: str) -> etree._Element | None:
    """trafilatura's body tree of the page: its fast pass, and its full one (which compares
    the result with readability's and jusText's) only when the fast pass finds less than
    trafilatura's own minimum for an extraction. On the benchmark's development pages the
    full pass mends just the pages where the fast one finds next to nothing, at twice its
    cost on every page."""
    for fast in (True, False):
        document = trafilatura.bare_extraction(tree, url=url, fast=fast, favor_precision=True, include_comments=False)
        body = document.body if isinstance(document, Document) else None
        if body is not None and len(" ".join(body.itertext())) >= MIN_EXTRACTED_SIZE:
            return body
    return body


# -- page clean-up ------------------------------------------------------------------------


def load(html: str) -> lxml_html.HtmlElement | None:
    """The page as the lxml.html tree both libraries read (None when nothing is left of it).
    trafilatura's own loader, so the page is parsed once for both passes."""
    try:
        tree = trafilatura.load_html(html)
    except (TypeError, ValueError):
        return None
    return tree if tree is not None and len(tree) else None


def drop_furniture(tree: lxml_html.HtmlElement, url: str) -> None:
    """Remove asides, navigation, the boxes that list other stories (by class or id, or a
    list of teasers of the site's own stories), and the short lines that date an update
    ('Updated 23 June 2023 | 13:18').

    None of them dates the article's publication, and htmldate is misled by each: it takes
    a sidebar's date when the article prints its own after a byline too long for its look
    (52 characters), and the first block whose class holds 'date' ('updated' does) over the
    publication line above it. trafilatura keeps the teasers of a list of stories, whose
    text outweighs its links, and reads a page with a long sidebar less well.
    """
    hosts = own_hosts(tree, url)
    doomed = []
    for node in tree.iter(etree.Element):
        named = f"{node.get('class', '')} {node.get('id', '')}"
        if node.tag in FURNITURE_TAGS or (len(named) > 1 and FURNITURE_TOKEN.search(named)):
            if not any(next(node.iter(mark), None) is not None for mark in ARTICLE_MARKS):
                doomed.append(node)
        elif node.tag in ("ul", "ol") and is_teaser_list(node, hosts):
            doomed.append(node)
        elif node.text and UPDATE_LABEL.match(node.text) and node.tag not in ("html", "body"):
            line = common.clean(node.text_content())
            if len(line) <= SHORT_LINE and YEAR.search(line):
                doomed.append(node)
    marked = set(doomed)
    common.drop([node for node in doomed if not any(a in marked for a in node.iterancestors())])


def is_teaser_list(node: lxml_html.HtmlElement, hosts: frozenset[str]) -> bool:
    """A list of at least three items that each start with a link to a page of the same site,
    one at least with a teaser after its link: a 'Most popular' box whatever its heading
    says. A list of links to other sites (a shopping list, sources) is text."""
    items = [child for child in node if child.tag == "li"]
    if len(items) < TEASER_LIST_ITEMS:
        return False
    teased = False
    for item in items:
        link = next((child for child in item if isinstance(child.tag, str)), None)
        if (item.text or "").strip() or link is None or link.tag != "a" or not link.get("href"):
            return False
        if bare_host(link.get("href", "")) not in hosts:
            return False
        extra = len(common.clean(item.text_content())) - len(common.clean(link.text_content()))
        teased = teased or extra >= TEASER_CHARS
    return teased


def own_hosts(tree: lxml_html.HtmlElement, url: str) -> frozenset[str]:
    """The hosts of the site's own pages: the page's, that of its canonical address (a page
    fetched from a mirror or an archive names the original) and '' for relative links."""
    addresses = [url]
    addresses.extend(link.get("href", "") for link in tree.iter("link") if link.get("rel", "").lower() == "canonical")
    addresses.extend(meta.get("content", "") for meta in tree.iter("meta") if meta.get("property") == "og:url")
    return frozenset({"", *map(bare_host, addresses)})


def bare_host(url: str) -> str:
    """The host of an address without 'www.' ('' for a relative one or one not readable)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def wrap_loose_runs(tree: lxml_html.HtmlElement) -> None:
    """Put text that stands loose in a block beside <br> into <p> elements, one per run
    between block children (the <br> stay inside: trafilatura splits lines at them).

    Old templates print a body as `text<br><br>text` in a div; trafilatura loses the first
    run of such a div, which is usually the lead paragraph.
    """
    for node in list(tree.iter(*RUN_CONTAINERS)):
        has_break = any(child.tag == "br" for child in node)
        has_loose_text = bool((node.text or "").strip()) or any((child.tail or "").strip() for child in node)
        if not (has_break and has_loose_text):
            continue
        runs: list[list[etree._Element | str]] = [[node.text or ""]]
        for child in list(node):
            if isinstance(child.tag, str) and child.tag in BLOCK_CHILDREN:
                runs.extend([[child], []])
            else:
                runs[-1].append(child)
            runs[-1].append(child.tail or "")
            child.tail = None
            node.remove(child)
        node.text = None
        for run in runs:
            first = run[0]
            if len(run) == 1 and not isinstance(first, str) and first.tag in BLOCK_CHILDREN:
                node.append(first)
            elif any(has_content(piece) for piece in run):
                node.append(paragraph_of(run))


def has_content(piece: etree._Element | str) -> bool:
    """Whether a piece of a run prints something (a <br> or a comment alone does not)."""
    if isinstance(piece, str):
        return bool(piece.strip())
    return isinstance(piece.tag, str) and piece.tag != "br"


def paragraph_of(run: list[etree._Element | str]) -> lxml_html.HtmlElement:
    """A <p> holding a run of loose text and inline elements, in order."""
    paragraph = lxml_html.Element("p")
    for piece in run:
        if not isinstance(piece, str):
            paragraph.append(piece)
        elif len(paragraph):
            paragraph[-1].tail = (paragraph[-1].tail or "") + piece
        else:
            paragraph.text = (paragraph.text or "") + piece
    return paragraph


# -- body lines ---------------------------------------------------------------------------


def body_paragraphs(body: etree._Element | None) -> list[str]:
    """Paragraphs of trafilatura's body tree: each block, list item and table row once, split
    at line breaks. Read from the tree rather than the text output, which marks list items
    with '- ' and table cells with '|' (words the page never printed)."""
    if body is None:
        return []
    found: list[str] = []
    for block in body:
        if block.tag == "list":
            parts = [lines_of(item) for item in block.iter("item")]
        elif block.tag == "table":
            parts = [[" ".join(" ".join(lines_of(cell)) for cell in row.iter("cell"))] for row in block.iter("row")]
        else:
            parts = [lines_of(block)]
        found.extend(line for part in parts for line in part if line)
    return found


def lines_of(node: etree._Element) -> list[str]:
    """The text of a node, one entry per line (trafilatura keeps a <br> as <lb>)."""
    pieces: list[str] = [node.text or ""]
    for child in node.iterdescendants():
        if child.tag == "lb":
            pieces.append("\n")
        elif child.tag in ("item", "row", "p", "head", "quote"):
            pieces.append("\n" + (child.text or ""))
        else:
            pieces.append(child.text or "")
        pieces.append(child.tail or "")
    return [text for text in map(common.clean, "".join(pieces).split("\n")) if text]


def strip_page_lines(
    body: list[str], headline: str | None, authors: list[str], published: datetime | None
) -> list[str]:
    """The body without the headline, dateline and byline that trafilatura takes in when they
    sit in the block of the text (it may put them first or last): lines at either end that
    repeat the headline, are a dateline or name only the authors."""

    def is_page_line(line: str) -> bool:
        return bool(
            (headline and line.casefold() == headline.casefold())
            or is_dateline(line, authors, published)
            or (authors and split_authors(line) == authors)
        )

    start, end = 0, len(body)
    while start < min(end, EDGE_LINES) and is_page_line(body[start]):
        start += 1
    while end > max(start, len(body) - EDGE_LINES) and is_page_line(body[end - 1]):
        end -= 1
    return body[start:end]


def is_dateline(line: str, authors: list[str], published: datetime | None) -> bool:
    """A line that starts with a date of the publication's year (after a label such as
    'Published' and a weekday) and prints nothing else but a time, a zone or the byline:
    'Saturday, 5 May 2012 A and B'. A sentence that starts with a date is text."""
    if len(line.split()) > DATELINE_WORDS:
        return False
    unlabelled = DATE_LABEL.sub("", line)
    found = LEADING_DATE.match(unlabelled)
    if found is None:
        return False
    year = int(next(group for group in found.groups() if group))
    if published is not None and year != published.year:
        return False
    rest = TIME_WITH_ZONE.sub(" ", unlabelled[found.end() :]).strip(" |,-")
    return len(rest.split()) <= DATELINE_REST_WORDS or (bool(authors) and split_authors(rest) == authors)


# -- dates --------------------------------------------------------------------------------


def publication(
    tree: lxml_html.HtmlElement, found: str | None, fetched_at: datetime, zone: tzinfo
) -> tuple[datetime | None, str | None]:
    """The publication moment and its precision, from htmldate's date (`found`, Y-M-D).

    htmldate gives a calendar date only; a time of day is added when the page states one for
    that same date, in machine form (meta, JSON-LD, <time datetime>) or else printed on a
    short line beside the date ('20 April 2024 | 20:09 ICT'), and never one after the fetch.
    """
    if not found:
        return None, None
    try:
        day = date.fromisoformat(found)
    except ValueError:
        return None, None
    moments = [m for m in stated_times(tree, zone) if m.date() == day and m <= fetched_at]
    if not moments:  # the printed lines are read only when the page states no time
        moments = [m for m in printed_times(tree, fetched_at, zone) if m.date() == day and m <= fetched_at]
    if moments:
        return in_zone(min(moments), zone), "minute"
    midnight = datetime.combine(day, time(0, 0), tzinfo=zone)
    if midnight > fetched_at or not day_is_stated(tree, day):
        return None, None
    return midnight, "day"


def day_is_stated(tree: lxml_html.HtmlElement, day: date) -> bool:
    """Whether the page names this very day (printed, in an attribute, or in its address
    parts): htmldate fills a day it cannot find from a month or a year alone, and a date the
    page never states is an invented one."""
    text = etree.tostring(tree, encoding="unicode", method="html")
    month = day.strftime("%B")[:3]
    forms = (
        rf"\b0?{day.day}(?:st|nd|rd|th)?\s+{month}[a-z]*\.?,?\s+{day.year}\b",
        rf"\b{month}[a-z]*\.?\s+0?{day.day}(?:st|nd|rd|th)?,?\s+{day.year}\b",
        rf"\b{day.year}[-/.]?{day.month:02d}[-/.]?{day.day:02d}",
        rf"\b0?{day.day}[./-]0?{day.month}[./-]{day.year}\b",
        rf"\b0?{day.month}[./-]0?{day.day}[./-]{day.year}\b",
    )
    return any(re.search(form, text, re.I) for form in forms)


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """The moment in the paper's zone when it has that zone's offset (dateutil gives its own
    tzoffset for 'ICT'); a moment the page states at another offset keeps it."""
    local = moment.astimezone(zone)
    return local if local.utcoffset() == moment.utcoffset() else moment


def stated_times(tree: lxml_html.HtmlElement, zone: tzinfo) -> list[datetime]:
    """Publication times the page states in machine form, with a time of day."""
    texts: list[str] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in STATED_TIME_KEYS and meta.get("content"):
            texts.append(meta.get("content", ""))
    for node in tree.iter("time"):
        if node.get("datetime") and (
            node.get("itemprop", "").lower() == "datepublished"
            or "pubdate" in node.attrib
            or PUBLISHED_CLASS.search(node.get("class", ""))
        ):
            texts.append(node.get("datetime", ""))
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            texts.extend(LD_PUBLISHED.findall(script.text))
    return [moment for moment in (stated_time(text, zone) for text in texts) if moment is not None]


def stated_time(text: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 time of day ('2024-04-20T20:09:00+07:00'); without an offset, in `zone`."""
    if not ISO_WITH_TIME.match(text):
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def printed_times(tree: lxml_html.HtmlElement, fetched_at: datetime, zone: tzinfo) -> list[datetime]:
    """Times printed with a date on one short line of the page, read in the paper's zone (or
    the zone the line names; the paper's own abbreviation, such as 'ICT', is known)."""
    local = fetched_at.astimezone(zone)
    name, offset = local.tzname(), local.utcoffset()
    zone_names = {name: int(offset.total_seconds())} if name and offset is not None else {}
    moments: list[datetime] = []
    for text in tree.xpath("//body//text()[contains(., ':')]"):
        for line in str(text).splitlines():
            segment = common.clean(line)
            if not TIME_OF_DAY.search(segment):
                continue
            if not YEAR.search(segment):  # '20 April 2024 <span>20:09</span>': the line is the parent's
                parent = text.getparent()
                segment = common.clean(parent.text_content()) if parent is not None else ""
            if len(segment) > SHORT_LINE or not YEAR.search(segment) or not TIME_OF_DAY.search(segment):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # dateutil warns of a zone name it does not know
                moment = common.parse_printed_date(segment, zone, zone_names)
            if moment is not None:
                moments.append(moment)
    return moments


# -- authors, tags, language --------------------------------------------------------------


def split_authors(byline: str, site_names: frozenset[str] = frozenset()) -> list[str]:
    """The authors of trafilatura's author string, which joins the names it finds with '; ':
    each piece may still be a byline ('A and B | The Paper'), carry the date printed after
    it ('Jeff Foust Monday') or be the paper itself, which is no author."""
    names: list[str] = []
    for piece in byline.split(";"):
        for found in common.split_authors(piece, AUTHOR_SUFFIXES) if piece.strip() else []:
            name = DATE_WORDS_AT_END.sub("", DATE_LABEL_AFTER_NAME.sub("", found)).strip()
            if name and not NOT_A_NAME.search(name) and name_key(name) not in site_names and name not in names:
                names.append(name)
    return names


def linked_authors(tree: lxml_html.HtmlElement, found: list[str]) -> list[str]:
    """The names of the first byline whose authors are links marked rel=author, when it names
    more than were found and the first of them ('By A, B and C' where only A was read)."""
    bylines: dict[etree._Element, list[str]] = {}
    for link in tree.iter("a"):
        parent = link.getparent()
        name = common.name_case(common.clean(link.text_content()))
        if "author" in (link.get("rel") or "").lower().split() and parent is not None and name:
            names = bylines.setdefault(parent, [])
            if name not in names:
                names.append(name)
    names = next(iter(bylines.values()), [])
    return names if len(names) > len(found) and (not found or found[0] in names) else found


def name_key(name: str) -> str:
    """How a paper's name compares: case, a leading 'The' and spacing do not count."""
    return re.sub(r"^the\s+", "", common.clean(name).casefold())


def site_names(tree: lxml_html.HtmlElement, sitename: str | None) -> frozenset[str]:
    """The paper's own names, which bylines print after the authors: trafilatura's site
    name, og:site_name and the last part of the <title> ('Headline | The Paper')."""
    names = [sitename or ""]
    names.extend(
        meta.get("content") or ""
        for meta in tree.iter("meta")
        if (meta.get("property") or "").lower() == "og:site_name"
    )
    title = next(tree.iter("title"), None)
    parts = TITLE_SEPARATOR.split(title.text) if title is not None and title.text else []
    if len(parts) > 1:
        names.append(parts[-1])
    return frozenset(name_key(name) for name in names if name.strip())


def byline_fallback(tree: lxml_html.HtmlElement) -> str:
    """A byline trafilatura's own rules miss, for when they found none: a block of a byline
    class ('authname'), else the names printed after the date in a date block ('Saturday,
    5 May 2012 A and B', as old Joomla templates print them)."""
    dated = ""
    for node in tree.iter(etree.Element):
        tokens = (node.get("class") or "").split()
        if any(BYLINE_TOKEN.match(token) for token in tokens):
            text = common.clean(node.text_content())
            if 0 < len(text) <= BYLINE_CHARS:
                return text
        elif not dated and any("date" in token.lower() for token in tokens):
            text = common.clean(node.text_content())
            found = LEADING_DATE.match(text)
            if found and len(text) <= BYLINE_CHARS:
                dated = BYLINE_LABEL.sub("", text[found.end() :])
    return dated


def tags_of(tree: lxml_html.HtmlElement, found: list[str] | None) -> list[str]:
    """trafilatura's tags (a keywords meta gives one comma-separated string), else the links
    to tag pages inside a block whose class names tags."""
    pieces = [piece for tag in found or [] for piece in tag.split(",")]
    if not pieces:
        pieces = [
            link.text_content()
            for link in tree.xpath("//*[contains(@class, 'tag')]//a[@href]")
            if TAG_LINK.search(link.get("href", ""))
        ]
    tags: list[str] = []
    for piece in map(common.clean, pieces):
        if piece and piece not in tags:
            tags.append(piece)
    return tags


def language_of(tree: lxml_html.HtmlElement) -> str | None:
    """The page's declared language ('en-GB' gives 'en'), from <html lang> or its meta."""
    declared = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not declared:
        for meta in tree.iter("meta"):
            key = (meta.get("http-equiv") or meta.get("property") or "").lower()
            if key in ("content-language", "og:locale") and meta.get("content"):
                declared = meta.get("content")
                break
    code = re.split(r"[-_,;\s]", declared.strip())[0].lower() if declared and declared.strip() else ""
    return code or None


# -- what the page states of itself -------------------------------------------------------


def json_ld(tree: etree._Element) -> list[str]:
    return [
        script.text
        for script in tree.iter("script")
        if (script.get("type") or "").lower() == "application/ld+json" and script.text
    ]


def meta_values(tree: etree._Element, keys: frozenset[str]) -> list[str]:
    """The content of the page's <meta> whose property, name or itemprop is one of `keys`."""
    return [
        meta.get("content", "").strip()
        for meta in tree.iter("meta")
        if (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower() in keys
        and meta.get("content", "").strip()
    ]


def says_article(tree: etree._Element) -> bool:
    """Whether the page says it is an article: og:type, a stated publication time, or a
    schema.org Article in its JSON-LD."""
    if any(value.lower() == "article" for value in meta_values(tree, frozenset({"og:type"}))):
        return True
    return bool(meta_values(tree, frozenset({"article:published_time"}))) or any(
        LD_ARTICLE.search(text) for text in json_ld(tree)
    )


def stated_section(tree: etree._Element) -> str | None:
    """The section the page states: article:section, JSON-LD's articleSection, else the first
    link marked rel=category (WordPress's category links)."""
    found = meta_values(tree, frozenset({"article:section"})) or [
        name for text in json_ld(tree) for name in LD_SECTION.findall(text)
    ]
    if not found:
        found = [
            common.clean(link.text_content())
            for link in tree.iter("a")
            if "category" in (link.get("rel") or "").lower().split()
        ]
    return (common.clean(found[0]) or None) if found else None


def stated_update(
    tree: etree._Element, published: datetime | None, fetched_at: datetime, zone: tzinfo
) -> datetime | None:
    """The last update the page states in machine form, when it is later than the publication
    and not after the fetch."""
    texts = meta_values(tree, UPDATED_TIME_KEYS) + [m for text in json_ld(tree) for m in LD_MODIFIED.findall(text)]
    texts += [
        node.get("datetime", "")
        for node in tree.iter("time")
        if UPDATED_CLASS.search(node.get("class", "")) and not PUBLISHED_CLASS.search(node.get("class", ""))
    ]
    moments = [m for m in (stated_time(text, zone) for text in texts) if m is not None and m <= fetched_at]
    later = [m for m in moments if (published or NO_EARLIER_PAGE) < m]
    return in_zone(max(later), zone) if later else None


def stated_address(tree: etree._Element) -> str | None:
    """The address the page gives itself: its canonical link, else its og:url."""
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            return (link.get("href") or "").strip()
    found = meta_values(tree, frozenset({"og:url"}))
    return found[0] if found else None


CAPTION_TOKEN = re.compile(r"(?:^|\s)(?:wp-caption-text|caption|image-caption|photo-caption)(?=\s|$)", re.I)


def figures(tree: etree._Element, url: str) -> list[Image]:
    """The article's photos: each <figure> (or WordPress's div.wp-caption) with an image, its
    caption from <figcaption> or a caption block, the credit split from the caption's end."""
    found: list[Image] = []
    for box in tree.xpath("//figure | //div[contains(concat(' ', @class, ' '), ' wp-caption ')]"):
        if box.tag == "div" and box.xpath("ancestor::figure"):
            continue
        image = next(box.iter("img"), None)
        source = image_source(image) if image is not None else ""
        if not source:
            continue
        caption_box = next(
            (
                node
                for node in box.iter(etree.Element)
                if node.tag == "figcaption" or CAPTION_TOKEN.search(node.get("class", ""))
            ),
            None,
        )
        caption, credit = common.split_credit(caption_box.text_content()) if caption_box is not None else (None, None)
        address = urljoin(url, source)
        if all(known.url != address for known in found):
            found.append(Image(url=address, caption=caption, credit=credit))
    return found


def image_source(image: etree._Element) -> str:
    """Where an <img> is: its src, else the lazy loaders' data-src, else srcset's first."""
    for name in ("src", "data-src", "data-lazy-src"):
        value = (image.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return (image.get("srcset") or "").strip().split(" ")[0].rstrip(",")
