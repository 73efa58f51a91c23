"""`newsarchive index`: build or update the Whoosh index from the store."""

from __future__ import annotations

import argparse

from archive.store import Store, StoreError
from cli.datadir import add_data_dir, add_index_dir, existing_store, index_dir
from cli.errors import UserError, space_for
from cli.progress import progress
from search.indexer import IndexUnavailableError, rebuild, update


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "index",
        help="build or update the full-text index from the store",
        description="Index what changed in the store since the last commit (new articles, new revisions, new "
        "Most viewed sightings), or with --rebuild the whole store into a new index that replaces the "
        "old one only once it is complete.",
    )
    parser.add_argument("--rebuild", action="store_true", help="build a new index from scratch")
    parser.add_argument("--procs", type=int, default=2, help="writer processes for a rebuild (default 2)")
    parser.add_argument("--limitmb", type=int, default=256, help="memory per writer process in MB (default 256)")
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = existing_store(args, then="; crawl first")
    if args.procs < 1 or args.limitmb < 16:
        raise UserError("--procs must be at least 1 and --limitmb at least 16.")
    try:
        with space_for(index_dir(args), "indexing"), Store(path) as store:
            if args.rebuild:
                report = rebuild(store, index_dir(args), args.procs, args.limitmb, progress)
            else:
                report = update(store, index_dir(args), progress)
    except (StoreError, IndexUnavailableError) as error:
        raise UserError(str(error)) from None
    verb = "Rebuilt" if report.rebuilt else "Updated"
    print(
        f"{verb} {index_dir(args)}/{report.generation}: {report.indexed} articles indexed, "
        f"{report.documents} in the index."
    )
    return 0
