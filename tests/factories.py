"""factory_boy factories for the models; a snapshot's hash and size always describe its bytes."""

import hashlib

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from annotations.models import Actor, Label
from annotations.services import ensure_core_labels
from articles.models import Article, Outlet, Snapshot
from projects.models import Membership, Project


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"Outlet {n}")
    domain = factory.Sequence(lambda n: f"outlet{n}.example")


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Snapshot

    raw = factory.Sequence(lambda n: f"<html><body><p>page {n}</p></body></html>".encode())
    sha256 = factory.LazyAttribute(lambda s: hashlib.sha256(bytes(s.raw)).hexdigest())
    size = factory.LazyAttribute(lambda s: len(s.raw))
    content_type = "text/html"
    encoding = "utf-8"
    captured_at = factory.LazyFunction(timezone.now)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    snapshot = factory.SubFactory(SnapshotFactory)
    outlet = factory.SubFactory(OutletFactory)
    title = factory.Sequence(lambda n: f"Article {n}")
    text = "Khalifa Haftar thanked Vladimir Putin, the Kremlin said on Friday."
    text_sha256 = factory.LazyAttribute(lambda a: hashlib.sha256(a.text.encode()).hexdigest())
    language = "en"
    published_at = factory.LazyFunction(timezone.now)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")

    @factory.post_generation
    def core_labels(self, create, extracted, **kwargs):
        if create:
            ensure_core_labels(self)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ANNOTATOR


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Actor {n}")
    kind = Actor.Kind.PERSON


def label(project: Project, kind: str) -> Label:
    """The project's core label of that kind (CLAIM, ACTOR or SOURCE)."""
    return project.labels.get(kind=kind)
