"""The clarifying question's logic apart from Rasa: reading the answer (buttons and free text),
whom it is about, what happens next, and what the clarified message already told the check."""

import pytest
import textstat
import yaml

from core.content import DOMAIN_FILE
from core.triage.clarify import (
    CALM,
    CHECK,
    ESCALATE,
    GENERAL,
    OTHER,
    PAST,
    SELF,
    UNCLEAR,
    check_answers,
    next_step,
    read_sign_owner,
    read_subject,
    sex_of,
)
from core.triage.rules import load_rulebook

RULEBOOK = load_rulebook()
DOMAIN = yaml.safe_load(DOMAIN_FILE.read_text())


def test_the_buttons_send_words_that_are_read():
    question = DOMAIN["responses"]["utter_ask_sign_owner"][0]
    read = {b["title"]: read_sign_owner(b["payload"], RULEBOOK) for b in question["buttons"]}
    assert read == {
        "Yes, to me, now": SELF,
        "Yes, to someone I'm asking for": OTHER,
        "No, it was in the past": PAST,
        "No, it's a general question": GENERAL,
    }


def test_the_question_is_short_and_plain():
    text = DOMAIN["responses"]["utter_ask_sign_owner"][0]["text"]
    assert text.endswith("?") and text.count("?") == 1 and len(text.split()) <= 20
    assert textstat.flesch_kincaid_grade(text) <= 8.0


@pytest.mark.parametrize(
    "text,owner",
    [
        ("yes me", SELF),
        ("yse its me", SELF),
        ("yes", SELF),
        ("me", SELF),
        ("mine", SELF),
        ("right now", SELF),
        ("yeah my left boob", SELF),
        ("it's still there, started years ago", SELF),
        ("yes, I'm a man", SELF),
        ("its my mum", OTHER),
        ("my husband, yes now", OTHER),
        ("not me, my son", OTHER),
        ("for my wife", OTHER),
        ("it's happening to my daughter right now", OTHER),
        ("she does", OTHER),
        ("someone else", OTHER),
        ("no that was years ago", PAST),
        ("I had it last year but it stopped", PAST),
        ("not any more", PAST),
        ("it was my sister years ago", PAST),
        ("it went away", PAST),
        ("just asking", GENERAL),
        ("just curious", GENERAL),
        ("in general", GENERAL),
        ("no", GENERAL),
        ("nope, nobody", GENERAL),
        ("just wondering", GENERAL),
        ("asdf qwer", None),
        ("hmm not sure", None),
        ("what is a ductogram", None),
        ("", None),
    ],
)
def test_free_text_answers(text, owner):
    assert read_sign_owner(text, RULEBOOK) == owner


@pytest.mark.parametrize(
    "text,subject",
    [
        ("its my mum", {"relation": "mum", "pronoun": "she"}),
        ("my husband, yes now", {"relation": "husband", "pronoun": "he"}),
        ("my mum's, she is 70", {"relation": "mum", "pronoun": "she"}),
        ("i'm asking for my partner, he has it", {"relation": "partner", "pronoun": "he"}),
        ("for a friend", {"relation": "friend", "pronoun": "they"}),
        ("Yes, to someone I'm asking for", {"relation": "someone", "pronoun": "they"}),
        ("yes she does", {"relation": "someone", "pronoun": "she"}),
        ("yes, I'm a man", None),
        ("yes me", None),
    ],
)
def test_whom_it_is_about(text, subject):
    assert read_subject(text, RULEBOOK) == subject


CLARIFY_URGENT = {
    "action": "clarify",
    "if_confirmed_level": "urgent",
    "if_confirmed_reasons": ["bloody_discharge"],
}
CLARIFY_ONLY = {"action": "clarify", "if_confirmed_level": None, "if_confirmed_reasons": []}


@pytest.mark.parametrize(
    "owner,verdict,step",
    [
        (SELF, CLARIFY_URGENT, ESCALATE),
        (OTHER, CLARIFY_URGENT, ESCALATE),
        (SELF, CLARIFY_ONLY, CHECK),
        (OTHER, CLARIFY_ONLY, CHECK),
        (SELF, None, CHECK),
        (PAST, CLARIFY_URGENT, CALM),
        (GENERAL, CLARIFY_URGENT, CALM),
        (GENERAL, CLARIFY_ONLY, CALM),
        (UNCLEAR, CLARIFY_URGENT, CHECK),
        (None, CLARIFY_ONLY, CHECK),
    ],
)
def test_what_happens_next(owner, verdict, step):
    """Never silence: a red flag confirmed now escalates, a current sign without one starts the
    check, a past sign or a general question gets a calm answer, and an answer still unclear
    after asking twice starts the check too."""
    assert next_step(owner, verdict) == step


def finding(sign, **context):
    return {
        "sign": sign,
        "text": sign,
        "negated": False,
        "general": False,
        "historical": False,
        "other_person": False,
        **context,
    }


def test_confirmed_signs_fill_the_check():
    red_flags = {
        "findings": [
            finding("clear_discharge", general=True),
            finding("discharge", general=True),
            finding("one_side"),
        ],
        "unsure_signs": ["clear_discharge", "discharge"],
    }
    text = "is clear fluid from one nipple something to worry about"
    assert check_answers(text, red_flags, SELF) == {
        "discharge_colour": "clear",
        "discharge_side": "one",
    }
    assert check_answers(text, red_flags, PAST) == {}


def test_a_carers_answers_count_for_the_person_and_say_their_sex():
    red_flags = {
        "findings": [
            finding("discharge", other_person=True),
            finding("both_sides", other_person=True),
            finding("lump", other_person=True, negated=True),
        ]
    }
    answers = check_answers(
        "my husband has discharge from both sides, no lump",
        red_flags,
        OTHER,
        {"relation": "husband", "pronoun": "he"},
    )
    assert answers == {"discharge_side": "both", "lump": "no", "sex": "male"}


def test_sex_is_only_taken_from_a_pronoun_when_discharge_was_reported():
    discharge = {"findings": [finding("discharge", other_person=True)]}
    lump_only = {"findings": [finding("lump", other_person=True)]}
    assert sex_of({"pronoun": "he"}, discharge) == "male"
    assert sex_of({"pronoun": "she"}, discharge) == "female"
    assert sex_of({"pronoun": "they"}, discharge) is None
    assert (
        sex_of({"pronoun": "he"}, lump_only) is None
    )  # "discharge in a man" must not be said unreported
    assert sex_of(None, discharge) is None
