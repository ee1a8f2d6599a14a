"""Load a JSON Lines export (annotations.exports.jsonl_lines) into a database: the round trip of the corpus.

Snapshots are recreated from their base64 bytes (and their sha256 checked), so the archive keeps its chain
of custody; articles, outlets, projects and their labels, users (without a usable password), actors with
their aliases, annotations with their details, and relations are recreated with their timestamps.
What already exists (same snapshot sha256 + URL + text, same outlet domain, project slug, username,
actor name) is reused, so loading the same file twice adds nothing.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date, parse_datetime

from annotations import services
from annotations.jsonl_format import parse_line
from annotations.models import Actor, Annotation, Label, Relation
from articles.models import Article, Outlet, Snapshot
from projects.models import Project


@dataclass
class LoadResult:
    articles: int = 0
    existing_articles: int = 0
    annotations: int = 0
    relations: int = 0
    errors: list[str] = field(default_factory=list)


class _Loader:
    def __init__(self) -> None:
        self.articles: dict[int, Article] = {}
        self.projects: dict[str, Project] = {}
        self.labels: dict[tuple[int, str], Label] = {}
        self.users: dict[str, Any] = {}
        self.actors: dict[str, Actor] = {}
        self.outlets: dict[tuple[str, str], Outlet] = {}

    def outlet(self, data: dict[str, Any] | None) -> Outlet | None:
        if not data:
            return None
        key = (data.get("domain") or "", data.get("name") or "")
        if key not in self.outlets:
            found = (
                Outlet.objects.filter(domain=key[0]).first()
                if key[0]
                else Outlet.objects.filter(domain="", name=key[1]).first()
            )
            if found is None:
                found = Outlet.objects.create(
                    name=data.get("name") or "",
                    domain=key[0],
                    kind=data.get("kind") or Outlet.Kind.OTHER,
                    country=data.get("country") or "",
                    language=data.get("language") or "",
                )
            self.outlets[key] = found
        return self.outlets[key]

    def snapshot(self, data: dict[str, Any]) -> Snapshot:
        existing = Snapshot.objects.filter(sha256=data["sha256"]).first()
        if existing is not None:
            return existing
        if not data.get("raw_base64"):
            raise ValidationError({"snapshot": "This export holds no snapshot bytes (exported without raw)."})
        raw = base64.b64decode(data["raw_base64"])
        if hashlib.sha256(raw).hexdigest() != data["sha256"]:
            raise ValidationError({"snapshot": "The snapshot bytes do not match their sha256."})
        return Snapshot.objects.create(
            raw=raw,
            sha256=data["sha256"],
            size=len(raw),
            content_type=data.get("content_type") or "",
            encoding=data.get("encoding") or "",
            source_url=data.get("source_url") or "",
            filename=data.get("filename") or "",
            http_headers=data.get("http_headers") or {},
            captured_at=_datetime(data["captured_at"]),
        )

    def project(self, slug: str) -> Project:
        if slug not in self.projects:
            found = Project.objects.filter(slug=slug).first()
            self.projects[slug] = found or services.create_project(name=slug, slug=slug)
        return self.projects[slug]

    def label(self, project: Project, name: str, kind: str, colour: str | None) -> Label:
        key = (project.pk, name)
        if key not in self.labels:
            found = project.labels.filter(name=name).first()
            if found is None:
                found = Label.objects.create(project=project, name=name, kind=kind, colour=colour or "#888888")
            self.labels[key] = found
        return self.labels[key]

    def user(self, username: str) -> Any:
        if username not in self.users:
            user_model = get_user_model()
            found = user_model.objects.filter(username=username).first()
            if found is None:
                found = user_model(username=username)
                found.set_unusable_password()
                found.save()
            self.users[username] = found
        return self.users[username]

    def actor(self, data: dict[str, Any] | None) -> Actor | None:
        if not data:
            return None
        key = data["name"].lower()
        if key not in self.actors:
            found = Actor.objects.filter(name__iexact=data["name"]).first()
            if found is None:
                found = services.create_actor(
                    name=data["name"],
                    kind=data["kind"],
                    country=data.get("country") or "",
                    acled_inter=data.get("acled_inter"),
                    wikidata_qid=data.get("wikidata_qid") or "",
                    cameo_code=data.get("cameo_code") or "",
                    aliases=data.get("aliases") or [],
                )
            self.actors[key] = found
        return self.actors[key]

    @transaction.atomic
    def load_article(self, data: dict[str, Any], result: LoadResult) -> None:
        snapshot = self.snapshot(data["snapshot"])
        article = Article.objects.filter(snapshot=snapshot, url=data["url"], text=data["text"]).first()
        if article is not None:
            self.articles[data["id"]] = article
            result.existing_articles += 1
            return
        article = Article.objects.create(
            snapshot=snapshot,
            outlet=self.outlet(data.get("outlet")),
            url=data["url"],
            canonical_url=data["canonical_url"],
            title=data["title"],
            byline=data["byline"],
            published_at=_datetime(data["published_at"]),
            language=data["language"],
            lead=data["lead"],
            text=data["text"],
            text_sha256=data["text_sha256"],
            metadata=data.get("metadata") or {},
            supersedes=self.articles.get(data.get("supersedes")),
            duplicate_of=self.articles.get(data.get("duplicate_of")),
        )
        Article.objects.filter(pk=article.pk).update(created_at=_datetime(data["created_at"]))
        self.articles[data["id"]] = article
        for slug in data.get("projects", []):
            self.project(slug).articles.add(article)
        result.articles += 1
        spans: dict[int, Annotation] = {}
        # CLAIM spans point at ACTOR and SOURCE spans: create those first.
        ordered = sorted(data.get("annotations", []), key=lambda a: a["label_kind"] == Label.Kind.CLAIM)
        for item in ordered:
            spans[item["id"]] = self.load_annotation(article, item, spans)
            result.annotations += 1
        for item in data.get("relations", []):
            relation = services.create_relation(
                source=spans[item["source"]],
                target=spans[item["target"]],
                kind=item["kind"],
                annotator=self.user(item["annotator"]),
                note=item.get("note") or "",
            )
            Relation.objects.filter(pk=relation.pk).update(created_at=_datetime(item["created_at"]))
            result.relations += 1

    def load_annotation(self, article: Article, item: dict[str, Any], spans: dict[int, Annotation]) -> Annotation:
        project = self.project(item["project"])
        if not project.articles.filter(pk=article.pk).exists():
            project.articles.add(article)
        claim = None
        if item.get("claim") is not None:
            details = dict(item["claim"])
            claim = {
                "claimant": self.actor(details.get("claimant")),
                "claimant_is_outlet": details.get("claimant_is_outlet", False),
                "claimant_mention": spans.get(details.get("claimant_mention")),
                "source_annotation": spans.get(details.get("source_annotation")),
                "speech": details.get("speech") or "",
                "claim_date": parse_date(details["claim_date"]) if details.get("claim_date") else None,
                "about": [self.actor(actor) for actor in details.get("about", [])],
                "stance": details.get("stance") or "",
                "verdict": details.get("verdict") or "",
                "topic": details.get("topic") or "",
            }
        annotation = services.create_annotation(
            project=project,
            article=article,
            label=self.label(project, item["label"], item["label_kind"], item.get("label_colour")),
            annotator=self.user(item["annotator"]),
            start=item["start"],
            end=item["end"],
            quote=item["quote"],
            note=item.get("note") or "",
            actors=[self.actor(actor) for actor in item.get("actors", [])],
            source=item.get("source"),
            claim=claim,
            attributes=item.get("attributes") or {},
            status=item["status"],
        )
        Annotation.objects.filter(pk=annotation.pk).update(
            created_at=_datetime(item["created_at"]), updated_at=_datetime(item["updated_at"])
        )
        return annotation


def _datetime(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def load_export(lines: Iterable[str | bytes]) -> LoadResult:
    """Recreate the articles and annotations of a JSON Lines export; each article loads in its own transaction."""
    loader, result = _Loader(), LoadResult()
    for number, line in enumerate(lines, start=1):
        data = None
        if not line.strip():
            continue
        try:
            data = parse_line(line)
            loader.load_article(data, result)
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            message = error.messages if isinstance(error, ValidationError) else error
            result.errors.append(f"line {number}: {message}")
            if isinstance(data, dict):
                loader.articles.pop(data.get("id"), None)
            loader.projects.clear()
            loader.labels.clear()
            loader.actors.clear()
            loader.outlets.clear()
            loader.users.clear()
    return result
