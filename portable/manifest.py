"""A bundle's manifest: what the bundle holds and how to check it.

The manifest lists every file with its size and SHA-256, the versions needed to read it, and
the archive's figures (sites, counts, date range). A manifest cannot hold its own hash, so the
bundle ends with `manifest.sha256` (sha256sum's format) and an import also checks that the
figures agree with the store itself: an edited count or hash is caught either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO

FORMAT = "newsarchive-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHECKSUM = "manifest.sha256"
CHUNK = 1 << 20


class BundleError(Exception):
    """A bundle that cannot be used (damaged, cut short, tampered with, too new); the text is
    one sentence for the user."""


def tool_version() -> str:
    try:
        return version("newsarchive")
    except PackageNotFoundError:
        return "unknown"


def chunks(stream: IO[bytes], limit: int | None = None) -> Iterator[bytes]:
    """The stream in blocks of at most a MiB, up to `limit` bytes, so no file is read whole."""
    left = limit
    while left is None or left > 0:
        block = stream.read(CHUNK if left is None else min(CHUNK, left))
        if not block:
            return
        if left is not None:
            left -= len(block)
        yield block


@dataclass
class Entry:
    """One file of the bundle: its path inside it, its size and SHA-256."""

    path: str
    size: int
    sha256: str


def copy_hashed(source: IO[bytes], target: IO[bytes], limit: int | None = None) -> Entry:
    """Copy `source` into `target` block by block, hashing on the way."""
    digest, size = hashlib.sha256(), 0
    for block in chunks(source, limit):
        digest.update(block)
        target.write(block)
        size += len(block)
    return Entry("", size, digest.hexdigest())


def hash_file(path: Path, limit: int | None = None) -> Entry:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        for block in chunks(stream, limit):
            digest.update(block)
            size += len(block)
    return Entry("", size, digest.hexdigest())


def build(figures: dict, schema_version: int, index: dict, entries: list[Entry], with_warc: bool) -> dict:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_version": schema_version,
        "tool_version": tool_version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "figures": figures,
        "index": index,
        "warc": with_warc,
        "files": [{"path": e.path, "size": e.size, "sha256": e.sha256} for e in entries],
    }


def encode(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def checksum_line(manifest_bytes: bytes) -> bytes:
    return f"{hashlib.sha256(manifest_bytes).hexdigest()}  {MANIFEST}\n".encode()


def decode(raw: bytes, name: str, supported_schema: int) -> dict:
    """The manifest, refused in one sentence if it is not one this version can read."""
    try:
        manifest = json.loads(raw)
        if manifest.get("format") != FORMAT:
            raise ValueError
        files = {f["path"]: (int(f["size"]), str(f["sha256"])) for f in manifest["files"]}
        format_version, schema = int(manifest["format_version"]), int(manifest["schema_version"])
        if not isinstance(manifest["figures"], dict) or not isinstance(manifest["index"]["documents"], int):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BundleError(f"{name} is not a newsarchive bundle (its manifest cannot be read).") from None
    if format_version > FORMAT_VERSION:
        raise BundleError(
            f"{name} was written by a newer newsarchive (bundle format {format_version}; this version "
            f"reads up to {FORMAT_VERSION})."
        )
    if schema > supported_schema:
        raise BundleError(
            f"{name} holds a store of schema {schema}, newer than this version knows ({supported_schema})."
        )
    if len(files) != len(manifest["files"]):
        raise BundleError(f"{name} is not a valid bundle: its manifest lists a file twice.")
    manifest["by_path"] = files
    manifest["sha256"] = hashlib.sha256(raw).hexdigest()
    return manifest


def compare_figures(name: str, claimed: dict, actual: dict) -> None:
    """The manifest's figures must be the store's own: a changed count is a tampered manifest."""
    for key in sorted(set(claimed) | set(actual)):
        if claimed.get(key) != actual.get(key):
            raise BundleError(
                f"{name} has been altered: its manifest gives {key} as {claimed.get(key)!r} but the "
                f"store in it has {actual.get(key)!r}."
            )
