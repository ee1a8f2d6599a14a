"""The Import page of a background import: it shows the queued import, follows it live while a job worker (a real
procrastinate process) fetches the pages, and lists every result with links to the articles when it is done."""

import re

from playwright.sync_api import expect

from articles.models import Article
from tests.articles.test_background_imports import Pages, job_worker
from tests.localhttp import serving


def test_the_import_page_follows_a_background_import_to_its_results(live_server, page, login, project, project_admin):
    with serving(Pages) as base:
        Pages.release.set()  # no page of this test stalls
        urls = [f"{base}/fast/{n}" for n in range(3)] + [f"{base}/missing"]
        login(project_admin)
        page.goto(f"{live_server.url}/import/")
        page.get_by_label("Project").select_option(str(project.pk))
        page.locator("textarea[name=urls]").fill("\n".join(urls))
        page.get_by_label("Run in the background").check()
        page.get_by_role("button", name="Import").click()

        progress = page.locator("#import-progress")
        expect(progress).to_be_visible()
        expect(progress.locator("[data-field=status]")).to_have_text("Queued")
        assert not Article.objects.exists()  # nothing runs before a worker takes the job

        with job_worker():
            # The page follows the import without a reload, then shows its results.
            expect(page.get_by_role("heading", name=re.compile(r"^Results of import \d+$"))).to_be_visible(
                timeout=90_000
            )

    status = page.get_by_role("status")
    expect(status).to_contain_text("3 imported")
    expect(status).to_contain_text("1 failed")
    rows = page.locator("table.import-results tbody tr")
    expect(rows).to_have_count(4)
    failed = rows.filter(has_text="/missing")
    expect(failed.locator("td").nth(1)).to_have_text(re.compile("Failed", re.IGNORECASE))
    links = page.get_by_role("link", name=re.compile(r"^Open article \d+$"))
    expect(links).to_have_count(3)
    assert set(project.articles.values_list("title", flat=True)) == {f"Background page {n}" for n in range(3)}
    links.first.click()
    expect(page).to_have_url(re.compile(r"/projects/\d+/articles/\d+/|/articles/\d+"))
