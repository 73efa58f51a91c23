"""One identity per page: the same article under www./bare host, http/https, tracking
parameters or a trailing slash is one record."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_", "mc_")
TRACKING_NAMES = frozenset({"fbclid", "gclid", "_ga", "ref", "share", "amp"})
SEGMENT_SAFE = ":@!$&'()*+,;=-._~"


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith(TRACKING_PREFIXES) or name in TRACKING_NAMES


def normalise_path(path: str) -> str:
    """Percent-encode a path one way: upper-case escapes, no trailing slash. Each segment is
    decoded and re-encoded on its own, so an escaped slash (%2F) stays a different path."""
    segments = [quote(unquote(segment), safe=SEGMENT_SAFE) for segment in path.split("/")]
    path = "/".join(segments)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path or "/"


def canonical_url(url: str, origin: str | None = None, keep_query: bool = True) -> str:
    """Return the identity form of `url`.

    `origin` (e.g. "https://www.phnompenhpost.com") replaces scheme and host, so that a page
    fetched from a mirror or the bare host keeps the identity of the site it belongs to.
    Without it, http becomes https and the host is lower-cased; nothing else about the host
    changes. Tracking parameters are always dropped, every other one too unless `keep_query`.
    Raises ValueError for an address that cannot be read (e.g. "http://[::1").
    """
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), parts.netloc.lower()
    if origin:
        o = urlsplit(origin)
        scheme, host = o.scheme, o.netloc
    elif scheme in ("http", "https", ""):
        scheme = "https"
    query = ""
    if keep_query:
        query = urlencode(
            sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
        )
    return urlunsplit((scheme, host, normalise_path(parts.path), query, ""))


def address_key(url: str) -> str:
    """A fetched address without its host, so the real site and a mirror share aliases."""
    parts = urlsplit(url)
    return normalise_path(parts.path) + (f"?{parts.query}" if parts.query else "")


def bare_host(host: str) -> str:
    """'WWW.Example.com:8080' becomes 'example.com', and so does 'm.example.com': a site's
    mobile host serves its own pages (the Post's m. hosts do, SITE-EVIDENCE.md)."""
    return host.lower().split(":")[0].removeprefix("www.").removeprefix("m.")


def same_site(host: str, site_host: str) -> bool:
    """True when `host` is `site_host` with or without `www.` or `m.` (any port)."""
    return bare_host(host) == bare_host(site_host)


def fetched_from(href: str, page: str, base_url: str, hosts: tuple[str, ...]) -> str | None:
    """The address to fetch for a link found on `page`: on the site's own hosts (or base_url's)
    it is mapped to base_url, so that a mirror or the sample site is read as the real site;
    another host or scheme gives None."""
    parts = urlsplit(urljoin(page, href.strip()))
    if parts.scheme not in ("http", "https"):
        return None
    origin = urlsplit(base_url)
    if any(same_site(parts.netloc, host) for host in hosts) or parts.netloc == origin.netloc:
        return urlunsplit((origin.scheme, origin.netloc, parts.path or "/", parts.query, ""))
    return None


def check_base_url(url: str) -> None:
    """Refuse, before a crawl or a schedule starts, an address nothing can be fetched from
    (it would otherwise fail deep inside the crawl): http or https, with a host, readable.
    The ValueError's text names the address."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading the port checks it: one that is not a number raises
    except ValueError as error:
        raise ValueError(f"{url!r} cannot be read as a web address ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http or https address")
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host to fetch from")
    if any(character.isspace() for character in url):
        raise ValueError(f"{url!r} has white space in it")


def is_mirror_host(host: str) -> bool:
    """Where the crawler fetches the site from when not from the site itself: a replica or a
    copy on this machine or the local network, named by address. A copy on a named host of its
    own is taken for that host's site unless its pages state their address [G]."""
    try:
        return host == "localhost" or ipaddress.ip_address(host) is not None
    except ValueError:
        return False
