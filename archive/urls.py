"""One identity per page: the same article under www./bare host, http/https, tracking
parameters or a trailing slash is one record."""
from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_", "mc_")
TRACKING_NAMES = frozenset({"fbclid", "gclid", "_ga", "ref", "share", "amp"})


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith(TRACKING_PREFIXES) or name in TRACKING_NAMES


def normalise_path(path: str) -> str:
    """Percent-encode a path the one way (upper-case escapes, no trailing slash)."""
    path = quote(unquote(path), safe="/:@!$&'()*+,;=-._~")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path or "/"


def canonical_url(url: str, origin: str | None = None) -> str:
    """Return the identity form of `url`.

    `origin` (e.g. "https://www.phnompenhpost.com") replaces scheme and host, so that a page
    fetched from a mirror or the bare host keeps the identity of the site it belongs to.
    """
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower() or "https", parts.netloc.lower()
    if origin:
        o = urlsplit(origin)
        scheme, host = o.scheme, o.netloc
    else:
        scheme = "https" if scheme in ("http", "https") else scheme
        host = host if host.startswith("www.") or ":" in host or not host else "www." + host
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _is_tracking(k)))
    return urlunsplit((scheme, host, normalise_path(parts.path), query, ""))


def same_site(host: str, site_host: str) -> bool:
    """True when `host` is `site_host` with or without `www.`."""
    strip = lambda h: h.lower().split(":")[0].removeprefix("www.")  # noqa: E731
    return strip(host) == strip(site_host)
