"""Site-independent pieces of page parsing: decoding, text, names, dates, captions.

Pure functions: bytes and strings in, values out. No network, no store, no clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from bs4.dammit import UnicodeDammit
from dateutil import parser as dateparser
from lxml import etree

from archive.names import KHMER_SCRIPT

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
UTF8_NAMES = {"utf-8", "utf8"}
PARAGRAPH_MARK = "\u2029"
BLOCK_TAGS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "div",
        "section",
        "article",
        "ul",
        "ol",
        "table",
        "tr",
        "td",
        "dl",
        "dd",
        "dt",
    }
)
TEXT_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "dd", "dt"})


def decode_html(data: bytes, fallbacks: tuple[str, ...] = ("windows-1252",)) -> tuple[str, list[str]]:
    """Text of a page whatever its declared charset says; a warning when the two disagree.
    NUL bytes, which pages from the site's cache hold between tags, are dropped, and so are
    zero-width spaces (U+200B), which the Khmer edition's text carries between some words:
    invisible, they would make one word of a headline two different strings.

    UTF-8 is tried first because a byte string that decodes as UTF-8 and has non-ASCII
    bytes is almost never anything else; otherwise UnicodeDammit tries a declaration that
    is not UTF-8, then the site's usual `fallbacks`, then its own guess.
    """
    warnings: list[str] = []
    found = META_CHARSET.search(data[:4096])
    declared = found.group(1).decode("ascii", "replace").lower() if found else None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        known = [declared] if declared and declared not in UTF8_NAMES else []
        dammit = UnicodeDammit(data, known_definite_encodings=known, user_encodings=list(fallbacks))
        text = dammit.unicode_markup or data.decode("utf-8", "replace")
        used = (dammit.original_encoding or "utf-8").lower()
        if declared and used != declared:
            warnings.append(f"charset: the page declares {declared} but reads as {used}")
        return without_invisible(text), warnings
    if declared and declared not in UTF8_NAMES and not data.isascii():
        warnings.append(f"charset: the page declares {declared} but is UTF-8")
    return without_invisible(text), warnings


def without_invisible(text: str) -> str:
    return text.replace("\x00", "").replace("\u200b", "")


def drop_dangling_tag(text: str) -> str:
    """Remove a tag cut in half at the end of a truncated page, so it is not read as text."""
    opened = text.rfind("<")
    return text[:opened] if opened > text.rfind(">") else text


HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, default_doctype=False)


def load_tree(text: str) -> etree._Element | None:
    """The page's <html> element, or None when nothing parseable is left of the page.

    Plain lxml elements (not lxml.html's) because the class look-up of lxml.html costs more
    than all the selectors of a page together.
    """
    text = XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        root = etree.fromstring(text, HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return root if root is not None and len(root) else None


def clean(text: str | None) -> str:
    """Collapse every run of white space (non-breaking ones included) into one space."""
    return " ".join(text.split()) if text else ""


def text_of(node: etree._Element | None) -> str:
    """All the text inside a node, white space collapsed ('' for no node)."""
    return clean("".join(node.itertext())) if node is not None else ""


def block_text(node: etree._Element) -> str:
    """A node's text with a space wherever a block or a <br> ends, so that a date line and
    a teaser in two <p> of one item do not run together."""
    pieces: list[str] = []

    def walk(element: etree._Element) -> None:
        pieces.append(element.text or "")
        for child in element:
            if isinstance(child.tag, str):
                separate = child.tag in BLOCK_TAGS or child.tag == "br"
                pieces.append(" " if separate else "")
                walk(child)
                pieces.append(" " if separate else "")
            pieces.append(child.tail or "")

    walk(node)
    return clean("".join(pieces))


def paragraphs(container: etree._Element) -> list[str]:
    """The paragraphs of a body container, in order.

    A paragraph is the text of a block element that holds no other block (p, a heading, a
    list item, a quote), or loose text directly in the container; inside a block, two or
    more <br> in a row also end a paragraph.
    """
    found: list[str] = []
    loose: list[str] = []

    def flush_loose() -> None:
        found.extend(split_on_breaks("".join(loose)))
        loose.clear()

    def walk(element: etree._Element) -> None:
        if element.text and element.text.strip():
            loose.append(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                pass
            elif child.tag == "br":
                loose.append(PARAGRAPH_MARK)
            elif child.tag in TEXT_BLOCKS and not any(
                isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in child.iterdescendants()
            ):
                flush_loose()
                found.extend(split_on_breaks(block_with_breaks(child)))
            elif child.tag in BLOCK_TAGS:
                flush_loose()
                walk(child)
                flush_loose()
            else:
                loose.append(block_with_breaks(child))
            if child.tail and child.tail.strip():
                loose.append(child.tail)

    walk(container)
    flush_loose()
    return found


def block_with_breaks(node: etree._Element) -> str:
    """Text of an element, with each <br> kept as a paragraph mark."""
    pieces = [node.text or ""]
    for child in node.iterdescendants():
        if child.tag == "br":
            pieces.append(PARAGRAPH_MARK)
        elif isinstance(child.tag, str):
            pieces.append(child.text or "")
        pieces.append(child.tail or "")
    return "".join(pieces)


def split_on_breaks(text: str) -> list[str]:
    """Split at two or more paragraph marks in a row; a single one is a space."""
    if PARAGRAPH_MARK not in text:
        text = clean(text)
        return [text] if text else []
    chunks = re.split(PARAGRAPH_MARK + r"\s*" + PARAGRAPH_MARK + r"[\s" + PARAGRAPH_MARK + "]*", text)
    return [piece for piece in (clean(chunk.replace(PARAGRAPH_MARK, " ")) for chunk in chunks) if piece]


def drop(nodes: list[etree._Element]) -> None:
    """Remove nodes from their tree, keeping the text that follows each one."""
    for node in nodes:
        parent = node.getparent()
        if parent is None:
            continue
        if node.tail:
            previous = node.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)


# -- names --------------------------------------------------------------------------------

# Commas, "and" (Khmer និង), "with" and "&" separate the names of a byline.
NAME_SPLIT = re.compile(r"\s*,\s*(?:(?:and|និង)\s+)?|\s+(?:and|និង)\s+|\s+with\s+|\s*&\s*", re.I)


def name_case(name: str) -> str:
    """'MAY KUNMAKARA' becomes 'May Kunmakara' ('MCDONALD O'NEIL': 'McDonald O'Neil'); mixed
    case and short acronyms (AFP) stay as printed."""
    if not name.isupper() or (" " not in name and len(name) <= 4):
        return name
    return " ".join(_word_case(word) for word in name.split(" "))


def _word_case(word: str) -> str:
    word = "-".join(part.capitalize() for part in word.split("-"))
    word = re.sub(r"^(O’|O')(\w)", lambda m: m.group(1) + m.group(2).upper(), word)
    return re.sub(r"^Mc(\w)", lambda m: "Mc" + m.group(1).upper(), word)


def split_authors(byline: str, drop_suffixes: list[re.Pattern]) -> list[str]:
    """Authors of a byline: 'A, B and C | The Paper' gives ['A', 'B', 'C']."""
    text = clean(byline)
    for suffix in drop_suffixes:
        text = suffix.sub("", text).strip()
    text = re.sub(r"^(?:by\s+|ដោយ\s*)", "", text, flags=re.I)  # ដោយ: "by"
    return [name_case(part) for part in NAME_SPLIT.split(text) if part.strip()]


# -- dates --------------------------------------------------------------------------------

PROBE_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2))


def parse_printed_date(
    text: str, zone: tzinfo, zone_names: dict[str, int], known_forms: tuple[str, ...] = ()
) -> datetime | None:
    """A printed date ('15 August 2018 | 08:20 ICT') as an aware datetime in the site's zone.

    The site's usual forms (strptime patterns, the zone name removed) are tried first, for
    speed; dateutil reads anything else, and its answer is kept only if the text gave a full
    date (dateutil fills a missing day or month from a default, which would invent one).
    """
    cleaned = re.sub(r"\s*\|\s*", " ", text).strip()
    zone_name = zone.tzname(None)
    bare = cleaned.removesuffix(" " + zone_name) if zone_name else cleaned
    for form in known_forms:
        try:
            return datetime.strptime(bare, form).replace(tzinfo=zone)
        except ValueError:
            continue
    try:
        first, second = (
            dateparser.parse(cleaned, default=default, tzinfos=zone_names, fuzzy=True) for default in PROBE_DEFAULTS
        )
    except (ValueError, OverflowError):
        return None
    if first.date() != second.date():
        return None
    return first if first.tzinfo else first.replace(tzinfo=zone)


def has_time(text: str) -> bool:
    """True when a printed date carries a time of day."""
    return re.search(r"\b\d{1,2}:\d{2}\b", text) is not None


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the moment's own offset; naive datetimes are refused."""
    if moment is None:
        return None
    if moment.utcoffset() is None:
        raise ValueError("a time without a zone cannot be stored")
    offset = moment.utcoffset() or timedelta(0)
    return moment.astimezone(timezone(offset)).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 time with a zone, or None for anything else."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# -- captions -----------------------------------------------------------------------------

KNOWN_CREDIT = re.compile(
    r"^(?P<caption>.*?)\s*(?P<credit>(?:photo|PHOTO|Photo)\s+(?:supplied|SUPPLIED)|SUPPLIED|Supplied"
    r"|Post\s+[Ss]taff|POST\s+STAFF"
    r"|(?:Photograph|Photo|Picture)\s*:\s*[^.]+?(?:\.\s*\w+)*"
    r"|(?:[A-Z][\w'’-]*\s+){0,3}[A-Z][\w'’-]*/(?:AFP|AP|Reuters|Xinhua)|AFP|Reuters|Xinhua)\s*$",
    re.S,
)
ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
    "Mr",
    "Mrs",
    "Ms",
    "Dr",
    "St",
    "No",
    "Gen",
    "Col",
    "Lt",
    "Sgt",
    "Prof",
)
SENTENCE_END = re.compile(
    r"(?<![\s.][A-Za-z])" + "".join(rf"(?<!\b{a})" for a in ABBREVIATIONS) + r"[.!?។][’'”\")]?\s+"
)
CREDIT_LABEL = re.compile(r"^(?:photograph|photo|picture)\s*:\s*", re.I)
NAME_WORD = re.compile(r"^[A-Z][\w'’.-]*$|^[A-Z]+$")


# '… a session in Ratanakkiri. (Photo: Siv Channa/The Daily)', as many WordPress papers print it
BRACKETED_CREDIT = re.compile(r"^(?P<caption>.*?)\s*\((?P<credit>[^()]{2,80})\)$", re.S)
CREDIT_WORDS = 6


def is_credit(text: str) -> bool:
    """Whether a bracketed end of a caption is its credit: labelled ('Photo: …'), a known form
    ('Photo supplied', 'AFP'), an agency after a slash, or a short run of capitalised names."""
    words = text.split()
    if CREDIT_LABEL.match(text) or "/" in text:
        return True
    known = KNOWN_CREDIT.match(text)
    return bool(known and not known.group("caption")) or (
        len(words) <= CREDIT_WORDS and all(NAME_WORD.match(word) for word in words)
    )


def split_credit(text: str) -> tuple[str | None, str | None]:
    """Caption and credit of a caption printed with the credit glued to its end.

    The Post prints '… in Cambodia. Photo supplied', '… a mill. Khem Sovannara/AFP' or
    '… Photograph: Mey Kimlay'; other papers put the credit in brackets at the end. Known credit
    forms are recognised wherever they stand; otherwise the credit is a short run of capitalised
    words after the last sentence end (abbreviations such as 'Jan.' or initials such as 'U.N.' are not sentence ends).
    """
    text = clean(text)
    if not text:
        return None, None
    bracketed = BRACKETED_CREDIT.match(text)
    if bracketed and is_credit(bracketed.group("credit")):
        return bracketed.group("caption").strip() or None, CREDIT_LABEL.sub("", bracketed.group("credit")).strip()
    known = KNOWN_CREDIT.match(text)
    if known and known.group("caption"):
        return known.group("caption"), CREDIT_LABEL.sub("", known.group("credit")).strip()
    ends = list(SENTENCE_END.finditer(text))
    if ends:
        caption, tail = text[: ends[-1].end()].rstrip(), text[ends[-1].end() :]
        words = tail.split()
        if 1 <= len(words) <= 5 and all(NAME_WORD.match(word) for word in words):
            return caption, tail
    return text, None


def language_of(text: list[str], declared: str | None) -> str:
    """The language a page's text is in: Khmer when a quarter of it is Khmer script (the Khmer
    edition's pages declare `en`), else the language the page declares, else English."""
    sample = " ".join(text)[:2000]
    if sample and len(KHMER_SCRIPT.findall(sample)) > len(sample) / 4:
        return "km"
    return (declared or "en").split("-")[0].lower() or "en"
