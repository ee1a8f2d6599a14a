"""Spans that cut a user-perceived character or repeat one the coder already made are refused (issue 11)."""

import pytest

from annotations import services
from annotations.graphemes import splits_grapheme
from annotations.models import Annotation, Label
from tests.api.test_bad_input import field_errors
from tests.factories import ArticleFactory, label

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl: 5 code points, one character
TEXT = f"The family {FAMILY} left Cafe\u0301 Tripoli under the \U0001f1f1\U0001f1fe flag.\nNext line."


@pytest.fixture
def emoji_article(project):
    article = ArticleFactory(text=TEXT)
    project.articles.add(article)
    return article


def test_grapheme_boundaries():
    family = TEXT.index(FAMILY)
    assert [i for i in range(family, family + 6) if splits_grapheme(TEXT, i)] == [family + n for n in range(1, 5)]
    accent = TEXT.index("\u0301")
    assert splits_grapheme(TEXT, accent) == "e\u0301"
    flag = TEXT.index("\U0001f1f1")
    assert splits_grapheme(TEXT, flag + 1) == "\U0001f1f1\U0001f1fe"
    assert splits_grapheme(TEXT, flag) is None and splits_grapheme(TEXT, flag + 2) is None
    assert splits_grapheme("a\r\nb", 2) == "\r\n"
    assert all(splits_grapheme(TEXT, i) is None for i in (0, len(TEXT), TEXT.index("\n") + 1))


def span_body(project, article, start, end):
    return {
        "project": project.pk,
        "article": article.pk,
        "label": label(project, Label.Kind.ACTOR).pk,
        "start": start,
        "end": end,
    }


@pytest.mark.parametrize(
    ("what", "start", "end", "field", "cut"),
    [
        ("half a ZWJ family", TEXT.index(FAMILY), TEXT.index(FAMILY) + 3, "end", FAMILY),
        ("a family without its man", TEXT.index(FAMILY) + 1, TEXT.index(FAMILY) + 5, "start", FAMILY),
        ("a base letter without its accent", TEXT.index("Cafe"), TEXT.index("\u0301"), "end", "e\u0301"),
        ("half a flag", TEXT.index("\U0001f1f1"), TEXT.index("\U0001f1f1") + 1, "end", "\U0001f1f1\U0001f1fe"),
        ("the second half of a flag", TEXT.index("\U0001f1fe"), TEXT.index(" flag"), "start", "\U0001f1f1\U0001f1fe"),
    ],
)
def test_a_span_that_splits_a_character_is_refused(as_annotator, project, emoji_article, what, start, end, field, cut):
    response = as_annotator.post("/api/annotations/", span_body(project, emoji_article, start, end), format="json")
    message = field_errors(response, field)
    assert f"splits the character {cut!r}" in message, what
    assert not Annotation.objects.exists()


def test_whole_characters_are_accepted(as_annotator, project, emoji_article):
    for start, end in [
        (TEXT.index(FAMILY), TEXT.index(FAMILY) + 5),
        (TEXT.index("Cafe"), TEXT.index("\u0301") + 1),
        (TEXT.index("\U0001f1f1"), TEXT.index(" flag")),
    ]:
        response = as_annotator.post("/api/annotations/", span_body(project, emoji_article, start, end), format="json")
        assert response.status_code == 201, response.content
    assert Annotation.objects.count() == 3


def test_moving_a_span_into_a_character_changes_nothing(as_annotator, project, emoji_article, annotator):
    start = TEXT.index("Cafe")
    span = services.create_annotation(
        project=project,
        article=emoji_article,
        label=label(project, Label.Kind.ACTOR),
        annotator=annotator,
        start=start,
        end=start + 5,
    )
    response = as_annotator.patch(f"/api/annotations/{span.pk}/", {"end": start + 4}, format="json")
    assert "splits the character" in field_errors(response, "end")
    span.refresh_from_db()
    assert (span.start, span.end, span.quote) == (start, start + 5, "Cafe\u0301")


def test_the_same_span_twice_is_refused(as_annotator, project, article, annotator):
    body = span_body(project, article, 0, 14)
    assert as_annotator.post("/api/annotations/", body, format="json").status_code == 201
    response = as_annotator.post("/api/annotations/", body | {"note": "again"}, format="json")
    assert "You already marked this text with this label" in field_errors(response, "non_field_errors")
    assert Annotation.objects.count() == 1
    # Another label, other offsets, or another coder are not duplicates.
    assert as_annotator.post("/api/annotations/", body | {"end": 7}, format="json").status_code == 201
    other = body | {"label": label(project, Label.Kind.SOURCE).pk}
    assert as_annotator.post("/api/annotations/", other, format="json").status_code == 201
    services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.ACTOR),
        annotator=_other(project),
        start=0,
        end=14,
    )
    assert Annotation.objects.count() == 4


def test_moving_a_span_onto_an_identical_one_changes_nothing(as_annotator, project, article, annotator):
    actor = label(project, Label.Kind.ACTOR)
    services.create_annotation(project=project, article=article, label=actor, annotator=annotator, start=0, end=14)
    second = services.create_annotation(
        project=project, article=article, label=actor, annotator=annotator, start=0, end=7
    )
    response = as_annotator.patch(f"/api/annotations/{second.pk}/", {"end": 14, "note": "moved"}, format="json")
    assert "already marked" in field_errors(response, "non_field_errors")
    second.refresh_from_db()
    assert (second.end, second.note) == (7, "")


def _other(project):
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(project=project, user=UserFactory(username="second-coder")).user


def test_the_database_refuses_a_duplicate_span_from_raw_sql(project, article, annotator):
    from django.db import IntegrityError, connection, transaction

    span = services.create_annotation(
        project=project, article=article, label=label(project, Label.Kind.ACTOR), annotator=annotator, start=0, end=14
    )
    duplicate = pytest.raises(IntegrityError, match="annotation_unique_per_coder")
    with duplicate, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO annotations_annotation (project_id, article_id, label_id, annotator_id, start, "end",'
            " quote, prefix, suffix, status, note, attributes, created_at, updated_at)"
            ' SELECT project_id, article_id, label_id, annotator_id, start, "end", quote, prefix, suffix, status,'
            " note, attributes, created_at, updated_at FROM annotations_annotation WHERE id = %s",
            [span.pk],
        )
    assert Annotation.objects.count() == 1
