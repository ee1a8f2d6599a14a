"""A newcomer logged in as the demo's admin sees the demo coding: every coder's spans, read-only, in the browser."""

import pytest

from annotations.demo import load_demo
from annotations.gold import GOLD_USERNAME
from annotations.models import Annotation
from projects.models import Membership
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def demo_admin(transactional_db):
    demo = load_demo()
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    MembershipFactory(project=demo.project, user=admin, role=Membership.Role.ADMIN)  # as ensure_admin makes it
    return demo, admin


def test_the_demo_admin_sees_the_demo_coders_88_spans_read_only_and_can_switch_to_their_own(
    demo_admin, live_server, page, login
):
    demo, admin = demo_admin
    project, article = demo.project, demo.article
    login(admin)

    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert "88 spans (all coders)" in page.locator(".article-progress").first.inner_text()

    page.goto(f"{live_server.url}/projects/{project.pk}/articles/{article.pk}/")
    page.wait_for_selector("#doc[data-ready=true]")
    assert page.locator("summary", has_text="All coders' spans").inner_text().endswith("(88)")
    page.wait_for_function("() => document.getElementById('span-count').textContent === '88'")
    painted = page.evaluate(
        "() => new Set([...document.querySelectorAll('#doc .ann')].flatMap(s => s.dataset.ids.split(' '))).size"
    )
    assert painted == 88
    assert "Read-only" in page.locator("#readonly-note").inner_text()

    # Writing is refused here: a label key on a selection adds nothing.
    page.locator("#doc").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("a")
    page.wait_for_selector("#toast:not([hidden])")
    assert "Read-only" in page.locator("#toast").inner_text()
    coded = Annotation.objects.filter(article=article).exclude(
        annotator__username=GOLD_USERNAME
    )  # the demo's gold aside
    assert coded.count() == 88

    # The switcher: the demo coder alone, then the admin's own (empty, writable) coding.
    coder = coded.values_list("annotator__username", flat=True).first()
    page.select_option("#coder-select", label=f"{coder.capitalize()}'s spans (88)")
    page.wait_for_selector("#doc[data-ready=true]")
    assert page.locator("summary", has_text=f"{coder}'s spans").count() == 1
    page.select_option("#coder-select", value="mine")
    page.wait_for_selector("#doc[data-ready=true]")
    assert page.locator("summary", has_text="Your spans").inner_text().endswith("(0)")
    assert page.locator("#readonly-note").count() == 0
