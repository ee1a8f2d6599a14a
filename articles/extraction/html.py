"""HTML pages: parse, then metadata from meta tags and JSON-LD and body text without page furniture."""

from __future__ import annotations

import lxml.html
from lxml import etree

from articles.extraction.body import WEIGHTS, BodyVotes, collect_votes, decide
from articles.extraction.combine import Weights
from articles.extraction.common import ExtractedArticle, ExtractionError, normalize_text
from articles.extraction.language import guess_language, page_language
from articles.extraction.metadata import (
    article_byline,
    article_lead,
    canonical_url,
    domain_of,
    json_ld_article,
    ld_string,
    meta_tags,
    outlet_name,
    publication_date,
)
from articles.extraction.titles import article_title, raw_titles


def extract_html(
    html: str, *, url: str | None = None, encoding: str = "", weights: Weights = WEIGHTS
) -> ExtractedArticle:
    """Read an HTML page: metadata from meta tags and JSON-LD, body text without page furniture."""
    tree, meta, article_ld, canonical, title, votes = read_page(html, url=url, weights=weights)
    paragraphs = decide(votes, weights)
    if not paragraphs:
        raise ExtractionError("no article text found in the page")
    body = "\n\n".join(paragraphs)
    published_at, date_source = publication_date(tree, meta, article_ld, url)
    lead = article_lead(meta, title=title, paragraphs=paragraphs)
    metadata = {
        key: value
        for key, value in {
            "date_source": date_source,
            "section": meta.get("article:section", ""),
            "keywords": meta.get("keywords") or meta.get("news_keywords", ""),
            "image": meta.get("og:image", ""),
            "modified_at": ld_string(article_ld.get("dateModified")) or meta.get("article:modified_time", ""),
            "json_ld_type": ld_string(article_ld.get("@type")),
        }.items()
        if value
    }
    return ExtractedArticle(
        title=title or paragraphs[0],
        text=body,
        byline=article_byline(tree, meta, article_ld),
        published_at=published_at,
        language=page_language(tree, meta) or guess_language(body),
        outlet_name=outlet_name(meta, article_ld),
        outlet_domain=domain_of(canonical or url),
        canonical_url=canonical,
        lead=lead,
        encoding=encoding,
        content_type="text/html",
        metadata=metadata,
    )


def html_votes(html: str, *, url: str | None = None) -> tuple[str, BodyVotes]:
    """The title and every voter's say on the body, all voters run (for bench/extraction.py, which fits weights)."""
    _tree, _meta, _article_ld, _canonical, title, votes = read_page(html, url=url, weights=None)
    return title, votes


def read_page(
    html: str, *, url: str | None, weights: Weights | None
) -> tuple[lxml.html.HtmlElement, dict[str, str], dict, str, str, BodyVotes]:
    """Parse a page and gather what its body and metadata are read from: tags, JSON-LD, title, the voters' say."""
    tree = parse_html(html)
    meta = meta_tags(tree)
    article_ld = json_ld_article(tree)
    canonical = canonical_url(tree, meta, url)
    title = article_title(tree, meta, article_ld, url)
    headings = [
        title,
        *raw_titles(tree, meta, article_ld),
        *(normalize_text(h.text_content()) for h in tree.iter("h1")),
    ]
    summaries = [meta.get(name, "") for name in ("description", "og:description", "twitter:description")]
    votes = collect_votes(
        tree,
        url=url or canonical or None,
        headings=headings,
        summaries=summaries,
        article_ld=article_ld,
        weights=weights,
    )
    return tree, meta, article_ld, canonical, title, votes


def parse_html(html: str) -> lxml.html.HtmlElement:
    """Decoded HTML as an lxml tree without comments, or ExtractionError when it cannot be parsed."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
    try:
        tree = lxml.html.fromstring(html.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"the HTML cannot be parsed: {error}") from error
    if tree is None:
        raise ExtractionError("no article text found in the page")
    return tree
