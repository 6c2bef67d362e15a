"""Red flags on wordings the rule book was not tuned on: floors on the generated corpus's
sealed half and the forum-style messages (written without seeing the rules), plus one
example per family of the mechanisms the detector composes.

The sealed sets are only counted here and in `make evaluate`; their texts are never printed.
Figures at the time of writing are in the comments; the floors leave a little room.
"""

from __future__ import annotations

import pytest

from core.triage.detector import CONTEXT_SIGNS
from core.triage.verdict import CHECK, CLARIFY, ESCALATE, build_triage
from tools.red_flag_eval import evaluate


@pytest.fixture(scope="module")
def triage():
    return build_triage()


@pytest.fixture(scope="module")
def figures(triage):
    return evaluate(triage)


def test_the_sets_are_there_and_big_enough(figures):
    assert figures["sealed"]["red_flags"]["n"] + figures["tuning"]["red_flags"]["n"] >= 1500
    assert figures["sealed"]["look_alikes"]["n"] + figures["tuning"]["look_alikes"]["n"] >= 500
    forum = figures["forum_tuning"]["messages"] + figures["forum_sealed"]["messages"]
    assert forum >= 300


@pytest.mark.parametrize("name", ["sealed", "forum_sealed", "tuning", "forum_tuning"])
def test_every_emergency_is_escalated_as_one(figures, name):
    # sealed 80/80, forum_sealed 24/24
    emergency = figures[name]["by_level"]["emergency"]
    assert emergency["caught"] == emergency["n"]


@pytest.mark.parametrize(
    "name, floor",
    [("sealed", 0.99), ("tuning", 0.99), ("forum_sealed", 0.95), ("forum_tuning", 0.98)],
)
def test_urgent_signs_are_escalated_or_clarified(figures, name, floor):
    # sealed 99.6%, forum_sealed 97.3%
    assert figures[name]["by_level"]["urgent"]["recall"] >= floor


@pytest.mark.parametrize("name", ["sealed", "forum_sealed", "tuning", "forum_tuning"])
def test_look_alikes_rarely_raise_an_alarm(figures, name):
    # sealed 2.2%, forum_sealed 0 of 50
    assert figures[name]["look_alikes"]["false_alarm_rate"] <= 0.05


@pytest.mark.parametrize("name, floor", [("forum_sealed", 0.85), ("forum_tuning", 0.95)])
def test_own_reports_without_a_red_flag_get_questions(figures, name, floor):
    # forum_sealed 22/24: the symptom check or a clarifying question, not reassurance
    assert figures[name]["by_level"]["check"]["recall"] >= floor


# One example per family of the misses; none is a phrase in the rule book.
@pytest.mark.parametrize(
    "text, action, level",
    [
        ("a dark brownish fluid comes out of the left one", ESCALATE, "urgent"),
        ("the stuff is pinky and rust-coloured", ESCALATE, "urgent"),
        ("My husband has fluid coming out of his nipple", ESCALATE, "urgent"),
        ("my 40-year-old son's nipple leaks", ESCALATE, "urgent"),
        ("my mother had breast cancer, am I at risk?", None, None),
        ("Still really sore ten days after the galactogram", ESCALATE, "urgent"),
        ("the red patch after my ductogram keeps spreading", ESCALATE, "urgent"),
        ("hot and swollen since the test", ESCALATE, "urgent"),
        ("My nipple has started pointing inwards", ESCALATE, "urgent"),
        ("the nipple went flat and scabby", ESCALATE, "urgent"),
        ("it stopped bleeding this morning but it's only ever the left one", ESCALATE, "urgent"),
        ("now and then a drop of clear fluid marks my top", ESCALATE, "urgent"),
        ("there's stuff coming out of my nipple. it brown colour", ESCALATE, "urgent"),
        ("discharge when I press it. male", ESCALATE, "urgent"),
        ("Brown fluid from my left nipple, what does that mean?", ESCALATE, "urgent"),
        (
            "what should I wear to the test, by the way the discharge from one breast is bloody now",
            ESCALATE,
            "urgent",
        ),
        ("my mum can't catch her breath since they put the dye in", ESCALATE, "emergency"),
        ("I have some nipple discharge and I'm worried", CHECK, None),
        ("my nipples leak a bit, can you help me figure out if it's a problem", CHECK, None),
        ("I had a lump years ago that went away", None, None),
        ("I don't have trouble breathing, I just want to know how long it takes", None, None),
        ("no lumps, bumps, redness or discharge, just nervous about the test", None, None),
        ("my dog has a lump on her belly", None, None),
        ("what does bloody discharge mean?", "general", "urgent"),
        # From an independent review: a verb's negation, a time clause, someone else's history and
        # a dropped subject must not hide a sign; a shape since the teens and a benign result must not alarm.
        ("I didn't think much of it until I saw blood on my bra", ESCALATE, "urgent"),
        ("I found a lump when I was in the shower", ESCALATE, "urgent"),
        ("My mum died of breast cancer, I found a lump in my breast", ESCALATE, "urgent"),
        ("can barely breathe", ESCALATE, "emergency"),
        ("Have lump in left breast, 3 wks, getting bigger", ESCALATE, "urgent"),
        (
            "My nipples have always been inverted, since I was a teenager. Will that affect the test?",
            None,
            None,
        ),
        (
            "Got the results back, the lump is just a fibroadenoma, nothing to worry about!",
            None,
            None,
        ),
        ("I'm 100% sure the milky discharge only comes when I squeeze my left one", CHECK, None),
    ],
)
def test_signs_are_found_by_composition_and_context(triage, text, action, level):
    verdict = triage.assess(text)[1]
    assert (verdict.action, verdict.level) == (action, level), triage.detector.detect(text)


def test_another_persons_current_sign_names_them(triage):
    detection = triage.detector.detect("my wife's lips are swelling up after the dye")
    assert detection.subject and (detection.subject.relation, detection.subject.pronoun) == (
        "wife",
        "she",
    )


def test_a_relatives_sign_with_no_time_is_asked_about(triage):
    assert triage.assess("my sister with a lump in her breast??")[1].action == CLARIFY
    assert triage.assess("my sister had a lump")[1].action is None  # family history


def test_misspelled_domain_words_are_read_and_common_words_left_alone(triage):
    detector = triage.detector
    assert detector.fixer.fix("nippel") == "nipple"
    assert detector.fixer.fix("dischrge") == "discharge"
    assert (
        detector.fixer.fix("breath") == "breath"
    )  # one letter from "breast", and ordinary English
    assert triage.assess("blody dischrage from my nippel")[1].level == "urgent"


def test_the_safety_net_asks_when_the_rules_find_nothing(triage):
    # No word class covers "gone a funny shape"; the learned net turns silence into a question.
    text = "my left side has gone a funny shape"
    detection, verdict, score = triage.assess(text)
    assert not set(detection.active_signs) - CONTEXT_SIGNS
    assert score >= triage.net.threshold and verdict.action == CLARIFY
    rules_only = build_triage(with_net=False)
    assert rules_only.assess(text)[1].action is None
    assert triage.assess("How long does a ductogram take?")[1].action is None
