"""`newsarchive site …`: the offline replica newspaper — serve it, write its ground truth,
or write it whole to a folder."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from cli.datadir import absolute
from cli.errors import UserError
from cli.progress import progress
from samplesite.corpus import ICT, Corpus, SiteConfig
from samplesite.editions import EDITIONS
from samplesite.server import Faults, Site, SiteClock, make_server
from samplesite.static import StaticSite, write_static
from samplesite.truth import write_truth
from samplesite.wordpress_site import site_for


def moment(text: str) -> datetime:
    """An ISO 8601 time; without a zone it is read in the site's zone (ICT, UTC+7)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time") from None
    return value if value.tzinfo else value.replace(tzinfo=ICT)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above zero")
    return int(text)


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1")
    return value


def add_site_options(parser: argparse.ArgumentParser) -> None:
    defaults = SiteConfig()
    parser.add_argument(
        "--edition",
        choices=sorted(EDITIONS),
        default=defaults.edition,
        help="en: The Phnom Penh Post (phnompenhpost.com); km: its Khmer edition (postkhmer.com), "
        "a site of its own; cd: a WordPress paper in the shape of The Cambodia Daily's archive "
        "(english.cambodiadaily.com); each served on a port of its own (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="generator seed (default: %(default)s)")
    parser.add_argument(
        "--count",
        type=positive_int,
        default=defaults.count,
        help="generated articles, besides the seed page and its sidebar (default: %(default)s)",
    )
    parser.add_argument(
        "--end", type=moment, default=defaults.end, help="date of the newest article (default: %(default)s)"
    )
    parser.add_argument(
        "--now", type=moment, default=None, help="the site's clock: articles after it do not exist yet (default: --end)"
    )
    parser.add_argument(
        "--window-minutes",
        type=positive_int,
        default=defaults.window_minutes,
        help="how long one Most viewed list stays up (default: %(default)s)",
    )


def corpus_from(args: argparse.Namespace) -> tuple[Corpus, datetime]:
    config = SiteConfig(
        seed=args.seed, count=args.count, end=args.end, window_minutes=args.window_minutes, edition=args.edition
    )
    return Corpus(config), args.now or config.end


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    site = subparsers.add_parser(
        "site",
        help="the offline replica newspaper (serve, truth, render)",
        description="The offline replica of The Phnom Penh Post used by tests, "
        "demos and benchmarks. It only ever listens on 127.0.0.1.",
    )
    commands = site.add_subparsers(dest="site_command", required=True)

    serve = commands.add_parser("serve", help="serve the replica on 127.0.0.1")
    add_site_options(serve)
    serve.add_argument("--port", type=int, default=0, help="port; 0 picks a free one and prints it")
    serve.add_argument(
        "--clock-speed",
        type=float,
        default=0.0,
        help="site seconds that pass per real second (default: 0, a frozen clock)",
    )
    serve.add_argument("--crawl-delay", type=float, default=1.0, help="Crawl-delay in robots.txt (seconds)")
    serve.add_argument(
        "--error-rate",
        type=share,
        default=0.0,
        help="share of URLs answered 500/503/429 once or twice before they succeed",
    )
    serve.add_argument(
        "--drop-rate", type=share, default=0.0, help="share of URLs whose connection is dropped once or twice"
    )
    serve.add_argument(
        "--challenge-rate",
        type=share,
        default=0.0,
        help="share of URLs answered 403 with an anti-bot challenge once or twice",
    )
    serve.add_argument("--slow-rate", type=share, default=0.0, help="share of URLs answered slowly once")
    serve.add_argument("--slow-seconds", type=float, default=2.0, help="how slow a slow answer is")
    serve.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on 429 and 503")
    serve.add_argument("--log", type=Path, default=None, help="append one JSON line per request to this file")
    serve.add_argument(
        "--static", type=Path, default=None, help="serve a folder written by 'site render' instead of generating pages"
    )
    serve.set_defaults(run=run_serve)

    truth = commands.add_parser("truth", help="write the ground truth (JSON Lines) for the site at --now")
    add_site_options(truth)
    truth.add_argument("--out", type=Path, required=True, help="folder for articles.jsonl and most_viewed.jsonl")
    truth.add_argument(
        "--windows",
        type=positive_int,
        default=48,
        help="how many recent Most viewed windows to write (default: %(default)s)",
    )
    truth.add_argument(
        "--since", type=moment, default=None, help="write every Most viewed window from this time to --now instead"
    )
    truth.set_defaults(run=run_truth)

    render = commands.add_parser("render", help="write the whole site at --now to a folder")
    add_site_options(render)
    render.add_argument("--out", type=Path, required=True, help="the folder to write")
    render.add_argument(
        "--crawl-delay",
        type=float,
        default=1.0,
        help="Crawl-delay written in robots.txt (0 for benchmarks that lift politeness)",
    )
    render.set_defaults(run=run_render)


def run_serve(args: argparse.Namespace) -> int:
    faults = Faults(
        args.error_rate, args.slow_rate, args.slow_seconds, args.drop_rate, args.retry_after, args.challenge_rate
    )
    site: Site
    if args.static:
        if not (args.static / "site.json").is_file():
            raise UserError(f"{absolute(args.static)} is not a folder written by 'newsarchive site render'.")
        site = StaticSite(args.static, faults, args.log)
        described = f"the static copy in {args.static}"
    else:
        corpus, now = corpus_from(args)
        site = site_for(corpus, SiteClock(now, args.clock_speed), args.crawl_delay, faults=faults, log_path=args.log)
        described = f"{len(corpus.order)} articles, now {now.isoformat()}"
    try:
        server = make_server(site, args.port)
    except OSError as error:
        raise UserError(f"Cannot listen on 127.0.0.1:{args.port}: {error.strerror}.") from None
    print(f"Serving the sample site ({described}) at http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
    return 0


def run_truth(args: argparse.Namespace) -> int:
    corpus, now = corpus_from(args)
    if args.since and args.since > now:
        raise UserError("--since is later than --now.")
    articles, windows = write_truth(corpus, now, args.out, args.windows, args.since, progress)
    print(f"Wrote the truth of {articles} articles and {windows} Most viewed windows to {args.out}")
    return 0


def run_render(args: argparse.Namespace) -> int:
    corpus, now = corpus_from(args)
    if corpus.edition.make != "post":
        raise UserError(f"'site render' writes the Post's editions only; serve --edition {args.edition} instead.")
    articles = write_static(corpus, now, args.out, args.crawl_delay, progress)
    print(f"Wrote {articles} articles with their listings, feeds and sitemaps to {args.out}")
    return 0
