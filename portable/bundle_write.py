"""`export bundle`: the store, the current index generation and (optionally) the WARC files in
one tar.gz, manifest first and its checksum last.

The store is copied with SQLite's online backup API, so a crawl may go on meanwhile; the index
generation is copied into a staging folder and WARC files are read only up to the size they had
when the store was copied (they are only ever appended to), so every byte the manifest hashes
is the byte that goes into the bundle.

The staging folder, beside the output, holds a full copy of the store; its name carries the
machine and process that made it, so the next export can remove the folder of one that was
killed (kill -9 runs no clean-up) without touching that of an export still running.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import sqlite3
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from archive.processes import pid_alive
from archive.space import no_space
from archive.store import SCHEMA_VERSION, Store
from portable.manifest import CHECKSUM, MANIFEST, Entry, build, checksum_line, copy_hashed, encode, hash_file
from portable.purge import purge
from portable.signing import SIGNATURE, sign
from search.indexer import NOTHING_WITHHELD, STATE, current_generation, read_state

Wrap = Callable[[Iterable, int | None, str], Iterable]
SKIPPED_INDEX_FILES = ("WRITELOCK",)  # Whoosh's lock files say nothing about the index
STAGING = re.compile(r"\.bundle-(?P<host>.+)-(?P<pid>[0-9]+)-[^-]+")


@dataclass
class Source:
    """One file going into the bundle: where it is read from and how many bytes of it."""

    entry: Entry
    path: Path


def staging_prefix() -> str:
    """This process's staging name: what `remove_leftovers` reads back to know it from a dead one's."""
    return f".bundle-{socket.gethostname()}-{os.getpid()}-"


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the staging folders in `folder` of exports on this machine whose process is gone;
    returns them. Another machine's (a shared folder) cannot be judged and is left."""
    host, removed = socket.gethostname(), []
    for path in sorted(folder.glob(".bundle-*")) if folder.is_dir() else []:
        match = STAGING.fullmatch(path.name)
        if (
            match
            and match["host"] == host
            and path.is_dir()
            and not path.is_symlink()
            and not pid_alive(int(match["pid"]))
        ):
            shutil.rmtree(path, ignore_errors=True)  # another export starting now may be removing it too
            if not path.exists():
                removed.append(path)
    return removed


def backup_store(store_path: Path, target: Path) -> None:
    """A consistent copy of a live store, in rollback-journal mode so the one file is whole."""
    with Store(store_path, read_only=True) as source:
        try:
            source.backup_to(target)
        except sqlite3.OperationalError as error:
            full = no_space(error, target, store_path.stat().st_size)
            if full is None:
                raise
            raise full from None


def stage_index(generation: Path, staging: Path) -> list[Source]:
    folder = staging / "index"
    folder.mkdir()
    sources = []
    for path in sorted(generation.iterdir()):
        if not path.is_file() or path.name.endswith(SKIPPED_INDEX_FILES):
            continue
        with open(path, "rb") as source, open(folder / path.name, "wb") as target:
            entry = copy_hashed(source, target)
        sources.append(Source(Entry(f"index/{path.name}", entry.size, entry.sha256), folder / path.name))
    return sources


def warc_sources(folder: Path, wrap: Wrap | None, purged: set[str], staged: Path) -> list[Source]:
    """The archive's WARC files, those a purge rewrote for the bundle (`purged`) taken from
    `staged` instead."""
    files = sorted(folder.glob("*.warc.gz")) if folder.is_dir() else []
    files = [path for path in files if path.name not in purged] + sorted(staged.glob("*.warc.gz"))
    sources = []
    for path in wrap(files, len(files), "WARC files") if wrap else files:
        size = path.stat().st_size
        entry = hash_file(path, size)
        sources.append(Source(Entry(f"warc/{path.name}", entry.size, entry.sha256), path))
    return sources


def withhold(staging: Path, warc_folder: Path, generation: Path, with_warc: bool) -> set[str]:
    """What the archive withholds taken out of the bundle: purged from the staged copy of the
    store, and from staged copies of the WARC files that hold it (the archive's own stay as they
    are). Returns the names of the WARC files replaced. An index built under another list of
    exclusions would still hold withheld articles, so it is refused."""
    with Store(staging / "archive.sqlite3") as store:
        withheld = store.withheld()
        if read_state(generation).get("withheld", NOTHING_WITHHELD) != withheld.fingerprint():
            raise FileNotFoundError("The index was built before the latest exclusions; run 'newsarchive index' first")
        if not withheld:
            return set()
        captures, _ = store.withheld_captures()
        affected = {capture.warc_file for capture in captures} if with_warc else set()
        (staging / "warc").mkdir()
        for name in affected:
            if (warc_folder / name).is_file():
                shutil.copyfile(warc_folder / name, staging / "warc" / name)
        purge(store)
        store.db.execute("VACUUM")  # nothing of what was deleted left in the file's free pages
    return affected


def member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    """A plain file owned by nobody in particular, so bundles do not carry the writer's names."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    return info


def write_bundle(
    data_dir: Path,
    index_root: Path,
    output: Path,
    with_warc: bool = False,
    wrap: Wrap | None = None,
    key: Ed25519PrivateKey | None = None,
) -> dict:
    """Write the bundle to `output` (in place only once complete), signed with `key` if given;
    returns its manifest."""
    generation = current_generation(index_root)
    if generation is None or not (generation / STATE).is_file():
        raise FileNotFoundError(f"There is no index in {index_root}; run 'newsarchive index' first")
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=staging_prefix(), dir=output.parent) as folder:
        staging = Path(folder)
        backup_store(data_dir / "archive.sqlite3", staging / "archive.sqlite3")
        purged = withhold(staging, data_dir / "warc", generation, with_warc)
        with Store(staging / "archive.sqlite3", read_only=True) as store:
            figures = store.figures()
        store_entry = hash_file(staging / "archive.sqlite3")
        sources = [
            Source(Entry("store/archive.sqlite3", store_entry.size, store_entry.sha256), staging / "archive.sqlite3")
        ]
        sources += stage_index(generation, staging)
        if with_warc:
            sources += warc_sources(data_dir / "warc", wrap, purged, staging / "warc")
        state = read_state(staging / "index")
        index = {"generation": generation.name, "documents": state["documents"], "revision": state["revision"]}
        manifest = build(figures, SCHEMA_VERSION, index, [s.entry for s in sources], with_warc)
        manifest_bytes = encode(manifest)
        partial = staging / "bundle.partial"
        mtime = os.path.getmtime(staging / "archive.sqlite3")
        with tarfile.open(partial, "w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
            tar.addfile(member(MANIFEST, len(manifest_bytes), mtime), io.BytesIO(manifest_bytes))
            for source in wrap(sources, len(sources), "files") if wrap else sources:
                with open(source.path, "rb") as stream:
                    tar.addfile(member(source.entry.path, source.entry.size, mtime), stream)
            closing = checksum_line(manifest_bytes)
            tar.addfile(member(CHECKSUM, len(closing), mtime), io.BytesIO(closing))
            if key is not None:
                signature = sign(key, manifest_bytes)
                tar.addfile(member(SIGNATURE, len(signature), mtime), io.BytesIO(signature))
        os.replace(partial, output)
    return manifest | {"sha256": closing.split()[0].decode()}
