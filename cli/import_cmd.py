"""`newsarchive import bundle|warc`: bring an archive, or captures made elsewhere, in."""
from __future__ import annotations

import argparse
from pathlib import Path

from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from cli.index_cmd import add_index_dir, index_dir
from cli.progress import progress
from portable.install import import_bundle
from portable.manifest import BundleError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="install a bundle, or add WARC files made elsewhere",
                                   description="Install an archive bundle, or add the article pages of WARC files "
                                               "made by other tools to the archive.")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    bundle = kinds.add_parser(
        "bundle", help="check a bundle and install it as the archive",
        description="Check every file of a bundle against its manifest (SHA-256 and size), the versions, the "
                    "store's integrity and figures, then install the store, the WARC files and the index by "
                    "renames. A damaged, cut short, altered or too new bundle is refused and nothing changes.")
    bundle.add_argument("file", type=Path, help="the bundle (.tar.gz) written by 'newsarchive export bundle'")
    bundle.add_argument("--replace", action="store_true",
                        help="replace the archive already in the data and index folders (kept until the new one "
                             "is in)")
    add_data_dir(bundle)
    add_index_dir(bundle)
    bundle.set_defaults(run=run_bundle)


def run_bundle(args: argparse.Namespace) -> int:
    try:
        manifest, generation = import_bundle(args.file, resolve(args), index_dir(args), args.replace, progress)
    except BundleError as error:
        raise UserError(str(error)) from None
    figures = manifest["figures"]
    print(f"Installed {args.file.name} (manifest SHA-256 {manifest['sha256']}): "
          f"{figures['articles']} articles, {figures['snapshots']} Most viewed snapshots, "
          f"{len(manifest['files'])} files checked; store in {resolve(args)}, index {index_dir(args)}/"
          f"{generation.name}.")
    return 0
