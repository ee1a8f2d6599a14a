"""The token bounds agreement counts with are kept in PostgreSQL: kept on submission, recomputed when the text is
not the one they came from, gone with their article, and the figures are those computed from the texts."""

import pytest
from django.db import connection

from annotations import services
from annotations.agreement import Agreement, token_bounds
from annotations.models import Label, TokenIndex
from annotations.selectors import agreement_study
from annotations.tokens import texts_and_tokens
from articles.models import Article
from projects.models import Membership
from tests.factories import ArticleFactory, MembershipFactory, UserFactory

TEXT = "Les forces de l'État ont tiré; 12 morts à Kharkiv — «selon l'ONU» (d'après_AFP)."


@pytest.fixture
def coders(project):
    return [
        MembershipFactory(project=project, user=UserFactory(username=f"coder{i}"), role=Membership.Role.ANNOTATOR).user
        for i in range(2)
    ]


def kept(article):
    row = TokenIndex.objects.get(article=article)
    return texts_and_tokens([article.pk])[1][article.pk], row.text_md5


def test_submitting_keeps_the_bounds_of_the_text(project, coders):
    article = ArticleFactory(text=TEXT)
    project.articles.add(article)
    assert not TokenIndex.objects.filter(article=article).exists()
    services.submit_article(project=project, article=article, annotator=coders[0])
    bounds, digest = kept(article)
    assert bounds == token_bounds(TEXT)
    assert [TEXT[s:e] for s, e in zip(*bounds, strict=True)][:4] == ["Les", "forces", "de", "l"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT md5(%s)", [TEXT])
        assert digest == cursor.fetchone()[0]


def test_bounds_of_an_older_text_are_never_used(project, coders):
    article = ArticleFactory(text=TEXT)
    project.articles.add(article)
    for coder in coders:
        services.submit_article(project=project, article=article, annotator=coder)
    # No span yet, so the text may still change (an annotated text is frozen): the kept bounds no longer fit it.
    Article.objects.filter(pk=article.pk).update(text="Two words")
    assert texts_and_tokens([article.pk])[1][article.pk] == ([0, 4], [3, 9])
    assert kept(article)[0] == token_bounds("Two words")


def test_bounds_go_with_their_article(project, coders):
    article = ArticleFactory(text=TEXT)
    services.submit_article(project=project, article=article, annotator=coders[0])
    services.submit_article(project=project, article=article, annotator=coders[1])
    assert TokenIndex.objects.filter(article_id=article.pk).exists()
    with connection.cursor() as cursor:  # even a raw delete takes the row with it (a trigger)
        cursor.execute("DELETE FROM annotations_assignment WHERE article_id = %s", [article.pk])
        cursor.execute("DELETE FROM articles_article WHERE id = %s", [article.pk])
    assert not TokenIndex.objects.filter(article_id=article.pk).exists()


def test_figures_from_kept_bounds_equal_those_from_the_texts(project, coders):
    labels = {label.name: label for label in Label.objects.filter(project=project)}
    codings = {coder.pk: {} for coder in coders}
    texts = {}
    for n, spans in enumerate([[(0, 3), (4, 10)], [(4, 10), (14, 19)]]):
        article = ArticleFactory(text=f"{TEXT} {n}")
        project.articles.add(article)
        texts[article.pk] = article.text
        for coder, (start, end) in zip(coders, spans, strict=True):
            services.create_annotation(
                project=project, article=article, label=labels["ACTOR"], annotator=coder, start=start, end=end
            )
            services.submit_article(project=project, article=article, annotator=coder)
            codings[coder.pk][article.pk] = [("ACTOR", start, end)]
    ids = [c.pk for c in coders]
    from_kept = agreement_study(project_id=project.pk, annotator_ids=ids).figures(ids)
    from_texts = Agreement(texts, codings, labels=list(labels)).figures(ids)
    assert from_kept == from_texts
    assert from_kept["labels"]["ACTOR"]["kappa_tokens"] is not None
