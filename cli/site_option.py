"""The --site option of every command that reads a newspaper: a site the registry
(crawler.sites) knows, or the host of a paper with no site module."""

from __future__ import annotations

import argparse

from cli.errors import UserError
from crawler import sites


def add_site_option(parser: argparse.ArgumentParser, help: str, default: str | None = sites.DEFAULT) -> None:
    known = ", ".join(sites.names())
    parser.add_argument(
        "--site", default=default, metavar="SITE", help=f"{help}; one of {known}, or the host of another paper"
    )


def chosen_site(args: argparse.Namespace) -> sites.Site:
    """The site module asked for; a site that cannot be had is one sentence."""
    try:
        return sites.site(args.site)
    except sites.SiteError as error:
        raise UserError(f"--site {error}.") from None
