"""Non-trivial reads of the coding app: fuzzy actor lookup over names and aliases, the codings to compare."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection
from django.db.models import Count, Exists, FloatField, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from annotations.agreement import Agreement
from annotations.models import Actor, ActorAlias, Annotation, Assignment, Label
from annotations.tokens import texts_and_tokens


def search_actors(query: str, queryset: QuerySet[Actor] | None = None) -> QuerySet[Actor]:
    """Actors whose name or an alias resembles `query` (trigram word similarity), best match first.

    Substring and prefix matches ("haft" -> Haftar) count as well as typos ("Hafter", "Hifter" -> Haftar).
    """
    queryset = Actor.objects.all() if queryset is None else queryset
    query = " ".join(query.split())
    if not query:
        return queryset.order_by("name")
    alias_score = (
        ActorAlias.objects.filter(actor=OuterRef("pk"))
        .annotate(score=Greatest(TrigramWordSimilarity(query, "name"), TrigramSimilarity("name", query)))
        .values("actor")
        .annotate(best=Max("score"))
        .values("best")
    )
    alias_match = ActorAlias.objects.filter(actor=OuterRef("pk")).filter(
        Q(name__icontains=query) | Q(name__trigram_word_similar=query) | Q(name__trigram_similar=query)
    )
    return (
        queryset.annotate(
            similarity=Greatest(
                TrigramWordSimilarity(query, "name"),
                TrigramSimilarity("name", query),
                Coalesce(alias_score, Value(0.0), output_field=FloatField()),
            )
        )
        .filter(
            Q(name__icontains=query)
            | Q(name__trigram_word_similar=query)
            | Q(name__trigram_similar=query)
            | Exists(alias_match)
        )
        .order_by("-similarity", "name")
    )


def submitted_by_all(*, project_id: int, annotator_ids: list[int]) -> QuerySet:
    """The ids of the project's articles that every one of these annotators has submitted."""
    return (
        Assignment.objects.filter(
            project_id=project_id, annotator_id__in=annotator_ids, status=Assignment.Status.SUBMITTED
        )
        .values("article_id")
        .annotate(coders=Count("annotator_id", distinct=True))
        .filter(coders=len(set(annotator_ids)))
        .values_list("article_id", flat=True)
    )


def _study(*, project_id: int, coder_ids: list[int], article_ids: list[int]) -> Agreement:
    """The texts of the articles with their token bounds, each coder's spans of them grouped by label name as
    (start, end) pairs, and the codebook's labels, as an `Agreement`.

    Three queries when the token bounds are kept (annotations.tokens: submitting an article keeps them). PostgreSQL
    groups the spans into one row per coder, article and label with arrays, so 150,000 spans cost some 12,000 rows
    to read rather than 150,000 tuples to build and regroup in Python."""
    labels = dict(Label.objects.filter(project_id=project_id).order_by("order", "name").values_list("id", "name"))
    texts, tokens = texts_and_tokens(article_ids)
    codings: dict[int, dict[int, dict[str, list]]] = {coder: {a: {} for a in article_ids} for coder in coder_ids}
    if not article_ids or not coder_ids:
        return Agreement(texts, codings, labels=list(labels.values()), tokens=tokens)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT annotator_id, article_id, label_id, array_agg(start), array_agg("end")
            FROM annotations_annotation
            WHERE project_id = %s AND annotator_id = ANY(%s) AND article_id = ANY(%s)
            GROUP BY annotator_id, article_id, label_id
            """,
            [project_id, list(coder_ids), list(article_ids)],
        )
        for coder, article, label, starts, ends in cursor.fetchall():
            codings[coder][article][labels[label]] = list(zip(starts, ends, strict=True))
    return Agreement(texts, codings, labels=list(labels.values()), tokens=tokens)


def agreement_study(*, project_id: int, annotator_ids: list[int], article_id: int | None = None) -> Agreement:
    """The codings of the articles every listed annotator has submitted (all their spans, whatever their review
    status), prepared for `annotations.agreement`; four queries."""
    article_ids = submitted_by_all(project_id=project_id, annotator_ids=annotator_ids)
    if article_id is not None:
        article_ids = article_ids.filter(article_id=article_id)
    return _study(project_id=project_id, coder_ids=annotator_ids, article_ids=sorted(article_ids))


def score_study(*, project_id: int, annotator_id: int, reference_id: int, article_id: int | None = None) -> Agreement:
    """A coder's submitted articles that the reference coded (has spans in), with both codings, for scoring."""
    submitted = Assignment.objects.filter(
        project_id=project_id, annotator_id=annotator_id, status=Assignment.Status.SUBMITTED
    ).values("article_id")
    article_ids = (
        Annotation.objects.filter(project_id=project_id, annotator_id=reference_id, article_id__in=submitted)
        .values_list("article_id", flat=True)
        .distinct()
    )
    if article_id is not None:
        article_ids = article_ids.filter(article_id=article_id)
    return _study(project_id=project_id, coder_ids=[annotator_id, reference_id], article_ids=sorted(article_ids))


def progress_by_coder(*, project_id: int) -> list[dict]:
    """Per member of the project: articles assigned, submitted and still open, most assigned first."""
    rows = (
        Assignment.objects.filter(project_id=project_id)
        .values("annotator_id", "annotator__username")
        .annotate(
            assigned=Count("id"),
            submitted=Count("id", filter=Q(status=Assignment.Status.SUBMITTED)),
        )
        .order_by("-assigned", "annotator__username")
    )
    return [
        {
            "id": row["annotator_id"],
            "name": row["annotator__username"],
            "assigned": row["assigned"],
            "submitted": row["submitted"],
            "open": row["assigned"] - row["submitted"],
        }
        for row in rows
    ]


def progress_by_article(*, project_id: int, article_ids: list[int]) -> dict[int, dict]:
    """Per article: its coders with their status, and how many of them submitted."""
    found: dict[int, dict] = {a: {"coders": [], "submitted": 0} for a in article_ids}
    rows = (
        Assignment.objects.filter(project_id=project_id, article_id__in=article_ids)
        .order_by("annotator__username")
        .values_list("article_id", "annotator__username", "status")
    )
    for article_id, name, status in rows:
        found[article_id]["coders"].append({"name": name, "status": status})
        found[article_id]["submitted"] += status == Assignment.Status.SUBMITTED
    return found
