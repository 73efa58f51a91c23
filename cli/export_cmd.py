"""`newsarchive export bundle|articles|snapshots|warc`: the archive, or part of it, to files."""

from __future__ import annotations

import argparse
from pathlib import Path

from archive.fields import RECORD_SCHEMA_COPY
from archive.store import Store, StoreError
from cli.datadir import absolute, add_data_dir, add_index_dir, existing_index, existing_store, resolve
from cli.errors import UserError, space_for
from cli.progress import progress
from cli.search_cmd import request_from
from portable.bundle_write import remove_leftovers, write_bundle
from portable.exports import FORMATS, export_articles, export_snapshots, provenance_path
from portable.manifest import BundleError
from portable.selection import Selection, select
from portable.signing import key_id, load_private_key
from portable.wacz_export import WaczExportError, export_wacz
from portable.warc_export import export_warc
from search.export_rows import COLUMNS
from search.service import QueryError, SearchService


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write a bundle, articles, Most viewed history or WARC captures",
        description="Write the archive, or part of it, to files; every export but a "
        "bundle gets a provenance file beside it (FILE.provenance.json).",
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    bundle = kinds.add_parser(
        "bundle",
        help="the whole archive in one verifiable file",
        description="Write the store (a consistent copy, even during a crawl), the current index and optionally "
        "the WARC files into one .tar.gz, with a manifest of versions, figures and every file's "
        "SHA-256. 'newsarchive import bundle' and 'newsarchive serve --bundle' check it whole.",
    )
    bundle.add_argument("file", type=Path, help="the bundle to write (.tar.gz)")
    bundle.add_argument("--warc", action="store_true", help="include the WARC files (the raw captures)")
    bundle.add_argument(
        "--sign",
        type=Path,
        default=None,
        metavar="KEYFILE",
        help="sign the manifest with this ed25519 private key (PEM, PKCS8), so that an archive "
        "trusting its public key installs the bundle's index as it is",
    )
    common(bundle, run_bundle)

    articles = kinds.add_parser(
        "articles",
        help="articles as JSON Lines (the record schema) or CSV",
        description="Every article a query and facet filters select (all by default), streamed in index order: "
        f"JSON Lines of the current records ({RECORD_SCHEMA_COPY}) or CSV with the columns "
        f"{', '.join(COLUMNS)}.",
    )
    selection_arguments(articles)
    articles.add_argument("--format", choices=FORMATS, default=None, help="default: from the file's ending, else jsonl")
    common(articles, run_articles)

    snapshots = kinds.add_parser(
        "snapshots",
        help="the Most viewed history, one row per entry of each snapshot",
        description="Every Most viewed snapshot, oldest first, one row per entry: snapshot_id, site, first_seen, "
        "last_seen, sightings, page_url, rank, url, title, teaser.",
    )
    snapshots.add_argument("--output", "-o", type=Path, required=True, help="the file to write")
    snapshots.add_argument(
        "--format", choices=FORMATS, default=None, help="default: from the file's ending, else jsonl"
    )
    common(snapshots, run_snapshots)

    warc = kinds.add_parser(
        "warc",
        help="the raw captures of a query's articles as one WARC file",
        description="Copy the captured responses (and their requests) of every article a query selects, byte for "
        "byte, from the archive's WARC files into one WARC file.",
    )
    selection_arguments(warc)
    common(warc, run_warc)
    wacz = kinds.add_parser(
        "wacz",
        help="the whole archive as a WACZ, for web-archive tools",
        description="Write the archive's WARC files, their index and a pages.jsonl of every article capture "
        "(address, capture time, headline) into one WACZ file (the wacz package), which ReplayWeb.page and "
        "other web-archive tools open and `wacz validate` checks.",
    )
    wacz.add_argument("file", type=Path, help="the WACZ file to write (.wacz)")
    add_data_dir(wacz)
    wacz.set_defaults(run=run_wacz)


def selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--query", "-q", default="", help="a search query (default: every article)")
    parser.add_argument(
        "--facet",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="keep only articles with this facet value (repeatable; NAME!=VALUE excludes)",
    )
    parser.add_argument("--output", "-o", type=Path, required=True, help="the file to write")


def common(parser: argparse.ArgumentParser, run) -> None:
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def open_store(args: argparse.Namespace) -> Store:
    try:
        return Store(existing_store(args), read_only=True)
    except StoreError as error:
        raise UserError(str(error)) from None


def selection(args: argparse.Namespace) -> Selection:
    request = request_from(
        argparse.Namespace(query=args.query, facet=args.facet, sort="relevance", page=1, page_size=10, histogram=None)
    )
    existing_store(args)  # the archive first: without one, an index would not help
    try:
        return select(SearchService(existing_index(args)), request)
    except QueryError as error:
        raise UserError(str(error)) from None


def output_format(args: argparse.Namespace) -> str:
    return args.format or ("csv" if args.output.suffix.lower() == ".csv" else "jsonl")


def check_output(path: Path) -> None:
    if not path.parent.is_dir():
        raise UserError(f"Cannot write {absolute(path)}: there is no folder {absolute(path.parent)}.")


def run_bundle(args: argparse.Namespace) -> int:
    existing_store(args)
    index = existing_index(args)
    try:
        key = load_private_key(absolute(args.sign)) if args.sign is not None else None
    except BundleError as error:
        raise UserError(str(error)) from None
    removed = remove_leftovers(args.file.parent)
    if removed:
        print(
            f"Removed {len(removed)} staging folder(s) left in {args.file.parent} by an export that was killed: "
            f"{', '.join(path.name for path in removed)}."
        )
    try:
        with space_for(args.file, "writing the bundle"):
            manifest = write_bundle(resolve(args), index, args.file, args.warc, progress, key)
    except (FileNotFoundError, StoreError) as error:
        raise UserError(str(error).rstrip(".") + ".") from None
    figures = manifest["figures"]
    size = args.file.stat().st_size
    print(
        f"Wrote {args.file} ({size / 2**20:.1f} MiB, {len(manifest['files'])} files): {figures['articles']} "
        f"articles, {figures['snapshots']} Most viewed snapshots, published {figures['published_from']} to "
        f"{figures['published_to']}; manifest SHA-256 {manifest['sha256']}"
        + (f", signed with key {key_id(key.public_key())}." if key is not None else ".")
    )
    return 0


def run_articles(args: argparse.Namespace) -> int:
    check_output(args.output)
    chosen = selection(args)
    with open_store(args) as store:
        provenance = export_articles(chosen, store, args.output, output_format(args), progress)
    return report(args.output, provenance, "articles")


def run_snapshots(args: argparse.Namespace) -> int:
    check_output(args.output)
    with open_store(args) as store:
        provenance = export_snapshots(store, args.output, output_format(args), progress)
    return report(args.output, provenance, "Most viewed entries")


def run_warc(args: argparse.Namespace) -> int:
    check_output(args.output)
    chosen = selection(args)
    with open_store(args) as store:
        try:
            provenance = export_warc(chosen, store, args.output, progress)
        except FileNotFoundError as error:
            raise UserError(str(error).rstrip(".") + ".") from None
    print(
        f"Wrote {args.output}: {provenance['captures']} captures of {provenance['articles']} articles; "
        f"provenance in {provenance_path(args.output).name}."
    )
    return 0


def report(output: Path, provenance: dict, unit: str) -> int:
    print(f"Wrote {output}: {provenance['rows']} {unit}; provenance in {provenance_path(output).name}.")
    return 0


def run_wacz(args: argparse.Namespace) -> int:
    check_output(args.file)
    try:
        with open_store(args) as store, space_for(args.file, "writing the WACZ"):
            figures = export_wacz(store, absolute(args.file))
    except WaczExportError as error:
        raise UserError(str(error)) from None
    unmatched = f" ({figures['unmatched']} not found in the WARC files)" if figures["unmatched"] else ""
    print(
        f"Wrote {absolute(args.file)}: {figures['warc_files']} WARC files, {figures['pages']} article "
        f"captures in pages.jsonl{unmatched}."
    )
    return 0
