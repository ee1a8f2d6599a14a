"""articles.extraction against sample files in tests/fixtures (no database, no network)."""

# Cyrillic sample text is the point of several tests, not a look-alike typo.
# ruff: noqa: RUF001

import datetime as dt
import gzip
import json
import unicodedata
from pathlib import Path

import pytest

from articles.extraction import (
    ExtractionError,
    decode_bytes,
    extract,
    extract_text_file,
    is_html,
    strip_site_name,
)
from articles.extraction.combine import PageBlocks, Weights

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SAMPLES = FIXTURES / "extraction"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


# --- bad input ---------------------------------------------------------------------------------------


def test_empty_file_is_rejected():
    with pytest.raises(ExtractionError, match=r"^empty file$"):
        extract(sample("empty.html"))


def test_whitespace_only_file_is_rejected_as_empty():
    with pytest.raises(ExtractionError, match=r"^empty file$"):
        extract(b" \r\n\t\n")


def test_pdf_is_rejected_as_binary():
    with pytest.raises(ExtractionError, match=r"looks like a binary file \(PDF\)"):
        extract(sample("report.pdf"), filename="report.pdf")


def test_png_is_rejected_as_binary():
    with pytest.raises(ExtractionError, match=r"looks like a binary file \(PNG image\)"):
        extract(sample("photo.png"))


def test_bytes_with_nul_are_rejected_as_binary():
    with pytest.raises(ExtractionError, match=r"looks like a binary file \(it contains NUL bytes\)"):
        extract(sample("nul-bytes.bin"))


def test_gzipped_pdf_is_rejected_as_binary():
    with pytest.raises(ExtractionError, match=r"looks like a binary file \(PDF\)"):
        extract(gzip.compress(sample("report.pdf")))


def test_truncated_gzip_is_rejected():
    with pytest.raises(ExtractionError, match=r"^truncated or corrupt gzip data"):
        extract(sample("truncated.html.gz"))


def test_corrupt_gzip_is_rejected():
    with pytest.raises(ExtractionError, match=r"^truncated or corrupt gzip data"):
        extract(b"\x1f\x8b\x08\x00" + b"this is not deflate data" * 3)


def test_page_with_only_navigation_has_no_article_text():
    with pytest.raises(ExtractionError, match="no article text found"):
        extract(sample("navigation-only.html"))


def test_text_file_with_only_furniture_has_no_article_text():
    with pytest.raises(ExtractionError, match="no article text found"):
        extract(b"Skip to main content\n\nShare\n\nAll rights reserved.\n", filename="empty.txt")


# --- decoding ----------------------------------------------------------------------------------------


def test_arabic_page_is_decoded_by_its_meta_charset():
    article = extract(sample("arabic-windows-1256.html"))
    assert article.encoding == "windows-1256"
    assert article.title == "الأمم المتحدة تدعو إلى وقف دائم لإطلاق النار في ليبيا"
    assert article.text.startswith("دعت الأمم المتحدة يوم الأحد")
    assert article.language == "ar"


def test_cyrillic_page_is_decoded_by_its_http_equiv_content_type():
    article = extract(sample("cyrillic-windows-1251.html"))
    assert article.encoding == "windows-1251"
    assert article.title == "Переговоры о перемирии в Ливии продолжатся в Берлине"
    assert "оружейного эмбарго" in article.text


def test_undeclared_cyrillic_text_is_detected():
    article = extract(sample("cyrillic-undeclared.txt"), filename="note.txt")
    assert article.encoding == "windows-1251"
    assert article.title == "Переговоры о перемирии в Ливии продолжатся в Берлине"
    assert article.language == "ru"


def test_undeclared_latin1_text_is_detected():
    article = extract(sample("french-latin1-undeclared.txt"))
    assert article.encoding in {"iso-8859-1", "windows-1252", "iso-8859-15"}
    assert article.title == "Sécurité alimentaire : la situation se dégrade au Sahel"
    assert "« Nous assistons à une détérioration très rapide »" in article.text
    assert article.content_type == "text/plain"


def test_utf16_page_with_bom_is_decoded():
    article = extract(sample("utf16-bom.html"))
    assert article.encoding == "utf-16"
    assert article.title == "Ceasefire holds in Idlib for a second day"
    assert article.text.startswith("A fragile ceasefire in north-western Syria")


def test_utf16_text_without_bom_is_decoded_not_rejected_as_binary():
    text = "وقف إطلاق النار صامد في المدينة لليوم الثاني\n\nقال سكان إن الهدوء ساد الأحياء الجنوبية صباح الاثنين."
    article = extract(text.encode("utf-16-le"), filename="note.txt")
    assert article.encoding == "utf-16-le"
    assert article.title == "وقف إطلاق النار صامد في المدينة لليوم الثاني"


def test_http_charset_wins_over_meta_charset():
    raw = '<meta charset="utf-8"><p>Привет</p>'.encode("cp1251")
    assert decode_bytes(raw, {"Content-Type": "text/html; charset=windows-1251"}) == (
        '<meta charset="utf-8"><p>Привет</p>',
        "windows-1251",
    )


def test_declared_charset_that_does_not_fit_falls_back_to_detection():
    raw = "Кириллический текст без объявления кодировки, но с meta utf-8.".encode("cp1251")
    text, encoding = decode_bytes(b'<meta charset="utf-8">' + raw)
    assert encoding == "windows-1251"
    assert text.endswith("Кириллический текст без объявления кодировки, но с meta utf-8.")


def test_xml_declaration_encoding_is_honoured():
    raw = b'<?xml version="1.0" encoding="windows-1251"?><p>' + "Привет".encode("cp1251") + b"</p>"
    assert decode_bytes(raw)[1] == "windows-1251"


def test_declared_latin1_is_read_as_windows_1252():
    text, encoding = decode_bytes('<meta charset="iso-8859-1"><p>“quoted”</p>'.encode("cp1252"))
    assert (text, encoding) == ('<meta charset="iso-8859-1"><p>“quoted”</p>', "windows-1252")


# --- HTML --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def aid_convoy():
    return extract(sample("article.html.gz"), url="https://news.example.org/world/2020/01/17/aid-convoy?ref=home")


def test_gzipped_page_is_decompressed(aid_convoy):
    assert aid_convoy.content_type == "text/html"
    assert aid_convoy.encoding == "utf-8"


def test_html_title_has_no_site_name(aid_convoy):
    assert aid_convoy.title == "Aid convoy reaches besieged town after week-long wait"


def test_html_metadata_comes_from_json_ld_and_meta_tags(aid_convoy):
    assert aid_convoy.byline == "Jane Doe, Omar Haddad"
    assert aid_convoy.published_at == dt.datetime(2020, 1, 17, 13, 30, tzinfo=dt.UTC)
    assert aid_convoy.published_at.tzinfo is not None
    assert aid_convoy.outlet_name == "Example Times"
    assert aid_convoy.outlet_domain == "news.example.org"
    assert aid_convoy.language == "en-GB"
    assert (
        aid_convoy.lead
        == "Trucks carrying food and medicine entered the town on Thursday after a week of negotiations."
    )


def test_relative_canonical_url_is_made_absolute(aid_convoy):
    assert aid_convoy.canonical_url == "https://news.example.org/world/2020/01/17/aid-convoy-reaches-besieged-town"


def test_html_body_is_article_paragraphs_separated_by_blank_lines(aid_convoy):
    paragraphs = aid_convoy.text.split("\n\n")
    assert paragraphs[0].startswith("A convoy of 40 trucks carrying food")
    assert paragraphs[-1] == (
        "The town, home to about 60,000 people before the war, has been cut off from regular supplies since the summer."
    )
    assert len(paragraphs) == 5
    assert all(paragraph == paragraph.strip() and "\n" not in paragraph for paragraph in paragraphs)


@pytest.mark.parametrize(
    "furniture",
    [
        "Skip to main content",
        "Home",
        "Share on Facebook",
        "Advertisement",
        "Related:",
        "Talks on humanitarian corridor stall",
        "newsletter",
        "Most read",
        "Election results in full",
        "All rights reserved",
        "Aid convoy reaches besieged town",
    ],
)
def test_html_body_has_no_page_furniture(aid_convoy, furniture):
    assert furniture not in aid_convoy.text


def test_html_body_is_unicode_nfc(aid_convoy):
    assert "café-lined road" in aid_convoy.text
    assert unicodedata.is_normalized("NFC", aid_convoy.text)


@pytest.fixture(scope="module")
def drone_story():
    return extract(sample("embeds-and-furniture.html"))


def test_embedded_tweet_is_kept_as_article_text(drone_story):
    assert "Wreckage of the drone shown to reporters in Ain Zara this afternoon." in drone_story.text
    assert "— Local Reporter (@local_reporter) January 11, 2020" in drone_story.text


def test_hover_card_inside_a_paragraph_is_dropped_but_its_link_text_kept(drone_story):
    assert "A spokesman for the Libyan National Army declined to comment" in drone_story.text
    assert "LNA advances on airport" not in drone_story.text


@pytest.mark.parametrize(
    "furniture",
    [
        "Fighters posted photos of wreckage",  # the standfirst, kept as lead only
        "Updated at 1:23 p.m.",
        "Drone strike on military academy",  # "Also:" teaser
        "UN envoy warns of escalation",  # a paragraph that is only a link
        "Additional reporting by",
        "Follow us on Twitter",
        "Frontline Wire",
    ],
)
def test_inline_furniture_is_dropped_from_the_body(drone_story, furniture):
    assert furniture not in drone_story.text


def test_body_keeps_paragraphs_around_the_furniture(drone_story):
    paragraphs = drone_story.text.split("\n\n")
    assert paragraphs[0].startswith("A militia allied with the Tripoli government said on Saturday")
    assert paragraphs[-1].startswith("United Nations officials have repeatedly warned")
    assert drone_story.lead == "Fighters posted photos of wreckage they said came from a foreign-made drone"


def test_title_prefers_h1_when_it_agrees_with_og_title():
    page = (
        b"<html><head><title>Talks collapse | Wire</title>"
        b'<meta property="og:title" content="Talks collapse in Geneva"></head>'
        b"<body><h1>Talks collapse in Geneva</h1>"
        b"<p>Delegations left the Palais des Nations on Friday without agreeing on the next round of talks.</p>"
        b"<p>Mediators said they would continue to speak with both sides separately in the coming weeks.</p>"
        b"</body></html>"
    )
    assert extract(page).title == "Talks collapse in Geneva"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/story/0", "http://[::1]/story", "http://10.0.0.7/a"])
def test_an_ip_address_names_no_site(url):
    """A page fetched from an address, not a name: its numbers are no outlet ("0" of 127.0.0.1 once passed for the
    site name of "Patrol report 0", and the title fell back to the first paragraph)."""
    page = (
        b"<html><head><title>Patrol report 0</title></head><body><h1>Patrol report 0</h1>"
        b"<p>The patrol reported on Monday that the road to the port was open again after two days of fighting.</p>"
        b"<p>Observers said the crossing would stay under watch for the rest of the week.</p></body></html>"
    )
    assert extract(page, url=url).title == "Patrol report 0"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Shelling resumes near Donetsk | Frontline Wire", "Shelling resumes near Donetsk"),
        ("Shelling resumes near Donetsk - Frontline Wire", "Shelling resumes near Donetsk"),
        ("Shelling resumes near Donetsk — Frontline Wire", "Shelling resumes near Donetsk"),
        ("Frontline Wire | Shelling resumes near Donetsk", "Shelling resumes near Donetsk"),
        ("Shelling resumes near Donetsk", "Shelling resumes near Donetsk"),
        ("Ceasefire - what we know so far", "Ceasefire - what we know so far"),
    ],
)
def test_site_name_is_stripped_from_title(title, expected):
    assert strip_site_name(title, ["Frontline Wire"]) == expected


def test_script_rendered_page_falls_back_to_json_ld_article_body():
    body = (
        "<p>Government forces retook the village on Tuesday after weeks of fighting, a monitoring group said.</p>"
        "<p>The advance cuts a highway used by rebels to move supplies, and thousands of families have fled.</p>"
    )
    ld = json.dumps({"@type": "NewsArticle", "headline": "Forces retake village", "articleBody": body})
    page = (
        f'<html><head><script type="application/ld+json">{ld}</script></head><body><div id="app"></div></body></html>'
    )
    article = extract(page.encode())
    assert article.title == "Forces retake village"
    assert article.text == (
        "Government forces retook the village on Tuesday after weeks of fighting, a monitoring group said.\n\n"
        "The advance cuts a highway used by rebels to move supplies, and thousands of families have fled."
    )


def test_date_without_timezone_is_taken_as_utc():
    page = (
        b'<html><head><meta property="article:published_time" content="2019-11-18 08:00:00"></head>'
        b"<body><article><h1>Rockets hit base</h1>"
        b"<p>Several rockets struck a military base north of the capital early on Monday, officials said.</p>"
        b"<p>No group has claimed responsibility for the attack, the third this month.</p></article></body></html>"
    )
    assert extract(page).published_at == dt.datetime(2019, 11, 18, 8, 0, tzinfo=dt.UTC)


def test_html_is_recognised_by_content_type_filename_or_markup():
    assert is_html("plain words", content_type="text/html; charset=utf-8")
    assert is_html("plain words", filename="page.htm")
    assert is_html("<!DOCTYPE html><html><body>x</body></html>")
    assert not is_html("<p>a tag in a text file</p>", filename="notes.txt")
    assert not is_html("<html>", content_type="text/plain")
    assert not is_html("Just a headline\n\nAnd a paragraph.")


# --- plain text ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def haftar():
    return extract((FIXTURES / "libya-haftar-putin.txt").read_bytes(), filename="libya-haftar-putin.txt")


def test_plain_text_title_is_first_meaningful_line(haftar):
    assert haftar.title == "Haftar thanks 'dear friend' Putin ahead of Libya peace summit"
    assert haftar.content_type == "text/plain"


def test_plain_text_starts_at_the_headline(haftar):
    assert haftar.text.startswith("Haftar thanks 'dear friend' Putin ahead of Libya peace summit\n\nTalks in Berlin")
    assert "Skip to main content" not in haftar.text


def test_plain_text_drops_related_link_and_read_more(haftar):
    assert "Read More" not in haftar.text
    assert "Haftar walkout on Libya talks puts Russia" not in haftar.text
    assert "\n\nHaftar was in the Russian capital earlier this week" in haftar.text


def test_plain_text_ends_before_the_publisher_footer(haftar):
    assert "Middle East Eye delivers" not in haftar.text
    assert "republishing" not in haftar.text
    assert "as well the support of mercenaries from Sudan and Russia." in haftar.text


def test_plain_text_keeps_every_article_paragraph(haftar):
    assert "Haftar seeks to 'undermine' Berlin" in haftar.text
    assert '"[Haftar] has repeated his commitment to observe the existing ceasefire,"' in haftar.text


def test_plain_text_normalises_whitespace_inside_paragraphs(haftar):
    assert "\u00a0" not in haftar.text
    assert "Government of National Accord (GNA)" in haftar.text


def test_long_last_paragraph_mentioning_a_policy_is_kept():
    closing = (
        "The ministry said the new privacy policy for military records, which critics say hides casualty figures, "
        "would be reviewed by parliament next month after complaints from families of soldiers killed in the "
        "fighting around the port city, where shelling has continued almost daily since the summer offensive "
        "began and aid groups say thousands remain trapped without water or electricity."
    )
    article = extract_text_file(f"Families demand casualty records\n\n{closing}\n")
    assert article.text.endswith(closing)


def test_hard_wrapped_plain_text_lines_are_joined():
    article = extract_text_file(
        "Drone strike kills two\n\nA drone strike on a car near the border killed\ntwo people on Sunday, local"
        "\nofficials said.\n"
    )
    assert article.text == (
        "Drone strike kills two\n\nA drone strike on a car near the border killed two people on Sunday, local "
        "officials said."
    )


# --- combining extractors -----------------------------------------------------------------------------


STORY = [
    "Rebel fighters shelled the outskirts of the city overnight, residents said on Monday morning.",
    "The United Nations said aid convoys would wait until the fighting around the airport had stopped.",
]


def test_combiner_keeps_the_blocks_a_weighted_majority_keeps():
    page = PageBlocks.from_lines(["Home", "Sports", *STORY, "Most read: Ten things to do this weekend"])
    shares = {
        "first": page.coverage(STORY),
        "second": page.coverage(STORY[1:]),
        "third": page.coverage(["Most read: Ten things to do this weekend", *STORY]),
    }
    weights = Weights(voters={"first": 1.0, "second": 1.0, "third": 1.0}, threshold=0.5)
    kept = [text for text, wanted in zip(page.texts, weights.keep(shares, len(page.texts)), strict=True) if wanted]
    assert kept == STORY


def test_combiner_weighs_a_reliable_voter_more():
    page = PageBlocks.from_lines([*STORY, "Most read: Ten things to do this weekend"])
    shares = {"reliable": page.coverage(STORY), "noisy": page.coverage([*STORY, page.texts[-1]])}
    equal = Weights(voters={"reliable": 1.0, "noisy": 1.0}, threshold=0.5)
    weighted = Weights(voters={"reliable": 3.0, "noisy": 1.0}, threshold=0.5)
    assert equal.keep(shares, 3) == [True, True, True]
    assert weighted.keep(shares, 3) == [True, True, False]


def test_repeated_text_is_credited_where_the_extractor_found_it():
    headline = "Rebels shell the city outskirts overnight"
    page = PageBlocks.from_lines([headline, "Teaser list", "Another story", headline, *STORY])
    shares = page.coverage([headline, *STORY])
    assert shares == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


def test_voters_not_yet_run_are_skipped_only_when_they_cannot_change_a_block():
    page = PageBlocks.from_lines(["Home", *STORY])
    weights = Weights(voters={"a": 1.0, "b": 1.0, "c": 1.0}, threshold=0.5)
    agreed = {"a": page.coverage(STORY), "b": page.coverage(STORY)}
    split = {"a": page.coverage(STORY), "b": page.coverage(["Home"])}
    assert weights.decided(agreed, 3)
    assert not weights.decided(split, 3)


# --- headlines ---------------------------------------------------------------------------------------


def page_with(head: str, body: str = "") -> bytes:
    paragraphs = "".join(f"<p>{text}</p>" for text in STORY)
    return f"<html><head>{head}</head><body>{body}<article>{paragraphs}</article></body></html>".encode()


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        (
            "China deploys troops and warns surrender is only option | World | News | Express.co.uk",
            "China deploys troops and warns surrender is only option",
        ),
        (
            "Clinic reopens after two-year closure - Health News Story - Frontline Wire",
            "Clinic reopens after two-year closure",
        ),
        ("Clinic reopens after two-year closure :: Frontline Wire", "Clinic reopens after two-year closure"),
    ],
)
def test_site_and_section_names_are_stripped_from_the_title(title, expected):
    assert strip_site_name(title, ["Frontline Wire", "express"]) == expected


def test_headline_naming_the_outlet_is_not_taken_for_the_site_name():
    head = (
        '<meta property="og:site_name" content="the Guardian">'
        '<meta property="og:title" content="The Guardian view on the ceasefire: a fragile truce | Editorial">'
    )
    article = extract(page_with(head), url="https://www.theguardian.com/commentisfree/2020/jan/12/view")
    assert article.title == "The Guardian view on the ceasefire: a fragile truce"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        ('<meta property="og:site_name" content="SuperSoccer"><title>SuperSoccer</title>', "<h1>LANGUAGES</h1>"),
        ("<title>SuperSoccer</title>", "<h1>November 19, 2019</h1>"),
        ('<meta property="og:title" content="Tuesday 19.11.2019 10:32">', "<h1>MENU</h1>"),
    ],
)
def test_a_site_name_menu_word_or_date_is_never_the_title(head, body):
    article = extract(page_with(head, body), url="https://www.supersoccer.example/news/1234")
    assert article.title not in {"SuperSoccer", "LANGUAGES", "November 19, 2019", "Tuesday 19.11.2019 10:32", "MENU"}
    assert article.title == STORY[0]  # nothing else names the article: its first paragraph stands in


def test_json_ld_headline_is_preferred_and_its_entities_decoded():
    ld = json.dumps({"@type": "NewsArticle", "headline": "&#8216;We will not leave&#8217;, say residents"})
    head = f'<title>Home | Frontline Wire</title><script type="application/ld+json">{ld}</script>'
    assert extract(page_with(head)).title == "\u2018We will not leave\u2019, say residents"


def test_title_with_utf8_read_as_windows_1252_is_repaired():
    head = '<meta charset="utf-8"><meta property="og:title" content="CafÃ© owners protest new curfew in Kyiv">'
    assert extract(page_with(head)).title == "Café owners protest new curfew in Kyiv"
