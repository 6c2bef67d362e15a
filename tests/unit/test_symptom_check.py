"""The symptom check's logic apart from Rasa: reading answers, stopping, the outcome."""

import pytest

from core.triage.detector import RedFlagDetector
from core.triage.messages import symptom_check_summary
from core.triage.rules import load_rulebook
from core.triage.symptom_check import (
    QUESTIONS,
    answer_summary,
    outcome,
    questions_left,
    read_answers,
)

RULEBOOK = load_rulebook()


@pytest.fixture(scope="module")
def detector():
    return RedFlagDetector(RULEBOOK)


def answers_in(detector, text, requested=None, intent="inform"):
    return read_answers(text, detector.detect(text).as_dict(), intent, requested)


def test_one_message_can_answer_several_questions(detector):
    assert answers_in(detector, "it's bloody and only on the left") == {
        "discharge_colour": "bloody",
        "discharge_side": "one",
    }
    assert answers_in(detector, "it's clear, from both breasts, only when I squeeze") == {
        "discharge_colour": "clear",
        "discharge_side": "both",
        "discharge_trigger": "when_squeezed",
    }


@pytest.mark.parametrize(
    "text,requested,intent,expected",
    [
        ("Yes", "lump", "affirm", {"lump": "yes"}),
        ("No", "lump", "deny", {"lump": "no"}),
        (
            "no lumps at all",
            "skin_or_nipple_changes",
            "deny",
            {"lump": "no", "skin_or_nipple_changes": "no"},
        ),
        ("I'm 42", "age_band", "inform", {"age_band": "30_49"}),
        ("50 or over", "age_band", "inform", {"age_band": "50_plus"}),
        ("I'm male", "sex", "inform", {"sex": "male"}),
        ("Female", "sex", "inform", {"sex": "female"}),
        ("Neither", "pregnancy", "inform", {"pregnancy": "neither"}),
        ("I'm breastfeeding", "pregnancy", "inform", {"pregnancy": "breastfeeding"}),
        ("I have a port", "infusion_or_port", "inform", {"infusion_or_port": "port"}),
        ("I get infusions", "infusion_or_port", "inform", {"infusion_or_port": "infusion"}),
        ("I'm not sure", "discharge_colour", "inform", {"discharge_colour": "unsure"}),
        ("It is milky", "discharge_colour", "inform", {"discharge_colour": "milky"}),
        (
            "It comes out by itself",
            "discharge_trigger",
            "inform",
            {"discharge_trigger": "on_its_own"},
        ),
        ("Yes", "medicines", "affirm", {"medicines": "yes"}),
        ("what is a ductogram", "lump", "faq", {}),
    ],
)
def test_answers_from_buttons_and_free_text(detector, text, requested, intent, expected):
    assert answers_in(detector, text, requested, intent) == expected


def test_benign_answers_ask_every_question_and_end_without_a_level():
    answers = {
        "discharge_colour": "milky",
        "discharge_side": "both",
        "discharge_trigger": "when_squeezed",
        "lump": "no",
    }
    assert questions_left(answers, [], RULEBOOK) == QUESTIONS[4:]
    everything = dict(
        answers,
        skin_or_nipple_changes="no",
        sex="female",
        age_band="30_49",
        pregnancy="neither",
        medicines="no",
        infusion_or_port="neither",
    )
    assert questions_left(everything, [], RULEBOOK) == []
    assert outcome(everything, [], RULEBOOK).level == "routine"  # both breasts: ask about prolactin


def test_a_red_flag_ends_the_questions_at_once():
    assert questions_left({"discharge_colour": "bloody"}, [], RULEBOOK) == []
    assert (
        questions_left(
            {
                "discharge_colour": "clear",
                "discharge_side": "one",
                "discharge_trigger": "on_its_own",
            },
            [],
            RULEBOOK,
        )
        == []
    )
    assert questions_left({"discharge_colour": "clear"}, ["fever"], RULEBOOK) == []
    assert (
        outcome(
            {
                "discharge_colour": "clear",
                "discharge_side": "one",
                "discharge_trigger": "on_its_own",
            },
            [],
            RULEBOOK,
        ).level
        == "urgent"
    )


def test_combinations_of_answers_raise_the_level():
    assert outcome({"sex": "male"}, [], RULEBOOK).level == "urgent"
    assert outcome({"age_band": "50_plus", "discharge_side": "one"}, [], RULEBOOK).level == "urgent"
    assert (
        outcome({"age_band": "50_plus", "discharge_side": "both"}, [], RULEBOOK).level == "routine"
    )
    assert (
        outcome({"infusion_or_port": "port", "discharge_side": "one"}, [], RULEBOOK).level
        == "urgent"
    )
    assert outcome({"pregnancy": "pregnant"}, [], RULEBOOK).level == "routine"
    assert (
        outcome({"discharge_colour": "milky", "discharge_side": "one"}, [], RULEBOOK).level is None
    )


def test_summary_says_what_to_tell_the_doctor():
    answers = {"discharge_colour": "clear", "discharge_side": "both", "medicines": "yes"}
    text = symptom_check_summary(None, answer_summary(answers))
    assert (
        "the fluid is clear or watery; it comes from both breasts; you take regular medicines (bring the list)"
        in text
    )
    assert "did not find a sign" in text


@pytest.mark.parametrize(
    "text,requested,expected",
    [
        ("both", "discharge_side", {"discharge_side": "both"}),
        ("both of them", "discharge_side", {"discharge_side": "both"}),
        ("just the rite one", "discharge_side", {"discharge_side": "one"}),
        ("when i sqeeze it", "discharge_trigger", {"discharge_trigger": "when_squeezed"}),
        ("i dont squeeze, it just comes", "discharge_trigger", {"discharge_trigger": "on_its_own"}),
        ("by itslef", "discharge_trigger", {"discharge_trigger": "on_its_own"}),
        ("both", "lump", {}),  # words that answer only the question just asked
    ],
)
def test_short_and_misspelled_answers_to_the_question_asked(text, requested, expected):
    assert read_answers(text, {}, "inform", requested) == expected
