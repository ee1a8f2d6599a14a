"""API fixtures: a logged-in client per project role, and a small coded article."""

import pytest
from rest_framework.test import APIClient

from annotations import services
from annotations.models import Label
from tests.factories import ActorFactory, label


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Users are made by the dozen here: the default PBKDF2 costs ~0.4 s per user on a small machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def as_annotator(annotator):
    return client_for(annotator)


@pytest.fixture
def as_reviewer(reviewer):
    return client_for(reviewer)


@pytest.fixture
def as_admin(project_admin):
    return client_for(project_admin)


@pytest.fixture
def as_outsider(outsider):
    return client_for(outsider)


@pytest.fixture
def haftar(db):
    return ActorFactory(name="Khalifa Haftar", wikidata_qid="Q1138963")


@pytest.fixture
def actor_span(project, article, annotator, haftar):
    """'Khalifa Haftar' at [0, 14), coded by the annotator and linked to the actor."""
    return services.create_annotation(
        project=project,
        article=article,
        label=label(project, Label.Kind.ACTOR),
        annotator=annotator,
        start=0,
        end=14,
        actors=[haftar],
    )


def body(project, article, kind=Label.Kind.ACTOR, **extra):
    """A POST body for a span 'Khalifa Haftar' [0, 14) of the sample article."""
    return {
        "project": project.pk,
        "article": article.pk,
        "label": label(project, kind).pk,
        "start": 0,
        "end": 14,
        "quote": "Khalifa Haftar",
        **extra,
    }
