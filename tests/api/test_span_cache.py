"""The spans' JSON kept by PostgreSQL (annotations/cache.py): the same representation as the model says, and
never stale, whatever changes the span or what it shows (through the ORM or raw SQL)."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from annotations import services
from annotations.cache import refresh_span_cache
from annotations.models import ActorLink, Annotation, Claim, Label
from articles.models import Article
from tests.api.conftest import client_for
from tests.factories import ActorFactory, ArticleFactory, label

TEXT = 'Le "chef" \\ Haftar 😀 a dit:\n\t«\u0001 Tripoli » </script> ok.'


def iso(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def expected(annotation: Annotation) -> dict:
    """The API representation of a span, built from the models (the contract, docs/api.md)."""
    annotation = Annotation.objects.select_related("label", "annotator").get(pk=annotation.pk)
    claim = Claim.objects.filter(annotation=annotation).first()
    source = getattr(annotation, "source", None) if annotation.label.kind == Label.Kind.SOURCE else None
    return {
        "id": annotation.pk,
        "project": annotation.project_id,
        "article": annotation.article_id,
        "label": annotation.label_id,
        "label_name": annotation.label.name,
        "label_kind": annotation.label.kind,
        "annotator": annotation.annotator_id,
        "annotator_name": annotation.annotator.username,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "status": annotation.status,
        "note": annotation.note,
        "actors": list(
            ActorLink.objects.filter(annotation=annotation).order_by("id").values_list("actor_id", flat=True)
        ),
        "attributes": annotation.attributes,
        "source": source
        and {"kind": source.kind, "anonymity": source.anonymity, "cue": source.cue, "channel": source.channel},
        "claim": claim
        and {
            "claimant": claim.claimant_id,
            "claimant_is_outlet": claim.claimant_is_outlet,
            "claimant_mention": claim.claimant_mention_id,
            "source_annotation": claim.source_annotation_id,
            "speech": claim.speech,
            "claim_date": claim.claim_date and claim.claim_date.isoformat(),
            "about": list(claim.about_links.order_by("id").values_list("actor_id", flat=True)),
            "stance": claim.stance,
            "verdict": claim.verdict,
            "topic": claim.topic,
        },
        "created_at": iso(annotation.created_at),
        "updated_at": iso(annotation.updated_at),
        "version": annotation.version,
        "reviewed_by": annotation.reviewed_by_id,
        "reviewed_at": annotation.reviewed_at and iso(annotation.reviewed_at),
    }


@pytest.fixture
def spans(project, annotator, reviewer):
    """An article with awkward characters, coded with an actor, a source and a claim span."""
    article = ArticleFactory(text=TEXT)
    project.articles.add(article)
    haftar, putin = ActorFactory(name="Khalifa Haftar"), ActorFactory(name="Vladimir Putin")
    start = TEXT.index("Haftar")
    actor = services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.ACTOR),
        annotator=annotator,
        start=start,
        end=start + 6,
        actors=[haftar, putin],
        note='a "note" \\ with\nlines 😀',
        attributes={"confidence": "high", "nested": {"x": [1, 2.5, None, True]}},
    )
    source = services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.SOURCE),
        annotator=reviewer,
        start=0,
        end=10,
        actors=[putin],
        source={"kind": "official_statement", "anonymity": "named", "cue": "a dit"},
    )
    claim = services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.CLAIM),
        annotator=annotator,
        start=start,
        end=len(TEXT),
        claim={
            "claimant": haftar,
            "claimant_mention": actor,
            "source_annotation": source,
            "speech": "indirect",
            "claim_date": "2020-01-31",
            "about": [putin, haftar],
        },
        status="submitted",
    )
    return article, actor, source, claim


def cached(annotation):
    return Annotation.objects.values_list("cached_json", "cached_export_json").get(pk=annotation.pk)


def listed(client, article):
    response = client.get(f"/api/articles/?include=annotations&page_size=10&project={article.projects.get().pk}")
    assert response.status_code == 200
    (item,) = [item for item in response.json()["results"] if item["id"] == article.pk]
    return item["annotations"]


@pytest.mark.parametrize("refreshed", [False, True])
def test_api_representation_is_the_models_whether_cached_or_not(spans, as_reviewer, refreshed):
    article, *coded = spans
    if refreshed:
        assert refresh_span_cache() == 3
        assert all(None not in cached(span) for span in coded)
    else:
        assert all(cached(span) == (None, None) for span in coded)
    want = sorted((expected(span) for span in coded), key=lambda a: (a["start"], a["end"], a["id"]))
    assert listed(as_reviewer, article) == want
    assert as_reviewer.get(f"/api/annotations/?article={article.pk}").json()["results"] == sorted(
        want, key=lambda a: a["id"]
    )
    for span in want:
        assert as_reviewer.get(f"/api/annotations/{span['id']}/").json() == span


def test_an_annotator_sees_only_their_own_cached_spans(spans, as_annotator, annotator):
    article, *_ = spans
    refresh_span_cache()
    assert {span["annotator"] for span in listed(as_annotator, article)} == {annotator.pk}


def test_changes_through_the_orm_or_raw_sql_empty_the_caches(spans, as_reviewer, annotator):
    article, actor_span, source_span, claim_span = spans
    other = ActorFactory(name="Wagner Group")
    changes = [
        (actor_span, lambda: ActorLink.objects.create(annotation=actor_span, actor=other)),
        (claim_span, lambda: services.update_annotation(claim_span, claim={"about": [other]})),
        (claim_span, lambda: Claim.objects.filter(pk=claim_span.pk).update(stance="denial")),
        (source_span, lambda: services.update_annotation(source_span, source={"cue": "tweeted"})),
        (actor_span, lambda: _sql("UPDATE annotations_annotation SET note = 'raw' WHERE id = %s", actor_span.pk)),
        (actor_span, lambda: _sql("DELETE FROM annotations_actorlink WHERE annotation_id = %s", actor_span.pk)),
        (claim_span, lambda: _sql("DELETE FROM annotations_claimabout WHERE claim_id = %s", claim_span.pk)),
        (actor_span, lambda: _sql("UPDATE annotations_label SET name = 'PERSON' WHERE id = %s", actor_span.label_id)),
        (claim_span, lambda: _sql("UPDATE auth_user SET username = 'coder' WHERE id = %s", annotator.pk)),
    ]
    for span, change in changes:
        refresh_span_cache()
        assert None not in cached(span)
        change()
        assert cached(span) == (None, None)
        by_id = {item["id"]: item for item in listed(as_reviewer, article)}
        assert by_id[span.pk] == expected(span)
    refresh_span_cache()
    by_id = {item["id"]: item for item in listed(as_reviewer, article)}
    assert by_id[actor_span.pk]["label_name"] == "PERSON" and by_id[claim_span.pk]["annotator_name"] == "coder"
    assert by_id[claim_span.pk]["claim"]["stance"] == "denial" and by_id[claim_span.pk]["claim"]["about"] == []


def test_a_refresh_keeps_the_cache_and_a_registry_change_empties_the_exports(spans, staff):
    _, actor_span, *_ = spans
    refresh_span_cache()
    before = cached(actor_span)
    assert refresh_span_cache() == 0 and cached(actor_span) == before
    haftar = actor_span.actors.get(name="Khalifa Haftar")
    haftar.name = "Khalifa Belqasim Haftar"
    haftar.save()
    assert cached(actor_span) == (before[0], None)
    services.add_alias(actor=haftar, name="Field Marshal")
    line = json.loads(b"".join(client_for(staff).get("/api/exports/jsonl/").streaming_content))
    (entry,) = [a for a in line["annotations"] if a["id"] == actor_span.pk]
    assert entry["actors"][0]["name"] == "Khalifa Belqasim Haftar"
    assert entry["actors"][0]["aliases"] == ["Field Marshal"]


def test_jsonl_lines_are_json_of_awkward_text(spans, staff):
    article, *_ = spans
    Article.objects.filter(pk=article.pk).update(title='A "title" \\ 😀\n')
    for refresh in (False, True):
        if refresh:
            refresh_span_cache()
        raw = b"".join(client_for(staff).get("/api/exports/jsonl/").streaming_content)
        assert raw.endswith(b"\n") and raw.count(b"\n") == 1
        line = json.loads(raw)
        assert line["text"] == TEXT and line["title"] == 'A "title" \\ 😀\n'
        notes = {a["note"] for a in line["annotations"]}
        assert 'a "note" \\ with\nlines 😀' in notes


def test_creating_a_span_costs_a_fixed_number_of_queries(project, article, as_annotator, django_assert_num_queries):
    body = {
        "project": project.pk,
        "article": article.pk,
        "label": label(project, Label.Kind.ACTOR).pk,
        "start": 0,
        "end": 14,
        "actors": [ActorFactory().pk],
    }
    as_annotator.post("/api/annotations/", body, format="json")
    with django_assert_num_queries(8):
        response = as_annotator.post("/api/annotations/", {**body, "start": 8}, format="json")
    assert response.status_code == 201
    assert response.json() == expected(Annotation.objects.get(pk=response.json()["id"]))


def test_refresh_span_cache_command(spans):
    out = io.StringIO()
    call_command("refresh_span_cache", stdout=out)
    assert out.getvalue().strip() == "3 annotations refreshed"
    assert not Annotation.objects.filter(cached_json__isnull=True).exists()


def _sql(statement, *params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.django_db(transaction=True)
def test_jsonl_chunks_written_on_worker_connections_equal_those_of_one_connection(project, annotator):
    from django.db import transaction

    from annotations import exports

    actor = ActorFactory()
    for n in range(7):
        article = ArticleFactory(text=f"{TEXT} {n}")
        project.articles.add(article)
        services.create_annotation(
            project=project,
            article=article,
            label=label(project, Label.Kind.ACTOR),
            annotator=annotator,
            start=0,
            end=10,
            actors=[actor],
        )
    scope = exports.scope_for(annotator)
    parallel = b"".join(exports.jsonl_lines(Article.objects.all(), scope, chunk=2))
    with transaction.atomic():
        single = b"".join(exports.jsonl_lines(Article.objects.all(), scope, chunk=2))
    assert parallel == single
    lines = [json.loads(line) for line in parallel.splitlines()]
    assert [line["id"] for line in lines] == sorted(Article.objects.values_list("id", flat=True))
    assert all(len(line["annotations"]) == 1 for line in lines)
