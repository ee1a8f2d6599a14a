"""Training: a new coder codes part of the demo article, submits, and at once sees their score against gold with
the differences marked in the text; before submitting, nothing of the reference is in the page."""

import json

from playwright.sync_api import expect

from annotations.demo import load_demo
from projects.models import Membership
from tests.factories import UserFactory


def test_a_new_coder_codes_the_demo_article_submits_and_sees_the_score(transactional_db, open_workspace, select_text):
    demo = load_demo()
    trainee = UserFactory(username="trainee")
    Membership.objects.create(project=demo.project, user=trainee, role=Membership.Role.ANNOTATOR)
    text = demo.article.text

    page = open_workspace(demo.project, demo.article, trainee)
    expect(page.locator("#score")).to_be_hidden()
    embedded = json.loads(page.locator("#workspace-data").text_content())
    assert embedded["annotations"] == [] and embedded["training"] is True  # no gold span is in the page
    select_text(text, 22, 28)  # "Haftar": exactly as gold
    page.keyboard.press("a")
    select_text(text, 50, 61)  # "Putin ahead": gold has "Putin" (a boundary difference)
    page.keyboard.press("a")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit")

    score = page.locator("#score[data-ready=true]")
    expect(score).to_be_visible()
    # ACTOR: 1 of 2 exact (precision 50%); gold has 58 actor mentions (recall 1/58 = 2%).
    actor = score.locator("tr[data-label=ACTOR]")
    expect(actor.locator("td").nth(0)).to_have_text("50%")
    expect(actor.locator("td").nth(1)).to_have_text("2%")
    expect(score.locator(".score-legend")).to_contain_text("boundary other boundaries: 2")
    # The differences are marked in the text: the missed gold spans, and both sides of the boundary difference.
    assert page.locator("#doc .diff-missed").count() > 10
    boundary = page.locator("#doc .diff-boundary").all_text_contents()
    assert "".join(boundary).startswith("Putin ahead")
