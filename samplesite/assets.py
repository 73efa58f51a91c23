"""What the replica's pages need besides their HTML, as a newspaper serves them: its photos
(a small picture of its own for each address, so that each photo can be told apart once
archived), its logo and its theme's stylesheet, which draws a background picture of its own."""

from __future__ import annotations

import hashlib
import struct
import zlib

IMAGE_PREFIXES = ("/sites/", "/images/", "/storage/")
STYLESHEET = "/sites/all/themes/ppp/css/style.css"
WIDTH, HEIGHT = 96, 54


def asset(path: str) -> tuple[bytes, str] | None:
    """(body, content type) of a photo, the logo or the stylesheet, or None for another path."""
    if path == STYLESHEET:
        return stylesheet(), "text/css; charset=utf-8"
    if path.startswith(IMAGE_PREFIXES):
        return picture(path), "image/png"
    return None


def stylesheet() -> bytes:
    """The theme's stylesheet; its background picture is named relative to it, as themes do."""
    return (
        b"body { font-family: Georgia, serif; margin: 0 auto; max-width: 60em; }\n"
        b".logo { background: url(../images/masthead.png) no-repeat; min-height: 54px; }\n"
        b"figure img, .article-image img { max-width: 100%; }\n"
    )


def picture(path: str) -> bytes:
    """A PNG of WIDTH x HEIGHT in one colour drawn from the path, a band of another across it."""
    digest = hashlib.sha256(path.encode()).digest()
    fill, band = digest[:3], digest[3:6]
    rows = b"".join(b"\x00" + (band if HEIGHT // 3 <= y < 2 * HEIGHT // 3 else fill) * WIDTH for y in range(HEIGHT))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
