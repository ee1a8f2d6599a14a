"""Non-trivial reads of the coding app: fuzzy actor lookup over names and aliases."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import Exists, FloatField, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from annotations.models import Actor, ActorAlias


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
