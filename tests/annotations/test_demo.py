"""The demo project ships with the app: the reference coding loads whole, exactly, and only once."""

import json

from django.core.management import call_command

from annotations.demo import ANNOTATOR, GOLD_FILE, load_demo
from annotations.gold import GOLD_USERNAME
from annotations.models import Actor, ActorAlias, Annotation, Assignment, Claim, Relation, SourceAttribution
from projects.models import Membership


def test_demo_loads_all_88_spans_with_quotes_equal_to_the_text(db):
    result = load_demo()
    annotations = list(
        Annotation.objects.filter(article=result.article, annotator__username=ANNOTATOR).select_related("label")
    )
    assert len(annotations) == 88
    text = result.article.text
    assert all(a.quote == text[a.start : a.end] for a in annotations)
    by_kind = {kind: sum(a.label.kind == kind for a in annotations) for kind in ("actor", "source", "claim")}
    assert by_kind == {"actor": 58, "source": 12, "claim": 18}


def test_demo_article_text_is_the_file_unchanged(db):
    result = load_demo()
    assert result.article.text == GOLD_FILE.with_name("libya-haftar-putin.txt").read_bytes().decode("utf-8")
    assert bytes(result.article.snapshot.raw) == GOLD_FILE.with_name("libya-haftar-putin.txt").read_bytes()


def test_demo_offsets_match_the_reference_coding(db):
    result = load_demo()
    gold = json.loads(GOLD_FILE.read_text())
    expected = sorted((s["start"], s["end"], s["attributes"]["id"]) for s in gold)
    for user in (ANNOTATOR, GOLD_USERNAME):
        spans = Annotation.objects.filter(article=result.article, annotator__username=user)
        assert sorted((a.start, a.end, a.attributes["ref"]) for a in spans) == expected


def test_the_reference_coding_is_the_demo_projects_gold_in_training_mode(db):
    result = load_demo()
    assert result.project.training is True
    spans = Annotation.objects.filter(project=result.project, annotator__username=GOLD_USERNAME)
    assert spans.count() == 88
    assert set(spans.values_list("status", flat=True)) == {Annotation.Status.ACCEPTED}
    assert Claim.objects.filter(annotation__in=spans).count() == 18
    assert SourceAttribution.objects.filter(annotation__in=spans).count() == 12
    # Gold is nobody's assignment and nobody's membership: it never appears as a coder with work to do.
    assert not Assignment.objects.filter(annotator__username=GOLD_USERNAME).exists()
    assert not Membership.objects.filter(user__username=GOLD_USERNAME).exists()


def test_a_demo_loaded_before_gold_existed_gets_it_once(db):
    result = load_demo()
    Annotation.objects.filter(annotator__username=GOLD_USERNAME).delete()
    load_demo()
    load_demo()
    assert Annotation.objects.filter(project=result.project, annotator__username=GOLD_USERNAME).count() == 88


def test_demo_registry_claims_sources_and_relations(db):
    load_demo()
    assert Actor.objects.count() == 21
    haftar = Actor.objects.get(name="Khalifa Haftar")
    assert set(haftar.aliases.values_list("name", flat=True)) >= {"Haftar", "Khalifa Hifter"}
    assert Actor.objects.get(name__startswith="Vladimir Putin").wikidata_qid == "Q7747"
    assert Actor.objects.get(name="Heiko Maas").parent.name == "Germany (Federal Government)"
    demo = {"annotation__annotator__username": ANNOTATOR}
    assert Claim.objects.filter(**demo).count() == 18
    assert SourceAttribution.objects.filter(**demo).count() == 12
    c02 = Claim.objects.get(annotation__attributes__ref="C02", **demo)
    assert c02.claimant.name == "Germany (Federal Government)"
    assert c02.source_annotation.attributes["ref"] == "S02"
    assert c02.claimant_mention.attributes["ref"] == "M04"
    assert Claim.objects.filter(claimant_is_outlet=True, **demo).count() == 5
    warring = Annotation.objects.get(attributes__ref="M35", annotator__username=ANNOTATOR)
    assert warring.actors.count() == 2
    # Each claim with a claimant mention or a source span is linked to it by a relation.
    expected = sum(bool(c.claimant_mention_id) + bool(c.source_annotation_id) for c in Claim.objects.all())
    assert Relation.objects.count() == expected


def test_loading_the_demo_twice_adds_nothing(db):
    call_command("load_demo")
    counts = [model.objects.count() for model in (Annotation, Actor, ActorAlias, Claim, Relation)]
    call_command("load_demo")
    assert [model.objects.count() for model in (Annotation, Actor, ActorAlias, Claim, Relation)] == counts
