"""The pages of the replica's WordPress paper (samplesite.editions.CAMBODIA_DAILY), built the
way WordPress themes build a newspaper archive: `article.hentry`, `h1.entry-title`,
`div.entry-content`, `time.entry-date[datetime]`, `a[rel=author]`, captions as
`figure.wp-caption` / `figcaption.wp-caption-text` (older posts: `div.wp-caption` /
`p.wp-caption-text`), `article:*` meta and, for newer posts, a JSON-LD `NewsArticle`; a
"Most Read" widget (WordPress Popular Posts' markup) in the sidebar; listings per category
(`/category/<slug>/page/<n>/`), `/feed/`, `wp-sitemap.xml` and a news sitemap.

The theme's details (which era carries JSON-LD, the credit printed in brackets after a
caption, Jetpack's related-posts and sharing blocks, comments on older posts) are guesses at
common WordPress conventions [G], not evidence of the real site.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from urllib.parse import quote

from samplesite.corpus import Corpus, Image, SiteArticle, Version, slugify
from samplesite.editions import Section

PAGE_SIZE = 10
FEED_SIZE = 10
NEWS_SITEMAP_DAYS = 2  # a news sitemap names the articles of the last two days (Google's rule)
STYLESHEET = "/wp-content/themes/dailynews/style.css"
LOGO = "/wp-content/uploads/2016/01/cambodia-daily-logo.png"
MOST_READ = "Most Read"


def esc(text: str) -> str:
    return escape(text, quote=False)


def attr(text: str) -> str:
    return escape(text, quote=True)


def address(corpus: Corpus, path: str) -> str:
    return corpus.edition.origin + quote(path)


def long_date(moment: datetime) -> str:
    return f"{moment:%B} {moment.day}, {moment.year}"


# -- the page around the content ----------------------------------------------------------


def page(corpus: Corpus, now: datetime, title: str, head: str, body_class: str, main: str) -> bytes:
    edition = corpus.edition
    menu = "".join(
        f'<li class="menu-item"><a href="{address(corpus, f"/category/{s.slug}/")}">{esc(s.label)}</a></li>'
        for s in edition.sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-US">\n<head>\n<meta charset="UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n"
        f'<link rel="alternate" type="application/rss+xml" title="{attr(edition.title)} &raquo; Feed" '
        f'href="{edition.origin}/feed/">\n'
        f'<link rel="stylesheet" id="dailynews-style-css" href="{STYLESHEET}?ver=5.8" type="text/css" media="all">\n'
        f"{head}</head>\n"
        f'<body class="{body_class}">\n<div id="page" class="site">\n'
        '<a class="skip-link screen-reader-text" href="#content">Skip to content</a>\n'
        '<header id="masthead" class="site-header"><div class="site-branding">'
        f'<a href="{edition.origin}/" class="custom-logo-link" rel="home">'
        f'<img class="custom-logo" src="{LOGO}" alt="{attr(edition.title)}" width="300" height="60"></a>'
        f'<p class="site-description">Cambodia news and analysis</p></div>'
        f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{menu}</ul></nav>'
        "</header>\n"
        f'<div id="content" class="site-content"><div id="primary" class="content-area">'
        f'<main id="main" class="site-main">{main}</main></div>\n'
        f"{sidebar(corpus, now)}</div>\n"
        '<footer id="colophon" class="site-footer"><div class="site-info">'
        f"&copy; {now.year} {esc(edition.title)}. All rights reserved. "
        f'<a href="{edition.origin}/privacy-policy/">Privacy Policy</a></div></footer>\n'
        "</div>\n</body>\n</html>\n"
    ).encode()


def sidebar(corpus: Corpus, now: datetime) -> str:
    """The widget area: Most Read (ranked, with a short excerpt) and Recent Posts."""
    start = corpus.window(now)[0]
    ranked = "".join(
        f'<li><a href="{address(corpus, corpus.article(i).path)}" class="wpp-post-title" target="_self">'
        f"{esc(corpus.article(i).version_at(start).headline)}</a> "
        f'<span class="wpp-excerpt">{esc(corpus.article(i).teaser(start))}</span></li>'
        for i in corpus.most_viewed(now)
    )
    recent = "".join(
        f'<li><a href="{address(corpus, corpus.article(i).path)}">{esc(corpus.article(i).version_at(now).headline)}'
        f'</a><span class="post-date">{long_date(corpus.article(i).published)}</span></li>'
        for i in corpus.newest_first(now)[:5]
    )
    return (
        '<aside id="secondary" class="widget-area">'
        f'<section id="wpp-2" class="widget popular-posts"><h2 class="widget-title">{MOST_READ}</h2>'
        f'<ul class="wpp-list">{ranked}</ul></section>'
        '<section id="recent-posts-3" class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2>'
        f"<ul>{recent}</ul></section></aside>"
    )


# -- an article -----------------------------------------------------------------------------


def render_article(corpus: Corpus, article: SiteArticle, now: datetime) -> bytes:
    version = article.version_at(now)
    url = address(corpus, article.path)
    updated = article.updated_at(now)
    newer = article.era == "wp-news"
    head = [
        f'<link rel="canonical" href="{attr(url)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{attr(version.headline)}">',
        f'<meta property="og:url" content="{attr(url)}">',
        f'<meta property="og:site_name" content="{attr(corpus.edition.title)}">',
    ]
    if newer:  # an SEO plugin's tags, on the posts of the current address form
        head.append(f'<meta property="article:published_time" content="{article.published.isoformat()}">')
        if updated:
            head.append(f'<meta property="article:modified_time" content="{updated.isoformat()}">')
        head.append(f'<meta property="article:section" content="{attr(article.section.label)}">')
        head.extend(f'<meta property="article:tag" content="{attr(tag)}">' for tag in article.tags)
        head.append(f'<script type="application/ld+json">{json_ld(corpus, article, version, updated)}</script>')
    classes = (
        f"post-{article.nid} post type-post status-publish format-standard hentry category-{article.section.slug}"
        + "".join(f" tag-{slugify(tag, False)}" for tag in article.tags)
    )
    main = (
        f'<article id="post-{article.nid}" class="{classes}">'
        f'<header class="entry-header"><h1 class="entry-title">{text(version.headline, article)}</h1>'
        f"{entry_meta(corpus, article, url, updated)}</header>"
        f'<div class="entry-content">{content(corpus, article, version)}</div>'
        f"{entry_footer(corpus, article)}</article>"
        f"{post_navigation(corpus, article, now)}{comments(article, version)}"
    )
    title = f"{version.headline} - {corpus.edition.title}"
    body_class = f"post-template-default single single-post postid-{article.nid} single-format-standard"
    return page(corpus, now, title, "\n".join(head) + "\n", body_class, main)


def text(value: str, article: SiteArticle) -> str:
    """Escaped text; with wptexturize's character references for some posts' quotes."""
    escaped = esc(value)
    if "entities" in article.flags:
        escaped = escaped.replace("’", "&#8217;").replace("“", "&#8220;").replace("”", "&#8221;")
    return escaped


def json_ld(corpus: Corpus, article: SiteArticle, version: Version, updated: datetime | None) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": version.headline,
        "datePublished": article.published.isoformat(),
        "dateModified": (updated or article.published).isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "articleSection": article.section.label,
        "keywords": ",".join(article.tags),
        "mainEntityOfPage": address(corpus, article.path),
        "publisher": {"@type": "Organization", "name": corpus.edition.title},
        "image": [address(corpus, image.url) for image in article.images],
    }
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def entry_meta(corpus: Corpus, article: SiteArticle, url: str, updated: datetime | None) -> str:
    """'Posted on September 4, 2017 by A and B': the date as a <time datetime>, each author a
    link with rel=author (two or more as a co-authors plugin prints them)."""
    stamp = (
        f'<time class="entry-date published" datetime="{article.published.isoformat()}">'
        f"{long_date(article.published)}</time>"
    )
    if updated:
        stamp += f'<time class="updated" datetime="{updated.isoformat()}">{long_date(updated)}</time>'
    links = [
        f'<a class="url fn n" href="{address(corpus, "/author/" + slugify(name, False) + "/")}" rel="author">'
        f"{esc(name)}</a>"
        for name in article.authors
    ]
    names = links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1] if links else ""
    byline = f' <span class="byline"> by <span class="author vcard">{names}</span></span>' if names else ""
    return (
        f'<div class="entry-meta"><span class="posted-on">Posted on <a href="{attr(url)}" rel="bookmark">'
        f"{stamp}</a></span>{byline}</div>"
    )


def content(corpus: Corpus, article: SiteArticle, version: Version) -> str:
    rng = random.Random(f"{corpus.config.seed}:wp-content:{article.id}")
    figures = [caption_box(corpus, article, image, k) for k, image in enumerate(article.images)]
    blocks: list[str] = figures[:1]
    for n, paragraph in enumerate(version.body):
        kind = version.kinds.get(n, "p")
        if kind == "li":
            if not blocks or not blocks[-1].startswith("<ul>"):
                blocks.append("<ul></ul>")
            blocks[-1] = blocks[-1][: -len("</ul>")] + f"<li>{text(paragraph, article)}</li></ul>"
        else:
            blocks.append(f"<{kind}>{text(paragraph, article)}</{kind}>")
        if n == 1:
            blocks.extend(figures[1:])
        if n == 2 and "ads" in article.flags:
            blocks.append('<div class="code-block code-block-3"><p>Advertisement</p></div>')
        if n == 1 and "inline-related" in article.flags:
            other = corpus.article(rng.choice(corpus.newest_first(article.published) or [article.id]))
            blocks.append(
                f'<p><strong>Read more:</strong> <a href="{address(corpus, other.path)}">'
                f"{esc(other.original.headline)}</a></p>"
            )
    blocks.append(sharing())
    if "related" in article.flags:
        blocks.append(related(corpus, article, rng))
    return "".join(blocks)


def caption_box(corpus: Corpus, article: SiteArticle, image: Image, k: int) -> str:
    """A captioned photo, the credit in brackets after the caption; HTML5 markup on the newer
    posts, the older shortcode's div and paragraph on the older ones."""
    src = attr(address(corpus, image.url))
    printed = esc(image.caption or "")
    if image.credit:
        printed += f" ({esc(image.label + image.credit)})"
    img = f'<img class="size-large wp-image-{article.nid * 10 + k}" src="{src}" alt="" width="780" height="440">'
    if article.era == "wp-news":
        caption = f'<figcaption class="wp-caption-text">{printed}</figcaption>' if printed else ""
        return f'<figure id="attachment_{article.nid * 10 + k}" class="wp-caption aligncenter">{img}{caption}</figure>'
    caption = f'<p class="wp-caption-text">{printed}</p>' if printed else ""
    return f'<div id="attachment_{article.nid * 10 + k}" class="wp-caption aligncenter">{img}{caption}</div>'


def sharing() -> str:
    services = "".join(
        f'<li class="share-{name.lower()}"><a class="share-{name.lower()} sd-button" href="#">{name}</a></li>'
        for name in ("Twitter", "Facebook", "Email", "Print")
    )
    return (
        '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">'
        f'<h3 class="sd-title">Share this:</h3><div class="sd-content"><ul>{services}</ul></div></div></div>'
    )


def related(corpus: Corpus, article: SiteArticle, rng: random.Random) -> str:
    """Jetpack's related posts, inside the content as Jetpack puts them."""
    pool = corpus.newest_first(article.published)[:20] or [article.id]
    items = "".join(
        f'<div class="jp-relatedposts-post"><h4 class="jp-relatedposts-post-title">'
        f'<a href="{address(corpus, corpus.article(i).path)}">{esc(corpus.article(i).original.headline)}</a></h4>'
        f'<p class="jp-relatedposts-post-date">{long_date(corpus.article(i).published)}</p>'
        f'<p class="jp-relatedposts-post-context">In &quot;{esc(corpus.article(i).section.label)}&quot;</p></div>'
        for i in rng.sample(pool, min(3, len(pool)))
    )
    return (
        '<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline">'
        f'<em>Related</em></h3><div class="jp-relatedposts-items">{items}</div></div>'
    )


def entry_footer(corpus: Corpus, article: SiteArticle) -> str:
    category = (
        f'<span class="cat-links">Posted in <a href="{address(corpus, f"/category/{article.section.slug}/")}" '
        f'rel="category tag">{esc(article.section.label)}</a></span>'
    )
    tags = ", ".join(
        f'<a href="{address(corpus, "/tag/" + slugify(tag, False) + "/")}" rel="tag">{esc(tag)}</a>'
        for tag in article.tags
    )
    tagged = f'<span class="tags-links">Tagged {tags}</span>' if tags else ""
    return f'<footer class="entry-footer">{category}{tagged}</footer>'


def post_navigation(corpus: Corpus, article: SiteArticle, now: datetime) -> str:
    order = corpus.newest_first(now)[::-1]
    at = order.index(article.id) if article.id in order else -1
    links = []
    if at > 0:
        before = corpus.article(order[at - 1])
        links.append(
            f'<div class="nav-previous"><a href="{address(corpus, before.path)}" rel="prev">'
            f'<span class="meta-nav">Previous</span> {esc(before.original.headline)}</a></div>'
        )
    if 0 <= at < len(order) - 1:
        after = corpus.article(order[at + 1])
        links.append(
            f'<div class="nav-next"><a href="{address(corpus, after.path)}" rel="next">'
            f'<span class="meta-nav">Next</span> {esc(after.original.headline)}</a></div>'
        )
    return f'<nav class="navigation post-navigation"><div class="nav-links">{"".join(links)}</div></nav>'


READERS = ["Sokha", "J. Martin", "Vannak", "Observer", "Dara P."]
REMARKS = [
    "Thank you for this report, it is important that these things are written down.",
    "The article leaves out what happened in the provinces last year, which matters here.",
    "Who will answer for this? The people deserve better than promises.",
    "Good reporting. Please follow up on the ministry's response.",
]


def comments(article: SiteArticle, version: Version) -> str:
    """Readers' comments under some of the older posts: text beside the article, not of it."""
    rng = random.Random(f"wp-comments:{article.id}")
    if article.era != "wp-dated" or rng.random() < 0.5:
        return ""
    count = rng.randint(1, 3)
    items = "".join(
        f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
        f'<b class="fn">{esc(rng.choice(READERS))}</b> <time datetime="'
        f'{(article.published + timedelta(hours=k + 2)).isoformat()}">'
        f"{long_date(article.published + timedelta(hours=k + 2))}</time></footer>"
        f'<div class="comment-content"><p>{esc(rng.choice(REMARKS))}</p></div></article></li>'
        for k in range(count)
    )
    return (
        f'<div id="comments" class="comments-area"><h2 class="comments-title">{count} thoughts on '
        f'&ldquo;{esc(version.headline)}&rdquo;</h2><ol class="comment-list">{items}</ol></div>'
    )


# -- listings, feeds, sitemaps ------------------------------------------------------------


def render_listing(corpus: Corpus, section: Section | None, page_number: int, now: datetime) -> tuple[int, bytes]:
    """The home page (no section) or a category's archive, PAGE_SIZE posts a page, numbered
    from 1; a page past the last is a 404."""
    ids = corpus.newest_first(now, section.slug if section else None)
    shown = ids[(page_number - 1) * PAGE_SIZE : page_number * PAGE_SIZE]
    if page_number > 1 and not shown:
        return 404, not_found_page(corpus, now)
    posts = "".join(excerpt(corpus, corpus.article(i), now) for i in shown)
    base = f"/category/{section.slug}/" if section else "/"
    pager = ""
    if page_number * PAGE_SIZE < len(ids):
        pager += f'<a class="next page-numbers" href="{address(corpus, f"{base}page/{page_number + 1}/")}">Next</a>'
    if page_number > 1:
        pager = f'<a class="prev page-numbers" href="{address(corpus, base)}">Newer</a>' + pager
    heading = (
        f'<header class="page-header"><h1 class="page-title">Category: {esc(section.label)}</h1></header>'
        if section
        else ""
    )
    main = f'{heading}{posts}<nav class="navigation pagination"><div class="nav-links">{pager}</div></nav>'
    title = f"{section.label} Archives - {corpus.edition.title}" if section else corpus.edition.title
    body_class = f"archive category category-{section.slug}" if section else "home blog"
    return 200, page(corpus, now, title, "", body_class, main)


def excerpt(corpus: Corpus, article: SiteArticle, now: datetime) -> str:
    url = address(corpus, article.path)
    return (
        f'<article id="post-{article.nid}" class="post-{article.nid} post type-post hentry '
        f'category-{article.section.slug}"><header class="entry-header">'
        f'<h2 class="entry-title"><a href="{attr(url)}" rel="bookmark">{esc(article.version_at(now).headline)}</a></h2>'
        f'<div class="entry-meta"><time class="entry-date published" datetime="{article.published.isoformat()}">'
        f"{long_date(article.published)}</time></div></header>"
        f'<div class="entry-summary"><p>{esc(article.teaser(now))} [&hellip;]</p></div></article>'
    )


def not_found_page(corpus: Corpus, now: datetime) -> bytes:
    main = (
        '<section class="error-404 not-found"><h1 class="page-title">'
        "Oops! That page can&rsquo;t be found.</h1></section>"
    )
    return page(corpus, now, f"Page not found - {corpus.edition.title}", "", "error404", main)


def render_feed(corpus: Corpus, now: datetime, section: Section | None = None) -> bytes:
    origin = corpus.edition.origin
    items = "".join(
        f"<item><title>{esc(a.version_at(now).headline)}</title><link>{esc(address(corpus, a.path))}</link>"
        f"<pubDate>{format_datetime(a.published)}</pubDate><category><![CDATA[{a.section.label}]]></category>"
        f'<guid isPermaLink="false">{origin}/?p={a.nid}</guid><description><![CDATA[{a.teaser(now)}]]></description>'
        "</item>"
        for a in (corpus.article(i) for i in corpus.newest_first(now, section.slug if section else None)[:FEED_SIZE])
    )
    title = corpus.edition.title + (f" &#187; {esc(section.label)}" if section else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
        f"<channel><title>{title}</title><link>{origin}</link><description>Cambodia news</description>"
        f"<lastBuildDate>{format_datetime(now)}</lastBuildDate><language>en-US</language>{items}</channel></rss>"
    ).encode()


def render_robots(corpus: Corpus, crawl_delay: float) -> bytes:
    origin = corpus.edition.origin
    return (
        f"User-agent: *\nCrawl-delay: {crawl_delay:g}\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\n"
        f"Sitemap: {origin}/wp-sitemap.xml\nSitemap: {origin}/news-sitemap.xml\n"
    ).encode()


def sitemap_pages(corpus: Corpus, now: datetime) -> int:
    return max(1, -(-len(corpus.newest_first(now)) // corpus.config.sitemap_page_size))


def render_sitemap_index(corpus: Corpus, now: datetime) -> bytes:
    origin = corpus.edition.origin
    maps = "".join(
        f"<sitemap><loc>{origin}/wp-sitemap-posts-post-{n}.xml</loc></sitemap>"
        for n in range(1, sitemap_pages(corpus, now) + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    ).encode()


def render_sitemap_page(corpus: Corpus, now: datetime, number: int) -> bytes | None:
    """WordPress's post sitemap number `number` (from 1, oldest posts first)."""
    size = corpus.config.sitemap_page_size
    ids = corpus.newest_first(now)[::-1][(number - 1) * size : number * size]
    if number < 1 or not ids:
        return None
    urls = "".join(
        f"<url><loc>{esc(address(corpus, a.path))}</loc>"
        f"<lastmod>{(a.updated_at(now) or a.published).isoformat()}</lastmod></url>"
        for a in map(corpus.article, ids)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


def render_news_sitemap(corpus: Corpus, now: datetime) -> bytes:
    since = now - timedelta(days=NEWS_SITEMAP_DAYS)
    recent = [a for a in map(corpus.article, corpus.newest_first(now)) if a.published >= since]
    urls = "".join(
        f"<url><loc>{esc(address(corpus, a.path))}</loc><news:news><news:publication>"
        f"<news:name>{esc(corpus.edition.title)}</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{a.published.isoformat()}</news:publication_date>"
        f"<news:title>{esc(a.version_at(now).headline)}</news:title></news:news></url>"
        for a in recent
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    ).encode()
