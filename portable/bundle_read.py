"""`import bundle` and `serve --bundle`: check a bundle completely before anything is installed.

The tar is read as a stream: the manifest must come first (so a bundle that is too new is
refused before gigabytes are unpacked), every other member must be a plain file the manifest
lists, under a safe name, of the listed size and SHA-256, and the checksum of the manifest must
close it. Then the store's schema, its integrity and its figures, and the index's document
count, are checked against the manifest. Files are unpacked into a staging folder beside the
target; only a complete, checked staging folder is ever moved into place.

Whoosh unpickles what an index holds, so the bundle's index is opened only if a trusted key
signed the manifest; otherwise it is deleted unopened and the caller rebuilds it from the store.
The store is first checked by SQLite alone, read-only and without trusting its schema.
"""

from __future__ import annotations

import posixpath
import shutil
import sqlite3
import tarfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from whoosh import index

from archive.space import out_of_space
from archive.store import SCHEMA_VERSION, Store, StoreError
from archive.untrusted import check_untrusted
from portable.manifest import CHECKSUM, MANIFEST, BundleError, checksum_line, compare_figures, copy_hashed, decode
from portable.signing import MAX_SIGNATURE_BYTES, SIGNATURE, trusted_signer

Wrap = Callable[[Iterable, int | None, str], Iterable]
MAX_MANIFEST_BYTES = 64 * 2**20
STAGED_INDEX = "index-generation"


def staged_path(staging: Path, name: str) -> Path:
    """Where a member of the bundle is unpacked: the store and WARC files as in a data folder,
    the index generation in a folder of its own."""
    head, _, rest = name.partition("/")
    places = {"store": staging, "warc": staging / "warc", "index": staging / STAGED_INDEX}
    return places[head] / rest


def safe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        posixpath.normpath(name) == name
        and not name.startswith("/")
        and ".." not in parts
        and len(parts) == 2
        and parts[0] in ("store", "warc", "index")
        and parts[1] not in ("", ".")
    )


def unpack(bundle: Path, staging: Path, trusted: dict[str, Ed25519PublicKey], wrap: Wrap | None = None) -> dict:
    """Unpack and check every file of `bundle` into `staging`; returns the manifest, whose
    `signed_by` is the trusted key that signed it, or None (the staged index is then gone)."""
    name = bundle.name
    try:
        with tarfile.open(bundle, "r|gz") as tar:
            return _unpack_members(tar, name, staging, trusted, wrap)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        if out_of_space(error):  # the disk this side is full: the bundle may well be whole
            raise
        if isinstance(error, FileNotFoundError) and not bundle.exists():
            raise BundleError(f"There is no bundle {bundle}.") from None
        raise BundleError(f"{name} is damaged or cut short and cannot be read ({error}).") from None


def contents(tar: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    """The contents of `member`, a plain file (the caller checked): tarfile has none for the
    other kinds of member."""
    stream = tar.extractfile(member)
    assert stream is not None
    return stream


def _unpack_members(
    tar: tarfile.TarFile, name: str, staging: Path, trusted: dict[str, Ed25519PublicKey], wrap: Wrap | None
) -> dict:
    members = iter(tar)
    first = next(members, None)
    if first is None or first.name != MANIFEST or not first.isfile() or first.size > MAX_MANIFEST_BYTES:
        raise BundleError(f"{name} is not a newsarchive bundle (it does not begin with {MANIFEST}).")
    raw = contents(tar, first).read()
    manifest = decode(raw, name, SCHEMA_VERSION)
    expected, seen, closed, signature = manifest["by_path"], set(), False, None
    for member in wrap(members, len(expected) + 1, "files") if wrap else members:
        if closed:
            if (
                member.name != SIGNATURE
                or signature is not None
                or not member.isfile()
                or member.size > MAX_SIGNATURE_BYTES
            ):
                raise BundleError(f"{name} has {member.name!r} after its closing checksum.")
            signature = contents(tar, member).read()
            continue
        if member.name == CHECKSUM and member.isfile() and member.size < 4096:
            if contents(tar, member).read() != checksum_line(raw):
                raise BundleError(f"{name} has been altered: its manifest does not match {CHECKSUM}.")
            closed = True
            continue
        if not member.isfile() or not safe_name(member.name) or member.name not in expected:
            raise BundleError(f"{name} holds {member.name!r}, which its manifest does not list.")
        if member.name in seen:
            raise BundleError(f"{name} holds {member.name!r} twice.")
        size, sha256 = expected[member.name]
        target = staged_path(staging, member.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with contents(tar, member) as source, open(target, "wb") as out:
            entry = copy_hashed(source, out)
        if (entry.size, entry.sha256) != (size, sha256):
            raise BundleError(f"{name} is damaged: {member.name} does not match its size and SHA-256 in the manifest.")
        seen.add(member.name)
    if not closed:
        raise BundleError(f"{name} is cut short: it ends before its closing {CHECKSUM}.")
    missing = sorted(set(expected) - seen)
    if missing:
        raise BundleError(f"{name} is incomplete: {missing[0]} is listed in its manifest but missing.")
    manifest["signed_by"] = trusted_signer(name, signature, raw, trusted)
    check_contents(staging, manifest, name)
    return manifest


def check_contents(staging: Path, manifest: dict, name: str) -> None:
    """The store opens, is whole and of a known schema, and its figures and (if a trusted key
    signed it) the index's size are the manifest's; an index nobody trusted is removed unopened."""
    path = staging / "archive.sqlite3"
    if not path.is_file():
        raise BundleError(f"{name} holds no store.")
    try:
        check = check_untrusted(path)
    except sqlite3.DatabaseError as error:
        raise BundleError(f"{name} holds a store SQLite cannot read ({error}).") from None
    if check.schema_version != manifest["schema_version"]:
        raise BundleError(
            f"{name} has been altered: its manifest gives schema {manifest['schema_version']} but the "
            f"store has {check.schema_version}."
        )
    if check.integrity != "ok":
        raise BundleError(f"{name} holds a damaged store (SQLite's integrity check: {check.integrity}).")
    try:
        with Store(path, read_only=True) as store:
            figures = store.figures()
    except StoreError as error:
        raise BundleError(str(error)) from None
    compare_figures(name, manifest["figures"], figures)
    if manifest["signed_by"] is None:
        discard(staging / STAGED_INDEX)
        return
    try:
        documents = index.open_dir(str(staging / STAGED_INDEX)).doc_count()
    except Exception as error:  # Whoosh raises many kinds on a bad index
        raise BundleError(f"{name} holds an index Whoosh cannot open ({error}).") from None
    if documents != manifest["index"]["documents"]:
        raise BundleError(
            f"{name} has been altered: its manifest gives {manifest['index']['documents']} indexed "
            f"articles but the index holds {documents}."
        )


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
