"""HTML and XML of the replica, one template per era of the real site.

Where SITE-EVIDENCE.md has the real markup, it is followed; elsewhere a plausible choice is
made and kept. Where it records several forms of an element, or only guesses one, each Drupal
page is rendered in forms chosen for it (samplesite.variants). Every page is a pure function
of (corpus, what, now).
"""

from __future__ import annotations

import dataclasses
import html
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

from samplesite import khmer_text, noise, variants, words
from samplesite.assets import STYLESHEET
from samplesite.corpus import Corpus, Image, SiteArticle, Version, cut_paragraph
from samplesite.editions import KHMER, Edition, Section
from samplesite.variants import ArticleForms, ListingForms

ORGANISATIONS = ("Post Staff", "AFP", "Xinhua")
MOST_VIEWED_KHMER = "អត្ថបទពេញនិយម"  # the Khmer edition's "Most viewed" heading [G]
KHMER_UPDATED = "ធ្វើបច្ចុប្បន្នភាព៖"  # "Updated:", before an update's date [G]


def nav(edition: Edition) -> str:
    """The menu of the edition's open sections. The Khmer edition's, as saved, mixes
    percent-encoded Khmer paths, absolute links and numeric paths [E]."""
    links = [(f"/{quote(s.slug)}", s.label) for s in edition.sections if s.last_year == 9999]
    if edition is KHMER:
        links = [
            (edition.origin.replace("https://", "http://") + path if "-" in path else path, label)
            for path, label in links
        ]
        links.append(("/10", "វីដេអូ"))
    return "".join(f'<li><a href="{attr(href)}">{html.escape(label)}</a></li>' for href, label in links)


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


def encode_text(text: str, rng: random.Random | None) -> str:
    """Escape text; with `rng`, spell some characters as entities, some spaces as &nbsp; or
    line breaks, and wrap some words in inline markup, as CMS output does."""
    out = esc(text)
    if rng is None:
        return out
    out = out.replace("’", rng.choice(["&rsquo;", "&#8217;", "’"]))
    out = out.replace("“", rng.choice(["&ldquo;", "&#8220;"])).replace("”", "&#x201D;")
    words = out.split(" ")
    for k, word in enumerate(words):
        if word.isalpha() and rng.random() < 0.03:
            words[k] = rng.choice(
                [f"<strong>{word}</strong>", f"<em>{word}</em>", f'<a href="/tags/{word.lower()}">{word}</a>']
            )
    joined = words[0]
    for word in words[1:]:
        joined += rng.choice([" ", " ", " ", "&nbsp;", "\n      ", "  "]) + word
    return joined


def join_names(names: list[str]) -> str:
    """'A, B and C'; Khmer names are joined with និង ("and")."""
    if len(names) <= 1:
        return "".join(names)
    conjunction = words.KHMER_AND if any("\u1780" <= c <= "\u17ff" for c in names[-1]) else "and"
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def long_date(moment: datetime) -> str:
    return f"{moment.day:02d} {moment:%B %Y}"


def publication_line(moment: datetime, extra_pipe: bool, label: str = "Publication date") -> str:
    sep = " | ICT" if extra_pipe else " ICT"
    return f"{label} {long_date(moment)} | {moment:%H:%M}{sep}"


def weekday_line(moment: datetime) -> str:
    return f"{moment:%A}, {moment:%B} {moment.day}, {moment.year}"


# -- the sidebar, three markups -----------------------------------------------------------


def sidebar(corpus: Corpus, now: datetime, style: str) -> str:
    """The Most viewed list of `now`'s window; titles and teasers as they stood when the
    window opened, so the list is the same on every page of the window."""
    start = corpus.window(now)[0]
    items = []
    for i in corpus.most_viewed(now):
        article = corpus.article(i)
        rng = random.Random(f"{int(start.timestamp())}:{i}")
        href = quote(article.path)
        if rng.random() < 0.25:
            href = "http://" + corpus.edition.site + href
        title = esc(article.version_at(start).headline)
        teaser = esc(article.teaser(start))
        if style == "joomla":
            items.append(f'<li><a href="{attr(href)}" class="mostread">{title}</a><p>{teaser}</p></li>')
        elif style == "khmer":
            items.append(
                f'<li class="views-row-{len(items) + 1}"><a href="{attr(href)}">{title}</a>'
                f'<div class="views-field-body">{teaser}</div></li>'
            )
        elif style == "drupal":
            items.append(
                f'<li class="views-row"><div class="views-field-title"><a href="{attr(href)}">'
                f'{title}</a></div><div class="views-field-body">{teaser}</div></li>'
            )
        else:
            items.append(
                f'<li><a href="{attr(href)}"><h4>{title}</h4></a><p class="date">'
                f'{publication_line(article.published, True)}</p><p class="teaser">{teaser}</p></li>'
            )
    body = "\n".join(items)
    if style == "joomla":
        return f'<div class="moduletable"><h3>Most viewed</h3><ul class="mostread">{body}</ul></div>'
    if style == "khmer":
        return (
            f'<div id="block-block-312" class="block block-block block-312"><h2 class="block-title">'
            f'{MOST_VIEWED_KHMER}</h2><div class="item-list"><ul>{body}</ul></div></div>'
        )
    if style == "drupal":
        return (
            '<div id="block-views-popular" class="block block-views"><div class="block-title"><h2>'
            f'MOST VIEWED</h2></div><div class="view-content"><ul>{body}</ul></div></div>'
        )
    return f'<section class="most-viewed"><h3>Most Viewed</h3><ol>{body}</ol></section>'


# -- pieces of article pages --------------------------------------------------------------


def related_items(corpus: Corpus, article: SiteArticle, now: datetime, rng: random.Random) -> str:
    earlier = [
        i for i in range(max(0, article.id - 40), article.id) if corpus.visible(i, now) and i < corpus.config.count
    ]
    picks = rng.sample(earlier, min(2, len(earlier)))
    links = [(quote(corpus.path(i)), corpus.article(i).version_at(now).headline) for i in picks]
    dead = f"/{quote(article.section.slug)}/{rng.choice(['archived', 'removed'])}-story-{article.id}"
    links.append((dead, "An earlier report on this story"))
    return "".join(
        f'<li><a href="{attr(path)}">{esc(title)}</a><p class="teaser">{esc(title[:40])}</p></li>'
        for path, title in links
    )


def printed_caption(image: Image) -> str:
    """The caption as the Post prints it: the credit glued to the end, no separator."""
    if image.caption is None:
        return ""
    return image.caption + (f" {image.label}{image.credit}" if image.credit else "")


def drupal_photo(image: Image, forms: ArticleForms) -> str:
    """A Drupal-era photo in the page's forms: the image in a figure or in Drupal's image field
    (`field_image`, as its URLs show), with or without itemprop="contentURL", and its caption
    in a figcaption, in Drupal's caption field after the image, or in a plain div after it."""
    src = attr(image.url)
    itemprop = ' itemprop="contentURL"' if forms.photo_itemprop else ""
    img = f'<img{itemprop} src="{src}" alt="{attr(image.caption or "")}">'
    caption = esc(printed_caption(image))
    if forms.caption == "figcaption":
        return f"<figure>{img}<figcaption>{caption}</figcaption></figure>"
    field = (
        f'<div class="field field-name-field-image"><div class="field-items"><div class="field-item even">'
        f"{img}</div></div></div>"
    )
    if not caption:
        return field
    if forms.caption == "field":
        return (
            f'{field}<div class="field field-name-field-image-caption"><div class="field-items">'
            f'<div class="field-item even">{caption}</div></div></div>'
        )
    return f"{field}<div>{caption}</div>"


def figure(image: Image) -> str:
    cap, src = esc(printed_caption(image)), attr(image.url)
    return (
        f'<figure class="article-image"><a href="{src}"><img src="{src}" alt=""></a>'
        f"<figcaption>{cap}</figcaption></figure>"
    )


def body_blocks(
    corpus: Corpus,
    article: SiteArticle,
    now: datetime,
    rng: random.Random,
    version: Version,
    inline_images: list[Image],
    photo: Callable[[Image], str] = figure,
) -> list[str]:
    """Paragraphs (with their subheadings and lists) and the clutter a real body container
    holds: ads, related links, photos (each written by `photo`)."""
    entities = rng if "entities" in article.flags and "truncated" not in article.flags else None
    paragraphs = [] if "no-body" in article.flags else version.body
    blocks: list[str] = []
    in_list = False
    for k, text in enumerate(paragraphs):
        kind = version.kinds.get(k, "p")
        if kind == "li" and not in_list:
            blocks.append("<ul>")
        if kind != "li" and in_list:
            blocks.append("</ul>")
        in_list = kind == "li"
        blocks.append(f"<{kind}>{encode_text(text, entities)}</{kind}>")
        if in_list:
            continue
        if entities and rng.random() < 0.2:
            blocks.append("<p>&nbsp;</p>")
        if k == 0 and "ads" in article.flags:
            blocks.append(
                '<div class="ad-slot"><p>Advertisement</p><ins class="adsbygoogle" data-ad-slot="2219">'
                "</ins><script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
            )
        if k == 2 and "inline-related" in article.flags and k + 1 < len(paragraphs):
            earlier = max(0, article.id - 1)
            blocks.append(
                f'<p class="related-inline"><strong>READ MORE:</strong> <a href="'
                f'{attr(quote(corpus.path(earlier)))}">{esc(corpus.article(earlier).original.headline)}'
                "</a></p>"
            )
        if inline_images and k % 2 == 1:
            blocks.append(photo(inline_images.pop(0)))
    if in_list:
        blocks.append("</ul>")
    blocks.extend(photo(image) for image in inline_images)
    if "related" in article.flags:
        blocks.append(
            f'<div class="related-articles"><h3>Related articles</h3><ul>'
            f"{related_items(corpus, article, now, rng)}</ul></div>"
        )
    return blocks


def head(article: SiteArticle, now: datetime, canonical: bool, extra: str = "") -> str:
    version = article.version_at(now)
    charset = (
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        if "wrong-charset" in article.flags
        else '<meta charset="utf-8">'
    )
    link = f'<link rel="canonical" href="{attr(article.edition.origin + quote(article.path))}">' if canonical else ""
    return (
        f"<head>{charset}<title>{esc(version.headline)} | {article.edition.title}</title>{link}"
        f'<meta property="og:title" content="{attr(version.headline)}">'
        f'<meta property="og:description" content="{attr(article.teaser(now)[:160])}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{extra}'
        f'<link rel="stylesheet" href="{STYLESHEET}">'
        "<script>var googletag = googletag || {}; googletag.cmd = [];</script></head>"
    )


def logo(headline: str) -> str:
    return (
        '<div class="logo"><a href="/"><img src="/sites/all/themes/ppp/logo.png" '
        f'alt="Logo of Phnom Penh Post newspaper"></a><span class="logo-title">Phnom Penh Post - '
        f"{esc(headline)}</span></div>"
    )


def byline_names(article: SiteArticle) -> str:
    names = join_names(article.authors)
    return names.upper() if article.byline_caps else names


def share_block(nid: int) -> str:
    return (
        '<div class="social-share"><p>Share this article:</p><a class="share-facebook" href="#share">Facebook</a>'
        '<a class="share-twitter" href="#share">Twitter</a><a class="share-email" href="#share">Email</a>'
        f'<a class="print" href="/print/{nid}">Print</a></div>'
    )


# -- article pages, one renderer per era --------------------------------------------------


def render_joomla(corpus: Corpus, article: SiteArticle, now: datetime, rng: random.Random) -> str:
    version = article.version_at(now)
    meta = f"{article.published:%A}, {article.published.day} {article.published:%B %Y}"
    if article.authors:
        meta += " " + byline_names(article)
    paragraphs = [] if "no-body" in article.flags else list(version.body)
    if "loose-text" in article.flags and paragraphs:
        content = "<br /><br />\n".join(esc(p) for p in paragraphs)
    elif "br-paragraphs" in article.flags and paragraphs:
        content = "<p>" + "<br /><br />\n".join(esc(p) for p in paragraphs) + "</p>"
    else:
        content = "\n".join(body_blocks(corpus, article, now, rng, version, []))
    if len(article.authors) == 1 and article.authors[0] not in ORGANISATIONS and paragraphs:
        first, *rest = article.authors[0].lower().split()
        email = f"{'.'.join(rest) or first}.{first}@phnompenhpost.com"
        content += f"\n<p><em>To contact the reporter on this story: {esc(article.authors[0])} at {email}</em></p>"
    images = "".join(
        f'<div class="article-image"><img src="{attr(image.url)}" alt="" />'
        f'<p class="caption">{esc(printed_caption(image))}</p></div>'
        for image in article.images
    )
    folder = article.section.joomla or article.section.label.replace(" ", "-")
    return (
        f'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        f'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        f'<html xmlns="http://www.w3.org/1999/xhtml" lang="en-gb">{head(article, now, False)}'
        f'<body id="page_bg">{logo(version.headline)}<div id="topmenu"><ul>{nav(corpus.edition)}</ul></div>'
        f'<div class="breadcrumbs pathway"><a href="/">Home</a> &raquo; <a href="/index.php/{quote(folder)}">'
        f"{esc(folder.replace('-', ' '))}</a></div>"
        f'<div id="maincolumn"><div class="item-page"><h2 class="contentheading">{esc(version.headline)}</h2>'
        f'<p class="createdate">{esc(meta)}</p>{images}'
        f'<div class="article-content">{content}</div>'
        f'<div class="print-link"><a href="/print/{article.nid}">Print</a></div></div></div>'
        f'<div id="rightcolumn">{sidebar(corpus, now, "joomla")}</div>'
        '<div id="footer">Copyright &copy; The Phnom Penh Post</div></body></html>'
    )


def drupal_dates(lines: list[str], element: str) -> str:
    """The date lines as the page's form prints them: each in a p or a span, or bare text."""
    if element == "text":
        return "".join(f"\n{line}" for line in lines) + "\n"
    names = ("publication-date", "updated-date")
    return "".join(f'<{element} class="{name}">{line}</{element}>' for name, line in zip(names, lines, strict=False))


def khmer_date(moment: datetime, form: str) -> str:
    if form == "khmer-long":
        return khmer_text.long_date(moment)
    if form == "khmer-short":
        return khmer_text.short_date(moment)
    return publication_line(moment, False)


def khmer_author_block(article: SiteArticle, now: datetime, forms: variants.KhmerForms, rng: random.Random) -> str:
    """The Khmer edition's byline and dates: lines of one p, the name first, the date on the
    second line [E: from scrapers' selectors], an update on a third [G]."""
    lines = []
    if article.authors:
        suffix = rng.choice(["", " | ប៉ុស្តិ៍ខ្មែរ", " | Post Khmer"])
        lines.append(f"<span>{esc(byline_names(article))}</span>{suffix}")
    lines.append(esc(khmer_date(article.published, forms.date)))
    updated = article.updated_at(now)
    if updated:
        lines.append(f"{KHMER_UPDATED} {esc(khmer_date(updated, forms.date))}")
    return f'<div class="article-author-wrapper"><p>{"<br>".join(lines)}</p></div>'


def with_khmer_spacing(version: Version, rng: random.Random) -> Version:
    """The text as a page with zero-width spaces between some words prints it."""
    spaced = [khmer_text.with_zero_width_spaces(text, rng, words.KHMER_WORDS) for text in version.body]
    return Version(khmer_text.with_zero_width_spaces(version.headline, rng, words.KHMER_WORDS), spaced, version.kinds)


def render_drupal(corpus: Corpus, article: SiteArticle, now: datetime, rng: random.Random) -> str:
    version = article.version_at(now)
    forms = variants.article_forms(corpus.config.seed, article.id)
    extra_pipe = rng.random() < 0.5
    khmer = variants.khmer_forms(corpus.config.seed, article.id) if article.edition is KHMER else None
    byline = ""
    if khmer:
        byline, dates = khmer_author_block(article, now, khmer, rng), ""
        if khmer.zero_width_spaces and "truncated" not in article.flags:
            version = with_khmer_spacing(version, rng)
    else:
        if article.authors:
            byline = (
                f'<div class="article-author-wrapper"><p><span>{esc(byline_names(article))}</span> | '
                "The Phnom Penh Post</p></div>"
            )
        updated = article.updated_at(now)
        lines = [publication_line(article.published, extra_pipe)]
        if updated:
            lines.append(publication_line(updated, extra_pipe, "Updated"))
        dates = drupal_dates(lines, forms.date_element)
    standfirst = f'<div class="standfirst"><p>{esc(article.standfirst)}</p></div>' if article.standfirst else ""

    def photo(image: Image) -> str:
        return drupal_photo(image, forms)

    blocks = body_blocks(corpus, article, now, rng, version, article.images[1:], photo)
    lead = photo(article.images[0]) if article.images else ""
    lead_outside, lead_inside = ("", lead) if forms.photo_in_body else (lead, "")
    tags = "".join(f'<a href="/tags/{quote(t.lower().replace(" ", "-"))}">{esc(t)}</a> ' for t in article.tags)
    body = lead_inside + share_block(article.nid) + "\n".join(blocks)
    body_open = '<div id="ArticleBody" itemprop="articleBody" class="field-name-body">'
    if khmer is None:
        body = f"{body_open}{body}</div>"
    elif khmer.body == "nested":
        body = f'{body_open}<div class="paragraph-style">{body}</div></div>'
    else:
        body = f'<div class="paragraph-style">{body}</div>'
    sidebars = (
        f'<div class="region-sidebar">{sidebar(corpus, now, "drupal")}</div>'
        if khmer is None
        else khmer_blocks(corpus, now)
    )
    # The Khmer edition's pages say lang="en" though their text is Khmer [E].
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if khmer else article.language}" dir="ltr">{head(article, now, True)}'
        f'<body class="html not-front node-type-article">{logo(version.headline)}'
        f'<nav class="main-menu"><ul>{nav(article.edition)}</ul></nav>'
        f'<div class="search-box"><form action="/search/node" method="get">'
        '<input name="keys" type="text"></form></div><div id="main">'
        f'<div class="ads-social-left-title"><h2><a href="/{quote(article.section.slug)}">'
        f"{esc(article.section.label)}</a></h2>{byline}{dates}</div>"
        f'<div class="single-article-header"><h2>{esc(version.headline)}</h2>{standfirst}</div>'
        f"{lead_outside}{body}"
        f'<div class="field-name-field-tags"><span class="field-label">Tags:</span> {tags}</div>'
        f"{sidebars}</div>"
        f"<footer><p>&copy; The {article.edition.title}. All rights reserved.</p></footer></body></html>"
    )


def khmer_blocks(corpus: Corpus, now: datetime) -> str:
    """The Khmer edition's sidebars as saved: numbered Drupal blocks with no aside around them,
    one a list of the latest articles in div.views-row-* rows, one the Most viewed list (an
    item list, the shape of a listing), and an ad [E: the blocks; G: which lists they hold]."""
    latest = "".join(
        f'<div class="views-row views-row-{k}"><a href="{attr(quote(corpus.path(i)))}">'
        f"{esc(corpus.article(i).version_at(now).headline)}</a></div>"
        for k, i in enumerate(corpus.newest_first(now)[:5], 1)
    )
    return (
        f'<div id="block-views-block-287" class="block block-views block-287"><h2 class="block-title">'
        f'ព័ត៌មានថ្មីៗ</h2><div class="view-content">{latest}</div></div>'
        f"{sidebar(corpus, now, 'khmer')}"
        '<div class="dfp_ad"><div id="dfp-ad-sidebar">ពាណិជ្ជកម្ម</div></div>'
    )


def render_modern(corpus: Corpus, article: SiteArticle, now: datetime, rng: random.Random) -> str:
    version = article.version_at(now)
    updated = article.updated_at(now)
    published = article.published
    late = published.year >= 2025
    meta = ""
    if late:
        meta = f'<meta property="article:published_time" content="{published.isoformat()}">'
        if updated:
            meta += f'<meta property="article:modified_time" content="{updated.isoformat()}">'
    date_line = f"{weekday_line(published)} | {published:%H:%M} ICT" if late else publication_line(published, False)
    dates = f'<p class="paraclass">{date_line}</p>'
    if updated:
        dates += f'<p class="paraclass updated">{publication_line(updated, False, "Updated")}</p>'
    author = (
        f'<div class="authname">{"By " if late else ""}{esc(byline_names(article))}</div>' if article.authors else ""
    )
    standfirst = f'<p class="standfirst">{esc(article.standfirst)}</p>' if article.standfirst else ""
    lead = article.images[0] if article.images else None
    blocks = body_blocks(corpus, article, now, rng, version, article.images[1:])
    if lead:
        blocks.insert(0, figure(lead))
    blocks.append(
        f'<div class="share-tools"><p>Share:</p><a href="#share">Facebook</a>'
        f'<a href="/print/{article.nid}">Print</a></div>'
    )
    tags = "".join(f'<a href="/tags/{quote(t.lower().replace(" ", "-"))}">{esc(t)}</a>' for t in article.tags)
    return (
        f'<!doctype html>\n<html lang="{article.language}">{head(article, now, True, meta)}'
        f'<body><header class="site-header">{logo(version.headline)}<nav><ul>{nav(corpus.edition)}</ul></nav></header>'
        f'<main class="container"><div class="ads-social-left-title"><h2>{esc(article.section.label)}</h2></div>'
        f'<div class="section-article-header"><h2>{esc(version.headline)}</h2>{standfirst}</div>'
        f'<div class="article-meta">{author}{dates}</div>'
        f'<div class="article-text">' + "\n".join(blocks) + "</div>"
        f'<div class="article-tags">{tags}</div>'
        f'<aside class="sidebar">{sidebar(corpus, now, "modern")}</aside></main>'
        '<footer class="site-footer">&copy; Phnom Penh Post</footer></body></html>'
    )


RENDERERS = {"joomla": render_joomla, "drupal": render_drupal, "modern": render_modern}


def render_article(corpus: Corpus, article: SiteArticle, now: datetime) -> bytes:
    """The page's bytes as served at `now`, hard cases included (wrong charset, truncation,
    the byte-level noise of the real site's cache)."""
    rng = random.Random(f"{corpus.config.seed}:render:{article.id}")
    data = RENDERERS[article.era](corpus, article, now, rng).encode("utf-8")
    if "truncated" in article.flags:
        return truncate(data, article.version_at(now).body)
    if article.era == "drupal":
        forms = variants.article_forms(corpus.config.seed, article.id)
        noise_rng = random.Random(f"{corpus.config.seed}:noise:article:{article.id}")
        data = noise.with_noise(data, forms.noise, noise_rng, corpus.window(now)[0])
    return data


def article_variants(corpus: Corpus, article: SiteArticle) -> frozenset[str]:
    """Names of the recorded forms the article's page is rendered in (variants.ArticleForms);
    none outside the Drupal era, and no byte-level noise on a page cut short."""
    if article.era != "drupal":
        return frozenset()
    names = variants.article_forms(corpus.config.seed, article.id).names(
        has_photo=bool(article.images), has_caption=any(image.caption for image in article.images)
    )
    if article.edition is KHMER:
        khmer = variants.khmer_forms(corpus.config.seed, article.id)
        if "truncated" in article.flags:
            khmer = dataclasses.replace(khmer, zero_width_spaces=False)
        names = frozenset(name for name in names if not name.startswith("date:")) | khmer.names()
    if "truncated" in article.flags:
        names = frozenset(name for name in names if not name.startswith("bytes:"))
    return names


def truncate(data: bytes, body: list[str]) -> bytes:
    """Cut the page half-way through its second paragraph, as a dropped transfer would."""
    if len(body) < 2:
        return data[: len(data) // 2]
    target = esc(body[1]).encode("utf-8")
    at = data.find(target, max(0, data.find(b"<body")))
    kept = esc(cut_paragraph(body[1])).encode("utf-8")
    return data[: at + len(kept)] if at >= 0 else data[: len(data) // 2]


# -- listings, feeds, sitemaps -----------------------------------------------------------


def is_legacy(corpus: Corpus, section: Section) -> bool:
    """Sections closed before the 2023 redesign still render with the Drupal views list, as
    does every section of an edition that has no later template."""
    return section.last_year < 2023 or "modern" not in corpus.edition.eras


def listing_href(corpus: Corpus, i: int, rng: random.Random) -> str:
    """The link a listing prints: mostly the canonical path, sometimes an old /node/ address
    or a 2025 path without its trailing slash (both answered with a redirect)."""
    article = corpus.article(i)
    roll = rng.random()
    if article.era != "joomla" and roll < 0.15:
        return f"/node/{article.nid}"
    if article.path.endswith("/") and roll < 0.3:
        return quote(article.path.rstrip("/"))
    return quote(article.path)


def render_listing(corpus: Corpus, section: Section, page: int, now: datetime) -> tuple[int, bytes]:
    """A section page. Past the last page: an empty list (legacy) or a 404 (current)."""
    size = corpus.config.listing_page_size
    ids = corpus.newest_first(now, section.slug)
    chunk = ids[page * size : (page + 1) * size] if page >= 0 else []
    rng = random.Random(f"{corpus.config.seed}:listing:{section.slug}:{page}")
    hrefs = [attr(listing_href(corpus, i, rng)) for i in chunk]
    base = f"/{quote(section.slug)}"
    if not is_legacy(corpus, section):
        if not chunk:
            return 404, not_found_page()
        main = current_listing(corpus, section, ids, chunk, hrefs, page, now)
        side = aside(sidebar(corpus, now, "modern"))
        return 200, listing_page(corpus, base, section.label, main, side, term_feed_link(section)).encode()
    forms = listing_forms_of(corpus, section.slug, page)
    pages = -(-len(ids) // size)
    main = legacy_listing(corpus, section, chunk, hrefs, now, forms) + (
        legacy_pager(base, page, pages, forms) if chunk else ""
    )
    side = khmer_blocks(corpus, now) if corpus.edition is KHMER else aside(sidebar(corpus, now, "drupal"))
    data = listing_page(corpus, base, section.label, main, side, term_feed_link(section)).encode()
    noise_rng = random.Random(f"{corpus.config.seed}:noise:listing:{section.slug}:{page}")
    return 200, noise.with_noise(data, forms.noise, noise_rng, corpus.window(now)[0])


def listing_forms_of(corpus: Corpus, section: str, page: int) -> ListingForms:
    """The forms a page of a Drupal section listing is rendered in; the Khmer edition's are
    those of its saved listing page [E]."""
    forms = variants.listing_forms(corpus.config.seed, section, page)
    return dataclasses.replace(forms, items="category", pager="mini") if corpus.edition is KHMER else forms


def listing_page(corpus: Corpus, base: str, label: str, main: str, side: str, feed: str = "") -> str:
    edition = corpus.edition
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>'
        f'{esc(label)} | {edition.title}</title><link rel="canonical" href="{edition.origin}{base}">'
        f'{feed}<link rel="stylesheet" href="{STYLESHEET}"></head>'
        f"<body>{logo(label)}<nav><ul>{nav(edition)}</ul></nav><main>{main}</main>"
        f"{side}</body></html>"
    )


def is_atom_feed(section: Section) -> bool:
    """Which sections' term feeds are Atom rather than RSS [G: not evidenced]."""
    return section.term % 3 == 0


def term_feed_link(section: Section) -> str:
    """Drupal's link to a section's term feed, in the head of its listing pages."""
    kind = "atom" if is_atom_feed(section) else "rss"
    return (
        f'<link rel="alternate" type="application/{kind}+xml" title="{attr(section.label)}" '
        f'href="/taxonomy/term/{section.term}/all/feed">'
    )


def aside(sidebar_html: str) -> str:
    return f'<aside class="sidebar">{sidebar_html}</aside>'


def current_listing(
    corpus: Corpus, section: Section, ids: list[int], chunk: list[int], hrefs: list[str], page: int, now: datetime
) -> str:
    """The 2023+ section page: top stories, the list, a "Load more" control."""
    items = []
    for i, href in zip(chunk, hrefs, strict=True):
        article = corpus.article(i)
        by = f" | by {esc(join_names(article.authors))}" if article.authors else ""
        items.append(
            f'<article class="news-item"><a href="{href}"><h3>{esc(article.version_at(now).headline)}</h3></a>'
            f'<p class="date">{weekday_line(article.published)}{by}</p><p class="teaser">'
            f"{esc(article.teaser(now))}</p></article>"
        )
    top_items = "".join(
        f'<li><a href="{attr(quote(corpus.path(i)))}">{esc(corpus.article(i).version_at(now).headline)}</a>'
        f"<p>{publication_line(corpus.published(i), True)}</p><p>{esc(corpus.article(i).teaser(now))}</p></li>"
        for i in ids[:4]
    )
    has_next = (page + 1) * corpus.config.listing_page_size < len(ids)
    more = (
        f'<div class="load-more"><a class="btn-load" href="/{quote(section.slug)}?page={page + 1}">Load more</a></div>'
        if has_next
        else ""
    )
    return (
        f'<h1 class="section-title">{esc(section.label)}</h1><div class="top-stories"><h3>Top stories'
        f'</h3><ul>{top_items}</ul></div><div class="section-more">{"".join(items)}</div>{more}'
    )


def listing_date(published: datetime) -> str:
    """The date line of a Drupal listing: 'Fri, 26 August 2016' up to 2016, later
    'Publication date 17 November 2017 | 12:12 | ICT'."""
    if published.year <= 2016:
        return f"{published:%a}, {long_date(published)}"
    return publication_line(published, True)


def legacy_listing(
    corpus: Corpus, section: Section, chunk: list[int], hrefs: list[str], now: datetime, forms: ListingForms
) -> str:
    """The Drupal views list of a section page, as li.views-row items or div.category blocks."""
    if not chunk:
        return f'<h1 class="page-title">{esc(section.label)}</h1><div class="view-empty"><p>No content.</p></div>'
    items = []
    for k, (i, href) in enumerate(zip(chunk, hrefs, strict=True)):
        article = corpus.article(i)
        headline, teaser = esc(article.version_at(now).headline), esc(article.teaser(now))
        if forms.items == "category":
            items.append(category_block(article, href, headline, teaser, first=k == 0))
        elif article.published.year <= 2016:
            items.append(
                f'<li class="views-row"><span class="date">{listing_date(article.published)}'
                f'</span><h3><a href="{href}">{headline}</a></h3><div class="teaser">{teaser}</div></li>'
            )
        else:
            items.append(
                f'<li class="views-row"><h3><a href="{href}">{headline}</a></h3><div class="date">'
                f'{listing_date(article.published)}</div><div class="teaser">{teaser}</div></li>'
            )
    if forms.items == "category":
        return (
            f'<div class="title-bar"><h2>{esc(section.label)}</h2></div>'
            f'<div class="view-content">{"".join(items)}</div>'
        )
    return (
        f'<h1 class="page-title">{esc(section.label)}</h1>'
        f'<div class="view-content"><div class="item-list"><ul>{"".join(items)}</ul></div></div>'
    )


def category_block(article: SiteArticle, href: str, headline: str, teaser: str, first: bool) -> str:
    """One item as the saved Khmer listing shows it: a photo link, the title in h3 a, the date
    broken across lines, a teaser opening with a bold place-name dateline."""
    photo = (
        f'<div class="article-image"><a href="{href}"><img src="{attr(article.images[0].url)}" alt=""></a></div>'
        if article.images
        else ""
    )
    date = re.sub(r" (?=\d)", "\n          ", listing_date(article.published), count=1)
    place = words.PROVINCES[article.id % len(words.PROVINCES)].upper()
    inner = (
        f'{photo}<h3><a href="{href}">{headline}</a></h3><div class="posted-date">\n          {date}\n        </div>'
        f'<div class="summary"><p><strong>{esc(place)}</strong> - {teaser}</p></div>'
    )
    return (
        f'<div class="category"><div class="first-item">{inner}</div></div>'
        if first
        else (f'<div class="category">{inner}</div>')
    )


def legacy_pager(base: str, page: int, pages: int, forms: ListingForms) -> str:
    """A lone next link, or Drupal's mini pager: previous, "N of M", and a next link with
    the stray empty query key the real site adds."""
    has_next = page + 1 < pages
    if forms.pager == "next":
        return (
            f'<ul class="pager"><li class="pager-next"><a href="{base}?page={page + 1}">next ›</a></li></ul>'
            if has_next
            else ""
        )
    if pages <= 1:
        return ""
    previous = f'<a title="Go to previous page" href="{base}?page={page - 1}">‹‹</a>' if page > 0 else "&nbsp;"
    following = (
        f'<a title="Go to next page" href="{base}?page={page + 1}&amp;{forms.stray_key}=">››</a>'
        if has_next
        else "&nbsp;"
    )
    return (
        '<h2 class="element-invisible">Pages</h2><div class="item-list"><ul class="pager">'
        f'<li class="pager-previous first">{previous}</li><li class="pager-current">{page + 1} of {pages}</li>'
        f'<li class="pager-next last">{following}</li></ul></div>'
    )


def render_home(corpus: Corpus, now: datetime) -> bytes:
    latest = corpus.newest_first(now)[:20]
    items = "".join(
        f'<article class="news-item"><a href="{attr(quote(corpus.path(i)))}"><h3>'
        f"{esc(corpus.article(i).version_at(now).headline)}</h3></a></article>"
        for i in latest
    )
    edition = corpus.edition
    if edition is KHMER:
        sections, side = nav(edition), khmer_blocks(corpus, now)
    else:
        sections = "".join(f'<li><a href="/{quote(s.slug)}">{esc(s.label)}</a></li>' for s in edition.sections)
        side = aside(sidebar(corpus, now, "modern"))
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{edition.title}</title>'
        f'<link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        f'<link rel="stylesheet" href="{STYLESHEET}"></head><body>'
        f'{logo("Home")}<nav><ul>{sections}</ul></nav><main><div class="section-more">{items}</div></main>'
        f"{side}</body></html>"
    ).encode()


# A new design of the current templates: the same content under new class names, as a site
# relaunch would serve it. Pages of the older eras are not touched.
REDESIGN = (
    (b'class="section-article-header"', b'class="story-header"'),
    (b'class="article-text"', b'class="story-body"'),
    (b'class="authname"', b'class="story-byline"'),
    (b'class="paraclass', b'class="story-dateline'),
    (b'class="section-more"', b'class="story-grid"'),
)


def redesigned(page: bytes) -> bytes:
    """`page` as the redesigned site serves it."""
    for old, new in REDESIGN:
        page = page.replace(old, new)
    return page


def not_found_page() -> bytes:
    return (
        b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found</title></head>'
        b"<body><h1>Page not found</h1><p>The requested page could not be found.</p></body></html>"
    )


def challenge_page() -> bytes:
    return (
        b'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Just a moment...</title></head>'
        b"<body><h1>Checking your browser before accessing phnompenhpost.com</h1></body></html>"
    )


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


FEED_SIZE = 30


def render_rss(corpus: Corpus, now: datetime, section: Section | None = None) -> bytes:
    """The site's RSS 2.0 feed, or a section's (Drupal's taxonomy term feed)."""
    origin = corpus.edition.origin
    items = []
    for i in corpus.newest_first(now, section.slug if section else None)[:FEED_SIZE]:
        article = corpus.article(i)
        link = esc(origin + quote(article.path))
        items.append(
            f"<item><title>{esc(article.version_at(now).headline)}</title><link>{link}</link>"
            f"<description>{esc(article.teaser(now))}</description>"
            f"<pubDate>{format_datetime(article.published)}</pubDate>"
            f'<guid isPermaLink="false">{article.nid} at {origin}</guid></item>'
        )
    title = corpus.edition.title + (f" - {section.label}" if section else "")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{esc(title)}</title><link>{origin}/</link><description>Latest news</description>"
        f"<lastBuildDate>{format_datetime(now)}</lastBuildDate>{''.join(items)}</channel></rss>"
    ).encode()


def render_atom(corpus: Corpus, now: datetime, section: Section) -> bytes:
    """A section's feed in Atom, as a Drupal feed module serves it [G: which sections, if any,
    publish Atom is not evidenced]."""
    origin = corpus.edition.origin
    entries = []
    for i in corpus.newest_first(now, section.slug)[:FEED_SIZE]:
        article = corpus.article(i)
        entries.append(
            f"<entry><title>{esc(article.version_at(now).headline)}</title>"
            f'<link rel="alternate" href="{attr(origin + quote(article.path))}"/>'
            f"<id>tag:{corpus.edition.site},{article.published:%Y-%m-%d}:node/{article.nid}</id>"
            f"<published>{article.published.isoformat()}</published>"
            f"<updated>{(article.updated_at(now) or article.published).isoformat()}</updated>"
            f"<summary>{esc(article.teaser(now))}</summary></entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{esc(corpus.edition.title)} - {esc(section.label)}</title>"
        f'<link rel="self" href="{origin}/taxonomy/term/{section.term}/all/feed"/>'
        f"<id>{origin}/taxonomy/term/{section.term}</id><updated>{now.isoformat()}</updated>"
        f"{''.join(entries)}</feed>"
    ).encode()


def sitemap_pages(corpus: Corpus, now: datetime) -> int:
    count = len(corpus.newest_first(now))
    return max(1, -(-count // corpus.config.sitemap_page_size))


def render_sitemap_index(corpus: Corpus, now: datetime) -> bytes:
    entries = "".join(
        f"<sitemap><loc>{corpus.edition.origin}/sitemap.xml?page={n}</loc><lastmod>{utc_iso(now)}</lastmod></sitemap>"
        for n in range(1, sitemap_pages(corpus, now) + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/'
        f'sitemap/0.9">{entries}</sitemapindex>'
    ).encode()


def render_sitemap_page(corpus: Corpus, now: datetime, page: int) -> bytes | None:
    size = corpus.config.sitemap_page_size
    ids = corpus.newest_first(now)[::-1][(page - 1) * size : page * size]
    if page < 1 or not ids:
        return None
    urls = []
    for i in ids:
        article = corpus.article(i)
        lastmod = article.updated_at(now) or article.published
        urls.append(
            f"<url><loc>{esc(corpus.edition.origin + quote(article.path))}</loc><lastmod>{utc_iso(lastmod)}</lastmod>"
            "<changefreq>never</changefreq></url>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(urls)
        + "</urlset>"
    ).encode("utf-8")


def render_robots(corpus: Corpus, crawl_delay: float) -> bytes:
    return (
        "User-agent: *\n"
        f"Crawl-delay: {crawl_delay:g}\n"
        "Disallow: /search/\n"
        "Disallow: /print/\n"
        "Disallow: /user/\n"
        f"\nSitemap: {corpus.edition.origin}/sitemap.xml\n"
    ).encode()
