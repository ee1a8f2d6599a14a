"""Annotation services: the rules of a span, its details and its links, checked before PostgreSQL sees them."""

import pytest
from django.core.exceptions import ValidationError

from annotations import services
from annotations.models import Actor, Annotation, Assignment, Claim, Label, SourceAttribution
from tests.factories import ArticleFactory, ProjectFactory, label


def create(project, article, annotator, kind="actor", start=8, end=14, **kwargs):
    return services.create_annotation(
        project=project,
        article=article,
        label=label(project, kind),
        annotator=annotator,
        start=start,
        end=end,
        **kwargs,
    )


def test_new_project_has_the_core_codebook(db):
    project = services.create_project(name="Sahel 2024")
    assert sorted(project.labels.values_list("name", "shortcut")) == [("ACTOR", "a"), ("CLAIM", "c"), ("SOURCE", "s")]
    assert project.slug == "sahel-2024"


def test_span_gets_quote_prefix_and_suffix_from_the_text(project, article, annotator):
    span = create(project, article, annotator)
    assert span.quote == "Haftar"
    assert span.prefix == "Khalifa "
    assert span.suffix.startswith(" thanked Vladimir Putin")
    assert Assignment.objects.get(article=article, annotator=annotator).status == "in_progress"


@pytest.mark.parametrize(
    ("start", "end", "quote", "field", "message"),
    [
        (-1, 4, None, "start", "negative"),
        (9, 9, None, "end", "must be greater than start"),
        (0, 999, None, "end", "beyond the article text"),
        (8, 14, "Hifter", "quote", "does not match"),
        ("8", 14, None, "start", "whole number"),
    ],
)
def test_bad_spans_are_refused_with_the_field_named(project, article, annotator, start, end, quote, field, message):
    with pytest.raises(ValidationError) as error:
        create(project, article, annotator, start=start, end=end, quote=quote)
    assert message in " ".join(error.value.message_dict[field])
    assert not Annotation.objects.exists()


def test_label_from_another_codebook_is_refused(project, article, annotator):
    with pytest.raises(ValidationError) as error:
        services.create_annotation(
            project=project,
            article=article,
            label=label(ProjectFactory(), "actor"),
            annotator=annotator,
            start=8,
            end=14,
        )
    assert "not in the codebook" in error.value.message_dict["label"][0]
    assert not Annotation.objects.exists()


def test_only_actor_and_source_spans_link_actors(project, article, annotator):
    actor = Actor.objects.create(name="Khalifa Haftar", kind="person")
    with pytest.raises(ValidationError) as error:
        create(project, article, annotator, kind="claim", actors=[actor])
    assert "actors" in error.value.message_dict
    assert not Annotation.objects.exists()


def test_claim_details_are_kept_and_checked(project, article, annotator):
    kremlin = Actor.objects.create(name="Kremlin", kind="organization")
    haftar = Actor.objects.create(name="Khalifa Haftar", kind="person")
    source = create(project, article, annotator, kind="source", start=39, end=55, source={"kind": "official_statement"})
    mention = create(project, article, annotator, start=39, end=50, actors=[kremlin])
    claim = create(
        project,
        article,
        annotator,
        kind="claim",
        start=0,
        end=37,
        claim={
            "claimant": kremlin,
            "claimant_mention": mention,
            "source_annotation": source,
            "speech": "indirect",
            "about": [haftar],
        },
    )
    details = Claim.objects.get(annotation=claim)
    assert (details.claimant, details.source_annotation, details.speech) == (kremlin, source, "indirect")
    assert list(details.about.all()) == [haftar]
    assert SourceAttribution.objects.get(annotation=source).kind == "official_statement"
    with pytest.raises(ValidationError) as error:
        services.update_annotation(claim, claim={"source_annotation": mention})
    assert "must be a SOURCE span" in error.value.message_dict["claim"][0]
    with pytest.raises(ValidationError) as error:
        services.update_annotation(claim, claim={"speech": "shouted"})
    assert "claim" in error.value.message_dict
    assert Claim.objects.get(annotation=claim).speech == "indirect"


def test_changing_the_label_swaps_the_details(project, article, annotator):
    span = create(project, article, annotator, kind="source", source={"kind": "news_agency", "cue": "said"})
    services.update_annotation(span, label=label(project, Label.Kind.CLAIM))
    assert not SourceAttribution.objects.filter(annotation=span).exists()
    assert Claim.objects.filter(annotation=span).exists()


def test_moving_a_boundary_recomputes_quote_and_context(project, article, annotator):
    span = create(project, article, annotator)
    services.update_annotation(span, start=0)
    span.refresh_from_db()
    assert (span.quote, span.prefix) == ("Khalifa Haftar", "")


def test_relation_across_articles_is_refused(project, article, annotator):
    other = ArticleFactory()
    here = create(project, article, annotator)
    there = create(project, other, annotator)
    with pytest.raises(ValidationError) as error:
        services.create_relation(source=here, target=there, kind="about", annotator=annotator)
    assert "same article" in error.value.message_dict["target"][0]


def test_submitting_marks_drafts_submitted(project, article, annotator):
    span = create(project, article, annotator)
    services.submit_article(project=project, article=article, annotator=annotator)
    span.refresh_from_db()
    assert span.status == "submitted"
    assert Assignment.objects.get(article=article, annotator=annotator).status == "submitted"


def test_duplicate_actor_name_is_refused_case_insensitively(db):
    services.create_actor(name="United Nations", kind="igo", aliases=["UN"])
    with pytest.raises(ValidationError) as error:
        services.create_actor(name="united nations", kind="igo")
    assert "already in the registry" in error.value.message_dict["name"][0]
    assert Actor.objects.count() == 1
