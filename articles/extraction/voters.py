"""The extractors that vote on a page's blocks: trafilatura (precision and recall), readability-lxml, resiliparse."""

from __future__ import annotations

import copy
import logging

import lxml.html
import trafilatura
from lxml import etree
from readability import Document
from readability.readability import Unparseable
from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree

LINK_ATTRIBUTES = ("href", "src", "srcset", "style", "action", "background", "data-src", "onclick", "onload")
# Cheapest first: the combiner runs the expensive ones only while their vote could still change a block.
VOTERS = ("ours", "trafilatura_precision", "resiliparse", "trafilatura_recall", "readability")

# trafilatura warns "discarding data: None" each time it finds no main text in a page (None: we pass a tree, not a
# source); the caller handles that itself (other voters, fallbacks, then ExtractionError), so the line was only
# noise on the console of `manage.py extract` and imports. Only that message is dropped.
logging.getLogger("trafilatura.core").addFilter(lambda record: record.msg != "discarding data: %s")
# readability logs every candidate it scores at INFO/DEBUG; nothing there is for our users.
logging.getLogger("readability.readability").setLevel(logging.WARNING)


def trafilatura_body(tree: lxml.html.HtmlElement, *, url: str | None, recall: bool) -> etree._Element | None:
    """trafilatura's main text of the page (its own tree of p, head, list...), in precision or recall mode."""
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=not recall,
        favor_recall=recall,
        # trafilatura's own fallbacks (its copy of readability, justext) would only repeat other voters at twice
        # the cost; with them ours alone scores 0.003 higher, combined the same (bench/extraction.py).
        fast=True,
        include_comments=False,
        include_tables=True,
        include_links=False,  # trafilatura 2.3 loses text before a link in some layouts when True
        include_formatting=False,
        with_metadata=False,
    )
    return document.body if document is not None else None


def html_lines(tree_or_html: HTMLTree | str, *, main_content: bool) -> list[str]:
    """resiliparse's plain text, one line per block element: the whole page, or its main content."""
    text = extract_plain_text(
        tree_or_html,
        preserve_formatting=True,
        main_content=main_content,
        list_bullets=False,
        alt_texts=False,
    )
    return text.split("\n")


def readability_lines(tree: lxml.html.HtmlElement) -> list[str]:
    """readability-lxml's article (on a copy: it rewrites the tree it is given) as lines of text."""
    page = copy.deepcopy(tree)
    # readability's cleaner walks every link and style on the page to rewrite them; it drops scripts and styles
    # and never reads links for text, so removing both first saves a fifth of its time (same output on all
    # 91 benchmark pages).
    etree.strip_elements(page, "script", "style", with_tail=False)
    etree.strip_attributes(page, *LINK_ATTRIBUTES)
    try:
        summary = Document(page).summary(html_partial=True)
    except (Unparseable, etree.ParserError, ValueError):  # a page it cannot read: no vote
        return []
    return html_lines(summary, main_content=False) if summary else []
