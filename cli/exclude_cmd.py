"""`newsarchive exclude add|list|remove|purge`: what the archive withholds (archive.exclusions),
and the index brought in line at once, so that search never shows what is withheld."""

from __future__ import annotations

import argparse
from datetime import date

from archive.store import Store, StoreError
from cli.datadir import add_data_dir, add_index_dir, existing_store, index_dir
from cli.errors import UserError, space_for
from cli.progress import progress
from portable.purge import purge
from search.indexer import IndexUnavailableError, current_generation, update


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exclude",
        help="withhold addresses from search, pages, replays, exports and bundles",
        description="Keep a list of addresses (or prefixes of addresses) the archive withholds, each with its "
        "reason and the day it was decided. Withheld material stays in the WARC files and the store "
        "unless purged; search, article pages, replays, raw captures, exports and bundles leave it out.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="ACTION")
    add = kinds.add_parser("add", help="withhold an address or a prefix", description="Withhold an address.")
    add.add_argument(
        "address", help="the page's address (any host of the site), or with --prefix the start of addresses"
    )
    add.add_argument("--prefix", action="store_true", help="withhold every address that begins with it")
    add.add_argument("--reason", required=True, help="why, in a sentence (shown where the page would be)")
    add.add_argument("--decided", default=None, help="the day it was decided, YYYY-MM-DD (default: today)")
    common(add, run_add)
    remove = kinds.add_parser("remove", help="stop withholding", description="Stop withholding an address.")
    remove.add_argument("address")
    remove.add_argument("--prefix", action="store_true", help="the entry is a prefix")
    common(remove, run_remove)
    listing = kinds.add_parser("list", help="what is withheld", description="Every entry, oldest first.")
    common(listing, run_list)
    purged = kinds.add_parser(
        "purge",
        help="delete what is withheld from the store and the WARC files",
        description="Delete the withheld articles, their revisions and captures from the store, and their "
        "records from the WARC files (each file rewritten without them, then put in its place). "
        "It cannot be undone: make a bundle first if a copy must be kept elsewhere.",
    )
    purged.add_argument("--yes", action="store_true", help="purge (without it, say what would go)")
    common(purged, run_purge)


def common(parser: argparse.ArgumentParser, run) -> None:
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def decided_day(text: str | None) -> str:
    if text is None:
        return date.today().isoformat()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise UserError(f"--decided {text!r} is not a day (YYYY-MM-DD).") from None


def reindexed(args: argparse.Namespace, store: Store) -> str:
    """The index rebuilt under the new list, if there is one."""
    if current_generation(index_dir(args)) is None:
        return "there is no index yet"
    try:
        with space_for(index_dir(args), "indexing"):
            report = update(store, index_dir(args), progress)
    except IndexUnavailableError as error:
        raise UserError(f"{str(error).rstrip('.')}; run 'newsarchive index' once it is free.") from None
    return f"the index holds {report.documents} articles"


def run_add(args: argparse.Namespace) -> int:
    if not args.reason.strip():
        raise UserError("--reason must say why the address is withheld.")
    day = decided_day(args.decided)
    try:
        with Store(existing_store(args)) as store:
            entry = store.add_exclusion(args.address.strip(), args.prefix, args.reason.strip(), day)
            withheld = store.withheld()
            articles = sum(1 for url in store.article_urls() if withheld.of(url) == entry)
            index = reindexed(args, store)
    except StoreError as error:
        raise UserError(str(error)) from None
    what = "every address under" if args.prefix else "the address"
    print(f"Withheld {what} {entry.key} (decided {day}): {articles} articles; {index}.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    try:
        with Store(existing_store(args)) as store:
            if not store.remove_exclusion(args.address.strip(), args.prefix):
                raise UserError(f"Nothing withholds {args.address}{' as a prefix' if args.prefix else ''}.")
            index = reindexed(args, store)
    except StoreError as error:
        raise UserError(str(error)) from None
    print(f"No longer withheld: {args.address}; {index}.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    try:
        with Store(existing_store(args), read_only=True) as store:
            entries = store.withheld().exclusions
    except StoreError as error:
        raise UserError(str(error)) from None
    for entry in entries:
        kind = "prefix" if entry.prefix else "address"
        print(f"{entry.decided}\t{kind}\t{entry.key}\t{entry.reason}")
    if not entries:
        print("Nothing is withheld.")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    try:
        with Store(existing_store(args)) as store:
            report = purge(store, dry_run=not args.yes)
            index = reindexed(args, store) if args.yes else "nothing changed"
    except StoreError as error:
        raise UserError(str(error)) from None
    verb = "Purged" if args.yes else "A purge would delete"
    print(
        f"{verb} {report.articles} articles and {report.captures} captures ({report.records} WARC records "
        f"in {report.files} files); {index}." + ("" if args.yes else " Run again with --yes to purge.")
    )
    return 0
