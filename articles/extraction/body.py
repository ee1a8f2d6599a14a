"""The body of an HTML page: several extractors vote on the page's blocks; our paragraph filters are one voter."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from resiliparse.parse.html import HTMLTree

from articles.extraction.boilerplate import is_boilerplate
from articles.extraction.combine import PageBlocks, Weights
from articles.extraction.common import ENDS_SENTENCE, WORD, normalize_text, same_words
from articles.extraction.voters import VOTERS, html_lines, readability_lines, trafilatura_body

HIDDEN_XPATH = (
    '//*[@hidden or @aria-hidden="true" or contains(translate(@style, " ", ""), "display:none")'
    ' or contains(translate(@style, " ", ""), "visibility:hidden")]'
)
BREAKING_TAGS = {"p", "head", "item", "list", "quote", "code", "row", "table", "lb", "div", "body"}

# Each voter's weight is the log-odds of its F1 and the threshold the best one, both fitted by
# `python bench/extraction.py --fit` on all 91 benchmark pages; the figure to quote is its cross-validated
# one (weights and threshold chosen on other sites than those scored), see the README.
WEIGHTS = Weights(
    voters={
        "ours": 4.14,
        "trafilatura_precision": 3.72,
        "resiliparse": 2.61,
        "trafilatura_recall": 3.55,
        "readability": 3.5,
    },
    threshold=0.375,
)


@dataclass
class BodyVotes:
    """What every voter said about one page: the page's blocks, each voter's share of each block, our paragraphs."""

    page: PageBlocks
    context: PageContext
    ours: list[str]
    shares: dict[str, list[float]] = field(default_factory=dict)
    outputs: dict[str, list[str]] = field(default_factory=dict)  # each voter's own blocks, to score it alone


def body_paragraphs(
    tree: lxml.html.HtmlElement, *, url: str | None, headings: list[str], summaries: list[str], article_ld: dict
) -> list[str]:
    """The article's paragraphs: the page blocks that the extractors, weighted by reliability, agree on."""
    votes = collect_votes(tree, url=url, headings=headings, summaries=summaries, article_ld=article_ld, weights=WEIGHTS)
    return decide(votes, WEIGHTS)


def collect_votes(
    tree: lxml.html.HtmlElement,
    *,
    url: str | None,
    headings: list[str],
    summaries: list[str],
    article_ld: dict,
    weights: Weights | None,
) -> BodyVotes:
    """Run the voters cheapest first; with weights, stop as soon as the rest could not change any block."""
    cleaned = prepare_tree(tree)
    html_tree = HTMLTree.parse(lxml.html.tostring(cleaned, encoding="unicode"))
    page = PageBlocks.from_lines(html_lines(html_tree, main_content=False))
    context = PageContext(headings=headings, summaries=summaries, links=anchor_texts(cleaned))
    precision = body_blocks(trafilatura_body(cleaned, url=url, recall=False))
    ours = filter_paragraphs(precision, context)
    if not ours:
        ours = json_ld_body(article_ld, context) or fallback_paragraphs(cleaned, context)
    votes = BodyVotes(page=page, context=context, ours=ours)
    for name in VOTERS:
        if weights is not None and weights.decided(votes.shares, len(page.texts)):
            break
        if weights is not None and not weights.voters.get(name):
            continue
        if name == "ours":
            blocks = ours
        elif name == "trafilatura_precision":
            blocks = [block.text for block in precision]
        elif name == "resiliparse":
            blocks = html_lines(html_tree, main_content=True)
        elif name == "trafilatura_recall":
            blocks = [block.text for block in body_blocks(trafilatura_body(cleaned, url=url, recall=True))]
        else:
            blocks = readability_lines(cleaned)
        votes.outputs[name] = blocks
        votes.shares[name] = page.coverage(blocks)
    return votes


def decide(votes: BodyVotes, weights: Weights) -> list[str]:
    """The kept page blocks in page order, without furniture; our own paragraphs when the vote keeps nothing."""
    keep = weights.keep(votes.shares, len(votes.page.texts))
    kept = [Block(text, "p") for text, wanted in zip(votes.page.texts, keep, strict=True) if wanted]
    return filter_paragraphs(kept, votes.context) or votes.ours


def prepare_tree(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """A copy of the page without hidden elements and hover cards, with embedded posts kept visible."""
    cleaned = copy.deepcopy(tree)
    # Every voter drops scripts and styles itself, after copying the tree; dropped once here, each copy is smaller.
    etree.strip_elements(cleaned, "script", "style", "svg", with_tail=False)
    for element in cleaned.xpath(HIDDEN_XPATH):
        if element.tag not in {"html", "body"} and element.getparent() is not None:
            element.drop_tree()
    # Innermost first, so that only the card goes and not the paragraph's own link around it.
    for container in reversed(cleaned.xpath("//p//span[.//a] | //p//div[.//a]")):
        links = container.xpath(".//a")
        link_text = sum(len(normalize_text(link.text_content())) for link in links)
        text = len(normalize_text(container.text_content()))
        # A hover card: several links (often with an image) tucked inside running text.
        is_card = len(links) >= 2 and text > 0 and link_text / text > 0.8
        if is_card and (container.xpath(".//img") or len(links) >= 3) and container.getparent() is not None:
            container.drop_tree()
    # A span that only wraps a link adds no text, but its class name ("link") can make extractors drop the link.
    for span in cleaned.xpath("//p//span[count(*) = 1 and a]"):
        if normalize_text(span.text_content()) == normalize_text(span[0].text_content()):
            span.drop_tag()
    # Embedded posts quoted by the article are article text; their widget classes make extractors drop them.
    for quote in cleaned.xpath('//blockquote[contains(@class, "twitter-tweet") or contains(@class, "-embed")]'):
        quote.attrib.pop("class", None)
        for ancestor in quote.iterancestors():
            if ancestor.tag in {"article", "main", "body"}:
                break
            if re.search(r"embed|social|twitter", ancestor.get("class") or ""):
                ancestor.attrib.pop("class", None)
    return cleaned


def anchor_texts(tree: lxml.html.HtmlElement) -> set[str]:
    """Texts of the page's links, to recognise paragraphs that are nothing but a link."""
    return {text for text in (normalize_text(a.text_content()) for a in tree.iter("a")) if text}


@dataclass(frozen=True)
class Block:
    text: str
    kind: str  # trafilatura's element name: p, head, item, quote, cell...


def body_blocks(body: etree._Element | None) -> list[Block]:
    """trafilatura's body (p, head, list/item, quote, table/row/cell, lb) as normalised text blocks."""
    if body is None:
        return []
    blocks: list[tuple[str, list[str]]] = []

    def walk(element: etree._Element, parent_kind: str) -> None:
        breaking = element.tag in BREAKING_TAGS
        if breaking:
            blocks.append((element.tag, []))
        elif element.tag == "cell":
            blocks[-1][1].append(" | ")
        blocks[-1][1].append(element.text or "")
        for child in element:
            walk(child, element.tag if breaking and element.tag != "lb" else parent_kind)
        if breaking:
            blocks.append((parent_kind, []))
        blocks[-1][1].append(element.tail or "")

    blocks.append(("body", []))
    walk(body, "body")
    return [Block(text, kind) for kind, pieces in blocks if (text := normalize_text("".join(pieces)))]


@dataclass(frozen=True)
class PageContext:
    """What the page says elsewhere, to recognise furniture repeated inside the extracted body."""

    headings: list[str]
    summaries: list[str]
    links: set[str]


def filter_paragraphs(blocks: list[Block], page: PageContext) -> list[str]:
    """Drop furniture paragraphs: the repeated title or standfirst, link lists, teasers, promotion, legal lines."""
    kept: list[str] = []
    for index, block in enumerate(blocks):
        if index < 2 and not kept and is_page_heading(block, page):
            continue
        if is_link_only(block.text, page.links) or is_boilerplate(block.text):
            continue
        kept.append(block.text)
    return kept


def is_page_heading(block: Block, page: PageContext) -> bool:
    """The headline, or the standfirst set as a heading or without final punctuation, atop the body."""
    if any(same_words(block.text, heading) for heading in page.headings):
        return True
    is_standfirst = any(same_words(block.text, summary) for summary in page.summaries)
    return is_standfirst and (block.kind == "head" or not ENDS_SENTENCE.search(block.text))


def is_link_only(text: str, links: set[str]) -> bool:
    """A short paragraph that is exactly a link's text (a teaser), tags like "[VIDEO]" aside."""
    text = re.sub(r"\s*\[[A-Z ]+\]\W*$", "", text).strip(" |-\u2013\u2014\u00bb")
    return text in links and len(WORD.findall(text)) <= 25


def json_ld_body(article_ld: dict, page: PageContext) -> list[str]:
    """JSON-LD articleBody (plain text or HTML) as paragraphs, for pages whose markup yields nothing."""
    body = article_ld.get("articleBody")
    if not isinstance(body, str) or len(body) < 200:
        return []
    if re.search(r"<(?:p|br|div)\b", body):
        fragment = lxml.html.fragment_fromstring(body, create_parent="div")
        for line_break in fragment.iter("br"):
            line_break.tail = "\n" + (line_break.tail or "")
        lines = [element.text_content() for element in fragment.iter("p", "li", "h2", "h3")] or [
            fragment.text_content()
        ]
        body = "\n".join(lines)
    blocks = [Block(text, "p") for text in map(normalize_text, body.split("\n")) if text]
    return filter_paragraphs(blocks, page)


def fallback_paragraphs(tree: lxml.html.HtmlElement, page: PageContext) -> list[str]:
    """For pages too small for trafilatura: <p> text outside navigation, minus link-only paragraphs."""
    scope = (tree.xpath("//article") or tree.xpath("//main") or tree.xpath("//body") or [tree])[0]
    blocks = []
    for element in scope.xpath(".//p | .//h2 | .//h3 | .//blockquote[not(.//p)] | .//li[not(.//p)]"):
        if element.xpath("ancestor::nav | ancestor::header | ancestor::footer | ancestor::aside | ancestor::form"):
            continue
        if text := normalize_text(element.text_content()):
            blocks.append(Block(text, "head" if element.tag in {"h2", "h3"} else element.tag))
    paragraphs = filter_paragraphs(blocks, PageContext(page.headings, page.summaries, anchor_texts(scope)))
    if sum(len(WORD.findall(paragraph)) for paragraph in paragraphs) < 12:
        return []
    return paragraphs
