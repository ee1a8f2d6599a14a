"""HTML pages: parse, then metadata from meta tags and JSON-LD and body text without page furniture."""

from __future__ import annotations

import lxml.html
from lxml import etree

from articles.extraction.body import body_paragraphs
from articles.extraction.common import ExtractedArticle, ExtractionError, normalize_text
from articles.extraction.language import guess_language, page_language
from articles.extraction.metadata import (
    article_byline,
    article_lead,
    article_title,
    canonical_url,
    domain_of,
    json_ld_article,
    ld_string,
    meta_tags,
    outlet_name,
    publication_date,
    raw_titles,
)


def extract_html(html: str, *, url: str | None = None, encoding: str = "") -> ExtractedArticle:
    """Read an HTML page: metadata from meta tags and JSON-LD, body text without page furniture."""
    tree = parse_html(html)
    meta = meta_tags(tree)
    article_ld = json_ld_article(tree)
    canonical = canonical_url(tree, meta, url)
    title = article_title(tree, meta, article_ld)
    headings = [
        title,
        *raw_titles(tree, meta, article_ld),
        *(normalize_text(h.text_content()) for h in tree.iter("h1")),
    ]
    summaries = [meta.get(name, "") for name in ("description", "og:description", "twitter:description")]
    paragraphs = body_paragraphs(
        tree, url=url or canonical or None, headings=headings, summaries=summaries, article_ld=article_ld
    )
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
