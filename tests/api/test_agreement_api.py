"""GET /api/projects/<id>/agreement/: the figures of the articles every listed coder submitted, who may see them,
bad input, and the CSV per article and coder pair."""

import csv
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import Annotation, Label
from projects.models import Membership
from tests.annotations.test_agreement import LABELS, assert_close, check_every_figure, make_text, random_span
from tests.api.conftest import client_for
from tests.factories import ArticleFactory, MembershipFactory, UserFactory


@pytest.fixture
def coders(project, event_label):
    return [
        MembershipFactory(project=project, user=UserFactory(username=f"coder{i}"), role=Membership.Role.ANNOTATOR).user
        for i in range(3)
    ]


@pytest.fixture
def event_label(project):
    """A fourth label beside the core ones (the codebook is the project's own)."""
    return Label.objects.create(project=project, name="EVENT", kind=Label.Kind.CUSTOM, colour="#123456", order=9)


def code_articles(project, coders, *, articles=4, seed=1, submit=True):
    """Articles with generated codings by each coder (a shared base, kept, shifted, relabelled or dropped)."""
    rng = random.Random(seed)
    labels = {label.name: label for label in project.labels.all()}
    texts, codings = {}, {coder.pk: {} for coder in coders}
    for _ in range(articles):
        text = make_text(rng) or "x"
        article = ArticleFactory(text=text)
        project.articles.add(article)
        texts[article.pk] = text
        base = [random_span(rng, text) for _ in range(rng.randint(1, 8))]
        for coder in coders:
            spans = [s if rng.random() < 0.6 else (rng.choice(LABELS), s[1], s[2]) for s in base if rng.random() < 0.8]
            spans += [random_span(rng, text) for _ in range(rng.randint(0, 2))]
            spans = list(dict.fromkeys(spans))  # one coder marks the same offsets with one label once
            for name, start, end in spans:
                services.create_annotation(
                    project=project, article=article, label=labels[name], annotator=coder, start=start, end=end
                )
            if submit:
                services.submit_article(project=project, article=article, annotator=coder)
            codings[coder.pk][article.pk] = spans
    return texts, codings


def url(project, coders, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    ids = ",".join(str(c.pk) for c in coders)
    return f"/api/projects/{project.pk}/agreement/?annotators={ids}" + (f"&{query}" if query else "")


def test_agreement_of_three_coders_matches_the_references(project, coders, reviewer):
    texts, codings = code_articles(project, coders, articles=5, seed=3)
    response = client_for(reviewer).get(url(project, coders))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"annotators", "articles", "labels", "overall"}
    assert body["annotators"] == [c.pk for c in coders]
    assert body["articles"] == 5
    assert set(body["labels"]) == {"CLAIM", "ACTOR", "SOURCE", "EVENT"}
    assert all(set(f) == {"f1_exact", "f1_overlap", "kappa_tokens", "alpha_tokens"} for f in body["labels"].values())
    assert set(body["overall"]) == {"f1_exact", "f1_overlap", "alpha_tokens"}
    expected = check_every_figure(texts, codings, [c.pk for c in coders])  # the references, to 1e-9
    for label in LABELS:
        for key, value in expected["labels"][label].items():
            assert_close(body["labels"][label][key], value, f"{label} {key}")
    for key, value in expected["overall"].items():
        assert_close(body["overall"][key], value, f"overall {key}")


def test_a_pair_of_coders_and_one_article(project, coders, project_admin):
    texts, codings = code_articles(project, coders, articles=3, seed=5)
    article = sorted(texts)[1]
    pair = coders[:2]
    response = client_for(project_admin).get(url(project, pair, article=article))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["articles"] == 1
    one = {article: texts[article]}
    only = {c.pk: {article: codings[c.pk][article]} for c in pair}
    expected = check_every_figure(one, only, [c.pk for c in pair])
    assert body["labels"]["ACTOR"]["kappa_tokens"] == pytest.approx(expected["labels"]["ACTOR"]["kappa_tokens"])


def test_only_articles_every_coder_submitted_count(project, coders, reviewer):
    code_articles(project, coders, articles=2, seed=7)
    unsubmitted = ArticleFactory()
    project.articles.add(unsubmitted)
    actor = project.labels.get(kind=Label.Kind.ACTOR)
    for coder in coders:
        services.create_annotation(project=project, article=unsubmitted, label=actor, annotator=coder, start=0, end=7)
    services.submit_article(project=project, article=unsubmitted, annotator=coders[0])
    services.submit_article(project=project, article=unsubmitted, annotator=coders[1])  # the third is still working

    assert client_for(reviewer).get(url(project, coders)).json()["articles"] == 2
    assert client_for(reviewer).get(url(project, coders[:2])).json()["articles"] == 3


def test_no_common_submitted_article_gives_nulls(project, coders, reviewer):
    body = client_for(reviewer).get(url(project, coders)).json()
    assert body["articles"] == 0
    assert body["labels"]["ACTOR"] == {"f1_exact": None, "f1_overlap": None, "kappa_tokens": None, "alpha_tokens": None}
    assert body["overall"] == {"f1_exact": None, "f1_overlap": None, "alpha_tokens": None}


def test_agreement_costs_a_fixed_number_of_queries(project, coders, reviewer):
    code_articles(project, coders, articles=2, seed=9)
    client = client_for(reviewer)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(project, coders)).status_code == 200
    code_articles(project, coders, articles=6, seed=10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(project, coders)).json()["articles"] == 8
    assert len(few) == len(many) <= 8


def test_who_may_see_agreement(project, coders, annotator, reviewer, project_admin, outsider, staff):
    code_articles(project, coders, articles=1)
    target = url(project, coders)
    assert client_for(None).get(target).status_code == 401
    assert client_for(outsider).get(target).status_code == 404
    response = client_for(annotator).get(target)
    assert response.status_code == 403
    assert response.json()["detail"] == "Only reviewers and project admins see the agreement between coders."
    response = client_for(coders[0]).get(target)  # a coder does not see the others' codings through it either
    assert response.status_code == 403
    for user in (reviewer, project_admin, staff):
        assert client_for(user).get(target).status_code == 200
    assert client_for(reviewer).get(f"/api/projects/{project.pk + 999}/agreement/?annotators=1,2").status_code == 404


@pytest.mark.parametrize(
    "query, message",
    [
        ("", "List two or more user ids, comma-separated: ?annotators=3,5"),
        ("?annotators=", "List two or more user ids, comma-separated: ?annotators=3,5"),
        ("?annotators=abc,1", "'abc' is not a user id (a whole number)."),
        ("?annotators=1,,2", "'' is not a user id (a whole number)."),
        ("?annotators=-1,2", "'-1' is not a user id (a whole number)."),
        ("?annotators=99999999999999999999999,1", "'99999999999999999999999' is not a user id (a whole number)."),
        ("?annotators={a}", "Agreement needs at least two annotators."),
        ("?annotators={a},{a}", "Each annotator may be listed once."),
        ("?annotators={a},{o}", "Not members of this project: {o}."),
    ],
)
def test_bad_annotators_are_refused_with_a_message(project, coders, reviewer, outsider, query, message):
    a, o = coders[0].pk, outsider.pk
    response = client_for(reviewer).get(f"/api/projects/{project.pk}/agreement/" + query.format(a=a, o=o))
    assert response.status_code == 400
    assert response.json() == {"annotators": [message.format(a=a, o=o)]}


def test_bad_article_is_refused_with_a_message(project, coders, reviewer):
    elsewhere = ArticleFactory()
    client = client_for(reviewer)
    response = client.get(url(project, coders, article="x1"))
    assert response.status_code == 400
    assert response.json() == {"article": ["An article id is a whole number."]}
    response = client.get(url(project, coders, article=elsewhere.pk))
    assert response.status_code == 400
    assert response.json() == {"article": [f"Article {elsewhere.pk} is not in this project."]}


def test_agreement_csv_per_article_and_pair(project, coders, reviewer):
    texts, _ = code_articles(project, coders, articles=2, seed=11)
    client = client_for(reviewer)
    body = client.get(url(project, coders)).json()
    response = client.get(url(project, coders, format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == ["article", "annotators", "label", "f1_exact", "f1_overlap", "kappa_tokens", "alpha_tokens"]
    everyone = " ".join(str(c.pk) for c in coders)
    pairs = [f"{a.pk} {b.pk}" for a, b in [(coders[0], coders[1]), (coders[0], coders[2]), (coders[1], coders[2])]]
    labels = ["CLAIM", "ACTOR", "SOURCE", "EVENT", "(overall)"]
    scopes = ["all", *(str(a) for a in sorted(texts))]
    assert {(r["article"], r["annotators"], r["label"]) for r in rows} == {
        (s, w, lab) for s in scopes for w in [everyone, *pairs] for lab in labels
    }
    summary = {r["label"]: r for r in rows if r["article"] == "all" and r["annotators"] == everyone}
    for label in LABELS:
        for key in ("f1_exact", "f1_overlap", "kappa_tokens", "alpha_tokens"):
            value = body["labels"][label][key]
            assert summary[label][key] == ("" if value is None else repr(value))
    assert summary["(overall)"]["kappa_tokens"] == ""


def test_csv_errors_are_json(project, coders, reviewer):
    response = client_for(reviewer).get(f"/api/projects/{project.pk}/agreement/?format=csv&annotators=1")
    assert response.status_code == 400
    assert b"annotators" in response.content
    assert Annotation.objects.count() == 0
