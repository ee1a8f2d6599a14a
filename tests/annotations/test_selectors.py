"""Fuzzy actor lookup over names and aliases, best match first."""

import pytest

from annotations.selectors import search_actors
from annotations.services import create_actor


@pytest.fixture
def registry(db):
    create_actor(name="Khalifa Haftar", kind="person", aliases=["Haftar", "Khalifa Hifter"])
    create_actor(name="Vladimir Putin", kind="person")
    create_actor(name="United Nations", kind="igo", aliases=["UN"])


@pytest.mark.parametrize("query", ["haft", "Hafter", "hifter", "KHALIFA"])
def test_prefixes_typos_and_aliases_find_the_actor(registry, query):
    assert [actor.name for actor in search_actors(query)][:1] == ["Khalifa Haftar"]


def test_unrelated_text_finds_nothing(registry):
    assert list(search_actors("Zelensky")) == []


def test_exact_alias_ranks_first(registry):
    assert next(iter(search_actors("UN"))).name == "United Nations"
