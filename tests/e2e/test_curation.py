"""Curation in the browser: every coder's spans side by side, conflicts shown distinctly, a coder's version taken
into gold with one key and then adjusted with the workspace's keys, rejection, and the Agreement page's anchors."""

import pytest
from playwright.sync_api import expect

from annotations import services
from annotations.gold import GOLD_USERNAME
from annotations.models import Annotation, Label
from projects.models import Membership
from tests.factories import UserFactory, label

# "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."


@pytest.fixture
def coded(transactional_db, project, article, reviewer, haftar_actor):
    coders = [
        Membership.objects.create(project=project, user=UserFactory(username=name)).user for name in ("ann", "bo", "cy")
    ]
    actor, source, claim = (label(project, k) for k in (Label.Kind.ACTOR, Label.Kind.SOURCE, Label.Kind.CLAIM))
    plan = {
        "ann": [(actor, 0, 14), (actor, 23, 37), (source, 39, 50), (actor, 59, 65)],
        "bo": [(actor, 0, 14), (actor, 32, 37), (claim, 39, 50)],
        "cy": [(actor, 0, 14), (actor, 23, 37)],
    }
    for coder in coders:
        for lab, start, end in plan[coder.username]:
            extra = {"actors": [haftar_actor]} if lab == actor else {}
            if lab == source:
                extra = {"source": {"kind": "organization_statement", "cue": "said"}}
            services.create_annotation(
                project=project, article=article, label=lab, annotator=coder, start=start, end=end, **extra
            )
    return project, article, reviewer


@pytest.fixture
def haftar_actor(db):
    from tests.factories import ActorFactory

    return ActorFactory(name="Vladimir Putin")


def open_curation(live_server, page, login, project, article, user, anchor=""):
    login(user)
    page.goto(f"{live_server.url}/projects/{project.pk}/articles/{article.pk}/curate/{anchor}")
    page.wait_for_selector("#lanes[data-ready=true]")
    return page


def gold_spans():
    return sorted((a.label.name, a.start, a.end) for a in Annotation.objects.filter(annotator__username=GOLD_USERNAME))


def test_conflicts_are_shown_distinctly_and_a_coders_version_goes_into_gold_by_key(coded, live_server, page, login):
    project, article, reviewer = coded
    open_curation(live_server, page, login, project, article, reviewer)
    rows = page.locator("#lanes-table tbody tr.unit")
    expect(rows).to_have_count(4)
    kinds = [rows.nth(i).get_attribute("class").split()[1] for i in range(4)]
    assert kinds == ["agreed", "boundary", "label", "only"]
    expect(page.locator("#lanes-table thead")).to_contain_text("2 · bo")
    expect(page.locator("#doc .unit-boundary").first).to_be_visible()
    expect(page.locator("#doc .unit-label").first).to_be_visible()
    assert page.locator("#doc .unit-agreed").count() == 0

    page.keyboard.press("j")  # the first disagreement: the boundary conflict over "Vladimir Putin"
    expect(rows.nth(1)).to_have_class("unit boundary current")
    page.keyboard.press("2")  # bo's version: "Putin"
    expect(rows.nth(1).locator("td").last).to_contain_text("Putin")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    assert gold_spans() == [("ACTOR", 32, 37)]
    taken = Annotation.objects.get(annotator__username=GOLD_USERNAME)
    assert list(taken.actors.values_list("name", flat=True)) == ["Vladimir Putin"]
    # Then adjusted with the workspace's own key: Ctrl+Shift+← moves its start a word back.
    page.keyboard.press("Control+Shift+ArrowLeft")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    expect(rows.nth(1).locator("td").last).to_contain_text("Vladimir Putin")
    assert gold_spans() == [("ACTOR", 23, 37)]

    page.keyboard.press("j")  # the label conflict: SOURCE (ann) or CLAIM (bo)
    expect(rows.nth(2)).to_have_class("unit label current")
    page.keyboard.press("1")
    expect(rows.nth(2).locator("td").last).to_contain_text("SOURCE")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    gold_source = Annotation.objects.get(annotator__username=GOLD_USERNAME, start=39)
    assert gold_source.source.cue == "said"

    page.keyboard.press("j")  # only ann marked "Friday": reject it
    page.keyboard.press("x")
    expect(rows.nth(3).locator(".chip.rejected")).to_have_count(1)
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    assert Annotation.objects.get(annotator__username="ann", start=59).status == Annotation.Status.REJECTED
    assert gold_spans() == [("ACTOR", 23, 37), ("SOURCE", 39, 50)]


def test_the_agreement_pages_anchor_selects_that_place(coded, live_server, page, login):
    project, article, reviewer = coded
    open_curation(live_server, page, login, project, article, reviewer, anchor="#span-39-50")
    expect(page.locator("#lanes-table tbody tr.unit").nth(2)).to_have_class("unit label current")
    page.keyboard.press("2")  # bo's CLAIM
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    expect(page.locator("#lanes-table tbody tr.unit").nth(2).locator("td").last).to_contain_text("CLAIM")
    assert gold_spans() == [("CLAIM", 39, 50)]
