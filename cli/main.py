"""Entry point of `newsarchive`: one command, a subcommand per job, each with --help."""

from __future__ import annotations

import argparse
import sys

from cli import (
    crawl_cmd,
    demo_cmd,
    exclude_cmd,
    export_cmd,
    import_cmd,
    index_cmd,
    ingest_cmd,
    parse_cmd,
    reparse_cmd,
    schedule_cmd,
    search_cmd,
    serve_cmd,
    site_cmd,
)
from cli.errors import UserError

COMMANDS = [
    crawl_cmd,
    demo_cmd,
    exclude_cmd,
    export_cmd,
    import_cmd,
    index_cmd,
    ingest_cmd,
    parse_cmd,
    reparse_cmd,
    schedule_cmd,
    search_cmd,
    serve_cmd,
    site_cmd,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsarchive",
        description="Harvest, parse, store and search a newspaper's archive (first site: The Phnom Penh Post).",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except UserError as error:
        print(f"newsarchive: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (… | head): nothing left to say
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
