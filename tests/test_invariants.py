"""Each data-protecting invariant holds in PostgreSQL itself: through the ORM and through raw SQL alike."""

import hashlib

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from annotations import services
from annotations.models import Actor, ActorLink, Annotation, Label, Relation
from articles.models import Article, Outlet, Snapshot
from tests.factories import ArticleFactory, ProjectFactory, SnapshotFactory, label

TEXT = "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."


def refused(sql: str, params: list) -> str:
    """Run raw SQL that PostgreSQL must refuse; return the error message (deferred constraints checked too)."""
    with pytest.raises(IntegrityError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)
    return str(error.value)


def orm_refused(action) -> str:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        action()
    return str(error.value)


def make_span(project, article, annotator, start=8, end=14, kind=Label.Kind.ACTOR):
    return Annotation.objects.create(
        project=project,
        article=article,
        label=label(project, kind),
        annotator=annotator,
        start=start,
        end=end,
        quote=article.text[start:end],
    )


INSERT_ANNOTATION = """
    INSERT INTO annotations_annotation (project_id, article_id, label_id, annotator_id, start, "end", quote,
        prefix, suffix, status, note, attributes, created_at, updated_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s, '', '', 'draft', '', '{}', now(), now())
"""


@pytest.mark.parametrize(("start", "end"), [(-1, 5), (5, 5), (9, 3), (60, len(TEXT) + 1)])
def test_offsets_outside_the_text_are_refused_by_orm_and_sql(project, article, annotator, start, end):
    quote = article.text[max(start, 0) : end]
    message = orm_refused(lambda: make_span(project, article, annotator, start, end))
    assert "annotation" in message
    message = refused(
        INSERT_ANNOTATION, [project.pk, article.pk, label(project, "actor").pk, annotator.pk, start, end, quote]
    )
    assert "annotation" in message
    assert not Annotation.objects.exists()


def test_quote_must_equal_text_at_offsets_by_orm_and_sql(project, article, annotator):
    def wrong_quote():
        Annotation.objects.create(
            project=project, article=article, label=label(project, "actor"), annotator=annotator,
            start=8, end=14, quote="Hafter",
        )  # fmt: skip

    assert "quote does not equal" in orm_refused(wrong_quote)
    message = refused(
        INSERT_ANNOTATION, [project.pk, article.pk, label(project, "actor").pk, annotator.pk, 8, 14, "Hafter"]
    )
    assert "quote does not equal" in message
    assert not Annotation.objects.exists()


def test_a_valid_span_is_accepted_and_counts_code_points(project, annotator):
    article = ArticleFactory(text="🇱🇾 Haftar met Putin 😀 in Moscow")
    project.articles.add(article)
    start = article.text.index("Putin")
    span = make_span(project, article, annotator, start, start + 5)
    assert span.quote == "Putin"
    with connection.cursor() as cursor:
        cursor.execute("SELECT substr(text, %s + 1, 5) FROM articles_article WHERE id = %s", [start, article.pk])
        assert cursor.fetchone()[0] == "Putin"


def test_label_of_another_project_is_refused_by_orm_and_sql(project, article, annotator):
    foreign_label = label(ProjectFactory(), "actor")

    def foreign():
        Annotation.objects.create(
            project=project, article=article, label=foreign_label, annotator=annotator, start=8, end=14, quote="Haftar"
        )

    assert "does not belong to project" in orm_refused(foreign)
    message = refused(INSERT_ANNOTATION, [project.pk, article.pk, foreign_label.pk, annotator.pk, 8, 14, "Haftar"])
    assert "does not belong to project" in message
    assert not Annotation.objects.exists()


def test_archived_bytes_never_change_by_orm_or_sql(db):
    snapshot = SnapshotFactory(raw=b"<html>original</html>")

    def overwrite():
        snapshot.raw = b"<html>tampered</html>"
        snapshot.sha256 = hashlib.sha256(snapshot.raw).hexdigest()
        snapshot.size = len(snapshot.raw)
        snapshot.save()

    assert "cannot be changed" in orm_refused(overwrite)
    assert "cannot be changed" in refused(
        "UPDATE articles_snapshot SET raw = %s, sha256 = encode(sha256(%s), 'hex') WHERE id = %s",
        [b"x", b"x", snapshot.pk],
    )
    assert bytes(Snapshot.objects.get(pk=snapshot.pk).raw) == b"<html>original</html>"


def test_snapshot_hash_must_describe_its_bytes(db):
    assert "snapshot_sha256_matches_raw" in orm_refused(
        lambda: Snapshot.objects.create(raw=b"abc", sha256="0" * 64, size=3, captured_at="2020-01-01T00:00Z")
    )
    assert "snapshot_size_matches_raw" in refused(
        "INSERT INTO articles_snapshot (raw, sha256, size, content_type, encoding, source_url, filename, "
        "http_headers, captured_at, imported_at) VALUES (%s, encode(sha256(%s), 'hex'), 99, '', '', '', '', "
        "'{}', now(), now())",
        [b"abc", b"abc"],
    )
    assert not Snapshot.objects.exists()


def test_same_bytes_are_never_stored_twice(db):
    SnapshotFactory(raw=b"same bytes")
    assert "sha256" in orm_refused(lambda: SnapshotFactory(raw=b"same bytes"))


def test_annotated_text_never_changes_by_orm_or_sql(project, article, annotator):
    make_span(project, article, annotator)

    def rewrite():
        article.text = "Something else entirely."
        article.save()

    assert "its text cannot be changed" in orm_refused(rewrite)
    assert "its text cannot be changed" in refused("UPDATE articles_article SET text = 'x' WHERE id = %s", [article.pk])
    assert Article.objects.get(pk=article.pk).text == TEXT


def test_text_without_annotations_may_still_be_corrected(article):
    Article.objects.filter(pk=article.pk).update(text="Corrected text.")
    assert Article.objects.get(pk=article.pk).text == "Corrected text."


def test_relation_between_two_articles_is_refused_by_orm_and_sql(project, article, annotator):
    other = ArticleFactory()
    project.articles.add(other)
    here = make_span(project, article, annotator)
    there = make_span(project, other, annotator)

    def cross():
        Relation.objects.create(article=article, source=here, target=there, kind="about", annotator=annotator)

    assert "must link two annotations" in orm_refused(cross)
    assert "must link two annotations" in refused(
        "INSERT INTO annotations_relation (article_id, source_id, target_id, kind, annotator_id, note, created_at) "
        "VALUES (%s, %s, %s, 'about', %s, '', now())",
        [article.pk, here.pk, there.pk, annotator.pk],
    )
    assert not Relation.objects.exists()


def test_claim_pointing_at_a_span_of_another_article_is_refused(project, article, annotator):
    other = ArticleFactory()
    project.articles.add(other)
    foreign_source = make_span(project, other, annotator, kind=Label.Kind.SOURCE)
    claim = services.create_annotation(
        project=project, article=article, label=label(project, "claim"), annotator=annotator, start=0, end=14
    )
    assert "must be spans of its own article" in refused(
        "UPDATE annotations_claim SET source_annotation_id = %s WHERE annotation_id = %s", [foreign_source.pk, claim.pk]
    )


def test_used_actor_cannot_be_deleted_by_orm_or_sql(project, article, annotator):
    actor = Actor.objects.create(name="Khalifa Haftar", kind="person")
    ActorLink.objects.create(annotation=make_span(project, article, annotator), actor=actor)
    with pytest.raises(ProtectedError):
        actor.delete()
    refused("DELETE FROM annotations_actor WHERE id = %s", [actor.pk])
    assert Actor.objects.filter(pk=actor.pk).exists()


def test_used_article_cannot_be_deleted_by_orm_or_sql(project, article, annotator):
    make_span(project, article, annotator)
    with pytest.raises(ProtectedError):
        article.delete()
    refused("DELETE FROM articles_article WHERE id = %s", [article.pk])
    assert Article.objects.filter(pk=article.pk).exists()


def test_used_outlet_cannot_be_deleted_by_orm_or_sql(article):
    outlet = article.outlet
    with pytest.raises(ProtectedError):
        outlet.delete()
    refused("DELETE FROM articles_outlet WHERE id = %s", [outlet.pk])
    assert Outlet.objects.filter(pk=outlet.pk).exists()


def test_used_label_cannot_be_deleted_by_orm_or_sql(project, article, annotator):
    span = make_span(project, article, annotator)
    with pytest.raises(ProtectedError):
        span.label.delete()
    refused("DELETE FROM annotations_label WHERE id = %s", [span.label_id])
    assert Label.objects.filter(pk=span.label_id).exists()
