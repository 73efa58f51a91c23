"""A site-independent article extractor: the safety net for pages no template rule reads.

A site parser knows where its paper keeps each field; this module knows nothing of any paper.
trafilatura reads the body, the headline and the byline; the publication time is the one the
page declares (crawler.parse.declared), else htmldate's day. Both come after two clean-ups of
the page that the libraries get wrong on newspaper sites:
the boxes that list other articles (sidebars, most viewed, related) are removed, since their
dates and bylines belong to other stories, and text printed as runs between <br> is put into
paragraphs, since trafilatura drops the first run of such a block. What the libraries give is
then tidied: the page's own headline and dateline are taken out of the body, the paper's name
out of the authors, and a time of day is added to htmldate's date when the page states one.

Pure: a string of HTML, its address, the fetch time and the paper's zone in, fields out. No
network, no clock, no files.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date
from lxml import etree
from lxml import html as lxml_html
from trafilatura import metadata
from trafilatura.settings import DEFAULT_CONFIG, Document
from trafilatura.utils import repair_faulty_html

from archive.model import Image
from archive.urls import bare_host
from crawler.parse import common, declared


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
# trafilatura's parser settings. lxml.html gives each element its class by a call into
# Python (forms, inputs and labels have their own); neither library here uses those classes,
# and that call is a tenth of an extraction's time: every element is a plain HtmlElement.
HTML_PARSER = lxml_html.HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
)
HTML_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml_html.HtmlElement,
        comment=lxml_html.HtmlComment,
        pi=lxml_html.HtmlProcessingInstruction,
        entity=lxml_html.HtmlEntity,
    )
)
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
    """The fields of an article page, read without any knowledge of the site's templates."""
    return extract_tree(load(html), url, fetched_at, zone)


def extract_tree(tree: lxml_html.HtmlElement | None, url: str, fetched_at: datetime, zone: tzinfo) -> GenericFields:
    """The fields of a page loaded by `load` (which this changes: its furniture goes).

    `fetched_at` (aware) bounds the date: a page cannot have been published after it was
    fetched, so a later date on it (a sidebar's, an event's) is never taken. `zone` is the
    paper's: a date or time the page prints without a zone is read in it.

    Metadata and body are two passes, not one `bare_extraction(with_metadata=True)`: that
    call gives nothing at all for a page without text, where the headline and date are still
    worth having, and it would run htmldate on the page before its sidebars are removed.
    """
    if fetched_at.utcoffset() is None:
        raise ValueError("fetched_at needs a time zone")
    if tree is None:
        return GenericFields(None, [], None, None, [], [], None)
    drop_furniture(tree, url)
    wrap_loose_runs(tree)
    meta = page_metadata(tree, url, fetched_at, zone)
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
        section=declared.stated_section(tree),
        updated=declared.stated_update(tree, published, fetched_at, zone),
        images=figures(tree, url),
        address=declared.stated_address(tree),
        says_article=declared.says_article(tree),
    )


def page_metadata(tree: lxml_html.HtmlElement, url: str, fetched_at: datetime, zone: tzinfo) -> Document:
    """Headline, byline, site name, tags and day of the page, by trafilatura's readers in the
    order of its `extract_metadata`: the meta tags and JSON-LD first, then its headline and
    byline rules. The day is the one the page declares in its head or JSON-LD; htmldate's
    search of the whole page runs only when it declares none (or several days).

    Not `extract_metadata` itself, which also reads categories, tag links and a licence (none
    of them kept here; the tag links are read by `tags_of`) and runs htmldate on every page:
    together more than half of its time on pages that declare their date.
    """
    found = metadata.examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # trafilatura's rule: a one-word author in a meta tag is a handle
    with contextlib.suppress(Exception):  # as trafilatura guards it: bad JSON-LD costs only itself
        found = metadata.extract_meta_json(tree, found)
    found.title = found.title or metadata.extract_title(tree)
    found.author = found.author or metadata.extract_author(tree)
    found.sitename = found.sitename or metadata.extract_sitename(tree)
    stated = declared.declared_publication(tree, fetched_at, zone)
    found.date = (
        stated.date().isoformat()
        if stated
        else find_date(
            tree,
            url=urljoin(url, declared.stated_address(tree) or ""),
            extensive_search=True,
            original_date=True,
            max_date=fetched_at.astimezone(zone).date().isoformat(),
            outputformat="%Y-%m-%d",
        )
    )
    found.clean_and_trim()
    return found


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
    """The page as the lxml.html tree both libraries read (None when nothing is left of it),
    mended as trafilatura's own loader mends it and parsed by the same parser settings, once
    for all passes."""
    text = repair_faulty_html(html, html[:50].lower())
    try:
        tree = lxml_html.fromstring(text.encode("utf-8", "surrogatepass"), parser=HTML_PARSER)
    except (etree.ParserError, ValueError):
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
        kind, name = node.get("class"), node.get("id")
        if (
            node.tag in FURNITURE_TAGS
            or (kind and FURNITURE_TOKEN.search(kind))
            or (name and FURNITURE_TOKEN.search(name))
        ):
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
        if link_host(link.get("href", "")) not in hosts:
            return False
        if not teased:
            teased = len(common.clean(item.text_content())) - len(common.clean(link.text_content())) >= TEASER_CHARS
    return teased


def own_hosts(tree: lxml_html.HtmlElement, url: str) -> frozenset[str]:
    """The hosts of the site's own pages: the page's, that of its canonical address (a page
    fetched from a mirror or an archive names the original) and '' for relative links."""
    addresses = [url]
    addresses.extend(link.get("href", "") for link in tree.iter("link") if link.get("rel", "").lower() == "canonical")
    addresses.extend(meta.get("content", "") for meta in tree.iter("meta") if meta.get("property") == "og:url")
    return frozenset({"", *map(link_host, addresses)})


def link_host(href: str) -> str:
    """The bare host of a link ('' for a relative one or one not readable)."""
    href = href.strip()
    if "//" not in href:  # '/news/x', 'x.html': on the page's own host
        return ""
    try:
        return bare_host(urlsplit(href).hostname or "")
    except ValueError:
        return ""


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
    moments = [m for m in declared.stated_times(tree, zone) if m.date() == day and m <= fetched_at]
    if not moments:  # the printed lines are read only when the page states no time
        moments = [m for m in printed_times(tree, fetched_at, zone) if m.date() == day and m <= fetched_at]
    if moments:
        return declared.in_zone(min(moments), zone), "minute"
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
