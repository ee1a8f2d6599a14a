"""The annotation workspace in a real browser: creating, editing and linking spans, suggestions, offsets, safety."""

import hashlib

import pytest

from annotations import services
from annotations.models import Actor, ActorAlias, Annotation, Assignment, Label, Relation
from projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, ProjectFactory, UserFactory

TEXT = (
    "Libya's eastern commander Khalifa Haftar thanked Russian President Vladimir Putin, the Kremlin said.\n\n"
    "Haftar, who is reportedly backed by Russian mercenaries, said he was ready to visit Russia again."
)

# Letters and digits outside the Basic Multilingual Plane (two UTF-16 units each).
FRAKTUR = "\U0001d509\U0001d52f\U0001d51e\U0001d528\U0001d531\U0001d532\U0001d52f"
DOUBLE_STRUCK = "\U0001d7d9\U0001d7da\U0001d7db"


def make_article(project, text=TEXT, title="Haftar thanks Putin"):
    article = ArticleFactory(text=text, title=title, text_sha256=hashlib.sha256(text.encode()).hexdigest())
    project.articles.add(article)
    return article


@pytest.fixture
def setup(transactional_db):
    project = ProjectFactory(name="Libya")
    user = MembershipFactory(project=project, user=UserFactory(username="ann"), role=Membership.Role.ANNOTATOR).user
    return project, make_article(project), user


def wait_saved(page):
    page.wait_for_function(
        "() => document.getElementById('save-state').textContent === 'All changes saved'"
        " && !document.querySelector('#doc [data-ids*=tmp]')"
    )


def span_texts(page):
    return page.evaluate(
        """() => { const out = {}; for (const seg of document.querySelectorAll('#doc .ann')) {
             for (const id of seg.dataset.ids.split(' ')) out[id] = (out[id] || '') + seg.textContent; }
           return Object.values(out); }"""
    )


def test_select_label_reload_and_the_span_is_still_there(setup, open_workspace, drag_select):
    project, article, user = setup
    page = open_workspace(project, article, user)
    start = TEXT.index("Khalifa Haftar")
    # A sloppy mouse drag (leading space, half a word) snaps to whole words.
    drag_select(TEXT, start - 1, start + 11)
    page.keyboard.press("a")
    wait_saved(page)
    assert span_texts(page) == ["Khalifa Haftar"]

    page.reload()
    page.wait_for_selector("#doc[data-ready=true]")
    assert span_texts(page) == ["Khalifa Haftar"]
    annotation = Annotation.objects.get()
    assert (annotation.start, annotation.end, annotation.quote) == (start, start + 14, "Khalifa Haftar")
    assert annotation.label.kind == Label.Kind.ACTOR
    assert annotation.annotator == user


def test_shortcut_keys_relabel_delete_and_undo(setup, open_workspace, select_text):
    project, article, user = setup
    page = open_workspace(project, article, user)
    start = TEXT.index("he was ready")
    select_text(TEXT, start, start + len("he was ready to visit Russia again"))
    page.keyboard.press("c")
    wait_saved(page)
    assert Annotation.objects.get().label.kind == Label.Kind.CLAIM

    page.keyboard.press("s")  # the selected span takes the SOURCE label
    wait_saved(page)
    assert Annotation.objects.get().label.kind == Label.Kind.SOURCE

    page.keyboard.press("Shift+ArrowLeft")  # end moves back by a word
    wait_saved(page)
    assert Annotation.objects.get().quote == "he was ready to visit Russia"

    page.keyboard.press("Delete")
    page.wait_for_selector("#toast:not([hidden])")
    wait_saved(page)
    assert not Annotation.objects.exists()
    page.keyboard.press("u")
    page.wait_for_function("() => document.querySelectorAll('#doc .ann').length > 0")
    wait_saved(page)
    restored = Annotation.objects.get()
    assert (restored.quote, restored.label.kind) == ("he was ready to visit Russia", Label.Kind.SOURCE)


def test_keyboard_only_selection_by_words(setup, open_workspace):
    project, article, user = setup
    page = open_workspace(project, article, user)
    page.focus("#doc")
    page.keyboard.press("ArrowRight")  # the first word
    page.keyboard.press("ArrowRight")  # the next word
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("a")
    wait_saved(page)
    assert Annotation.objects.get().quote == "eastern commander"
    page.keyboard.press("Escape")
    page.keyboard.press("]")
    assert page.locator("#doc .ann.selected").count() >= 1


def test_overlapping_and_nested_spans_are_visibly_distinct(setup, open_workspace):
    project, article, user = setup
    actor_label = project.labels.get(kind=Label.Kind.ACTOR)
    claim_label = project.labels.get(kind=Label.Kind.CLAIM)
    source_label = project.labels.get(kind=Label.Kind.SOURCE)
    first = TEXT.index("Khalifa Haftar")
    services.create_annotation(
        project=project, article=article, label=claim_label, annotator=user, start=0, end=first + 14
    )
    services.create_annotation(
        project=project, article=article, label=actor_label, annotator=user, start=first, end=first + 14
    )
    services.create_annotation(
        project=project, article=article, label=source_label, annotator=user, start=first + 8, end=first + 40
    )
    page = open_workspace(project, article, user)
    depths = page.evaluate("() => [...document.querySelectorAll('#doc .ann')].map(s => Number(s.dataset.depth))")
    assert max(depths) == 3
    assert 1 in depths and 2 in depths
    page.hover("#doc .ann[data-depth='3']")
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    assert "CLAIM" in tooltip.inner_text() and "ACTOR" in tooltip.inner_text() and "SOURCE" in tooltip.inner_text()


def test_actor_autocomplete_inline_creation_and_alias(setup, open_workspace, select_text):
    project, article, user = setup
    haftar = Actor.objects.create(name="Khalifa Haftar", kind=Actor.Kind.PERSON, country="LBY")
    page = open_workspace(project, article, user)
    start = TEXT.index("Libya's eastern commander")
    select_text(TEXT, start, start + len("Libya's eastern commander"))
    page.keyboard.press("a")
    wait_saved(page)

    page.fill("#details input[aria-label='Registry actor']", "haft")  # part of a name is enough
    page.locator("#details .ac-list li", has_text="Khalifa Haftar").click()
    wait_saved(page)
    annotation = Annotation.objects.get()
    assert list(annotation.actors.all()) == [haftar]

    page.get_by_role("button", name="Add “Libya's eastern commander” as an alias of Khalifa Haftar").click()
    page.wait_for_function("() => !document.querySelector('#details button.btn.small[disabled]')")
    page.wait_for_selector("text=is now an alias")
    assert ActorAlias.objects.filter(actor=haftar, name="Libya's eastern commander").exists()

    # A second span gets a brand-new actor created inline.
    other = TEXT.index("Russian mercenaries")
    select_text(TEXT, other, other + len("Russian mercenaries"))
    page.keyboard.press("a")
    wait_saved(page)
    page.click("#details .picker button.link")  # + new actor (name prefilled from the span)
    form = page.locator("#details .create-actor form")
    form.locator("select").select_option("armed_group")
    form.locator("input[maxlength='3']").fill("rus")
    form.get_by_role("button", name="Create actor").click()
    page.wait_for_selector("#details .actor-chip")
    wait_saved(page)
    created = Actor.objects.get(name="Russian mercenaries")
    assert (created.kind, created.country) == ("armed_group", "RUS")
    assert list(Annotation.objects.get(quote="Russian mercenaries").actors.all()) == [created]


def test_claim_with_claimant_source_and_relation(setup, open_workspace, select_text):
    project, article, user = setup
    kremlin = Actor.objects.create(name="Kremlin", kind=Actor.Kind.ORGANIZATION, country="RUS")
    source_start = TEXT.index("the Kremlin said")
    source = services.create_annotation(
        project=project,
        article=article,
        label=project.labels.get(kind=Label.Kind.SOURCE),
        annotator=user,
        start=source_start,
        end=source_start + len("the Kremlin said"),
    )
    page = open_workspace(project, article, user)
    claim_end = TEXT.index(", the Kremlin")
    select_text(TEXT, TEXT.index("Khalifa"), claim_end)
    page.keyboard.press("c")
    wait_saved(page)

    page.fill("#details input[aria-label='Claimant']", "kreml")
    page.locator("#details .ac-list li", has_text="Kremlin").first.click()
    wait_saved(page)
    page.select_option("#details select[aria-label='Source span']", str(source.pk))
    wait_saved(page)
    page.locator("#details .field", has_text="Speech").locator("select").select_option("indirect")
    wait_saved(page)

    claim = Annotation.objects.get(label__kind=Label.Kind.CLAIM).claim
    assert claim.claimant == kremlin
    assert claim.source_annotation == source
    assert claim.speech == "indirect"

    # Link the claim to its source with a relation: press l, then click the target span.
    page.locator("#details #relation-kind").select_option("attributed_to")
    page.get_by_role("button", name="Link to… (l)").click()
    page.locator("#doc .ann", has_text="said").first.click()
    page.wait_for_selector("text=Relation saved.")
    relation = Relation.objects.get()
    assert (relation.source_id, relation.target_id, relation.kind) == (claim.pk, source.pk, "attributed_to")


def test_accepting_registry_suggestions(setup, open_workspace):
    project, article, user = setup
    haftar = Actor.objects.create(name="Khalifa Haftar", kind=Actor.Kind.PERSON)
    ActorAlias.objects.create(actor=haftar, name="Haftar")
    putin = Actor.objects.create(name="Vladimir Putin", kind=Actor.Kind.PERSON)
    Actor.objects.create(name="Russia", kind=Actor.Kind.STATE)
    page = open_workspace(project, article, user)
    assert page.locator("#doc .sugg").count() == 4  # Khalifa Haftar, Vladimir Putin, Haftar, Russia

    page.keyboard.press("g")
    page.keyboard.press("y")
    wait_saved(page)
    first = Annotation.objects.get()
    assert (first.quote, list(first.actors.all())) == ("Khalifa Haftar", [haftar])

    page.keyboard.press("x")  # reject the next one (Vladimir Putin)
    page.keyboard.press("Shift+A")  # accept the rest
    page.wait_for_selector("text=suggestions accepted")
    assert sorted(Annotation.objects.values_list("quote", flat=True)) == ["Haftar", "Khalifa Haftar", "Russia"]
    assert not Annotation.objects.filter(actors=putin).exists()
    assert page.locator("#doc .sugg").count() == 0


def test_offsets_stay_exact_with_emoji_astral_letters_combining_marks_and_arabic(
    transactional_db, open_workspace, select_text
):
    text = (
        f"🇱🇾 Flag first. The {FRAKTUR} word 😀😀 and café (e\u0301) matter.\n\n"
        "قال المشير خليفة حفتر 🎉 إن الهدنة صامدة.\n\n"
        f"Then {DOUBLE_STRUCK} digits and Z\u0351\u0334algo end."
    )
    project = ProjectFactory()
    user = MembershipFactory(project=project, user=UserFactory(username="ann")).user
    article = make_article(project, text)
    page = open_workspace(project, article, user)
    picks = [
        (FRAKTUR, "a"),
        ("café (e\u0301) matter", "c"),
        ("خليفة حفتر", "a"),
        (f"{DOUBLE_STRUCK} digits", "s"),
        ("Z\u0351\u0334algo", "a"),
    ]
    for quote, key in picks:
        start = text.index(quote)
        select_text(text, start, start + len(quote))
        page.keyboard.press(key)
        wait_saved(page)
        page.keyboard.press("Escape")
    stored = {a.quote: (a.start, a.end) for a in Annotation.objects.all()}
    for quote, _ in picks:
        assert quote in stored, stored
        start, end = stored[quote]
        assert text[start:end] == quote

    # Snapping off: a lone emoji can be labelled too.
    page.keyboard.press("w")
    start = text.index("🎉")
    select_text(text, start, start + 1)
    page.keyboard.press("s")
    wait_saved(page)
    assert Annotation.objects.filter(quote="🎉", start=start, end=start + 1).exists()
    page.reload()
    page.wait_for_selector("#doc[data-ready=true]")
    assert sorted(span_texts(page)) == sorted([q for q, _ in picks] + ["🎉"])


def test_a_second_annotator_does_not_see_the_first_ones_spans(setup, open_workspace, select_text):
    project, article, first = setup
    second = MembershipFactory(project=project, user=UserFactory(username="second")).user
    page = open_workspace(project, article, first)
    start = TEXT.index("Vladimir Putin")
    select_text(TEXT, start, start + 14)
    page.keyboard.press("a")
    wait_saved(page)

    page = open_workspace(project, article, second)
    assert page.locator("#doc .ann").count() == 0
    assert page.locator("#span-count").inner_text() == "0"


def test_submitting_an_article(setup, open_workspace, select_text):
    project, article, user = setup
    page = open_workspace(project, article, user)
    select_text(TEXT, 0, 5)
    page.keyboard.press("a")
    wait_saved(page)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit")
    page.wait_for_selector("#status-badge.status-submitted")
    assert Assignment.objects.get(annotator=user).status == Assignment.Status.SUBMITTED
    assert Annotation.objects.get().status == Annotation.Status.SUBMITTED


def test_a_refused_span_is_rolled_back_with_a_message(setup, open_workspace, select_text):
    project, article, user = setup
    page = open_workspace(project, article, user)
    page.route(
        "**/api/annotations/",
        lambda route: route.fulfill(
            status=400, content_type="application/json", body='{"end": ["end is beyond the article text."]}'
        ),
    )
    select_text(TEXT, 0, 5)
    page.keyboard.press("a")
    page.wait_for_selector("#toast.error:not([hidden])")
    assert "end is beyond the article text" in page.locator("#toast").inner_text()
    assert page.locator("#doc .ann").count() == 0


def test_script_from_an_imported_page_never_runs(transactional_db, open_workspace):
    hostile = (
        '<script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> '
        '<a href="javascript:window.__pwned=3">click</a> <svg onload="window.__pwned=4">'
    )
    project = ProjectFactory()
    user = MembershipFactory(project=project, user=UserFactory(username="ann")).user
    article = make_article(project, hostile + "\n\nHaftar spoke.", title='<img src=x onerror="window.__pwned=5">')
    article.url = "javascript:window.__pwned=7"
    article.save(update_fields=["url"])
    Actor.objects.create(name="<script>window.__pwned=6</script>", kind=Actor.Kind.PERSON)
    page = open_workspace(project, article, user)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.hover("#doc")
    page.locator("#doc").get_by_text("click").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.locator("#doc script, #doc img, #doc a, #doc svg, .ws-head img").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert "<script>window.__pwned = 1</script>" in page.locator("#doc").inner_text()


def test_article_list_search_keys_and_progress(setup, live_server, page, login):
    project, article, user = setup
    make_article(project, text="Talks in Berlin about a ceasefire.", title="Berlin talks")
    login(user)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert page.locator(".article-row").count() == 2
    page.keyboard.press("/")
    page.keyboard.type("mercenaries")
    page.keyboard.press("Enter")
    page.wait_for_selector(".snippet mark")
    assert page.locator(".article-row").count() == 1
    assert page.locator(".snippet mark").first.inner_text().lower().startswith("mercenar")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector("#doc[data-ready=true]")
    assert page.url.endswith(f"/projects/{project.pk}/articles/{article.pk}/")


def test_a_stale_edit_shows_the_other_change_and_can_be_applied_again(setup, open_workspace):
    project, article, user = setup
    reviewer = MembershipFactory(project=project, user=UserFactory(username="rev"), role=Membership.Role.REVIEWER).user
    span = services.create_annotation(
        project=project, article=article, label=project.labels.get(kind="actor"), annotator=user, start=26, end=40
    )
    page = open_workspace(project, article, user)
    page.click("#doc .ann")
    page.wait_for_selector("#details textarea")
    # Meanwhile a reviewer accepts the span: the workspace still holds the version before.
    services.update_annotation(Annotation.objects.get(pk=span.pk), status="accepted", by=reviewer)
    page.fill("#details textarea", "my note")
    page.locator("#details textarea").blur()
    page.wait_for_selector("#toast.error:not([hidden])")
    message = page.locator("#toast").inner_text()
    assert "A reviewer changed this span meanwhile (status: accepted)" in message
    assert "Your change (note) was not saved." in message
    assert Annotation.objects.get(pk=span.pk).note == ""
    page.click("#toast button")
    wait_saved(page)
    page.wait_for_function("() => document.querySelector('#details .panel-head').textContent.includes('accepted')")
    stored = Annotation.objects.get(pk=span.pk)
    assert stored.note == "my note" and stored.status == "accepted"  # both changes kept
    # The History tab lists who did what.
    page.click("#details .history summary")
    page.wait_for_selector("#details .history-list li .history-who")
    history = page.locator("#details .history-list").inner_text()
    assert "ann · api" in history and "note: — → my note" in history
    assert "status: draft → accepted" in history
