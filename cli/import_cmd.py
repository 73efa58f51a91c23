"""`newsarchive import bundle|warc`: bring an archive, or captures made elsewhere, in."""

from __future__ import annotations

import argparse
from pathlib import Path

from archive.store import Store, StoreError
from cli.datadir import absolute, add_data_dir, add_index_dir, index_dir, resolve
from cli.errors import UserError, space_for
from cli.progress import progress
from cli.site_option import add_site_option, chosen_site
from portable.install import import_bundle
from portable.manifest import BundleError
from portable.signing import trusted_keys
from portable.warc_import import WarcImportError, import_warcs


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="install a bundle, or add WARC files made elsewhere",
        description="Install an archive bundle, or add the article pages of WARC files "
        "made by other tools to the archive.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    bundle = kinds.add_parser(
        "bundle",
        help="check a bundle and install it as the archive",
        description="Check every file of a bundle against its manifest (SHA-256 and size), the versions, the "
        "store's integrity and figures, then install the store, the WARC files and the index by "
        "renames. A damaged, cut short, altered or too new bundle is refused and nothing changes.",
    )
    bundle.add_argument("file", type=Path, help="the bundle (.tar.gz) written by 'newsarchive export bundle'")
    bundle.add_argument(
        "--replace",
        action="store_true",
        help="replace the archive already in the data and index folders (kept until the new one is in)",
    )
    add_data_dir(bundle)
    add_index_dir(bundle)
    bundle.set_defaults(run=run_bundle)

    warc = kinds.add_parser(
        "warc",
        help="add the pages of WARC files made elsewhere",
        description="Read WARC files made by other tools (a web archive's captures of the same site), parse "
        "their HTML pages with the site's parser and add them to the archive with their original "
        "capture times, oldest first, as if crawled then. A page whose content the archive already "
        "has is linked to that revision; a record imported before is skipped, unless it was stored "
        "damaged and this copy is whole. A damaged record (cut short, not matching its digest) or one "
        "over the crawler's page cap is reported and not stored. The records are copied into the "
        "archive's own WARC folder. Run 'newsarchive index' afterwards.",
    )
    warc.add_argument("files", type=Path, nargs="+", metavar="FILE", help="WARC files (.warc or .warc.gz)")
    add_site_option(
        warc,
        "the parser of pages on no registered site's host, such as a mirror's (a page on a registered "
        "site's host is read by that site's parser: one WARC file may hold both editions)",
    )
    add_data_dir(warc)
    warc.set_defaults(run=run_warc)


def run_bundle(args: argparse.Namespace) -> int:
    try:
        trusted = trusted_keys(resolve(args))
        with space_for(resolve(args), "installing the bundle"):
            manifest, generation = import_bundle(
                absolute(args.file), resolve(args), index_dir(args), trusted, args.replace, progress
            )
    except BundleError as error:
        raise UserError(f"{str(error).rstrip('.')}; nothing was installed.") from None
    figures = manifest["figures"]
    print(
        f"Installed {args.file.name} (manifest SHA-256 {manifest['sha256']}): "
        f"{figures['articles']} articles, {figures['snapshots']} Most viewed snapshots, "
        f"{len(manifest['files'])} files checked; store in {resolve(args)}, index {index_dir(args)}/"
        f"{generation.name}; {trust(manifest)}."
    )
    return 0


def trust(manifest: dict) -> str:
    """Whether the bundle's own index was installed, or one rebuilt from its store."""
    if manifest["signed_by"] is not None:
        return f"signed by trusted key {manifest['signed_by']}"
    return f"not signed by a trusted key: the index was rebuilt from the store ({manifest['rebuild_seconds']:.1f} s)"


def run_warc(args: argparse.Namespace) -> int:
    site = chosen_site(args)
    for path in args.files:
        if not path.is_file():
            raise UserError(f"There is no file {absolute(path)}.")
    try:
        with Store(resolve(args) / "archive.sqlite3") as store:
            report = import_warcs(args.files, store, site.NAME, progress)
            run = store.run(report.run_id)
    except (StoreError, WarcImportError) as error:
        raise UserError(str(error)) from None
    for skipped in report.skipped:
        print(skipped.line)
    outcomes = ", ".join(f"{count} {name}" for name, count in sorted(report.outcomes.items())) or "nothing"
    counts = report.skipped_counts()
    not_stored = (
        f"; {len(report.skipped)} not stored, listed above "
        f"({', '.join(f'{count} {kind}' for kind, count in sorted(counts.items()))})"
        if counts
        else ""
    )
    copied = (
        f"records copied to {', '.join(f'warc/{name}' for name in report.warc_files)}"
        if report.warc_files
        else "no record copied"
    )
    print(
        f"Read {report.responses} HTML responses from {len(args.files)} WARC file(s) (run {report.run_id}): "
        f"{outcomes}{not_stored}; {run.new_articles} new articles, {run.new_revisions} new revisions, "
        f"{run.snapshots} new Most viewed snapshots; {copied}."
    )
    return 0
