"""Moving a checked bundle into place: with renames, so the previous archive stays whole until
the new one is in, and comes back if anything fails on the way.

The data folder is swapped as a whole (the staging folder was unpacked beside it, on the same
file system); the index generation becomes the newest generation of the index folder and its
`current` link is switched in one rename, as a rebuild does. A bundle no trusted key signed
gets an index rebuilt from its store, in the staging folder, before anything is moved.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from archive.store import Store, StoreError
from portable.bundle_read import STAGED_INDEX, Wrap, discard, unpack
from portable.manifest import BundleError
from portable.signing import TRUSTED_KEYS
from search.indexer import IndexUnavailableError, _switch, current_generation, rebuild


def staging_folder(data_dir: Path) -> Path:
    """A fresh folder beside the data folder, so that moving it into place is a rename."""
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    folder = data_dir.parent / f".{data_dir.name}.import-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


def holds_archive(data_dir: Path, index_root: Path) -> bool:
    return (data_dir / "archive.sqlite3").exists() or current_generation(index_root) is not None


def refuse_existing(data_dir: Path, index_root: Path, replace: bool) -> None:
    """Nothing is imported over an archive unless asked; a folder holding other things is
    never swapped away."""
    if holds_archive(data_dir, index_root):
        if not replace:
            raise BundleError(f"{data_dir} or {index_root} already holds an archive; give --replace to replace it.")
    elif data_dir.is_dir() and any(path.name != TRUSTED_KEYS for path in data_dir.iterdir()):
        raise BundleError(f"{data_dir} is not empty and holds no archive; choose an empty or new folder.")


def next_generation(index_root: Path) -> Path:
    numbers = [
        int(p.name.removeprefix("gen-")) for p in index_root.glob("gen-*") if p.name.removeprefix("gen-").isdigit()
    ]
    return index_root / f"gen-{max(numbers, default=0) + 1:05d}"


def install(staging: Path, data_dir: Path, index_root: Path, replace: bool) -> Path:
    """Swap `staging` in as `data_dir` and its index generation in as `index_root`'s current
    one; returns the generation. On failure the previous archive is put back."""
    data_dir = data_dir.resolve()
    refuse_existing(data_dir, index_root, replace)
    previous = data_dir.parent / f".{data_dir.name}.previous-{os.getpid()}"
    if (data_dir / TRUSTED_KEYS).is_dir():  # the archive's trust goes with it, not with the bundle
        shutil.copytree(data_dir / TRUSTED_KEYS, staging / TRUSTED_KEYS)
    had_data = data_dir.exists()
    # named before the rename: an index inside data_dir (its default home) moves away with it, and a
    # server reading that folder must see a new generation's name, not the old one's reused
    generation = next_generation(index_root)
    if had_data:
        os.rename(data_dir, previous)
    try:
        os.rename(staging, data_dir)
        try:
            index_root.mkdir(parents=True, exist_ok=True)
            old_generations = [g for g in index_root.glob("gen-*") if g.is_dir()]
            shutil.move(data_dir / STAGED_INDEX, generation)
            _switch(index_root, generation)
        except BaseException:
            os.rename(data_dir, staging)
            raise
    except BaseException:
        if had_data:
            os.rename(previous, data_dir)
        raise
    for old in old_generations:
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(previous, ignore_errors=True)
    Store(data_dir / "archive.sqlite3").close()  # a store of an older schema is migrated forward now
    return generation


def rebuild_index(staging: Path, wrap: Wrap | None) -> float:
    """Index the staged store with this archive's own indexer into the staged index folder, so
    no file of the bundle's index is ever opened; returns the seconds it took."""
    started, root = time.monotonic(), staging / ".rebuilt-index"
    try:
        with Store(staging / "archive.sqlite3", read_only=True) as store:
            report = rebuild(store, root, wrap=wrap)
        shutil.move(root / report.generation, staging / STAGED_INDEX)
    except (StoreError, IndexUnavailableError) as error:
        raise BundleError(f"The index could not be rebuilt from the bundle's store ({error}).") from None
    finally:
        discard(root)
    return time.monotonic() - started


def import_bundle(
    bundle: Path,
    data_dir: Path,
    index_root: Path,
    trusted: dict[str, Ed25519PublicKey],
    replace: bool = False,
    wrap: Wrap | None = None,
) -> tuple[dict, Path]:
    """Check `bundle` whole, then install it; anything wrong leaves the previous archive as it
    was and nothing new behind. Unless a `trusted` key signed it, its index is rebuilt from its
    store (`rebuild_seconds` in the manifest). Returns the manifest and the index generation."""
    refuse_existing(data_dir, index_root, replace)
    staging = staging_folder(data_dir)
    try:
        manifest = unpack(bundle, staging, trusted, wrap)
        manifest["rebuild_seconds"] = rebuild_index(staging, wrap) if manifest["signed_by"] is None else None
        return manifest, install(staging, data_dir, index_root, replace)
    finally:
        discard(staging)
