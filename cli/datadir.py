"""The one data folder (store, WARC files), set by --data-dir or $NEWSARCHIVE_DATA."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli.errors import UserError


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the archive's folder: store and WARC files (default: $NEWSARCHIVE_DATA, else ./data)",
    )


def resolve(args: argparse.Namespace) -> Path:
    return args.data_dir or Path(os.environ.get("NEWSARCHIVE_DATA") or "data")


def existing_store(args: argparse.Namespace) -> Path:
    """The store's file, which must exist: commands that read an archive never create one."""
    path = resolve(args) / "archive.sqlite3"
    if not path.is_file():
        raise UserError(f"There is no archive in {path.parent} (no archive.sqlite3).")
    return path
