"""Scoring a coder against a reference coding: precision, recall and F1 per label, exact and overlap, by hand."""

import pytest

from annotations.agreement import Agreement

TEXT = "aaaa bbbb cccc dddd eeee ffff"
REFERENCE = [("ACTOR", 0, 4), ("ACTOR", 5, 9), ("CLAIM", 10, 19), ("SOURCE", 20, 24)]
CODER = [("ACTOR", 0, 4), ("ACTOR", 5, 14), ("CLAIM", 10, 19), ("ACTOR", 25, 29)]


@pytest.fixture
def study():
    return Agreement({1: TEXT}, {"coder": {1: CODER}, "gold": {1: REFERENCE}}, labels=["CLAIM", "ACTOR", "SOURCE"])


def test_per_label_precision_recall_and_f1_match_the_hand_computed_figures(study):
    score = study.score("coder", "gold")
    assert score["articles"] == 1
    actor = score["labels"]["ACTOR"]
    assert (actor["spans"], actor["reference_spans"]) == (3, 2)
    # exact: 1 of the coder's 3 spans is in the reference, 1 of its 2 is the coder's: F1 = 2*1/(3+2)
    assert actor["exact"] == pytest.approx({"precision": 1 / 3, "recall": 1 / 2, "f1": 0.4})
    # overlap: 2 of 3 of the coder's overlap a reference ACTOR span, both of the reference's are overlapped
    assert actor["overlap"] == pytest.approx({"precision": 2 / 3, "recall": 1.0, "f1": 0.8})
    assert score["labels"]["CLAIM"]["exact"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    # The coder marked no SOURCE: precision is undefined, recall and F1 are 0.
    assert score["labels"]["SOURCE"]["exact"] == {"precision": None, "recall": 0.0, "f1": 0.0}
    assert score["labels"]["SOURCE"]["overlap"] == {"precision": None, "recall": 0.0, "f1": 0.0}


def test_overall_counts_every_span_and_needs_the_labels_to_match(study):
    overall = study.score("coder", "gold")["overall"]
    assert overall["exact"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})
    assert overall["overlap"] == pytest.approx({"precision": 0.75, "recall": 0.75, "f1": 0.75})


def test_differences_name_missed_extra_and_boundary_spans_in_text_order(study):
    found = [(d["label"], d["start"], d["end"], d["kind"], d["side"]) for d in study.differences("coder", "gold")]
    assert found == [
        ("ACTOR", 5, 9, "boundary", "reference"),
        ("ACTOR", 5, 14, "boundary", "coder"),
        ("SOURCE", 20, 24, "missed", "reference"),
        ("ACTOR", 25, 29, "extra", "coder"),
    ]


def test_a_label_conflict_is_its_own_kind():
    study = Agreement({1: TEXT}, {"c": {1: [("CLAIM", 0, 4)]}, "g": {1: [("ACTOR", 0, 4)]}})
    kinds = {(d["label"], d["kind"], d["side"]) for d in study.differences("c", "g")}
    assert kinds == {("CLAIM", "label", "coder"), ("ACTOR", "label", "reference")}
    assert study.score("c", "g")["overall"]["exact"]["f1"] == 0.0


def test_an_article_the_reference_did_not_code_does_not_count():
    study = Agreement({1: TEXT, 2: TEXT}, {"c": {1: CODER, 2: CODER}, "g": {1: CODER}})
    score = study.score("c", "g")
    assert score["articles"] == 1
    assert score["overall"]["exact"]["f1"] == 1.0
