"""The demo project: a real article with its reference coding (88 spans), loaded through the services."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from annotations import gold, services
from annotations.models import Actor, Annotation, Label, Relation
from articles.models import Article, Outlet, Snapshot
from projects.models import Membership, Project

DEMO_DIR = Path(__file__).resolve().parent / "fixtures" / "demo"
TEXT_FILE = DEMO_DIR / "libya-haftar-putin.txt"
GOLD_FILE = DEMO_DIR / "libya-haftar-putin.gold.json"
ACTORS_FILE = DEMO_DIR / "libya-haftar-putin.actors.json"

PROJECT_SLUG = "libya-demo"
PROJECT_NAME = "Libya demo"
ANNOTATOR = "demo-annotator"
TITLE = "Haftar thanks 'dear friend' Putin ahead of Libya peace summit"
SOURCE_URL = "https://www.middleeasteye.net/news/haftar-thanks-dear-friend-putin-ahead-libya-peace-summit"

# Gold attributes that become model fields; everything else is kept in Annotation.attributes.
MODELLED = {
    "actor": {"actor"},
    "source": {"actor", "source_kind", "anonymity", "cue", "channel"},
    "claim": {"claimant", "claimant_mention", "source", "speech", "about", "stance", "verdict", "topic"},
}


@dataclass(frozen=True)
class DemoResult:
    created: bool
    project: Project
    article: Article
    annotations: int


def _as_list(value: str | list | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _load_actors(registry: dict) -> dict[str, Actor]:
    """Create the registry actors that are missing (matched by canonical name) and return them by key."""
    actors: dict[str, Actor] = {}
    for key, entry in registry.items():
        description = "; ".join(entry[field] for field in ("role", "affiliation", "note") if entry.get(field))
        actor = Actor.objects.filter(name__iexact=entry["canonical_name"]).first()
        if actor is None:
            actor = services.create_actor(
                name=entry["canonical_name"],
                kind=entry["kind"],
                country=entry.get("country") or "",
                acled_inter=entry.get("acled_inter"),
                wikidata_qid=entry.get("wikidata") or "",
                cameo_code=entry.get("cameo") or "",
                description=description,
                aliases=entry.get("aliases", []),
            )
        actors[key] = actor
    for key, entry in registry.items():
        parent_key = entry.get("part_of") or entry.get("member_of")
        if parent_key and actors[key].parent_id is None:
            actors[key].parent = actors[parent_key]
            actors[key].save(update_fields=["parent"])
    return actors


def _archive_article(raw: bytes) -> Article:
    outlet, _ = Outlet.objects.get_or_create(
        domain="middleeasteye.net",
        defaults={"name": "Middle East Eye", "kind": Outlet.Kind.ONLINE, "country": "GBR", "language": "en"},
    )
    snapshot = Snapshot.objects.create(
        raw=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        content_type="text/plain",
        encoding="utf-8",
        source_url=SOURCE_URL,
        filename=TEXT_FILE.name,
        captured_at=timezone.now(),
    )
    # The reference offsets count code points of the file's text as it is: keep it unchanged.
    text = raw.decode("utf-8")
    return Article.objects.create(
        snapshot=snapshot,
        outlet=outlet,
        url=SOURCE_URL,
        title=TITLE,
        published_at=dt.datetime(2020, 1, 17, tzinfo=dt.UTC),
        language="en",
        lead="Talks in Berlin come as world powers step up efforts for lasting ceasefire in North African country",
        text=text,
        text_sha256=hashlib.sha256(" ".join(text.casefold().split()).encode()).hexdigest(),
        metadata={"demo": True, "reference_coding": GOLD_FILE.name},
    )


def _extra_attributes(kind: str, attributes: dict) -> dict:
    extra = {key: value for key, value in attributes.items() if key not in MODELLED[kind]}
    extra["ref"] = extra.pop("id")
    return extra


def _load_coding(
    *,
    project: Project,
    article: Article,
    annotator,
    actors: dict[str, Actor],
    gold: list[dict],
    status: str,
    assign: bool,
) -> int:
    """Create the reference coding's spans, details and relations as this annotator's; return how many spans."""
    labels = {label.kind: label for label in project.labels.exclude(kind=Label.Kind.CUSTOM)}
    by_ref: dict[str, Annotation] = {}
    # Actor mentions and sources first: claims point at them.
    for span in sorted(gold, key=lambda s: s["type"] == "claim"):
        kind, attributes = span["type"], span["attributes"]
        common = {
            "project": project,
            "article": article,
            "label": labels[kind],
            "annotator": annotator,
            "start": span["start"],
            "end": span["end"],
            "quote": span["quote"],
            "attributes": _extra_attributes(kind, attributes),
            "status": status,
            "assign": assign,
        }
        if kind == "actor":
            annotation = services.create_annotation(
                **common, actors=[actors[key] for key in _as_list(attributes["actor"])]
            )
        elif kind == "source":
            annotation = services.create_annotation(
                **common,
                actors=[actors[key] for key in _as_list(attributes.get("actor"))],
                source={field: attributes.get(field) or "" for field in ("anonymity", "cue", "channel")}
                | {"kind": attributes["source_kind"]},
            )
        else:
            claimant = attributes.get("claimant")
            annotation = services.create_annotation(
                **common,
                claim={
                    "claimant": actors[claimant] if isinstance(claimant, str) and claimant != "outlet" else None,
                    "claimant_is_outlet": claimant == "outlet",
                    "claimant_mention": by_ref.get(attributes.get("claimant_mention") or ""),
                    "source_annotation": by_ref.get(attributes.get("source") or ""),
                    "speech": attributes.get("speech") or "",
                    "stance": attributes.get("stance") or "",
                    "verdict": attributes.get("verdict") or "unverified",
                    "topic": attributes.get("topic") or "",
                    "about": [actors[key] for key in _as_list(attributes.get("about"))],
                },
            )
            for ref, relation_kind in (
                (attributes.get("claimant_mention"), Relation.Kind.CLAIMANT),
                (attributes.get("source"), Relation.Kind.ATTRIBUTED_TO),
            ):
                if ref:
                    services.create_relation(
                        source=annotation, target=by_ref[ref], kind=relation_kind, annotator=annotator
                    )
        by_ref[attributes["id"]] = annotation
    return len(by_ref)


def _install_gold(project: Project, article: Article) -> None:
    """The reference coding as the project's gold layer, and the project in training mode (once)."""
    gold_user = gold.gold_user()
    if Annotation.objects.filter(project=project, article=article, annotator=gold_user).exists():
        return
    services.keep_review()  # gold is accepted: writing its details must not send it back to review
    actors = _load_actors(json.loads(ACTORS_FILE.read_text())["actors"])
    reference = json.loads(GOLD_FILE.read_text())
    _load_coding(
        project=project,
        article=article,
        annotator=gold_user,
        actors=actors,
        gold=reference,
        status=Annotation.Status.ACCEPTED,
        assign=False,
    )
    if not project.training:
        project.training = True
        project.save(update_fields=["training"])


@transaction.atomic
def load_demo() -> DemoResult:
    """Load the demo project, article, registry and reference coding (as demo-annotator's submitted coding and as
    the project's gold, in training mode); a second call changes nothing."""
    raw = TEXT_FILE.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    existing = Snapshot.objects.filter(sha256=sha256).first()
    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    if existing is not None and project is not None:
        article = existing.articles.get()
        _install_gold(project, article)  # a demo loaded before gold existed gets it
        count = Annotation.objects.filter(article=article, annotator__username=ANNOTATOR).count()
        return DemoResult(False, project, article, count)

    user_model = get_user_model()
    annotator, created = user_model.objects.get_or_create(username=ANNOTATOR)
    if created:
        annotator.set_unusable_password()
        annotator.save()
    if project is None:
        project = services.create_project(
            name=PROJECT_NAME,
            slug=PROJECT_SLUG,
            description="A Middle East Eye article of January 2020 with its reference coding (88 spans).",
        )
    Membership.objects.get_or_create(project=project, user=annotator, defaults={"role": Membership.Role.ANNOTATOR})
    actors = _load_actors(json.loads(ACTORS_FILE.read_text())["actors"])
    article = existing.articles.get() if existing is not None else _archive_article(raw)
    project.articles.add(article)
    reference = json.loads(GOLD_FILE.read_text())
    count = _load_coding(
        project=project,
        article=article,
        annotator=annotator,
        actors=actors,
        gold=reference,
        status=Annotation.Status.SUBMITTED,
        assign=True,
    )
    services.submit_article(project=project, article=article, annotator=annotator)
    _install_gold(project, article)
    return DemoResult(True, project, article, count)
