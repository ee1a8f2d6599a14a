"""Hit counts: exact up to the limit, estimated beyond it ("about 40,000"), in the API and the browser list."""

import pytest
from django.db import connection

from articles import selectors
from tests.bulk import bulk_articles


@pytest.mark.django_db
def test_counts_are_exact_up_to_ten_thousand_and_estimated_beyond(client, as_reviewer, annotator, project):
    bulk_articles(project, 10_050)
    bulk_articles(project, 40, text="Weather report: sunny.", title="Weather")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    weather = as_reviewer.get("/api/articles/", {"search": "weather", "page_size": 5}).json()
    assert (weather["count"], weather["count_is_estimate"]) == (40, False)
    everything = as_reviewer.get("/api/articles/", {"page_size": 5}).json()
    assert everything["count_is_estimate"] is True
    # The planner's estimate of 10,090 to two figures, or "over 10,000" when it guesses lower.
    assert 10_000 <= everything["count"] < 100_000 and str(everything["count"]).endswith("000")
    searched = as_reviewer.get("/api/articles/", {"search": "ceasefire OR weather", "page_size": 5}).json()
    assert searched["count_is_estimate"] is True and searched["count"] >= 10_000

    client.force_login(annotator)
    page = client.get(f"/projects/{project.pk}/", {"q": "weather"}).content.decode()
    assert "40 articles match" in page
    page = client.get(f"/projects/{project.pk}/").content.decode()
    label = selectors.count_label(everything["count"], True)
    assert label.startswith(("about 1", "over 10,000")) and f"{label} articles" in page


@pytest.mark.django_db
def test_an_estimate_is_never_below_the_exact_limit(as_reviewer, project, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 100)
    bulk_articles(project, 130)
    data = as_reviewer.get("/api/articles/", {"search": "ceasefire -nothing", "page_size": 1}).json()
    assert data["count_is_estimate"] is True and data["count"] >= 100
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 1000)
    exact = as_reviewer.get("/api/articles/", {"search": "ceasefire", "page_size": 1}).json()
    assert (exact["count"], exact["count_is_estimate"]) == (130, False)
