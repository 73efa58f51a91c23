"""The option both sides of a distributed crawl take for a Redis server that stops answering."""

from __future__ import annotations

import argparse

from cli.errors import UserError


def add_redis_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="how long to keep trying a Redis server that stops answering (a restart) before "
        "stopping with one sentence (default: 60)",
    )


def redis_wait(args: argparse.Namespace) -> float:
    """The patience asked for, checked."""
    from crawler.cluster.keys import REDIS_PATIENCE

    if args.redis_wait is None:
        return REDIS_PATIENCE
    if not args.redis_wait > 0:
        raise UserError("--redis-wait must be a number of seconds above 0.")
    return args.redis_wait
