"""Site-independent pieces of page parsing: decoding, text, names, dates, captions.

Pure functions: bytes and strings in, values out. No network, no store.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

import lxml.html
from bs4.dammit import UnicodeDammit
from dateutil import parser as dateparser

META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w.:]+)""", re.I)
UTF8_NAMES = {"utf-8", "utf8"}
PARAGRAPH_MARK = "\u2029"


def decode_html(data: bytes, fallbacks: tuple[str, ...] = ("windows-1252",)) -> tuple[str, list[str]]:
    """Text of a page whatever its declared charset says; a warning when the two disagree.

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
        return text, warnings
    if declared and declared not in UTF8_NAMES and not data.isascii():
        warnings.append(f"charset: the page declares {declared} but is UTF-8")
    return text, warnings


def drop_dangling_tag(text: str) -> str:
    """Remove a tag cut in half at the end of a truncated page, so it is not read as text."""
    opened = text.rfind("<")
    return text[:opened] if opened > text.rfind(">") else text


def load_tree(text: str) -> lxml.html.HtmlElement | None:
    """An lxml tree, or None when nothing parseable is left of the page."""
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return None


def clean(text: str | None) -> str:
    """Collapse every run of white space (non-breaking ones included) into one space."""
    return " ".join(text.split()) if text else ""


def text_of(node: lxml.html.HtmlElement | None) -> str:
    return clean(node.text_content()) if node is not None else ""


def paragraphs_of(node: lxml.html.HtmlElement) -> list[str]:
    """A paragraph's text, split where the markup uses two or more <br> as paragraph breaks."""
    for br in node.iter("br"):
        br.tail = PARAGRAPH_MARK + (br.tail or "")
    text = node.text_content()
    pieces = re.split(PARAGRAPH_MARK + r"\s*" + PARAGRAPH_MARK + r"[\s" + PARAGRAPH_MARK + "]*", text)
    return [piece for piece in (clean(p.replace(PARAGRAPH_MARK, " ")) for p in pieces) if piece]


def drop(nodes) -> None:
    """Remove nodes from their tree, keeping the text that follows them."""
    for node in list(nodes):
        parent = node.getparent()
        if parent is None:
            continue
        node.drop_tree()


# -- names --------------------------------------------------------------------------------

NAME_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", re.I)


def name_case(name: str) -> str:
    """'MAY KUNMAKARA' becomes 'May Kunmakara'; mixed case and short acronyms stay as printed."""
    if not name.isupper() or (" " not in name and len(name) <= 4):
        return name
    return " ".join(part.capitalize() if not part.isupper() or len(part) > 1 else part
                    for part in name.split(" "))


def split_authors(byline: str, drop_suffixes: list[re.Pattern]) -> list[str]:
    """Authors of a byline: 'A, B and C | The Paper' gives ['A', 'B', 'C']."""
    text = clean(byline)
    for suffix in drop_suffixes:
        text = suffix.sub("", text).strip()
    text = re.sub(r"^by\s+", "", text, flags=re.I)
    return [name_case(part) for part in NAME_SPLIT.split(text) if part.strip()]


# -- dates --------------------------------------------------------------------------------


def parse_printed_date(text: str, zone: tzinfo, zone_names: dict[str, int],
                       known_forms: tuple[str, ...] = ()) -> datetime | None:
    """A printed date ('15 August 2018 | 08:20 ICT') as an aware datetime in the site's zone.

    The site's usual forms (strptime patterns, the zone name removed) are tried first, for
    speed; dateutil reads anything else.
    """
    cleaned = re.sub(r"\s*\|\s*", " ", text).strip()
    bare = cleaned.removesuffix(" " + zone.tzname(None)) if zone.tzname(None) else cleaned
    for form in known_forms:
        try:
            return datetime.strptime(bare, form).replace(tzinfo=zone)
        except ValueError:
            continue
    try:
        moment = dateparser.parse(cleaned, tzinfos=zone_names, fuzzy=True)
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    offset = moment.utcoffset() or timedelta(0)
    return moment.astimezone(timezone(offset)).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


# -- captions -----------------------------------------------------------------------------

CREDIT_TAIL = re.compile(r"^(?P<caption>.*?[.!?។”)])\s+(?P<credit>[^.!?។]{1,60})$", re.S)
CREDIT_LABEL = re.compile(r"^(?:photograph|photo|picture)\s*:\s*", re.I)


def split_credit(text: str) -> tuple[str | None, str | None]:
    """Caption and credit of a caption printed with the credit glued to its end.

    The Post prints '… in Cambodia. Photo supplied' or '… a mill. Khem Sovannara/AFP': the
    credit is a short run of words after the last full stop. A caption that ends in a full
    stop has no credit.
    """
    text = clean(text)
    if not text:
        return None, None
    match = CREDIT_TAIL.match(text)
    if not match or len(match.group("credit").split()) > 6:
        return text, None
    credit = CREDIT_LABEL.sub("", match.group("credit")).strip()
    return match.group("caption"), credit or None
