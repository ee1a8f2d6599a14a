"""Actor names and aliases (issue 11): no alias may be another actor's name, and one alias is added once,
however many requests race for it."""

import threading

import pytest
from django.db import connection

from annotations import services
from annotations.models import Actor, ActorAlias
from tests.api.conftest import client_for
from tests.api.test_bad_input import field_errors


def test_an_alias_equal_to_another_actors_name_is_refused(as_annotator, haftar):
    putin = services.create_actor(name="Vladimir Putin", kind="person")
    response = as_annotator.post(f"/api/actors/{putin.pk}/aliases/", {"name": "khalifa  HAFTAR"}, format="json")
    assert "is the name of another actor" in field_errors(response, "name")
    response = as_annotator.post(
        "/api/actors/", {"name": "Libyan National Army", "kind": "armed_group", "aliases": ["Vladimir Putin"]}
    )
    assert "is the name of another actor" in field_errors(response, "aliases")
    assert not ActorAlias.objects.exists()
    assert Actor.objects.count() == 2


def test_a_new_actor_named_like_another_actors_alias_is_refused(as_annotator, haftar):
    services.add_alias(actor=haftar, name="Field Marshal")
    response = as_annotator.post("/api/actors/", {"name": "field marshal", "kind": "person"}, format="json")
    assert "is an alias of 'Khalifa Haftar'" in field_errors(response, "name")
    assert Actor.objects.count() == 1


def test_an_alias_the_actor_already_has_is_refused(as_annotator, haftar):
    path = f"/api/actors/{haftar.pk}/aliases/"
    assert as_annotator.post(path, {"name": "Haftar"}, format="json").status_code == 201
    assert "already an alias of 'Khalifa Haftar'" in field_errors(
        as_annotator.post(path, {"name": "HAFTAR"}, format="json"), "name"
    )
    assert "already the name of" in field_errors(as_annotator.post(path, {"name": "Khalifa Haftar"}), "name")
    assert list(haftar.aliases.values_list("name", flat=True)) == ["Haftar"]


def test_aliases_may_be_shared_and_repeat_within_a_new_actor(db):
    services.create_actor(name="Khalifa Haftar", kind="person", aliases=["Haftar"])
    saddam = services.create_actor(name="Saddam Haftar", kind="person", aliases=["Haftar", "haftar", "Saddam Haftar"])
    assert list(saddam.aliases.values_list("name", flat=True)) == ["Haftar"]


@pytest.mark.django_db(transaction=True)
def test_sixteen_parallel_adds_of_one_alias_give_exactly_one_201(annotator, project):
    actor = services.create_actor(name="Libyan National Army", kind="armed_group")
    start = threading.Barrier(16)
    answers: list[tuple[int, dict]] = []

    def add() -> None:
        try:
            client = client_for(annotator)
            start.wait(timeout=30)
            response = client.post(f"/api/actors/{actor.pk}/aliases/", {"name": "LNA"}, format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=add) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [400] * 15, answers
    for status, data in answers:
        if status == 400:
            assert data == {"name": ["'LNA' is already an alias of 'Libyan National Army'."]}
    assert list(ActorAlias.objects.values_list("name", flat=True)) == ["LNA"]


@pytest.mark.django_db(transaction=True)
def test_parallel_alias_and_actor_of_one_name_cannot_both_win(annotator, project):
    """One request adds "LNA" as an alias, another creates an actor named "LNA": the lock lets only one pass."""
    actor = services.create_actor(name="Libyan National Army", kind="armed_group")
    start = threading.Barrier(8)
    answers: list[int] = []

    def run(index: int) -> None:
        try:
            client = client_for(annotator)
            start.wait(timeout=30)
            if index % 2:
                response = client.post(f"/api/actors/{actor.pk}/aliases/", {"name": "LNA"}, format="json")
            else:
                response = client.post("/api/actors/", {"name": "lna", "kind": "armed_group"}, format="json")
            answers.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [201] + [400] * 7
    assert ActorAlias.objects.filter(name__iexact="lna").count() + Actor.objects.filter(name__iexact="lna").count() == 1
