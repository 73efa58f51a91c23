"""The --site option of every command that reads a newspaper: its choices are the sites the
registry (crawler.sites) knows."""

from __future__ import annotations

import argparse

from cli.errors import UserError
from crawler import sites


def add_site_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--site", default=sites.DEFAULT, choices=sites.names(), help=help)


def chosen_site(args: argparse.Namespace) -> sites.Site:
    """The site module asked for; a site that cannot be had is one sentence."""
    try:
        return sites.site(args.site)
    except sites.SiteError as error:
        raise UserError(f"--site {error}.") from None
