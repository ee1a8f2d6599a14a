"""Load a JSON Lines export (annotations.exports.jsonl_lines) into a database: the round trip of the corpus, and
a merge into a database that already holds some of it.

Matching: snapshots and articles by the snapshot's sha256 (bytes recreated from base64 and checked); spans by
UUID (missing ones added; one whose incoming `updated_at` is newer is updated; a UUID that names a span of
another article or annotator, or the same time with other content, is a conflict, and the local span is kept);
actors by Wikidata id, then UUID, then exact name and kind (new aliases, Wikidata id, description and parent
merged, and reported); projects by slug (name and description restored when created, memberships by username
where the user exists, assignments' submission state); outlets by domain; users by username (created without a
usable password when a span needs them). Relations by their two spans and kind. Loading the same file twice
adds nothing.
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
from annotations.models import Actor, ActorAlias, Annotation, Assignment, CodebookVersion, Label, Relation
from articles.models import Article, Outlet, Snapshot
from projects.models import Membership, Project


@dataclass
class LoadResult:
    articles: int = 0
    existing_articles: int = 0
    annotations: int = 0
    updated_annotations: int = 0
    relations: int = 0
    actors_added: int = 0
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class _Loader:
    def __init__(self, result: LoadResult) -> None:
        self.result = result
        self.created_projects: set[str] = set()
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
            if found is None:
                found = services.create_project(name=slug, slug=slug)
                self.created_projects.add(slug)
            self.projects[slug] = found
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
        """The local actor of an incoming one: by Wikidata id, then UUID, then exact name and kind; merged."""
        if not data:
            return None
        key = data.get("uuid") or data["name"].lower()
        if key in self.actors:
            return self.actors[key]
        found = None
        if data.get("wikidata_qid"):
            found = Actor.objects.filter(wikidata_qid=data["wikidata_qid"]).order_by("id").first()
        if found is None and data.get("uuid"):
            found = Actor.objects.filter(uuid=data["uuid"]).first()
        if found is None:
            found = Actor.objects.filter(name=data["name"], kind=data["kind"]).first()
        if found is None:
            other = Actor.objects.filter(name__iexact=data["name"]).first()
            if other is not None:
                self.result.conflicts.append(
                    f"actor {data['name']!r} ({data['kind']}): the registry has {other.name!r} as {other.kind};"
                    " its spans are linked to that entry"
                )
                found = other
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
            changes = {"description": data.get("description") or "", "parent": self.actor(data.get("parent"))}
            if data.get("uuid"):
                changes["uuid"] = data["uuid"]
            Actor.objects.filter(pk=found.pk).update(**changes)
            self.result.actors_added += 1
        else:
            self.merge_actor(found, data)
        self.actors[key] = found
        return found

    def merge_actor(self, actor: Actor, data: dict[str, Any]) -> None:
        """Add what the incoming actor knows and the local one lacks: aliases, Wikidata id, description, parent."""
        merged = []
        known = {actor.name.lower(), *(a.lower() for a in actor.aliases.values_list("name", flat=True))}
        for name in [data["name"], *(data.get("aliases") or [])]:
            if name.lower() not in known:
                ActorAlias.objects.create(actor=actor, name=name)
                known.add(name.lower())
                merged.append(f"alias {name!r}")
        changes: dict[str, Any] = {}
        qid = data.get("wikidata_qid") or ""
        if qid and not actor.wikidata_qid:
            changes["wikidata_qid"] = qid
            merged.append(f"Wikidata id {qid}")
        elif qid and qid != actor.wikidata_qid:
            self.result.conflicts.append(f"actor {actor.name!r}: Wikidata id {actor.wikidata_qid}, incoming {qid}")
        if data.get("description") and not actor.description:
            changes["description"] = data["description"]
            merged.append("description")
        if data.get("parent") and actor.parent_id is None:
            parent = self.actor(data["parent"])
            if parent is not None and parent.pk != actor.pk:
                changes["parent"] = parent
                merged.append(f"parent {parent.name!r}")
        if changes:
            Actor.objects.filter(pk=actor.pk).update(**changes)
        if merged:
            self.result.merged.append(f"actor {actor.name!r}: " + ", ".join(merged))

    def restore_project(self, data: dict[str, Any]) -> None:
        """A project's name and description (when this load created it), its memberships where the user exists."""
        project = self.project(data["slug"])
        if data["slug"] in self.created_projects:
            Project.objects.filter(pk=project.pk).update(name=data["name"], description=data.get("description") or "")
            self.restore_codebook_versions(project, data.get("codebook_versions", []))
        users = get_user_model().objects.filter(username__in=[m["username"] for m in data.get("memberships", [])])
        by_name = {user.username: user for user in users}
        for membership in data.get("memberships", []):
            user = by_name.get(membership["username"])
            if user is None:
                continue
            _, created = Membership.objects.get_or_create(
                project=project, user=user, defaults={"role": membership["role"]}
            )
            if created:
                self.result.restored.append(f"{user.username} is {membership['role']} of {project.slug}")

    def restore_codebook_versions(self, project: Project, versions: list[dict[str, Any]]) -> None:
        """The versions of a project this load created, as the file has them (label ids are this database's,
        matched by name and kind; a label no longer in the codebook keeps no id)."""
        local = {(label.name, label.kind): label.pk for label in project.labels.all()}
        users = {user.username: user for user in get_user_model().objects.filter(
            username__in=[v["created_by"] for v in versions if v.get("created_by")])}  # fmt: skip
        for version in versions:
            labels = [{**entry, "id": local.get((entry["name"], entry["kind"]))} for entry in version["labels"]]
            CodebookVersion.objects.update_or_create(
                project=project,
                number=version["number"],
                defaults={
                    "labels": labels,
                    "created_at": _datetime(version["created_at"]),
                    "created_by": users.get(version.get("created_by") or ""),
                },
            )

    def restore_assignments(self, article: Article, items: list[dict[str, Any]]) -> None:
        """Submission states: a submitted assignment stays submitted, with its time."""
        for item in items:
            if item["status"] != Assignment.Status.SUBMITTED:
                continue
            assignment, _ = Assignment.objects.get_or_create(
                project=self.project(item["project"]), article=article, annotator=self.user(item["annotator"])
            )
            if assignment.status != Assignment.Status.SUBMITTED:
                Assignment.objects.filter(pk=assignment.pk).update(
                    status=Assignment.Status.SUBMITTED, submitted_at=_datetime(item.get("submitted_at"))
                )

    @transaction.atomic
    def load_article(self, data: dict[str, Any], result: LoadResult) -> None:
        snapshot = self.snapshot(data["snapshot"])
        existing = Article.objects.filter(snapshot=snapshot).order_by("id")
        article = existing.filter(url=data["url"], text=data["text"]).first() or existing.first()
        if article is not None:
            result.existing_articles += 1
        else:
            article = self.create_article(snapshot, data)
            result.articles += 1
        self.articles[data["id"]] = article
        for slug in data.get("projects", []):
            self.project(slug).articles.add(article)
        spans: dict[int, Annotation] = {}
        # CLAIM spans point at ACTOR and SOURCE spans: load those first.
        ordered = sorted(data.get("annotations", []), key=lambda a: a["label_kind"] == Label.Kind.CLAIM)
        for item in ordered:
            span = self.load_annotation(article, item, spans)
            if span is not None:
                spans[item["id"]] = span
        for item in data.get("relations", []):
            source, target = spans.get(item["source"]), spans.get(item["target"])
            if source is None or target is None:
                continue
            if Relation.objects.filter(source=source, target=target, kind=item["kind"]).exists():
                continue
            relation = services.create_relation(
                source=source,
                target=target,
                kind=item["kind"],
                annotator=self.user(item["annotator"]),
                note=item.get("note") or "",
            )
            Relation.objects.filter(pk=relation.pk).update(created_at=_datetime(item["created_at"]))
            result.relations += 1
        self.restore_assignments(article, data.get("assignments", []))
        for details in data.get("project_details", []):
            self.restore_project(details)

    def create_article(self, snapshot: Snapshot, data: dict[str, Any]) -> Article:
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
        return article

    def span_fields(self, project: Project, item: dict[str, Any], spans: dict[int, Annotation]) -> dict[str, Any]:
        """The service arguments of an incoming span (everything but project, article and annotator)."""
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
        return {
            "label": self.label(project, item["label"], item["label_kind"], item.get("label_colour")),
            "start": item["start"],
            "end": item["end"],
            "quote": item["quote"],
            "note": item.get("note") or "",
            "actors": [self.actor(actor) for actor in item.get("actors", [])],
            "source": item.get("source"),
            "claim": claim,
            "attributes": item.get("attributes") or {},
            "status": item["status"],
        }

    def load_annotation(
        self, article: Article, item: dict[str, Any], spans: dict[int, Annotation]
    ) -> Annotation | None:
        """Add a missing span, apply a newer version of a known one, report a conflict; the local span or None."""
        project = self.project(item["project"])
        if not project.articles.filter(pk=article.pk).exists():
            project.articles.add(article)
        annotator = self.user(item["annotator"])
        updated_at = _datetime(item["updated_at"])
        # The registry entries a span shows are matched and merged even when the span itself is known already.
        claim = item.get("claim") or {}
        for actor in [*item.get("actors", []), claim.get("claimant"), *claim.get("about", [])]:
            self.actor(actor)
        local = Annotation.objects.filter(uuid=item["uuid"]).first() if item.get("uuid") else None
        if local is not None:
            where = f"span {item['uuid']} ({item['quote'][:40]!r})"
            if local.article_id != article.pk or local.annotator_id != annotator.pk:
                self.result.conflicts.append(f"{where}: this UUID names a span of another article or annotator here")
                return None
            if updated_at is None or updated_at <= local.updated_at:
                if updated_at == local.updated_at and _differs(local, item):
                    self.result.conflicts.append(f"{where}: changed here and in the file at the same time; kept")
                return local
            services.update_annotation(local, **self.span_fields(project, item, spans))
            Annotation.objects.filter(pk=local.pk).update(updated_at=updated_at)
            self.result.updated_annotations += 1
            return local
        annotation = services.create_annotation(
            project=project, article=article, annotator=annotator, **self.span_fields(project, item, spans)
        )
        changes: dict[str, Any] = {"created_at": _datetime(item["created_at"]), "updated_at": updated_at}
        if item.get("uuid"):
            changes["uuid"] = item["uuid"]
        Annotation.objects.filter(pk=annotation.pk).update(**changes)
        self.result.annotations += 1
        return annotation


def _differs(local: Annotation, item: dict[str, Any]) -> bool:
    """Whether a span's own fields differ from an incoming version's (details are compared by time only)."""
    mine = (local.start, local.end, local.status, local.note, local.attributes)
    theirs = (item["start"], item["end"], item["status"], item.get("note") or "", item.get("attributes") or {})
    return mine != theirs


def _datetime(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def load_export(lines: Iterable[str | bytes]) -> LoadResult:
    """Load (merge) the articles and annotations of a JSON Lines export; each article loads in its own transaction
    (a line that fails leaves nothing of itself behind)."""
    result = LoadResult()
    loader = _Loader(result)
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
