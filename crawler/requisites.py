"""An article page's requisites — its photos, its stylesheets and the site's logo — which the
crawler keeps in the WARC files beside the page, so that a capture can be replayed as it looked
and its photos kept. Read from the page and its record, never fetched here."""

from __future__ import annotations

from parsel import Selector

from archive.model import ParsedPage

PHOTO, STYLESHEET, LOGO = "photo", "stylesheet", "logo"


def requisites(html: bytes, page: ParsedPage, logo: str) -> list[tuple[str, str]]:
    """(link as written, what it is) of the page's requisites in the order they are fetched —
    the photos the record lists, then the stylesheets, then the logo (`logo`: the site's CSS
    selector for its image); each link once."""
    photos = [image.url for image in page.article.images] if page.article is not None else []
    selector = Selector(text=html.decode("utf-8", "replace").replace("\x00", ""))
    found = [(url, PHOTO) for url in photos]
    found += [
        (link.attrib["href"], STYLESHEET)
        for link in selector.css("link[rel][href]")
        if "stylesheet" in link.attrib["rel"].lower().split()  # rel's words are case-insensitive
    ]
    found += [(src, LOGO) for src in [image.attrib.get("src", "") for image in selector.css(logo)][:1]]
    seen: set[str] = set()
    unique = []
    for link, kind in found:
        link = link.strip()
        if link and not link.startswith("data:") and link not in seen:
            seen.add(link)
            unique.append((link, kind))
    return unique
