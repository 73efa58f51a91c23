"""The one data folder (store, WARC files), set by --data-dir or $NEWSARCHIVE_DATA."""
from __future__ import annotations

import argparse
import os
from pathlib import Path


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="the archive's folder: store and WARC files (default: $NEWSARCHIVE_DATA, else ./data)")


def resolve(args: argparse.Namespace) -> Path:
    return args.data_dir or Path(os.environ.get("NEWSARCHIVE_DATA") or "data")
