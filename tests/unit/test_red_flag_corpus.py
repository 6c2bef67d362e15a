"""The generated red-flag corpus (core/triage/corpus.py) on its own: size, halves, determinism.

No detector here; its recall is measured by `python -m tools.red_flag_eval`.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

import pytest

from core.triage import corpus


@pytest.fixture(scope="module")
def items() -> list[dict]:
    return corpus.generate()


def _half(family: str, wording: str) -> str:
    # Recomputed here rather than imported, so a change to the formula in the module is caught.
    return ("tuning", "sealed")[
        int(hashlib.sha256(f"{family}:{wording}".encode()).hexdigest(), 16) % 2
    ]


def test_enough_red_flags_and_look_alikes(items: list[dict]) -> None:
    assert sum(1 for item in items if item["level"]) >= 1500
    assert sum(1 for item in items if item["level"] is None) >= 500


def test_fields_and_levels_are_valid(items: list[dict]) -> None:
    for item in items:
        assert set(item) == {"text", "level", "family", "wording", "subject", "half"}, item
        assert item["level"] in ("emergency", "urgent", None), item
        assert item["subject"] in ("self", "other"), item
        assert item["half"] in ("tuning", "sealed"), item
        assert item["text"].strip() and "{" not in item["text"] and "}" not in item["text"], item


def test_required_families_are_there(items: list[dict]) -> None:
    families = {item["family"] for item in items}
    assert {
        "colour",
        "relative",
        "after_test",
        "nipple_change",
        "intermittent",
        "report_then_question",
        "spontaneous_one_side",
        "lump",
        "skin",
        "male",
        "emergency",
        "family_history",
        "past_resolved",
        "negated",
        "general_question",
        "benign",
        "procedure_words",
    } <= families
    for item in items:  # a family is either all red flags or all look-alikes
        assert (item["level"] is None) == (item["family"] in corpus.LOOK_ALIKE_FAMILIES), item


def test_halves_follow_the_fixed_hash(items: list[dict]) -> None:
    for item in items:
        assert item["half"] == _half(item["family"], item["wording"]), item


def test_every_family_has_wordings_in_both_halves(items: list[dict]) -> None:
    wordings: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for item in items:
        wordings[item["family"]][item["half"]].add(item["wording"])
    for family, halves in wordings.items():
        assert len(halves["tuning"]) >= 1 and len(halves["sealed"]) >= 1, (family, dict(halves))
        assert len(halves["tuning"] | halves["sealed"]) >= 6, family


def test_a_key_wording_belongs_to_one_family(items: list[dict]) -> None:
    families: dict[str, set] = defaultdict(set)
    for item in items:
        families[item["wording"].lower()].add(item["family"])
    assert not {wording: fams for wording, fams in families.items() if len(fams) > 1}


def _pattern(wording: str) -> re.Pattern:
    # Placeholders ({my}, {x}...) stand for a few words: "my", "my husband's", "a breast lump".
    parts = re.split(r"\{[^{}]*\}", wording)
    return re.compile(
        r"(?<!\w)" + r".{1,40}?".join(re.escape(part) for part in parts) + r"(?!\w)", re.IGNORECASE
    )


def test_tuning_texts_never_show_a_sealed_wording(items: list[dict]) -> None:
    # The point of the split: someone reading the tuning half cannot learn a sealed wording.
    tuning_texts = [item["text"] for item in items if item["half"] == "tuning"]
    sealed = sorted(
        {(item["family"], item["wording"]) for item in items if item["half"] == "sealed"}
    )
    leaks = [
        (family, wording)
        for family, wording in sealed
        if any(_pattern(wording).search(t) for t in tuning_texts)
    ]
    assert not leaks


def test_deterministic(items: list[dict]) -> None:
    assert corpus.generate() == items


def test_no_duplicate_texts(items: list[dict]) -> None:
    texts = [" ".join(item["text"].lower().split()) for item in items]
    assert len(texts) == len(set(texts))


def test_split_helpers(items: list[dict]) -> None:
    tuning, sealed = corpus.tuning(), corpus.sealed()
    assert tuning and sealed and len(tuning) + len(sealed) == len(items)
    assert {item["half"] for item in tuning} == {corpus.TUNING}
    assert {item["half"] for item in sealed} == {corpus.SEALED}
