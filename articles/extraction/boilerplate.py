"""Page furniture at paragraph level: navigation words, teasers, promotion, legal and article-info lines."""

from __future__ import annotations

import re

from articles.extraction.common import ENDS_SENTENCE, WORD


def any_of(*patterns: str) -> str:
    """A regex alternation of the patterns as one non-capturing group."""
    return "(?:" + "|".join(patterns) + ")"


# Whole lines that are page furniture, never article text (checked on plain text and extracted HTML).
BOILERPLATE_LINE = re.compile(
    "^"
    + any_of(
        r"skip to (?:main )?(?:content|navigation)|jump to navigation|main menu|menu|search|home|back to top|top",
        r"advertisement|advertising|sponsored(?: content)?|ad|story continues below(?: advertisement)?",
        r"continue reading(?: below)?|read more|more|see more|show more|load more|view comments",
        r"share|share this(?: article| story| page)?|share on \w+|tweet|email|print|comments?|\d+ comments?",
        r"leave a (?:comment|reply)|tell us what you think.*|don'?t miss|you may also like|recommended(?: for you)?",
        r"related(?: articles| stories| content| news| posts)?|trending(?: now)?|most (?:read|popular|viewed).{0,30}",
        r"(?:[\w' ]{0,30} )?newsletters?|something to consider|sign up|subscribe(?: now)?|log ?in|sign in|register",
        r"\[\w+\]|image|photo|video|watch|listen|close|cookies?|accept(?: all)?(?: cookies)?",
    )
    + r"[\s.:!>|\u00bb\u203a]*$",
    re.IGNORECASE,
)

# Lines that introduce a link to another story ("Related: ...", "READ MORE: ...").
TEASER_PREFIX = re.compile(
    "^"
    + any_of(
        r"related(?: articles?| stories| coverage| content)?|see (?:more|also)|read (?:more|also|next)|also(?: read)?",
        r"more(?: on this| from \w+)?|recommended|watch|listen|don'?t miss|further reading|suggested|trending",
        r"previously|in other news|click here",
    )
    + r"\s*[:|\u00bb]",
    re.IGNORECASE,
)

# Promotion, subscription, sharing and legal phrases; only looked for in short paragraphs.
PROMO_PHRASE = re.compile(
    any_of(
        r"\u00a9|\(c\) \d{4}|^copyright\b|\bcopyright \d{4}|\ball rights reserved",
        r"\[/\w+\]",  # a WordPress shortcode left in the text
        r"\bsubscribe (?:to|now|today|for)|\b(?:our|daily|weekly|free) newsletters?|\bnewsletter sign",
        r"\bsign up (?:for|to|now)|\bsubscribers? only|\blog in to",
        r"\bfollow (?:us|me|him|her|them) (?:on|at|@)|\bfollow \S+ (?:on|at) (?:twitter|facebook|instagram|youtube)",
        r"\bfollow \S+ full coverage|\bget (?:unlimited )?access to|\bget the latest (?:news|updates|headlines)",
        r"\bjoin \w+ ?plus\b|\bjoin (?:now|today)|\bif you (?:enjoyed|liked|value) (?:this|our|reading)",
        r"\bclick here|\btap here|\bdownload (?:our|the) app|\bfiled under|\btagged with",
        r"\b(?:use|uses|accept|about) cookies|\bprivacy policy|\bterms of (?:use|service)|\bhave a (?:news )?tip\b",
        r"\bsend us (?:a|your) (?:tip|story)|\bshare this (?:article|story|post|page)|\bshare on (?:facebook|twitter)",
        r"\brepublish|\bfill out this form|\bsupport (?:our|independent) journalism",
        r"\blisten (?:live|now|to (?:the|our) (?:podcast|show|episode)|to \S+ live)|\bwatch (?:the )?video\b",
        r"\bwatch now|\bthis article (?:was|is) (?:updated|originally)",
    ),
    re.IGNORECASE,
)

# Short lines about the article rather than of it: update notes, reading time, credits, sources.
ARTICLE_INFO_LINE = re.compile(
    any_of(
        r"^(?:(?:last )?updated|published|posted)\b:?\s*(?:at|on|\d)",
        r"^(?:sources?|photos?|images?|credits?|picture)\s*:|^\w+\s?:$",
        r"^(?:(?:additional )?reporting|editing|writing|compiled|produced) by\b",
        r"\b(?:min(?:ute)?s? read|reading time|read time|tempo de leitura|lesezeit|temps de lecture)\b",
    ),
    re.IGNORECASE,
)

# A time or a numeric date in a short line without a sentence ending: a dateline, not a sentence.
DATE_OR_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b")


def is_boilerplate(paragraph: str) -> bool:
    """Page furniture: navigation words, teasers, promotion and legal lines (short ones only)."""
    if BOILERPLATE_LINE.match(paragraph):
        return True
    words = len(WORD.findall(paragraph))
    if words == 0:
        return True
    if words <= 25 and TEASER_PREFIX.match(paragraph):
        return True
    if words <= 12 and ARTICLE_INFO_LINE.search(paragraph):
        return True
    if words <= 12 and DATE_OR_TIME.search(paragraph) and not ENDS_SENTENCE.search(paragraph):
        return True
    return words <= 40 and bool(PROMO_PHRASE.search(paragraph))


def is_publisher_note(paragraph: str) -> bool:
    """A paragraph of at most 50 words with a promotion, rights or republishing phrase."""
    return len(WORD.findall(paragraph)) <= 50 and bool(PROMO_PHRASE.search(paragraph))
