"""`newsarchive serve`: the web front-end under waitress, on 127.0.0.1 by default."""
from __future__ import annotations

import argparse
import contextlib
import logging

from cli.datadir import add_data_dir, resolve
from cli.errors import UserError
from cli.index_cmd import add_index_dir, index_dir
from search.service import QueryError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve the archive's web front-end",
        description="Serve search, articles, the Most viewed history and exports over HTTP with waitress, a "
                    "production WSGI server (--debug: Flask's development server instead).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    parser.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    parser.add_argument("--debug", action="store_true", help="Flask's development server, with reloading")
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    from web import create_app

    try:
        app = create_app(index_dir(args), resolve(args))
    except (QueryError, FileNotFoundError) as error:
        raise UserError(str(error).rstrip(".") + ".") from None
    if args.debug:
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    logging.basicConfig(level=logging.INFO)
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    print(f"Serving the archive at http://{args.host}:{server.effective_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0
