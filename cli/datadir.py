"""One archive, one folder: the data folder (store, WARC files) set by --data-dir or
$NEWSARCHIVE_DATA, and its index, which lives inside it unless --index-dir or
$NEWSARCHIVE_INDEX puts it elsewhere. Every command that writes or reads the index asks
`index_dir`, so that `newsarchive index --data-dir D` and `newsarchive serve --data-dir D`
agree on where it is, from any working directory."""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

from cli.errors import UserError

INDEX_FOLDER = "index"  # the index's folder inside the data folder, unless told otherwise


def absolute(path: Path) -> Path:
    """`path` made absolute without following links: a message or a printed command that
    names it then means the same thing from any working directory."""
    return Path(os.path.abspath(path))


def add_data_dir(
    parser: argparse.ArgumentParser, meaning: str = "the archive's folder: store, WARC files and, by default, the index"
) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=None, help=f"{meaning} (default: $NEWSARCHIVE_DATA, else ./data)"
    )


def add_index_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index-dir",
        type=Path,
        default=None,
        help=f"the index's folder (default: $NEWSARCHIVE_INDEX, else {INDEX_FOLDER}/ inside the data folder)",
    )


def resolve(args: argparse.Namespace) -> Path:
    """The data folder, absolute."""
    return absolute(getattr(args, "data_dir", None) or Path(os.environ.get("NEWSARCHIVE_DATA") or "data"))


def index_dir(args: argparse.Namespace) -> Path:
    """The index's folder, absolute: --index-dir, else $NEWSARCHIVE_INDEX, else the index folder
    inside the data folder, so that a store and its index go together by default."""
    chosen = getattr(args, "index_dir", None) or os.environ.get("NEWSARCHIVE_INDEX")
    return absolute(Path(chosen)) if chosen else resolve(args) / INDEX_FOLDER


def index_is_default(args: argparse.Namespace) -> bool:
    """Whether the index is the data folder's own, so a printed command need not name it."""
    return index_dir(args) == resolve(args) / INDEX_FOLDER


def archive_options(args: argparse.Namespace) -> list[str]:
    """The options that name this archive to another command, as few as work anywhere: the
    data folder, and the index folder only where the default would not find it."""
    options = ["--data-dir", str(resolve(args))]
    if not index_is_default(args) or os.environ.get("NEWSARCHIVE_INDEX"):
        options += ["--index-dir", str(index_dir(args))]
    return options


def existing_store(args: argparse.Namespace, then: str = "") -> Path:
    """The store's file, which must exist: commands that read an archive never create one.
    `then` is what to do about it, added to the sentence."""
    path = resolve(args) / "archive.sqlite3"
    if not path.is_file():
        demo = path.parent / "demo" / "archive.sqlite3"
        hint = f"; the demo's archive is in {demo.parent}" if demo.is_file() else then
        raise UserError(f"There is no archive in {path.parent} (no archive.sqlite3){hint}.")
    return path


def existing_index(args: argparse.Namespace) -> Path:
    """The index's folder, which must hold an index: said in one sentence with the folder
    looked in and the command that builds it there, before anything starts."""
    from search.indexer import current_generation  # the index's code, loaded by commands that read it

    root = index_dir(args)
    if current_generation(root) is None:
        command = shlex.join(["newsarchive", "index", *archive_options(args)])
        raise UserError(f"There is no index in {root}; build it with '{command}'.")
    return root
