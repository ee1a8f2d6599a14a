"""Registry suggestions: whole-word, case-insensitive, longest match wins, code-point offsets."""

import json
from pathlib import Path

import pytest

from annotations.suggestions import Suggestion, suggest_mentions, surface_name

DEMO = Path(__file__).resolve().parents[2] / "annotations" / "fixtures" / "demo"


def spans(text, names, **kwargs):
    return [(s.start, s.end, s.actor_id, text[s.start : s.end]) for s in suggest_mentions(text, names, **kwargs)]


def test_matches_whole_words_case_insensitively():
    text = "Haftar and HAFTAR, but not Haftarism nor preHaftar."
    assert spans(text, [(1, "Haftar")]) == [(0, 6, 1, "Haftar"), (11, 17, 1, "HAFTAR")]


def test_longest_match_wins_on_overlap():
    text = "The Government of National Accord said so."
    names = [(1, "National Accord"), (2, "Government of National Accord")]
    assert spans(text, names) == [(4, 33, 2, "Government of National Accord")]


def test_canonical_name_inside_a_longer_alias_of_the_same_actor_is_the_mention():
    text = "Russian President Vladimir Putin spoke."
    result = spans(text, [(7, "Vladimir Putin")], aliases=[(7, "Russian President Vladimir Putin")])
    assert result == [(18, 32, 7, "Vladimir Putin")]


def test_registry_qualifiers_in_brackets_are_not_part_of_the_name():
    assert surface_name("Germany (Federal Government)") == "Germany"
    assert surface_name("Khalifa Haftar") == "Khalifa Haftar"
    assert spans("Germany insists.", [(3, "Germany (Federal Government)")]) == [(0, 7, 3, "Germany")]


def test_offsets_are_code_points_around_emoji_combining_marks_and_arabic():
    text = "🇱🇾 Haftar 🎉 met ḩafṯar and \u062d\u0641\u062a\u0631 (حفتر) then e\u0301Haftar."
    names = [(1, "Haftar"), (2, "حفتر")]
    result = spans(text, names)
    assert (3, 9, 1, "Haftar") in result
    assert all(text[start:end] == quote for start, end, _, quote in result)
    arabic = [r for r in result if r[2] == 2]
    assert len(arabic) == 2
    # A combining mark glued to the name makes it part of a longer word: no match there.
    assert not any(text[start - 1] == "\u0301" for start, *_ in result)


def test_whitespace_inside_a_name_matches_any_whitespace():
    text = "Government of\u00a0National  Accord"
    assert spans(text, [(1, "Government of National Accord")]) == [(0, len(text), 1, text)]


def test_spans_already_annotated_are_skipped():
    text = "Haftar met Putin."
    assert spans(text, [(1, "Haftar"), (2, "Putin")], skip=[(0, 6)]) == [(11, 16, 2, "Putin")]


def test_empty_registry_suggests_nothing():
    assert suggest_mentions("Haftar", []) == []
    assert isinstance(suggest_mentions("Haftar", [(1, "Haftar")])[0], Suggestion)


def test_every_reference_mention_that_is_a_registered_name_or_alias_is_suggested_on_the_demo_article():
    if not (DEMO / "libya-haftar-putin.gold.json").exists():
        pytest.skip("demo data not present")
    text = (DEMO / "libya-haftar-putin.txt").read_text(encoding="utf-8")
    gold = json.loads((DEMO / "libya-haftar-putin.gold.json").read_text(encoding="utf-8"))
    registry = json.loads((DEMO / "libya-haftar-putin.actors.json").read_text(encoding="utf-8"))["actors"]
    ids = {key: number for number, key in enumerate(registry, start=1)}
    names = [(ids[key], actor["canonical_name"]) for key, actor in registry.items()]
    aliases = [(ids[key], alias) for key, actor in registry.items() for alias in actor.get("aliases") or []]
    suggested = {(s.start, s.end, s.actor_id) for s in suggest_mentions(text, names, aliases=aliases)}

    expected = []
    for span in gold:
        actor = span["attributes"].get("actor")
        if span["type"] != "actor" or not isinstance(actor, str):
            continue
        known = {n.casefold() for n in [registry[actor]["canonical_name"], *(registry[actor].get("aliases") or [])]}
        known |= {surface_name(registry[actor]["canonical_name"]).casefold()}
        if span["quote"].casefold() in known:
            expected.append((span["start"], span["end"], ids[actor]))
    assert len(expected) >= 40
    assert [e for e in expected if e not in suggested] == []
