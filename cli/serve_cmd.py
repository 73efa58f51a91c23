"""`newsarchive serve`: the web front-end under waitress, on 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any

from archive.store import StoreError
from cli.datadir import absolute, add_data_dir, add_index_dir, existing_index, existing_store, resolve
from cli.errors import UserError
from cli.import_cmd import trust
from cli.progress import progress
from portable.install import import_bundle
from portable.manifest import BundleError
from portable.signing import trusted_keys
from search.service import QueryError

DEFAULT_PORT = 8080


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the archive's web front-end",
        description="Serve search, articles, the Most viewed history and exports over HTTP with waitress, a "
        "production WSGI server (--debug: Flask's development server instead).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port (default {DEFAULT_PORT}, or a free one if it is taken; 0 picks a free one)",
    )
    parser.add_argument("--threads", type=int, default=8, help="request threads (default 8)")
    parser.add_argument("--debug", action="store_true", help="Flask's development server, with reloading")
    parser.add_argument(
        "--bundle",
        type=Path,
        default=None,
        help="serve this bundle instead of the data folder: checked whole, unpacked into a "
        "temporary folder (removed on exit) and served read-only",
    )
    parser.add_argument("--read-only", action="store_true", help="open the store so that nothing can be written")
    add_data_dir(parser)
    add_index_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from web import create_app

    with contextlib.ExitStack() as stack:
        if args.bundle is not None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsarchive-bundle-")))
            data, index = unpack_bundle(absolute(args.bundle), folder, args.data_dir)
        else:
            existing_store(args)
            data, index = resolve(args), existing_index(args)
        try:
            app = create_app(index, data, read_only=args.read_only or args.bundle is not None)
        except (QueryError, FileNotFoundError, StoreError) as error:
            raise UserError(str(error).rstrip(".") + ".") from None
        return serve(app, args)


def unpack_bundle(bundle: Path, folder: Path, keys_from: Path | None) -> tuple[Path, Path]:
    """Check the bundle whole and unpack it into `folder`, trusting the keys of the data folder
    `keys_from` (none without one); returns its data and index folders."""
    data, index = folder / "data", folder / "index"
    try:
        manifest, _ = import_bundle(bundle, data, index, trusted_keys(keys_from), wrap=progress)
    except BundleError as error:
        raise UserError(str(error)) from None
    print(
        f"Checked {bundle.name} (manifest SHA-256 {manifest['sha256']}): {manifest['figures']['articles']} "
        f"articles, made {manifest['created_at']}; {trust(manifest)}.",
        flush=True,
    )
    return data, index


def stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def bound(host: str, port: int) -> socket.socket:
    """A socket bound to host:port here, before waitress starts its threads, so that a port in
    use is known while nothing else has been started."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def listen(app: Any, host: str, port: int | None, threads: int) -> Any:
    """A waitress server on `port`; with none asked for, the default port, or a free one when
    another program holds it, so that a first run works wherever it is started."""
    from waitress.server import create_server

    wanted = DEFAULT_PORT if port is None else port
    try:
        sock = bound(host, wanted)
    except OSError as error:
        if port is not None or error.errno != errno.EADDRINUSE:
            raise UserError(f"Cannot listen on {host}:{wanted}: {error.strerror}.") from None
        print(f"Port {DEFAULT_PORT} is taken; serving on a free port instead.", flush=True)
        sock = bound(host, 0)
    return create_server(app, sockets=[sock], threads=threads)


def serve(app: Any, args: argparse.Namespace) -> int:
    if args.debug:
        app.run(host=args.host, port=DEFAULT_PORT if args.port is None else args.port, debug=True)
        return 0
    logging.basicConfig(level=logging.INFO)
    server = listen(app, args.host, args.port, args.threads)
    print(f"Serving the archive at http://{args.host}:{server.effective_port}/", flush=True)
    signal.signal(signal.SIGTERM, stop)  # a terminated server still removes an unpacked bundle
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0
