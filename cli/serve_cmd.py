"""`newsarchive serve`: the web front-end, on 127.0.0.1 by default, in as many worker processes
as this process may use cores (gunicorn: cli/serve_workers.py), or with `--workers 1` in one
process under waitress."""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from archive.store import StoreError
from cli.datadir import absolute, add_data_dir, add_index_dir, existing_index, existing_store, resolve
from cli.errors import UserError
from cli.import_cmd import trust
from cli.progress import progress
from cli.site_cmd import positive_int
from portable.install import import_bundle
from portable.manifest import BundleError
from portable.signing import trusted_keys
from search.postings_cache import CACHE_BYTES, CACHE_ENV, SHARES_ENV, budget_share, cache_budget
from search.service import QueryError

T = TypeVar("T")
DEFAULT_PORT = 8080
DEFAULT_THREADS = 4  # per worker: threads beyond a few only wait for the GIL; they cover slow clients and exports
BACKLOG = 2048  # connections the kernel holds while every worker is busy (gunicorn's default)


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which taskset or a container
    narrows, not the machine's count), at least one: one worker for each."""
    return max(1, len(os.sched_getaffinity(0)))


def mib(size: int) -> str:
    """A size in MiB as the messages print it: whole, or to a tenth."""
    return f"{size / 2**20:.1f}".removesuffix(".0")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the archive's web front-end",
        description="Serve search, articles, the Most viewed history and exports over HTTP: one worker process "
        "per core under gunicorn, sharing the index read-only (--workers 1: one process under waitress; --debug: "
        "Flask's development server instead).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port (default {DEFAULT_PORT}, or a free one if it is taken; 0 picks a free one)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help=f"worker processes, each opening the index and the store itself (default: the cores this process may "
        f"use, {usable_cores()} here; 1: one process, under waitress); a worker that dies is replaced",
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=DEFAULT_THREADS,
        help=f"request threads per worker (default {DEFAULT_THREADS})",
    )
    parser.add_argument(
        "--cache-mb",
        type=positive_int,
        default=os.environ.get(CACHE_ENV) or CACHE_BYTES // 2**20,
        help=f"the postings cache's memory budget for the whole service, in MiB, divided among the workers "
        f"(default: ${CACHE_ENV}, else {CACHE_BYTES // 2**20})",
    )
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

    workers = 1 if args.debug else args.workers or usable_cores()
    with contextlib.ExitStack() as stack:
        if args.bundle is not None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsarchive-bundle-")))
            data, index = unpack_bundle(absolute(args.bundle), folder, args.data_dir)
        else:
            existing_store(args)
            data, index = resolve(args), existing_index(args)
        read_only = args.read_only or args.bundle is not None
        os.environ.update(cache_environment(args.cache_mb, workers))  # read by each worker's search service

        def make_app() -> Any:
            return create_app(index, data, read_only=read_only)

        try:
            # Built here and dropped, so that what is wrong with the archive is said in one sentence
            # before any process starts; it opens nothing (searchers and store connections are
            # opened by each thread that asks), so nothing open is carried into a worker.
            make_app()
        except (QueryError, FileNotFoundError, StoreError) as error:
            raise UserError(str(error).rstrip(".") + ".") from None
        return serve(make_app, args, workers)


def cache_environment(total_mb: int, workers: int) -> dict[str, str]:
    """The environment that gives each of `workers` processes its part of a postings budget of
    `total_mb` MiB for the whole service (search/postings.py `cache_budget` reads it)."""
    return {CACHE_ENV: str(total_mb), SHARES_ENV: str(workers)}


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


def on_port(start: Callable[[int], T], port: int | None, default: int, where: str, what: str) -> T:
    """What `start` makes on `port`; with none asked for, on `default`, or on a free port when
    another program holds that one, so that a first run works wherever it is started. A port
    asked for that cannot be had is one sentence."""
    wanted = default if port is None else port
    try:
        return start(wanted)
    except OSError as error:
        if port is not None or error.errno != errno.EADDRINUSE:
            raise UserError(f"Cannot listen on {where}:{wanted}: {error.strerror}.") from None
    print(f"Port {default} is taken; {what} on a free port instead.", flush=True)
    return start(0)


def open_socket(host: str, port: int | None) -> socket.socket:
    """A socket bound on `port`, by the rules of `on_port`."""
    return on_port(lambda wanted: bound(host, wanted), port, DEFAULT_PORT, host, "serving")


def listen(app: Any, host: str, port: int | None, threads: int) -> Any:
    """A waitress server on `port`, chosen by the rules of `open_socket`."""
    from waitress.server import create_server

    return create_server(app, sockets=[open_socket(host, port)], threads=threads)


def serve(make_app: Callable[[], Any], args: argparse.Namespace, workers: int) -> int:
    if args.debug:
        make_app().run(host=args.host, port=DEFAULT_PORT if args.port is None else args.port, debug=True)
        return 0
    signal.signal(signal.SIGTERM, stop)  # a terminated server still removes an unpacked bundle
    if workers == 1:
        return serve_one(make_app(), args)
    return serve_workers(make_app, args, workers)


def serve_one(app: Any, args: argparse.Namespace) -> int:
    """One process under waitress: all a single core can use, and nothing forked."""
    logging.basicConfig(level=logging.INFO)
    server = listen(app, args.host, args.port, args.threads)
    with contextlib.suppress(KeyboardInterrupt):
        print(f"Serving the archive at http://{args.host}:{server.effective_port}/", flush=True)
        print(f"One process, {args.threads} threads; postings cache {mib(cache_budget())} MiB.", flush=True)
        server.run()
    return 0


def serve_workers(make_app: Callable[[], Any], args: argparse.Namespace, workers: int) -> int:
    """`workers` processes under gunicorn's master, on a socket bound here by the same port
    rules; the address is printed once the master handles Ctrl-C and SIGTERM itself."""
    from cli.serve_workers import ArchiveServer, run_master, settings  # gunicorn, loaded by this command only

    sock = open_socket(args.host, args.port)
    sock.listen(BACKLOG)  # connections wait in the queue from the moment the address is printed
    port = sock.getsockname()[1]

    def started(arbiter: Any) -> None:
        """gunicorn's when_ready, in the master: listening, no worker started yet."""
        share = budget_share(args.cache_mb * 2**20, workers)
        print(f"Serving the archive at http://{args.host}:{port}/", flush=True)
        print(
            f"{workers} worker processes, {args.threads} threads each; postings cache {mib(share)} MiB each "
            f"({args.cache_mb} MiB in all).",
            flush=True,
        )

    def ready(worker: Any) -> None:
        """gunicorn's post_worker_init, in a worker that has built its application: its process
        and the postings budget its search service took from its environment, so that a
        replaced worker is seen too."""
        print(f"Worker {os.getpid()} ready (postings cache {mib(cache_budget())} MiB).", flush=True)

    hooks: dict[str, Callable] = {"when_ready": started, "post_worker_init": ready}
    return run_master(ArchiveServer(make_app, settings(sock.detach(), workers, args.threads, hooks)))
